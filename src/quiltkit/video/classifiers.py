"""The histology classifiers by name (frames.histology.backend): effnet, stain or timm, each
loadable behind the frame guards, and the histo_classifier stage's training of the effnet and
stain heads. Apart from histology.py, which the effnet backend builds on, so the two never import
each other.
"""

from __future__ import annotations

from pathlib import Path

from quiltkit.video.frame_guards import DEFAULT_TEXT_MAX_FRACTION
from quiltkit.video.histology import (
    GuardedClassifier,
    HistologyClassifier,
    StainModel,
    TimmClassifier,
    train_stain_model,
)

DEFAULT_MODEL = "outputs/histo_classifier/model.json"  # the stain or effnet model the histo_classifier stage trains


def load_classifier(
    backend: str,
    model_path: str | None,
    timm_model: str | None = None,
    device: str = "cpu",
    *,
    guard: bool = False,
    text_max_fraction: float = DEFAULT_TEXT_MAX_FRACTION,
    crop_chrome: bool = True,
    batch_size: int = 32,
) -> HistologyClassifier:
    """The classifier of `backend` (effnet | stain | timm); with guard, behind GuardedClassifier."""
    if backend == "stain":
        clf = StainModel.load(model_path or DEFAULT_MODEL)
    elif backend == "effnet":
        from quiltkit.video.effnet import EffnetModel

        clf = EffnetModel.load(model_path or DEFAULT_MODEL, device=device, batch_size=batch_size)
    elif backend == "timm":
        if not model_path or not timm_model:
            raise ValueError(
                "frames.histology.backend=timm needs both model_path (a state_dict) and timm_model (architecture name)"
            )
        clf = TimmClassifier(timm_model, model_path, device)
    else:
        raise ValueError(f"unknown histology backend {backend!r} (effnet | stain | timm)")
    return GuardedClassifier(clf, text_max_fraction, crop_chrome) if guard else clf


# ------------------------------------------------------------------------------------------
# the histo_classifier stage: train a head, or check a user's model


def train_classifier(
    backend: str, train_frames: Path | str, seed: int = 0, device: str = "cpu", with_stain: bool = True
):
    """Train the effnet or stain head on a folder of labelled frames (its labels.csv)."""
    labels = Path(train_frames) / "labels.csv"
    if not labels.is_file():
        raise FileNotFoundError(
            f"frames.histology.train_frames={str(train_frames)!r}: no labels.csv (filepath,label) in it"
        )
    if backend == "stain":
        return train_stain_model(labels, seed=seed)
    if backend == "effnet":
        from quiltkit.video.effnet import train_effnet_model

        return train_effnet_model(labels, seed=seed, device=device, with_stain=with_stain)
    raise ValueError(
        f"frames.histology.backend={backend!r} has no training here: give model_path (a checkpoint) instead"
    )
