"""kill -9 in the middle of a per-video stage, then run it again.

The stage runs as a real subprocess (its own process group, pool workers included). As soon as
its first per-video output appears the whole group gets SIGKILL, which is what an OOM killer, a
preempted node or a pulled plug does: no cleanup handler runs. A re-run must then finish with
every video present exactly once, leave the outputs finished before the kill byte-for-byte and
mtime-for-mtime alone, and leave no temp or partial file that a later stage could mistake for
output.
"""

from __future__ import annotations

import json

import pytest

from tests.reliability.conftest import IDS, kill9_when, tree
from tests.reliability.conftest import prepare_stage_inputs as _prepare

# stage -> (output dir, the per-video file whose existence means "done")
STAGES = {
    "download": ("outputs/download", "{vid}.record.json"),
    "asr": ("outputs/asr", "{vid}.json"),
    "frames": ("outputs/frames", "{vid}.json"),
}
# yt-dlp would also leave these behind mid-download; no later stage may find one after the re-run
PARTIAL_SUFFIXES = (".part", ".ytdl", ".tmp", ".temp")


def _done(workspace, stage):
    out, pattern = STAGES[stage]
    return [v for v in IDS if workspace.path(out).joinpath(pattern.format(vid=v)).exists()]


def _files_of(snapshot: dict, vid: str) -> dict:
    # a video's files: <vid>.* and, for frames, everything under <vid>/
    return {k: v for k, v in snapshot.items() if k.split("/")[0] == vid or k.startswith(f"{vid}.")}


@pytest.mark.slow
@pytest.mark.timeout(420)
@pytest.mark.parametrize("stage", list(STAGES))
def test_kill9_mid_stage_then_rerun_loses_and_duplicates_nothing(stage, workspace, clips, long_clip, stain_model_json):
    _prepare(workspace, [clips[0], clips[1], long_clip], stain_model_json, stage)
    out_dir = workspace.path(STAGES[stage][0])

    kill9_when(workspace, stage, lambda: _done(workspace, stage), timeout=240, poll=0.02)
    finished = _done(workspace, stage)
    assert 1 <= len(finished) < len(IDS), f"kill did not land mid-stage: finished {finished}"
    before = {v: _files_of(tree(out_dir), v) for v in finished}
    assert not workspace.path(f"metrics/{stage}.json").exists()  # the killed run reported nothing

    res = workspace.run(stage)
    assert res.returncode == 0, res.stderr[-3000:]
    after = tree(out_dir)

    # nothing finished before the kill was redone or touched
    for v in finished:
        assert _files_of(after, v) == before[v], f"{stage}: output of {v} changed on re-run"
    assert f"{len(finished)} of 3 videos already" in res.stderr

    # every video exactly once, no partial or temp file left for a later stage to read
    names = [k.split("/")[-1] for k in after]
    assert not [n for n in names if n.startswith(".")], f"temp files left: {[n for n in names if n.startswith('.')]}"
    assert not [n for n in names if n.endswith(PARTIAL_SUFFIXES)]
    m = workspace.metrics(stage)
    assert m["ok"] + m.get("skipped", 0) == 3 and m["failed"] == 0, m
    if stage == "download":
        for v in IDS:
            rec = json.loads((out_dir / f"{v}.record.json").read_text())
            # split downloads (params.yaml): the muxed file gives way to its video and audio parts
            assert rec["status"] == "ok" and (rec["video_path"], rec["audio_path"]) == (
                f"{v}.video.mp4",
                f"{v}.audio.mp4",
            )
            assert sorted(n for n in names if n.startswith(f"{v}.") and n.endswith(".mp4")) == [
                f"{v}.audio.mp4",
                f"{v}.video.mp4",
            ]
        assert m["cached"] == len(finished) and m["downloaded"] == 3 - len(finished)
    elif stage == "asr":
        for v in IDS:
            tr = json.loads((out_dir / f"{v}.json").read_text())
            assert tr["video_id"] == v and tr["status"] == "ok" and tr["segments"], tr.get("error")
    else:
        for v in IDS:
            fa = json.loads((out_dir / f"{v}.json").read_text())
            assert fa["video_id"] == v and fa["status"] in ("ok", "skipped"), fa.get("error")
            # the images on disk are exactly the ones the analysis refers to: no orphan from the
            # killed attempt, none missing
            on_disk = {k for k in after if k.startswith(f"{v}/")}
            referenced = {img["path"].split("outputs/frames/", 1)[-1] for img in fa["images"]}
            assert on_disk == referenced, (v, sorted(on_disk ^ referenced)[:5])


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_temp_file_left_by_a_kill_inside_an_atomic_write_is_never_read(workspace, clips, stain_model_json):
    """A kill between quiltkit.io.atomic_path's mkstemp and its rename leaves `.<name>.<rand><suffix>`
    next to the output (empty or half written). The window is microseconds wide, so the test plants
    exactly that file instead of racing for it: the re-run must clean it, not parse it."""
    _prepare(workspace, clips, stain_model_json, "frames")
    frames = workspace.path("outputs/frames")
    workspace.claim("frames", "outputs/frames")
    workspace.claim("download", "outputs/download")
    planted = [
        frames / ".v0.json.k3j9x1.json",
        frames / "v0" / ".img_0001.png.a8f2.png",
        workspace.path("outputs/download/.v1.record.json.zz81.json"),
    ]
    for p in planted:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b'{"video_id": "v0", "sta')  # cut off mid-write
    res = workspace.run("frames")
    assert res.returncode == 0, res.stderr[-3000:]
    assert [p for p in planted[:2] if p.exists()] == []
    m = workspace.metrics("frames")
    assert m["videos"] == 3 and m["failed"] == 0, m
    assert "removed 2 temp file(s)" in res.stderr
    # The download stage hands the runner only the videos still to do, so with all cached it does
    # not clean; its dead temp file cannot pass for a record though (readers glob *.record.json).
    res = workspace.run("download")
    assert res.returncode == 0 and workspace.metrics("download")["ok"] == 3, res.stderr[-3000:]
    res = workspace.run("asr")
    assert res.returncode == 0 and workspace.metrics("asr")["videos"] == 3, res.stderr[-3000:]
