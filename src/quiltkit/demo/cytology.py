"""Cytology: cells smeared on glass rather than tissue cut in sections.

A smear is still "histology" for the classifier (a stained preparation under the microscope) but
it breaks the look an H&E-trained eye relies on: no architecture, no pink stroma, mostly bright
empty glass with single cells and a few clusters lying on it. Two stains, two renderers:

- Papanicolaou (train): flat squamous cells, big thin polygons of cytoplasm stained blue-green by
  light green or orange-pink by eosin and orange G, each with a small dark nucleus, overlapping
  like fallen leaves, plus clusters of smaller cells, inflammatory cells and mucus strands;
- Giemsa / Diff-Quik (held-out): a blood or aspirate film, a carpet of pink red cells with pale
  centres and many round white cells (lymphocytes, lobed neutrophils, a few monocytes) with
  purple-blue nuclei and pale blue cytoplasm.

As in tissue.py we paint dye *amounts*, one map per dye, and let Beer-Lambert turn them into
colour (I = 255 * exp(-sum_k map_k * vec_k)). That is what makes overlaps right for free: two
sheets of cytoplasm on top of each other absorb twice, so the overlap is darker and mixes hue,
which is exactly how thin cells on a real smear look. The dye vectors below are our own, chosen
for the transmitted colour each dye gives at moderate density.

Each painter returns a picture 1.6x the frame each side, so the renderer can pan and zoom over it
as a stage would move; cell sizes follow ctx.magnification and the frame height.
"""

from __future__ import annotations

import cv2
import numpy as np

from quiltkit.demo.slide_styles import _linear_t
from quiltkit.demo.styles import PaintContext
from quiltkit.demo.tissue import MAGNIFICATION_SCALE, _blob, smooth_noise

# Optical density per unit dye (R, G, B). Light green absorbs red (cells look cyan-green),
# eosin absorbs green (pink), orange G absorbs blue (orange), haematoxylin most of all (blue-black).
PAP = {
    "hematoxylin": np.array([0.80, 0.78, 0.34], np.float32),
    "light_green": np.array([0.90, 0.22, 0.40], np.float32),
    "eosin": np.array([0.10, 0.78, 0.42], np.float32),
    "orange_g": np.array([0.05, 0.42, 0.95], np.float32),
}
# Giemsa: azure-eosinate stains chromatin purple, methylene blue the cytoplasm blue, eosin the
# red cells pink; neutrophil granules take a faint lilac.
GIEMSA = {
    "azure": np.array([0.62, 1.00, 0.28], np.float32),
    "methylene_blue": np.array([0.75, 0.32, 0.08], np.float32),
    "eosin": np.array([0.07, 0.60, 0.38], np.float32),
}
PICTURE_SCALE = 1.6  # the picture's side over the frame's: room for the stage to move


