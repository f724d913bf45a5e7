"""stack_median against numpy's median, which it replaces for speed: the same picture, exactly."""

from __future__ import annotations

import numpy as np
import pytest

from quiltkit.video.stack_median import stack_median


def _numpy(frames):
    # np.median's float result written into an 8-bit picture, as the frames stage used to do
    out = np.empty_like(frames[0])
    out[...] = np.median(np.stack(frames), axis=0)
    return out


@pytest.mark.parametrize("n", list(range(1, 34)))
def test_equals_numpy_for_every_stack_size_up_to_past_the_cap(n):
    rng = np.random.default_rng(n)
    frames = [rng.integers(0, 256, (37, 23, 3), dtype=np.uint8) for _ in range(n)]
    assert np.array_equal(stack_median(frames), _numpy(frames))


def test_extremes_and_ties():
    """Values at 255 sort with the padding wires, and many equal values: still exact."""
    rng = np.random.default_rng(0)
    for n in (2, 5, 6, 13, 16):
        frames = [rng.choice(np.array([0, 1, 254, 255], np.uint8), size=(70, 9)) for _ in range(n)]
        assert np.array_equal(stack_median(frames), _numpy(frames))


def test_a_frame_sized_stack_in_bands():
    """Rows not a multiple of the band, colour, 16 frames: the frames stage's own case."""
    rng = np.random.default_rng(3)
    frames = [rng.integers(0, 256, (75, 64, 3), dtype=np.uint8) for _ in range(16)]
    got = stack_median(frames)
    assert got.dtype == np.uint8 and np.array_equal(got, _numpy(frames))
    assert all(not np.shares_memory(got, f) for f in frames)


def test_bad_stacks_are_refused_by_name():
    a = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(ValueError, match="at least one"):
        stack_median([])
    with pytest.raises(ValueError, match="one shape"):
        stack_median([a, np.zeros((4, 5, 3), np.uint8)])
    with pytest.raises(ValueError, match="uint8"):
        stack_median([a.astype(np.float32)] * 3)
    # a stack whose first picture is uint8 is not taken on trust: a later float picture is named
    with pytest.raises(ValueError, match="float32"):
        stack_median([a, a.astype(np.float32), a])
