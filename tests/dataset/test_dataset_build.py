import json
import tarfile
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from quiltkit.config import DatasetParams
from quiltkit.contracts import QUILT_LOOKUP_COLUMNS
from quiltkit.dataset.phash import hamming, phash64
from quiltkit.dataset.sources import SourceError, external_rows
from quiltkit.dataset.stage_run import build_dataset, planted_duplicates_found
from quiltkit.execution.context import Execution
from tests.dataset.synth_corpus import XSS, make_corpus


def _build(root, params, out):
    """The dataset stage's build over the synthetic corpus, as stages/dataset.py calls it."""
    return build_dataset(
        params,
        root / "outputs/pairs",
        out,
        Execution(seed=1337, root=root),
        download_dir=root / "outputs/download",
        corpus_dir=root / "data/demo",
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    cfg = make_corpus(root)
    params = DatasetParams(
        external_sources=cfg["sources"],
        eval_sets=cfg["eval_sets"],
        val_fraction=0.3,
        test_fraction=0.3,
        shard_size=7,
        image_size=64,
    )
    out = root / "outputs/dataset"
    stats = _build(root, params, out)
    return root, out, stats, params


def test_layout_and_columns(built):
    root, out, stats, _ = built
    df = pd.read_parquet(out / "metadata.parquet")
    assert set(QUILT_LOOKUP_COLUMNS) <= set(df.columns)
    assert {"pair_id", "image_id", "source", "video_id", "split", "filepath"} <= set(df.columns)
    assert df["pair_id"].is_unique
    for split in ("train", "val", "test"):
        csv = pd.read_csv(out / f"openclip_{split}.csv")
        assert list(csv.columns) == ["filepath", "title"]
        assert len(csv) == (df["split"] == split).sum()
    for fp in df["filepath"]:
        assert not Path(fp).is_absolute()
        with Image.open(root / fp) as im:
            assert max(im.size) <= 64 and im.format == "PNG"
    assert (out / "stats.json").exists()
    on_disk = {p.stem for p in (out / "images").glob("*.png")}
    assert on_disk == set(df["image_id"]) and stats["images"] == len(on_disk)


def test_every_source_present_and_bad_rows_skipped(built):
    _, out, stats, params = built
    df = pd.read_parquet(out / "metadata.parquet")
    assert set(df["source"]) == {"quilt_video", *params.external_sources}
    assert stats["rows_skipped"][params.external_sources[0]] == {"missing image": 1}
    assert stats["rows_skipped"][params.external_sources[2]] == {"download failed": 1}
    q = df[df["source_kind"] == "quilt_lookup"]
    assert list(q.iloc[0]["pathology"]) == ["Dermatopathology"] and q.iloc[0]["subset"] == "openpath"
    assert XSS in set(df["caption"])
    assert stats["unreadable_images"] == 1 and "a truncated download" not in set(df["caption"])


def test_exact_and_near_duplicates_collapse(built):
    _, out, stats, _ = built
    df = pd.read_parquet(out / "metadata.parquet")
    assert stats["exact_dups"] >= 1 and stats["near_dups"] >= 1
    # the external copy of a video frame now points at the video's image (richer metadata wins)
    copy = df[df["caption"] == "a frame seen on the internet"].iloc[0]
    assert copy["image_id"] == "lec1_0"
    near = df[df["caption"] == "near copy of the first"].iloc[0]
    first = df[df["caption"] == "external tissue caption number 0"].iloc[0]
    assert near["image_id"] == first["image_id"]
    # the repeated caption of x1 collapsed to one row
    assert (df["caption"].str.lower().str.replace("  ", " ") == "external tissue caption number 1").sum() == 1
    assert stats["caption_dups_collapsed"] >= 1
    # the demo manifest's planted duplicates are all found
    assert stats["planted_duplicates"] == {
        "exact": {"planted": 1, "present": 1, "merged": 1},
        "near": {"planted": 1, "present": 1, "merged": 1},
    }


def test_eval_images_never_leak(built):
    root, out, stats, _ = built
    df = pd.read_parquet(out / "metadata.parquet")
    assert stats["eval_leak_images_dropped"] == 1 and stats["eval_images_checked"] == 6
    assert "this is an eval image" not in set(df["caption"])
    eval_h = [phash64(Image.open(p)) for p in (root / "data/eval/img").glob("*.png")]
    for fp in df["filepath"].unique():
        h = phash64(Image.open(root / fp))
        assert min(hamming(h, e) for e in eval_h) > 6


def test_splits_keep_groups_together(built):
    _, out, _, _ = built
    df = pd.read_parquet(out / "metadata.parquet")
    vids = df[df["video_id"] != ""]
    assert (vids.groupby("video_id")["split"].nunique() == 1).all()
    assert (df.groupby("image_id")["split"].nunique() == 1).all()  # incl. the frame copied to the CSV
    assert set(df["split"]) <= {"train", "val", "test"} and (df["split"] == "train").any()


def test_combined_caption_rows(built):
    _, out, _, _ = built
    df = pd.read_parquet(out / "metadata.parquet")
    comb = df[df["text_kind"] == "combined"]
    assert len(comb) == 6  # one per video image (3 per lecture)
    row = comb[comb["image_id"] == "lec1_0"].iloc[0]
    sents = df[(df["image_id"] == "lec1_0") & (df["text_kind"] == "sentence")]
    assert all(s in row["caption"] for s in sents["caption"])


def test_shards_hold_one_sample_per_row(built):
    _, out, stats, _ = built
    import webdataset as wds

    df = pd.read_parquet(out / "metadata.parquet")
    for split in ("train", "val", "test"):
        urls = [str(out / "shards" / n) for n in stats["shards"][split]]
        n = 0
        for sample in wds.WebDataset(urls, shardshuffle=False).decode("pil"):
            img, txt, meta = sample["png"], sample["txt"], sample["json"]
            assert img.size[0] > 0 and txt == meta["caption"] and meta["split"] == split
            assert sample["__url__"].endswith("/" + meta["shard"]) and sample["__key__"] == meta["key"]
            n += 1
        assert n == (df["split"] == split).sum()
    # shards are capped at shard_size samples (3 members each)
    with tarfile.open(out / "shards" / stats["shards"]["train"][0]) as t:
        assert len(t.getmembers()) == 3 * min(7, stats["rows_per_split"]["train"])


def test_rebuild_is_byte_identical(built):
    root, out, stats, params = built
    first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    first_df = pd.read_parquet(out / "metadata.parquet")
    stats2 = _build(root, params, out)
    second = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert stats2 == stats
    assert first.keys() == second.keys()
    assert all(first[k] == second[k] for k in first if k.suffix != ".parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(out / "metadata.parquet"), first_df)


def test_bad_specs_name_the_problem(tmp_path):
    with pytest.raises(SourceError, match="unknown kind"):
        external_rows("laion:foo", tmp_path)
    (tmp_path / "bad.csv").write_text("path,caption\na.png,x\n")
    with pytest.raises(SourceError, match=r"bad.csv.*filepath"):
        external_rows("openclip_csv:bad.csv", tmp_path)
    with pytest.raises(SourceError, match="not found"):
        external_rows("img2dataset_wds:nowhere", tmp_path)


def test_params_reject_unknown_source_kind():
    from quiltkit.config import ParamsError, parse_params

    with pytest.raises(ParamsError, match=r"dataset.*laion:x"):
        parse_params({"dataset": {"external_sources": ["laion:x"]}})
    ok = parse_params({"dataset": {"external_sources": ["quilt_lookup:a.csv;root=imgs", "img2dataset_wds:d"]}})
    assert len(ok.dataset.external_sources) == 2


def test_every_video_row_says_where_it_came_from(built):
    _, out, _, _ = built
    df = pd.read_parquet(out / "metadata.parquet")
    video = df[df["source"] == "quilt_video"]
    assert len(video) > 0
    for col in ("video_id", "url", "video_title", "channel", "uploader", "license", "upload_date"):
        assert (video[col].astype(str) != "").all(), col
    assert video["start"].notna().all() and (video["end"] > video["start"]).all()
    lec2 = video[video["video_id"] == "lec2"].iloc[0]
    assert (lec2["url"], lec2["video_title"], lec2["upload_date"]) == (
        "https://www.youtube.com/watch?v=lec2",
        "Lymph node basics",
        "20210314",
    )
    # and the shards' JSON carry the same fields
    with tarfile.open(out / "shards" / lec2["shard"]) as tar:
        meta = json.loads(tar.extractfile(f"{lec2['key']}.json").read())
    assert (meta["url"], meta["channel"], meta["license"]) == (lec2["url"], lec2["channel"], lec2["license"])


def test_a_takedown_list_removes_the_video_rows_and_images(built, tmp_path):
    root, out, stats, params = built
    df = pd.read_parquet(out / "metadata.parquet")
    lec1 = df[df["video_id"] == "lec1"]
    assert len(lec1) > 0 and stats["excluded_rows"] == 0
    out2 = tmp_path / "dataset"
    stats2 = build_dataset(
        params.model_copy(update={"exclude_videos": ["lec1"]}),
        root / "outputs/pairs",
        out2,
        Execution(seed=1337, root=root),
        download_dir=root / "outputs/download",
    )
    df2 = pd.read_parquet(out2 / "metadata.parquet")
    assert "lec1" not in set(df2["video_id"]) and "lec2" in set(df2["video_id"])
    assert stats2["excluded_videos"] == ["lec1"] and stats2["excluded_rows"] > 0
    only_lec1 = set(lec1["image_id"]) - set(df[df["video_id"] != "lec1"]["image_id"])
    assert only_lec1 and not any((out2 / "images" / f"{i}.png").exists() for i in only_lec1)


def test_planted_duplicates_come_from_the_corpus_own_manifest(built, tmp_path):
    # A user's corpus has no manifest.json: nothing to report, and no param needed to say so.
    root, _, _, _ = built
    assert planted_duplicates_found(tmp_path, {"a": "img-1"}) == {}
    assert planted_duplicates_found(None, {"a": "img-1"}) == {}
    found = planted_duplicates_found(root / "data/demo", {})
    assert set(found) == {"exact", "near"} and found["exact"]["present"] == 0


def test_grounded_rows_carry_their_region(built):
    """A pair the pointer grounded (synth_corpus: lec1's first image, pointed at near (15, 10) of
    64x48) keeps its region as shares of the image, in metadata.parquet and in its shard's JSON;
    no row of another image has one."""
    import webdataset as wds

    _, out, stats, _ = built
    df = pd.read_parquet(out / "metadata.parquet")
    has = df["region"].map(lambda r: r is not None)
    grounded = df[has]
    assert len(grounded) > 0 and set(grounded["image_id"]) == {"lec1_0"}
    for reg in grounded["region"]:
        x0, y0, x1, y1 = reg
        assert 0 <= x0 < 14 / 64 < 16 / 64 < x1 <= 1 and 0 <= y0 < 10 / 48 < 11 / 48 < y1 <= 1
    metas = {}
    for split in ("train", "val", "test"):
        urls = [str(out / "shards" / n) for n in stats["shards"][split]]
        for sample in wds.WebDataset(urls, shardshuffle=False).decode("pil"):
            metas[sample["json"]["key"]] = sample["json"].get("region")
    for _, r in df.iterrows():
        want = None if r["region"] is None else [float(v) for v in r["region"]]
        assert metas[r["key"]] == want
