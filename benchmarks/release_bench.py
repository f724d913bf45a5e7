"""Rebuild throughput on this machine, at the release's usual frame size.

The demo fixture's videos are 360p. YouTube lectures are mostly 720p or more, and decoding
dominates the rebuild, so the chosen demo videos are first re-encoded at --height (video only,
H.264 CRF 23, as a 720p YouTube stream roughly is). Their release rows are then rebuilt three
ways, one process each:

    decode only     every frame decoded, nothing else: the floor
    sample_fps 2    quiltkit's default (median over 2 frames/s of each interval, at most 32)
    every frame     sample_fps null: every frame of each interval, as the release's script reads

    PYTHONPATH=src python benchmarks/release_bench.py [--videos 3] [--height 720] [--work /tmp/qk/release_bench]

Writes metrics/release_bench.json: images per second, video-seconds per wall-second, and the
720p stream's bytes per video-second (what the README's estimate for the full release uses).
These are timings: no DVC stage reads the file, and the gate does not check it.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import time
from pathlib import Path

import av
import cv2

from quiltkit.config import Params, load_params
from quiltkit.execution.context import Execution
from quiltkit.io import write_json
from quiltkit.paths import RELEASE_FIXTURES
from quiltkit.release.stage_run import Release, rebuild_videos
from quiltkit.video.decode import iter_frames


def transcode(src: Path, dst: Path, height: int) -> dict:
    """src re-encoded at `height` (width to keep the aspect), video stream only."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with av.open(str(src)) as inp, av.open(str(dst), mode="w", format="mp4") as out:
        vin = inp.streams.video[0]
        w = int(round(vin.width * height / vin.height / 2)) * 2
        vs = out.add_stream("libx264", rate=vin.average_rate)
        vs.width, vs.height, vs.pix_fmt = w, height, "yuv420p"
        vs.options = {"preset": "veryfast", "crf": "23"}
        for fr in inp.decode(vin):
            rgb = cv2.resize(fr.to_ndarray(format="rgb24"), (w, height), interpolation=cv2.INTER_CUBIC)
            for pkt in vs.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")):
                out.mux(pkt)
            n += 1
        for pkt in vs.encode():
            out.mux(pkt)
        seconds = n / float(vin.average_rate)
    return {"seconds": seconds, "bytes": dst.stat().st_size, "width": w, "height": height}


def subset_release(src_dir: Path, dst_dir: Path, videos: dict[str, Path]) -> None:
    """The fixture's rows of `videos`, with a video list pointing at the re-encoded files."""
    dst_dir.mkdir(parents=True, exist_ok=True)
    for name in ("quilt_recon.csv", "quilt_data.csv"):
        with open(src_dir / name, newline="") as fh:
            rows = list(csv.reader(fh))
        with open(dst_dir / name, "w", newline="") as fh:
            csv.writer(fh).writerows([rows[0]] + [r for r in rows[1:] if r[0] in videos])
    shutil.copy(src_dir / "quilt_1M_lookup.csv", dst_dir / "quilt_1M_lookup.csv")
    with open(dst_dir / "video_list.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["video_id", "url"])
        w.writerows([[v, str(p)] for v, p in videos.items()])


def timed_rebuild(params: Params, rel_dir: Path, out: Path, sample_fps) -> dict:
    rp = params.release.model_copy(update={"dir": str(rel_dir), "reference_dir": None, "sample_fps": sample_fps})
    p = params.model_copy(update={"release": rp, "project": params.project.model_copy(update={"workers": 1})})
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    m, work = rebuild_videos(rp, p.frames.histology, out, Release(rp, Path(".")), Execution.of(p.project))
    wall = time.perf_counter() - t0
    return {
        "wall_seconds": round(wall, 2),
        "images": m["rebuilt"],
        "images_per_s": round(m["rebuilt"] / wall, 3),
        "video_seconds_decoded": work["video_seconds"],
        "video_seconds_per_wall_second": round(work["video_seconds"] / wall, 2),
    }


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", type=int, default=3)
    ap.add_argument("--height", type=int, default=720)
    ap.add_argument("--work", default="/tmp/qk/release_bench")
    ap.add_argument("--out", default="metrics/release_bench.json")
    a = ap.parse_args(argv)
    params = load_params()
    fixture = RELEASE_FIXTURES["demo"][1]
    work = Path(a.work)
    with open(fixture / "video_list.csv", newline="") as fh:
        listed = [r for r in csv.DictReader(fh) if Path(r["url"]).is_file()][: a.videos]
    videos, sizes = {}, []
    for r in listed:
        dst = work / "videos" / f"{r['video_id']}.mp4"
        sizes.append(transcode(Path(r["url"]), dst, a.height))
        videos[r["video_id"]] = dst
    rel = work / "release"
    subset_release(fixture, rel, videos)
    t0 = time.perf_counter()
    frames = sum(1 for v in videos.values() for _ in iter_frames(v))
    decode_wall = time.perf_counter() - t0
    seconds = sum(s["seconds"] for s in sizes)
    result = {
        "machine": "this machine, one process",
        "videos": len(videos),
        "frame_size": f"{sizes[0]['width']}x{a.height}",
        "video_seconds": round(seconds, 2),
        "stream_bytes_per_video_second": round(sum(s["bytes"] for s in sizes) / seconds, 1),
        "decode_only": {
            "frames_per_s": round(frames / decode_wall, 1),
            "video_seconds_per_wall_second": round(seconds / decode_wall, 2),
        },
        "sample_fps_2": timed_rebuild(params, rel, work / "out_2fps", 2.0),
        "every_frame": timed_rebuild(params, rel, work / "out_all", None),
    }
    write_json(a.out, result)
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
