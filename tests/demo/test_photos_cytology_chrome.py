"""The painters of photos.py, cytology.py and chrome.py: the right shape at any size, one picture
per seed, and each shows what its style names: photos that are not H&E, smears that are mostly
bright glass with stained cells, and viewer chrome that stays put while the tissue moves."""

import cv2
import numpy as np
import pytest

from quiltkit.demo import chrome, cytology, photos, styles, tissue
from quiltkit.demo.styles import Chrome, PaintContext

from .conftest import REPO

PAINTERS = {
    "photos": ["presenter_photo", "broll", "gross_specimen", "gross_specimen_tray"],
    "cytology": ["pap_smear", "giemsa_smear"],
    "chrome": ["viewer_dark", "viewer_light", "pip_over_tissue", "pip_photo_over_tissue", "pip_over_slide"],
}
MODULES = {"photos": photos, "cytology": cytology, "chrome": chrome}
ALL = [(m, f) for m, fs in PAINTERS.items() for f in fs]
CHROME = ["viewer_dark", "viewer_light", "pip_over_tissue", "pip_photo_over_tissue"]
VIEWERS = ["viewer_dark", "viewer_light"]
OUR_STYLES = [st.name for st in styles.all_styles().values() if st.painter.split(":")[0] in PAINTERS]


def _tissue_picture(w: int = 640, h: int = 360, seed: int = 0) -> np.ndarray:
    """What styles.paint would put under a chrome: a histology picture 1.6x the frame."""
    name = ("normal colonic mucosa", "colorectal adenocarcinoma")[seed % 2]
    return tissue.render_tissue(name, seed, int(h * 1.6), int(w * 1.6))


TISSUE = {(640, 360): _tissue_picture(), (320, 180): _tissue_picture(320, 180)}


def _sources(func: str) -> tuple[str, ...]:
    return next((st.sources for st in styles.all_styles().values() if st.painter.endswith(":" + func)), ())


def paint(func: str, w: int = 640, h: int = 360, seed: int = 0, tissue_picture=None, **ctx):
    module = next(MODULES[m] for m, fs in PAINTERS.items() if func in fs)
    if func in CHROME and tissue_picture is None:
        tissue_picture = TISSUE.get((w, h))
        if tissue_picture is None:
            tissue_picture = _tissue_picture(w, h)
    c = PaintContext(raw_root=REPO, sources=_sources(func), tissue_picture=tissue_picture, **ctx)
    return getattr(module, func)(w, h, np.random.default_rng(seed), c)


def _frame(out) -> np.ndarray:
    """A painter's output as one frame: a Chrome composed over the top-left of its tissue."""
    if isinstance(out, Chrome):
        x, y, w, h = out.viewport
        return out.compose(TISSUE[(out.image.shape[1], out.image.shape[0])][:h, :w])
    return out


def test_styles_yaml_names_these_painters():
    named = {st.painter for st in styles.all_styles().values() if st.painter.split(":")[0] in PAINTERS}
    assert named == {f"{m}:{f}" for m, f in ALL}
    for name in OUR_STYLES:
        assert callable(styles.painter(styles.style(name)))


@pytest.mark.parametrize("module,func", ALL, ids=[f for _, f in ALL])
@pytest.mark.parametrize("size", [(640, 360), (320, 180)], ids=["640", "320"])
def test_shape_and_determinism(module, func, size):
    w, h = size
    a = paint(func, w, h, seed=3)
    b = paint(func, w, h, seed=3)
    c = paint(func, w, h, seed=4)
    if func in CHROME:
        assert isinstance(a, Chrome)
        assert a.image.shape == (h, w, 3) and a.image.dtype == np.uint8
        assert a.overlay_rgb.shape == (h, w, 3) and a.overlay_rgb.dtype == np.uint8
        assert a.overlay_alpha.shape == (h, w) and 0 <= a.overlay_alpha.min() and a.overlay_alpha.max() <= 1
        fa, fb, fc = _frame(a), _frame(b), _frame(c)
        assert fa.shape == (h, w, 3) and fa.dtype == np.uint8
        assert a.viewport == b.viewport and np.array_equal(fa, fb)
        assert not np.array_equal(fa, fc)
        return
    want = (int(h * 1.6), int(w * 1.6), 3) if module == "cytology" else (h, w, 3)
    assert a.shape == want and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.std() > 5, "a blank picture"


def test_histology_styles_are_the_cytology_and_chrome_ones():
    for name in OUR_STYLES:
        st = styles.style(name)
        module = st.painter.split(":")[0]
        if module == "photos" or st.painter == "chrome:pip_over_slide":
            assert not st.is_histology, name
        else:
            assert st.is_histology, name


