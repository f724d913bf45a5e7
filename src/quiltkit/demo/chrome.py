"""Software around the tissue: whole-slide viewers and webcam boxes.

Much of the histology in a recorded lecture is not a bare microscope field. It is a screen share
of a slide viewer, with toolbars, a navigator and an annotation list around the tissue, or the
tissue full-screen with the lecturer's webcam in a corner. A classifier that has only seen bare
fields calls these "not histology" (there is a lot of flat grey UI in the frame), so we draw them.

The contract (styles.Chrome) keeps the tissue separate: a painter draws everything that stays put
(the UI around a viewport, and an overlay on top: a scale bar, an annotation, the webcam box),
and the renderer moves ctx.tissue_picture under the viewport shot by shot, as a stage or a pan
would. Because nothing of the tissue is baked in, the chrome is the same in every frame of a
shot, which is what a real screen recording looks like.

Two viewer skins split the corpora by renderer: a dark one in sans type (train) and a light-grey
one with a different layout, serif and STIX type and arrows instead of outlines (held out).
`pip_over_slide` is the one non-histology painter here: a webcam over a bullet slide, the frame
the webcam boxes must not teach the classifier to call tissue.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw

from quiltkit.demo import slide_styles, slides
from quiltkit.demo.photos import FACES, camera_look, crop_to_frame
from quiltkit.demo.slide_styles import _arrow, _ellipsize, _font, _jitter, _mix, _pick, _put
from quiltkit.demo.slides import ctx_classes
from quiltkit.demo.styles import Chrome, PaintContext, all_styles, load_source
from quiltkit.demo.tissue import _blob

Box = tuple[float, float, float, float]
SCALE_BARS = (20, 50, 100, 200, 500)  # micrometres
ANNOTATION_COLOURS = ((255, 220, 0), (0, 230, 120), (255, 60, 60), (0, 200, 255), (255, 120, 0))


def _tissue(ctx: PaintContext, painter: str) -> np.ndarray:
    """The picture under the viewport, which styles.paint sets from the style's `tissue:`."""
    if ctx.tissue_picture is None:
        names = [st.name for st in all_styles().values() if st.painter == f"chrome:{painter}"]
        raise ValueError(
            f"chrome:{painter} (style {', '.join(names) or '?'}) needs ctx.tissue_picture; "
            "styles.paint sets it from the style's tissue:"
        )
    return ctx.tissue_picture


