"""Procedural H&E tissue, one renderer per class.

We paint *stain densities*, not colours: a haematoxylin map (nuclei, mucin) and an eosin map
(cytoplasm, collagen, debris), and turn them into RGB with the Beer-Lambert model that
colour-deconvolution assumes (I = 255 * exp(-(H*h + E*e))). That is why the result has the
purple-on-pink look of a real slide, why stain strength can vary per shot by scaling two numbers,
and why white lumina and fat simply are "no stain".

All sizes are multiplied by `scale` (pixels per micron-ish unit), so one renderer serves low,
medium and high magnification: at low power there are many small crypts, at high power a few
large ones with visible nuclear detail. Everything is driven by the numpy Generator passed in,
so a texture is a pure function of (class, seed, size, scale, stain).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Ruifrok & Johnston optical-density vectors (R, G, B) for haematoxylin and eosin.
H_VEC = np.array([0.65, 0.70, 0.29], np.float32)
E_VEC = np.array([0.07, 0.99, 0.11], np.float32)

MAGNIFICATION_SCALE = {"low": 0.55, "medium": 1.0, "high": 1.7}


@dataclass(frozen=True)
class Stain:
    """Per-shot staining: how strong each dye is and a small hue drift of each vector."""

    h: float = 1.0
    e: float = 1.0
    h_shift: tuple[float, float, float] = (0.0, 0.0, 0.0)
    e_shift: tuple[float, float, float] = (0.0, 0.0, 0.0)
    background: float = 0.03  # faint overall OD: glass and mountant are never perfectly white

    @staticmethod
    def random(rng: np.random.Generator) -> "Stain":
        return Stain(
            h=float(rng.uniform(0.75, 1.3)),
            e=float(rng.uniform(0.7, 1.3)),
            h_shift=tuple(float(x) for x in rng.normal(0, 0.05, 3)),
            e_shift=tuple(float(x) for x in rng.normal(0, 0.05, 3)),
            background=float(rng.uniform(0.01, 0.06)),
        )


class Canvas:
    """Two float32 density maps plus helpers to draw into them."""

    def __init__(self, h: int, w: int):
        self.h, self.w = h, w
        self.H = np.zeros((h, w), np.float32)
        self.E = np.zeros((h, w), np.float32)

    def fill_poly(self, pts: np.ndarray, hval: float | None, evalue: float | None) -> None:
        p = [np.round(pts).astype(np.int32)]
        if hval is not None:
            cv2.fillPoly(self.H, p, float(hval), lineType=cv2.LINE_AA)
        if evalue is not None:
            cv2.fillPoly(self.E, p, float(evalue), lineType=cv2.LINE_AA)

    def ellipse(self, cx, cy, ax, ay, angle, hval=None, evalue=None) -> None:
        c = (int(cx * 4 + 0.5), int(cy * 4 + 0.5))
        axes = (max(1, int(ax * 4 + 0.5)), max(1, int(ay * 4 + 0.5)))
        # shift=2: quarter-pixel precision so small nuclei are round, not blocky
        if hval is not None:
            cv2.ellipse(self.H, c, axes, float(angle), 0, 360, float(hval), -1, cv2.LINE_AA, 2)
        if evalue is not None:
            cv2.ellipse(self.E, c, axes, float(angle), 0, 360, float(evalue), -1, cv2.LINE_AA, 2)

    def stamp(self, xs, ys, ax, ay, angle, hval=None, evalue=None) -> None:
        """Many filled ellipses at once: thousands of nuclei per texture would cost a Python-level
        cv2.ellipse call each, so we quantise (axes, angle) into a few footprint templates and
        scatter each template's pixels for all its nuclei with one numpy assignment."""
        n = len(xs)
        if n == 0:
            return
        xs, ys = np.asarray(xs, np.float32), np.asarray(ys, np.float32)
        qa = np.maximum(1, np.round(np.broadcast_to(ax, (n,)) * 2)).astype(np.int32)  # half-pixel steps
        qb = np.maximum(1, np.round(np.broadcast_to(ay, (n,)) * 2)).astype(np.int32)
        qt = (np.round(np.broadcast_to(angle, (n,)) / 15.0).astype(np.int32)) % 12
        hv = None if hval is None else np.broadcast_to(np.asarray(hval, np.float32), (n,))
        ev = None if evalue is None else np.broadcast_to(np.asarray(evalue, np.float32), (n,))
        key = (qa * 1000 + qb) * 16 + qt
        order = np.argsort(key, kind="stable")
        keys, starts = np.unique(key[order], return_index=True)
        bounds = list(starts[1:]) + [n]
        for k, a, b in zip(keys, starts, bounds):
            idx = order[a:b]
            dy, dx = _footprint(int(k // 16 // 1000), int(k // 16 % 1000), int(k % 16))
            Y = np.round(ys[idx])[:, None].astype(np.int32) + dy[None, :]
            X = np.round(xs[idx])[:, None].astype(np.int32) + dx[None, :]
            ok = (Y >= 0) & (Y < self.h) & (X >= 0) & (X < self.w)
            if hv is not None:
                self.H[Y[ok], X[ok]] = np.broadcast_to(hv[idx][:, None], Y.shape)[ok]
            if ev is not None:
                self.E[Y[ok], X[ok]] = np.broadcast_to(ev[idx][:, None], Y.shape)[ok]

    def to_rgb(
        self,
        stain: Stain,
        rng: np.random.Generator,
        vectors: tuple[np.ndarray, np.ndarray] | None = None,
        extra_od: np.ndarray | None = None,
    ) -> np.ndarray:
        """The two density maps through Beer-Lambert. `vectors` swaps the dyes (a counterstain and
        a chromogen for IHC, PAS's magenta, ...) and `extra_od` adds a third dye's optical density
        (h, w, 3) before the grain, as a trichrome's collagen blue."""
        h_vec, e_vec = vectors if vectors is not None else (H_VEC, E_VEC)
        Hm = cv2.GaussianBlur(self.H, (0, 0), 0.8)
        Em = cv2.GaussianBlur(self.E, (0, 0), 0.6)
        grain = smooth_noise(rng, self.h, self.w, 2.0, 0.06) + 1.0
        hv = np.clip(h_vec + np.array(stain.h_shift, np.float32), 0.05, 1.2) * stain.h
        ev = np.clip(e_vec + np.array(stain.e_shift, np.float32), 0.02, 1.2) * stain.e
        od = Hm[..., None] * hv + Em[..., None] * ev
        if extra_od is not None:
            od = od + extra_od
        od = od * grain[..., None] + stain.background
        return np.clip(255.0 * np.exp(-od), 0, 255).astype(np.uint8)


_FOOTPRINTS: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] = {}


def _footprint(qa: int, qb: int, qt: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets inside an ellipse with semi-axes qa/2, qb/2 rotated by qt*15 degrees."""
    k = (qa, qb, qt)
    if k not in _FOOTPRINTS:
        a, b, t = qa / 2, qb / 2, np.radians(qt * 15)
        r = int(np.ceil(max(a, b))) + 1
        yy, xx = np.mgrid[-r : r + 1, -r : r + 1].astype(np.float32)
        u = xx * np.cos(t) + yy * np.sin(t)
        v = -xx * np.sin(t) + yy * np.cos(t)
        m = (u / a) ** 2 + (v / b) ** 2 <= 1.0
        if not m.any():
            m[r, r] = True
        _FOOTPRINTS[k] = (yy[m].astype(np.int32), xx[m].astype(np.int32))
    return _FOOTPRINTS[k]


def smooth_noise(rng: np.random.Generator, h: int, w: int, cell: float, amp: float) -> np.ndarray:
    """Band-limited noise: random values on a coarse grid, upsampled smoothly."""
    gh, gw = max(2, int(h / cell) + 2), max(2, int(w / cell) + 2)
    small = rng.standard_normal((gh, gw)).astype(np.float32)
    big = cv2.resize(small, (int(gw * cell), int(gh * cell)), interpolation=cv2.INTER_CUBIC)
    return big[:h, :w] * amp


def _jittered_grid(rng, h, w, spacing, jitter, hexagonal=True):
    ys = np.arange(-spacing, h + spacing, spacing * (0.866 if hexagonal else 1.0))
    pts = []
    for i, y in enumerate(ys):
        off = spacing / 2 if (hexagonal and i % 2) else 0.0
        for x in np.arange(-spacing + off, w + spacing, spacing):
            pts.append((x, y))
    pts = np.array(pts, np.float32)
    return pts + rng.normal(0, jitter, pts.shape).astype(np.float32)


def _blob(rng, cx, cy, r, irregularity, n=28, elong=1.0, angle=0.0):
    """A closed outline around (cx, cy): a circle when irregularity is 0, a lumpy gland above."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    k = np.arange(1, 5)
    coef = rng.normal(0, irregularity, (4, 2)) / k[:, None]
    rr = r * (1 + (coef[:, :1] * np.cos(np.outer(k, t)) + coef[:, 1:] * np.sin(np.outer(k, t))).sum(0))
    rr = np.maximum(rr, r * 0.3)
    x, y = rr * np.cos(t) * elong, rr * np.sin(t)
    ca, sa = np.cos(angle), np.sin(angle)
    return np.stack([cx + x * ca - y * sa, cy + x * sa + y * ca], 1)


def _fibres(
    cv: Canvas, rng, scale, ang, spacing=7.0, length=60.0, strength=0.25, wave=0.35, width=(1, 2)
) -> np.ndarray:
    """Collagen: many wavy fibres traced along a smooth direction field, drawn as antialiased
    polylines. Tracing is vectorised over fibres; one cv2.polylines call per thickness."""
    m = int(cv.h * cv.w / (spacing * scale) ** 2)
    x = rng.uniform(-20, cv.w + 20, m).astype(np.float32)
    y = rng.uniform(-20, cv.h + 20, m).astype(np.float32)
    phase = rng.uniform(0, 2 * np.pi, m)
    steps = max(4, int(length / 4))
    step = 4.0 * scale
    pts = np.empty((steps, m, 2), np.float32)
    for k in range(steps):
        pts[k, :, 0], pts[k, :, 1] = x, y
        a = ang[np.clip(y, 0, cv.h - 1).astype(int), np.clip(x, 0, cv.w - 1).astype(int)] + wave * np.sin(
            k * 0.7 + phase
        )
        x = x + np.cos(a) * step
        y = y + np.sin(a) * step
    fib = np.zeros((cv.h, cv.w), np.float32)
    thick = rng.integers(width[0], width[1] + 1, m)
    val = rng.uniform(0.5, 1.0, m).astype(np.float32)
    curves = np.round(np.transpose(pts, (1, 0, 2)) * 4).astype(np.int32)
    for t in range(width[0], width[1] + 1):
        for lvl in (0.6, 0.85, 1.0):  # a few intensity levels: polylines takes one colour per call
            sel = (thick == t) & (np.abs(val - lvl) <= 0.125)
            if sel.any():
                cv2.polylines(fib, list(curves[sel]), False, float(lvl), int(max(1, round(t * scale))), cv2.LINE_AA, 2)
    return strength * cv2.GaussianBlur(fib, (0, 0), 0.6)


def _stroma(cv: Canvas, rng, scale, level=0.45, fibre=0.18, wavelength=14.0):
    """Eosinophilic background with a fibrillar texture (collagen / lamina propria)."""
    ang = smooth_noise(rng, cv.h, cv.w, 90 * scale, 1.2)
    cv.E += level * (1 - fibre) + smooth_noise(rng, cv.h, cv.w, 30 * scale, 0.05)
    cv.E += _fibres(cv, rng, scale, ang, spacing=wavelength * 0.6, length=40, strength=level * fibre * 2.0)
    return ang


def _scatter_nuclei(cv, rng, scale, density, r=(2.0, 2.8), h=(1.0, 1.4), elong=(1.0, 1.3), mask=None):
    """Randomly placed small nuclei (lymphocytes, plasma cells), optionally only where mask>0."""
    n = int(density * cv.h * cv.w / (100 * scale) ** 2 * 100)
    xs = rng.uniform(0, cv.w, n)
    ys = rng.uniform(0, cv.h, n)
    rs = rng.uniform(*r, n) * scale
    hs = rng.uniform(*h, n)
    el = rng.uniform(*elong, n)
    an = rng.uniform(0, 180, n)
    if mask is not None:
        keep = mask[np.minimum(cv.h - 1, ys.astype(int)), np.minimum(cv.w - 1, xs.astype(int))] > 0
        xs, ys, rs, hs, el, an = xs[keep], ys[keep], rs[keep], hs[keep], el[keep], an[keep]
    cv.stamp(xs, ys, rs * el, rs, an, hval=hs)


def _ellipse_ring(cx, cy, a, b, theta, spacing, jitter, rng):
    """Evenly spaced points on an ellipse (semi-axes a, b, rotated theta) and the angle of the
    outward normal at each: columnar nuclei and goblet cells stand perpendicular to the wall."""
    perim = np.pi * (3 * (a + b) - np.sqrt((3 * a + b) * (a + 3 * b)))
    n = max(6, int(perim / spacing))
    t = 2 * np.pi * np.arange(n) / n + rng.normal(0, jitter, n)
    x, y = a * np.cos(t), b * np.sin(t)
    nx, ny = np.cos(t) / a, np.sin(t) / b
    ct, st = np.cos(theta), np.sin(theta)
    return cx + x * ct - y * st, cy + x * st + y * ct, np.degrees(np.arctan2(nx * st + ny * ct, nx * ct - ny * st))


# --------------------------------------------------------------------------------------------
# one function per class; each paints into a Canvas


def _crypt_centres(rng, cv, spacing, longitudinal):
    """Cross-sections sit on a hexagonal lattice; longitudinal sections (test tubes in a rack)
    on a rotated rectangular one with the long axes parallel."""
    if not longitudinal:
        return _jittered_grid(rng, cv.h, cv.w, spacing, spacing * 0.04), None
    theta = rng.uniform(0, np.pi)
    along, across = spacing * 4.6, spacing * 0.95
    ext = np.hypot(cv.h, cv.w) / 2 + along
    us, vs = np.meshgrid(np.arange(-ext, ext, along), np.arange(-ext, ext, across))
    us = us + (np.arange(us.shape[0])[:, None] % 2) * along / 2  # stagger neighbouring rows
    ct, st = np.cos(theta), np.sin(theta)
    x = cv.w / 2 + us * ct - vs * st
    y = cv.h / 2 + us * st + vs * ct
    keep = (x > -along) & (x < cv.w + along) & (y > -along) & (y < cv.h + along)
    pts = np.stack([x[keep], y[keep]], 1) + rng.normal(0, spacing * 0.03, (int(keep.sum()), 2))
    return pts, theta


def _normal_mucosa(cv: Canvas, rng, scale):
    _stroma(cv, rng, scale, level=0.38, fibre=0.08)
    free = np.ones((cv.h, cv.w), np.float32)
    spacing = 62 * scale
    r_out = spacing * rng.uniform(0.40, 0.44)
    longitudinal = rng.random() < 0.4
    centres, theta = _crypt_centres(rng, cv, spacing, longitudinal)
    gob, nuc = [], []
    for cx, cy in centres:
        r = r_out * rng.uniform(0.95, 1.05)
        if longitudinal:
            el, ang = rng.uniform(4.2, 4.8), theta + rng.normal(0, 0.03)
        else:
            el, ang = rng.uniform(1.0, 1.1), rng.uniform(0, np.pi)
        outer = _blob(rng, cx, cy, r, 0.03, elong=el, angle=ang)
        cv.fill_poly(outer, 0.12, 0.42)  # epithelium: pale, a touch of mucin blue
        cv2.fillPoly(free, [np.round(outer).astype(np.int32)], 0.0)
        lumen = _blob(rng, cx, cy, r * 0.32, 0.05, elong=1 + (el - 1) * 1.25, angle=ang)
        cv.fill_poly(lumen, 0.0, 0.02)
        # goblet cells: pale mucin vacuoles in a ring; basal nuclei: one row, small, evenly
        # spaced, long axis perpendicular to the wall (that regularity is what "normal" means)
        gob.append(_ellipse_ring(cx, cy, 0.62 * r * el, 0.62 * r, ang, 5.5 * scale, 0.0, rng))
        nuc.append(_ellipse_ring(cx, cy, 0.86 * r * el, 0.86 * r, ang, 5.5 * scale, 0.03 / el, rng))
    gx, gy, ga = (np.concatenate(v) for v in zip(*gob))
    cv.stamp(gx, gy, 2.6 * scale, 2.0 * scale, ga, hval=0.22, evalue=0.06)
    nx, ny, na = (np.concatenate(v) for v in zip(*nuc))
    cv.stamp(nx, ny, 3.0 * scale, 1.5 * scale, na, hval=rng.uniform(1.0, 1.25, len(nx)))
    _scatter_nuclei(cv, rng, scale, 0.9, r=(1.8, 2.6), mask=free)


def _adenocarcinoma(cv: Canvas, rng, scale):
    _stroma(cv, rng, scale, level=0.52, fibre=0.22, wavelength=10.0)  # desmoplastic, pinker
    spacing = 70 * scale
    nuc = []
    late = []  # nucleoli and nuclear dust go on top of everything
    for cx, cy in _jittered_grid(rng, cv.h, cv.w, spacing, spacing * 0.22):
        r = spacing * rng.uniform(0.38, 0.62)  # sizes vary a lot; neighbours touch: back to back
        ang = rng.uniform(0, np.pi)
        el = rng.uniform(1.0, 1.7)
        outer = _blob(rng, cx, cy, r, 0.28, elong=el, angle=ang)
        cv.fill_poly(outer, 0.18, 0.55)
        # stratified, enlarged, pleomorphic nuclei: several rows, random sizes and darkness
        m = int(2 * np.pi * r * el / (4.2 * scale) * 1.3)
        t = rng.uniform(0, 2 * np.pi, m)
        depth = rng.uniform(0.55, 0.95, m)
        x0, y0 = np.cos(t) * r * depth * el, np.sin(t) * r * depth
        x = cx + x0 * np.cos(ang) - y0 * np.sin(ang)
        y = cy + x0 * np.sin(ang) + y0 * np.cos(ang)
        a = rng.uniform(3.0, 5.8, m) * scale
        nuc.append((x, y, a, a * rng.uniform(0.55, 0.95, m), rng.uniform(0, 180, m), rng.uniform(1.1, 1.9, m)))
        pick = rng.random(m) < 0.15  # prominent nucleoli
        late.append((x[pick], y[pick], np.full(pick.sum(), 0.9 * scale), np.full(pick.sum(), 2.6)))
        lumina = []
        n_lumina = 1 if rng.random() < 0.7 else int(rng.integers(2, 5))  # cribriform: several lumina
        for _ in range(n_lumina):
            lr = r * (0.35 if n_lumina == 1 else 0.18) * rng.uniform(0.8, 1.2)
            off = 0 if n_lumina == 1 else r * 0.35
            lx, ly = cx + rng.uniform(-off, off), cy + rng.uniform(-off, off)
            lumina.append((_blob(rng, lx, ly, lr, 0.2, elong=el, angle=ang), lx, ly, lr, rng.random() < 0.4))
        nuc[-1] = nuc[-1] + (lumina,)
    # all epithelium first, then all nuclei in one stamp, then lumina on top (they cut into the
    # nuclear rows the way a real lumen does)
    x, y, a, b, an, hv = (np.concatenate(v) for v in zip(*[g[:6] for g in nuc]))
    cv.stamp(x, y, a, b, an, hval=hv)
    for *_, lumina in nuc:
        for lum, lx, ly, lr, dirty in lumina:
            if dirty:  # dirty necrosis: pink debris and nuclear dust in the lumen
                cv.fill_poly(lum, 0.15, 0.85)
                k = max(1, int(lr / scale))
                late.append(
                    (
                        lx + rng.normal(0, lr * 0.4, k),
                        ly + rng.normal(0, lr * 0.4, k),
                        np.full(k, 0.9 * scale),
                        np.full(k, 1.8),
                    )
                )
            else:
                cv.fill_poly(lum, 0.0, 0.02)
    lx, ly, lr, lh = (np.concatenate(v) for v in zip(*late))
    cv.stamp(lx, ly, lr, lr, 0.0, hval=lh)
    _scatter_nuclei(cv, rng, scale, 0.15, r=(1.2, 2.0), elong=(2.0, 3.0), h=(0.9, 1.2))


def _lymphoid(cv: Canvas, rng, scale):
    _stroma(cv, rng, scale, level=0.30, fibre=0.05)
    mask = np.ones((cv.h, cv.w), np.float32)
    # a paler germinal centre with larger, less dense cells, sometimes
    if rng.random() < 0.6:
        gc = _blob(
            rng,
            rng.uniform(0.25, 0.75) * cv.w,
            rng.uniform(0.25, 0.75) * cv.h,
            min(cv.h, cv.w) * rng.uniform(0.15, 0.25),
            0.15,
        )
        cv2.fillPoly(mask, [np.round(gc).astype(np.int32)], 0.0)
        gmask = 1 - mask
        _scatter_nuclei(cv, rng, scale, 2.0, r=(2.8, 3.8), h=(0.6, 0.9), elong=(1.0, 1.4), mask=gmask)
    _scatter_nuclei(cv, rng, scale, 9.0, r=(2.0, 2.6), h=(1.3, 1.7), elong=(1.0, 1.15), mask=mask)


def _adipose(cv: Canvas, rng, scale):
    # Voronoi cells on jittered seeds: the membranes are the cell borders
    spacing = 58 * scale
    pts = _jittered_grid(rng, cv.h, cv.w, spacing, spacing * 0.25)
    rect = (-int(2 * spacing), -int(2 * spacing), cv.w + int(4 * spacing), cv.h + int(4 * spacing))
    sub = cv2.Subdiv2D(rect)
    for x, y in pts:
        sub.insert((float(x), float(y)))
    facets, centers = sub.getVoronoiFacetList([])
    cv.E += 0.03
    thick = max(1, int(round(1.6 * scale)))
    cv2.polylines(cv.E, [np.round(f).astype(np.int32) for f in facets], True, 0.55, thick, cv2.LINE_AA)
    nx, ny, na = [], [], []
    for f in facets:
        if rng.random() < 0.25:  # a flat nucleus pressed against the membrane
            i = int(rng.integers(0, len(f)))
            a, b = f[i], f[(i + 1) % len(f)]
            nx.append((a[0] + b[0]) / 2)
            ny.append((a[1] + b[1]) / 2)
            na.append(np.degrees(np.arctan2(b[1] - a[1], b[0] - a[0])))
    cv.stamp(nx, ny, 4.0 * scale, 1.3 * scale, np.array(na), hval=1.2)
    # a small capillary or two
    for _ in range(int(rng.integers(0, 3))):
        x, y = rng.uniform(0, cv.w), rng.uniform(0, cv.h)
        cv.ellipse(x, y, 6 * scale, 4 * scale, rng.uniform(0, 180), evalue=0.9)


def _fibrous(cv: Canvas, rng, scale):
    ang = smooth_noise(rng, cv.h, cv.w, 120 * scale, 1.0)
    cv.E += 0.22 + _fibres(cv, rng, scale, ang, spacing=6.0, length=90, strength=0.55, wave=0.45)
    # clefts between collagen bundles (retraction artefact): long pale gaps running with the fibres
    clefts = _fibres(cv, rng, scale, ang, spacing=26.0, length=60, strength=1.0, wave=0.3, width=(2, 4))
    cv.E *= 1 - np.clip(clefts, 0, 0.85)
    n = int(0.5 * cv.h * cv.w / (30 * scale) ** 2)
    x, y = rng.uniform(0, cv.w, n), rng.uniform(0, cv.h, n)
    a = ang[y.astype(int) % cv.h, x.astype(int) % cv.w]
    # spindle nuclei lie along the fibres
    cv.stamp(
        x,
        y,
        rng.uniform(5.0, 8.0, n) * scale,
        rng.uniform(0.9, 1.4, n) * scale,
        np.degrees(a),
        hval=rng.uniform(0.9, 1.3, n),
    )
    for _ in range(int(rng.integers(0, 3))):  # a small vessel
        x, y = rng.uniform(0, cv.w), rng.uniform(0, cv.h)
        r = rng.uniform(6, 12) * scale
        cv.ellipse(x, y, r * 1.6, r * 1.6, 0, evalue=0.7)
        cv.ellipse(x, y, r, r, 0, hval=0.0, evalue=0.05)


RENDERERS = {
    "normal colonic mucosa": _normal_mucosa,
    "colorectal adenocarcinoma": _adenocarcinoma,
    "lymphoid tissue": _lymphoid,
    "adipose tissue": _adipose,
    "fibrous stroma": _fibrous,
}


def render_densities(
    tissue_class: str, seed: int, height: int, width: int, scale: float = 1.0
) -> tuple[Canvas, np.random.Generator]:
    """The density maps of `tissue_class`, and the Generator to finish the picture with."""
    try:
        fn = RENDERERS[tissue_class]
    except KeyError:
        raise ValueError(f"no renderer for tissue class {tissue_class!r}; known: {sorted(RENDERERS)}") from None
    rng = np.random.default_rng(seed)
    cv = Canvas(height, width)
    fn(cv, rng, scale)
    return cv, rng


def render_tissue(
    tissue_class: str, seed: int, height: int, width: int, scale: float = 1.0, stain: Stain | None = None
) -> np.ndarray:
    """An RGB uint8 H&E-like image of `tissue_class`, a pure function of its arguments."""
    cv, rng = render_densities(tissue_class, seed, height, width, scale)
    return cv.to_rgb(stain or Stain(), rng)
