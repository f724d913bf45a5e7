"""The renderer's styles, read from data/styles.yaml: the one place that says which styles the
demo corpus and the classifier's training frames may use and which are kept for the held-out
corpus.

A style is what a shot shows (a near-white bullet slide, a photo of a printed page, tissue inside
slide-viewer software, a Pap smear, ...). Each names its painter, a function in quiltkit.demo
that turns (frame size, a Generator, a PaintContext) into the shot's picture:

- a non-histology painter returns the frame itself, (h, w, 3) uint8;
- a histology painter returns a picture larger than the frame (about 1.6x each side), so the
  shot can pan and zoom over it as a stage would move;
- a chrome painter (viewer software, a webcam box over tissue) returns a Chrome: fixed pixels
  around and over a viewport in which the tissue moves.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Literal

import numpy as np
import yaml

STYLES_FILE = Path(__file__).parent / "data" / "styles.yaml"
Split = Literal["train", "holdout"]
ROLES = ("title", "slide", "chart", "presenter", "extra", "histology", "package")


@dataclass(frozen=True)
class Style:
    name: str
    group: str
    label: Literal["histology", "other"]
    split: Split
    painter: str
    tissue: str | None = None
    sources: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    @property
    def is_histology(self) -> bool:
        return self.label == "histology"


@dataclass
class Chrome:
    """Pixels that stay put while the tissue moves: the frame outside the viewport (toolbars, a
    navigator, a side panel) and an overlay drawn on top of everything (a scale bar, annotation
    outlines, a presenter's webcam box). `viewport` is (x, y, w, h) in frame pixels."""

    image: np.ndarray  # (h, w, 3) uint8, the frame around the viewport
    viewport: tuple[int, int, int, int]
    overlay_rgb: np.ndarray | None = None  # (h, w, 3) uint8
    overlay_alpha: np.ndarray | None = None  # (h, w) float32 in 0..1
    tissue: np.ndarray | None = None  # the picture that moves under the viewport (set by paint)

    def compose(self, inner: np.ndarray) -> np.ndarray:
        """The frame with `inner` (viewport-sized) placed in the viewport and the overlay on top."""
        x, y, w, h = self.viewport
        if inner.shape[:2] != (h, w):
            raise ValueError(f"viewport is {w}x{h}, the inner picture {inner.shape[1]}x{inner.shape[0]}")
        out = self.image.copy()
        out[y : y + h, x : x + w] = inner
        if self.overlay_alpha is not None:
            a = self.overlay_alpha[..., None]
            out = (out.astype(np.float32) * (1 - a) + self.overlay_rgb.astype(np.float32) * a).astype(np.uint8)
        return out


@dataclass
class PaintContext:
    """What a painter may draw on besides its Generator. Text fields are what the narration talks
    about, so a slide shows the lecture's own words."""

    title: str = ""
    heading: str = ""
    bullets: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    raw_root: Path = Path(".")
    tissue_class: str | None = None
    magnification: str | None = None
    sources: tuple[str, ...] = ()
    tissue_picture: np.ndarray | None = None  # for chrome painters: the tissue under the viewport


@lru_cache(maxsize=1)
def all_styles() -> dict[str, Style]:
    doc = yaml.safe_load(STYLES_FILE.read_text(encoding="utf-8"))
    out = {}
    for name, d in doc["styles"].items():
        try:
            st = Style(
                name=name,
                group=d["group"],
                label=d["label"],
                split=d["split"],
                painter=d["painter"],
                tissue=d.get("tissue"),
                sources=tuple(d.get("sources") or ()),
                roles=tuple(d.get("roles") or ()),
            )
        except KeyError as err:
            raise ValueError(f"{STYLES_FILE}: style {name!r} lacks {err}") from None
        if st.label not in ("histology", "other") or st.split not in ("train", "holdout"):
            raise ValueError(f"{STYLES_FILE}: style {name!r}: label must be histology|other and split train|holdout")
        bad = set(st.roles) - set(ROLES)
        if bad or not st.roles:
            raise ValueError(f"{STYLES_FILE}: style {name!r}: roles {sorted(bad) or '[]'} not among {ROLES}")
        if (st.label == "histology") != bool(set(st.roles) & {"histology", "package"}):
            raise ValueError(
                f"{STYLES_FILE}: style {name!r}: histology styles, and only they, paint histology or package shots"
            )
        out[name] = st
    for st in out.values():
        if st.tissue is not None and (st.tissue not in out or not out[st.tissue].is_histology):
            raise ValueError(f"{STYLES_FILE}: style {st.name!r}: tissue {st.tissue!r} is not a histology style")
        if st.tissue is not None and out[st.tissue].split != st.split:
            raise ValueError(
                f"{STYLES_FILE}: style {st.name!r} ({st.split}) shows tissue of {st.tissue!r} ({out[st.tissue].split})"
            )
    _check_sources_disjoint(out)
    return out


def _check_sources_disjoint(styles: dict[str, Style]) -> None:
    """A source picture belongs to one split: otherwise a held-out style would show the
    classifier a picture it was trained on."""
    owner: dict[str, str] = {}
    for st in styles.values():
        for src in st.sources:
            if owner.setdefault(src, st.split) != st.split:
                raise ValueError(f"{STYLES_FILE}: source {src!r} is used by train and holdout styles")


def styles(split: Split | None = None, label: str | None = None, role: str | None = None) -> list[Style]:
    return [
        s
        for s in all_styles().values()
        if (split is None or s.split == split)
        and (label is None or s.label == label)
        and (role is None or role in s.roles)
    ]


def style(name: str) -> Style:
    try:
        return all_styles()[name]
    except KeyError:
        raise ValueError(f"unknown style {name!r}; known: {sorted(all_styles())}") from None


def groups() -> list[str]:
    return sorted({s.group for s in all_styles().values()})


def painter(st: Style) -> Callable:
    module, func = st.painter.split(":")
    return getattr(importlib.import_module(f"quiltkit.demo.{module}"), func)


def paint(
    name: str, w: int, h: int, rng: np.random.Generator, ctx: PaintContext, sources: tuple[str, ...] | None = None
):
    """The picture of one shot in style `name` (see the module docstring for its three shapes).
    `sources` narrows the style's own sources, e.g. to the package image a lecture plan chose."""
    st = style(name)
    if st.tissue is not None and ctx.tissue_picture is None:
        ctx.tissue_picture = paint(st.tissue, w, h, rng, ctx)
    if sources is not None and not set(sources) <= set(st.sources):
        raise ValueError(f"style {name!r} has no source {sorted(set(sources) - set(st.sources))}")
    ctx.sources = tuple(sources) if sources is not None else st.sources
    out = painter(st)(w, h, rng, ctx)
    if isinstance(out, Chrome):
        out.tissue = ctx.tissue_picture
    return out


# ------------------------------------------------------------------------------------------
# shipped source pictures


def source_path(src: str, raw_root: Path | str = ".") -> Path:
    """The file behind a source name: skimage:<file> (scikit-image's bundled data),
    matplotlib:<file> (matplotlib's sample_data), package:<file> (data/raw/package_images)."""
    kind, _, name = src.partition(":")
    if kind == "skimage":
        import skimage.data

        return Path(skimage.data.__file__).parent / name
    if kind == "matplotlib":
        import matplotlib

        return Path(matplotlib.get_data_path()) / "sample_data" / name
    if kind == "package":
        from quiltkit.demo.package_images import OUT_DIR

        return Path(raw_root) / OUT_DIR / name
    raise ValueError(f"unknown source kind in {src!r} (skimage: | matplotlib: | package:)")


_SOURCE_CACHE: dict[tuple[str, str], np.ndarray] = {}


def load_source(src: str, raw_root: Path | str = ".", max_side: int = 1600) -> np.ndarray:
    """A source picture as RGB uint8 (grey ones expanded), cached per process."""
    key = (src, str(raw_root))
    if key not in _SOURCE_CACHE:
        kind, _, name = src.partition(":")
        if kind == "package":
            from quiltkit.demo.package_images import load_rgb

            arr = load_rgb(name, raw_root, max_side=max_side)
        else:
            import cv2
            from PIL import Image

            path = source_path(src, raw_root)
            if not path.is_file():
                raise FileNotFoundError(f"{path}: source picture {src!r} not found")
            with Image.open(path) as im:
                arr = np.asarray(im.convert("RGB")).copy()
            s = max_side / max(arr.shape[:2])
            if s < 1:
                arr = cv2.resize(arr, (round(arr.shape[1] * s), round(arr.shape[0] * s)), interpolation=cv2.INTER_AREA)
        _SOURCE_CACHE[key] = arr
    return _SOURCE_CACHE[key]


def font_path(family: str = "sans", bold: bool = False) -> str:
    """A TrueType font that ships with matplotlib (always installed): sans (DejaVu Sans), serif
    (DejaVu Serif), mono (DejaVu Sans Mono), stix (STIX General), cm (Computer Modern)."""
    import matplotlib

    d = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    names = {
        "sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
        "serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
        "mono": ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"),
        "stix": ("STIXGeneral.ttf", "STIXGeneralBol.ttf"),
        "cm": ("cmr10.ttf", "cmb10.ttf"),
    }
    if family not in names:
        raise ValueError(f"unknown font family {family!r}; known: {sorted(names)}")
    return str(d / names[family][int(bold)])
