"""Scene cuts with PySceneDetect, fed frame by frame, plus a text-slide change detector.

Rather than let PySceneDetect open and decode the file itself (a second decode of every frame),
we drive its detector directly with the downscaled frames of our own single decoding pass.

PySceneDetect's detectors score changes in hue, saturation and luminance over the whole frame.
A lecture's slide-to-slide cut changes a few lines of dark text on the same white page: the
ContentDetector scores it about 2 where a real cut scores 100. So beside it runs a second,
simple detector for exactly that case: the fraction of pixels whose grey level jumps between
two frames, counted as a cut only when it is an isolated spike (a pan or a zoom changes many
pixels on every frame; a pointer moving changes very few). A third one finds crossfades.
"""

from __future__ import annotations

import cv2
import numpy as np
from scenedetect.common import FrameTimecode
from scenedetect.detector import FlashFilter
from scenedetect.detectors import AdaptiveDetector, ContentDetector, ThresholdDetector

from quiltkit.config import ScenesParams


class SpikeChangeDetector:
    """Cut at frame i when the changed-pixel fraction c_i between frames i-1 and i is at least
    `min_fraction` and `ratio` times every neighbour within `reach` frames on either side (a
    slow pan has a ragged, alternating c: one neighbour each side is not enough to call it
    smooth). Reports `reach` frames late."""

    def __init__(self, min_fraction: float, ratio: float = 2.5, level: int = 40, reach: int = 3):
        self.min_fraction = min_fraction
        self.ratio = ratio
        self.level = level
        self.reach = reach
        self.prev: np.ndarray | None = None
        self.hist: list[tuple[float, float]] = []  # (time, changed fraction), last 2*reach+1

    def feed(self, t: float, gray_small: np.ndarray) -> list[float]:
        g = cv2.GaussianBlur(gray_small, (3, 3), 0).astype(np.int16)
        c = 0.0 if self.prev is None else float((np.abs(g - self.prev) > self.level).mean())
        self.prev = g
        n = 2 * self.reach + 1
        self.hist = (self.hist + [(t, c)])[-n:]
        if len(self.hist) < n:
            return []
        tm, m = self.hist[self.reach]
        others = max(x for i, (_, x) in enumerate(self.hist) if i != self.reach)
        if m >= self.min_fraction and m >= self.ratio * max(others, 1e-4):
            return [tm]
        return []


class DissolveDetector:
    """Gradual transitions (crossfades), which no per-frame difference sees: over a 0.75 s fade
    each frame differs from the last by a few percent of a cut.

    The test looks across a window instead. With a = frame j-2W, m = frame j-W, b = frame j, a
    crossfade centred near m makes a and b very different while m is close to their average
    (m ~ (a+b)/2, the definition of a blend). A pan or a zoom also makes a and b differ, but
    its middle frame is a sharp picture, not the ghostly mean of the ends, so the residual
    |m - (a+b)/2| stays large. The reported cut is the window centre with the smallest relative
    residual over a run of qualifying centres, i.e. the middle of the fade.
    """

    def __init__(self, fps: float, window_seconds: float, min_change: float, max_residual: float, size=(64, 36)):
        self.W = max(2, int(round(window_seconds * fps)))
        self.min_change = min_change
        self.max_residual = max_residual
        self.size = size
        self.buf: list[tuple[float, np.ndarray]] = []
        self.run: list[tuple[float, float]] = []  # (ratio, centre time) of qualifying centres

    @property
    def lag_frames(self) -> int:
        return 3 * self.W + 2

    def _flush(self) -> list[float]:
        best = min(self.run)[1] if self.run else None
        self.run = []
        return [best] if best is not None else []

    def feed(self, t: float, gray_small: np.ndarray) -> list[float]:
        g = cv2.resize(gray_small, self.size, interpolation=cv2.INTER_AREA).astype(np.float32)
        self.buf.append((t, g))
        if len(self.buf) > 2 * self.W + 1:
            self.buf.pop(0)
        if len(self.buf) < 2 * self.W + 1:
            return []
        (_, a), (tm, m), (_, b) = self.buf[0], self.buf[self.W], self.buf[-1]
        change = float(np.abs(a - b).mean())
        ratio = float(np.abs(m - 0.5 * (a + b)).mean()) / max(change, 1e-6)
        if change >= self.min_change and ratio <= self.max_residual:
            self.run.append((ratio, tm))
            if len(self.run) > 2 * self.W:  # never hold a report back for long
                return self._flush()
            return []
        return self._flush()


class SceneCutter:
    """All cut detectors of one video, merged: a cut closer than min_scene_seconds to the one
    before it is dropped. `lag_frames` is how many frames late a cut may be reported."""

    def __init__(self, params: ScenesParams, fps: float):
        self.fps = float(fps)
        self.min_gap = params.min_scene_seconds
        min_len = max(1, int(round(params.min_scene_seconds * fps)))
        if params.detector == "content":
            self.detector = ContentDetector(
                threshold=params.threshold, min_scene_len=min_len, filter_mode=FlashFilter.Mode.SUPPRESS
            )
            self.lag_frames = 4
        elif params.detector == "adaptive":
            self.detector = AdaptiveDetector(adaptive_threshold=params.threshold, min_scene_len=min_len)
            self.lag_frames = 3
        else:
            self.detector = ThresholdDetector(threshold=params.threshold, min_scene_len=min_len)
            self.lag_frames = 4
        self.spike = SpikeChangeDetector(params.slide_change_fraction) if params.slide_change_fraction > 0 else None
        self.dissolve = None
        if params.dissolve_window_seconds > 0:
            self.dissolve = DissolveDetector(
                self.fps, params.dissolve_window_seconds, params.dissolve_min_change, params.dissolve_max_residual
            )
            self.lag_frames = max(self.lag_frames, self.dissolve.lag_frames)
        self.last_cut = 0.0
        # PySceneDetect counts in frames at one fixed rate; a variable-frame-rate file (screen
        # recorders write them) would put its cuts at index / average fps, seconds off. Recent
        # frame times are kept so that a reported frame number maps back to its real timestamp.
        self._times: dict[int, float] = {}
        self._keep = max(self.lag_frames, min_len) + 64

    def feed(self, index: int, bgr_small, t: float | None = None) -> list[float]:
        """Process one frame (t: its timestamp in seconds, index / fps when not given); return
        the times (seconds) of any cuts it revealed."""
        now = index / self.fps if t is None else float(t)
        self._times[index] = now
        self._times.pop(index - self._keep, None)
        tc = FrameTimecode(index, fps=self.fps)
        times = [self._times.get(c.frame_num, float(c.seconds)) for c in self.detector.process_frame(tc, bgr_small)]
        gray = cv2.cvtColor(bgr_small, cv2.COLOR_BGR2GRAY) if self.spike or self.dissolve else None  # both look at grey
        if self.spike is not None:
            times += self.spike.feed(now, gray)
        if self.dissolve is not None:
            times += self.dissolve.feed(now, gray)
        out = []
        for t in sorted(times):
            if t > 0 and t - self.last_cut >= self.min_gap - 1e-6:
                out.append(t)
                self.last_cut = t
        return out
