"""More non-histology pictures than slides.py's four: slide themes, tables and figures, documents
(a rendered page photographed on a desk, a real photographed page, a whiteboard) and screen
recordings (an editor, a web browser).

They are the frames a histology classifier must reject in real lectures, where plain near-white
bullet slides, charts and photos of printed pages fooled one trained on slides.py alone. Each
painter is (w, h, rng, ctx) -> (h, w, 3) uint8 and takes every random choice from rng, so one seed
gives one picture. styles.yaml splits them by renderer, not by seed: the train painters use sans
and mono fonts, the holdout painters serif, STIX or Computer Modern and layouts of their own, so
the held-out corpus asks whether the classifier learned "not tissue" rather than these pictures.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from quiltkit.demo.slides import _wrap, ctx_classes
from quiltkit.demo.styles import PaintContext, font_path, load_source
from quiltkit.io import read_yaml_tables, string_list

RGB = tuple[int, int, int]
Box = tuple[float, float, float, float]  # x0, y0, x1, y1

# The words and colours below are data: data/slide_styles.yaml, read once here. Lists come back
# as tuples, colours as (r, g, b) tuples of ints.
SLIDE_STYLES_FILE = Path(__file__).parent / "data" / "slide_styles.yaml"
_WORDS = ("headings", "bullets", "sentences", "courses", "extra_diagnoses")
_COLOURS = ("accents", "palette", "dark_bgs", "dark_accents")


def _load_tables(path: Path) -> dict:
    tables = (*_WORDS, *_COLOURS, "ink", "italic_fonts", "gradients")
    doc = read_yaml_tables(path, tables, "the slide word and colour tables")

    def strings(key: str, v) -> tuple[str, ...]:
        return tuple(string_list(path, key, v))

    def colour(key: str, v) -> RGB:
        if not (isinstance(v, list) and len(v) == 3 and all(type(x) is int and 0 <= x <= 255 for x in v)):
            raise ValueError(f"{path}: {key}: {v!r} is not an [r, g, b] colour of 0-255 ints")
        return tuple(v)

    def colours(key: str, v) -> tuple:
        if not isinstance(v, list) or not v:
            raise ValueError(f"{path}: {key} must be a non-empty list of colours")
        return tuple(colour(key, c) for c in v)

    def mapping(key: str) -> dict:
        if not isinstance(doc[key], dict) or not doc[key]:
            raise ValueError(f"{path}: {key} must be a non-empty mapping")
        return doc[key]

    out = {k: strings(k, doc[k]) for k in _WORDS}
    out |= {k: colours(k, doc[k]) for k in _COLOURS}
    out["ink"] = {name: colour(f"ink.{name}", c) for name, c in mapping("ink").items()}
    out["italic_fonts"] = mapping("italic_fonts")
    if not all(isinstance(f, str) and f for f in out["italic_fonts"].values()):
        raise ValueError(f"{path}: italic_fonts must map each font family to a font file name")
    if not isinstance(doc["gradients"], list) or not all(isinstance(g, list) and len(g) == 2 for g in doc["gradients"]):
        raise ValueError(f"{path}: gradients must be a list of [colour, colour] pairs")
    out["gradients"] = tuple(colours("gradients", g) for g in doc["gradients"])
    return out


_TABLES = _load_tables(SLIDE_STYLES_FILE)

# ------------------------------------------------------------------------------------------
# words, for when the context gives none

HEADINGS: tuple[str, ...] = _TABLES["headings"]
BULLETS: tuple[str, ...] = _TABLES["bullets"]
SENTENCES: tuple[str, ...] = _TABLES["sentences"]  # {c}: a tissue class
COURSES: tuple[str, ...] = _TABLES["courses"]
EXTRA_DIAGNOSES: tuple[str, ...] = _TABLES["extra_diagnoses"]


def _pick(rng: np.random.Generator, seq):
    return seq[int(rng.integers(len(seq)))]


def _heading(ctx: PaintContext, rng: np.random.Generator) -> str:
    return ctx.heading or _pick(rng, HEADINGS)


def _bullets(ctx: PaintContext, rng: np.random.Generator, lo: int, hi: int) -> list[str]:
    if ctx.bullets:
        return list(ctx.bullets[:hi])
    pool = [f"Recognize {c}" for c in ctx_classes(ctx)] + list(BULLETS)
    return [pool[i] for i in rng.permutation(len(pool))[: int(rng.integers(lo, hi + 1))]]


def _sentences(ctx: PaintContext, rng: np.random.Generator, n: int) -> str:
    classes = ctx_classes(ctx)
    return " ".join(_pick(rng, SENTENCES).format(c=_pick(rng, classes)) for _ in range(n))


def _short(name: str, n: int = 2) -> str:
    return " ".join(name.split()[:n])


# ------------------------------------------------------------------------------------------
# colour

INK: dict[str, RGB] = _TABLES["ink"]
ACCENTS: tuple[RGB, ...] = _TABLES["accents"]
PALETTE: tuple[RGB, ...] = _TABLES["palette"]


def _rgb(c) -> RGB:
    return tuple(int(v) for v in np.clip(np.round(c), 0, 255))


def _jitter(rng: np.random.Generator, c, sd: float) -> RGB:
    return _rgb(np.asarray(c, np.float32) + rng.normal(0, sd, 3))


def _mix(a, b, t: float) -> RGB:
    """a blended toward b by t: a pastel of a colour, a translucent shape on a background."""
    return _rgb(np.asarray(a, np.float32) * (1 - t) + np.asarray(b, np.float32) * t)


def _luma(c) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def _linear_t(w: int, h: int, angle: float) -> np.ndarray:
    """0..1 along direction `angle` across the frame, (h, w) float32."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = xx * np.cos(angle) + yy * np.sin(angle)
    return (t - t.min()) / max(float(t.max() - t.min()), 1e-6)


def _radial_t(w: int, h: int, cx: float, cy: float) -> np.ndarray:
    """0 at (cx, cy) (fractions of the frame) rising to 1 at the farthest corner."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.hypot(xx - cx * w, yy - cy * h)
    return r / max(float(r.max()), 1e-6)


def _blend(t: np.ndarray, c0, c1) -> np.ndarray:
    """Colour c0 where t = 0 to c1 where t = 1, (h, w, 3) uint8."""
    t = t[..., None]
    return np.clip(np.asarray(c0, np.float32) * (1 - t) + np.asarray(c1, np.float32) * t, 0, 255).astype(np.uint8)


def _smooth_noise(rng: np.random.Generator, w: int, h: int, gw: int, gh: int) -> np.ndarray:
    """Unit-ish noise varying over about w/gw by h/gh pixels: grain, stains, displacement."""
    g = rng.normal(0, 1, (max(2, gh), max(2, gw))).astype(np.float32)
    return cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC)


def _tint(arr: np.ndarray, box: Box, colour, alpha: float, radius: float = 0, blur: float = 0) -> None:
    """A translucent (rounded) rectangle blended onto arr in place: panels, glass bars, and with
    `blur` a window's soft shadow."""
    h, w = arr.shape[:2]
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).rounded_rectangle(box, radius=radius, fill=int(255 * alpha))
    a = np.asarray(mask, np.float32)[..., None] / 255
    if blur > 0:
        a = cv2.GaussianBlur(a, (0, 0), blur)[..., None]
    arr[:] = (arr * (1 - a) + np.asarray(colour, np.float32) * a).astype(np.uint8)


# ------------------------------------------------------------------------------------------
# fonts and text

_ITALIC: dict[str, str] = _TABLES["italic_fonts"]


MIN_FONT = 6  # pixels: unreadable on a small frame, but still text-like, as real small print is


def _font(family: str, size: float, bold: bool = False, italic: bool = False) -> ImageFont.FreeTypeFont:
    return _load_font(family, max(MIN_FONT, int(round(size))), bold, italic)


@lru_cache(maxsize=512)
def _load_font(family: str, size: int, bold: bool, italic: bool) -> ImageFont.FreeTypeFont:
    path = font_path(family, bold)
    if italic:  # font_path names no italics; matplotlib ships them beside the upright files
        path = str(Path(path).with_name(_ITALIC[family]))
    return ImageFont.truetype(path, size)


def _clean(font: ImageFont.FreeTypeFont, s: str) -> str:
    """Computer Modern's TrueType files map ASCII only; anything else would draw as a box."""
    if Path(font.path).name.startswith("cm"):
        return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    return s


def _lines(d: ImageDraw.ImageDraw, s: str, font, max_w: float) -> list[str]:
    return _wrap(d, _clean(font, s), font, int(max_w))


def _put(d: ImageDraw.ImageDraw, xy, s: str, font, fill, anchor: str = "la", **kw) -> None:
    d.text(xy, _clean(font, s), font=font, fill=fill, anchor=anchor, **kw)


def _fit(
    d,
    items: list[str],
    family: str,
    size: float,
    max_w: float,
    max_h: float,
    bold: bool = False,
    spacing: float = 1.3,
    gap: float = 0.45,
    italic: bool = False,
):
    """The largest font, from `size` down, at which the items wrapped to max_w fit in max_h (and
    no single word is wider than max_w): a lecture's own bullets can be long, and a slide shrinks
    its text rather than overflow.
    Returns (font, wrapped lines per item, line height)."""
    while True:
        font = _font(family, size, bold, italic)
        wrapped = [_lines(d, s, font, max_w) for s in items]
        line_h = font.size * spacing
        total = sum(map(len, wrapped)) * line_h + (len(items) - 1) * gap * line_h
        widest = max((d.textlength(line, font=font) for lines in wrapped for line in lines), default=0)
        if (total <= max_h and widest <= max_w) or font.size <= MIN_FONT:
            return font, wrapped, line_h
        size = font.size * 0.9


def _fit_line(
    d, texts: list[str], family: str, size: float, max_w: float, bold: bool = False, italic: bool = False
) -> ImageFont.FreeTypeFont:
    """The largest font, from `size` down, at which every text fits max_w on one line (legend
    entries, a list of words)."""
    while True:
        font = _font(family, size, bold, italic)
        if font.size <= MIN_FONT or max(d.textlength(_clean(font, t), font=font) for t in texts) <= max_w:
            return font
        size = font.size * 0.92