def _overlay(layer: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """An RGBA drawing as Chrome's (overlay_rgb, overlay_alpha)."""
    a = np.asarray(layer)
    return a[..., :3].copy(), a[..., 3].astype(np.float32) / 255


def _thumbnail(tissue: np.ndarray, max_w: float, max_h: float) -> np.ndarray:
    """The navigator's copy of the whole slide, downscaled to fit max_w x max_h."""
    th, tw = tissue.shape[:2]
    s = min(max_w / tw, max_h / th)
    return cv2.resize(tissue, (max(2, int(tw * s)), max(2, int(th * s))), interpolation=cv2.INTER_AREA)


def _navigator(img: Image.Image, tissue: np.ndarray, box: Box, rng: np.random.Generator, frame, mark) -> None:
    """The thumbnail centred in box with its frame, and the rectangle that says which part of
    the slide the viewport shows (about a 1.6th of the picture each side, as the renderer's)."""
    x0, y0, x1, y1 = box
    thumb = _thumbnail(tissue, x1 - x0, y1 - y0)
    th, tw = thumb.shape[:2]
    px, py = int(x0 + (x1 - x0 - tw) / 2), int(y0 + (y1 - y0 - th) / 2)
    img.paste(Image.fromarray(thumb), (px, py))
    d = ImageDraw.Draw(img)
    d.rectangle([px - 1, py - 1, px + tw, py + th], outline=frame)
    rw, rh = tw / rng.uniform(1.4, 2.6), th / rng.uniform(1.4, 2.6)
    rx, ry = px + rng.uniform(0, tw - rw), py + rng.uniform(0, th - rh)
    d.rectangle([rx, ry, rx + rw, ry + rh], outline=mark, width=max(1, int(round(th / 60))))


def _icon(d: ImageDraw.ImageDraw, box: Box, kind: int, fill, width: int) -> None:
    """A toolbar glyph drawn from strokes: move, zoom, rectangle, ellipse, polygon, brush,
    ruler, points, grid, settings."""
    x0, y0, x1, y1 = box
    cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2
    kind %= 10
    if kind == 0:
        d.line([(cx - r, cy), (cx + r, cy)], fill=fill, width=width)
        d.line([(cx, cy - r), (cx, cy + r)], fill=fill, width=width)
    elif kind == 1:
        d.ellipse([cx - r * 0.8, cy - r * 0.8, cx + r * 0.3, cy + r * 0.3], outline=fill, width=width)
        d.line([(cx + r * 0.2, cy + r * 0.2), (cx + r, cy + r)], fill=fill, width=width + 1)
    elif kind == 2:
        d.rectangle([cx - r, cy - r * 0.7, cx + r, cy + r * 0.7], outline=fill, width=width)
    elif kind == 3:
        d.ellipse([cx - r, cy - r * 0.75, cx + r, cy + r * 0.75], outline=fill, width=width)
    elif kind == 4:
        d.polygon(
            [(cx - r, cy + r * 0.6), (cx - r * 0.3, cy - r), (cx + r, cy - r * 0.3), (cx + r * 0.4, cy + r)],
            outline=fill,
            width=width,
        )
    elif kind == 5:
        d.line([(cx - r, cy + r), (cx + r, cy - r)], fill=fill, width=width + 1)
        d.ellipse([cx - r, cy + r * 0.4, cx - r * 0.4, cy + r], fill=fill)
    elif kind == 6:
        d.line([(cx - r, cy + r * 0.5), (cx + r, cy - r * 0.5)], fill=fill, width=width)
        for t in (-0.5, 0, 0.5):
            d.line([(cx + t * r * 2 - r * 0.2, cy - t * r), (cx + t * r * 2, cy - t * r + r * 0.4)], fill=fill, width=1)
    elif kind == 7:
        for dx, dy in ((-0.5, -0.4), (0.4, -0.6), (0, 0.5)):
            d.ellipse(
                [cx + dx * r - r * 0.22, cy + dy * r - r * 0.22, cx + dx * r + r * 0.22, cy + dy * r + r * 0.22],
                fill=fill,
            )
    elif kind == 8:
        for t in (-1, 0, 1):
            d.line([(cx + t * r * 0.7, cy - r), (cx + t * r * 0.7, cy + r)], fill=fill, width=1)
            d.line([(cx - r, cy + t * r * 0.7), (cx + r, cy + t * r * 0.7)], fill=fill, width=1)
    else:
        d.ellipse([cx - r * 0.8, cy - r * 0.8, cx + r * 0.8, cy + r * 0.8], outline=fill, width=width + 1)
        d.ellipse([cx - r * 0.25, cy - r * 0.25, cx + r * 0.25, cy + r * 0.25], fill=fill)


def _scale_bar(
    d: ImageDraw.ImageDraw, viewport, rng: np.random.Generator, family: str, corner: str, fill, backing=None
) -> None:
    """A scale bar with its length in micrometres in a corner of the viewport (DejaVu and STIX
    both have the micro sign)."""
    x, y, vw, vh = viewport
    length, th = vw * rng.uniform(0.1, 0.18), max(2, int(round(vh * 0.012)))
    font = _font(family, vh * 0.04, bold=True)
    m = vh * 0.05
    bx = x + m if corner[1] == "l" else x + vw - m - length
    by = y + vh - m - th if corner[0] == "b" else y + m + font.size * 1.4
    if backing is not None:
        d.rectangle([bx - m * 0.3, by - font.size * 1.45, bx + length + m * 0.3, by + th + m * 0.3], fill=backing)
    d.rectangle([bx, by, bx + length, by + th], fill=fill)
    _put(d, (bx + length / 2, by - font.size * 0.25), f"{_pick(rng, SCALE_BARS)} µm", font, fill, anchor="mb")


# ------------------------------------------------------------------------------------------
# the dark viewer (train)


def viewer_dark(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> Chrome:
    """A dark whole-slide viewer: a toolbar of icon buttons with a zoom field, a side panel
    (left or right) with the navigator, the annotation list and image properties, a status bar
    with the cursor position; over the tissue a scale bar and sometimes one annotation outline."""
    tissue = _tissue(ctx, "viewer_dark")
    ui = _jitter(rng, (44, 46, 51), 4)
    panel, text, muted = _mix(ui, (0, 0, 0), 0.25), (222, 224, 228), (150, 154, 162)
    tb, sb, pw = int(h * rng.uniform(0.07, 0.09)), int(h * rng.uniform(0.04, 0.05)), int(w * rng.uniform(0.19, 0.25))
    left = rng.random() < 0.5
    viewport = (pw if left else 0, tb, w - pw, h - tb - sb)
    img = Image.new("RGB", (w, h), panel)
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, w, tb - 1], fill=ui)
    d.line([(0, tb - 1), (w, tb - 1)], fill=(20, 20, 22))
    _toolbar_dark(d, w, tb, rng, ui, text)
    px0 = 0 if left else w - pw
    d.line([(px0 + (pw - 1 if left else 0), tb), (px0 + (pw - 1 if left else 0), h - sb)], fill=(18, 18, 20))
    _side_panel_dark(img, d, (px0, tb, px0 + pw, h - sb), tissue, rng, ctx, text, muted)
    d.rectangle([0, h - sb, w, h], fill=_mix(ui, (0, 0, 0), 0.4))
    zoom = _pick(rng, ("5.0x", "10.0x", "20.0x", "40.0x"))
    status = (
        f"x: {int(rng.integers(1000, 90000))}  y: {int(rng.integers(1000, 60000))}    "
        f"{rng.uniform(0.24, 0.52):.3f} µm/px    {zoom}"
    )
    _put(d, (h * 0.02, h - sb / 2), status, _font("mono", sb * 0.55), muted, anchor="lm")
    d.rectangle(
        [viewport[0], viewport[1], viewport[0] + viewport[2] - 1, viewport[1] + viewport[3] - 1], fill=(0, 0, 0)
    )
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    ld = ImageDraw.Draw(layer)
    _scale_bar(
        ld, viewport, rng, "sans", _pick(rng, ("bl", "br")), _pick(rng, ((255, 255, 255, 255), (10, 10, 10, 255)))
    )
    if rng.random() < 0.7:
        vx, vy, vw, vh = viewport
        outline = _blob(
            rng,
            vx + vw * rng.uniform(0.35, 0.65),
            vy + vh * rng.uniform(0.35, 0.6),
            vh * rng.uniform(0.15, 0.3),
            0.35,
            n=40,
            elong=rng.uniform(1.0, 1.6),
            angle=rng.uniform(0, np.pi),
        )
        ld.line(
            [tuple(p) for p in outline] + [tuple(outline[0])],
            fill=_pick(rng, ANNOTATION_COLOURS) + (255,),
            width=max(1, int(round(h / 180))),
            joint="curve",
        )
    return Chrome(np.asarray(img).copy(), viewport, *_overlay(layer))


