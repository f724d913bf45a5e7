"""Is this frame a histology image? A pluggable classifier.

The paper classifies keyframes with an ensemble of ImageNet-pretrained CNNs/ViTs fine-tuned on
hand-labelled frames. No such weights can be fetched here, so the default backend ("stain") is
a small, fully transparent model: colour deconvolution into haematoxylin / eosin / DAB
(quiltkit.video.stain: scikit-image's rgb2hed, table-driven) plus colour and texture statistics,
fed to a logistic regression that the histo_classifier stage trains on labelled frames. It is
saved as JSON (feature names, scaler, weights) so the model file is readable, diffable, and
loads without pickle.

The "effnet" backend (quiltkit.video.effnet) puts the same kind of JSON head over frozen ImageNet
EfficientNet-Lite0 features (weights shipped in a pip package) joined to the stain features.
Users who have a real network can select the "timm" backend and point it at their checkpoint
(a state_dict, loaded with torch.load(weights_only=True)). Any backend can be wrapped in
GuardedClassifier (quiltkit.video.frame_guards: text-dominated frames score 0, tissue inside
viewer chrome is classified without the chrome).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

import cv2
import numpy as np

from quiltkit.video.frame_guards import DEFAULT_TEXT_MAX_FRACTION, text_dominated, tissue_region
from quiltkit.video.linear_head import LinearHead, fit_logistic_head, read_model_json  # noqa: F401 (re-exported)
from quiltkit.video.stain import rgb_to_hed

FEATURE_SIZE = 160  # frames are shrunk to this long side before features: colour stats do not need more


class HistologyClassifier(Protocol):
    name: str

    def predict_proba(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """P(histology) for each RGB uint8 image, shape (n,)."""


# ------------------------------------------------------------------------------------------
# the stain backend: features


FEATURE_NAMES = [
    "h_mean",
    "h_std",
    "e_mean",
    "e_std",
    "d_mean",
    "sat_mean",
    "sat_std",
    "val_mean",
    "val_std",
    "white_frac",
    "black_frac",
    "pinkpurple_frac",
    "colourfulness",
    "grad_mean",
    "grad_std",
    "edge_frac",
    "gray_entropy",
    "gray_levels_used",
]


def _shrink(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    s = FEATURE_SIZE / max(h, w)
    if s < 1:
        rgb = cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    return rgb


def stain_features(rgb: np.ndarray) -> np.ndarray:
    """The feature vector, in FEATURE_NAMES order.

    What separates an H&E field from a lecture slide is mostly colour (pink/purple everywhere,
    little pure white or black, strong haematoxylin and eosin optical density) and texture
    (dense, irregular gradients rather than a few sharp glyph edges on a flat background).
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an RGB image HxWx3, got shape {rgb.shape}")
    rgb = _shrink(rgb)
    hed = rgb_to_hed(rgb)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).astype(np.float32)
    hue, sat, val = hsv[..., 0] * 2.0, hsv[..., 1] / 255.0, hsv[..., 2] / 255.0
    f = rgb.astype(np.float32)
    white = (f.min(axis=2) > 225).mean()
    black = (f.max(axis=2) < 35).mean()
    # pink .. purple: hue 260-360 or 0-20 degrees with some saturation and not too dark
    pinkpurple = (((hue >= 260) | (hue <= 20)) & (sat > 0.12) & (val > 0.25)).mean()
    rg = f[..., 0] - f[..., 1]
    yb = 0.5 * (f[..., 0] + f[..., 1]) - f[..., 2]
    colourfulness = (np.sqrt(rg.std() ** 2 + yb.std() ** 2) + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2)) / 255.0
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    grad = np.sqrt(gx**2 + gy**2) / 255.0
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    p = hist / hist.sum()
    entropy = -(p[p > 0] * np.log2(p[p > 0])).sum() / 8.0
    levels = (hist > 0.001 * hist.sum()).mean()
    return np.array(
        [
            hed[..., 0].mean() * 10,
            hed[..., 0].std() * 10,
            hed[..., 1].mean() * 10,
            hed[..., 1].std() * 10,
            hed[..., 2].mean() * 10,
            sat.mean(),
            sat.std(),
            val.mean(),
            val.std(),
            white,
            black,
            pinkpurple,
            colourfulness,
            grad.mean(),
            grad.std(),
            (grad > 0.25).mean(),
            entropy,
            levels,
        ],
        dtype=np.float64,
    )


# ------------------------------------------------------------------------------------------
# the stain backend: model


@dataclass
class StainModel(LinearHead):
    feature_names: list[str]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    name: str = "stain"
    info: dict | None = None

    def predict_proba(self, images: Sequence[np.ndarray]) -> np.ndarray:
        if len(images) == 0:
            return np.zeros(0)
        return self.proba(np.stack([stain_features(im) for im in images]))

    def to_json(self) -> str:
        return json.dumps({"backend": "stain", "feature_names": self.feature_names, **self.head_fields()}, indent=1)

    @classmethod
    def load(cls, path: Path | str) -> "StainModel":
        path = Path(path)
        d = read_model_json(path, "stain")
        if d["feature_names"] != FEATURE_NAMES:
            raise ValueError(f"{path}: feature names differ from this code's; retrain the model")
        return cls(
            FEATURE_NAMES,
            np.array(d["scaler_mean"]),
            np.array(d["scaler_scale"]),
            np.array(d["coef"]),
            float(d["intercept"]),
            info=d.get("info"),
        )


