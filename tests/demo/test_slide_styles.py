"""The non-histology painters of slides.py and slide_styles.py: a frame of the asked size at any
size, one picture per seed, the lecture's words on it, and each shows what its style names (a
near-white plain slide, a grey photographed page, a chart of several colours, ...)."""

import numpy as np
import pytest

from quiltkit.demo import slide_styles, slides, styles
from quiltkit.demo.styles import PaintContext

from .conftest import REPO

PAINTERS = {
    "slides": ["title_slide_style", "text_slide_style", "chart_slide_style", "presenter_style"],
    "slide_styles": [
        "slide_dark",
        "slide_plain",
        "slide_gradient",
        "table_slide",
        "chart_line",
        "diagram",
        "page_render",
        "page_photo",
        "whiteboard",
        "screen_app",
        "screen_browser",
    ],
}
ALL = [(m, f) for m, fs in PAINTERS.items() for f in fs]
TEXT_PAINTERS = [
    "text_slide_style",
    "slide_dark",
    "slide_plain",
    "slide_gradient",
    "table_slide",
    "chart_line",
    "diagram",
    "whiteboard",
    "screen_app",
    "screen_browser",
]


def _sources(func: str) -> tuple[str, ...]:
    """What styles.yaml gives the style painted by func (page_photo's shipped page photos)."""
    return next((st.sources for st in styles.all_styles().values() if st.painter.endswith(":" + func)), ())


def paint(func: str, w: int = 640, h: int = 360, seed: int = 0, **ctx) -> np.ndarray:
    module = slides if func in PAINTERS["slides"] else slide_styles
    c = PaintContext(raw_root=REPO, sources=_sources(func), **ctx)
    return getattr(module, func)(w, h, np.random.default_rng(seed), c)


def test_styles_yaml_names_these_painters():
    named = {st.painter for st in styles.all_styles().values() if st.painter.split(":")[0] in PAINTERS}
    assert named == {f"{m}:{f}" for m, f in ALL}
    for st in styles.all_styles().values():
        if st.painter in named:
            assert callable(styles.painter(st))


@pytest.mark.parametrize("module,func", ALL, ids=[f for _, f in ALL])
def test_frame_shape_and_determinism(module, func):
    a = paint(func, seed=3)
    assert a.shape == (360, 640, 3) and a.dtype == np.uint8
    assert np.array_equal(a, paint(func, seed=3))
    assert not np.array_equal(a, paint(func, seed=4))
    small = paint(func, 322, 181, seed=3)  # odd sizes: nothing may assume even or 16:9-rounded numbers
    assert small.shape == (181, 322, 3) and small.dtype == np.uint8
    assert small.std() > 5, "a blank frame"


@pytest.mark.parametrize("func", PAINTERS["slide_styles"])
def test_train_and_holdout_styles_set_type_differently(func, monkeypatch):
    """The held-out corpus differs by renderer, not only seed (styles.yaml): train painters set
    sans or mono, holdout painters serif, STIX or Computer Modern."""
    used, real = set(), slide_styles._load_font

    def spy(family, size, bold, italic):
        used.add(family)
        return real(family, size, bold, italic)

    monkeypatch.setattr(slide_styles, "_load_font", spy)
    for seed in range(4):
        paint(func, 322, 181, seed=seed)
    split = next(st.split for st in styles.all_styles().values() if st.painter == f"slide_styles:{func}")
    assert used or func == "page_photo"  # the only painter without type
    assert used <= ({"sans", "mono"} if split == "train" else {"serif", "stix", "cm"}), used


@pytest.mark.parametrize("func", TEXT_PAINTERS)
def test_shows_the_lectures_words(func):
    a = paint(func, 322, 181, seed=1, heading="Zebra", bullets=["one"], classes=["alpha", "beta"])
    b = paint(
        func,
        322,
        181,
        seed=1,
        heading="Tubular adenoma with high-grade dysplasia",
        bullets=["one", "two", "three"],
        classes=["gamma delta", "epsilon"],
    )
    assert not np.array_equal(a, b)


def test_adapters_draw_the_old_pictures():
    rng = lambda: np.random.default_rng(9)  # noqa: E731
    ctx = PaintContext(
        title="Colon", heading="Key points", bullets=["a b c"], classes=["lymphoid tissue", "fibrous stroma"]
    )
    assert np.array_equal(
        slides.title_slide_style(320, 180, rng(), ctx),
        slides.title_slide(320, 180, "Colon", "Department of Pathology - teaching series", rng()),
    )
    assert np.array_equal(
        slides.text_slide_style(320, 180, rng(), ctx), slides.text_slide(320, 180, "Key points", ["a b c"], rng())
    )
    assert np.array_equal(
        slides.chart_slide_style(320, 180, rng(), ctx),
        slides.chart_slide(320, 180, "Distribution of diagnoses", ["lymphoid", "fibrous"], rng()),
    )
    assert np.array_equal(slides.presenter_style(320, 180, rng(), ctx), slides.presenter(320, 180, rng()))
    assert slides.text_slide_style(320, 180, rng(), PaintContext()).std() > 5  # empty context: defaults


