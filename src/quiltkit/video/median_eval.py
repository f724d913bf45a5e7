"""How much better is a stable interval's median than one frame of it? Measured, not assumed.

The frames stage makes a chunk image from the per-pixel median of a stable interval because the
paper says the median removes what moves (the lecturer's pointer) and averages out compression
noise. Both claims can be checked wherever the clean picture is known (the demo renders every
shot from a still picture, so the pointer-free view can be rendered again): compare the median and
a single frame of the same interval against that clean view.

    psnr             dB against the clean view (higher: closer to it)
    mean_abs_diff    mean |image - clean| over pixels and channels
    pointer_pixels   share of pixels off by more than `outlier` in some channel: compression
                     noise stays far below that, a dark pointer sprite on pink tissue far above,
                     so this is where a pointer shows
    pointer_visible  a connected blob of such pixels at least `min_blob` px large is present
    noise_std        standard deviation of (image - clean): compression noise plus leftovers
    sharpness        variance of the Laplacian of the image, next to that of the clean view
                     (a median of a truly still view must not blur it)
"""

from __future__ import annotations

import cv2
import numpy as np

from quiltkit.video.quality import sharpness

OUTLIER = 80  # grey levels; x264 at crf 27 on tissue stays well below, the pointer far above
MIN_BLOB = 20  # px; the demo's pointer sprite at 360p covers ~100 px


def difference(img: np.ndarray, clean: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(img - clean as float32, mean |difference| in grey levels, PSNR in dB: inf when equal)."""
    if img.shape != clean.shape:
        raise ValueError(f"image {img.shape} and clean view {clean.shape} differ in size")
    diff = img.astype(np.float32) - clean.astype(np.float32)
    mse = float((diff**2).mean())
    return diff, float(np.abs(diff).mean()), (10 * np.log10(255.0**2 / mse) if mse > 0 else float("inf"))


def image_vs_clean(img: np.ndarray, clean: np.ndarray, outlier: int = OUTLIER, min_blob: int = MIN_BLOB) -> dict:
    """Compare one RGB image to the clean view it should show (same size, uint8)."""
    diff, mad, psnr = difference(img, clean)
    off = (np.abs(diff).max(axis=2) > outlier).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(off, connectivity=8)
    biggest = int(stats[1:, cv2.CC_STAT_AREA].max()) if n > 1 else 0
    return {
        "psnr": round(psnr, 3) if np.isfinite(psnr) else psnr,
        "mean_abs_diff": round(mad, 4),
        "pointer_pixels": round(float(off.mean()), 6),
        "largest_blob_px": biggest,
        "pointer_visible": biggest >= min_blob,
        "noise_std": round(float(diff.std()), 4),
        "sharpness": round(sharpness(img), 2),
        "clean_sharpness": round(sharpness(clean), 2),
    }


def median_vs_frames(median: np.ndarray, frames: list[np.ndarray], clean: np.ndarray) -> dict:
    """The median image against every single frame of its interval, all against the clean view.

    A single "keyframe" could be any frame of the interval, so the frame side is summarised over
    all of them (mean, and how many show the pointer) rather than over one lucky or unlucky pick.
    """
    if not frames:
        raise ValueError("no frames of the interval to compare with")
    med = image_vs_clean(median, clean)
    per = [image_vs_clean(f, clean) for f in frames]
    mid = per[len(per) // 2]
    keys = ("psnr", "mean_abs_diff", "pointer_pixels", "noise_std", "sharpness")
    return {
        "median": med,
        "keyframe_mid": mid,  # the frame in the middle of the interval: "the" single keyframe
        "frames_mean": {k: round(float(np.mean([p[k] for p in per])), 4) for k in keys},
        "frames_with_pointer": sum(p["pointer_visible"] for p in per),
        "n_frames": len(per),
    }