class Dyes:
    """One float32 amount map per dye, and the two ways we draw into them: polygons added in
    their bounding box (overlaps add, as absorbance does), and discs stamped many at a time."""

    def __init__(self, h: int, w: int, names):
        self.h, self.w = h, w
        self.maps = {k: np.zeros((h, w), np.float32) for k in names}

    def add_poly(self, dye: str, pts: np.ndarray, amount: float, edge: float = 0.0) -> None:
        """Add `amount` inside the polygon, and `edge` more along its outline (a folded or
        thickened cell border), working only in the polygon's bounding box."""
        x0, y0 = np.floor(pts.min(0)).astype(int) - 2
        x1, y1 = np.ceil(pts.max(0)).astype(int) + 3
        bx0, by0, bx1, by1 = max(0, x0), max(0, y0), min(self.w, x1), min(self.h, y1)
        if bx0 >= bx1 or by0 >= by1:
            return
        patch = np.zeros((y1 - y0, x1 - x0), np.float32)
        p = [np.round((pts - [x0, y0]) * 4).astype(np.int32)]
        cv2.fillPoly(patch, p, float(amount), cv2.LINE_AA, 2)
        if edge:
            cv2.polylines(patch, p, True, float(amount + edge), 1, cv2.LINE_AA, 2)
        self.maps[dye][by0:by1, bx0:bx1] += patch[by0 - y0 : by1 - y0, bx0 - x0 : bx1 - x0]

    def ellipse(self, dye: str, cx, cy, ax, ay, angle, amount: float) -> None:
        """Set (not add) a filled ellipse: a nucleus is opaque to what lies under it."""
        cv2.ellipse(
            self.maps[dye],
            (int(cx * 4), int(cy * 4)),
            (max(1, int(ax * 4)), max(1, int(ay * 4))),
            float(angle),
            0,
            360,
            float(amount),
            -1,
            cv2.LINE_AA,
            2,
        )

    def discs(self, dye: str, xs, ys, r, amount, pallor: float = 0.0) -> None:
        """Thousands of round cells at once (a blood film's red cells): the radii are quantised
        to half pixels, and for each radius one offset table with its radial profile (a dip in
        the middle for the red cell's pale centre) is scattered for all its cells by one numpy
        assignment instead of a cv2 call per cell."""
        m = self.maps[dye]
        q = np.maximum(2, np.round(np.asarray(r) * 2)).astype(np.int32)
        amount = np.broadcast_to(np.asarray(amount, np.float32), q.shape)
        for qr in np.unique(q):
            sel = q == qr
            rad = qr / 2
            k = int(np.ceil(rad))
            yy, xx = np.mgrid[-k : k + 1, -k : k + 1].astype(np.float32)
            d = np.hypot(xx, yy) / rad
            inside = d <= 1.0
            prof = (1 - pallor * np.exp(-((d[inside] / 0.45) ** 2))) * np.clip((1 - d[inside]) * rad * 1.5, 0.35, 1)
            Y = np.round(np.asarray(ys)[sel])[:, None].astype(np.int32) + yy[inside].astype(np.int32)[None]
            X = np.round(np.asarray(xs)[sel])[:, None].astype(np.int32) + xx[inside].astype(np.int32)[None]
            ok = (Y >= 0) & (Y < self.h) & (X >= 0) & (X < self.w)
            m[Y[ok], X[ok]] = (amount[sel][:, None] * prof[None])[ok]

    def to_rgb(
        self,
        vectors: dict[str, np.ndarray],
        rng: np.random.Generator,
        scale: float,
        background: float,
        blur: float = 0.7,
    ) -> np.ndarray:
        """Beer-Lambert: absorbance adds over dyes, with a little uneven stain uptake (grain) and
        the faint absorbance of glass and mountant everywhere."""
        od = np.zeros((self.h, self.w, 3), np.float32)
        for k, m in self.maps.items():
            od += cv2.GaussianBlur(m, (0, 0), blur)[..., None] * vectors[k]
        od *= (1 + smooth_noise(rng, self.h, self.w, 3.0 * max(scale, 0.5), 0.08))[..., None]
        od += background + smooth_noise(rng, self.h, self.w, 150 * max(scale, 0.5), 0.012)[..., None]
        return np.clip(255.0 * np.exp(-np.maximum(od, 0)), 0, 255).astype(np.uint8)


def _scale(h: int, ctx: PaintContext) -> float:
    """Pixels per unit of cell size: the magnification (as tissue.py) times the frame height, so a
    cell fills the same share of a small frame as of a large one."""
    return MAGNIFICATION_SCALE.get(ctx.magnification or "medium", 1.0) * h / 360


def _picture_size(w: int, h: int) -> tuple[int, int]:
    return int(h * PICTURE_SCALE), int(w * PICTURE_SCALE)


