"""Histology painters beyond plain H&E: real package images, IHC with two chromogens, an
out-of-focus scan and two special stains.

The key idea is that a stain is a choice of dyes, not of anatomy. tissue.py paints *where* the
stuff is (a haematoxylin map: nuclei, a mucin tint over epithelium; an eosin map: cytoplasm,
stroma, collagen, membranes) and only then turns those densities into colour with Beer-Lambert.
So every painter here starts from the same crypts, lymphocytes and collagen, decides which
compartment each dye binds to, and hands the maps back to Canvas.to_rgb with other optical-density
vectors. IHC is then "one compartment carries the chromogen, haematoxylin counterstains the rest
and there is no eosin"; PAS is "mucin and basement membranes go magenta"; a trichrome is "the
eosin map split into collagen (blue) and cytoplasm (red)".

The compartments are not stored by the renderers, so we read them back from the maps, relying on
how tissue.py draws them: nuclei are stamped hard-edged at haematoxylin >= 0.6, the epithelial
sheet is a flat mucin tint of 0.1-0.3, and stroma has no haematoxylin at all outside its nuclei.

Every painter returns a picture 1.6x the frame each side (package images: at least 1.5x), as
the renderer expects of tissue, so a shot can pan and zoom over it, and takes every random
choice from the Generator it is given. The held-out styles (ihc_red, pas) stain compartments
no training style stains, in colours no training style shows over them (a red chromogen on a
blue counterstain with no eosin, magenta mucin), so the held-out corpus asks whether the
classifier learned "tissue" rather than "pink and purple" or "brown dots".
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from quiltkit.demo.styles import PaintContext
from quiltkit.demo.tissue import (
    H_VEC,
    MAGNIFICATION_SCALE,
    RENDERERS,
    Canvas,
    Stain,
    render_densities,
    render_tissue,
    smooth_noise,
)

# Optical density per unit of dye, (R, G, B); a dye looks like the light it does *not* absorb.
# Values after Ruifrok & Johnston's colour-deconvolution table, rounded.
DAB_VEC = np.array([0.27, 0.57, 0.78], np.float32)  # absorbs blue most: brown
RED_VEC = np.array([0.22, 0.78, 0.70], np.float32)  # AEC / Fast Red: absorbs green and blue alike
MAGENTA_VEC = np.array([0.18, 0.97, 0.16], np.float32)  # Schiff's reagent: absorbs green only
FUCHSIN_VEC = np.array([0.10, 0.74, 0.67], np.float32)  # Biebrich scarlet-acid fuchsin: red
ANILINE_BLUE_VEC = np.array([0.80, 0.59, 0.11], np.float32)  # absorbs red: collagen blue
LIGHT_GREEN_VEC = np.array([0.94, 0.29, 0.17], np.float32)  # the green variant of Masson's
IRON_H_VEC = np.array([0.55, 0.62, 0.70], np.float32)  # Weigert's iron haematoxylin: brown-black

# thresholds on the raw haematoxylin map (see the module docstring)
NUCLEUS_H = 0.45
SHEET_H = 0.08


# ------------------------------------------------------------------------------------------
# the picture's geometry, shared with render.py


def tissue_geometry(w: int, h: int, rng: np.random.Generator, magnification: str | None) -> tuple[int, int, float]:
    """(height, width, scale) of a procedural tissue picture for a w x h frame. The picture is
    1.6x the frame so the shot has room to pan and zoom; scale follows the magnification and the
    frame height (a 720p frame shows the same field as a 360p one, at twice the pixels), with a
    +-10% jitter so two shots at one magnification are not the same size. Draws one number."""
    scale = MAGNIFICATION_SCALE[magnification or "medium"] * (h / 360) * float(rng.uniform(0.9, 1.1))
    return int(h * 1.6), int(w * 1.6), scale


def _tissue_class(rng: np.random.Generator, ctx: PaintContext) -> str:
    # a shot about a named class shows that class; frames with no class still need some tissue
    if ctx.tissue_class is not None:
        return ctx.tissue_class
    return sorted(RENDERERS)[int(rng.integers(len(RENDERERS)))]


def _densities(
    w: int, h: int, rng: np.random.Generator, ctx: PaintContext
) -> tuple[Canvas, np.random.Generator, float]:
    """The tissue's density maps, in the same draw order as `he` (class, scale, seed)."""
    cls = _tissue_class(rng, ctx)
    ph, pw, scale = tissue_geometry(w, h, rng, ctx.magnification)
    cv, trng = render_densities(cls, int(rng.integers(0, 2**31)), ph, pw, scale)
    return cv, trng, scale


