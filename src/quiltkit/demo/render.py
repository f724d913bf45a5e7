"""Pixels of a lecture: one still picture per shot, moved (pan, zoom) and blended (crossfade).

Each shot's picture is computed once (a tissue texture larger than the frame, a slide, the
presenter) and every frame is one cv2.warpAffine crop of it, so a 75 s video costs a few
seconds of rendering instead of a per-pixel Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from quiltkit.demo import slides, styles
from quiltkit.demo.plan import CROSSFADE_SECONDS, Shot
from quiltkit.demo.styles import Chrome, PaintContext

# --------------------------------------------------------------------------------------------
# pictures and frames

SUBTITLE = "Department of Pathology - teaching series"
SUMMARY = [
    "Architecture first, cytology second",
    "Compare benign and malignant glands",
    "Always look for necrosis and invasion",
]


def shot_picture(
    s: Shot, w: int, h: int, rng: np.random.Generator, title: str, classes: list[str], raw_root: Path
) -> np.ndarray | Chrome:
    """The still picture a shot shows, painted in its style (styles.yaml): a frame for slides and
    photos, a picture larger than the frame for tissue (to pan and zoom in), or a Chrome (viewer
    software, a webcam box) around moving tissue."""
    ctx = PaintContext(
        title=title,
        classes=list(classes),
        raw_root=Path(raw_root),
        tissue_class=s.tissue_class,
        magnification=s.magnification,
    )
    if s.kind == "title":
        ctx.heading, ctx.bullets = title, [SUBTITLE]
    elif s.kind == "slide" and s.label == "summary":
        ctx.heading, ctx.bullets = "Summary", list(SUMMARY)
    elif s.kind == "slide" and s.label != "chart":
        ctx.heading, ctx.bullets = "Learning objectives", [f"Recognize {c}" for c in classes[:4]]
    if s.package:  # the plan chose the package image: that picture, whatever else its style paints
        from quiltkit.demo.tissue_styles import package

        ctx.sources = (f"package:{s.package}",)
        if ctx.sources[0] not in styles.style(s.style).sources:
            raise ValueError(f"style {s.style!r} has no source {ctx.sources[0]!r}")
        return package(w, h, rng, ctx)
    return styles.paint(s.style, w, h, rng, ctx)


@dataclass
class View:
    """How a shot moves over its picture: window centre and size (in picture px) over u in [0, 1]."""

    pic: np.ndarray
    c0: tuple[float, float]
    c1: tuple[float, float]
    k0: float  # picture px per frame px at u = 0
    k1: float
    pointer_path: np.ndarray | None = None  # (n, 2) waypoints in frame px
    chrome: Chrome | None = None  # software around the moving picture, which then fills its viewport

    def frame(self, u: float, w: int, h: int) -> np.ndarray:
        if self.chrome is not None:
            return self.chrome.compose(self._window(u, *self.chrome.viewport[2:]))
        return self._window(u, w, h)

    def _window(self, u: float, w: int, h: int) -> np.ndarray:
        e = u * u * (3 - 2 * u)  # smoothstep: slides start and stop gently, like a hand on a stage
        cx = self.c0[0] + (self.c1[0] - self.c0[0]) * e
        cy = self.c0[1] + (self.c1[1] - self.c0[1]) * e
        k = self.k0 + (self.k1 - self.k0) * e
        if self.pic.shape[:2] == (h, w) and k == 1.0:
            return self.pic.copy()
        M = np.array([[1 / k, 0, w / 2 - cx / k], [0, 1 / k, h / 2 - cy / k]], np.float32)
        return cv2.warpAffine(self.pic, M, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def make_view(s: Shot, pic: np.ndarray | Chrome, w: int, h: int, rng: np.random.Generator) -> View:
    chrome = pic if isinstance(pic, Chrome) else None
    if chrome is not None:  # the stage moves under the viewport, the software stays put
        view = make_view(s, chrome.tissue, chrome.viewport[2], chrome.viewport[3], rng)
        view.chrome = chrome
        if view.pointer_path is not None:
            view.pointer_path = view.pointer_path + np.array(chrome.viewport[:2], np.float64)
        return view
    if s.kind != "histology":
        return View(pic, (w / 2, h / 2), (w / 2, h / 2), 1.0, 1.0)
    ph, pw = pic.shape[:2]
    kmax = min(pw / w, ph / h)  # the largest window that still fits in the picture
    mrng = np.random.default_rng(s.seed + 1)  # motion from the shot seed: a repeat moves the same way

    def centre(k):
        hx, hy = w * k / 2, h * k / 2
        return (float(mrng.uniform(hx, pw - hx)), float(mrng.uniform(hy, ph - hy)))

    if s.motion == "zoom":
        k0, k1 = kmax * 0.95, kmax * 0.7
        if mrng.random() < 0.3:
            k0, k1 = k1, k0  # zoom out
        c = centre(max(k0, k1))
        view = View(pic, c, c, k0, k1)
    elif s.motion == "pan":
        # a slow pan, as when the lecturer moves the stage: a quarter of a frame per shot at most
        k = kmax * 0.62
        c0 = centre(k)
        ang = mrng.uniform(0, 2 * np.pi)
        dist = mrng.uniform(0.12, 0.25) * w * k
        hx, hy = w * k / 2, h * k / 2
        c1 = (
            float(np.clip(c0[0] + dist * np.cos(ang), hx, pw - hx)),
            float(np.clip(c0[1] + dist * np.sin(ang), hy, ph - hy)),
        )
        view = View(pic, c0, c1, k, k)
    else:
        k = kmax * 0.7
        c = centre(k)
        view = View(pic, c, c, k, k)
    if s.pointer:
        view.pointer_path = np.stack([mrng.uniform(0.15 * w, 0.8 * w, 4), mrng.uniform(0.15 * h, 0.8 * h, 4)], 1)
    return view


def still_frame(pic: np.ndarray | Chrome, w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """One frame of a shot at a random moment: a window of a picture larger than the frame at a
    random place and zoom (or the frame itself), composed into its chrome if it has one. This is
    what the classifier's training frames are, so they look like the frames the video stage sees."""
    if isinstance(pic, Chrome):
        return pic.compose(still_frame(pic.tissue, pic.viewport[2], pic.viewport[3], rng))
    ph, pw = pic.shape[:2]
    if (ph, pw) == (h, w):
        return pic.copy()
    k = min(pw / w, ph / h) * float(rng.uniform(0.55, 1.0))
    c = (float(rng.uniform(w * k / 2, pw - w * k / 2)), float(rng.uniform(h * k / 2, ph - h * k / 2)))
    return View(pic, c, c, k, k).frame(0.0, w, h)


