"""Median chunk images vs single keyframes on the demo, against the clean (pointer-free) render.

For every median image the frames stage made (outputs/frames/<vid>.json, method "median"), the
demo shot it lies in is rendered again exactly as quiltkit.demo.lecture renders it, minus the
pointer; the median and every 2-fps frame of the same interval (decoded from the video) are then
compared with that clean view by quiltkit.video.median_eval.

    PYTHONPATH=src python benchmarks/median_bench.py [--frames outputs/frames] [--demo data/demo]

Only static shots are used: in a pan or zoom the clean view changes frame to frame, and the
stage makes no median there anyway.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from quiltkit.config import DemoParams
from quiltkit.contracts import FrameAnalysis, GroundTruth
from quiltkit.demo.clean_view import clean_source
from quiltkit.video.decode import iter_frames
from quiltkit.video.median_eval import median_vs_frames


def interval_frames(video: Path, start: float, end: float, step: float, size: tuple[int, int]) -> list[np.ndarray]:
    out, nxt = [], start
    for fr in iter_frames(video):
        if fr.time > end + 1e-6:
            break
        if fr.time + 1e-6 >= nxt:
            out.append(fr.rgb(*size))
            nxt += step
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", default="outputs/frames")
    ap.add_argument("--demo", default="data/demo")
    ap.add_argument("--raw-root", default=".")
    ap.add_argument("--sample-fps", type=float, default=2.0)
    a = ap.parse_args(argv)
    manifest = json.loads((Path(a.demo) / "manifest.json").read_text())
    demo, seed = DemoParams.model_validate(manifest["params"]), int(manifest["seed"])
    rows = []
    for p in sorted(Path(a.frames).glob("*.json")):
        fa = FrameAnalysis.read(p)
        meds = [im for im in fa.images if im.method == "median"]
        if not meds:
            continue
        gt = GroundTruth.read(Path(a.demo) / "ground_truth" / f"{fa.video_id}.json")
        src = clean_source(gt, int(fa.video_id.rsplit("_", 1)[1]), seed, demo, Path(a.raw_root))
        for im in meds:
            mid = (im.start + im.end) / 2
            shot = next(s for s in gt.shots if s.start <= mid < s.end)
            if shot.motion != "static":
                continue
            median = cv2.cvtColor(cv2.imread(str(Path(a.raw_root) / im.path)), cv2.COLOR_BGR2RGB)
            clean = src(int(round(mid * demo.fps)))
            frames = interval_frames(
                Path(a.demo) / "videos" / f"{fa.video_id}.mp4",
                im.start,
                im.end,
                1 / a.sample_fps,
                (median.shape[1], median.shape[0]),
            )
            r = median_vs_frames(median, frames, clean)
            rows.append({"image_id": im.image_id, "pointer": shot.pointer, "start": im.start, "end": im.end, **r})
            print(
                f"{im.image_id:12s} pointer={shot.pointer!s:5s} frames={r['n_frames']:2d} "
                f"PSNR median {r['median']['psnr']:.2f} / keyframe {r['keyframe_mid']['psnr']:.2f} / "
                f"frames-mean {r['frames_mean']['psnr']:.2f} dB | "
                f"pointer px median {r['median']['pointer_pixels']:.5f} / "
                f"keyframe {r['keyframe_mid']['pointer_pixels']:.5f} | "
                f"pointer visible: median {r['median']['pointer_visible']}, "
                f"in {r['frames_with_pointer']}/{r['n_frames']} frames | "
                f"noise std {r['median']['noise_std']:.2f} / {r['frames_mean']['noise_std']:.2f} | "
                f"lapvar {r['median']['sharpness']:.0f} / {r['frames_mean']['sharpness']:.0f} "
                f"(clean {r['median']['clean_sharpness']:.0f})"
            )
    summary = {"median_images": len(rows), "with_pointer": sum(r["pointer"] for r in rows)}
    if rows:
        for side in ("median", "keyframe_mid"):
            summary[f"{side}_psnr_mean"] = round(float(np.mean([r[side]["psnr"] for r in rows])), 3)
            summary[f"{side}_noise_std_mean"] = round(float(np.mean([r[side]["noise_std"] for r in rows])), 3)
        summary["frames_psnr_mean"] = round(float(np.mean([r["frames_mean"]["psnr"] for r in rows])), 3)
        pr = [r for r in rows if r["pointer"]]
        summary["pointer_visible_in_median"] = sum(r["median"]["pointer_visible"] for r in pr)
        summary["pointer_visible_in_keyframe"] = sum(r["keyframe_mid"]["pointer_visible"] for r in pr)
        summary["pointer_frames_visible"] = (
            f"{sum(r['frames_with_pointer'] for r in pr)}/{sum(r['n_frames'] for r in pr)}"
        )
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