# ------------------------------------------------------------------------------------------
# H&E


def he(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """Plain H&E, the picture the renderer has always made for a histology shot: given the
    same Generator state it is bit-identical to the old render.shot_picture."""
    cls = _tissue_class(rng, ctx)
    ph, pw, scale = tissue_geometry(w, h, rng, ctx.magnification)
    return render_tissue(cls, int(rng.integers(0, 2**31)), ph, pw, scale, Stain.random(rng))


def he_out_of_focus(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A scan, or a microscope camera, focused off the section: the layout and the colours
    survive, the nuclei do not. Defocus also scatters light, so the picture is a little washed
    out towards the white of the lamp, not only blurred."""
    pic = he(w, h, rng, ctx)
    sigma = float(rng.uniform(2.5, 5.0)) * h / 360
    pic = cv2.GaussianBlur(pic, (0, 0), sigma).astype(np.float32)
    wash = float(rng.uniform(0.05, 0.18))
    return np.clip(pic * (1 - wash) + 255 * wash, 0, 255).astype(np.uint8)


# ------------------------------------------------------------------------------------------
# real images shipped in packages

_PACKAGE_CACHE: dict[tuple[str, str], np.ndarray] = {}


def _package_image(name: str, raw_root: Path | str) -> np.ndarray:
    # decoded once per process: the SVS takes a while, and a video shows it more than once
    from quiltkit.demo.package_images import load_rgb

    key = (name, str(raw_root))
    if key not in _PACKAGE_CACHE:
        _PACKAGE_CACHE[key] = load_rgb(name, raw_root)
    return _PACKAGE_CACHE[key]


def package(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A real image shipped in a package, sized as the renderer always has: a small image is
    enlarged until it is 1.5x the frame (there must be room to pan), a large one is shrunk only
    as far as 2.2x the frame's width, so it keeps its detail. A tall whole-slide region stays
    several frames high after that; we keep a window of it, at most 3x the frame each side, at a
    random place, as a lecturer would navigate to one part of a slide."""
    srcs = [s for s in ctx.sources if s.startswith("package:")]
    if not srcs:
        raise ValueError("tissue_styles.package: the style names no package: source")
    img = _package_image(srcs[int(rng.integers(len(srcs)))].split(":", 1)[1], ctx.raw_root)
    ih, iw = img.shape[:2]
    f = max(1.5 * w / iw, 1.5 * h / ih)
    f = f if f > 1 else max(f, 2.2 * w / iw)
    pic = cv2.resize(img, (int(iw * f), int(ih * f)), interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC)
    ch, cw = min(pic.shape[0], 3 * h), min(pic.shape[1], 3 * w)
    y = int(rng.integers(0, pic.shape[0] - ch + 1))
    x = int(rng.integers(0, pic.shape[1] - cw + 1))
    return np.ascontiguousarray(pic[y : y + ch, x : x + cw])


# ------------------------------------------------------------------------------------------
# compartments, read back from the density maps


class _Compartments:
    """Which pixels are nuclei (and which cell), epithelium, or neither (stroma, fat, lumen).

    Nuclei are the haematoxylin map above NUCLEUS_H. An IHC marker is positive in some cells and
    not in others, so each nucleus needs an identity: a connected blob is one nucleus where it is
    nucleus-sized, but crowded nuclei (a lymphoid follicle) touch and merge into one blob the
    size of the follicle, so those are cut into cells by a Voronoi tessellation at nuclear
    spacing. The epithelial sheet is the faint mucin tint between SHEET_H and NUCLEUS_H; a nucleus
    touching it belongs to the epithelium, one lying alone in the stroma (a lymphocyte, a
    fibroblast) does not.
    """

    def __init__(self, cv: Canvas, rng: np.random.Generator, scale: float):
        nuc = (cv.H > NUCLEUS_H).astype(np.uint8)
        n, blobs = cv2.connectedComponents(nuc, connectivity=8)
        # Voronoi cells around jittered seeds, ~5 px apart at scale 1: a lymphocyte's diameter
        spacing = 5.0 * scale
        gh, gw = int(cv.h / spacing) + 1, int(cv.w / spacing) + 1
        ys = ((np.arange(gh)[:, None] + rng.uniform(0, 1, (gh, gw))) * spacing).astype(np.int32).clip(0, cv.h - 1)
        xs = ((np.arange(gw)[None, :] + rng.uniform(0, 1, (gh, gw))) * spacing).astype(np.int32).clip(0, cv.w - 1)
        seeds = np.ones((cv.h, cv.w), np.uint8)
        seeds[ys, xs] = 0
        _, cells = cv2.distanceTransformWithLabels(seeds, cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL)
        big = np.bincount(blobs.ravel(), minlength=n) > np.pi * (6.5 * scale) ** 2  # more than one nucleus
        big[0] = False
        self.labels = np.where(big[blobs], n + cells, blobs).astype(np.int32) * nuc
        self.n = int(self.labels.max()) + 1
        self.crowded = big[blobs]  # pixels of merged nuclei, where cell borders are Voronoi edges
        self.nuclei = np.clip((cv.H - NUCLEUS_H) / 0.3, 0, 1)
        sheet = ((cv.H > SHEET_H) & (cv.H <= NUCLEUS_H)).astype(np.uint8)
        sheet = cv2.morphologyEx(sheet, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))  # antialiasing slivers
        touch = cv2.dilate(sheet, np.ones((3, 3), np.uint8)).astype(bool) & nuc.astype(bool)
        epi_blob = np.bincount(blobs[touch], minlength=n) > 0
        epi_blob[0] = False
        self.epithelium = (sheet.astype(bool) | epi_blob[blobs]).astype(np.float32)

    def positive(self, rng: np.random.Generator, fraction: float) -> np.ndarray:
        """A (n,) bool table: which cells a marker labels (label 0, no nucleus, never)."""
        pos = rng.random(self.n) < fraction
        pos[0] = False
        return pos


def _stain(rng: np.random.Generator, h: tuple[float, float], e: tuple[float, float], drift: float = 0.03) -> Stain:
    # the same per-shot variability as H&E's Stain.random: strength and a little hue drift
    return Stain(
        h=float(rng.uniform(*h)),
        e=float(rng.uniform(*e)),
        h_shift=tuple(float(x) for x in rng.normal(0, drift, 3)),
        e_shift=tuple(float(x) for x in rng.normal(0, drift, 3)),
        background=float(rng.uniform(0.01, 0.05)),
    )


# ------------------------------------------------------------------------------------------
# immunohistochemistry


def _counterstain(cv: Canvas, c: _Compartments, keep: np.ndarray | float = 1.0) -> np.ndarray:
    """IHC's haematoxylin: the nuclei (where `keep` says so; not the epithelium's mucin tint,
    which is an H&E effect) and a faint tint of everything that holds protein, since haematoxylin
    without eosin still greys the stroma a little."""
    return cv.H * c.nuclei * keep + 0.25 * cv.E


def ihc_dab(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """DAB brown over a haematoxylin counterstain. Half the shots show the shipped IHC image
    itself (a real colon section, DAB-labelled), the other half procedural tissue of the shot's
    class so the brown is not tied to one picture. A procedural marker is either nuclear (a
    Ki-67-like fraction of nuclei turns brown) or epithelial (a cytokeratin-like brown over the
    epithelium's cytoplasm, its nuclei left blue); tissue with no epithelium gets the nuclear one."""
    if any(s.startswith("package:") for s in ctx.sources) and rng.random() < 0.5:
        return package(w, h, rng, ctx)
    cv, trng, scale = _densities(w, h, rng, ctx)
    c = _Compartments(cv, rng, scale)
    if rng.random() < 0.5 and c.epithelium.mean() > 0.02:
        dab = (0.3 + cv.E) * c.epithelium * (1 - c.nuclei) * float(rng.uniform(1.1, 1.7))  # goblet cells too
        counter = _counterstain(cv, c)
    else:
        pos = c.positive(rng, float(rng.uniform(0.15, 0.7)))[c.labels]
        dab = np.where(pos, cv.H, 0) * float(rng.uniform(0.9, 1.4))
        counter = _counterstain(cv, c, keep=np.where(pos, 0.25, 1.0))  # a brown nucleus hides its blue
    cv.H, cv.E = counter, dab.astype(np.float32)
    return cv.to_rgb(_stain(rng, (0.5, 0.85), (0.9, 1.2)), trng, vectors=(H_VEC, DAB_VEC))


def ihc_red(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """A red chromogen (Fast Red, AEC) over haematoxylin: held out, so its compartments differ
    from ihc_dab's too. Either membranous (a CD20/CD3-like ring around a fraction of the cells,
    best seen in lymphoid tissue) or stromal (vimentin/SMA-like: the connective tissue red in
    patches, the epithelium negative)."""
    cv, trng, scale = _densities(w, h, rng, ctx)
    c = _Compartments(cv, rng, scale)
    if rng.random() < 0.5:
        pos = c.positive(rng, float(rng.uniform(0.3, 0.8)))
        r = max(1, int(round(1.2 * scale)))
        k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        lab = c.labels.astype(np.float32)
        around = cv2.dilate(lab, k).astype(np.int32)  # a nucleus's label spread onto its rim
        border = c.crowded & (cv2.erode(lab, k) != lab)  # the rim of each cell inside merged nuclei
        ring = ((c.labels == 0) | border) & pos[around]
        red = ring.astype(np.float32) * float(rng.uniform(1.0, 1.5))
        keep = np.where(pos[c.labels], 0.6, 1.0)  # a red rim hides part of its cell's blue
    else:
        patches = np.clip(smooth_noise(rng, cv.h, cv.w, 50.0 * scale, 1.4) + 0.6, 0.15, 1)
        red = cv.E * (1 - c.epithelium) * (1 - c.nuclei) * patches * float(rng.uniform(1.2, 1.8))
        keep = 1.0
    cv.H, cv.E = _counterstain(cv, c, keep), red.astype(np.float32)
    return cv.to_rgb(_stain(rng, (0.5, 0.85), (0.9, 1.2)), trng, vectors=(H_VEC, RED_VEC))


# ------------------------------------------------------------------------------------------
# special stains


def trichrome(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """Masson's trichrome, three dyes: iron haematoxylin makes nuclei brown-black, the red dye
    takes cytoplasm and muscle, aniline blue (or light green) takes collagen. We split the eosin
    map: inside cells (epithelium, and where nuclei are crowded, as in lymphoid tissue) it is
    cytoplasm; outside it is collagen, except for smooth-muscle bundles, which a trichrome shows
    red among the blue, placed as a few smooth patches."""
    cv, trng, scale = _densities(w, h, rng, ctx)
    c = _Compartments(cv, rng, scale)
    crowded = cv2.GaussianBlur((cv.H > NUCLEUS_H).astype(np.float32), (0, 0), 4.0 * scale)
    cellular = np.maximum(cv2.GaussianBlur(c.epithelium, (0, 0), 1.0), np.clip((crowded - 0.25) / 0.15, 0, 1))
    muscle = np.clip((smooth_noise(rng, cv.h, cv.w, 70.0 * scale, 1.0) - 0.9) * 3, 0, 1)
    collagen = cv.E * (1 - cellular) * (1 - muscle)
    blue_vec = ANILINE_BLUE_VEC if rng.random() < 0.75 else LIGHT_GREEN_VEC
    blue = cv2.GaussianBlur(collagen, (0, 0), 0.6)[..., None] * (blue_vec * float(rng.uniform(1.1, 1.6)))
    cv.E = (cv.E - collagen) * 1.7  # the red dye is stronger than eosin: muscle is scarlet
    return cv.to_rgb(_stain(rng, (0.9, 1.2), (0.9, 1.2)), trng, vectors=(IRON_H_VEC, FUCHSIN_VEC), extra_od=blue)


def pas(w: int, h: int, rng: np.random.Generator, ctx: PaintContext) -> np.ndarray:
    """Periodic acid-Schiff (held out): Schiff's reagent turns carbohydrates magenta, which in
    these sections means goblet-cell mucin (strongly), the basement membrane under epithelium,
    and the thin membranes of fat cells and vessels (the edges of the eosin map); collagen and
    cytoplasm only faintly pink, nuclei in a light haematoxylin counterstain."""
    cv, trng, scale = _densities(w, h, rng, ctx)
    c = _Compartments(cv, rng, scale)
    mucin = np.clip((cv.H - 0.15) / 0.06, 0, 1) * np.clip((0.3 - cv.E) / 0.1, 0, 1) * (cv.H <= NUCLEUS_H)
    r = max(1, int(round(1.0 * scale)))
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    basement = cv2.morphologyEx(c.epithelium, cv2.MORPH_GRADIENT, k) * (1 - c.epithelium)  # the outer rim
    edges = cv2.morphologyEx(cv.E, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    magenta = 1.5 * mucin + 0.9 * basement + 0.8 * edges + 0.15 * cv.E
    cv.H = cv.H * (1 - mucin) * (cv.H > NUCLEUS_H)  # counterstain the nuclei only: the sheet's mucin tint was PAS's
    cv.E = magenta.astype(np.float32)
    return cv.to_rgb(_stain(rng, (0.35, 0.6), (0.8, 1.2)), trng, vectors=(H_VEC, MAGENTA_VEC))
