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
    s = shot_at(t, shots)
    return None if s is None else _get(s, "kind")


def shot_at(t: float, shots):
    """The shot covering time t (start inclusive, end exclusive), or None."""
    return next((s for s in shots if _get(s, "start") <= t < _get(s, "end")), None)


def histology_by_style_group(keyframes: Iterable, gt) -> dict:
    """Per style group of the ground truth (styles.yaml's `group`: slides, documents, he, viewer,
    ...), how many keyframes fell in its shots and how many the classifier called histology: for
    a histology group that is its recall, for any other group its false positives. It says
    *which* kind of frame fails, which one precision figure cannot."""
    shots = gt if isinstance(gt, list) else _get(gt, "shots")
    out: dict = {}
    for k in keyframes:
        s = shot_at(float(_get(k, "time")), shots)
        if s is None:
            continue
        g = out.setdefault(
            _get(s, "style_group") or _get(s, "kind"),
            {"histology": _get(s, "kind") == "histology", "keyframes": 0, "called_histology": 0},
        )
        g["keyframes"] += 1
        g["called_histology"] += bool(_get(k, "is_histology"))
    return dict(sorted(out.items()))


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
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "n": tp + fp + fn + tn,
    }
