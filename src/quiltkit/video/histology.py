"""Is this frame a histology image? A pluggable classifier.

The paper classifies keyframes with an ensemble of ImageNet-pretrained CNNs/ViTs fine-tuned on
hand-labelled frames. No such weights can be fetched here, so the default backend ("stain") is
a small, fully transparent model: colour deconvolution into haematoxylin / eosin / DAB
(quiltkit.video.stain: scikit-image's rgb2hed, table-driven) plus colour and texture statistics,
fed to a logistic regression that the histo_classifier stage trains on labelled frames. It is
saved as JSON (feature names, scaler, weights) so the model file is readable, diffable, and
loads without pickle.

Users who have a real network can select the "timm" backend and point it at their checkpoint
(a state_dict, loaded with torch.load(weights_only=True)).
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

import cv2
import numpy as np

from quiltkit.io import atomic_write_text
from quiltkit.video.stain import rgb_to_hed

FEATURE_SIZE = 160  # frames are shrunk to this long side before features: colour stats do not need more


class HistologyClassifier(Protocol):
    name: str

    def predict_proba(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """P(histology) for each RGB uint8 image, shape (n,)."""


# ------------------------------------------------------------------------------------------
# the stain backend: features


FEATURE_NAMES = [
    "h_mean", "h_std", "e_mean", "e_std", "d_mean",
    "sat_mean", "sat_std", "val_mean", "val_std",
    "white_frac", "black_frac", "pinkpurple_frac", "colourfulness",
    "grad_mean", "grad_std", "edge_frac", "gray_entropy", "gray_levels_used",
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
            hed[..., 0].mean() * 10, hed[..., 0].std() * 10, hed[..., 1].mean() * 10, hed[..., 1].std() * 10,
            hed[..., 2].mean() * 10,
            sat.mean(), sat.std(), val.mean(), val.std(),
            white, black, pinkpurple, colourfulness,
            grad.mean(), grad.std(), (grad > 0.25).mean(), entropy, levels,
        ],
        dtype=np.float64,
    )


# ------------------------------------------------------------------------------------------
# the stain backend: model


@dataclass
class StainModel:
    feature_names: list[str]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    name: str = "stain"
    info: dict | None = None

    def decision(self, feats: np.ndarray) -> np.ndarray:
        z = (feats - self.mean) / self.scale
        return z @ self.coef + self.intercept

    def predict_proba(self, images: Sequence[np.ndarray]) -> np.ndarray:
        if len(images) == 0:
            return np.zeros(0)
        feats = np.stack([stain_features(im) for im in images])
        return 1.0 / (1.0 + np.exp(-self.decision(feats)))

    def to_json(self) -> str:
        return json.dumps(
            {
                "backend": "stain",
                "feature_names": self.feature_names,
                "scaler_mean": self.mean.tolist(),
                "scaler_scale": self.scale.tolist(),
                "coef": self.coef.tolist(),
                "intercept": float(self.intercept),
                "info": self.info or {},
            },
            indent=1,
        )

    def save(self, path: Path | str) -> None:
        atomic_write_text(Path(path), self.to_json() + "\n")

    @classmethod
    def load(cls, path: Path | str) -> "StainModel":
        path = Path(path)
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FileNotFoundError(f"{path}: stain histology model not found (run the histo_classifier stage)") from None
        if d.get("backend") != "stain":
            raise ValueError(f"{path}: not a stain model (backend={d.get('backend')!r})")
        if d["feature_names"] != FEATURE_NAMES:
            raise ValueError(f"{path}: feature names differ from this code's; retrain the model")
        return cls(FEATURE_NAMES, np.array(d["scaler_mean"]), np.array(d["scaler_scale"]),
                   np.array(d["coef"]), float(d["intercept"]), info=d.get("info"))


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


def train_stain_model(labels_csv: Path | str, seed: int = 0, test_fraction: float = 0.25, C: float = 1.0) -> tuple[StainModel, dict]:
    """Fit the logistic regression on a stratified split and report held-out accuracy; then refit
    on everything for the saved model (the held-out numbers describe the recipe, the saved
    weights use all labels)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, precision_score, recall_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    from tqdm import tqdm

    rows = read_labels(labels_csv)
    X = np.stack([stain_features(load_rgb(p)) for p, _ in tqdm(rows, desc="features", unit="img")])
    y = np.array([lab for _, lab in rows])
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_fraction, random_state=seed, stratify=y)

    def fit(Xa, ya):
        sc = StandardScaler().fit(Xa)
        sc.scale_[sc.scale_ == 0] = 1.0
        clf = LogisticRegression(C=C, max_iter=2000).fit(sc.transform(Xa), ya)
        return sc, clf

    sc, clf = fit(Xtr, ytr)
    pred = clf.predict(sc.transform(Xte))
    metrics = {
        "n_train": int(len(ytr)),
        "n_test": int(len(yte)),
        "n_histology": int(y.sum()),
        "n_other": int((1 - y).sum()),
        "heldout_accuracy": float(accuracy_score(yte, pred)),
        "heldout_precision": float(precision_score(yte, pred, zero_division=0)),
        "heldout_recall": float(recall_score(yte, pred, zero_division=0)),
    }
    sc, clf = fit(X, y)
    model = StainModel(FEATURE_NAMES, sc.mean_.copy(), sc.scale_.copy(), clf.coef_[0].copy(), float(clf.intercept_[0]),
                       info={"trained_on": str(labels_csv), "seed": seed, **metrics})
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
            raise ValueError(f"{checkpoint}: state_dict does not fit timm model {arch!r} with a 1- or 2-class head: {str(last_err)[:300]}")
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
        batch = np.stack([(cv2.resize(im, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0 - self.mean) / self.std for im in images])
        x = torch.from_numpy(batch).permute(0, 3, 1, 2).contiguous().to(self.device)
        with torch.inference_mode():
            logits = self.model(x).float()
        if self.n_out == 2:
            return torch.softmax(logits, dim=1)[:, 1].cpu().numpy()
        return torch.sigmoid(logits[:, 0]).cpu().numpy()


DEFAULT_STAIN_MODEL = "outputs/histo_classifier/model.json"


def load_classifier(backend: str, model_path: str | None, timm_model: str | None = None, device: str = "cpu") -> HistologyClassifier:
    if backend == "stain":
        return StainModel.load(model_path or DEFAULT_STAIN_MODEL)
    if backend == "timm":
        if not model_path or not timm_model:
            raise ValueError("frames.histology.backend=timm needs both model_path (a state_dict) and timm_model (architecture name)")
        return TimmClassifier(timm_model, model_path, device)
    raise ValueError(f"unknown histology backend {backend!r} (stain | timm)")
