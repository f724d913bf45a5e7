"""The linear head both trained histology backends share.

A stain model and an effnet model are the same thing on top of different features: a
standardising scaler, a logistic regression, and a JSON file that says which backend it holds
(they share the default model path, so the file must say which kind it is). The recipe that fits
the head, the decision it computes and the fields it writes live here once.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from quiltkit.io import atomic_write_text


class LinearHead:
    """Mixin for dataclasses with mean, scale, coef, intercept and info, and a to_json."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    info: dict | None

    def decision(self, feats: np.ndarray) -> np.ndarray:
        return ((feats - self.mean) / self.scale) @ self.coef + self.intercept

    def proba(self, feats: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.decision(feats)))

    def head_fields(self) -> dict:
        return {
            "scaler_mean": self.mean.tolist(),
            "scaler_scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": float(self.intercept),
            "info": self.info or {},
        }

    def to_json(self) -> str:
        raise NotImplementedError

    def save(self, path: Path | str) -> None:
        atomic_write_text(Path(path), self.to_json() + "\n")


def read_model_json(path: Path | str, backend: str) -> dict:
    """A histology model file's JSON, checked to hold a model of `backend` (stain and effnet
    models share the default path, so the file says which kind it is)."""
    path = Path(path)
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path}: {backend} histology model not found (run the histo_classifier stage)"
        ) from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not a histology model JSON ({err})") from None
    kind = d.get("backend") if isinstance(d, dict) else None
    if kind != backend:
        raise ValueError(
            f"{path}: holds a {kind!r} histology model, not the {backend!r} model that "
            f"frames.histology.backend={backend!r} needs; retrain it (histo_classifier stage) "
            f"or set the backend to {kind!r}"
        )
    return d


def fit_logistic_head(
    X: np.ndarray, y: np.ndarray, seed: int = 0, test_fraction: float = 0.25, C: float = 1.0, max_iter: int = 2000
):
    """The recipe every trained head shares: fit a standardised logistic regression on a
    stratified split and report held-out accuracy, precision and recall; then refit on every
    label for the saved model (the held-out numbers describe the recipe, the saved weights use
    all labels). Returns (scaler, classifier, metrics)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, precision_score, recall_score
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=test_fraction, random_state=seed, stratify=y)

    def fit(Xa, ya):
        sc = StandardScaler().fit(Xa)
        sc.scale_[sc.scale_ == 0] = 1.0
        return sc, LogisticRegression(C=C, max_iter=max_iter).fit(sc.transform(Xa), ya)

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
    return sc, clf, metrics
