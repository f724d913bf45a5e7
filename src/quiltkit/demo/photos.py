"""Photographs in a pathology lecture that are not histology: the presenter on a webcam, b-roll
between topics, and the gross specimen on the cutting board before the slides are cut.

The first two start from real photos (the style's sources in styles.yaml) so the classifier meets
real camera statistics, not only our drawings; the gross photos are procedural because no
specimen photo ships with the packages we depend on. A gross photo is the hardest of these
negatives: it is pink, red and tan like eosin, it is "pathology", and a lecturer shows it right
before the microscope. What separates it from a slide is scale: a smooth organ surface, a board
and a ruler, lit by a lamp, instead of nuclei on bright glass. So we spend our effort on that
macroscopic look and put no micro texture in it at all.

Every painter is (w, h, rng, ctx) -> (h, w, 3) uint8 and takes every random choice from rng.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw

from quiltkit.demo.slide_styles import (
    _camera,
    _font,
    _jitter,
    _lighting,
    _linear_t,
    _mix,
    _pick,
    _put,
    _smooth_noise,
    _tint,
)
from quiltkit.demo.styles import PaintContext, load_source

# ------------------------------------------------------------------------------------------
# a camera pointed at something real


def crop_to_frame(
    src: np.ndarray,
    w: int,
    h: int,
    rng: np.random.Generator,
    zoom: float = 1.0,
    focus: tuple[float, float] = (0.5, 0.5),
    wander: float = 1.0,
) -> np.ndarray:
    """The w x h view of `src` a camera framing it would take: the largest window of the frame's
    aspect, narrowed by `zoom`, centred near `focus` (fractions of the source) and moved by up to
    `wander` of the slack. Sources are not 16:9, so the frame always crops; float32 out."""
    sh, sw = src.shape[:2]
    cw = min(sw, sh * w / h) / max(zoom, 1.0)
    ch = cw * h / w
    cx = np.clip(focus[0] * sw + rng.uniform(-1, 1) * wander * (sw - cw) / 2, cw / 2, sw - cw / 2)
    cy = np.clip(focus[1] * sh + rng.uniform(-1, 1) * wander * (sh - ch) / 2, ch / 2, sh - ch / 2)
    x0, y0 = int(round(cx - cw / 2)), int(round(cy - ch / 2))
    win = src[max(0, y0) : y0 + max(1, int(round(ch))), max(0, x0) : x0 + max(1, int(round(cw)))]
    interp = cv2.INTER_AREA if win.shape[1] > w else cv2.INTER_LINEAR
    return cv2.resize(win, (w, h), interpolation=interp).astype(np.float32)


def camera_look(
    arr: np.ndarray,
    rng: np.random.Generator,
    blur: tuple[float, float] = (0.4, 1.0),
    noise: tuple[float, float] = (1.5, 4.0),
    cast: float = 0.06,
    vignette: tuple[float, float] = (0.1, 0.3),
) -> np.ndarray:
    """What a cheap camera does to a scene: uneven light falling off to the corners, a white
    balance that is never quite right (a per-channel gain), a soft lens and sensor noise."""
    out = _lighting(arr, rng, rng.uniform(*vignette))
    out = out * (1 + rng.uniform(-cast, cast, 3)).astype(np.float32)
    return _camera(out, rng, rng.uniform(*blur), rng.uniform(*noise))


FACES = {"skimage:astronaut.png": (0.45, 0.3), "matplotlib:grace_hopper.jpg": (0.5, 0.45)}  # where the face is
NAMES = ("Dr. Anna Rivera", "Prof. J. Okafor", "Dr. Mei Lin", "Dr. S. Haddad", "Prof. L. Novak", "Dr. R. Patel")
AFFILIATIONS = (
    "Department of Pathology",
    "Anatomic Pathology Residency",
    "GI Pathology Service",
    "School of Medicine",
    "Division of Surgical Pathology",
)


def presenter_photo(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """The lecturer's webcam, from a real portrait: framed on the face and shoulders (portraits
    put the face high and central), webcam-soft and noisy, and half the time with the name bar
    that streaming software lays over the bottom-left."""
    name = _pick(rng, ctx.sources or ("skimage:astronaut.png",))
    src = load_source(name, ctx.raw_root)
    arr = crop_to_frame(src, w, h, rng, zoom=rng.uniform(1.0, 1.3), focus=FACES.get(name, (0.5, 0.4)), wander=0.25)
    if rng.random() < 0.5:  # webcams mirror the picture
        arr = arr[:, ::-1]
    out = camera_look(arr, rng, blur=(0.6, 1.3), noise=(2.5, 5.5), cast=0.08, vignette=(0.15, 0.35))
    if rng.random() < 0.5:
        out = _lower_third(out, rng)
    return out


def _lower_third(arr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A translucent name bar with an accent stripe, in serif type (the held-out renderer's own)."""
    h, w = arr.shape[:2]
    accent = _jitter(rng, _pick(rng, ((200, 40, 50), (20, 110, 180), (230, 150, 20), (40, 140, 90))), 10)
    y0, y1 = h * rng.uniform(0.74, 0.8), h * rng.uniform(0.9, 0.94)
    x0, x1 = w * 0.04, w * rng.uniform(0.45, 0.62)
    f = arr.astype(np.float32)
    _tint(f, (x0, y0, x1, y1), (14, 16, 22), rng.uniform(0.65, 0.85))
    img = Image.fromarray(np.clip(f, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    d.rectangle([x0, y0, x0 + max(3, w * 0.008), y1], fill=accent)
    bh = y1 - y0
    _put(d, (x0 + w * 0.025, y0 + bh * 0.12), _pick(rng, NAMES), _font("serif", bh * 0.42, bold=True), (250, 250, 250))
    _put(d, (x0 + w * 0.025, y0 + bh * 0.6), _pick(rng, AFFILIATIONS), _font("serif", bh * 0.26), (210, 212, 218))
    return np.asarray(img).copy()


def broll(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A cut-away photo (coffee, a cat, a street, a texture): a random window of a real picture,
    zoomed in as an editor would to fill the frame, with the same camera faults."""
    src = load_source(_pick(rng, ctx.sources or ("skimage:coffee.png",)), ctx.raw_root)
    arr = crop_to_frame(src, w, h, rng, zoom=rng.uniform(1.0, 1.8), wander=1.0)
    if rng.random() < 0.3:
        arr = arr[:, ::-1]
    return camera_look(arr, rng)


# ------------------------------------------------------------------------------------------
# gross pathology: an organ slice photographed on the bench


def _organ_outline(
    rng: np.random.Generator,
    cx: float,
    cy: float,
    r: float,
    elong: float,
    angle: float,
    lumpy: float = 0.12,
    n: int = 72,
) -> np.ndarray:
    """A closed outline of a slab of tissue: an ellipse bent by a few low harmonics, which is what
    a kidney, a liver wedge or a colon resection looks like from above."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    k = np.arange(2, 6)
    amp = rng.normal(0, lumpy, (4, 2)) / k[:, None] ** 0.8
    rr = r * (1 + (amp[:, :1] * np.cos(np.outer(k, t)) + amp[:, 1:] * np.sin(np.outer(k, t))).sum(0))
    x, y = np.maximum(rr, r * 0.4) * np.cos(t) * elong, np.maximum(rr, r * 0.4) * np.sin(t)
    ca, sa = np.cos(angle), np.sin(angle)
    return np.stack([cx + x * ca - y * sa, cy + x * sa + y * ca], 1).astype(np.float32)


def _mask(w: int, h: int, outline: np.ndarray) -> np.ndarray:
    m = np.zeros((h, w), np.float32)
    cv2.fillPoly(m, [np.round(outline * 4).astype(np.int32)], 1.0, cv2.LINE_AA, 2)
    return m


def _cut_surface(w: int, h: int, rng: np.random.Generator, mask: np.ndarray, palette: dict, r: float) -> np.ndarray:
    """The colour of a freshly cut, wet organ: a base tone mottled at two scales, paler lobules or
    a tumour nodule, dark haemorrhagic spots, a darker capsule at the rim, a dome of shading (the
    slab is thick in the middle) and glistening specular highlights where the lamp catches the
    wet surface. All of it is millimetres wide: a gross photo has no cells."""
    base = np.asarray(palette["base"], np.float32)
    col = np.broadcast_to(base, (h, w, 3)).copy()
    col *= (
        1
        + 0.10 * _smooth_noise(rng, w, h, 6, 4)
        + 0.06 * _smooth_noise(rng, w, h, 24, 14)
        + 0.03 * _smooth_noise(rng, w, h, w // 8, h // 8)
    )[..., None]
    lob = _smooth_noise(rng, w, h, 9, 6)
    t = np.clip((lob - 0.6) * 1.6, 0, 1)[..., None] * palette["lobule_share"]
    col = col * (1 - t) + np.asarray(palette["lobule"], np.float32) * t
    bleed = np.clip((_smooth_noise(rng, w, h, 14, 9) - 1.3) * 1.2, 0, 0.85)[..., None]
    col = col * (1 - bleed) + np.asarray(palette["bleed"], np.float32) * bleed
    inside = (mask > 0.5).astype(np.uint8)
    dist = cv2.distanceTransform(inside, cv2.DIST_L2, 3).astype(np.float32)
    rim = np.exp(-dist / max(2.0, r * 0.06))[..., None]
    col = col * (1 - 0.7 * rim) + np.asarray(palette["capsule"], np.float32) * 0.7 * rim
    dome = 0.78 + 0.3 * np.sqrt(np.clip(dist / max(1.0, r * 0.5), 0, 1))
    col *= dome[..., None]
    sheen = _smooth_noise(rng, w, h, 10, 16) * 0.6 + _smooth_noise(rng, w, h, 40, 24) * 0.5  # streaks: wet film
    gloss = np.clip(sheen - 1.2, 0, 0.7) * (dist > r * 0.05)
    gloss = cv2.GaussianBlur(gloss.astype(np.float32), (0, 0), max(0.8, r * 0.015))[..., None]
    return col * (1 - gloss) + 245 * gloss


def _place_specimen(bg: np.ndarray, col: np.ndarray, mask: np.ndarray, shadow: float) -> np.ndarray:
    """The slab laid on the background with the soft shadow the lamp throws beside it."""
    h, w = mask.shape
    off = np.float32([[1, 0, h * 0.012], [0, 1, h * 0.02]])
    sh = cv2.GaussianBlur(cv2.warpAffine(mask, off, (w, h)), (0, 0), h * 0.02)[..., None]
    out = bg.astype(np.float32) * (1 - shadow * sh)
    a = mask[..., None]
    return out * (1 - a) + col * a


def _ruler(
    img: Image.Image,
    box: tuple[float, float, float, float],
    px_per_mm: float,
    fill,
    ink,
    family: str,
    vertical: bool = False,
) -> None:
    """A paper or plastic scale: millimetre ticks, longer ones every 5 and 10 mm, the centimetres
    numbered. Every gross photo has one, and it is the clearest "this is not a slide" cue."""
    d = ImageDraw.Draw(img)
    x0, y0, x1, y1 = box
    d.rectangle(box, fill=fill, outline=_mix(fill, (0, 0, 0), 0.4))
    length, depth = (y1 - y0, x1 - x0) if vertical else (x1 - x0, y1 - y0)
    font = _font(family, depth * 0.32)
    for mm in range(int((length - depth * 0.9) / px_per_mm) + 1):  # leave room for "cm" at the end
        p = depth * 0.1 + mm * px_per_mm
        tick = depth * (0.55 if mm % 10 == 0 else 0.38 if mm % 5 == 0 else 0.22)
        if vertical:
            d.line([(x0, y0 + p), (x0 + tick, y0 + p)], fill=ink, width=1)
        else:
            d.line([(x0 + p, y0), (x0 + p, y0 + tick)], fill=ink, width=1)
        if mm % 10 == 0 and mm > 0:
            if vertical:
                _put(d, (x0 + depth * 0.62, y0 + p), str(mm // 10), font, ink, anchor="lm")
            else:
                _put(d, (x0 + p, y0 + depth * 0.62), str(mm // 10), font, ink, anchor="mt")
    _put(d, (x1 - depth * 0.15, y1 - depth * 0.12), "cm", font, ink, anchor="rb")


GROSS_PALETTES = (  # a cut surface: base, paler lobules, haemorrhage, capsule
    dict(base=(168, 92, 78), lobule=(206, 170, 128), bleed=(112, 30, 34), capsule=(120, 60, 56), lobule_share=0.8),
    dict(base=(138, 62, 56), lobule=(190, 130, 104), bleed=(84, 20, 26), capsule=(100, 44, 42), lobule_share=0.6),
    dict(base=(186, 136, 104), lobule=(222, 196, 150), bleed=(128, 50, 40), capsule=(146, 96, 76), lobule_share=0.9),
    dict(base=(150, 80, 62), lobule=(226, 204, 120), bleed=(96, 28, 28), capsule=(116, 60, 48), lobule_share=0.7),
)
BOARDS = ((44, 92, 150), (40, 120, 112), (56, 130, 84), (28, 30, 34), (20, 22, 26))  # blue, teal, green, black


def gross_specimen(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """An organ slice on a blue or green cutting board (or a black photo stand), a ruler along the
    bottom or a side, under a lamp. Board plastic is scratched, which we draw as a few faint
    straight lines."""
    board = np.asarray(_jitter(rng, _pick(rng, BOARDS), 8), np.float32)
    bg = board * (1 + 0.05 * _smooth_noise(rng, w, h, 5, 4))[..., None]
    scratches = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(10, 30))):
        p = rng.uniform(0, 1, 2) * [w, h]
        a, L = rng.uniform(0, np.pi), rng.uniform(0.05, 0.3) * w
        q = p + L * np.array([np.cos(a), np.sin(a)])
        cv2.line(
            scratches, tuple(int(v) for v in p), tuple(int(v) for v in q), float(rng.uniform(0.3, 1)), 1, cv2.LINE_AA
        )
    bg = bg + 18 * scratches[..., None]
    r = h * rng.uniform(0.22, 0.32)
    outline = _organ_outline(
        rng, w * rng.uniform(0.4, 0.6), h * rng.uniform(0.4, 0.5), r, rng.uniform(1.0, 1.8), rng.uniform(-0.5, 0.5)
    )
    mask = _mask(w, h, outline)
    col = _cut_surface(w, h, rng, mask, _pick(rng, GROSS_PALETTES), r)
    out = _place_specimen(bg, col, mask, shadow=0.5)
    img = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))
    depth = h * rng.uniform(0.07, 0.1)
    fill = _jitter(rng, _pick(rng, ((238, 238, 232), (240, 226, 150), (225, 232, 238))), 5)
    if rng.random() < 0.6:
        y1 = h * rng.uniform(0.94, 0.98)
        x0 = w * rng.uniform(0.04, 0.2)
        _ruler(
            img,
            (x0, y1 - depth, x0 + w * rng.uniform(0.5, 0.75), y1),
            w * rng.uniform(0.006, 0.009),
            fill,
            (20, 20, 24),
            "sans",
        )
    else:
        x0 = w * rng.uniform(0.02, 0.06) if rng.random() < 0.5 else w * rng.uniform(0.86, 0.9)
        y0 = h * rng.uniform(0.03, 0.1)
        _ruler(
            img,
            (x0, y0, x0 + depth, y0 + h * rng.uniform(0.7, 0.85)),
            h * rng.uniform(0.011, 0.016),
            fill,
            (20, 20, 24),
            "sans",
            vertical=True,
        )
    return camera_look(np.asarray(img), rng, blur=(0.5, 1.0), noise=(1.5, 3.5), cast=0.05, vignette=(0.15, 0.35))


TRAY_PALETTES = (  # the held-out renderer's own tones: paler, greyer, fattier
    dict(base=(196, 150, 140), lobule=(236, 214, 140), bleed=(140, 60, 64), capsule=(172, 132, 120), lobule_share=1.0),
    dict(base=(172, 120, 118), lobule=(228, 200, 170), bleed=(120, 44, 58), capsule=(150, 108, 104), lobule_share=0.8),
    dict(base=(204, 170, 150), lobule=(240, 222, 160), bleed=(150, 80, 70), capsule=(178, 150, 132), lobule_share=1.0),
)
CASSETTES = ((60, 110, 200), (230, 120, 160), (90, 180, 100), (240, 210, 70), (236, 236, 236), (250, 150, 60))
CHECKER = (
    (115, 82, 68),
    (194, 150, 130),
    (98, 122, 157),
    (87, 108, 67),
    (133, 128, 177),
    (103, 189, 170),
    (214, 126, 44),
    (80, 91, 166),
    (193, 90, 99),
    (94, 60, 108),
    (157, 188, 64),
    (224, 163, 46),
    (56, 61, 150),
    (70, 148, 73),
    (175, 54, 60),
    (231, 199, 31),
    (187, 86, 149),
    (8, 133, 161),
    (243, 243, 242),
    (200, 200, 200),
    (160, 160, 160),
    (122, 122, 121),
    (85, 85, 85),
    (52, 52, 52),
)


def gross_specimen_tray(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """The held-out gross renderer: two or three pieces in a brushed steel tray or on white paper,
    a tissue cassette with its printed label beside them, and a colour checker or a vertical
    ruler on the far side. Its palette (pale, fatty), layout and serif label type are its own."""
    steel = rng.random() < 0.5
    if steel:
        tone = rng.uniform(140, 185)
        brushed = 6 * _smooth_noise(rng, w, h, 3, h // 2) + 4 * _smooth_noise(rng, w, h, w // 4, h)
        bg = tone * (0.85 + 0.3 * _linear_t(w, h, rng.uniform(0, 6.3)))[..., None] + brushed[..., None] + [0, 2, 6]
        rim = int(h * rng.uniform(0.04, 0.07))
        edge = np.zeros((h, w), np.float32)
        cv2.rectangle(edge, (rim, rim), (w - rim, h - rim), 1.0, max(2, rim // 3))
        bg = bg + 45 * cv2.GaussianBlur(edge, (0, 0), rim / 4)[..., None]
    else:
        bg = rng.uniform(232, 248) + 4 * _smooth_noise(rng, w, h, 8, 6)[..., None] + np.array([0, 0, -4], np.float32)
        fold = _linear_t(w, h, rng.uniform(0, 6.3))
        bg = bg - 10 * np.exp(-(((fold - rng.uniform(0.3, 0.7)) * 30) ** 2))[..., None]
    pal = _pick(rng, TRAY_PALETTES)
    out = np.asarray(bg, np.float32)
    for i in range(int(rng.integers(2, 4))):
        r = h * rng.uniform(0.1, 0.17)
        outline = _organ_outline(
            rng,
            w * (0.22 + 0.2 * i + rng.uniform(-0.03, 0.03)),
            h * rng.uniform(0.35, 0.65),
            r,
            rng.uniform(1.1, 2.0),
            rng.uniform(0, np.pi),
            lumpy=0.18,
        )
        mask = _mask(w, h, outline)
        out = _place_specimen(out, _cut_surface(w, h, rng, mask, pal, r), mask, shadow=0.35)
    img = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))
    _cassette(img, (w * rng.uniform(0.06, 0.12), h * rng.uniform(0.74, 0.8)), h * rng.uniform(0.16, 0.2), rng)
    if rng.random() < 0.55:
        _colour_checker(img, (w * rng.uniform(0.74, 0.8), h * rng.uniform(0.06, 0.12)), w * rng.uniform(0.16, 0.2))
    else:
        x0 = w * rng.uniform(0.86, 0.9)
        _ruler(
            img,
            (x0, h * 0.08, x0 + h * 0.08, h * 0.92),
            h * 0.012,
            (246, 246, 240),
            (30, 30, 60),
            "serif",
            vertical=True,
        )
    return camera_look(np.asarray(img), rng, blur=(0.5, 1.1), noise=(1.5, 3.0), cast=0.04, vignette=(0.1, 0.25))


def _cassette(img: Image.Image, xy: tuple[float, float], size: float, rng: np.random.Generator) -> None:
    """A plastic tissue cassette, slotted lid and a slanted writing face with the accession number."""
    d = ImageDraw.Draw(img)
    x, y = xy
    cw, ch = size * 1.35, size
    body = _jitter(rng, _pick(rng, CASSETTES), 8)
    d.rounded_rectangle([x, y, x + cw, y + ch], radius=size * 0.06, fill=body, outline=_mix(body, (0, 0, 0), 0.45))
    for k in range(5):  # the lid's slots
        sy = y + ch * (0.12 + 0.1 * k)
        d.rectangle([x + cw * 0.1, sy, x + cw * 0.62, sy + ch * 0.04], fill=_mix(body, (0, 0, 0), 0.35))
    face = [x + cw * 0.7, y + ch * 0.04, x + cw * 0.97, y + ch * 0.96]
    d.rectangle(face, fill=_mix(body, (255, 255, 255), 0.5))
    text = f"S{int(rng.integers(18, 26))}-{int(rng.integers(1000, 9999))}"
    font = _font("serif", ch * 0.13, bold=True)
    tile = Image.new("RGBA", (int(ch * 0.9), int(ch * 0.3)), (0, 0, 0, 0))
    td = ImageDraw.Draw(tile)
    _put(td, (2, 0), text, font, (20, 20, 30))
    _put(td, (2, ch * 0.15), f"{_pick(rng, 'ABCD')}{int(rng.integers(1, 9))}", font, (20, 20, 30))
    tile = tile.rotate(90, expand=True)
    img.paste(tile, (int(face[0] + 1), int(face[1] + 2)), tile)


def _colour_checker(img: Image.Image, xy: tuple[float, float], width: float) -> None:
    """A 6 x 4 colour chart on a black card, the photographer's reference for white balance."""
    d = ImageDraw.Draw(img)
    x, y = xy
    cell = width / 6.4
    d.rectangle([x, y, x + width, y + cell * 4.4], fill=(22, 22, 24))
    for i, c in enumerate(CHECKER):
        cx, cy = x + cell * (0.25 + i % 6 * 1.0), y + cell * (0.25 + i // 6 * 1.0)
        d.rectangle([cx, cy, cx + cell * 0.85, cy + cell * 0.85], fill=c)
