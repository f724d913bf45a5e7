"""The non-histology pictures of a lecture: title slide, text slides, charts, the presenter.

They exist to be told apart from histology (the frames stage must reject them) and to give the
video realistic structure. All are drawn with PIL (text, offline default font at any size) and
numpy, at the frame size, from a numpy Generator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from quiltkit.demo.styles import PaintContext

THEMES = [  # (background, title bar, title text, body text, accent)
    ((250, 250, 247), (22, 54, 110), (255, 255, 255), (30, 30, 30), (200, 60, 50)),
    ((255, 255, 255), (120, 20, 40), (255, 255, 255), (20, 20, 40), (20, 110, 160)),
    ((240, 244, 250), (40, 90, 70), (250, 250, 250), (25, 35, 30), (220, 140, 30)),
    ((30, 34, 44), (60, 120, 200), (255, 255, 255), (230, 230, 230), (250, 190, 60)),
]


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=max(8, int(size)))


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, max_w: int) -> list[str]:
    lines, cur = [], ""
    for word in text.split():
        trial = (cur + " " + word).strip()
        if draw.textlength(trial, font=font) <= max_w or not cur:
            cur = trial
        else:
            lines.append(cur)
            cur = word
    if cur:
        lines.append(cur)
    return lines


def title_slide(w: int, h: int, title: str, subtitle: str, rng: np.random.Generator) -> np.ndarray:
    top = np.array(rng.integers(10, 60, 3), np.float32)
    bottom = np.array(rng.integers(60, 140, 3), np.float32)
    grad = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    arr = (top * (1 - grad) + bottom * grad) * np.ones((1, w, 1), np.float32)
    img = Image.fromarray(arr.astype(np.uint8))
    d = ImageDraw.Draw(img)
    f1, f2 = _font(h * 0.085), _font(h * 0.045)
    y = int(h * 0.32)
    for line in _wrap(d, title, f1, int(w * 0.84)):
        tw = d.textlength(line, font=f1)
        d.text(((w - tw) / 2, y), line, font=f1, fill=(255, 255, 255))
        y += int(h * 0.11)
    d.line(
        [(w * 0.3, y + h * 0.02), (w * 0.7, y + h * 0.02)],
        fill=tuple(int(c) for c in rng.integers(150, 255, 3)),
        width=max(1, h // 120),
    )
    tw = d.textlength(subtitle, font=f2)
    d.text(((w - tw) / 2, y + h * 0.06), subtitle, font=f2, fill=(220, 220, 230))
    return np.asarray(img).copy()


def text_slide(w: int, h: int, title: str, bullets: list[str], rng: np.random.Generator) -> np.ndarray:
    bg, bar, ttl, body, accent = THEMES[int(rng.integers(0, len(THEMES)))]
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    bar_h = int(h * 0.17)
    d.rectangle([0, 0, w, bar_h], fill=bar)
    d.text((w * 0.05, bar_h * 0.25), title, font=_font(h * 0.07), fill=ttl)
    fb = _font(h * 0.048)
    y = bar_h + h * 0.07
    for b in bullets:
        d.ellipse([w * 0.06, y + h * 0.018, w * 0.06 + h * 0.022, y + h * 0.04], fill=accent)
        for line in _wrap(d, b, fb, int(w * 0.82)):
            d.text((w * 0.1, y), line, font=fb, fill=body)
            y += h * 0.07
        y += h * 0.025
    d.text((w * 0.86, h * 0.93), f"{int(rng.integers(2, 40))}", font=_font(h * 0.035), fill=body)
    return np.asarray(img).copy()


def chart_slide(w: int, h: int, title: str, labels: list[str], rng: np.random.Generator) -> np.ndarray:
    bg, bar, ttl, body, accent = THEMES[int(rng.integers(0, len(THEMES)))]
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    bar_h = int(h * 0.17)
    d.rectangle([0, 0, w, bar_h], fill=bar)
    d.text((w * 0.05, bar_h * 0.25), title, font=_font(h * 0.065), fill=ttl)
    x0, y0, x1, y1 = w * 0.12, h * 0.27, w * 0.92, h * 0.8
    d.line([(x0, y1), (x1, y1)], fill=body, width=2)
    d.line([(x0, y0), (x0, y1)], fill=body, width=2)
    vals = rng.uniform(0.15, 1.0, len(labels))
    slot = (x1 - x0) / len(labels)
    fl = _font(h * 0.035)
    for i, (lab, v) in enumerate(zip(labels, vals)):
        bx = x0 + slot * (i + 0.2)
        col = tuple(int(c) for c in rng.integers(40, 220, 3))
        d.rectangle([bx, y1 - (y1 - y0) * v, bx + slot * 0.6, y1], fill=col)
        d.text((bx, y1 + h * 0.02), lab[:14], font=fl, fill=body)
        d.text((bx, y1 - (y1 - y0) * v - h * 0.05), f"{v * 100:.0f}%", font=fl, fill=body)
    return np.asarray(img).copy()


def presenter(w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """A person in front of a bookshelf or plain office wall: skin, hair, shirt, soft focus."""
    wall = np.array(rng.integers(120, 220, 3), np.float32)
    grad = np.linspace(0.85, 1.1, w, dtype=np.float32)[None, :, None]
    arr = np.clip(wall * grad * np.ones((h, 1, 1), np.float32), 0, 255).astype(np.uint8)
    if rng.random() < 0.6:  # bookshelf with coloured spines
        sx = int(w * rng.uniform(0.55, 0.7))
        cv2.rectangle(arr, (sx, int(h * 0.1)), (w, h), (90, 60, 40), -1)
        for shelf in range(4):
            y = int(h * (0.15 + 0.22 * shelf))
            x = sx + 6
            while x < w - 4:
                bw = int(rng.integers(6, 16))
                bh = int(h * rng.uniform(0.12, 0.19))
                cv2.rectangle(
                    arr,
                    (x, y + int(h * 0.19) - bh),
                    (x + bw, y + int(h * 0.19)),
                    tuple(int(c) for c in rng.integers(30, 230, 3)),
                    -1,
                )
                x += bw + 1
            cv2.rectangle(arr, (sx, y + int(h * 0.19)), (w, y + int(h * 0.2)), (60, 40, 25), -1)
    cx = int(w * rng.uniform(0.3, 0.45))
    tones = [(241, 194, 167), (224, 172, 138), (198, 134, 99), (160, 105, 72), (111, 74, 52), (232, 190, 160)]
    skin = tuple(int(np.clip(c + rng.normal(0, 6), 0, 255)) for c in tones[int(rng.integers(0, len(tones)))])
    shirt = tuple(int(c) for c in rng.integers(20, 200, 3))
    hair = tuple(int(c) for c in rng.integers(10, 90, 3))
    # torso
    pts = np.array(
        [[cx - w * 0.2, h], [cx - w * 0.15, h * 0.68], [cx + w * 0.15, h * 0.68], [cx + w * 0.2, h]], np.int32
    )
    cv2.fillPoly(arr, [pts], shirt, cv2.LINE_AA)
    cv2.ellipse(arr, (cx, int(h * 0.7)), (int(w * 0.15), int(h * 0.08)), 0, 180, 360, shirt, -1, cv2.LINE_AA)
    # neck and head
    cv2.rectangle(arr, (cx - int(w * 0.03), int(h * 0.5)), (cx + int(w * 0.03), int(h * 0.66)), skin, -1)
    cv2.ellipse(arr, (cx, int(h * 0.4)), (int(w * 0.075), int(h * 0.16)), 0, 0, 360, skin, -1, cv2.LINE_AA)
    cv2.ellipse(arr, (cx, int(h * 0.3)), (int(w * 0.08), int(h * 0.09)), 0, 180, 360, hair, -1, cv2.LINE_AA)
    # eyes, mouth
    for dx in (-1, 1):
        cv2.circle(arr, (cx + dx * int(w * 0.028), int(h * 0.39)), max(1, h // 120), (40, 30, 30), -1, cv2.LINE_AA)
    cv2.ellipse(
        arr,
        (cx, int(h * 0.47)),
        (int(w * 0.02), max(1, h // 150)),
        0,
        0,
        180,
        (140, 60, 60),
        max(1, h // 200),
        cv2.LINE_AA,
    )
    # collar and a lanyard badge
    cv2.line(
        arr, (cx - int(w * 0.04), int(h * 0.66)), (cx, int(h * 0.75)), (240, 240, 240), max(1, h // 90), cv2.LINE_AA
    )
    cv2.line(
        arr, (cx + int(w * 0.04), int(h * 0.66)), (cx, int(h * 0.75)), (240, 240, 240), max(1, h // 90), cv2.LINE_AA
    )
    arr = cv2.GaussianBlur(arr, (0, 0), 0.8)
    noise = rng.normal(0, 3.0, arr.shape)
    return np.clip(arr + noise, 0, 255).astype(np.uint8)


def pointer_sprite(size: int) -> tuple[np.ndarray, np.ndarray]:
    """A classic white arrow with a black outline: (rgb, alpha in 0..1), tip at (0, 0)."""
    s = size
    pts = np.array(
        [
            [0, 0],
            [0, s * 0.9],
            [s * 0.25, s * 0.68],
            [s * 0.42, s],
            [s * 0.55, s * 0.94],
            [s * 0.38, s * 0.62],
            [s * 0.68, s * 0.62],
        ],
        np.float32,
    )
    rgb = np.zeros((s + 2, s + 2, 3), np.uint8)
    alpha = np.zeros((s + 2, s + 2), np.float32)
    p = [np.round(pts * 4).astype(np.int32) + 4]
    cv2.fillPoly(alpha, p, 1.0, cv2.LINE_AA, shift=2)
    cv2.polylines(alpha, p, True, 1.0, 2, cv2.LINE_AA, shift=2)
    cv2.fillPoly(rgb, p, (255, 255, 255), cv2.LINE_AA, shift=2)
    cv2.polylines(rgb, p, True, (0, 0, 0), 1, cv2.LINE_AA, shift=2)
    return rgb, alpha


POINTER_KINDS = ("arrow", "crosshair", "laser")


def pointer_of(kind: str, size: int) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """The sprite of a pointer kind and its hotspot inside the bitmap: (rgb, alpha, (hx, hy)).
    arrow: pointer_sprite, its tip one pixel in; crosshair: two thin cyan bars with a dark rim
    and a gap at the centre; laser: a red dot with a soft glow, both pointing with their centre."""
    if kind == "arrow":
        rgb, alpha = pointer_sprite(size)
        return rgb, alpha, (1, 1)
    if kind not in POINTER_KINDS:
        raise ValueError(f"pointer kind {kind!r} is not one of {POINTER_KINDS}")
    s = size | 1  # odd: the centre is a pixel
    c = s // 2
    rgb = np.zeros((s, s, 3), np.uint8)
    alpha = np.zeros((s, s), np.float32)
    if kind == "crosshair":
        gap = max(1, s // 8)
        for x0, y0, x1, y1 in ((0, c, c - gap, c), (c + gap, c, s - 1, c), (c, 0, c, c - gap), (c, c + gap, c, s - 1)):
            cv2.line(alpha, (x0, y0), (x1, y1), 1.0, 3)
            cv2.line(rgb, (x0, y0), (x1, y1), (20, 20, 20), 3)
            cv2.line(rgb, (x0, y0), (x1, y1), (0, 230, 255), 1)
    else:
        yy, xx = np.mgrid[0:s, 0:s]
        r = np.hypot(xx - c, yy - c)
        core = max(2.0, s / 7)
        alpha[:] = np.clip(1.2 - np.maximum(r - core, 0) / (s / 3), 0, 1) ** 2
        rgb[:] = (255, 30, 30)
        rgb[r <= core * 0.5] = (255, 200, 200)  # the hot centre of a laser spot
    return rgb, alpha, (c, c)


def overlay(frame: np.ndarray, rgb: np.ndarray, alpha: np.ndarray, x: int, y: int) -> None:
    """Alpha-blend a sprite onto frame in place with its top-left at (x, y), clipped to the frame."""
    h, w = frame.shape[:2]
    sh, sw = alpha.shape
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + sw), min(h, y + sh)
    if x0 >= x1 or y0 >= y1:
        return
    a = alpha[y0 - y : y1 - y, x0 - x : x1 - x, None]
    region = frame[y0:y1, x0:x1].astype(np.float32)
    frame[y0:y1, x0:x1] = (region * (1 - a) + rgb[y0 - y : y1 - y, x0 - x : x1 - x] * a).astype(np.uint8)


# ------------------------------------------------------------------------------------------
# style painters (quiltkit.demo.styles): the pictures above with the (w, h, rng, ctx) signature;
# an empty context field falls back to what render.py shows for a lecture


def ctx_classes(ctx: PaintContext) -> list[str]:
    """The lecture's class names, or the demo's own when the context names none."""
    if ctx.classes:
        return list(ctx.classes)
    from quiltkit.demo.tissue_classes import TISSUE_CLASSES

    return list(TISSUE_CLASSES)


def title_slide_style(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    return title_slide(
        w, h, ctx.title or "Gastrointestinal pathology", "Department of Pathology - teaching series", rng
    )


def text_slide_style(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    bullets = ctx.bullets or [f"Recognize {c}" for c in ctx_classes(ctx)[:4]]
    return text_slide(w, h, ctx.heading or "Learning objectives", bullets, rng)


def chart_slide_style(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    return chart_slide(w, h, "Distribution of diagnoses", [c.split()[0] for c in ctx_classes(ctx)], rng)


def presenter_style(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    return presenter(w, h, rng)
