"""quiltkit.contracts: the one shape of each file a stage hands the next.

These are the files a crash, a hand edit or a version skew can leave wrong; the contract is what
turns that into an error naming the file and the field instead of a KeyError stages later."""

import json
from collections import Counter

import pytest

import quiltkit.contracts as C
from quiltkit.contracts import ContractError, FrameAnalysis, Transcript, VideoRecord


def _contract_classes():
    return [c for c in vars(C).values() if isinstance(c, type) and issubclass(c, C.Contract) and c is not C.Contract]


def test_every_contract_rejects_unknown_keys():
    """A misspelt or stale field must not pass silently, in any of them."""
    classes = _contract_classes()
    assert len(classes) >= 15
    for cls in classes:
        assert cls.model_config.get("extra") == "forbid", cls.__name__


def test_round_trip_through_a_file(tmp_path):
    rec = VideoRecord(
        video_id="v1",
        url="https://example.org/v?id=1",
        status="ok",
        video_path="v1.video.mp4",
        title="Glomerulus \u00e9 \x1b[31m",
        duration=61.5,
        subtitle_paths=["v1.en.vtt"],
    )
    rec.write(tmp_path / "v1.record.json")
    assert VideoRecord.read(tmp_path / "v1.record.json") == rec
    assert [p.name for p in tmp_path.iterdir()] == ["v1.record.json"]  # atomic: no temp file beside it
    assert "\x1b" not in (tmp_path / "v1.record.json").read_text()  # control characters escaped


def test_missing_file_names_path_and_contract(tmp_path):
    with pytest.raises(ContractError, match=r"gone\.json: missing \(Transcript\)"):
        Transcript.read(tmp_path / "gone.json")


@pytest.mark.parametrize(
    "body, where",
    [
        ({"video_id": "v", "status": "done"}, "status"),  # not one of ok/failed/skipped
        ({"video_id": "v", "segments": [{"start": 0, "end": 1}]}, "segments.0.text"),  # a segment without text
        ({"video_id": "v", "segmnts": []}, "segmnts"),  # a typo
        ({"status": "ok"}, "video_id"),
    ],
)
def test_a_bad_field_is_named_with_its_file(tmp_path, body, where):
    p = tmp_path / "v.json"
    p.write_text(json.dumps(body))
    with pytest.raises(ContractError) as err:
        Transcript.read(p)
    msg = str(err.value)
    assert msg.startswith(f"{p}: not a valid Transcript: {where}:"), msg


def test_half_written_json_is_a_contract_error(tmp_path):
    p = tmp_path / "v.json"
    p.write_text('{"video_id": "v", "sta')
    with pytest.raises(ContractError, match="not a valid FrameAnalysis"):
        FrameAnalysis.read(p)


def test_read_each_counts_statuses_and_skips_broken_files(tmp_path, caplog):
    FrameAnalysis(video_id="a").write(tmp_path / "a.json")
    FrameAnalysis(video_id="b", status="failed", error="x").write(tmp_path / "b.json")
    (tmp_path / "c.json").write_text("{not json")
    counts = Counter()
    got = [fa.video_id for fa in FrameAnalysis.read_each(tmp_path, ["a", "b", "c", "d"], counts)]
    assert got == ["a", "b"]
    assert counts == {"ok": 1, "failed": 3}  # b by its status; c broken and d missing, each warned
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "c.json: not a valid FrameAnalysis" in warned and "d.json: missing" in warned


def test_patch_rows_labels_splits_and_errors(tmp_path):
    """The one reader of patches.csv (training's check and the evaluate stage both use it): names
    and indices are both labels, and a bad label, split or header names the file and line."""
    import pytest as _pytest

    from quiltkit.contracts import ContractError, read_patch_rows

    classes = ["adipose", "stroma", "tumour"]
    f = tmp_path / "patches.csv"
    f.write_text("filepath,label,split\na.png,stroma,train\nb.png,2,test\nc.png, adipose ,val\n")
    rows = read_patch_rows(f, classes)
    assert [(r.filepath, r.label, r.split, r.line) for r in rows] == [
        ("a.png", 1, "train", 2),
        ("b.png", 2, "test", 3),
        ("c.png", 0, "val", 4),
    ]
    for body, msg in [
        ("a.png,unicorn,train\n", r"patches.csv line 2: label 'unicorn' is neither"),
        ("a.png,3,train\n", r"line 2: label '3' is neither .* index 0\.\.2"),
        ("a.png,stroma,holdout\n", r"line 2: split 'holdout' is not train\|val\|test"),
    ]:
        f.write_text("filepath,label,split\n" + body)
        with _pytest.raises(ContractError, match=msg):
            read_patch_rows(f, classes)
    f.write_text("filepath,label\na.png,stroma\n")
    with _pytest.raises(ContractError, match=r"missing columns \['split'\]"):
        read_patch_rows(f, classes)
