"""Cheap, explainable checks run on a frame before the histology classifier sees it.

A learned classifier trained on a few hundred labelled frames generalises poorly to the two
kinds of frame that fill lecture videos besides tissue, so two image-processing guards take
them out of its hands:

- `text_dominated`: a frame largely covered by horizontal lines of text (a bullet slide, a page
  of an article, a screen of prose or code) is not a histology frame, whatever its colours: a
  pink slide background or a purple heading must not pass for eosin and haematoxylin. Text
  lines are found as in classical scene-text detection: the morphological gradient of a
  downscaled grey image, thresholded, closed horizontally so the glyphs of a line join into one
  blob, and the connected components kept that have a text line's geometry (short, much wider
  than tall, near horizontal, filling their box) and content (dense glyph edges inside, but not
  solid like a rule; a flat background, grey or a clean band of colour such as a title bar).
  Tissue makes blobs too, but irregular ones on a textured, saturated background, which these
  tests reject. A line covers its box 1.5x as tall (its leading). Print under about 4 px high at
  640 px width (a page photographed whole) is not seen; the classifier still judges such frames.
- `tissue_region`: tissue shown inside viewer software is framed by application chrome (a
  toolbar, a side panel, a status bar): bands of flat colour along the frame's edges, broken only
  by a few icons or labels. Rows and columns that are mostly one colour are peeled off from the
  edges until textured content is reached; the rectangle left is the tissue, which the
  classifier then judges without the chrome around it. Tissue filling the frame (or anything
  that does not leave a clearly textured rectangle of at least 30% of the frame) gives None and
  the whole frame is classified as before.

Both work on a copy shrunk to a fixed size, so they cost a few milliseconds per frame, and
both are pure functions of the pixels.
"""

from __future__ import annotations

import cv2
import numpy as np

TEXT_WORK_WIDTH = 640  # frames are shrunk to this width (never enlarged) to look for text lines
REGION_WORK_SIDE = 320  # and to this long side to look for chrome (edges found to +-2 frame pixels at 640x360)
DEFAULT_TEXT_MAX_FRACTION = 0.12  # the text guard's default (frames.histology.text_max_fraction)


# ------------------------------------------------------------------------------------------
# text lines


def _check(rgb: np.ndarray) -> None:
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an 8-bit RGB image HxWx3, got {rgb.dtype} {rgb.shape}")


def _shrink(rgb: np.ndarray, long_side: int | None = None, width: int | None = None) -> tuple[np.ndarray, float]:
    h, w = rgb.shape[:2]
    s = (width / w) if width else (long_side / max(h, w))
    if s >= 1:
        return rgb, 1.0
    return cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA), s


TEXT_CLOSE = (70, 30)  # glyphs are joined with horizontal closings of width/70 and width/30 (word gaps)