def _smear_centres(rng: np.random.Generator, H: int, W: int, n: int, clumps: int, spread: float) -> np.ndarray:
    """Where cells land on a smear: not uniform, but in streaks and patches where the spatula or
    brush left more material, with thin areas between. A mixture of a uniform share and Gaussian
    patches around a few centres."""
    uniform = rng.uniform(0, 1, (n // 3, 2)) * [W, H]
    centres = rng.uniform(0, 1, (clumps, 2)) * [W, H]
    pick = rng.integers(0, clumps, n - len(uniform))
    patchy = centres[pick] + rng.normal(0, spread, (len(pick), 2)) * [W, H]
    return np.concatenate([uniform, patchy]).astype(np.float32)


# ------------------------------------------------------------------------------------------
# Papanicolaou


def _squame(rng: np.random.Generator, cx: float, cy: float, r: float) -> np.ndarray:
    """A flat squamous cell: a convex-ish polygon of 5-8 corners, some sides straight (cells pressed
    against their neighbours in the epithelium), a little stretched."""
    n = int(rng.integers(5, 9))
    t = (np.arange(n) + rng.uniform(-0.3, 0.3, n)) * 2 * np.pi / n + rng.uniform(0, 2 * np.pi)
    rr = r * rng.uniform(0.75, 1.15, n)
    elong, a = rng.uniform(1.0, 1.5), rng.uniform(0, np.pi)
    x, y = rr * np.cos(t) * elong, rr * np.sin(t)
    return np.stack([cx + x * np.cos(a) - y * np.sin(a), cy + x * np.sin(a) + y * np.cos(a)], 1).astype(np.float32)


def pap_smear(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A Pap smear: superficial (orange-pink, pyknotic nucleus) and intermediate (blue-green,
    larger vesicular nucleus) squames scattered in patches, a few clusters of small crowded
    parabasal or endocervical cells, neutrophils, and faint mucus strands."""
    H, W = _picture_size(w, h)
    s = _scale(h, ctx)
    dy = Dyes(H, W, PAP)
    r_cell = 24 * s
    coverage = rng.uniform(0.35, 0.6)
    n = max(12, int(coverage * H * W / (np.pi * r_cell**2 * 1.1)))
    pts = _smear_centres(rng, H, W, n, int(rng.integers(3, 7)), rng.uniform(0.1, 0.2))
    pink_share = rng.uniform(0.3, 0.6)
    kinds = rng.random(n) < pink_share
    kinds[:2], kinds[2:4] = True, False  # both colours on every slide
    for (cx, cy), pink in zip(pts, kinds):
        r = r_cell * rng.uniform(0.75, 1.25)
        poly = _squame(rng, cx, cy, r)
        amount = rng.uniform(0.3, 0.6)
        if pink:
            dy.add_poly("eosin", poly, amount, edge=0.15)
            if rng.random() < 0.4:
                dy.add_poly("orange_g", poly, amount * rng.uniform(0.4, 1.0))
        else:
            dy.add_poly("light_green", poly, amount, edge=0.15)
        if rng.random() < 0.25:  # a fold across the cell
            i, j = rng.choice(len(poly), 2, replace=False)
            dy.add_poly(
                "eosin" if pink else "light_green",
                np.stack([poly[i], poly[j], (poly[i] + poly[j]) / 2 + 1]),
                0,
                edge=0.25,
            )
        nr = s * (rng.uniform(1.8, 2.6) if pink else rng.uniform(3.0, 4.2))  # pyknotic vs vesicular
        ncx, ncy = cx + rng.normal(0, r * 0.12), cy + rng.normal(0, r * 0.12)
        dy.ellipse(
            "hematoxylin",
            ncx,
            ncy,
            nr * rng.uniform(1.0, 1.25),
            nr,
            rng.uniform(0, 180),
            rng.uniform(1.4, 2.0) if pink else rng.uniform(0.8, 1.2),
        )
    for _ in range(int(rng.integers(2, 5))):  # clusters of small cells, crowded and overlapping
        ccx, ccy = rng.uniform(0.1, 0.9) * W, rng.uniform(0.1, 0.9) * H
        for _ in range(int(rng.integers(8, 20))):
            cx, cy = ccx + rng.normal(0, 12 * s), ccy + rng.normal(0, 12 * s)
            r = rng.uniform(7, 10) * s
            dy.add_poly("light_green", _blob(rng, cx, cy, r, 0.15, n=16).astype(np.float32), rng.uniform(0.35, 0.6))
            dy.ellipse("hematoxylin", cx, cy, r * 0.5, r * 0.42, rng.uniform(0, 180), rng.uniform(0.9, 1.3))
    m = int(rng.integers(20, 80) * W * H / 1e6)
    for cx, cy in rng.uniform(0, 1, (m, 2)) * [W, H]:  # neutrophils: two or three tiny dark lobes
        for _ in range(int(rng.integers(2, 4))):
            dy.ellipse(
                "hematoxylin",
                cx + rng.normal(0, 1.6 * s),
                cy + rng.normal(0, 1.6 * s),
                1.3 * s,
                1.1 * s,
                0,
                rng.uniform(1.2, 1.7),
            )
    _mucus(dy, rng, s)
    return dy.to_rgb(PAP, rng, s, background=rng.uniform(0.015, 0.045))


def _mucus(dy: Dyes, rng: np.random.Generator, s: float) -> None:
    """Mucus: long faint wavy strands, pale blue-green or pink, drawn as polylines and blurred
    (they are out of the focal plane of the cells)."""
    layer = np.zeros((dy.h, dy.w), np.float32)
    for _ in range(int(rng.integers(2, 7))):
        p = rng.uniform(0, 1, 2) * [dy.w, dy.h]
        a = rng.uniform(0, 2 * np.pi)
        pts = [p.copy()]
        for _ in range(40):
            a += rng.normal(0, 0.18)
            p = p + 10 * s * np.array([np.cos(a), np.sin(a)])
            pts.append(p.copy())
        cv2.polylines(
            layer,
            [np.round(np.array(pts)).astype(np.int32)],
            False,
            float(rng.uniform(0.08, 0.18)),
            max(1, int(rng.uniform(2, 6) * s)),
            cv2.LINE_AA,
        )
    dy.maps["light_green" if rng.random() < 0.6 else "eosin"] += cv2.GaussianBlur(layer, (0, 0), 2.5 * s)


# ------------------------------------------------------------------------------------------
# Giemsa / Diff-Quik


def giemsa_smear(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A Giemsa-stained film: red cells packed in the thick part and sparse in the thin (a smear
    thins along its length), and over them many white cells: lymphocytes (a round purple nucleus
    filling the cell, a rim of blue cytoplasm), neutrophils (three to five lobes in lilac
    cytoplasm) and a few large monocytes with folded nuclei."""
    H, W = _picture_size(w, h)
    s = _scale(h, ctx)
    dy = Dyes(H, W, GIEMSA)
    r_rbc = 6.5 * s
    thick = _linear_t(W, H, rng.uniform(0, 2 * np.pi))  # 0 thin end .. 1 thick end
    density = rng.uniform(0.25, 0.5) * (0.4 + 0.9 * thick) + smooth_noise(rng, H, W, 120 * s, 0.08)
    n = int(density.mean() * H * W / (np.pi * r_rbc**2))
    xs, ys = rng.uniform(0, W, n * 2), rng.uniform(0, H, n * 2)
    keep = rng.random(n * 2) < np.clip(density[ys.astype(int), xs.astype(int)], 0, 1) / max(float(density.max()), 1e-6)
    xs, ys = xs[keep][:n], ys[keep][:n]
    dy.discs(
        "eosin",
        xs,
        ys,
        r_rbc * rng.uniform(0.85, 1.1, len(xs)),
        rng.uniform(0.45, 0.7, len(xs)),
        pallor=rng.uniform(0.4, 0.7),
    )
    n_wbc = int(rng.uniform(40, 100) * H * W / 1e6 / max(s, 0.3) ** 2 * 3)
    for cx, cy in _smear_centres(rng, H, W, n_wbc, int(rng.integers(2, 6)), 0.25):
        kind = rng.choice(3, p=[0.6, 0.3, 0.1])
        if kind == 0:  # lymphocyte
            r = rng.uniform(6, 8.5) * s
            dy.add_poly("methylene_blue", _blob(rng, cx, cy, r, 0.05, n=20).astype(np.float32), rng.uniform(0.25, 0.45))
            dy.ellipse(
                "azure",
                cx + rng.normal(0, r * 0.08),
                cy + rng.normal(0, r * 0.08),
                r * 0.8,
                r * 0.74,
                rng.uniform(0, 180),
                rng.uniform(1.0, 1.5),
            )
            y0, y1, x0, x1 = (
                int(np.clip(v, 0, lim)) for v, lim in ((cy - r, H), (cy + r, H), (cx - r, W), (cx + r, W))
            )
            dy.maps["eosin"][y0:y1, x0:x1] *= 0.3  # it lies on top: the red cells under it do not show
        elif kind == 1:  # neutrophil
            r = rng.uniform(10, 13) * s
            dy.add_poly("eosin", _blob(rng, cx, cy, r, 0.05, n=24).astype(np.float32), rng.uniform(0.12, 0.2))
            dy.add_poly("methylene_blue", _blob(rng, cx, cy, r, 0.05, n=24).astype(np.float32), rng.uniform(0.1, 0.18))
            a0 = rng.uniform(0, 2 * np.pi)
            for k in range(int(rng.integers(3, 6))):
                a = a0 + k * rng.uniform(1.0, 1.5)
                dy.ellipse(
                    "azure",
                    cx + np.cos(a) * r * 0.42,
                    cy + np.sin(a) * r * 0.42,
                    r * 0.28,
                    r * 0.22,
                    np.degrees(a),
                    rng.uniform(1.0, 1.4),
                )
        else:  # monocyte: large, grey-blue cytoplasm, a folded kidney-shaped nucleus
            r = rng.uniform(13, 17) * s
            dy.add_poly("methylene_blue", _blob(rng, cx, cy, r, 0.1, n=24).astype(np.float32), rng.uniform(0.3, 0.45))
            nuc = _blob(rng, cx, cy, r * 0.6, 0.25, n=24, elong=1.3, angle=rng.uniform(0, np.pi)).astype(np.float32)
            dy.add_poly("azure", nuc, rng.uniform(0.7, 1.0))
    return dy.to_rgb(GIEMSA, rng, s, background=rng.uniform(0.02, 0.05), blur=0.6)
