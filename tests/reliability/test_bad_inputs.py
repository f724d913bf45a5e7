"""A corpus of bad inputs through the real download, asr and frames stages.

Each bad item must end as a recorded error that names the file, row or key; the good videos
must still be processed; nothing may be written outside the stage's output directory, and every
file name there must come from a sanitised id.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.reliability.bad_corpus import dir_listing, huge, make_bad_videos, malformed_rows

HOSTILE_TITLE = "$(touch pwned)`touch pwned2`;rm -rf ~ \x07\x1b[31mred\x1b[0m\r\nsecond line\x00nul"
SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


def _outside(ws) -> set[str]:
    """Everything in the workspace that no stage may touch: all but outputs/, metrics/, logs."""
    return {p for p in dir_listing(ws.root) if not p.startswith(("outputs", "metrics")) and not p.endswith(".log")}


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_bad_videos_are_recorded_per_stage_and_good_ones_finish(workspace, clips, stain_model_json, tmp_path):
    bad = make_bad_videos(tmp_path / "bad", clips[0])
    rows = [
        {"video_id": "good", "url": str(clips[0]), "title": "a good lecture", "channel": "c", "duration": ""},
        # hostile id and title on a readable video: files must be named by the sanitised id
        {"video_id": "../../x", "url": str(clips[1]), "title": HOSTILE_TITLE, "channel": "../../etc", "duration": ""},
    ]
    rows += [
        {"video_id": b.video_id, "url": str(b.path), "title": b.video_id, "channel": "c", "duration": ""} for b in bad
    ]
    workspace.write_video_list(rows)
    workspace.use_stain_model(stain_model_json)
    outside_before = _outside(workspace)

    # ---- download
    res = workspace.run("download")
    assert res.returncode == 0, res.stderr[-3000:]
    m = workspace.metrics("download")
    expected_failed = sorted(b.video_id for b in bad if b.download[0] == "failed")
    assert m["failed_ids"] == expected_failed and m["ok"] == 3, m
    dl = workspace.path("outputs/download")
    for b in bad:
        rec = json.loads((dl / f"{b.video_id}.record.json").read_text())
        status, words = b.download
        assert rec["status"] == status, rec
        for w in words:
            assert w in (rec["error"] or ""), (b.video_id, rec["error"])
        if status == "failed":
            assert not list(dl.glob(f"{b.video_id}.*mp4*")), "a failed download left a media file behind"
    rec_x = json.loads((dl / "x.record.json").read_text())
    # params.yaml splits downloads (download.split_streams): picture and sound in files of their own
    assert rec_x["status"] == "ok" and (rec_x["video_path"], rec_x["audio_path"]) == ("x.video.mp4", "x.audio.mp4")
    assert rec_x["title"] == HOSTILE_TITLE and rec_x["channel"] == "../../etc"  # data kept verbatim, never interpreted
    assert "\x1b" not in (dl / "x.record.json").read_text()  # control characters are JSON-escaped

    # ---- asr
    res = workspace.run("asr")
    assert res.returncode == 0, res.stderr[-3000:]
    asr = workspace.path("outputs/asr")
    assert json.loads((asr / "good.json").read_text())["status"] == "ok"
    for b in bad:
        tr = json.loads((asr / f"{b.video_id}.json").read_text())
        if b.asr:
            status, words = b.asr
            assert tr["status"] == status and all(w in tr["error"] for w in words), tr
        else:  # not downloaded: skipped, quoting the download's own error word for word
            rec = json.loads((dl / f"{b.video_id}.record.json").read_text())
            assert tr["status"] == "skipped" and tr["error"] == f"download status failed: {rec['error']}", (tr, rec)
    assert workspace.metrics("asr")["videos"] == len(rows)

    # ---- frames
    res = workspace.run("frames")
    assert res.returncode == 0, res.stderr[-3000:]
    fr = workspace.path("outputs/frames")
    for b in bad:
        fa = json.loads((fr / f"{b.video_id}.json").read_text())
        if b.frames:
            assert fa["status"] in b.frames[0].split("|"), fa
        else:
            # the download's own error, word for word: the file is named two stages later still
            rec = json.loads((dl / f"{b.video_id}.record.json").read_text())
            assert fa["status"] == "failed" and fa["error"] == f"download failed: {rec['error']}", (fa, rec)
    assert workspace.metrics("frames")["videos"] == len(rows)

    # ---- nothing escaped, every name is a sanitised id, no shell ever ran the title
    assert _outside(workspace) == outside_before
    ids = {"good", "x"} | {b.video_id for b in bad}
    for stage in ("download", "asr", "frames"):
        for p in workspace.path(f"outputs/{stage}").iterdir():
            assert SAFE_NAME.match(p.name) and p.name.split(".")[0] in ids, p
    assert not list(tmp_path.rglob("*pwned*")) and not list(workspace.root.resolve().parent.parent.rglob("pwned*"))


def _write_raw_list(ws, lines: list[str]) -> None:
    p = ws.path("data/videos.csv")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text("video_id,url,title,channel,duration\n" + "\n".join(lines) + "\n")
    ws.set_params(**{"download.video_list": "data/videos.csv"})


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_malformed_video_list_rows_are_rejected_by_line_and_the_rest_downloads(workspace, clips):
    rows = malformed_rows(str(clips[0]))
    huge_title = f"huge_title,{clips[1]},{huge()},c,"
    lines = [r for r, _ in rows[:-1]] + [huge_title, f"good_b,{clips[1]},ok,c,", rows[-1][0]]
    _write_raw_list(workspace, lines)
    res = workspace.run("download")
    assert res.returncode == 0, res.stderr[-3000:]
    m = workspace.metrics("download")
    assert m["ok"] == 2 and m["failed"] == 0, m  # good_a, good_b
    rejected = m["rejected_rows"]
    # every bad row is rejected once, with the list's path and its line number
    expected = {i + 2: words for i, (_, words) in enumerate(rows[:-1]) if words}
    expected[len(rows) + 1] = ["field larger than field limit"]  # the 10 MB title
    expected[len(rows) + 3] = rows[-1][1]
    assert len(rejected) == len(expected), rejected
    for line, words in expected.items():
        hit = [r for r in rejected if r.startswith(f"data/videos.csv:{line}:")]
        assert hit and all(w in hit[0] for w in words), (line, words, rejected)
    assert all(len(r) < 1000 for r in rejected)  # a 10 MB field is not copied into the error
    for r in rejected:
        assert r in res.stderr  # and each is logged where an operator sees it
    assert sorted(p.name for p in workspace.path("outputs/download").iterdir()) == [
        f"{v}.{part}" for v in ("good_a", "good_b") for part in ("audio.mp4", "info.json", "record.json", "video.mp4")
    ]


def _tree_hashes(*dirs) -> dict:
    import hashlib

    out = {}
    for d in dirs:
        for f in sorted(d.rglob("*")) if d.is_dir() else [d]:
            if f.is_file():
                out[str(f)] = (hashlib.sha256(f.read_bytes()).hexdigest(), f.stat().st_mtime_ns)
    return out


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_video_list_without_required_columns_fails_fast_and_keeps_earlier_work(workspace, clips):
    """The list is read, and so checked, before the stage touches its output: after a good
    download, a list that lost its url column names the file and the columns, and every earlier
    file (the downloads, the marker, the stage's metrics) is byte- and mtime-identical."""
    _write_raw_list(workspace, [f"v1,{clips[0]},ok,c,"])
    res = workspace.run("download")
    assert res.returncode == 0, res.stderr[-3000:]
    kept = [
        workspace.path("outputs/download"),
        workspace.path("outputs/.fingerprints"),
        workspace.path("metrics/download.json"),
    ]
    before = _tree_hashes(*kept)
    assert len([k for k in before if "/outputs/download/" in k]) == 4
    workspace.path("data/videos.csv").write_text("video_id,link\nv1,x.mp4\n")
    res = workspace.run("download", timeout=120)
    assert res.returncode != 0
    assert "data/videos.csv: missing column(s) ['url']" in res.stderr
    assert _tree_hashes(*kept) == before


@pytest.mark.parametrize(
    "dotted, value, words",
    [
        ("project.workers", "two", ["project.workers", "two"]),
        ("frames.scenes.treshold", 30, ["frames.scenes.treshold", "unknown key"]),  # a typo of threshold
        ("asr.beam_size", [5], ["asr.beam_size"]),
        ("download.retries", -1, ["download.retries", "greater than or equal to 0"]),
    ],
)
def test_params_of_the_wrong_type_or_unknown_keys_fail_before_any_work(workspace, clips, dotted, value, words):
    workspace.write_video_list([{"video_id": "v0", "url": str(clips[0]), "title": "", "channel": "", "duration": ""}])
    workspace.set_params(**{dotted: value})
    stage = dotted.split(".")[0] if dotted.split(".")[0] in ("frames", "asr", "download") else "download"
    res = workspace.run(stage, timeout=120)
    assert res.returncode != 0
    last = res.stderr.strip().splitlines()[-1]
    assert all(w in last for w in words), last  # the final line, the one a user reads, names the key
    assert not workspace.path("outputs").exists() and not workspace.path("metrics").exists()