def _toolbar_dark(d: ImageDraw.ImageDraw, w: int, tb: int, rng: np.random.Generator, ui, text) -> None:
    """Icon buttons in groups with separators, one of them pressed, a zoom field with its drop
    arrow and the slide's file name at the right."""
    s = tb * 0.56
    x = tb * 0.3
    pressed = int(rng.integers(0, 6))
    icons = rng.permutation(10)[: int(rng.integers(7, 11))]
    for i, kind in enumerate(icons):
        if i and i % int(rng.integers(3, 5)) == 0:
            d.line([(x, tb * 0.2), (x, tb * 0.8)], fill=_mix(ui, (255, 255, 255), 0.2))
            x += tb * 0.25
        box = (x, (tb - s) / 2, x + s, (tb + s) / 2)
        if i == pressed:
            d.rounded_rectangle(
                [box[0] - 2, box[1] - 2, box[2] + 2, box[3] + 2], radius=3, fill=_mix(ui, (80, 140, 230), 0.6)
            )
        pad = s * 0.2
        _icon(d, (box[0] + pad, box[1] + pad, box[2] - pad, box[3] - pad), int(kind), text, max(1, int(tb / 24)))
        x += s + tb * 0.18
    font = _font("sans", tb * 0.34)
    zx = x + tb * 0.4
    d.rounded_rectangle(
        [zx, tb * 0.22, zx + tb * 1.6, tb * 0.78],
        radius=3,
        fill=_mix(ui, (0, 0, 0), 0.45),
        outline=_mix(ui, (255, 255, 255), 0.25),
    )
    _put(d, (zx + tb * 0.15, tb / 2), _pick(rng, ("100%", "50%", "25%", "12.5%")), font, text, anchor="lm")
    d.polygon([(zx + tb * 1.3, tb * 0.44), (zx + tb * 1.48, tb * 0.44), (zx + tb * 1.39, tb * 0.56)], fill=text)
    name = (
        f"{_pick(rng, ('CRC', 'COLON', 'GI', 'BX'))}_{int(rng.integers(100, 9999)):04d}."
        f"{_pick(rng, ('svs', 'ndpi', 'tif', 'mrxs'))}"
    )
    _put(
        d,
        (w - tb * 0.3, tb / 2),
        _ellipsize(d, name, font, max(10, w - zx - tb * 2.2)),
        font,
        (170, 174, 182),
        anchor="rm",
    )