def _text_line_rects(rgb: np.ndarray) -> tuple[list[tuple], float, tuple[int, int]]:
    """The rotated rectangles (cv2.minAreaRect form) of the text lines found, at work scale,
    the work scale, and the work image's (height, width)."""
    _check(rgb)
    small, s = _shrink(rgb, width=TEXT_WORK_WIDTH)
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    H, W = grey.shape
    grad = cv2.morphologyEx(grey, cv2.MORPH_GRADIENT, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    otsu, _ = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    edges = (grad > max(otsu, 28.0)).astype(np.uint8)
    chroma = None  # only the few lines on a not-quite-flat background need it
    rects, seen = [], set()
    for div in TEXT_CLOSE:
        k = max(3, round(W / div))
        closed = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
        # Block-based labelling (Grana's BBDT): the same components as the default scan, in
        # half the time; tissue makes thousands of them per frame.
        n, lab, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(closed, 8, cv2.CV_32S, cv2.CCL_BBDT)
        # cheap tests on the upright boxes first, all at once (a line tilted up to 20 degrees is still wide)
        _, _, w_, h_, a_ = stats[1:].T
        upright = (h_ >= 4) & (w_ >= 16) & (h_ <= 0.25 * H) & (w_ >= 1.5 * h_) & (a_ >= 20)
        for i in np.flatnonzero(upright) + 1:
            x, y, w, h, area = (int(v) for v in stats[i])
            if (x, y, w, h) in seen:
                continue
            seen.add((x, y, w, h))
            mask = lab[y : y + h, x : x + w] == i
            # dense glyph strokes inside (a rule or an underline is all edge, tissue is sparse)
            density = edges[y : y + h, x : x + w][mask].mean()
            if not 0.2 <= density <= 0.85:
                continue
            # The blob's outline has the same convex hull as all its pixels, so the same
            # minimal rectangle (to float rounding), for a tenth of the points.
            outline, _ = cv2.findContours(mask.view(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
            (cx, cy), (rw, rh), ang = cv2.minAreaRect(np.concatenate(outline).astype(np.float32))
            rw, rh = rw + 1, rh + 1
            if rh > rw:
                rw, rh, ang = rh, rw, ang - 90
            ang = (ang + 90) % 180 - 90
            # a line: short, much longer than tall, near horizontal, and its blob fills its box
            if not (4 <= rh <= 0.12 * H) or rw < 3 * rh or abs(ang) > 20 or area < 0.45 * rw * rh:
                continue
            # on a flat background: most pixels around the strokes are one colour, and that
            # colour is grey or the line sits on a clean band of colour (a title bar)
            box = small[y : y + h, x : x + w].astype(np.int16)
            med = np.median(box.reshape(-1, 3), axis=0)
            flat = (np.abs(box - med) <= 12).all(axis=2).mean()
            if flat < 0.5:
                continue
            if flat < 0.65:
                if chroma is None:
                    r, g, b = cv2.split(small)
                    chroma = cv2.subtract(cv2.max(cv2.max(r, g), b), cv2.min(cv2.min(r, g), b))
                if np.median(chroma[y : y + h, x : x + w]) > 60:
                    continue
            rects.append(((cx + x, cy + y), (rw, rh), ang))
    return rects, s, (H, W)


def text_line_boxes(rgb: np.ndarray) -> list[tuple[int, int, int, int]]:
    """The axis-aligned (x, y, w, h) boxes, in frame pixels, of the text lines found in `rgb`."""
    rects, s, _ = _text_line_rects(rgb)
    out = []
    for r in rects:
        x, y, w, h = cv2.boundingRect(cv2.boxPoints(r))
        out.append((round(x / s), round(y / s), round(w / s), round(h / s)))
    return out


LINE_LEADING = 1.5  # a line covers its glyph box and the space to the next line: 1.5x its height


def text_line_fraction(rgb: np.ndarray) -> float:
    """The fraction of the frame covered by its detected text lines: their (rotated) boxes, each
    LINE_LEADING times as tall as its glyphs, as set text takes that much of a page."""
    rects, _, (H, W) = _text_line_rects(rgb)
    mask = np.zeros((H, W), np.uint8)
    for centre, (rw, rh), ang in rects:
        cv2.fillPoly(mask, [np.round(cv2.boxPoints((centre, (rw, rh * LINE_LEADING), ang))).astype(np.int32)], 1)
    return float(mask.mean())


def text_dominated(rgb: np.ndarray, max_fraction: float = DEFAULT_TEXT_MAX_FRACTION) -> bool:
    """True when text lines cover more than `max_fraction` of the frame."""
    return text_line_fraction(rgb) > max_fraction


# ------------------------------------------------------------------------------------------
# application chrome


CHROME_FLAT_SHARE = 0.6  # a row/column is chrome when this share of its pixels is one colour
CHROME_TOL = 5  # levels (per channel) from the row's median that still count as that colour
MIN_REGION_AREA = 0.30
MAX_REGION_AREA = 0.97  # a rectangle this close to the whole frame is the frame
MAX_INSIDE_FLAT = 0.35  # the rectangle must be textured: its rows are mostly not one colour


def _flat_share(block: np.ndarray, axis: int) -> np.ndarray:
    """For each row (axis=1) or column (axis=0) of `block` (h, w, 3 int16): the share of its
    pixels within CHROME_TOL of its per-channel median."""
    med = np.median(block, axis=axis, keepdims=True)
    near = (np.abs(block - med) <= CHROME_TOL).all(axis=2)
    return near.mean(axis=axis)


_PEEL_STEP = 8  # lines judged per step when peeling flat bands off an edge


def _flat_lines(block: np.ndarray, axis: int, from_end: bool) -> int:
    """How many rows (axis=1) or columns (axis=0) of `block`, counted from its start (or its
    end), are chrome before the first that is not: the leading run of _flat_share >= CHROME_FLAT_SHARE.
    Judged a few lines at a time from the edge inwards, because most frames have no chrome and
    stop at the first line; judging every line of the frame cost more than the classifier's guard
    is worth."""
    lines = block if axis == 1 else block.transpose(1, 0, 2)
    if from_end:
        lines = lines[::-1]
    n = len(lines)
    for i in range(0, n, _PEEL_STEP):
        flat = _flat_share(lines[i : i + _PEEL_STEP], axis=1) >= CHROME_FLAT_SHARE
        if not flat.all():
            return i + int(np.argmin(flat))
    return n


def tissue_region(rgb: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x, y, w, h) of the textured rectangle left when bands of flat colour (toolbars, side
    panels, status bars) are peeled off the frame's edges, or None when that is the whole frame,
    less than MIN_REGION_AREA of it, or not textured."""
    _check(rgb)
    small, s = _shrink(rgb, long_side=REGION_WORK_SIDE)
    img = small.astype(np.int16)
    H, W = img.shape[:2]
    x0, y0, x1, y1 = 0, 0, W, H
    changed = True
    while changed and x1 - x0 > 2 and y1 - y0 > 2:
        changed = False
        block = img[y0:y1, x0:x1]
        top = _flat_lines(block, 1, False)
        if top == y1 - y0:
            return None  # flat all the way: no picture here
        left = _flat_lines(block, 0, False)
        if left == x1 - x0:
            return None
        bottom, right = _flat_lines(block, 1, True), _flat_lines(block, 0, True)
        if top or bottom or left or right:
            y0, y1, x0, x1 = y0 + top, y1 - bottom, x0 + left, x1 - right
            changed = True
    area = (x1 - x0) * (y1 - y0) / (W * H)
    if not MIN_REGION_AREA <= area <= MAX_REGION_AREA:
        return None
    if _flat_share(img[y0:y1, x0:x1], axis=1).mean() > MAX_INSIDE_FLAT:
        return None
    fh, fw = rgb.shape[:2]
    X0, Y0 = round(x0 / s), round(y0 / s)
    X1, Y1 = min(fw, round(x1 / s)), min(fh, round(y1 / s))
    return X0, Y0, X1 - X0, Y1 - Y0
