"""The frame guards on real pictures: rendered slides, pages and tissue, skimage's photos."""

import cv2
import numpy as np
import pytest
from skimage import data

from quiltkit.demo.slide_styles import page_render, slide_plain
from quiltkit.demo.slides import text_slide
from quiltkit.demo.styles import PaintContext
from quiltkit.demo.tissue import RENDERERS, render_tissue
from quiltkit.video.classifiers import load_classifier
from quiltkit.video.frame_guards import text_dominated, text_line_boxes, text_line_fraction, tissue_region
from quiltkit.video.histology import GuardedClassifier

BULLETS = [
    "bullet one text about glands",
    "second bullet on nuclear atypia",
    "third point: mitoses per field",
    "fourth: desmoplastic stroma",
    "fifth and last bullet line",
]


def _slide(seed=0):
    return text_slide(640, 360, "Title of the lecture", BULLETS, np.random.default_rng(seed))


def _ctx():
    return PaintContext(
        title="Colorectal adenocarcinoma",
        heading="Key histologic features",
        bullets=BULLETS[:3],
        classes=["colorectal adenocarcinoma", "normal colonic mucosa"],
    )


def in_chrome(tissue_class: str, seed: int):
    """Tissue in viewer software: a dark toolbar with icons on top, a side panel with labels on
    the right, a status bar below. Returns the frame and the tissue's (x, y, w, h)."""
    rng = np.random.default_rng(seed)
    H, W = 360, 640
    top, bottom, left, right = (
        int(rng.integers(24, 48)),
        int(rng.integers(0, 24)),
        int(rng.integers(0, 30)),
        int(rng.integers(90, 170)),
    )
    img = np.empty((H, W, 3), np.uint8)
    img[:] = (38, 40, 46)
    for i in range(8):
        cv2.rectangle(img, (8 + 30 * i, 6), (26 + 30 * i, top - 8), (200, 200, 210) if i % 2 else (90, 150, 220), -1)
    if bottom:
        img[H - bottom :] = (60, 62, 70)
    img[top : H - bottom, W - right :] = (30, 32, 36)
    for j in range(6):
        cv2.putText(
            img, f"layer {j}", (W - right + 10, top + 30 + 24 * j), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (220, 220, 220), 1
        )
    w, h = W - right - left, H - bottom - top
    img[top : top + h, left : left + w] = render_tissue(tissue_class, seed, h, w)
    return img, (left, top, w, h)


def test_text_slides_and_screens_are_text_dominated():
    for seed in range(3):
        s = _slide(seed)
        assert text_line_fraction(s) > 0.12 and text_dominated(s)
        assert len(text_line_boxes(s)) >= 5  # the title and the bullet lines, each found
    # a plain slide with three bullets is covered less, but its lines are found
    plain = slide_plain(640, 360, np.random.default_rng(0), _ctx())
    assert 0.04 < text_line_fraction(plain) and text_dominated(plain, max_fraction=0.04)
    page = page_render(640, 360, np.random.default_rng(1), _ctx())
    assert 0.0 <= text_line_fraction(page) < 1.0  # tiny tilted print: may be missed, must not crash


@pytest.mark.parametrize("tissue_class", sorted(RENDERERS))
def test_tissue_is_not_text_and_fills_its_frame(tissue_class):
    t = render_tissue(tissue_class, 3, 360, 640)
    assert text_line_fraction(t) < 0.02 and not text_dominated(t)
    assert tissue_region(t) is None


def test_photos_are_not_text_dominated():
    for im in (data.astronaut(), data.coffee(), data.chelsea()):
        assert not text_dominated(im)
        assert text_line_fraction(im) < 0.03


@pytest.mark.parametrize(
    "tissue_class", ["normal colonic mucosa", "colorectal adenocarcinoma", "lymphoid tissue", "fibrous stroma"]
)
def test_tissue_region_peels_off_viewer_chrome(tissue_class):
    for seed in (1, 2):
        frame, box = in_chrome(tissue_class, seed)
        found = tissue_region(frame)
        assert found is not None
        assert max(abs(a - b) for a, b in zip(found, box)) <= 3, (found, box)


def test_tissue_region_rejects_flat_frames_and_bad_input():
    assert tissue_region(np.full((360, 640, 3), 200, np.uint8)) is None
    assert tissue_region(_slide()) is None
    with pytest.raises(ValueError, match="RGB"):
        tissue_region(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match="RGB"):
        text_line_fraction(np.zeros((10, 10, 3), np.float32))


class Recorder:
    name = "rec"

    def __init__(self):
        self.calls = []

    def predict_proba(self, images):
        self.calls.append([im.shape for im in images])
        return np.full(len(images), 0.9)


def test_guarded_classifier_zeroes_text_crops_chrome_batches():
    frame, (x, y, w, h) = in_chrome("colorectal adenocarcinoma", 1)
    tissue = render_tissue("lymphoid tissue", 0, 360, 640)
    rec = Recorder()
    g = GuardedClassifier(rec, text_max_fraction=0.12)
    p = g.predict_proba([_slide(), frame, tissue, _slide(1)])
    assert p.tolist() == [0.0, 0.9, 0.9, 0.0]
    assert len(rec.calls) == 1  # one call for everything that reached the classifier
    ((crop, whole),) = [rec.calls[0]]
    assert abs(crop[0] - h) <= 3 and abs(crop[1] - w) <= 3 and whole == tissue.shape
    assert g.predict_proba([_slide()]).tolist() == [0.0] and len(rec.calls) == 1  # nothing to classify: no call
    assert g.predict_proba([]).shape == (0,)
    # without crop_chrome the frame goes whole
    rec2 = Recorder()
    GuardedClassifier(rec2, crop_chrome=False).predict_proba([frame])
    assert rec2.calls == [[frame.shape]]
    assert g.name == "rec+guard"


def test_load_classifier_wraps_only_when_asked(tmp_path, monkeypatch):
    import quiltkit.video.histology as histology

    monkeypatch.setattr(histology.StainModel, "load", classmethod(lambda cls, path: Recorder()))
    assert isinstance(load_classifier("stain", "x.json"), Recorder)
    g = load_classifier("stain", "x.json", guard=True, text_max_fraction=0.3, crop_chrome=False)
    assert isinstance(g, GuardedClassifier) and g.text_max_fraction == 0.3 and not g.crop_chrome
