"""Zero-shot classification: a prompt ensemble per class, then nearest class embedding.

The classifier follows CLIP (and CLIP_benchmark, which the paper used): each class name is put
into every template, the text embeddings are L2-normalised, averaged over templates and
normalised again. Averaging *normalised* embeddings matters: otherwise a template whose raw
embedding happens to be long dominates the ensemble.

The metrics are split from the model so the same function scores logits computed anywhere (the
training callback, the evaluate stage from cached features, and the cross-check against
clip_benchmark in the tests).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F


@contextmanager
def eval_mode(model):
    """Dropout off while embedding, then give the model back in the mode it came in (the training
    callback calls us mid-fit)."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def _fill(template: str, classname: str) -> str:
    # Templates use "{c}" (CLIP_benchmark convention); accept "{}" (OpenAI/open_clip) too.
    return template.format(c=classname) if "{c}" in template else template.format(classname)


@torch.no_grad()
def zeroshot_classifier(model, tokenizer, classnames: Sequence[str], templates, device) -> torch.Tensor:
    """Return a [C, D] tensor: one unit-norm text embedding per class.

    `templates` is a list of strings with "{c}", or a dict classname -> list of full prompts
    (class-specific prompts, as CuPL does).
    """
    if not classnames:
        raise ValueError("zeroshot_classifier: no class names")
    rows = []
    with eval_mode(model):
        rows = _class_rows(model, tokenizer, classnames, templates, device)
    return torch.stack(rows).to(device)


def _class_rows(model, tokenizer, classnames, templates, device) -> list[torch.Tensor]:
    rows = []
    for name in classnames:
        if isinstance(templates, dict):
            if name not in templates:
                raise KeyError(f"no prompts for class {name!r} in the class-specific template dict")
            texts = list(templates[name])
        else:
            texts = [_fill(t, name) for t in templates]
        if not texts:
            raise ValueError(f"no templates for class {name!r}")
        emb = model.encode_text(tokenizer(texts).to(device)).float()
        emb = F.normalize(emb, dim=-1).mean(dim=0)
        rows.append(emb / emb.norm())
    return rows


@torch.no_grad()
def encode_images(model, dataloader, device) -> tuple[torch.Tensor, torch.Tensor]:
    """Unit-norm image embeddings [N, D] and integer targets [N] for a (images, labels) loader."""
    feats, targets = [], []
    with eval_mode(model):
        for images, labels in dataloader:
            emb = model.encode_image(images.to(device)).float()
            feats.append(F.normalize(emb, dim=-1).cpu())
            targets.append(torch.as_tensor(labels).cpu())
    if not feats:
        raise ValueError("encode_images: the dataloader yielded no batches")
    return torch.cat(feats), torch.cat(targets).long()


def topk_accuracy(logits: torch.Tensor, targets: torch.Tensor, k: int) -> float:
    topk = logits.topk(k, dim=1).indices
    return float((topk == targets.view(-1, 1)).any(dim=1).double().mean())  # float64: 0.85, not 0.8500000238


def balanced_accuracy(pred: np.ndarray, targets: np.ndarray) -> float:
    """Mean per-class recall over the classes that occur in `targets` (sklearn's definition)."""
    pred, targets = np.asarray(pred), np.asarray(targets)
    recalls = [float((pred[targets == c] == c).mean()) for c in np.unique(targets)]
    return float(np.mean(recalls))


def confusion_matrix(pred: np.ndarray, targets: np.ndarray, n_classes: int) -> np.ndarray:
    """[actual, predicted] counts."""
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(targets), np.asarray(pred)), 1)
    return cm


def classification_metrics(logits: torch.Tensor, targets: torch.Tensor) -> dict:
    """acc1, acc5 (only with >= 5 classes, as in CLIP_benchmark), balanced accuracy, confusion."""
    logits = torch.as_tensor(logits).float()
    targets = torch.as_tensor(targets).long()
    n_classes = logits.shape[1]
    if len(targets) == 0:
        raise ValueError("classification_metrics: no samples")
    if int(targets.max()) >= n_classes or int(targets.min()) < 0:
        raise ValueError(f"target label out of range 0..{n_classes - 1}")
    pred = logits.argmax(dim=1).numpy()
    out = {
        "acc1": topk_accuracy(logits, targets, 1),
        "balanced_accuracy": balanced_accuracy(pred, targets.numpy()),
        "confusion": confusion_matrix(pred, targets.numpy(), n_classes).tolist(),
        "n": int(len(targets)),
        "predictions": pred.tolist(),
        "targets": targets.numpy().tolist(),
    }
    if n_classes >= 5:
        out["acc5"] = topk_accuracy(logits, targets, 5)
    return out


def zeroshot_logits(image_features: torch.Tensor, classifier: torch.Tensor) -> torch.Tensor:
    # The 100x logit scale does not change argmax/top-k; kept so logits match CLIP_benchmark's.
    return 100.0 * F.normalize(image_features.float(), dim=-1) @ classifier.float().T


def zeroshot_evaluate(model, classifier: torch.Tensor, dataloader, device) -> dict:
    """Score a model on a labelled (images, labels) dataloader with a [C, D] classifier."""
    feats, targets = encode_images(model, dataloader, device)
    return classification_metrics(zeroshot_logits(feats, classifier.cpu()), targets)
