"""Histology keyframe accuracy against ground truth shots.

A predicted keyframe is truly histology when its time falls inside a ground-truth shot of kind
"histology". Self-contained (no quiltkit imports): keyframes and shots may be pydantic objects
(contracts.Keyframe / contracts.GtShot) or plain dicts with the same field names.
"""
from __future__ import annotations

from typing import Iterable


def _get(obj, name):
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def shot_kind_at(t: float, shots) -> str | None:
    """The kind of the shot covering time t (start inclusive, end exclusive), or None."""
    for s in shots:
        if _get(s, "start") <= t < _get(s, "end"):
            return _get(s, "kind")
    return None


def histology_precision_recall(keyframes: Iterable, gt) -> dict:
    """Precision and recall of keyframes' `is_histology` against the ground truth.

    `gt` is a GroundTruth (or dict with "shots") or directly a list of shots. Keyframes falling
    in no shot (past the end) count as non-histology truth. Returns {"precision", "recall",
    "f1", "tp", "fp", "fn", "tn", "n"}; precision is 1.0 when nothing is predicted histology and
    recall 1.0 when nothing is truly histology (nothing to get wrong).
    """
    shots = gt if isinstance(gt, list) else _get(gt, "shots")
    tp = fp = fn = tn = 0
    for k in keyframes:
        truth = shot_kind_at(float(_get(k, "time")), shots) == "histology"
        pred = bool(_get(k, "is_histology"))
        tp += truth and pred
        fp += pred and not truth
        fn += truth and not pred
        tn += not truth and not pred
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn, "tn": tn, "n": tp + fp + fn + tn}
