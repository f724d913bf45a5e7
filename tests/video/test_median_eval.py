"""quiltkit.video.median_eval on a case with a known answer: a still tissue view, a moving
pointer and per-frame noise. The median must lose the pointer and the noise; a frame keeps both."""

import cv2
import numpy as np
import pytest

from quiltkit.video.median_eval import image_vs_clean, median_vs_frames
from tests.video.synth import tissue


def test_median_beats_a_single_frame_where_the_answer_is_known():
    clean = tissue(180, 320, 5)
    rng = np.random.default_rng(0)
    frames = []
    for i in range(9):
        f = clean.astype(np.int16) + rng.normal(0, 6, clean.shape).round().astype(np.int16)
        x = 30 + 30 * i  # the pointer moves: no pixel is under it in more than one frame
        cv2.rectangle(f, (x, 80), (x + 8, 94), (0, 0, 0), -1)
        frames.append(np.clip(f, 0, 255).astype(np.uint8))
    median = np.median(np.stack(frames), axis=0).astype(np.uint8)
    r = median_vs_frames(median, frames, clean)
    assert r["n_frames"] == 9 and r["frames_with_pointer"] == 9
    assert r["keyframe_mid"]["pointer_visible"] and r["keyframe_mid"]["largest_blob_px"] >= 9 * 15 * 0.8
    assert not r["median"]["pointer_visible"] and r["median"]["pointer_pixels"] == 0
    assert r["median"]["psnr"] > r["keyframe_mid"]["psnr"] + 5
    assert r["median"]["noise_std"] < 0.6 * r["frames_mean"]["noise_std"]
    # identical images: no difference, infinite PSNR
    same = image_vs_clean(clean, clean)
    assert same["psnr"] == float("inf") and same["mean_abs_diff"] == 0 and not same["pointer_visible"]
    with pytest.raises(ValueError, match="differ in size"):
        image_vs_clean(clean[:10], clean)
    with pytest.raises(ValueError, match="no frames"):
        median_vs_frames(median, [], clean)