def _pointer_at(path: np.ndarray, u: float) -> tuple[int, int]:
    seg = min(len(path) - 2, int(u * (len(path) - 1)))
    f = u * (len(path) - 1) - seg
    f = f * f * (3 - 2 * f)
    p = path[seg] * (1 - f) + path[seg + 1] * f
    return int(p[0]), int(p[1])


class FrameSource:
    """Frame k of the video, with hard cuts at shot starts and blends across crossfades."""

    def __init__(self, shots: list[Shot], views: list[View], w: int, h: int, fps: int, pointer: str = "arrow"):
        self.shots, self.views, self.w, self.h, self.fps = shots, views, w, h, fps
        rgb, alpha, (hx, hy) = slides.pointer_of(pointer, max(10, h // 18))
        # Every kind is pasted with its hotspot where the arrow's tip would be, one pixel right of
        # and below the path's point, so the truth (demo/pointer_truth.py) holds for all of them
        # and the arrow's frames are what they always were.
        self.sprite = (rgb, alpha)
        self.hot_offset = (1 - hx, 1 - hy)
        self._static: dict[int, np.ndarray] = {}

    def _shot_frame(self, i: int, t: float) -> np.ndarray:
        s, v = self.shots[i], self.views[i]
        u = float(np.clip((t - s.start) / max(1e-6, s.end - s.start), 0, 1))
        still = v.c0 == v.c1 and v.k0 == v.k1
        if still and i in self._static:
            fr = self._static[i].copy()
        else:
            fr = v.frame(u, self.w, self.h)
            if still:
                self._static[i] = fr.copy()
        if v.pointer_path is not None:
            x, y = _pointer_at(v.pointer_path, u)
            slides.overlay(fr, self.sprite[0], self.sprite[1], x + self.hot_offset[0], y + self.hot_offset[1])
        return fr

    def __call__(self, k: int) -> np.ndarray:
        t = k / self.fps
        i = max(j for j, s in enumerate(self.shots) if s.start <= t + 1e-9)
        half = CROSSFADE_SECONDS / 2
        # inside the second half of a crossfade into shot i, or the first half of one into i+1
        if self.shots[i].transition_in == "crossfade" and i > 0 and t < self.shots[i].start + half:
            return self._blend(i - 1, i, t)
        if (
            i + 1 < len(self.shots)
            and self.shots[i + 1].transition_in == "crossfade"
            and t >= self.shots[i + 1].start - half
        ):
            return self._blend(i, i + 1, t)
        return self._shot_frame(i, t)

    def _blend(self, a: int, b: int, t: float) -> np.ndarray:
        b0 = self.shots[b].start - CROSSFADE_SECONDS / 2
        alpha = float(np.clip((t - b0 + 0.5 / self.fps) / CROSSFADE_SECONDS, 0, 1))
        return cv2.addWeighted(self._shot_frame(a, t), 1 - alpha, self._shot_frame(b, t), alpha, 0)