def _min_channel(a):
    return a.min(axis=2)


@pytest.mark.parametrize("seed", range(4))
def test_slide_plain_is_near_white_with_dark_text(seed):
    a = paint("slide_plain", seed=seed)
    assert (_min_channel(a) > 235).mean() > 0.7
    assert (a.max(axis=2) < 90).mean() > 0.005  # dark type, not a blank page
    bg = np.median(a.reshape(-1, 3), axis=0)
    assert not (np.abs(a[: 360 // 6] - bg).sum(2) > 60).all(1).any(), "a full-width title bar"


def test_slide_dark_is_dark_with_light_text():
    for seed in range(3):
        a = paint("slide_dark", seed=seed)
        assert (a.max(axis=2) < 70).mean() > 0.8
        assert (_min_channel(a) > 180).mean() > 0.005


def test_slide_gradient_varies_and_includes_pinks():
    frames = [paint("slide_gradient", 160, 90, seed=s) for s in range(16)]
    for a in frames:
        corners = a[[2, 2, -3, -3], [2, -3, 2, -3]].astype(int)
        assert np.abs(corners - corners.mean(0)).max() > 8, "no gradient"
    means = [a.reshape(-1, 3).mean(0) for a in frames]
    assert any(r > g + 15 and b > g for r, g, b in means), "no pink or purple background: the hard negative"


def _colours(a, min_share=0.002):
    """Distinct colours (quantised to 32 levels) covering at least min_share of the frame."""
    q = (a // 32).reshape(-1, 3).astype(np.int32)
    counts = np.bincount(q[:, 0] * 64 + q[:, 1] * 8 + q[:, 2], minlength=512)
    return int((counts >= min_share * len(q)).sum())


def _saturated(a):
    f = a.astype(int)
    return ((f.max(2) - f.min(2)) > 80).mean()


@pytest.mark.parametrize("func", ["chart_line", "table_slide", "diagram", "chart_slide_style"])
def test_figures_have_several_colours(func):
    for seed in range(4):
        a = paint(func, seed=seed)
        assert _colours(a) >= 4, f"seed {seed}: {_colours(a)} colours"
    if func in ("chart_line", "table_slide"):
        assert min(_saturated(paint(func, seed=s)) for s in range(4)) > 0.005  # series / header fill


def test_chart_line_draws_both_kinds():
    """Line charts leave most of the plot white; a pie fills a big disc with colour."""
    shares = [_saturated(paint("chart_line", 320, 180, seed=s)) for s in range(12)]
    assert min(shares) < 0.08 < max(shares)


def _greyish(a):
    f = a.astype(int)
    return np.abs(f[..., 0] - f[..., 1]).mean() < 6 and np.abs(f[..., 1] - f[..., 2]).mean() < 6


def test_page_photo_is_a_grey_photo_of_its_source(monkeypatch):
    for seed in range(4):
        a = paint("page_photo", seed=seed)
        assert _greyish(a) and a.std() > 15
    asked = []

    def flat(value):
        def load(src, raw_root=".", max_side=1600):
            asked.append(src)
            return np.full((200, 400, 3), value, np.uint8)

        return load

    # the same seed places the page the same way: what differs is the source's own pixels
    monkeypatch.setattr(slide_styles, "load_source", flat(20))
    dark = paint("page_photo", seed=5).astype(int)
    monkeypatch.setattr(slide_styles, "load_source", flat(235))
    light = paint("page_photo", seed=5).astype(int)
    assert ((light - dark).mean(2) > 100).mean() > 0.25
    assert set(asked) <= set(_sources("page_photo")) and asked


def test_page_render_is_a_page_on_a_desk():
    frames = [paint("page_render", 320, 180, seed=s) for s in range(10)]
    for a in frames:
        paper = (_min_channel(a) > 170).mean()
        assert 0.1 < paper < 0.97, paper  # a sheet, and some desk around it (or a close-up of it)
    grey = [bool((a[..., 0] == a[..., 1]).all() and (a[..., 1] == a[..., 2]).all()) for a in frames]
    assert any(grey) and not all(grey)  # sometimes a greyscale capture


def test_whiteboard_has_a_board_and_coloured_marker():
    for seed in range(3):
        a = paint("whiteboard", seed=seed).astype(int)
        board = (a.min(2) > 200) & ((a.max(2) - a.min(2)) < 25)
        ink = ((a[..., 2] > a[..., 0] + 50) | (a[..., 0] > a[..., 2] + 60) | (a[..., 1] > a[..., 0] + 40)) & (
            a.max(2) < 230
        )
        assert board.mean() > 0.4 and ink.mean() > 0.003


def test_screen_browser_has_blue_links():
    for seed in range(3):
        page = paint("screen_browser", seed=seed)[90:300].astype(int)  # below the tabs, above the dock
        near = [np.abs(page - c).max(2) < 40 for c in ((26, 13, 171), (20, 90, 200))]  # the two link blues
        assert (near[0] | near[1]).mean() > 0.001