# ------------------------------------------------------------------------------------------
# photos


def _purple_share(a: np.ndarray) -> float:
    """Pixels with the H&E look: red and blue both above green (pink eosin, purple haematoxylin)."""
    r, g, b = (a[..., i].astype(int) for i in range(3))
    return float(((r > g + 10) & (b > g + 10)).mean())


def test_the_purple_measure_flags_he():
    assert _purple_share(TISSUE[(640, 360)]) > 0.5


@pytest.mark.parametrize("func", ["gross_specimen", "gross_specimen_tray"])
def test_gross_photos_are_not_he_like(func):
    for seed in range(5):
        a = paint(func, seed=seed)
        assert _purple_share(a) < 0.15, (seed, _purple_share(a))
        r, g, b = a.reshape(-1, 3).mean(0)
        assert not (r > g + 10 and b > g + 10), "mean colour is pink-purple like H&E"


def _longest_bright(a: np.ndarray, level: float) -> int:
    """The longest side of the largest-extent bright region: a ruler is a long light strip."""
    bright = (a.mean(axis=2) > level).astype(np.uint8)
    stats = cv2.connectedComponentsWithStats(bright)[2]
    return max((max(s[2], s[3]) for s in stats[1:]), default=0)


def test_gross_specimen_has_a_ruler_on_a_darker_board():
    for seed in range(6):
        a = paint("gross_specimen", seed=seed)
        bright = a.mean(axis=2) > 175  # the ruler's paper or plastic, far lighter than board and organ
        assert 0.01 < bright.mean() < 0.25, (seed, bright.mean())
        assert _longest_bright(a, 175) > 0.45 * 360, "no long bright strip: no ruler"
        assert np.median(a.max(axis=2)) < 170, "the board is not darker than the ruler"


def test_gross_tray_has_a_colour_chart_or_ruler():
    for seed in range(8):
        a = paint("gross_specimen_tray", seed=seed)
        chart = (a.max(axis=2) < 70).mean() > 0.005  # the chart's black card
        assert chart or _longest_bright(a, 170) > 0.6 * 360, seed


def test_photo_painters_use_their_sources(monkeypatch):
    seen = []
    real = photos.load_source
    monkeypatch.setattr(photos, "load_source", lambda src, root, *a: seen.append(src) or real(src, root, *a))
    for seed in range(6):
        paint("presenter_photo", seed=seed)
        photos.broll(320, 180, np.random.default_rng(seed), PaintContext(raw_root=REPO, sources=("skimage:moon.png",)))
    assert set(seen) <= set(_sources("presenter_photo")) | {"skimage:moon.png"}
    assert len(set(seen) & set(_sources("presenter_photo"))) == 2


# ------------------------------------------------------------------------------------------
# cytology


@pytest.mark.parametrize("func", ["pap_smear", "giemsa_smear"])
@pytest.mark.parametrize("mag", [None, "low", "medium", "high"])
def test_smears_are_mostly_glass_with_stained_cells(func, mag):
    for seed in range(2):
        a = paint(func, seed=seed, magnification=mag)
        white = (a.min(axis=2) > 215).mean()
        assert 0.2 < white < 0.9, (seed, white)
        assert (a.min(axis=2) < 200).mean() > 0.05, "no stained cells"


def test_pap_has_blue_green_and_pink_cells():
    for seed in range(4):
        a = paint("pap_smear", seed=seed).astype(int)
        r, g, b = a[..., 0], a[..., 1], a[..., 2]
        assert ((g > r + 25) & (b > r + 10)).mean() > 0.01, "no cyanophilic cells"
        assert ((r > g + 25) & (r > 150)).mean() > 0.01, "no eosinophilic / orangeophilic cells"
        assert ((r + g + b) / 3 < 110).mean() > 0.0005, "no dark nuclei"


def test_giemsa_has_purple_nuclei_on_pink_red_cells():
    for seed in range(4):
        a = paint("giemsa_smear", seed=seed).astype(int)
        r, g, b = a[..., 0], a[..., 1], a[..., 2]
        assert ((b > g + 50) & (r > g + 15) & (g < 130)).mean() > 0.003, "no purple nuclei"
        assert ((r > g + 40) & (g > 130)).mean() > 0.1, "no pink red cells"
        assert ((b > r + 10) & (b > g + 10) & (g > 120)).mean() > 0.0005, "no pale blue cytoplasm"


@pytest.mark.parametrize("func", ["pap_smear", "giemsa_smear"])
def test_cells_grow_with_magnification(func):
    def nuclei(mag):
        a = paint(func, seed=2, magnification=mag)
        dark = ((a.astype(int).sum(2) / 3) < 130).astype(np.uint8)
        return cv2.connectedComponents(dark)[0]

    assert nuclei("low") > nuclei("high") * 1.5