def _side_panel_dark(img, d, box: Box, tissue, rng: np.random.Generator, ctx: PaintContext, text, muted) -> None:
    """Navigator on top, then the annotation list with class swatches and counts, then image
    properties, each under a small caps-like header, until the panel runs out."""
    x0, y0, x1, y1 = box
    pw = x1 - x0
    m = pw * 0.06
    head, body = _font("sans", max(7, (y1 - y0) * 0.04), bold=True), _font("sans", max(6, (y1 - y0) * 0.036))
    y = y0 + m
    _put(d, (x0 + m, y), "Navigator", head, text)
    y += head.size * 1.5
    nav_h = (y1 - y0) * 0.32
    _navigator(img, tissue, (x0 + m, y, x1 - m, y + nav_h), rng, (90, 92, 98), (235, 40, 40))
    y += nav_h + m
    _put(d, (x0 + m, y), "Annotations", head, text)
    y += head.size * 1.5
    names = ctx_classes(ctx)
    names = [names[i] for i in rng.permutation(len(names))[: int(rng.integers(2, 5))]]
    for i, name in enumerate(names):
        if y + body.size * 1.4 > y1:
            return
        sw = body.size * 0.8
        d.rectangle(
            [x0 + m, y + body.size * 0.15, x0 + m + sw, y + body.size * 0.15 + sw], fill=ANNOTATION_COLOURS[i % 5]
        )
        label = f"{name.capitalize()} ({int(rng.integers(1, 30))})"
        _put(d, (x0 + m + sw * 1.6, y), _ellipsize(d, label, body, pw - 2 * m - sw * 1.6), body, text)
        y += body.size * 1.45
    y += m * 0.5
    props = [
        f"Pixel width {rng.uniform(0.24, 0.52):.4f} µm",
        f"Magnification {_pick(rng, ('20', '40'))}x",
        f"Width {int(rng.integers(40, 120)) * 1000} px",
        f"Height {int(rng.integers(30, 90)) * 1000} px",
        "Stain H&E",
    ]
    if y + head.size * 1.5 < y1:
        _put(d, (x0 + m, y), "Image", head, text)
        y += head.size * 1.5
    for line in props:
        if y + body.size * 1.4 > y1:
            return
        _put(d, (x0 + m, y), _ellipsize(d, line, body, pw - 2 * m), body, muted)
        y += body.size * 1.4


