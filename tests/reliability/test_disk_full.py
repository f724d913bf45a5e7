"""A full disk while writing, and an exception inside one video.

The disk is real: a tmpfs of a few hundred KiB mounted over the output directory (the tests run
as root). Writes into it end in a genuine ENOSPC from the kernel. There is no stand-in: where
mounting is not permitted both full-disk tests are reported as not run, naming the missing
component (tests/components.py), and CI counts that as a failure.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest

from quiltkit.io import atomic_write_bytes, write_json
from tests import components
from tests.reliability.conftest import prepare_stage_inputs as _prepare
from tests.reliability.conftest import tree


@contextmanager
def tiny_disk(where: Path, size: str):
    components.tmpfs(where.parent / "probe_mount")
    where.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True, text=True, timeout=30
    )
    assert res.returncode == 0, f"mount of a {size} tmpfs on {where} failed: {res.stderr}"
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, timeout=30)


def _fill(d: Path) -> None:
    """Fill the file system to the last byte."""
    with open(d / "filler", "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
                fh.flush()
        except OSError as err:
            assert err.errno == errno.ENOSPC


def test_atomic_write_on_a_full_disk_leaves_no_half_file_and_keeps_the_old_one(tmp_path):
    with tiny_disk(tmp_path / "disk", "64k") as d:
        write_json(d / "kept.json", {"version": 1})
        _fill(d)
        big = {"x": "y" * 200_000}
        with pytest.raises(OSError) as exc:
            write_json(d / "new.json", big)
        assert exc.value.errno == errno.ENOSPC
        with pytest.raises(OSError):
            write_json(d / "kept.json", big)  # an overwrite that cannot fit
        assert not (d / "new.json").exists()  # never a truncated file under the final name
        assert json.loads((d / "kept.json").read_text()) == {"version": 1}  # the old one intact
        assert sorted(p.name for p in d.iterdir()) == ["filler", "kept.json"]  # temp files removed
        os.unlink(d / "filler")
        atomic_write_bytes(d / "new.json", b"{}")  # space back: the same call now works
        assert (d / "new.json").read_bytes() == b"{}"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_frames_stage_on_a_disk_that_fills_up_then_resumes(workspace, clips, stain_model_json):
    """The frames stage writes into a tmpfs with room for about one video's images. The videos
    that do not fit fail (ENOSPC, recorded in the metrics with the reason), the stage itself exits
    cleanly, no final file is half written, and with space back a re-run completes only those."""
    _prepare(workspace, clips, stain_model_json, "frames")
    # measure one video's output on an unlimited disk first
    probe = workspace.path("probe")
    shutil.copytree(workspace.root, probe, symlinks=True, ignore=shutil.ignore_patterns("probe"))
    (probe / "outputs/download/v1.record.json").unlink()
    (probe / "outputs/download/v2.record.json").unlink()
    res = subprocess.run(
        [os.sys.executable, "stages/frames.py"],
        cwd=probe,
        env=workspace.env(),
        capture_output=True,
        text=True,
        timeout=200,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    one = sum(t[0] for t in tree(probe / "outputs/frames").values())
    assert one > 20_000, "the clip should yield histology images"
    shutil.rmtree(probe)

    frames = workspace.path("outputs/frames")
    with tiny_disk(frames, str(int(one * 1.4) // 4096 * 4096 + 8192)):
        res = workspace.run("frames")
        assert res.returncode == 0, res.stderr[-3000:]
        m = workspace.metrics("frames")
        failed = m["failed_ids"]
        assert failed, f"nothing hit the full disk: {m}"
        assert m["ok"] + m["skipped"] + m["failed"] == 3, m
        assert "No space left on device" in res.stderr
        # every final file is complete: each JSON parses, each PNG has its end marker
        for rel in tree(frames):
            p = frames / rel
            assert not p.name.startswith("."), f"temp file left: {rel}"
            if p.suffix == ".json":
                json.loads(p.read_text())
            elif p.suffix == ".png":
                assert p.read_bytes().endswith(b"IEND\xaeB`\x82"), f"truncated image {rel}"
        # a failed video's record may itself not have fit: then the re-run simply retries it
        kept = {k: v for k, v in tree(frames).items() if k.split("/")[0].split(".")[0] not in failed}
        assert kept, "the first video should have fit"
        shutil.copytree(frames, workspace.path("survivors"), copy_function=shutil.copy2)
    # Space back: the tmpfs goes away, the files that were on it are put back as they were.
    shutil.rmtree(frames)
    shutil.copytree(workspace.path("survivors"), frames, copy_function=shutil.copy2)
    res = workspace.run("frames")
    assert res.returncode == 0, res.stderr[-3000:]
    m = workspace.metrics("frames")
    assert m["failed"] == 0 and m["ok"] + m["skipped"] == 3, m
    after = tree(frames)
    assert {k: v for k, v in after.items() if k in kept} == kept  # finished videos were not redone
    assert all(f"{v}.json" in after for v in failed)


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_an_exception_in_one_video_is_recorded_and_the_stage_goes_on(workspace, clips, stain_model_json):
    """A plain file sitting where v1's image folder must go makes writing v1's images raise
    (NotADirectoryError, not a bad-video error the analyser expects). v1 is recorded failed with
    that error; v0 and v2 are analysed; a re-run after the obstacle is gone finishes v1 only."""
    _prepare(workspace, clips, stain_model_json, "frames")
    frames = workspace.path("outputs/frames")
    workspace.claim("frames", "outputs/frames")
    (frames / "v1").write_text("in the way")
    res = workspace.run("frames")
    assert res.returncode == 0, res.stderr[-3000:]
    m = workspace.metrics("frames")
    assert m["failed_ids"] == ["v1"], m
    fa = json.loads((frames / "v1.json").read_text())
    assert fa["status"] == "failed" and "outputs/frames/v1" in fa["error"], fa
    good = {v: json.loads((frames / f"{v}.json").read_text())["status"] for v in ("v0", "v2")}
    assert set(good.values()) <= {"ok", "skipped"}, good

    (frames / "v1").unlink()
    before = tree(frames)
    res = workspace.run("frames")
    assert res.returncode == 0, res.stderr[-3000:]
    m = workspace.metrics("frames")
    assert m["failed"] == 0, m
    after = tree(frames)
    assert {k: v for k, v in after.items() if not k.startswith("v1")} == {
        k: v for k, v in before.items() if not k.startswith("v1")
    }