def _text_block(
    d, x: float, y: float, lines: list[str], font, line_h: float, fill, align: str = "left", width: float = 0
) -> float:
    """Lines from (x, y) down, left-aligned or centred in `width`; returns the y below them."""
    for line in lines:
        dx = (width - d.textlength(_clean(font, line), font=font)) / 2 if align == "center" else 0
        _put(d, (x + dx, y), line, font, fill)
        y += line_h
    return y


def _marker(d, kind: str, x: float, y: float, font, fill, i: int) -> None:
    """A bullet at the left of a line whose top is y. Drawn as shapes: Computer Modern has no
    bullet glyph, and real decks use all of these."""
    s = font.size
    cy = y + _x_middle(font)
    if kind == "dot":
        d.ellipse([x, cy - s * 0.17, x + s * 0.34, cy + s * 0.17], fill=fill)
    elif kind == "ring":
        d.ellipse([x, cy - s * 0.18, x + s * 0.36, cy + s * 0.18], outline=fill, width=max(1, s // 12))
    elif kind == "square":
        d.rectangle([x, cy - s * 0.15, x + s * 0.3, cy + s * 0.15], fill=fill)
    elif kind == "dash":
        d.line([(x, cy), (x + s * 0.5, cy)], fill=fill, width=max(1, s // 10))
    elif kind == "chevron":
        d.polygon([(x, cy - s * 0.22), (x + s * 0.34, cy), (x, cy + s * 0.22)], fill=fill)
    else:  # "number"
        _put(d, (x, y), f"{i + 1}.", font, fill)


@lru_cache(maxsize=512)
def _x_middle(font) -> float:
    """How far below a line's top (PIL's "la" anchor) the middle of a lower-case letter sits:
    STIX and DejaVu put it at different depths, and a bullet belongs there."""
    top, bottom = font.getbbox("x", anchor="la")[1::2]
    return (top + bottom) / 2


def _ellipsize(d, s: str, font, max_w: float) -> str:
    """s cut to max_w with "..." as file lists and tabs do."""
    s = _clean(font, s)
    if d.textlength(s, font=font) <= max_w:
        return s
    while len(s) > 1 and d.textlength(s + "...", font=font) > max_w:
        s = s[:-1]
    return s.rstrip() + "..."


def _bullet_list(
    d,
    box: Box,
    items: list[str],
    family: str,
    size: float,
    fill,
    marker: str,
    marker_fill,
    spacing: float = 1.3,
    gap: float = 0.45,
) -> float:
    x0, y0, x1, y1 = box
    font, wrapped, line_h = _fit(d, items, family, size, x1 - x0 - size * 1.5, y1 - y0, spacing=spacing, gap=gap)
    y = y0
    for i, lines in enumerate(wrapped):
        _marker(d, marker, x0, y, font, marker_fill, i)
        y = _text_block(d, x0 + font.size * 1.5, y, lines, font, line_h, fill) + gap * line_h
    return y


def _flow(
    d,
    box: Box,
    text: str,
    font,
    fill,
    line_h: float,
    link_fill=None,
    links: np.ndarray | None = None,
    indent: float = 0,
) -> float:
    """A paragraph laid out word by word in box from its top; the words where `links` is True
    (a mask over the words) are drawn as underlined links. Stops at the box's bottom; returns the
    y below the last line drawn."""
    x0, y, x1, y1 = box
    words = _clean(font, text).split()
    space = d.textlength(" ", font=font)
    i, first = 0, True
    while i < len(words) and y + line_h <= y1:
        x = x0 + (indent if first else 0)
        line: list[tuple[float, str, bool]] = []
        while i < len(words):
            wl = d.textlength(words[i], font=font)
            if line and x + wl > x1:
                break
            line.append((x, words[i], bool(links is not None and links[i])))
            x += wl + space
            i += 1
        for is_link, run in _runs(line):
            colour = link_fill if is_link else fill
            s = " ".join(word for _, word, _ in run)
            d.text((run[0][0], y), s, font=font, fill=colour)
            if is_link:
                uy = y + font.size * 1.05
                d.line([(run[0][0], uy), (run[0][0] + d.textlength(s, font=font), uy)], fill=colour, width=1)
        y += line_h
        first = False
    return y


def _runs(line):
    """Consecutive words of one kind (link or not), so a line is drawn in a few calls."""
    runs: list[tuple[bool, list]] = []
    for item in line:
        if runs and runs[-1][0] == item[2]:
            runs[-1][1].append(item)
        else:
            runs.append((item[2], [item]))
    return runs


def _put_rotated(img: Image.Image, centre, s: str, font, fill) -> None:
    """Text turned 90 degrees counter-clockwise (a y-axis label) centred on `centre`."""
    tw = int(ImageDraw.Draw(img).textlength(_clean(font, s), font=font)) + 4
    tile = Image.new("RGBA", (tw, int(font.size * 1.4)), (0, 0, 0, 0))
    _put(ImageDraw.Draw(tile), (2, 0), s, font, fill)
    tile = tile.rotate(90, expand=True)
    img.paste(tile, (int(centre[0] - tile.width / 2), int(centre[1] - tile.height / 2)), tile)


def _arrow(d, p0, p1, fill, width: int, head: float) -> None:
    """A straight arrow p0 -> p1 with a filled head of length `head`."""
    p0, p1 = np.asarray(p0, np.float32), np.asarray(p1, np.float32)
    u = (p1 - p0) / max(float(np.linalg.norm(p1 - p0)), 1e-6)
    n = np.array([-u[1], u[0]])
    base = p1 - u * head
    d.line([tuple(p0), tuple(base)], fill=fill, width=width)
    d.polygon([tuple(p1), tuple(base + n * head * 0.45), tuple(base - n * head * 0.45)], fill=fill)


# ------------------------------------------------------------------------------------------
# photography: what a camera pointed at paper or a board adds


def _perspective_onto(bg: np.ndarray, pic: np.ndarray, quad: np.ndarray, shadow: float = 0.0) -> np.ndarray:
    """pic warped so its corners land on quad (tl, tr, br, bl) over bg, with a soft drop shadow
    (a sheet lying on a desk casts one); float32 (h, w, 3)."""
    h, w = bg.shape[:2]
    ph, pw = pic.shape[:2]
    src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    m = cv2.getPerspectiveTransform(src, np.float32(quad))
    warped = cv2.warpPerspective(pic.astype(np.float32), m, (w, h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones((ph, pw), np.float32), m, (w, h), flags=cv2.INTER_LINEAR)[..., None]
    out = bg.astype(np.float32)
    if shadow > 0:
        off = np.float32([[1, 0, h * 0.012], [0, 1, h * 0.018]])
        sh = cv2.GaussianBlur(cv2.warpAffine(mask, off, (w, h)), (0, 0), h * 0.015)[..., None]
        out *= 1 - shadow * sh
    return out * (1 - mask) + warped * mask


def _quad(
    rng: np.random.Generator, cx: float, cy: float, qw: float, qh: float, angle: float, jitter: float
) -> np.ndarray:
    """The corners of a qw x qh rectangle turned by `angle` about (cx, cy), each moved by up to
    `jitter` of its size: a sheet seen by a camera not quite square to it."""
    c, s = np.cos(angle), np.sin(angle)
    pts = np.array([[-qw / 2, -qh / 2], [qw / 2, -qh / 2], [qw / 2, qh / 2], [-qw / 2, qh / 2]])
    pts = pts @ np.array([[c, s], [-s, c]]) + [cx, cy]
    return (pts + rng.uniform(-jitter, jitter, (4, 2)) * [qw, qh]).astype(np.float32)


def _cover(quad: np.ndarray, w: int, h: int) -> np.ndarray:
    """quad grown about its centre until it holds the whole frame: a close-up has no edges."""
    c = quad.mean(0)
    corners = [(0.0, 0.0), (w - 1.0, 0.0), (w - 1.0, h - 1.0), (0.0, h - 1.0)]
    while min(cv2.pointPolygonTest(quad.reshape(-1, 1, 2), p, False) for p in corners) < 0:
        quad = (c + (quad - c) * 1.05).astype(np.float32)
    return quad


def _lighting(arr: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Uneven room light: a vignette and a brighter side, multiplied in (float32)."""
    h, w = arr.shape[:2]
    vig = 1 - strength * _radial_t(w, h, rng.uniform(0.3, 0.7), rng.uniform(0.3, 0.7)) ** 2
    side = 1 + strength * 0.6 * (_linear_t(w, h, rng.uniform(0, 2 * np.pi)) - 0.5)
    return arr.astype(np.float32) * (vig * side)[..., None]


def _camera(arr: np.ndarray, rng: np.random.Generator, blur: float, noise: float, grey: bool = False) -> np.ndarray:
    """Lens softness and sensor noise, optionally a greyscale capture; uint8 out."""
    arr = arr.astype(np.float32)
    if grey:
        arr = np.repeat(arr @ np.float32([0.299, 0.587, 0.114])[:, None], 3, axis=2)
    if blur > 0:
        arr = cv2.GaussianBlur(arr, (0, 0), blur)
    arr = arr + rng.normal(0, noise, arr.shape[:2] + ((1,) if grey else (3,))).astype(np.float32)
    return np.clip(arr, 0, 255).astype(np.uint8)


def _desk(w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """A desk seen from above: wood with streaky grain, or grey laminate with fine speckle."""
    if rng.random() < 0.55:
        base = _jitter(rng, (150, 102, 62), 18)
        grain = 0.09 * _smooth_noise(rng, w, h, 3, h // 3) + 0.04 * _smooth_noise(rng, w, h, w // 12, h)
        return np.clip(np.asarray(base, np.float32) * (1 + grain[..., None]), 0, 255).astype(np.uint8)
    base = float(rng.uniform(90, 175))
    speck = 6 * _smooth_noise(rng, w, h, w // 2, h // 2) + 8 * _smooth_noise(rng, w, h, 4, 3)
    return np.clip(base + np.repeat(speck[..., None], 3, axis=2) + [0, 1, 3], 0, 255).astype(np.uint8)


# ------------------------------------------------------------------------------------------
# slides

DARK_BGS: tuple[RGB, ...] = _TABLES["dark_bgs"]
DARK_ACCENTS: tuple[RGB, ...] = _TABLES["dark_accents"]
GRADIENTS: tuple[tuple[RGB, RGB], ...] = _TABLES["gradients"]  # the pinks and purples: eosin-like hard negatives


def slide_dark(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A dark-theme slide: navy or near-black, light sans text, an accent bar by the heading,
    square or chevron bullets, small accent shapes and a slide number."""
    bg = _jitter(rng, _pick(rng, DARK_BGS), 3)
    accent = _pick(rng, DARK_ACCENTS)
    arr = _blend(_linear_t(w, h, np.pi / 2 + rng.uniform(-0.5, 0.5)), bg, _mix(bg, (0, 0, 0), 0.45))
    img = Image.fromarray(arr)
    d = ImageDraw.Draw(img)
    m = w * 0.07
    font, lines, lh = _fit(d, [_heading(ctx, rng)], "sans", h * 0.085, w - 2 * m, h * 0.22, bold=True, spacing=1.2)
    y = h * 0.1
    d.rectangle([m * 0.5, y + lh * 0.1, m * 0.5 + max(2, h * 0.012), y + lh * len(lines[0]) - lh * 0.15], fill=accent)
    y = _text_block(d, m, y, lines[0], font, lh, (245, 245, 248))
    body = "mono" if rng.random() < 0.25 else "sans"
    _bullet_list(
        d,
        (m, y + h * 0.06, w - m, h * 0.84),
        _bullets(ctx, rng, 3, 5),
        body,
        h * 0.056,
        (212, 218, 228),
        _pick(rng, ("square", "chevron", "dot")),
        accent,
    )
    _dark_accents(d, w, h, rng, bg, accent)
    _put(
        d,
        (w - m * 0.6, h * 0.94),
        f"{int(rng.integers(2, 40))}",
        _font("sans", h * 0.034),
        (150, 156, 170),
        anchor="rm",
    )
    if ctx.title:
        _put(d, (m, h * 0.94), ctx.title, _font("sans", h * 0.03), (120, 126, 140), anchor="lm")
    return np.asarray(img).copy()


def _dark_accents(d, w: int, h: int, rng: np.random.Generator, bg, accent) -> None:
    """One or two of the corner decorations dark templates carry."""
    kinds = rng.permutation(3)[: int(rng.integers(1, 3))]
    for k in kinds:
        if k == 0:  # a triangle in the bottom-right corner
            s = h * rng.uniform(0.12, 0.22)
            d.polygon([(w, h - s), (w, h), (w - s * 1.6, h)], fill=_mix(accent, bg, 0.55))
        elif k == 1:  # a row of dots top-right
            r = h * 0.008
            for i in range(int(rng.integers(3, 6))):
                x = w * 0.95 - i * r * 4
                d.ellipse([x - r, h * 0.06 - r, x + r, h * 0.06 + r], fill=_mix(accent, bg, 0.3 * (i % 2)))
        else:  # a thin rule across the bottom
            d.line([(w * 0.07, h * 0.895), (w * 0.93, h * 0.895)], fill=_mix(accent, bg, 0.6), width=max(1, h // 240))


def slide_plain(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """The slide that fooled the old classifier: near-white, dark serif or STIX text, no title bar,
    one thin coloured rule under the heading, 3-6 bullets, sometimes a course footer."""
    v = int(rng.integers(245, 256))
    bg = _rgb((v, v - rng.integers(0, 4), v - rng.integers(0, 7)))
    ink = _jitter(rng, (28, 28, 36), 8)
    accent = _pick(rng, ACCENTS)
    family = _pick(rng, ("serif", "stix"))
    centred = rng.random() < 0.35
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    m = w * rng.uniform(0.06, 0.1)
    font, lines, lh = _fit(d, [_heading(ctx, rng)], family, h * 0.08, w - 2 * m, h * 0.2, bold=True, spacing=1.2)
    y = _text_block(
        d, m, h * rng.uniform(0.07, 0.12), lines[0], font, lh, ink, "center" if centred else "left", w - 2 * m
    )
    rule = (w * 0.3, w * 0.7) if centred else (m, m + (w - 2 * m) * rng.uniform(0.35, 1.0))
    d.line([(rule[0], y + h * 0.015), (rule[1], y + h * 0.015)], fill=accent, width=max(1, round(h / 200)))
    marker = _pick(rng, ("dash", "dot", "number", "ring"))
    _bullet_list(
        d,
        (m + w * 0.02, y + h * 0.07, w - m, h * 0.86),
        _bullets(ctx, rng, 3, 6),
        family,
        h * 0.055,
        ink,
        marker,
        accent if rng.random() < 0.5 else ink,
        spacing=1.35,
        gap=0.5,
    )
    if rng.random() < 0.7:
        f = _font(family, h * 0.03)
        grey = _mix(ink, bg, 0.45)
        _put(d, (m, h * 0.95), _pick(rng, COURSES), f, grey, anchor="lm")
        _put(d, (w - m, h * 0.95), f"{int(rng.integers(2, 30))}", f, grey, anchor="rm")
    return np.asarray(img).copy()


def slide_gradient(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A two-colour diagonal or radial gradient (pinks and purples among the hues), Computer Modern
    or serif text, a centred heading and bullets, sometimes on a translucent panel."""
    c0, c1 = _pick(rng, GRADIENTS)
    if rng.random() < 0.5:
        c0, c1 = c1, c0
    c0, c1 = _jitter(rng, c0, 8), _jitter(rng, c1, 8)
    t = (
        _radial_t(w, h, rng.uniform(0.2, 0.8), rng.uniform(0.1, 0.6))
        if rng.random() < 0.4
        else _linear_t(w, h, rng.uniform(0.2, 1.2) + np.pi * int(rng.integers(2)))
    )
    arr = _blend(t, c0, c1)
    light = _luma(np.asarray(arr, np.float32).mean((0, 1))) > 150
    ink = (30, 26, 40) if light else (250, 248, 252)
    family = _pick(rng, ("cm", "serif"))
    m = w * 0.08
    panel = rng.random() < 0.5
    if panel:
        _tint(arr, (m * 0.6, h * 0.3, w - m * 0.6, h * 0.9), (255, 255, 255) if light else (0, 0, 0), 0.3, h * 0.04)
    img = Image.fromarray(arr)
    d = ImageDraw.Draw(img)
    font, lines, lh = _fit(d, [_heading(ctx, rng)], family, h * 0.09, w - 2 * m, h * 0.18, bold=True, spacing=1.15)
    _text_block(d, m, h * 0.08, lines[0], font, lh, ink, "center", w - 2 * m)
    _bullet_list(
        d,
        (m + w * 0.03, h * 0.36, w - m, h * 0.86),
        _bullets(ctx, rng, 3, 5),
        family,
        h * 0.06,
        ink,
        _pick(rng, ("ring", "dot", "chevron")),
        ink,
        spacing=1.3,
        gap=0.5,
    )
    return np.asarray(img).copy()


# ------------------------------------------------------------------------------------------
# tables and figures


def table_slide(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A results table under a heading: a filled header row, 4-7 rows of diagnoses with counts,
    percentages and other columns, zebra stripes and grid lines (sans, numbers sometimes mono)."""
    bg = _pick(rng, ((255, 255, 255), (248, 248, 250), (250, 248, 242)))
    accent = _jitter(rng, _pick(rng, ACCENTS), 6)
    ink = (30, 30, 34)
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    m = w * 0.07
    heading = ctx.heading or _pick(rng, ("Cases by diagnosis", "Cohort characteristics", "Interobserver agreement"))
    font, lines, lh = _fit(d, [heading], "sans", h * 0.075, w - 2 * m, h * 0.17, bold=True, spacing=1.15)
    y = _text_block(d, m, h * 0.07, lines[0], font, lh, accent) + h * 0.05
    header, rows = _table_content(ctx, rng)
    row_h = min(h * 0.1, (h * 0.93 - y) / (len(rows) + 1))
    widths = np.array([2.2] + [1.0] * (len(header) - 1))
    xs = m + np.concatenate([[0], np.cumsum(widths / widths.sum() * (w - 2 * m))])
    # one size for every cell, the largest at which the longest diagnosis fits its column
    f_cell = _fit_line(d, [r[0] for r in rows], "sans", row_h * 0.45, xs[1] - xs[0] - row_h * 0.5)
    f_head = _font("sans", f_cell.size, bold=True)
    f_num = _font("mono", f_cell.size) if rng.random() < 0.4 else f_cell
    grid = _mix(ink, bg, 0.75)
    d.rectangle([xs[0], y, xs[-1], y + row_h], fill=accent)
    for r, row in enumerate([header] + rows):
        top = y + r * row_h
        if r > 0 and r % 2 == 0:
            d.rectangle([xs[0], top, xs[-1], top + row_h], fill=_mix(accent, bg, 0.88))
        for c, cell in enumerate(row):
            f = f_head if r == 0 else (f_cell if c == 0 else f_num)
            fill = (255, 255, 255) if r == 0 else ink
            if c == 0:
                _put(d, (xs[0] + row_h * 0.3, top + row_h / 2), cell, f, fill, anchor="lm")
            else:
                _put(d, (xs[c + 1] - row_h * 0.3, top + row_h / 2), cell, f, fill, anchor="rm")
        d.line([(xs[0], top + row_h), (xs[-1], top + row_h)], fill=grid, width=1)
    if rng.random() < 0.5:  # column rules, as many published tables do not have
        for x in xs[1:-1]:
            d.line([(x, y), (x, y + row_h * (len(rows) + 1))], fill=grid, width=1)
    d.rectangle([xs[0], y, xs[-1], y + row_h * (len(rows) + 1)], outline=_mix(ink, bg, 0.5), width=1)
    return np.asarray(img).copy()


def _table_content(ctx: PaintContext, rng: np.random.Generator) -> tuple[list[str], list[list[str]]]:
    n_rows, n_cols = int(rng.integers(4, 8)), int(rng.integers(3, 6))
    names = (ctx_classes(ctx) + list(EXTRA_DIAGNOSES))[:n_rows]
    cases = rng.integers(8, 240, n_rows)
    columns = [("Cases", [str(c) for c in cases]), ("%", [f"{p:.1f}%" for p in 100 * cases / cases.sum()])]
    extra = [
        ("Mean age", [str(a) for a in rng.integers(34, 82, n_rows)]),
        ("Grade", [f"G{g}" for g in rng.integers(1, 4, n_rows)]),
        ("Ki-67", [f"{k:.0f}%" for k in rng.uniform(2, 80, n_rows)]),
        ("Kappa", [f"{k:.2f}" for k in rng.uniform(0.4, 0.95, n_rows)]),
    ]
    columns += [extra[i] for i in rng.permutation(len(extra))[: n_cols - 3]]
    header = ["Diagnosis"] + [c[0] for c in columns]
    rows = [[names[r].capitalize()] + [c[1][r] for c in columns] for r in range(n_rows)]
    return header, rows


def chart_line(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A figure slide in STIX: a line chart (several series with markers, legend, ticked and
    labelled axes) or a pie / donut chart with a legend."""
    bg = _pick(rng, ((255, 255, 255), (252, 252, 250), (246, 248, 252)))
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    colours = [PALETTE[i] for i in rng.permutation(len(PALETTE))]
    names = [_short(c) for c in ctx_classes(ctx)]
    if rng.random() < 0.55:
        title = ctx.heading or _pick(
            rng, ("Overall survival by diagnosis", "Disease-free survival", "Survival after resection")
        )
        _put(d, (w * 0.06, h * 0.06), title, _font("stix", h * 0.07, bold=True), (25, 25, 30))
        _line_plot(img, d, w, h, rng, names[: int(rng.integers(2, 5))], colours)
    else:
        title = ctx.heading or _pick(rng, ("Distribution of diagnoses", "Case mix", "Final diagnoses"))
        _put(d, (w * 0.06, h * 0.06), title, _font("stix", h * 0.07, bold=True), (25, 25, 30))
        _pie(d, w, h, rng, names[:6], colours, bg)
    return np.asarray(img).copy()


def _line_plot(img, d, w: int, h: int, rng: np.random.Generator, names: list[str], colours) -> None:
    # the legend goes right of the plot when its names are short enough, else inside the plot
    font = _fit_line(d, names, "stix", h * 0.04, w * 0.34)
    leg_w = w * 0.085 + max(d.textlength(_clean(font, n), font=font) for n in names)
    outside = rng.random() < 0.5 and leg_w < w * 0.3
    x0, y0, x1, y1 = w * 0.13, h * 0.2, (w * 0.97 - leg_w - w * 0.03) if outside else w * 0.94, h * 0.8
    ink, grid = (30, 30, 30), (222, 222, 226)
    f = _font("stix", h * 0.042)
    n = int(rng.integers(5, 11))
    step = int(_pick(rng, (1, 3, 6, 12)))
    for k in range(6):  # y grid and ticks, 0..100 %
        yy = y1 - (y1 - y0) * k / 5
        d.line([(x0, yy), (x1, yy)], fill=grid, width=1)
        d.line([(x0 - 4, yy), (x0, yy)], fill=ink, width=1)
        _put(d, (x0 - 7, yy), f"{k * 20}", f, ink, anchor="rm")
    xs = x0 + (x1 - x0) * np.arange(n) / (n - 1)
    for i, x in enumerate(xs):
        d.line([(x, y1), (x, y1 + 4)], fill=ink, width=1)
        _put(d, (x, y1 + 6), f"{i * step}", f, ink, anchor="ma")
    d.line([(x0, y0), (x0, y1), (x1, y1)], fill=ink, width=max(1, h // 300))
    _put(d, ((x0 + x1) / 2, h * 0.93), "Months after diagnosis", f, ink, anchor="mm")
    _put_rotated(img, (w * 0.04, (y0 + y1) / 2), "Survival (%)", f, ink)
    shapes = rng.permutation(4)
    for s, _name in enumerate(names):  # falling survival curves, each with its marker shape
        ys = 100 * np.cumprod(np.r_[1.0, rng.uniform(0.7, 1.0, n - 1)])
        pts = [(x, y1 - (y1 - y0) * v / 100) for x, v in zip(xs, ys)]
        d.line(pts, fill=colours[s], width=max(2, h // 180), joint="curve")
        for p in pts:
            _point(d, p, h * 0.012, colours[s], int(shapes[s]))
    lx, ly = (x1 + w * 0.03, y0) if outside else (x1 - leg_w - w * 0.01, y0 + h * 0.02)
    _legend(d, w, h, (lx, ly, leg_w), names, colours, shapes, font)


def _legend(d, w: int, h: int, at: tuple[float, float, float], names: list[str], colours, shapes, font) -> None:
    """A boxed legend at (x, y) of width box_w: a line with the series' marker, then its name."""
    lx, ly, box_w = at
    d.rectangle(
        [lx, ly, lx + box_w, ly + len(names) * h * 0.07 + h * 0.02], fill=(255, 255, 255), outline=(180, 180, 185)
    )
    for s, name in enumerate(names):
        cy = ly + h * 0.045 + s * h * 0.07
        d.line([(lx + w * 0.015, cy), (lx + w * 0.055, cy)], fill=colours[s], width=max(2, h // 180))
        _point(d, (lx + w * 0.035, cy), h * 0.012, colours[s], int(shapes[s]))
        _put(d, (lx + w * 0.068, cy), name, font, (30, 30, 30), anchor="lm")


def _point(d, p, r: float, fill, shape: int) -> None:
    """A plot marker: circle, square, triangle or diamond."""
    x, y = p
    if shape == 0:
        d.ellipse([x - r, y - r, x + r, y + r], fill=fill)
    elif shape == 1:
        d.rectangle([x - r, y - r, x + r, y + r], fill=fill)
    elif shape == 2:
        d.polygon([(x, y - r * 1.2), (x + r * 1.1, y + r * 0.8), (x - r * 1.1, y + r * 0.8)], fill=fill)
    else:
        d.polygon([(x, y - r * 1.3), (x + r, y), (x, y + r * 1.3), (x - r, y)], fill=fill)


def _pie(d, w: int, h: int, rng: np.random.Generator, names: list[str], colours, bg) -> None:
    vals = rng.dirichlet(np.full(len(names), 2.0))
    cx, cy, r = w * 0.3, h * 0.58, h * 0.32
    start = float(rng.uniform(0, 360))
    for v, col in zip(vals, colours):
        d.pieslice(
            [cx - r, cy - r, cx + r, cy + r], start, start + 360 * v, fill=col, outline=bg, width=max(1, h // 180)
        )
        start += 360 * v
    f = _font("stix", h * 0.042)
    if rng.random() < 0.5:  # donut, with the total in its hole
        d.ellipse([cx - r * 0.55, cy - r * 0.55, cx + r * 0.55, cy + r * 0.55], fill=bg)
        _put(d, (cx, cy), f"n = {int(rng.integers(80, 900))}", f, (40, 40, 40), anchor="mm")
    lx, ly = w * 0.6, cy - len(names) * h * 0.04
    for i, (name, v) in enumerate(zip(names, vals)):
        y = ly + i * h * 0.08
        d.rectangle([lx, y - h * 0.02, lx + h * 0.04, y + h * 0.02], fill=colours[i])
        _put(d, (lx + h * 0.07, y), f"{name}  {100 * v:.0f}%", f, (30, 30, 30), anchor="lm")


def diagram(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A flowchart in serif type on a light background: the specimen's path from biopsy to
    diagnosis in rounded boxes and arrows, or a classification tree of the lecture's diagnoses."""
    bg = _pick(rng, ((255, 255, 255), (250, 250, 246), (244, 247, 251)))
    img = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(img)
    fill = _mix(_pick(rng, PALETTE), (255, 255, 255), rng.uniform(0.7, 0.85))
    line = _mix(fill, (0, 0, 0), 0.55)
    tree = rng.random() < 0.45
    title = ctx.heading or ("Classification of colorectal lesions" if tree else "From specimen to diagnosis")
    f, lines, lh = _fit(d, [title], "serif", h * 0.07, w * 0.88, h * 0.16, bold=True, spacing=1.15)
    _text_block(d, w * 0.06, h * 0.06, lines[0], f, lh, (30, 30, 36))
    (_tree if tree else _pipeline)(d, w, h, rng, ctx, fill, line)
    return np.asarray(img).copy()


def _node(d, box: Box, text: str, fill, line, size: float) -> None:
    """A rounded box with its label wrapped and centred inside."""
    x0, y0, x1, y1 = box
    d.rounded_rectangle(box, radius=(y1 - y0) * 0.22, fill=fill, outline=line, width=max(1, int(size / 10)))
    font, wrapped, lh = _fit(d, [text], "serif", size, (x1 - x0) * 0.86, (y1 - y0) * 0.85, spacing=1.15)
    top = (y0 + y1) / 2 - lh * len(wrapped[0]) / 2 + lh * 0.08
    _text_block(d, x0, top, wrapped[0], font, lh, (25, 25, 30), "center", x1 - x0)


def _pipeline(d, w: int, h: int, rng: np.random.Generator, ctx: PaintContext, fill, line) -> None:
    steps = ["Biopsy", "Fixation", "Processing", "H&E stain", "Diagnosis"]
    notes = ["endoscopy", "formalin, 24 h", "paraffin block", "4 µm sections", "report"]
    two_rows = rng.random() < 0.4
    per_row = 3 if two_rows else 5
    gap = w * 0.05
    bw = (w * 0.9 - gap * (per_row - 1)) / per_row
    bh = min(h * 0.2, bw * 0.55)
    rows_y = [h * 0.3, h * 0.64] if two_rows else [h * 0.45]
    boxes = []
    for i in range(len(steps)):
        r, c = divmod(i, per_row)
        c = c if r == 0 else per_row - 1 - c  # the second row runs back, snake-wise
        x = w * 0.05 + c * (bw + gap)
        boxes.append((x, rows_y[r], x + bw, rows_y[r] + bh))
    size = min(h * 0.05, bw * 0.16)
    for i, b in enumerate(boxes):
        _node(d, b, steps[i], fill, line, size)
        if rng.random() < 0.6:
            _put(
                d,
                ((b[0] + b[2]) / 2, b[3] + h * 0.015),
                notes[i],
                _font("serif", size * 0.75, italic=True),
                (90, 90, 96),
                anchor="ma",
            )
    head, width = h * 0.03, max(1, h // 160)
    for a, b in zip(boxes, boxes[1:]):
        if a[1] == b[1]:
            right = b[0] > a[0]
            _arrow(
                d,
                (a[2] if right else a[0], (a[1] + a[3]) / 2),
                (b[0] if right else b[2], (b[1] + b[3]) / 2),
                line,
                width,
                head,
            )
        else:
            x = (a[0] + a[2]) / 2
            _arrow(d, (x, a[3] + h * 0.07), (x, b[1]), line, width, head)


def _tree(d, w: int, h: int, rng: np.random.Generator, ctx: PaintContext, fill, line) -> None:
    leaves = ctx_classes(ctx)[:6]
    neo = [c for c in leaves if any(k in c for k in ("carcinoma", "adenoma", "lymphoma", "sarcoma", "tumor"))]
    if not neo or len(neo) == len(leaves):
        neo = leaves[: len(leaves) // 2]
    groups = [("Non-neoplastic", [c for c in leaves if c not in neo]), ("Neoplastic", neo)]
    leaves = groups[0][1] + groups[1][1]
    size = h * 0.042
    lw = w * 0.9 / len(leaves)
    leaf_boxes = [
        (w * 0.05 + i * lw + lw * 0.06, h * 0.72, w * 0.05 + (i + 1) * lw - lw * 0.06, h * 0.9)
        for i in range(len(leaves))
    ]
    root = (w * 0.35, h * 0.22, w * 0.65, h * 0.34)
    width = max(1, h // 180)
    _node(d, root, "Colorectal lesion", fill, line, size * 1.1)
    k = 0
    for name, members in groups:
        kids = leaf_boxes[k : k + len(members)]
        k += len(members)
        cx = float(np.clip((kids[0][0] + kids[-1][2]) / 2, w * 0.16, w * 0.84))  # its box stays in the frame
        mid = (cx - w * 0.13, h * 0.46, cx + w * 0.13, h * 0.57)
        _node(d, mid, name, _mix(fill, (255, 255, 255), 0.4), line, size)
        _elbow(d, ((root[0] + root[2]) / 2, root[3]), (cx, mid[1]), line, width, h * 0.025)
        for kb, leaf in zip(kids, members):
            _node(d, kb, leaf.capitalize(), (255, 255, 255), line, size * 0.9)
            _elbow(d, (cx, mid[3]), ((kb[0] + kb[2]) / 2, kb[1]), line, width, h * 0.025)


def _elbow(d, p0, p1, fill, width: int, head: float) -> None:
    """A tree connector: down, across, down, with an arrowhead at the child."""
    ym = (p0[1] + p1[1]) / 2
    d.line([p0, (p0[0], ym), (p1[0], ym)], fill=fill, width=width)
    _arrow(d, (p1[0], ym), p1, fill, width, head)


# ------------------------------------------------------------------------------------------
# documents


def page_render(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A photo of a printed article on a desk: dense small sans text on an A4 sheet, seen in
    perspective on wood or grey laminate, with a drop shadow, uneven light, blur, sensor noise,
    sometimes greyscale."""
    qh = h * rng.uniform(0.85, 1.5)
    qw = qh / 1.414
    if rng.random() < 0.25:  # a landscape-held camera over a page turned sideways
        qw, qh = qh * 1.1, qh * 1.1 / 1.414
    sheet = _page_sheet(int(qw), int(qh), rng, ctx)
    quad = _quad(rng, w * rng.uniform(0.35, 0.65), h * rng.uniform(0.4, 0.6), qw, qh, rng.uniform(-0.25, 0.25), 0.05)
    out = _perspective_onto(_desk(w, h, rng), sheet, quad, shadow=0.45)
    out = _lighting(out, rng, rng.uniform(0.15, 0.4))
    return _camera(out, rng, rng.uniform(0.4, 1.1), rng.uniform(2, 5), grey=rng.random() < 0.3)


def _page_sheet(sw: int, sh: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A journal page: running header, bold title, authors, one or two columns of paragraphs with
    section headings, sometimes a figure box."""
    paper = _jitter(rng, (250, 249, 244), 2)
    img = Image.new("RGB", (sw, sh), paper)
    d = ImageDraw.Draw(img)
    m, ink = sw * 0.09, (35, 35, 38)
    small = _font("sans", sh * 0.014)
    _put(
        d,
        (m, sh * 0.04),
        f"J Teach Pathol {int(rng.integers(2005, 2024))}; {int(rng.integers(3, 40))}:{int(rng.integers(10, 900))}",
        small,
        (110, 110, 110),
    )
    d.line([(m, sh * 0.062), (sw - m, sh * 0.062)], fill=(150, 150, 150), width=1)
    title = (
        ctx.title or f"{ctx_classes(ctx)[int(rng.integers(len(ctx_classes(ctx))))].capitalize()}: a practical review"
    )
    font, lines, lh = _fit(d, [title], "sans", sh * 0.032, sw - 2 * m, sh * 0.09, bold=True, spacing=1.2)
    y = _text_block(d, m, sh * 0.08, lines[0], font, lh, ink)
    _put(
        d,
        (m, y + sh * 0.005),
        "A. Author, B. Author and C. Author",
        _font("sans", sh * 0.016, italic=True),
        (70, 70, 70),
    )
    y += sh * 0.04
    cols = int(rng.integers(1, 3))
    cw = (sw - 2 * m - (cols - 1) * sw * 0.04) / cols
    body = _font("sans", max(sh * 0.0155, 6))
    lh = body.size * 1.3
    for c in range(cols):
        x = m + c * (cw + sw * 0.04)
        _page_column(
            d, (x, y, x + cw, sh * 0.94), rng, ctx, body, lh, ink, figure=(c == cols - 1 and rng.random() < 0.5)
        )
    _put(d, (sw / 2, sh * 0.965), f"{int(rng.integers(2, 300))}", small, (110, 110, 110), anchor="mm")
    return np.asarray(img)


def _page_column(d, box: Box, rng: np.random.Generator, ctx: PaintContext, body, lh: float, ink, figure: bool) -> None:
    x0, y, x1, y1 = box
    if figure:  # a figure at the top of the column: a small bar chart in a frame, and its caption
        fh = min((x1 - x0) * 0.6, (y1 - y) * 0.3)
        d.rectangle([x0, y, x1, y + fh], fill=(238, 238, 236), outline=(120, 120, 120))
        n = int(rng.integers(4, 8))
        bw = (x1 - x0) * 0.8 / n
        for i, v in enumerate(rng.uniform(0.2, 0.9, n)):
            bx = x0 + (x1 - x0) * 0.1 + i * bw
            d.rectangle(
                [bx + bw * 0.15, y + fh * (0.92 - 0.8 * v), bx + bw * 0.85, y + fh * 0.92],
                fill=_pick(rng, ((60, 60, 64), (130, 130, 134))),
            )
        y = _flow(d, (x0, y + fh + lh * 0.4, x1, y1), "Figure 1. " + _sentences(ctx, rng, 1), body, (70, 70, 70), lh)
        y += lh * 0.6
    heads = iter(("Introduction", "Methods", "Results", "Discussion", "Conclusion"))
    while y + lh < y1:
        if rng.random() < 0.3:
            _put(d, (x0, y), next(heads, "Notes"), _font("sans", body.size * 1.1, bold=True), ink)
            y += lh * 1.2
        y = _flow(
            d, (x0, y, x1, y1), _sentences(ctx, rng, int(rng.integers(3, 7))), body, ink, lh, indent=body.size * 1.5
        )


def page_photo(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A real photographed page of print (one of the style's sources), full-frame with a slight
    tilt or lying on a plain grey surface, under uneven light; greyscale like the source."""
    src = load_source(_pick(rng, ctx.sources or ("skimage:page.png", "skimage:text.png")), ctx.raw_root)
    grey = src.astype(np.float32).mean(2, keepdims=True).repeat(3, 2)
    full = rng.random() < 0.55
    if full:  # the page overfills the frame, its corners past the edges
        s, jitter = rng.uniform(1.02, 1.15) * max(w / src.shape[1], h / src.shape[0]), 0.03
        bg = np.zeros((h, w, 3), np.uint8)
    else:
        s, jitter = rng.uniform(0.6, 0.85) * min(w / src.shape[1], h / src.shape[0]), 0.04
        bg = np.clip(
            _blend(_linear_t(w, h, rng.uniform(0, 6.3)), (rng.uniform(40, 90),) * 3, (rng.uniform(90, 140),) * 3)
            + 5 * _smooth_noise(rng, w, h, w // 3, h // 3)[..., None],
            0,
            255,
        ).astype(np.uint8)
    qw, qh = src.shape[1] * s, src.shape[0] * s  # the page keeps its own shape
    quad = _quad(
        rng, w * rng.uniform(0.45, 0.55), h * rng.uniform(0.45, 0.55), qw, qh, rng.uniform(-0.06, 0.06), jitter
    )
    if full:
        quad = _cover(quad, w, h)
    out = _perspective_onto(bg, grey, quad, shadow=0.3)
    out = _lighting(out, rng, rng.uniform(0.1, 0.3)) + rng.uniform(-3, 3, 3).astype(np.float32)  # a faint cast
    return _camera(out, rng, rng.uniform(0.3, 0.8), rng.uniform(1.5, 3.5))


def whiteboard(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A photographed whiteboard in its aluminium frame: marker words (Computer Modern italic or
    serif italic), underlines, arrows, a circled word and a wobbly sketch in blue, red and black,
    ghosts of erased writing, a glare."""
    wall = _jitter(rng, (200, 192, 176), 12)
    arr = np.empty((h, w, 3), np.uint8)
    arr[:] = wall
    bx0, by0 = int(w * rng.uniform(0.0, 0.06)), int(h * rng.uniform(0.0, 0.08))
    bx1, by1 = w - int(w * rng.uniform(0.0, 0.06)), h - int(h * rng.uniform(0.06, 0.14))
    fw = max(3, int(h * 0.025))
    _aluminium(arr, (bx0, by0, bx1, by1), fw)
    board = _jitter(rng, (244, 245, 242), 2)
    inner = (bx0 + fw, by0 + fw, bx1 - fw, by1 - fw)
    arr[inner[1] : inner[3], inner[0] : inner[2]] = board
    _ghosts(arr, inner, rng)
    ink_rgb, ink_a = _marker_ink(w, h, inner, rng, ctx)
    a = ink_a[..., None] * 0.92
    out = arr.astype(np.float32) * (1 - a) + ink_rgb * a
    glare = np.exp(-((_radial_t(w, h, rng.uniform(0.2, 0.8), rng.uniform(0.1, 0.5)) / rng.uniform(0.15, 0.3)) ** 2))
    out += (255 - out) * rng.uniform(0.25, 0.45) * glare[..., None]
    return _camera(_lighting(out, rng, rng.uniform(0.1, 0.3)), rng, rng.uniform(0.4, 0.9), rng.uniform(1.5, 3.5))


def _aluminium(arr: np.ndarray, box, fw: int) -> None:
    """A brushed grey frame of width fw around box, lighter on top, with a tray below."""
    x0, y0, x1, y1 = box
    h, w = arr.shape[:2]
    shade = _blend(_linear_t(x1 - x0, y1 - y0, np.pi / 2), (205, 207, 210), (150, 152, 156))
    arr[y0:y1, x0:x1] = shade
    cv2.rectangle(arr, (x0 + fw - 1, y0 + fw - 1), (x1 - fw, y1 - fw), (110, 112, 116), 1)
    ty = min(h, y1 + max(3, int(h * 0.025)))
    arr[y1:ty, max(0, x0 - fw) : min(w, x1 + fw)] = (170, 172, 176)


def _ghosts(arr: np.ndarray, box, rng: np.random.Generator) -> None:
    """Faint grey smears where earlier writing was wiped off."""
    x0, y0, x1, y1 = box
    layer = np.zeros(arr.shape[:2], np.float32)
    for _ in range(int(rng.integers(2, 6))):
        cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
        cv2.ellipse(
            layer,
            (int(cx), int(cy)),
            (int(rng.uniform(20, 90)), int(rng.uniform(4, 18))),
            float(rng.uniform(-20, 20)),
            0,
            360,
            1.0,
            -1,
        )
    layer = cv2.GaussianBlur(layer, (0, 0), 6) * rng.uniform(0.04, 0.1)
    arr[:] = (arr * (1 - layer[..., None]) + np.float32([120, 125, 140]) * layer[..., None]).astype(np.uint8)


def _marker_ink(w: int, h: int, box, rng: np.random.Generator, ctx: PaintContext):
    """Everything written on the board, as colour and coverage: drawn straight, then bent by a
    smooth random displacement so strokes and letters wobble as a hand's do."""
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    family = _pick(rng, ("cm", "serif", "stix"))
    colours = [INK[k] for k in rng.permutation(["blue", "red", "black", "green"])[:3]]
    title = _heading(ctx, rng) if ctx.heading else _pick(rng, ("Colon biopsy", "Glands!", "Key features", "DDx"))
    words = [_short(c) for c in ctx_classes(ctx)][: int(rng.integers(3, 6))]
    # the list keeps to the left half (the sketch has the right), one line per word
    f = _fit_line(d, words, family, bh * 0.085, bw * 0.45 - bh * 0.06, italic=True)
    f_big = _fit_line(d, [title], family, f.size * 1.3, bw * 0.9, italic=True)
    size = f.size
    stroke = int(size / 16)  # marker strokes are thicker than type
    tx, ty = x0 + bw * 0.05, y0 + bh * 0.06
    _put(d, (tx, ty), title, f_big, colours[0], stroke_width=stroke, stroke_fill=colours[0])
    tl = d.textlength(_clean(f_big, title), font=f_big)
    d.line([(tx, ty + f_big.size * 1.2), (tx + tl, ty + f_big.size * 1.25)], fill=colours[0], width=stroke + 1)
    spots = []
    for i, word in enumerate(words):
        y = ty + f_big.size * 1.6 + i * size * 1.45
        col = colours[i % 2 + 1] if i % 3 == 2 else colours[0]
        d.line([(tx, y + size * 0.6), (tx + size * 0.4, y + size * 0.6)], fill=col, width=stroke + 1)
        _put(d, (tx + size * 0.7, y), word, f, col, stroke_width=stroke, stroke_fill=col)
        spots.append((tx + size * 0.7, y, tx + size * 0.7 + d.textlength(_clean(f, word), font=f), y + size * 1.2))
    rgba = np.asarray(layer).copy()
    colour = rgba[..., :3].copy()
    alpha = rgba[..., 3].astype(np.float32) / 255
    thick = max(2, int(h / 140))
    circled = spots[int(rng.integers(len(spots)))]
    cx, cy = (circled[0] + circled[2]) / 2, (circled[1] + circled[3]) / 2
    ring = [
        (cx + (circled[2] - circled[0]) * 0.62 * np.cos(t), cy + size * 0.85 * np.sin(t))
        for t in np.linspace(0, 6.6, 40)
    ]
    _stroke(colour, alpha, ring, colours[1], thick, rng)
    sketch = (x0 + bw * 0.62, y0 + bh * 0.24, x1 - bw * 0.06, y1 - bh * 0.1)
    _stroke(
        colour,
        alpha,
        [(circled[2] + size * 0.8, cy), (sketch[0] - size * 0.4, (sketch[1] + sketch[3]) / 2)],
        colours[2],
        thick,
        rng,
        head=size * 0.5,
    )
    _sketch(colour, alpha, sketch, rng, colours, thick)
    return _bend(colour, alpha, rng, max(1.0, h / 250))


def _stroke(
    colour: np.ndarray, alpha: np.ndarray, pts, col, thick: int, rng: np.random.Generator, head: float = 0
) -> None:
    """A hand-drawn polyline: resampled densely and nudged by smooth noise, optionally ending in
    a two-stroke arrowhead."""
    pts = np.asarray(pts, np.float32)
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    n = max(8, int(seg.sum() / 4))
    s = np.r_[0, np.cumsum(seg)]
    t = np.linspace(0, s[-1], n)
    dense = np.stack([np.interp(t, s, pts[:, 0]), np.interp(t, s, pts[:, 1])], 1)
    walk = np.cumsum(rng.normal(0, 0.45, (n, 2)), axis=0)
    walk -= np.linspace(walk[0], walk[-1], n)  # a bridge: the stroke still starts and ends where aimed
    dense += walk
    lines = [np.round(dense * 4).astype(np.int32)]
    if head > 0:
        tip, back = dense[-1], dense[max(0, n - 4)]
        u = (tip - back) / max(float(np.linalg.norm(tip - back)), 1e-6)
        for sign in (1, -1):
            rot = np.array([[np.cos(2.6 * sign), -np.sin(2.6 * sign)], [np.sin(2.6 * sign), np.cos(2.6 * sign)]])
            lines.append(np.round(np.stack([tip, tip + rot @ u * head]) * 4).astype(np.int32))
    for ln in lines:
        cv2.polylines(colour, [ln], False, tuple(int(c) for c in col), thick, cv2.LINE_AA, shift=2)
        cv2.polylines(alpha, [ln], False, 1.0, thick, cv2.LINE_AA, shift=2)


def _sketch(colour, alpha, box: Box, rng: np.random.Generator, colours, thick: int) -> None:
    """The board's crude drawing: a gland (ring of nuclei around a lumen), three boxes joined by
    arrows, or a plotted curve on axes."""
    x0, y0, x1, y1 = box
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, min(x1 - x0, y1 - y0) * 0.42
    kind = int(rng.integers(3))
    if kind == 0:
        for rr in (r, r * 0.55):
            _stroke(
                colour,
                alpha,
                [(cx + rr * np.cos(t) * 1.2, cy + rr * np.sin(t)) for t in np.linspace(0, 6.4, 30)],
                colours[0],
                thick,
                rng,
            )
        for t in np.linspace(0, 2 * np.pi, 12, endpoint=False):
            c = (int(cx + r * 0.78 * 1.2 * np.cos(t)), int(cy + r * 0.78 * np.sin(t)))
            cv2.circle(colour, c, max(2, int(r * 0.07)), tuple(int(v) for v in colours[1]), -1, cv2.LINE_AA)
            cv2.circle(alpha, c, max(2, int(r * 0.07)), 1.0, -1, cv2.LINE_AA)
    elif kind == 1:
        bh = (y1 - y0) / 5
        ys = [y0 + bh * 0.3 + i * bh * 1.6 for i in range(3)]
        for i, y in enumerate(ys):
            _stroke(colour, alpha, [(x0, y), (x1, y), (x1, y + bh), (x0, y + bh), (x0, y)], colours[i % 2], thick, rng)
            if i:
                _stroke(colour, alpha, [(cx, ys[i - 1] + bh), (cx, y)], colours[2], thick, rng, head=bh * 0.3)
    else:
        _stroke(colour, alpha, [(x0, y0), (x0, y1), (x1, y1)], colours[2], thick, rng, head=(x1 - x0) * 0.05)
        xs = np.linspace(x0 + 5, x1 - 10, 12)
        ys = y1 - (y1 - y0) * (0.15 + 0.7 / (1 + np.exp(-(xs - cx) / ((x1 - x0) * 0.12))))
        _stroke(colour, alpha, list(zip(xs, ys)), colours[1], thick, rng)


def _bend(colour: np.ndarray, alpha: np.ndarray, rng: np.random.Generator, amp: float):
    h, w = alpha.shape
    gx, gy = w // 40 + 2, h // 40 + 2
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    mx = xx + amp * _smooth_noise(rng, w, h, gx, gy)
    my = yy + amp * _smooth_noise(rng, w, h, gx, gy)
    colour = cv2.remap(colour, mx, my, cv2.INTER_LINEAR)
    alpha = cv2.remap(alpha, mx, my, cv2.INTER_LINEAR)
    return colour.astype(np.float32), alpha


# ------------------------------------------------------------------------------------------
# screen recordings


def _desktop(w: int, h: int, rng: np.random.Generator, kind: str) -> tuple[Image.Image, Box]:
    """A wallpaper with a taskbar at the bottom ("taskbar", train) or a menu bar and a dock
    ("menubar", holdout), and where an application window sits on it: maximised between the
    bars, or floating with a shadow."""
    c0 = _jitter(rng, _pick(rng, ((30, 70, 140), (20, 110, 120), (90, 50, 120), (40, 40, 48), (160, 120, 80))), 15)
    arr = _blend(_linear_t(w, h, rng.uniform(0, 6.3)), c0, _mix(c0, (255, 255, 255), rng.uniform(0.2, 0.5)))
    top = bottom = 0.0
    if kind == "taskbar":
        bottom = max(12, h * 0.055)
        _tint(arr, (0, h - bottom, w, h), (24, 24, 28), 0.85)
    else:
        top, bottom = max(10, h * 0.042), max(14, h * 0.08)
        _tint(arr, (0, 0, w, top), (240, 240, 242), 0.8)
        _tint(arr, (w * 0.3, h - bottom, w * 0.7, h - 2), (235, 235, 240), 0.45, bottom * 0.25)
    img = Image.fromarray(arr)
    d = ImageDraw.Draw(img)
    if kind == "taskbar":
        _taskbar(d, w, h, bottom, rng)
    else:
        _menubar_and_dock(d, w, h, top, bottom, rng)
    if rng.random() < 0.45:
        return img, (0, top, w, h - bottom)
    ww, wh = w * rng.uniform(0.72, 0.9), (h - top - bottom) * rng.uniform(0.8, 0.94)
    x0 = rng.uniform(w * 0.02, w - ww - w * 0.02)
    y0 = top + rng.uniform(h * 0.01, h - top - bottom - wh)
    shadowed = np.asarray(img).copy()
    _tint(shadowed, (x0 + 2, y0 + 4, x0 + ww + 2, y0 + wh + 5), (0, 0, 0), 0.4, 6, blur=max(2.0, h / 120))
    return Image.fromarray(shadowed), (x0, y0, x0 + ww, y0 + wh)


def _taskbar(d, w: int, h: int, bh: float, rng: np.random.Generator) -> None:
    y = h - bh / 2
    s = bh * 0.32
    d.rectangle([bh * 0.3, y - s, bh * 0.3 + 2 * s, y + s], fill=(60, 150, 230))
    for i in range(int(rng.integers(3, 7))):
        x = bh * 1.4 + i * bh * 1.1
        d.rounded_rectangle([x, y - s, x + 2 * s, y + s], radius=s * 0.3, fill=_pick(rng, PALETTE))
    _put(
        d,
        (w - bh * 0.4, y),
        f"{int(rng.integers(8, 18))}:{int(rng.integers(0, 60)):02d}",
        _font("sans", bh * 0.42),
        (235, 235, 235),
        anchor="rm",
    )


def _menubar_and_dock(d, w: int, h: int, top: float, bottom: float, rng: np.random.Generator) -> None:
    f = _font("stix", top * 0.7)
    x = top * 1.5
    d.ellipse([top * 0.4, top * 0.25, top * 0.9, top * 0.75], fill=(40, 40, 40))
    for word in ("Browser", "File", "Edit", "View", "History", "Window", "Help"):
        _put(d, (x, top / 2), word, _font("stix", top * 0.7, bold=word == "Browser"), (20, 20, 20), anchor="lm")
        x += d.textlength(word, font=f) + top * 0.9
    _put(
        d,
        (w - top * 0.5, top / 2),
        f"{int(rng.integers(8, 18))}:{int(rng.integers(0, 60)):02d}",
        f,
        (20, 20, 20),
        anchor="rm",
    )
    s = bottom * 0.62
    n = int((w * 0.4 - s * 0.3) // (s * 1.25))
    for i in range(n):
        x0 = w * 0.3 + s * 0.3 + i * s * 1.25
        d.rounded_rectangle(
            [x0, h - bottom + (bottom - s) / 2 - 1, x0 + s, h - bottom + (bottom + s) / 2 - 1],
            radius=s * 0.25,
            fill=_pick(rng, PALETTE),
        )


def screen_app(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A screen recording of a notes editor: title bar with window buttons, menu bar, a file
    sidebar with one file selected, the document (sans prose, or mono markdown with line numbers),
    a status bar; light or dark theme; the desktop around it when not maximised."""
    img, (x0, y0, x1, y1) = _desktop(w, h, rng, "taskbar")
    d = ImageDraw.Draw(img)
    dark = rng.random() < 0.3
    chrome, pane, side = (
        ((45, 45, 48), (30, 30, 32), (37, 37, 40)) if dark else ((236, 236, 238), (255, 255, 255), (245, 245, 247))
    )
    text, muted = ((218, 218, 222), (140, 140, 148)) if dark else ((30, 30, 32), (120, 120, 126))
    accent = _pick(rng, ((0, 120, 215), (0, 122, 204), (46, 125, 50), (120, 60, 160)))
    ui = _font("sans", max(8, h * 0.03))
    files = _file_names(ctx, rng)
    current = int(rng.integers(len(files)))
    tb = max(14, h * 0.05)
    d.rectangle([x0, y0, x1, y1], fill=pane)
    d.rectangle([x0, y0, x1, y0 + tb], fill=chrome)
    _put(d, ((x0 + x1) / 2, y0 + tb / 2), f"{files[current]} - Notes", ui, text, anchor="mm")
    _window_buttons(d, x1, y0, tb, text)
    mb = max(12, h * 0.045)
    x = x0 + tb * 0.4
    for word in ("File", "Edit", "View", "Insert", "Format", "Tools", "Help"):
        _put(d, (x, y0 + tb + mb / 2), word, ui, text, anchor="lm")
        x += d.textlength(word, font=ui) + mb * 0.9
    d.line([(x0, y0 + tb + mb), (x1, y0 + tb + mb)], fill=_mix(chrome, text, 0.15), width=1)
    sb = max(11, h * 0.04)
    side_w = (x1 - x0) * rng.uniform(0.18, 0.26)
    top = y0 + tb + mb
    d.rectangle([x0, top, x0 + side_w, y1 - sb], fill=side)
    _put(d, (x0 + sb * 0.5, top + sb * 0.7), "FILES", _font("sans", max(7, h * 0.025), bold=True), muted, anchor="lm")
    for i, name in enumerate(files):
        ry = top + sb * 1.4 + i * sb * 1.15
        if ry + sb > y1 - sb:
            break
        if i == current:
            d.rectangle([x0, ry, x0 + side_w, ry + sb], fill=_mix(accent, side, 0.55 if dark else 0.8))
        d.rectangle([x0 + sb * 0.5, ry + sb * 0.25, x0 + sb * 0.9, ry + sb * 0.75], fill=_mix(accent, side, 0.3))
        _put(d, (x0 + sb * 1.2, ry + sb / 2), _ellipsize(d, name, ui, side_w - sb * 1.5), ui, text, anchor="lm")
    doc = (x0 + side_w, top, x1, y1 - sb)
    (_code_doc if rng.random() < 0.4 else _prose_doc)(d, doc, rng, ctx, text, muted, accent)
    d.rectangle([x0, y1 - sb, x1, y1], fill=accent if rng.random() < 0.5 else chrome)
    status = (
        f"Ln {int(rng.integers(1, 200))}, Col {int(rng.integers(1, 60))}    UTF-8    "
        f"{int(rng.integers(200, 3000))} words"
    )
    _put(
        d,
        (x0 + sb * 0.5, y1 - sb / 2),
        status,
        _font("sans", sb * 0.55),
        (250, 250, 250) if dark else text,
        anchor="lm",
    )
    return np.asarray(img).copy()


def _file_names(ctx: PaintContext, rng: np.random.Generator) -> list[str]:
    names = [c.replace(" ", "_") + ".md" for c in ctx_classes(ctx)]
    names += ["01_intro.md", "grading.md", "references.bib", "lecture_notes.txt", "todo.txt", "figures"]
    return [names[i] for i in rng.permutation(len(names))[: int(rng.integers(6, 11))]]


def _window_buttons(d, x1: float, y0: float, tb: float, fill) -> None:
    """Minimise, maximise and close at the title bar's right, drawn as the glyphs' strokes."""
    s = tb * 0.22
    for i, kind in enumerate(("close", "max", "min")):
        cx, cy = x1 - tb * (0.75 + 1.3 * i), y0 + tb / 2
        if kind == "close":
            d.line([(cx - s, cy - s), (cx + s, cy + s)], fill=fill, width=1)
            d.line([(cx - s, cy + s), (cx + s, cy - s)], fill=fill, width=1)
        elif kind == "max":
            d.rectangle([cx - s, cy - s, cx + s, cy + s], outline=fill, width=1)
        else:
            d.line([(cx - s, cy), (cx + s, cy)], fill=fill, width=1)


def _prose_doc(d, box: Box, rng: np.random.Generator, ctx: PaintContext, text, muted, accent) -> None:
    x0, y0, x1, y1 = box
    m = (x1 - x0) * 0.07
    font, lines, lh = _fit(
        d, [_heading(ctx, rng)], "sans", (y1 - y0) * 0.075, x1 - x0 - 2 * m, (y1 - y0) * 0.2, bold=True
    )
    y = _text_block(d, x0 + m, y0 + m * 0.6, lines[0], font, lh, text) + lh * 0.3
    body = _font("sans", max(8, (y1 - y0) * 0.04))
    while y + body.size * 1.5 < y1:
        y = _flow(
            d, (x0 + m, y, x1 - m, y1), _sentences(ctx, rng, int(rng.integers(2, 5))), body, text, body.size * 1.45
        )
        y += body.size * 0.7


def _code_doc(d, box: Box, rng: np.random.Generator, ctx: PaintContext, text, muted, accent) -> None:
    """Markdown notes in mono with a line-number gutter, headings in the accent colour."""
    x0, y0, x1, y1 = box
    f = _font("mono", max(8, (y1 - y0) * 0.042))
    lh = f.size * 1.45
    gutter = f.size * 3
    heads = iter(["# " + _heading(ctx, rng)] + [f"## {c.capitalize()}" for c in ctx_classes(ctx)])
    y, n = y0 + lh * 0.4, 1
    while y + lh < y1:
        if n == 1 or rng.random() < 0.15:
            line, colour = next(heads, "## Notes"), accent
        else:
            line, colour = "- " + _sentences(ctx, rng, 1), text
        for k, part in enumerate(_lines(d, line, f, x1 - x0 - gutter - f.size)):
            if y + lh >= y1:
                break
            if k == 0:  # a soft-wrapped line keeps one number
                _put(d, (x0 + gutter * 0.8, y), str(n), f, muted, anchor="ra")
            _put(d, (x0 + gutter, y), part, f, colour)
            y += lh
        n += 1


def screen_browser(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A web browser on a desktop: tabs, an address bar with a URL, and a teaching page with a
    coloured banner, headings, serif paragraphs with blue underlined links, an image block and a
    sidebar of links; chrome text in STIX."""
    img, (x0, y0, x1, y1) = _desktop(w, h, rng, "menubar")
    d = ImageDraw.Draw(img)
    ts, tb = max(14, h * 0.055), max(16, h * 0.065)
    strip, bar = (222, 225, 230), (252, 252, 253)
    d.rectangle([x0, y0, x1, y1], fill=(255, 255, 255))
    d.rectangle([x0, y0, x1, y0 + ts], fill=strip)
    for i, col in enumerate(((237, 95, 87), (245, 190, 80), (98, 197, 85))):
        cx = x0 + ts * (0.5 + 0.45 * i)
        d.ellipse([cx - ts * 0.13, y0 + ts * 0.37, cx + ts * 0.13, y0 + ts * 0.63], fill=col)
    topic = ctx.heading or _pick(rng, ctx_classes(ctx)).capitalize()
    _tabs(
        d,
        (x0 + ts * 1.9, y0, x1 - ts, y0 + ts),
        [topic, "PubMed search", "Inbox (3)", "Slide library"][: int(rng.integers(2, 5))],
        bar,
    )
    d.rectangle([x0, y0 + ts, x1, y0 + ts + tb], fill=bar)
    url = "https://path-teaching.example.edu/gi/" + topic.lower().replace(" ", "-")[:40]
    _toolbar(d, (x0, y0 + ts, x1, y0 + ts + tb), url)
    d.line([(x0, y0 + ts + tb), (x1, y0 + ts + tb)], fill=(205, 205, 210), width=1)
    _web_page(img, d, (x0, y0 + ts + tb + 1, x1 - 8, y1), rng, ctx, topic)
    d.rectangle([x1 - 8, y0 + ts + tb + 1, x1, y1], fill=(241, 241, 243))
    sy = y0 + ts + tb + (y1 - y0) * rng.uniform(0.02, 0.4)
    d.rounded_rectangle([x1 - 7, sy, x1 - 1, sy + (y1 - y0) * 0.25], radius=3, fill=(190, 190, 195))
    return np.asarray(img).copy()


def _tabs(d, box: Box, titles: list[str], active) -> None:
    """Tabs on the strip, the first one active (joined to the toolbar below), each with its close x."""
    x0, y0, x1, y1 = box
    tw = min((x1 - x0) / len(titles), (x1 - x0) * 0.3)
    f = _font("stix", (y1 - y0) * 0.48)
    for i, title in enumerate(titles):
        tx = x0 + i * tw
        if i == 0:
            d.rounded_rectangle([tx, y0 + (y1 - y0) * 0.15, tx + tw - 2, y1 + 6], radius=(y1 - y0) * 0.25, fill=active)
        elif i > 1:
            d.line([(tx, y0 + (y1 - y0) * 0.3), (tx, y1 - (y1 - y0) * 0.25)], fill=(180, 180, 185), width=1)
        label = _ellipsize(d, title, f, tw - (y1 - y0) * 1.1)
        _put(
            d,
            (tx + (y1 - y0) * 0.35, (y0 + y1) / 2 + (y1 - y0) * 0.08),
            label,
            f,
            (40, 40, 45) if i == 0 else (90, 90, 96),
            anchor="lm",
        )
        cx, cy, s = tx + tw - (y1 - y0) * 0.45, (y0 + y1) / 2 + (y1 - y0) * 0.08, (y1 - y0) * 0.1
        d.line([(cx - s, cy - s), (cx + s, cy + s)], fill=(110, 110, 115), width=1)
        d.line([(cx - s, cy + s), (cx + s, cy - s)], fill=(110, 110, 115), width=1)


def _toolbar(d, box: Box, url: str) -> None:
    """Back, forward and reload, the address pill with a padlock and the URL, a profile icon."""
    x0, y0, x1, y1 = box
    bh = y1 - y0
    cy, s, grey = (y0 + y1) / 2, bh * 0.16, (95, 95, 100)
    for i, sign in enumerate((-1, 1)):
        cx = x0 + bh * (0.6 + 0.75 * i)
        d.line(
            [(cx - s * sign, cy - s), (cx + s * sign, cy), (cx - s * sign, cy + s)],
            fill=grey,
            width=max(1, int(bh / 14)),
        )
    cx = x0 + bh * 2.1
    d.arc([cx - s * 1.2, cy - s * 1.2, cx + s * 1.2, cy + s * 1.2], 40, 330, fill=grey, width=max(1, int(bh / 14)))
    pill = (x0 + bh * 2.8, y0 + bh * 0.17, x1 - bh * 1.4, y1 - bh * 0.17)
    d.rounded_rectangle(pill, radius=(pill[3] - pill[1]) / 2, fill=(238, 240, 243))
    lx = pill[0] + bh * 0.45
    d.rectangle([lx - s * 0.6, cy - s * 0.1, lx + s * 0.6, cy + s * 0.8], fill=grey)
    d.arc([lx - s * 0.45, cy - s * 0.8, lx + s * 0.45, cy + s * 0.3], 180, 360, fill=grey, width=1)
    _put(d, (lx + bh * 0.4, cy), url, _font("stix", bh * 0.42), (45, 45, 50), anchor="lm")
    d.ellipse([x1 - bh * 0.95, cy - bh * 0.25, x1 - bh * 0.45, cy + bh * 0.25], fill=(90, 130, 200))


def _web_page(img, d, box: Box, rng: np.random.Generator, ctx: PaintContext, topic: str) -> None:
    """The page itself: banner and navigation, a breadcrumb, the article (serif) in the main
    column and a sidebar with a picture and related links."""
    x0, y0, x1, y1 = box
    pw, ph = x1 - x0, y1 - y0
    site = _jitter(rng, _pick(rng, ((25, 70, 130), (130, 20, 40), (20, 100, 90), (70, 40, 110))), 8)
    link = (26, 13, 171) if rng.random() < 0.5 else (20, 90, 200)
    ink = (34, 34, 38)
    banner = ph * rng.uniform(0.12, 0.18)
    d.rectangle([x0, y0, x1, y0 + banner], fill=site)
    m = pw * 0.05
    _put(
        d,
        (x0 + m, y0 + banner * 0.5),
        _pick(rng, ("PathTeach", "Histology Atlas Online", "GI Pathology Notes")),
        _font("serif", banner * 0.38, bold=True),
        (255, 255, 255),
        anchor="lm",
    )
    nav = _font("serif", max(8, ph * 0.032))
    nx = x1 - m
    for word in ("About", "Atlas", "Cases", "Topics", "Home"):
        nx -= d.textlength(word, font=nav)
        _put(d, (nx, y0 + banner * 0.5), word, nav, _mix(site, (255, 255, 255), 0.85), anchor="lm")
        nx -= ph * 0.04
    side = rng.random() < 0.7
    main_x1 = x0 + pw * (0.66 if side else 0.95)
    y = y0 + banner + ph * 0.03
    crumb = _font("serif", max(7, ph * 0.028))
    _put(
        d,
        (x0 + m, y),
        _ellipsize(d, "Home  >  Gastrointestinal  >  Colon  >  " + _short(topic, 3), crumb, main_x1 - x0 - m),
        crumb,
        link,
    )
    y += ph * 0.06
    f1, lines, lh = _fit(d, [topic], "serif", ph * 0.07, main_x1 - x0 - m, ph * 0.16, bold=True, spacing=1.15)
    y = _text_block(d, x0 + m, y, lines[0], f1, lh, ink) + ph * 0.01
    body = _font("serif", max(8, ph * 0.036))
    blh = body.size * 1.45
    for sub in (
        "Definition",
        "Clinical features",
        "Microscopic features",
        "Immunohistochemistry",
        "Differential diagnosis",
    ):
        text = _sentences(ctx, rng, int(rng.integers(2, 4)))
        words = text.split()
        links = (rng.random(len(words)) < 0.15) & np.array([len(x) > 5 for x in words])  # content words, not "of"
        y = _flow(d, (x0 + m, y, main_x1, y1), text, body, ink, blh, link, links) + blh * 0.4
        if y + body.size * 1.8 + blh * 2 > y1:  # a section heading needs some of its text under it
            break
        _put(d, (x0 + m, y), sub, _font("serif", body.size * 1.25, bold=True), ink)
        y += body.size * 1.8
    if side:
        _web_sidebar(img, d, (main_x1 + pw * 0.04, y0 + banner + ph * 0.09, x1 - m * 0.5, y1), rng, ctx, link, body)


def _web_sidebar(img, d, box: Box, rng: np.random.Generator, ctx: PaintContext, link, font) -> None:
    x0, y0, x1, y1 = box
    iw = x1 - x0
    ih = int(iw * 0.68)
    img.paste(Image.fromarray(_thumbnail(int(iw), ih, rng)), (int(x0), int(y0)))
    y = y0 + ih + font.size * 0.4
    _put(d, (x0, y), "Figure 1. Endoscopic view", _font("serif", font.size * 0.85, italic=True), (90, 90, 95))
    y += font.size * 2
    _put(d, (x0, y), "Related topics", _font("serif", font.size * 1.1, bold=True), (34, 34, 38))
    y += font.size * 1.6
    for name in ctx_classes(ctx) + list(EXTRA_DIAGNOSES):
        if y + font.size * 1.5 > y1:
            break
        label = _lines(d, name.capitalize(), font, iw)[0]
        _put(d, (x0, y), label, font, link)
        d.line(
            [(x0, y + font.size * 1.05), (x0 + d.textlength(label, font=font), y + font.size * 1.05)],
            fill=link,
            width=1,
        )
        y += font.size * 1.5


def _thumbnail(w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """A small photo-like picture: a coloured gradient with soft blobs (an illustration, a
    specimen photo seen small) - the image block every article page carries."""
    arr = _blend(
        _linear_t(w, h, rng.uniform(0, 6.3)), _jitter(rng, (170, 190, 210), 30), _jitter(rng, (90, 80, 70), 30)
    )
    for _ in range(3):
        c = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
        cv2.ellipse(
            arr,
            c,
            (int(rng.uniform(0.1, 0.3) * w), int(rng.uniform(0.1, 0.3) * h)),
            float(rng.uniform(0, 180)),
            0,
            360,
            tuple(int(v) for v in rng.integers(60, 230, 3)),
            -1,
            cv2.LINE_AA,
        )
    return cv2.GaussianBlur(arr, (0, 0), max(1.0, w / 60))