# ------------------------------------------------------------------------------------------
# chrome


@pytest.mark.parametrize("func", CHROME)
@pytest.mark.parametrize("size", [(640, 360), (320, 180)], ids=["640", "320"])
def test_viewport_inside_and_chrome_fixed(func, size):
    w, h = size
    for seed in range(3):
        ch = paint(func, w, h, seed=seed)
        x, y, vw, vh = ch.viewport
        assert 0 <= x and 0 <= y and x + vw <= w and y + vh <= h and vw > 0 and vh > 0
        if func in VIEWERS:
            assert vw * vh >= 0.55 * w * h
        else:
            assert ch.viewport == (0, 0, w, h)
        rng = np.random.default_rng(seed)
        one = ch.compose(TISSUE[size][:vh, :vw])
        two = ch.compose(rng.integers(0, 256, (vh, vw, 3), dtype=np.uint8))
        outside = np.ones((h, w), bool)
        outside[y : y + vh, x : x + vw] = False
        fixed = outside | (ch.overlay_alpha >= 1)
        assert np.array_equal(one[fixed], two[fixed]), "the chrome moved with the tissue"
        assert not np.array_equal(one, two)
        in_view = ch.overlay_alpha[y : y + vh, x : x + vw]
        assert (in_view == 0).mean() > 0.8, "the overlay hides the tissue"
        assert (in_view > 0).mean() > 0.002, "no overlay (scale bar, webcam box)"


@pytest.mark.parametrize("func", VIEWERS)
def test_viewer_navigator_shows_the_tissue(func):
    a = paint(func, seed=1, tissue_picture=_tissue_picture(seed=0))
    b = paint(func, seed=1, tissue_picture=_tissue_picture(seed=1))
    assert a.viewport == b.viewport and not np.array_equal(a.image, b.image)
    x, y, vw, vh = a.viewport
    outside = np.ones(a.image.shape[:2], bool)
    outside[y : y + vh, x : x + vw] = False
    ui = a.image[outside]
    assert _purple_share(ui[None]) > 0.01, "no tissue thumbnail in the panel"


def test_viewer_skins_differ():
    dark = paint("viewer_dark", seed=0).image
    light = paint("viewer_light", seed=0).image
    assert np.median(dark) < 80 < 180 < np.median(light)


@pytest.mark.parametrize("func", CHROME)
def test_chrome_needs_a_tissue_picture(func):
    names = [st.name for st in styles.all_styles().values() if st.painter == f"chrome:{func}"]
    with pytest.raises(ValueError, match=names[0]):
        getattr(chrome, func)(320, 180, np.random.default_rng(0), PaintContext(raw_root=REPO, sources=_sources(func)))


@pytest.mark.parametrize("func,top", [("pip_over_tissue", False), ("pip_photo_over_tissue", True)])
def test_webcam_box(func, top):
    for seed in range(5):
        ch = paint(func, seed=seed)
        ys, xs = np.nonzero(ch.overlay_alpha > 0)
        bw = xs.max() - xs.min() + 1
        assert 0.19 * 640 <= bw <= 0.29 * 640
        assert (ys.mean() < 180) == top, "box in the wrong corner"
        box = ch.overlay_alpha[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        assert box[box.shape[0] // 2, box.shape[1] // 2] == 1
        if func == "pip_photo_over_tissue":
            assert box[0, 0] < 0.5 and box[-1, -1] < 0.5, "corners not rounded"
        else:
            assert (box == 1).all() and (ch.overlay_alpha > 0).sum() == box.size


def test_pip_over_slide_is_a_slide_with_a_webcam():
    for seed in range(4):
        a = paint("pip_over_slide", seed=seed)
        assert a.shape == (360, 640, 3)
        assert _purple_share(a) < 0.2


# ------------------------------------------------------------------------------------------
# through styles.paint


@pytest.mark.parametrize("name", OUR_STYLES)
def test_styles_paint(name):
    st = styles.style(name)
    out = styles.paint(name, 640, 360, np.random.default_rng(0), PaintContext(raw_root=REPO))
    if isinstance(out, Chrome):
        x, y, w, h = out.viewport
        assert out.tissue is not None and out.tissue.shape[0] >= h and out.tissue.shape[1] >= w
        frame = out.compose(out.tissue[:h, :w])
        assert frame.shape == (360, 640, 3) and frame.dtype == np.uint8
    elif st.is_histology:
        assert out.shape == (576, 1024, 3)
    else:
        assert out.shape == (360, 640, 3)
