"""The effnet backend: packaged ImageNet EfficientNet-Lite0 features under a JSON logistic head."""

import csv
import json

import cv2
import numpy as np
import pytest
import timm  # noqa: F401  (a declared dependency of the backend: missing, it must fail, not skip)
import torch
from skimage import data

from quiltkit.demo.slide_styles import slide_dark, slide_plain, table_slide
from quiltkit.demo.slides import chart_slide, text_slide
from quiltkit.demo.styles import PaintContext
from quiltkit.demo.tissue import RENDERERS, render_tissue
from quiltkit.model.image_init import efficientnet_lite0_file
from quiltkit.video.classifiers import load_classifier
from quiltkit.video.effnet import (
    DEFAULT_INPUT_HEIGHT,
    DEFAULT_INPUT_SIZE,
    N_FEATURES,
    EffnetFeatures,
    EffnetModel,
    letterbox,
    train_effnet_model,
)
from quiltkit.video.histology import FEATURE_NAMES, GuardedClassifier, train_stain_model

SIZE = 128  # small input: fast tests; the features are still ImageNet features
CTX = PaintContext(
    title="Colorectal adenocarcinoma",
    heading="Key histologic features",
    bullets=["Glands with nuclear stratification", "Dirty necrosis", "Desmoplastic stroma"],
    classes=["colorectal adenocarcinoma", "normal colonic mucosa"],
)


def _other(i: int, h: int = 180, w: int = 320) -> np.ndarray:
    rng = np.random.default_rng(100 + i)
    kind = i % 5
    if kind == 0:
        return text_slide(w, h, f"Lecture {i}", ["bullet one text", "bullet two is longer", "third"], rng)
    if kind == 1:
        return chart_slide(w, h, "Distribution", ["a", "b", "c"], rng)
    if kind == 2:
        return slide_plain(w, h, rng, CTX)
    if kind == 3:
        return slide_dark(w, h, rng, CTX)
    return table_slide(w, h, rng, CTX)


