"""Frames-stage throughput (video-seconds per wall-second) and peak memory, one video per run.

Each video runs through the stage function (quiltkit.video.stage_run.run_frames, as
stages/frames.py calls it) in a fresh child process, so the memory figure is that child's RSS
high-water mark (its own VmHWM, quiltkit.execution.memory) and is not polluted by this process or by earlier videos.

    PYTHONPATH=src python benchmarks/frames_bench.py VIDEO.mp4 [VIDEO.mp4 ...] \
[--model outputs/histo_classifier/model.json]

Videos of a given length come from the demo generator, e.g.
    PYTHONPATH=src python -c "from pathlib import Path; from quiltkit.config import DemoParams; \
        from quiltkit.demo.lecture import make_video; \
        make_video('len600', 0, 1337, DemoParams(video_seconds=600), Path('/tmp/v'), Path('/tmp/v'), Path('.'))"
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _child(video: str, model: str, work: str) -> None:
    """Runs in the child: one download record, the stage function, its metrics as JSON."""
    from quiltkit.config import FramesParams, HistologyParams
    from quiltkit.contracts import VideoRecord
    from quiltkit.video.stage_run import run_frames

    work_p = Path(work)
    dl = work_p / "download"
    dl.mkdir(parents=True)
    vid = Path(video).stem
    os.symlink(Path(video).resolve(), dl / f"{vid}.mp4")
    VideoRecord(video_id=vid, url=f"file://{video}", status="ok", video_path=f"{vid}.mp4").write(
        dl / f"{vid}.record.json"
    )
    os.chdir(work_p)
    params = FramesParams(histology=HistologyParams(model_path=str(Path(model).resolve())))
    m = run_frames(params, dl, work_p / "frames")
    from quiltkit.execution.memory import peak_rss_mb

    m["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print("RESULT " + json.dumps(m))


def bench(video: Path, model: Path) -> dict:
    work = tempfile.mkdtemp(prefix="frames_bench_")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).resolve().parents[1] / "src"), os.environ.get("PYTHONPATH", "")]
        ),
    }
    t0 = time.time()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", str(video), str(model), work + "/w"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    out = proc.stdout.read()
    proc.wait()
    wall = time.time() - t0
    shutil.rmtree(work, ignore_errors=True)
    line = next((ln for ln in out.splitlines() if ln.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"{video}: frames child failed (exit {proc.returncode})")
    m = json.loads(line[7:])
    return {
        "video": video.name,
        "status_ok": m["ok"],
        "video_seconds": m["video_seconds"],
        "stage_wall_seconds": m["wall_seconds"],
        "process_wall_seconds": round(wall, 2),
        "video_seconds_per_wall_second": m["video_seconds_per_wall_second"],
        "peak_rss_mb": m["peak_rss_mb"],  # the child's own VmHWM (quiltkit.execution.memory)
        "scenes": m["scenes"],
        "chunk_images": m["chunk_images"],
    }


def main(argv=None) -> list[dict]:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(*sys.argv[2:5])
        return []
    ap = argparse.ArgumentParser()
    ap.add_argument("videos", nargs="+", type=Path)
    ap.add_argument("--model", type=Path, default=Path("outputs/histo_classifier/model.json"))
    a = ap.parse_args(argv)
    rows = []
    for v in a.videos:
        r = bench(v, a.model)
        rows.append(r)
        print(json.dumps(r), flush=True)
    return rows


if __name__ == "__main__":
    main()