# ------------------------------------------------------------------------------------------
# the light viewer (held out)


def viewer_light(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> Chrome:
    """The held-out skin: light-grey UI, a tab bar of open slides, a toolbar with a zoom slider,
    a left column of slide properties with the thumbnail at its bottom, the viewport on the
    right; serif and STIX type, a scale bar on a white backing and arrows pointing at the tissue."""
    tissue = _tissue(ctx, "viewer_light")
    ui = _jitter(rng, (222, 223, 226), 4)
    ink, muted = (30, 32, 40), (96, 100, 110)
    tab, tb, bb, lw = (
        int(h * rng.uniform(0.055, 0.07)),
        int(h * rng.uniform(0.065, 0.08)),
        int(h * 0.035),
        int(w * rng.uniform(0.19, 0.23)),
    )
    viewport = (lw, tab + tb, w - lw, h - tab - tb - bb)
    img = Image.new("RGB", (w, h), ui)
    d = ImageDraw.Draw(img)
    _tab_bar(d, w, tab, rng, ui, ink)
    _toolbar_light(d, (0, tab, w, tab + tb), rng, ui, ink)
    column = (0, tab + tb, lw, h - bb)
    d.line([(lw - 1, tab + tb), (lw - 1, h - bb)], fill=_mix(ui, (0, 0, 0), 0.3))
    font = _font("serif", max(6, column[3] * 0.032))
    title = _font("serif", max(7, column[3] * 0.038), bold=True)
    m = lw * 0.07
    y = column[1] + m
    _put(d, (m, y), "Slide properties", title, ink)
    y += title.size * 1.6
    props = [
        f"Case {int(rng.integers(10, 25))}-{int(rng.integers(100, 999))}",
        f"Stain: {_pick(rng, ('PAS', 'PAS-D', 'H&E'))}",
        f"Scanned at {_pick(rng, ('20', '40'))}x",
        f"MPP {rng.uniform(0.22, 0.5):.3f}",
        f"Block {_pick(rng, 'ABC')}{int(rng.integers(1, 6))}",
    ]
    thumb_top = column[1] + (column[3] - column[1]) * 0.55
    for line in props:
        if y + font.size * 1.4 > thumb_top:
            break
        _put(d, (m, y), _ellipsize(d, line, font, lw - 2 * m), font, muted)
        y += font.size * 1.45
    d.rectangle(
        [m * 0.5, thumb_top, lw - m * 0.5, column[3] - m * 0.5], fill=(250, 250, 250), outline=_mix(ui, (0, 0, 0), 0.3)
    )
    _navigator(img, tissue, (m, thumb_top + m * 0.5, lw - m, column[3] - m), rng, (150, 150, 155), (30, 90, 220))
    d.rectangle([0, h - bb, w, h], fill=_mix(ui, (0, 0, 0), 0.08))
    _put(
        d,
        (w - m, h - bb / 2),
        f"{_pick(rng, ('Ready', 'Loaded', 'Tiles cached'))}  |  {int(rng.integers(1, 9))} annotations",
        _font("stix", bb * 0.62),
        muted,
        anchor="rm",
    )
    d.rectangle(
        [viewport[0], viewport[1], viewport[0] + viewport[2] - 1, viewport[1] + viewport[3] - 1], fill=(255, 255, 255)
    )
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    ld = ImageDraw.Draw(layer)
    _scale_bar(ld, viewport, rng, "stix", _pick(rng, ("tr", "br")), (0, 0, 0, 255), backing=(255, 255, 255, 220))
    vx, vy, vw, vh = viewport
    colour = _pick(rng, ((20, 20, 20), (250, 220, 0), (0, 170, 80), (230, 30, 30))) + (255,)
    label_font = _font("serif", vh * 0.04, italic=True)
    for _ in range(int(rng.integers(1, 4))):
        tip = np.array([vx + vw * rng.uniform(0.25, 0.7), vy + vh * rng.uniform(0.3, 0.75)])
        a = rng.uniform(0, 2 * np.pi)
        tail = tip + vh * rng.uniform(0.12, 0.22) * np.array([np.cos(a), np.sin(a)])
        _arrow(ld, tail, tip, colour, max(2, int(round(h / 150))), max(6, vh * 0.035))
        if rng.random() < 0.5:
            _put(
                ld,
                tuple(tail + [0, -label_font.size * 0.3]),
                _pick(rng, ("gland", "goblet cells", "see inset", "mucin")),
                label_font,
                colour,
                anchor="mb",
            )
    return Chrome(np.asarray(img).copy(), viewport, *_overlay(layer))


def _tab_bar(d, w: int, tab: int, rng: np.random.Generator, ui, ink) -> None:
    """Tabs for the open slides, the first one active and joined to the toolbar."""
    d.rectangle([0, 0, w, tab], fill=_mix(ui, (0, 0, 0), 0.12))
    font = _font("stix", tab * 0.48)
    x = tab * 0.3
    for i in range(int(rng.integers(2, 5))):
        case = f"{_pick(rng, ('S', 'H', 'P'))}{int(rng.integers(18, 25))}-{int(rng.integers(1000, 9999))}"
        name = f"{case}_{_pick(rng, 'ABCD')}{int(rng.integers(1, 9))}"
        tw = d.textlength(name, font=font) + tab * 1.4
        if x + tw > w - tab:
            break
        fill = ui if i == 0 else _mix(ui, (0, 0, 0), 0.06)
        d.rounded_rectangle(
            [x, tab * 0.15, x + tw, tab + 4], radius=tab * 0.2, fill=fill, outline=_mix(ui, (0, 0, 0), 0.3)
        )
        _put(d, (x + tab * 0.4, tab * 0.6), name, font, ink if i == 0 else (110, 110, 118), anchor="lm")
        cx = x + tw - tab * 0.45
        d.line([(cx - tab * 0.12, tab * 0.48), (cx + tab * 0.12, tab * 0.72)], fill=(120, 120, 126))
        d.line([(cx - tab * 0.12, tab * 0.72), (cx + tab * 0.12, tab * 0.48)], fill=(120, 120, 126))
        x += tw + 2
    d.rectangle([0, tab, w, tab], fill=ui)


def _toolbar_light(d, box: Box, rng: np.random.Generator, ui, ink) -> None:
    """Flat icons at the left, a zoom slider (track, knob, magnification) at the right."""
    x0, y0, x1, y1 = box
    tb = y1 - y0
    s = tb * 0.5
    x = x0 + tb * 0.35
    for kind in rng.permutation(10)[: int(rng.integers(5, 9))]:
        _icon(d, (x, y0 + (tb - s) / 2, x + s, y0 + (tb + s) / 2), int(kind), (70, 74, 84), max(1, int(tb / 26)))
        x += s + tb * 0.35
    d.line([(x0, y1 - 1), (x1, y1 - 1)], fill=_mix(ui, (0, 0, 0), 0.3))
    font = _font("stix", tb * 0.42)
    sx1 = x1 - tb * 1.6
    sx0 = max(x + tb * 0.5, sx1 - (x1 - x0) * 0.22)
    cy = y0 + tb / 2
    d.line([(sx0, cy), (sx1, cy)], fill=(140, 142, 150), width=max(2, int(tb / 14)))
    k = sx0 + (sx1 - sx0) * rng.uniform(0.1, 0.9)
    d.line([(sx0, cy), (k, cy)], fill=(40, 110, 210), width=max(2, int(tb / 14)))
    d.ellipse(
        [k - tb * 0.17, cy - tb * 0.17, k + tb * 0.17, cy + tb * 0.17], fill=(250, 250, 250), outline=(90, 92, 100)
    )
    _put(d, (x1 - tb * 0.3, cy), _pick(rng, ("2x", "5x", "10x", "20x", "40x")), font, ink, anchor="rm")


# ------------------------------------------------------------------------------------------
# webcam boxes


CORNERS = {"tl": (0, 0), "tr": (1, 0), "bl": (0, 1), "br": (1, 1)}


def _box_place(
    w: int, h: int, rng: np.random.Generator, corners: tuple[str, ...], aspect: float
) -> tuple[int, int, int, int]:
    """(x, y, bw, bh) of a webcam box 20-28% of the frame wide in one of `corners`, a small margin
    from the edges as meeting software leaves."""
    bw = int(w * rng.uniform(0.2, 0.28))
    bh = int(bw / aspect)
    m = int(w * rng.uniform(0.01, 0.025))
    cx, cy = CORNERS[_pick(rng, corners)]
    return (m if cx == 0 else w - m - bw), (m if cy == 0 else h - m - bh), bw, bh


def _presenter_box(bw: int, bh: int, rng: np.random.Generator) -> np.ndarray:
    """The presenter at box size inside a 2-pixel border."""
    box = np.empty((bh, bw, 3), np.uint8)
    box[:] = _pick(rng, ((245, 245, 245), (40, 40, 44), (60, 130, 230)))
    box[2:-2, 2:-2] = slides.presenter(bw - 4, bh - 4, rng)
    return box


def pip_over_tissue(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> Chrome:
    """Tissue full-screen (a shared microscope or viewer) with the lecturer's webcam in a bottom
    corner: the overlay is opaque in the box and clear everywhere else."""
    _tissue(ctx, "pip_over_tissue")
    x, y, bw, bh = _box_place(w, h, rng, ("bl", "br"), _pick(rng, (16 / 9, 4 / 3)))
    rgb = np.zeros((h, w, 3), np.uint8)
    alpha = np.zeros((h, w), np.float32)
    rgb[y : y + bh, x : x + bw] = _presenter_box(bw, bh, rng)
    alpha[y : y + bh, x : x + bw] = 1
    return Chrome(np.zeros((h, w, 3), np.uint8), (0, 0, w, h), rgb, alpha)


def pip_photo_over_tissue(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> Chrome:
    """The held-out webcam box: a real photo (the style's source) framed on the face, in a top
    corner, with rounded corners antialiased by drawing the mask four times larger."""
    _tissue(ctx, "pip_photo_over_tissue")
    x, y, bw, bh = _box_place(w, h, rng, ("tl", "tr"), _pick(rng, (16 / 9, 4 / 3, 1.0)))
    name = _pick(rng, ctx.sources or ("skimage:astronaut.png",))
    photo = crop_to_frame(
        load_source(name, ctx.raw_root),
        bw,
        bh,
        rng,
        zoom=rng.uniform(1.1, 1.5),
        focus=FACES.get(name, (0.5, 0.4)),
        wander=0.3,
    )
    photo = camera_look(photo, rng, blur=(0.5, 1.0), noise=(2, 4.5), cast=0.08)
    big = Image.new("L", (bw * 4, bh * 4), 0)
    ImageDraw.Draw(big).rounded_rectangle(
        [0, 0, bw * 4 - 1, bh * 4 - 1], radius=int(bh * 4 * rng.uniform(0.08, 0.16)), fill=255
    )
    mask = np.asarray(big.resize((bw, bh), Image.BOX), np.float32) / 255
    rgb = np.zeros((h, w, 3), np.uint8)
    alpha = np.zeros((h, w), np.float32)
    rgb[y : y + bh, x : x + bw] = photo
    alpha[y : y + bh, x : x + bw] = mask
    return Chrome(np.zeros((h, w, 3), np.uint8), (0, 0, w, h), rgb, alpha)


def pip_over_slide(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A bullet slide (one of the training slide renderers) with the webcam box in a corner: the
    same box as pip_over_tissue over a picture that is not tissue, so the box alone decides
    nothing."""
    painter = _pick(rng, (slides.text_slide_style, slide_styles.slide_dark))
    frame = painter(w, h, rng, ctx).copy()
    x, y, bw, bh = _box_place(w, h, rng, ("br", "tr", "bl"), _pick(rng, (16 / 9, 4 / 3)))
    frame[y : y + bh, x : x + bw] = _presenter_box(bw, bh, rng)
    return frame