def _tissue(i: int, h: int = 180, w: int = 320) -> np.ndarray:
    return render_tissue(sorted(RENDERERS)[i % len(RENDERERS)], 100 + i, h, w)


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    d = tmp_path_factory.mktemp("effnet_frames")
    rows = []
    for i in range(10):
        for label, kind, im in (("histology", "tissue", _tissue(i)), ("other", "slide", _other(i))):
            p = d / f"{kind}_{i}.png"
            cv2.imwrite(str(p), cv2.cvtColor(im, cv2.COLOR_RGB2BGR))
            rows.append((p.name, label, kind))
    with open(d / "labels.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([("filepath", "label", "kind"), *rows])
    return d / "labels.csv"


@pytest.fixture(scope="module")
def trained(labelled):
    return train_effnet_model(labelled, seed=0, input_size=SIZE)


def test_features_shape_determinism_and_cache():
    ext = EffnetFeatures("cpu", SIZE)
    assert EffnetFeatures("cpu", SIZE) is ext  # one per (device, size) per process
    imgs = [data.coffee(), data.chelsea(), _tissue(0)]
    f = ext.features(imgs, batch_size=2)
    assert f.shape == (3, N_FEATURES) and f.dtype == np.float32 and np.isfinite(f).all()
    # an image's features do not depend on its batch
    assert np.allclose(f, ext.features(imgs[::-1], batch_size=3)[::-1], atol=1e-4)
    assert ext.features([]).shape == (0, N_FEATURES)
    cos = f[0] @ f[1] / np.linalg.norm(f[0]) / np.linalg.norm(f[1])
    assert cos < 0.9 and not np.allclose(f[0], f[1])


def test_letterbox_keeps_aspect():
    im = np.full((90, 160, 3), 255, np.uint8)
    out = letterbox(im, 64)
    assert out.shape == (64, 64, 3)
    rows = np.where((out == 255).all(axis=(1, 2)))[0]
    assert len(rows) == 36 and rows[0] == 14  # 160x90 -> 64x36, centred
    assert tuple(out[0, 0]) == (124, 116, 104)  # ImageNet mean: zero after normalisation


def test_default_canvas_is_16_9_and_fills_a_lecture_frame():
    """A 16:9 frame fills the default canvas: no padding for the network to compute on."""
    im = np.full((720, 1280, 3), 255, np.uint8)
    out = letterbox(im, DEFAULT_INPUT_SIZE, DEFAULT_INPUT_HEIGHT)
    assert out.shape == (DEFAULT_INPUT_HEIGHT, DEFAULT_INPUT_SIZE, 3)
    assert (out[2:-2] == 255).all()  # 224x126 of frame, one padding row above and below
    tall = letterbox(np.full((400, 100, 3), 255, np.uint8), DEFAULT_INPUT_SIZE, DEFAULT_INPUT_HEIGHT)
    cols = np.where((tall == 255).all(axis=(0, 2)))[0]
    assert tall.shape == (128, 224, 3) and len(cols) == 32 and cols[0] == 96  # 100x400 -> 32x128, centred


def test_a_square_canvas_head_keeps_its_canvas(trained, tmp_path):
    """A head saved before the 16:9 canvas (no input_height) is still read with its square one."""
    model, _ = trained
    path = tmp_path / "model.json"
    model.save(path)
    d = json.loads(path.read_text())
    assert d["input_height"] == DEFAULT_INPUT_HEIGHT
    del d["input_height"]
    path.write_text(json.dumps(d))
    old = EffnetModel.load(path)
    assert old.input_height == old.input_size and old.extractor.input_height == old.input_size
    assert old.extractor is EffnetFeatures("cpu", old.input_size, old.input_size)


def test_packaged_weights_are_imagenet():
    """The pooled features through the package's own ImageNet classifier name the pictures."""
    src = torch.load(efficientnet_lite0_file(), map_location="cpu", weights_only=True)
    w, b = src["_fc.weight"].numpy(), src["_fc.bias"].numpy()
    f = EffnetFeatures("cpu", 224).features([data.chelsea(), data.coffee()])
    top = (f @ w.T + b).argmax(axis=1)
    assert 281 <= top[0] <= 285  # tabby / tiger / Persian / Siamese / Egyptian cat
    assert top[1] in (967, 968)  # espresso / cup


def test_trained_head_separates_tissue_from_slides(trained, labelled):
    model, metrics = trained
    _, stain_metrics = train_stain_model(labelled, seed=0)
    assert set(metrics) == set(stain_metrics)  # the stage reports either the same way
    assert metrics["n_histology"] == metrics["n_other"] == 10 and metrics["heldout_accuracy"] >= 0.8
    unseen = [_tissue(i, 240, 427) for i in range(50, 55)] + [_other(i, 240, 427) for i in range(50, 55)]
    p = model.predict_proba(unseen)
    assert p.shape == (10,) and (p[:5] > 0.5).all() and (p[5:] < 0.5).all()
    assert model.predict_proba([]).shape == (0,)


def test_json_round_trip(trained, tmp_path):
    model, _ = trained
    path = tmp_path / "model.json"
    model.save(path)
    text = path.read_text()
    d = json.loads(text)
    assert d["backend"] == "effnet" and d["input_size"] == SIZE and d["with_stain"] is True
    assert d["stain_feature_names"] == FEATURE_NAMES and len(d["coef"]) == N_FEATURES + len(FEATURE_NAMES)
    assert "pickle" not in text and d["info"]["heldout_accuracy"] >= 0.8
    loaded = load_classifier("effnet", str(path))
    assert isinstance(loaded, EffnetModel)
    imgs = [_tissue(7, 200, 300), _other(8, 200, 300), data.astronaut()]
    assert np.array_equal(loaded.predict_proba(imgs), model.predict_proba(imgs))
    g = load_classifier("effnet", str(path), guard=True)
    assert isinstance(g, GuardedClassifier) and g.inner.name == "effnet"


def test_kind_mismatch_names_the_file(trained, tmp_path):
    model, _ = trained
    eff = tmp_path / "effnet_model.json"
    model.save(eff)
    with pytest.raises(ValueError, match=r"effnet_model\.json.*'effnet'.*'stain'"):
        load_classifier("stain", str(eff))
    stain = tmp_path / "stain_model.json"
    stain.write_text(json.dumps({"backend": "stain"}))
    with pytest.raises(ValueError, match=r"stain_model\.json.*'stain'.*'effnet'"):
        load_classifier("effnet", str(stain))
    with pytest.raises(FileNotFoundError, match="histo_classifier"):
        load_classifier("effnet", str(tmp_path / "none.json"))
    # a head fitted on other backbone weights is refused when it would be used
    d = json.loads(eff.read_text())
    d["backbone_sha256"] = "0" * 64
    eff.write_text(json.dumps(d))
    with pytest.raises(ValueError, match="retrain"):
        load_classifier("effnet", str(eff)).predict_proba([_tissue(1)])


def _randomised_bn(channels: int, seed: int):
    g = torch.Generator().manual_seed(seed)
    bn = torch.nn.BatchNorm2d(channels)
    with torch.no_grad():
        bn.weight.copy_(torch.rand(channels, generator=g) + 0.5)
        bn.bias.copy_(torch.randn(channels, generator=g))
        bn.running_mean.copy_(torch.randn(channels, generator=g))
        bn.running_var.copy_(torch.rand(channels, generator=g) + 0.1)
    return bn


def test_folding_batch_norms_keeps_the_function():
    """Conv then frozen BN folded into one conv: the same outputs, one BN fewer."""
    from quiltkit.video.effnet import fold_batch_norms

    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1, bias=False),
        _randomised_bn(8, 0),
        torch.nn.ReLU(),
        torch.nn.Conv2d(8, 4, 1, bias=True),
        _randomised_bn(4, 1),
    ).eval()
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        want = net(x)
        assert fold_batch_norms(net) == 2
        got = net(x)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())
    assert torch.allclose(got, want, atol=1e-5)


def test_folding_check_refuses_a_model_whose_order_differs():
    """A BN registered after a conv but applied before it must not be folded silently."""
    from quiltkit.video.effnet import _folded_checked

    class BnFirst(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 3, 3, padding=1)
            self.bn = _randomised_bn(3, 3)

        def forward(self, x):
            return self.conv(self.bn(x))

    with pytest.raises(RuntimeError, match="changed"):
        _folded_checked(BnFirst().eval())


def test_every_backbone_batch_norm_is_folded():
    ext = EffnetFeatures("cpu", SIZE)  # built only if the folded network matched the unfolded one (_folded_checked)
    assert ext.folded == 49  # every BatchNorm of EfficientNet-Lite0 sits right after its conv
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in ext.model.modules())