def read_labels(labels_csv: Path | str) -> list[tuple[Path, int]]:
    """Rows of filepath,label (histology | other). Paths are tried relative to the repository
    root (the working directory) first, then to the CSV's folder."""
    labels_csv = Path(labels_csv)
    rows = []
    with open(labels_csv, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"filepath", "label"} <= set(reader.fieldnames):
            raise ValueError(f"{labels_csv}: needs columns filepath,label (got {reader.fieldnames})")
        for i, r in enumerate(reader, start=2):
            label = (r["label"] or "").strip()
            if label not in ("histology", "other"):
                raise ValueError(f"{labels_csv}:{i}: label must be histology|other, got {label!r}")
            p = Path(r["filepath"])
            if not p.is_absolute() and not p.exists():
                p = labels_csv.parent / p
            if not p.exists():
                raise FileNotFoundError(f"{labels_csv}:{i}: image {r['filepath']!r} not found")
            rows.append((p, int(label == "histology")))
    if len({y for _, y in rows}) < 2:
        raise ValueError(f"{labels_csv}: needs both histology and other rows")
    return rows


def load_rgb(path: Path | str) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"{path}: not a readable image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def train_stain_model(
    labels_csv: Path | str, seed: int = 0, test_fraction: float = 0.25, C: float = 1.0
) -> tuple[StainModel, dict]:
    """The stain head on labelled frames (fit_logistic_head's recipe)."""
    from tqdm import tqdm

    rows = read_labels(labels_csv)
    X = np.stack([stain_features(load_rgb(p)) for p, _ in tqdm(rows, desc="features", unit="img")])
    y = np.array([lab for _, lab in rows])
    sc, clf, metrics = fit_logistic_head(X, y, seed, test_fraction, C)
    model = StainModel(
        FEATURE_NAMES,
        sc.mean_.copy(),
        sc.scale_.copy(),
        clf.coef_[0].copy(),
        float(clf.intercept_[0]),
        info={"trained_on": str(labels_csv), "seed": seed, **metrics},
    )
    return model, metrics


# ------------------------------------------------------------------------------------------
# the timm backend


class TimmClassifier:
    """A user's timm network: `timm_model` names the architecture, `model_path` its state_dict
    (binary head: 2 logits with 'histology' at index 1, or 1 logit read through a sigmoid)."""

    name = "timm"

    def __init__(self, arch: str, checkpoint: Path | str, device: str = "cpu"):
        import timm
        import torch

        state = torch.load(str(checkpoint), map_location="cpu", weights_only=True)
        if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
            state = state["state_dict"]
        last_err = None
        for n_out in (2, 1):
            model = timm.create_model(arch, pretrained=False, num_classes=n_out)
            try:
                model.load_state_dict(state, strict=True)
                break
            except RuntimeError as err:
                last_err = err
        else:
            raise ValueError(
                f"{checkpoint}: state_dict does not fit timm model {arch!r} with a 1- or 2-class head: "
                f"{str(last_err)[:300]}"
            )
        self.n_out = n_out
        self.model = model.eval().to(device)
        self.device = device
        cfg = timm.data.resolve_data_config({}, model=model)
        self.size = cfg["input_size"][1:]
        self.mean = np.array(cfg["mean"], dtype=np.float32)
        self.std = np.array(cfg["std"], dtype=np.float32)

    def predict_proba(self, images: Sequence[np.ndarray]) -> np.ndarray:
        import torch

        if len(images) == 0:
            return np.zeros(0)
        h, w = self.size
        batch = np.stack(
            [
                (cv2.resize(im, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0 - self.mean) / self.std
                for im in images
            ]
        )
        x = torch.from_numpy(batch).permute(0, 3, 1, 2).contiguous().to(self.device)
        with torch.inference_mode():
            logits = self.model(x).float()
        if self.n_out == 2:
            return torch.softmax(logits, dim=1)[:, 1].cpu().numpy()
        return torch.sigmoid(logits[:, 0]).cpu().numpy()


# ------------------------------------------------------------------------------------------
# the frame guards around any backend


class GuardedClassifier:
    """A classifier behind the frame guards (quiltkit.video.frame_guards): a frame dominated by
    lines of text scores 0.0 without being classified; any other frame is classified on its
    tissue rectangle when application chrome frames one (crop_chrome), else whole. All the
    images that reach the inner classifier go to it in one call."""

    def __init__(
        self, inner: HistologyClassifier, text_max_fraction: float = DEFAULT_TEXT_MAX_FRACTION, crop_chrome: bool = True
    ):
        self.inner = inner
        self.text_max_fraction = text_max_fraction
        self.crop_chrome = crop_chrome
        self.name = f"{inner.name}+guard"

    def prepare(self, rgb: np.ndarray) -> np.ndarray | None:
        """The image the inner classifier sees for `rgb`, or None for a text-dominated frame."""
        if text_dominated(rgb, self.text_max_fraction):
            return None
        box = tissue_region(rgb) if self.crop_chrome else None
        if box is None:
            return rgb
        x, y, w, h = box
        return rgb[y : y + h, x : x + w]

    def predict_proba(self, images: Sequence[np.ndarray]) -> np.ndarray:
        out = np.zeros(len(images))
        todo = [(i, im) for i, im in enumerate(self.prepare(rgb) for rgb in images) if im is not None]
        if todo:
            out[[i for i, _ in todo]] = self.inner.predict_proba([im for _, im in todo])
        return out
