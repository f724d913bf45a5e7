"""The stable-interval tracker's SSIM and its runs."""

import numpy as np
import pytest
from skimage.metrics import structural_similarity

from quiltkit.video.stable import StableTracker, ssim


def _pair(rng, shape, noise):
    a = rng.integers(0, 256, shape).astype(np.uint8)
    b = np.clip(a.astype(np.int16) + rng.integers(-noise, noise + 1, shape), 0, 255).astype(np.uint8)
    return a, b


@pytest.mark.parametrize("shape,noise", [((64, 64), 3), ((64, 64), 60), ((7, 7), 10), ((40, 90), 0), ((33, 17), 120)])
def test_ssim_is_scikit_images(shape, noise):
    a, b = _pair(np.random.default_rng(sum(shape) + noise), shape, noise)
    assert ssim(a, b) == pytest.approx(structural_similarity(a, b, data_range=255), abs=1e-12)


def test_ssim_of_a_smooth_picture_and_a_flat_one():
    # real crops are smooth, not noise: a gradient against itself, shifted, and a flat grey
    g = np.tile(np.linspace(0, 255, 64), (64, 1)).astype(np.uint8)
    flat = np.full_like(g, 128)
    for a, b in [(g, g), (g, np.roll(g, 3, axis=1)), (g, flat), (flat, flat)]:
        assert ssim(a, b) == pytest.approx(structural_similarity(a, b, data_range=255), abs=1e-12)
    assert ssim(g, g) == pytest.approx(1.0)


def test_ssim_refuses_what_it_cannot_score():
    with pytest.raises(ValueError, match="one shape"):
        ssim(np.zeros((8, 8), np.uint8), np.zeros((8, 9), np.uint8))
    with pytest.raises(ValueError, match="at least 7x7"):
        ssim(np.zeros((6, 8), np.uint8), np.zeros((6, 8), np.uint8))


def test_tracker_finds_one_stable_run_and_breaks_it_at_a_change():
    rng = np.random.default_rng(0)
    view = rng.integers(0, 256, (72, 128, 3)).astype(np.uint8)
    other = rng.integers(0, 256, (72, 128, 3)).astype(np.uint8)
    tr = StableTracker(crop_size=32, ssim_threshold=0.98, min_seconds=1.0, rng=np.random.default_rng(1), cap=4)
    done = [tr.feed(t * 0.5, view) for t in range(6)]
    assert done == [None] * 6
    iv = tr.feed(3.0, other)
    assert iv is not None and (iv.start, iv.end, iv.n_frames) == (0.0, 2.5, 6)
    assert len(iv.frames) <= 4 and np.array_equal(iv.median, view)  # thinned to the cap, median of equal frames
    assert tr.close() is None  # one frame of the new view is no interval
