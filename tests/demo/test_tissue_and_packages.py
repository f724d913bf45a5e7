"""Tissue classes look different in the ways a pathologist would name, and the real package
images are byte-exact copies."""

import hashlib
from pathlib import Path

import numpy as np
import pytest

from quiltkit.demo import package_images
from quiltkit.demo.tissue import Stain, render_tissue
from quiltkit.demo.tissue_classes import TISSUE_CLASSES

REPO = Path(__file__).resolve().parents[2]


def _stats(img):
    f = img.astype(np.float32)
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    nuclei = (r < 150) & (b > r + 15)  # purple-blue haematoxylin
    white = (r > 225) & (g > 215) & (b > 225)  # lumina, fat: no stain
    pink = (r > 190) & (g < 185) & (r > g + 30)  # eosin
    return nuclei.mean(), white.mean(), pink.mean()


@pytest.fixture(scope="module")
def stats():
    out = {}
    for c in TISSUE_CLASSES:
        vals = [_stats(render_tissue(c, seed, 256, 256, 1.0, Stain())) for seed in (1, 2)]
        out[c] = np.mean(vals, axis=0)
    return out


def test_each_class_has_its_own_morphology(stats):
    n = {c: v[0] for c, v in stats.items()}
    w = {c: v[1] for c, v in stats.items()}
    p = {c: v[2] for c, v in stats.items()}
    assert max(n, key=n.get) == "lymphoid tissue"  # dense small round nuclei
    assert max(w, key=w.get) == "adipose tissue"  # empty fat vacuoles
    assert min(n, key=n.get) in ("adipose tissue", "fibrous stroma")  # sparse nuclei
    assert max(p, key=p.get) == "fibrous stroma"  # collagen is the pinkest
    assert n["colorectal adenocarcinoma"] > 1.5 * n["normal colonic mucosa"]  # crowded atypical nuclei
    assert w["normal colonic mucosa"] > 0.02  # open crypt lumina
    vecs = np.array(list(stats.values()))
    d = np.abs(vecs[:, None] - vecs[None]).sum(-1) + np.eye(len(vecs))
    assert d.min() > 0.03, "two classes have near-identical colour statistics"


def test_rendering_is_deterministic_and_seed_dependent():
    a = render_tissue("normal colonic mucosa", 3, 128, 128)
    assert np.array_equal(a, render_tissue("normal colonic mucosa", 3, 128, 128))
    assert not np.array_equal(a, render_tissue("normal colonic mucosa", 4, 128, 128))
    with pytest.raises(ValueError, match="no renderer"):
        render_tissue("liver", 1, 32, 32)


def test_package_images_present_and_byte_exact(tmp_path):
    assert package_images.check(REPO), "run `python -m quiltkit.demo.package_images`"
    assert not package_images.check(tmp_path)
    import skimage

    ihc = Path(skimage.__file__).parent / "data" / "ihc.png"
    mine = REPO / "data/raw/package_images/skimage_ihc.png"
    assert hashlib.sha256(mine.read_bytes()).digest() == hashlib.sha256(ihc.read_bytes()).digest()
    for img in package_images.PACKAGE_IMAGES:
        arr = package_images.load_rgb(img.name, REPO, max_side=512)
        assert arr.ndim == 3 and arr.shape[2] == 3 and arr.std() > 10
    assert (
        "Licence" in (REPO / "data/raw/README.md").read_text() or "licence" in (REPO / "data/raw/README.md").read_text()
    )
