"""kill -9 in the text, pairs, dataset and train stages, then run them again.

The companion of test_kill_resume.py (download, asr, frames), for the stages behind them. Every
stage runs as a real subprocess, the leader of its own process group, and gets SIGKILL for the
whole group at a point it reaches by itself (a file it writes appears); no cleanup handler runs.
The re-run must then end where an uninterrupted run of the same stage on the same inputs, in a
second workspace, ends: the same bytes in every output file (none of these outputs carries a
timestamp or duration field; the stage timings go to outputs/timings/, which is not compared),
nothing finished before the kill redone or touched, no video twice, no temp or partial file left.

The inputs are made once per module by the real stages (download, asr, frames, text, pairs,
dataset) on the session's three lecture clips, plus a synthetic external image-text CSV so the
dataset has shards to write and the train stage batches to train on; each test works on copies of
that workspace (mtimes preserved, so nothing looks newer than it is).

Where a kill lands:
  text     after the first video's output, with 24 transcripts (the three real ones, each also
           under seven more ids) so ~1 s of per-video work is still ahead (one takes ~50 ms).
  pairs    pairing a video takes milliseconds, so v1's text input is, during the killed run only,
           a named pipe nobody writes: the stage writes v0, blocks reading v1 (a stalled disk),
           and is killed there. The real file (same bytes, same mtime) is back before the re-run.
  dataset  once the first shard appears in its temp folder (images written, shards under way).
  train    inside a checkpoint write: once last.ckpt exists, the temp file of the next save.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.reliability.conftest import (
    IDS,
    Workspace,
    kill9_when,
    kill_group,
    log_tail,
    new_workspace,
    prepare_stage_inputs,
    tree,
    wait_for,
)

EXTERNAL_IMAGES = 600  # ~480 train rows: 30 steps an epoch at batch 16
SHARD_SIZE = 20
TRAIN = {
    "train.model": "quiltkit-micro",
    "train.epochs": 3,
    "train.batch_size": 16,
    "train.lr": 0.002,
    "train.warmup_steps": 5,
    "train.threads": 1,
    "train.checkpoint_every_n_steps": 20,
    "train.eval_patches": None,
}
TEXT_COPIES = 7  # each real transcript also under 7 more ids: 24 videos
PARTIAL_SUFFIXES = (".part", ".tmp", ".temp")


# ---------------------------------------------------------------------------------------- helpers


def _copy(ws: Workspace, dest: Path, *remove: str) -> Workspace:
    """A copy of the workspace (symlinked code stays symlinked, mtimes kept), less `remove`."""
    shutil.copytree(ws.root, dest, symlinks=True)
    for rel in remove:
        p = dest / rel
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    return Workspace(dest)


def _write_external(root: Path, n: int) -> None:
    """n distinct synthetic 96 px images (random 6x6 colour fields, so no two are near duplicates)
    with distinct captions, as an open_clip CSV."""
    import numpy as np
    from PIL import Image

    d = root / "data" / "ext" / "images"
    d.mkdir(parents=True)
    rng = np.random.default_rng(0)
    tissues = [
        "normal colonic mucosa",
        "colorectal adenocarcinoma",
        "lymphoid tissue",
        "adipose tissue",
        "fibrous stroma",
    ]
    with open(root / "data" / "ext" / "pairs.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["filepath", "title"])
        for i in range(n):
            img = Image.fromarray(rng.integers(0, 256, (6, 6, 3), dtype=np.uint8)).resize(
                (96, 96), Image.Resampling.BILINEAR
            )
            img.save(d / f"ext{i:04d}.png")
            w.writerow([f"data/ext/images/ext{i:04d}.png", f"an h&e field of {tissues[i % 5]}, case {i}"])


def _content(root: Path) -> dict[str, tuple[int, str]]:
    """Every file under root -> (size, sha1): tree() without the mtime."""
    return {k: (size, sha) for k, (size, _, sha) in tree(root).items()}


def _dot_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob(".*"))


def _partial(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.name.endswith(PARTIAL_SUFFIXES))


def _files_of(snapshot: dict, vid: str) -> dict:
    return {k: v for k, v in snapshot.items() if k == f"{vid}.json"}


def _without(metrics: dict, *keys: str) -> dict:
    return {k: v for k, v in metrics.items() if k not in keys}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, code_snapshot, clips, stain_model_json) -> Workspace:
    """download, asr, frames, text, pairs and dataset run once, uninterrupted, on the three clips
    and the synthetic external set. Tests copy it; its outputs are the uninterrupted reference
    for pairs and dataset."""
    ws = new_workspace(tmp_path_factory.mktemp("prepared") / "repo", code_snapshot)
    prepare_stage_inputs(ws, clips, stain_model_json, "asr")  # the video list, the stain model, download run
    _write_external(ws.root, EXTERNAL_IMAGES)
    ws.set_params(
        **{"dataset.external_sources": ["openclip_csv:data/ext/pairs.csv"], "dataset.shard_size": SHARD_SIZE}, **TRAIN
    )
    for stage in ("asr", "frames", "text", "pairs", "dataset"):
        res = ws.run(stage, timeout=300)
        assert res.returncode == 0, f"{stage}: {res.stderr[-3000:]}"
    m = ws.metrics("pairs")
    assert m["videos"]["ok"] == 3 and m["pairs"] > 0, m
    assert ws.metrics("dataset")["rows_per_split"]["train"] >= 16 * 20, ws.metrics("dataset")
    return ws


# ------------------------------------------------------------------------------------------- text


@pytest.mark.slow
@pytest.mark.timeout(480)  # includes the module's inputs (~1 min idle) when this test runs first
def test_text_kill9_then_rerun_equals_uninterrupted(prepared, tmp_path):
    killed = _copy(prepared, tmp_path / "killed", "outputs/text", "outputs/.fingerprints/text.txt", "metrics/text.json")
    asr = killed.path("outputs/asr")
    ids = list(IDS)
    for v in IDS:
        doc = json.loads((asr / f"{v}.json").read_text())
        for k in range(1, TEXT_COPIES + 1):
            vid = f"{v}-c{k}"
            (asr / f"{vid}.json").write_text(json.dumps({**doc, "video_id": vid}, indent=1))
            ids.append(vid)
    ids.sort(key=lambda v: f"{v}.json")  # the stage goes by file name
    ref = _copy(killed, tmp_path / "ref")  # the same 24 transcripts, bytes and mtimes
    out = killed.path("outputs/text")

    def done():
        return [v for v in ids if (out / f"{v}.json").exists()]

    kill9_when(killed, "text", done, timeout=180)
    finished = done()
    assert 1 <= len(finished) < len(ids), f"kill did not land mid-stage: finished {finished}"
    assert finished == ids[: len(finished)]  # one worker, in file-name order
    before = {v: _files_of(tree(out), v) for v in finished}
    assert not killed.path("metrics/text.json").exists()

    res = killed.run("text")
    assert res.returncode == 0, res.stderr[-3000:]
    after = tree(out)
    for v in finished:
        assert _files_of(after, v) == before[v], f"text: output of {v} changed on re-run"
    assert f"{len(finished)} of {len(ids)} videos already done" in res.stderr
    assert _dot_files(out) == [] and _partial(out) == []
    assert sorted(k for k in after if k.endswith(".json")) == sorted(f"{v}.json" for v in ids)  # each video once
    for v in ids:
        ta = json.loads((out / f"{v}.json").read_text())
        assert ta["video_id"] == v and ta["status"] == "ok", ta.get("error")
    m = killed.metrics("text")
    assert m["ok"] == len(ids) and m["failed"] == 0 and m["videos_changed"] == 0 and not m["stage_redone"], m
    assert (m["processed"], m["reused"]) == (len(ids) - len(finished), len(finished))

    res = ref.run("text")
    assert res.returncode == 0, res.stderr[-3000:]
    # every file (the 24 analyses and vocabulary.tsv) byte for byte as the uninterrupted run's
    assert _content(out) == _content(ref.path("outputs/text"))
    assert _without(m, "processed", "reused", "stage_redone") == _without(
        ref.metrics("text"), "processed", "reused", "stage_redone"
    )


# ------------------------------------------------------------------------------------------ pairs


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_pairs_kill9_then_rerun_equals_uninterrupted(prepared, tmp_path):
    # DVC deletes outputs/pairs (not persist) before it runs the stage; so does the test
    killed = _copy(prepared, tmp_path / "killed", "outputs/pairs", "metrics/pairs.json")
    out = killed.path("outputs/pairs")
    text_v1 = killed.path("outputs/text/v1.json")
    saved = tmp_path / "v1.json.saved"
    shutil.copy2(text_v1, saved)
    text_v1.unlink()
    os.mkfifo(text_v1)  # opening it for reading blocks until a writer comes: none does

    def done():
        return [v for v in IDS if (out / f"{v}.json").exists()]

    try:
        first = kill9_when(killed, "pairs", done, timeout=120)  # it is blocked on v1's input, not finished
    finally:
        text_v1.unlink()
        shutil.copy2(saved, text_v1)
    assert first == ["v0"], first
    assert text_v1.read_bytes() == prepared.path("outputs/text/v1.json").read_bytes()
    assert text_v1.stat().st_mtime_ns == prepared.path("outputs/text/v1.json").stat().st_mtime_ns
    before = _files_of(tree(out), "v0")
    assert sorted(tree(out)) == ["v0.json"]
    assert not killed.path("metrics/pairs.json").exists()

    res = killed.run("pairs")
    assert res.returncode == 0, res.stderr[-3000:]
    after = tree(out)
    assert _files_of(after, "v0") == before, "pairs: output of v0 changed on re-run"
    assert "1 of 3 videos already done" in res.stderr
    assert _dot_files(out) == [] and _partial(out) == []
    assert sorted(after) == [f"{v}.json" for v in IDS]
    for v in IDS:
        pf = json.loads((out / f"{v}.json").read_text())
        assert pf["video_id"] == v and len({p["pair_id"] for p in pf["pairs"]}) == len(pf["pairs"])
    m = killed.metrics("pairs")
    assert m["videos"] == {"ok": 2, "cached": 1, "failed": 0, "skipped": 0, "missing_input": 0}, m
    # the uninterrupted run: the prepared workspace's, on the same frames and text
    assert _content(out) == _content(prepared.path("outputs/pairs"))
    assert _without(m, "videos") == _without(prepared.metrics("pairs"), "videos")


# ---------------------------------------------------------------------------------------- dataset


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_dataset_kill9_mid_write_then_rerun_equals_uninterrupted(prepared, tmp_path):
    killed = _copy(prepared, tmp_path / "killed", "outputs/dataset", "metrics/dataset.json")
    outputs = killed.path("outputs")

    def first_shard():
        return sorted(outputs.glob(".dataset.tmp-*/shards/train-000000.tar"))

    kill9_when(killed, "dataset", first_shard, timeout=180)
    # killed before the swap: no dataset under the final name, a half-written one in its temp folder
    assert not killed.path("outputs/dataset").exists(), "kill landed after the dataset was swapped in"
    tmp_dirs = sorted(p.name for p in outputs.glob(".dataset.*"))
    assert len(tmp_dirs) == 1 and not (outputs / tmp_dirs[0] / "metadata.parquet").exists(), tmp_dirs
    assert not killed.path("metrics/dataset.json").exists()

    res = killed.run("dataset")
    assert res.returncode == 0, res.stderr[-3000:]
    # byte-identical to the uninterrupted run: shards, images, metadata.parquet, CSVs, stats.json
    got, want = _content(killed.path("outputs/dataset")), _content(prepared.path("outputs/dataset"))
    assert sorted(got) == sorted(want)
    assert {k for k in got if got[k] != want[k]} == set()
    assert killed.metrics("dataset") == prepared.metrics("dataset")
    assert _dot_files(killed.path("outputs/dataset")) == [] and _partial(killed.path("outputs/dataset")) == []
    # and nothing of the killed run's temp folder beside it (half a dataset, never read, never removed)
    assert sorted(p.name for p in outputs.glob(".dataset.*")) == []
    assert f"removing outputs/{tmp_dirs[0]} left by an interrupted run" in res.stderr


# ------------------------------------------------------------------------------------------ train


def _state(path: Path) -> dict:
    import torch

    return torch.load(path, map_location="cpu", weights_only=True)


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_train_kill9_mid_checkpoint_then_resume_equals_uninterrupted(prepared, tmp_path):
    import torch

    ref = _copy(prepared, tmp_path / "ref")
    killed = _copy(prepared, tmp_path / "killed")
    res = ref.run("train", timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    ref_m = ref.metrics("train")
    assert ref_m["steps"] == 90 and not ref_m["resumed"], ref_m

    ckpts = killed.path("outputs/train/checkpoints")

    def next_save_under_way():
        # last.ckpt is there (an earlier save finished) and the next save's temp file is being written
        return (ckpts / "last.ckpt").exists() and sorted(ckpts.glob(".last.ckpt.*"))

    # The temp file is seen within milliseconds of its creation and a save takes tens of them, so
    # the kill lands inside it; should a loaded machine let the save finish first, the run is
    # started again (it resumes) and killed inside its next save: kill and resume again.
    steps = []
    for _ in range(3):
        proc = killed.start("train")
        try:
            got = wait_for(next_save_under_way, timeout=240, proc=proc, poll=0.002)
            assert got, f"train exited (rc={proc.poll()}) before another checkpoint save:\n{log_tail(killed, 'train')}"
        finally:
            kill_group(proc)
        assert proc.returncode == -9
        assert not killed.path("outputs/train/export/model.pt").exists()  # killed mid-training
        steps.append(_state(ckpts / "last.ckpt")["global_step"])  # the finished save is whole and loadable
        if sorted(ckpts.glob(".last.ckpt.*")):  # the half-written next one
            break
    else:
        pytest.fail(f"no kill landed inside a checkpoint save (last.ckpt at steps {steps})")
    assert all(s % 20 == 0 and 20 <= s < 90 for s in steps), steps
    assert not killed.path("metrics/train.json").exists()

    res = killed.run("train", timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    m = killed.metrics("train")
    assert m["resumed"] and m["steps"] == 90 and m["epochs"] == 3, m
    assert _without(m, "resumed") == _without(ref_m, "resumed")  # losses, val loss, fingerprint
    w_ref, w = _state(ref.path("outputs/train/export/model.pt")), _state(killed.path("outputs/train/export/model.pt"))
    assert set(w) == set(w_ref)
    assert [k for k in w if not torch.equal(w[k], w_ref[k])] == []
    # the loss curve: each step once, the same numbers
    assert (
        killed.path("metrics/plots/train_loss.csv").read_text() == ref.path("metrics/plots/train_loss.csv").read_text()
    )
    # no dead temp file of the killed save left in the checkpoint folder (a DVC output)
    assert _dot_files(ckpts) == [] and _dot_files(killed.path("outputs/train/export")) == []
    assert "removed 1 temp file(s) left in outputs/train/checkpoints" in res.stderr
