"""Pointers the detector has never seen, drawn with cv2 primitives, and clips to find them in.

Each drawer returns (rgb uint8, alpha float32 in 0..1, hotspot (x, y) in sprite pixels): the
arrow and the hand point with their top, the crosshair and the laser dot with their centre, as
video/pointer.py infers. They differ from the demo's own sprite (demo/slides.pointer_sprite, the
fifth shape) in outline, proportions, colour and size, so a detector tuned to that sprite alone
would fail here. Sizes and colours are arguments; the tests draw several.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import av
import cv2
import numpy as np

from quiltkit.demo import slides
from quiltkit.demo.encode import encode
from quiltkit.demo.tissue import render_tissue

Sprite = tuple[np.ndarray, np.ndarray, tuple[float, float]]
AA = cv2.LINE_AA


def _canvas(w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((h, w, 3), np.uint8), np.zeros((h, w), np.float32)


def arrow(size: int, fill=(20, 20, 20), outline=(255, 255, 255)) -> Sprite:
    """A slim dark arrow with a light outline (the inverse of the demo's), tip up and left."""
    s = size
    pts = np.array(
        [[0, 0], [0, 0.95 * s], [0.28 * s, 0.72 * s], [0.5 * s, 1.0 * s], [0.62 * s, 0.92 * s], [0.42 * s, 0.64 * s]],
        np.float32,
    )
    pts = np.vstack([pts, [[0.75 * s, 0.62 * s]]])
    rgb, a = _canvas(s + 4, s + 4)
    poly = [np.round((pts + 2) * 4).astype(np.int32)]
    cv2.fillPoly(a, poly, 1.0, AA, shift=2)
    cv2.polylines(a, poly, True, 1.0, 2, AA, shift=2)
    cv2.fillPoly(rgb, poly, fill, AA, shift=2)
    cv2.polylines(rgb, poly, True, outline, 2, AA, shift=2)
    return rgb, a, (2.0, 2.0)


def hand(size: int, fill=(250, 240, 200), outline=(40, 30, 20)) -> Sprite:
    """A pointing hand: the index finger up, a palm with three folded fingers, a thumb to the left."""
    s = size
    fw = max(2, int(round(0.2 * s)))  # finger width
    w, h = s + 4, int(1.3 * s) + 4
    rgb, a = _canvas(w, h)
    fx = int(round(0.35 * s)) + 2  # finger's left edge
    top = 2
    palm_top = int(round(0.5 * s)) + 2

    def draw(draw_fn):
        draw_fn(a, 1.0)
        draw_fn(rgb, fill)

    def finger(img, col):
        cv2.rectangle(img, (fx, top + fw // 2), (fx + fw, palm_top + 2), col, -1, AA)
        cv2.circle(img, (fx + fw // 2, top + fw // 2), fw // 2, col, -1, AA)

    def palm(img, col):
        cv2.rectangle(img, (int(0.15 * s) + 2, palm_top), (s + 1, int(1.25 * s) + 2), col, -1, AA)
        for j in range(3):  # the folded fingers' knuckles along the palm's top
            cv2.circle(img, (fx + fw + 2 + j * (fw + 1), palm_top), max(1, fw // 2), col, -1, AA)
        cv2.ellipse(img, (int(0.15 * s) + 2, int(0.85 * s)), (max(2, fw // 2 + 1), fw), 20, 0, 360, col, -1, AA)

    draw(finger)
    draw(palm)
    # the outline: the alpha's edge, drawn dark so the hand reads on light and dark tissue alike
    edge = cv2.morphologyEx((a > 0.5).astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((2, 2), np.uint8)) > 0
    rgb[edge] = outline
    return rgb, a, (fx + fw / 2, float(top))


def crosshair(size: int, colour=(0, 230, 255), thickness: int = 2, gap: int = 2) -> Sprite:
    """Two lines through a centre with a small gap, as screen annotation tools draw them."""
    s = size | 1  # odd: a pixel at the centre
    c = s // 2 + 2
    rgb, a = _canvas(s + 4, s + 4)
    for img, col in ((a, 1.0), (rgb, colour)):
        cv2.line(img, (2, c), (c - gap, c), col, thickness, AA)
        cv2.line(img, (c + gap, c), (s + 1, c), col, thickness, AA)
        cv2.line(img, (c, 2), (c, c - gap), col, thickness, AA)
        cv2.line(img, (c, c + gap), (c, s + 1), col, thickness, AA)
        cv2.circle(img, (c, c), max(1, thickness // 2), col, -1, AA)
    return rgb, a, (float(c), float(c))


def laser_dot(radius: int, colour=(255, 20, 20)) -> Sprite:
    """A laser pointer's dot: a saturated disc inside a soft glow of its colour."""
    r = radius
    n = 4 * r + 5
    c = n // 2
    rgb, a = _canvas(n, n)
    yy, xx = np.mgrid[:n, :n]
    d = np.hypot(xx - c, yy - c)
    a[:] = np.clip(np.exp(-((np.maximum(d - r, 0) / (0.6 * r + 0.5)) ** 2)), 0, 1)
    rgb[:] = colour
    core = d <= 0.5 * r
    rgb[core] = np.clip(np.array(colour) * 0.5 + 128, 0, 255).astype(np.uint8)  # the hot white-ish centre
    return rgb, a, (float(c), float(c))


def demo_arrow(size: int) -> Sprite:
    """The demo renderer's sprite (tip at (1, 1): slides.pointer_sprite draws its polygon 1 px in)."""
    rgb, a = slides.pointer_sprite(size)
    return rgb, a, (1.0, 1.0)


SHAPES: dict[str, Callable[[], Sprite]] = {
    "arrow": lambda: arrow(22),
    "hand": lambda: hand(26, fill=(255, 255, 255)),
    "crosshair": lambda: crosshair(21, colour=(0, 255, 0)),
    "laser_dot": lambda: laser_dot(4),
    "demo_sprite": lambda: demo_arrow(20),
}


def paste(frame: np.ndarray, sprite: Sprite, x: float, y: float) -> tuple[float, float]:
    """Draw the sprite with its hotspot at (round(x), round(y)); returns where the hotspot is."""
    rgb, a, (hx, hy) = sprite
    ox, oy = int(round(x - hx)), int(round(y - hy))
    slides.overlay(frame, rgb, a, ox, oy)
    return ox + hx, oy + hy


def texture(w: int, h: int, seed: int, tissue_class: str = "colorectal adenocarcinoma") -> np.ndarray:
    return render_tissue(tissue_class, seed, h, w)


def path(n: int, w: int, h: int, seed: int, speed: float = 7.0) -> np.ndarray:
    """(n, 2) hotspot positions wandering over the middle of the frame at about `speed` px per
    frame (fast enough that the clip's median never holds the pointer), bouncing off a margin."""
    rng = np.random.default_rng(seed)
    pos = np.array([rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h])
    ang = rng.uniform(0, 2 * np.pi)
    out = []
    lo, hi = np.array([0.1 * w, 0.1 * h]), np.array([0.85 * w, 0.8 * h])
    for _ in range(n):
        out.append(pos.copy())
        ang += rng.normal(0, 0.25)
        step = speed * np.array([np.cos(ang), np.sin(ang)])
        nxt = pos + step
        for d in (0, 1):
            if not lo[d] <= nxt[d] <= hi[d]:
                step[d] = -step[d]
                ang = float(np.arctan2(step[1], step[0]))
        pos = pos + step
    return np.array(out)


def h264_roundtrip(frames: list[np.ndarray], tmp: Path, fps: int = 24, crf: int = 27) -> list[np.ndarray]:
    """Encode RGB frames with the demo's own encoder (x264, crf as the demo corpus) and decode
    them again, as the frames stage would read them."""
    h, w = frames[0].shape[:2]
    sr = 16000
    audio = np.zeros(int(sr * len(frames) / fps) + 1, np.int16)
    out = tmp / "clip.mp4"
    encode(out, lambda k: frames[k], len(frames), audio, sr, w, h, fps, crf)
    with av.open(str(out)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def median(frames: list[np.ndarray]) -> np.ndarray:
    return np.median(np.stack(frames), axis=0).astype(np.uint8)
