"""Stable intervals, by the paper's rule, computed online.

Frames are sampled at `sample_fps`. Two consecutive samples are "the same view" when the SSIM of
one random crop (the same crop window in both) exceeds `ssim_threshold`. A run of such samples is
a stable interval; if it lasts at least `min_stable_seconds`, its chunk image is the per-pixel
median of its frames, which erases what moves (the lecturer's pointer) and averages out
compression noise, something no single frame can do.

To keep memory flat, a run holds at most `cap` frames (frames.stable.median_frames): when it
would exceed that, every other frame is dropped and the sampling stride doubles, so what is left
stays evenly spread over the interval (a median of 16 or 32 evenly spaced frames is as good as
one of 300 for this purpose).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import cv2
import numpy as np

from quiltkit.video.quality import to_gray
from quiltkit.video.stack_median import stack_median

SSIM_WIN = 7  # the window of Wang et al.'s SSIM as scikit-image computes it by default
_SSIM_C1 = (0.01 * 255) ** 2
_SSIM_C2 = (0.03 * 255) ** 2


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of two 8-bit grey images: scikit-image's structural_similarity(a, b,
    data_range=255) (uniform 7x7 window, sample covariances, the border a half window wide left
    out of the mean), to within 1e-12. It runs once per sampled frame pair, so its box filters
    are OpenCV's: 2.4x faster than scipy's uniform_filter on a 64x64 crop."""
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"ssim needs two grey images of one shape, got {a.shape} and {b.shape}")
    if min(a.shape) < SSIM_WIN:
        raise ValueError(f"ssim needs images of at least {SSIM_WIN}x{SSIM_WIN} pixels, got {a.shape}")
    x, y = a.astype(np.float64), b.astype(np.float64)

    def mean(z: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(z, cv2.CV_64F, (SSIM_WIN, SSIM_WIN), borderType=cv2.BORDER_REFLECT)

    ux, uy = mean(x), mean(y)
    n = SSIM_WIN * SSIM_WIN
    cov_norm = n / (n - 1)  # sample, not population, (co)variances
    vx = cov_norm * (mean(x * x) - ux * ux)
    vy = cov_norm * (mean(y * y) - uy * uy)
    vxy = cov_norm * (mean(x * y) - ux * uy)
    s = ((2 * ux * uy + _SSIM_C1) * (2 * vxy + _SSIM_C2)) / ((ux * ux + uy * uy + _SSIM_C1) * (vx + vy + _SSIM_C2))
    pad = (SSIM_WIN - 1) // 2
    return float(s[pad:-pad, pad:-pad].mean())


def random_crop(rng: np.random.Generator, h: int, w: int, size: int) -> tuple[int, int, int]:
    """(top, left, side) of a square crop of at most `size` drawn anywhere in an h x w frame:
    the window the paper's stability test compares between two frames."""
    c = min(size, h, w)
    return int(rng.integers(0, h - c + 1)), int(rng.integers(0, w - c + 1)), c


@dataclass
class StableInterval:
    start: float
    end: float
    n_frames: int  # frames that were stable (before thinning)
    frames: list[np.ndarray]  # the evenly thinned frames the median is taken over
    times: list[float] = field(default_factory=list)  # each of those frames' time, seconds

    @property
    def middle(self) -> np.ndarray:
        return self.frames[len(self.frames) // 2]

    @cached_property
    def median(self) -> np.ndarray:
        """Computed on first use (most intervals, slides, are dropped without ever needing it),
        by stack_median: band by band, so no copy of the whole stack is ever held (a 10-minute
        video with a long stable shot once peaked 55 MB above a 1-minute one on that copy)."""
        if len(self.frames) == 1:
            return self.frames[0]
        return stack_median(self.frames)


@dataclass
class Thinned:
    """Evenly spaced frames of a growing run, at most `cap` of them whatever its length: every
    stride-th frame is kept, and when one too many is held every other one is dropped and the
    stride doubles. A stable run holds its median's frames this way, and the frames stage a
    scene's samples for the pointer (video/frames.py)."""

    cap: int
    count: int = 0
    stride: int = 1
    frames: list = field(default_factory=list)
    times: list = field(default_factory=list)

    def add(self, t: float, rgb: np.ndarray) -> None:
        if self.count % self.stride == 0:
            self.frames.append(rgb)
            self.times.append(t)
            if len(self.frames) > self.cap:
                self.frames, self.times = self.frames[::2], self.times[::2]
                self.stride *= 2
        self.count += 1

    def interval(self, start: float, end: float) -> StableInterval:
        return StableInterval(start, end, self.count, self.frames, self.times)


@dataclass
class _Run:
    start: float
    end: float
    kept: Thinned


class StableTracker:
    def __init__(
        self, crop_size: int, ssim_threshold: float, min_seconds: float, rng: np.random.Generator, cap: int = 32
    ):
        self.crop = crop_size
        self.thr = ssim_threshold
        self.min_seconds = min_seconds
        self.rng = rng
        self.cap = cap
        self.prev_gray: np.ndarray | None = None
        self.run: _Run | None = None
        self.ssims: list[float] = []

    def _same_view(self, a: np.ndarray, b: np.ndarray) -> bool:
        y, x, c = random_crop(self.rng, *a.shape, self.crop)
        s = ssim(a[y : y + c, x : x + c], b[y : y + c, x : x + c])
        self.ssims.append(s)
        return s > self.thr

    def _add(self, t: float, rgb: np.ndarray) -> None:
        self.run.end = t
        self.run.kept.add(t, rgb)

    def feed(self, t: float, rgb: np.ndarray, gray: np.ndarray | None = None) -> StableInterval | None:
        """Add one sample (with its grey version, when the caller has it already); returns a
        finished stable interval when this sample broke one."""
        gray = to_gray(rgb) if gray is None else gray
        done = None
        if self.run is not None and self.prev_gray is not None and self._same_view(self.prev_gray, gray):
            self._add(t, rgb)
        else:
            done = self.close()
            self.run = _Run(start=t, end=t, kept=Thinned(self.cap))
            self._add(t, rgb)
        self.prev_gray = gray
        return done

    def close(self) -> StableInterval | None:
        """End the current run (scene cut or end of video); return it if long enough."""
        r, self.run, self.prev_gray = self.run, None, None
        if r is None or r.kept.count < 2 or (r.end - r.start) < self.min_seconds:
            return None
        return r.kept.interval(r.start, r.end)
