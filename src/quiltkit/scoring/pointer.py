"""Scores of a pointer tracker against the true pointer (demo/pointer_truth.py for the demo).

Per frame there is a detected point or None and a true point or None, in frame pixels.

* A detection within `tol` px of a true pointer is a true positive. A detection anywhere else (a
  frame without a pointer, or too far from it) is a false positive, and a true pointer without a
  true positive is a miss: precision = TP / detections, recall = TP / true pointers. A far
  detection therefore costs both, as it should: the region it gives a sentence is wrong and the
  right one is missing.
* False detections per 100 no-pointer frames: detections on frames whose truth is None, per 100
  such frames; what a pointer-free lecture would gain in invented regions.

Regions are boxes (x0, y0, x1, y1) in image pixels, as PairRecord.region holds them, a point
(px, py) inside one when x0 <= px <= x1 and y0 <= py <= y1 (edges included: a pointer's tip on a
box's edge points at it). The pointing game (Zhang et al.'s metric for attention maps) is the share of boxes that
contain their true point; IoU compares a box with a true box.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

Point = tuple[float, float]
Box = tuple[float, float, float, float]


def _check_lengths(a: Sequence, b: Sequence, what: str) -> None:
    if len(a) != len(b):
        raise ValueError(f"{what}: {len(a)} predictions for {len(b)} truths")


def detection_scores(pred: Sequence[Point | None], truth: Sequence[Point | None], tol: float) -> dict:
    """Per-frame precision and recall within `tol` px, and false detections per 100 no-pointer
    frames (None where the clip has no such frame; precision or recall None where undefined)."""
    _check_lengths(pred, truth, "detection_scores")
    tp = fp = fn = fp_empty = n_empty = 0
    errors = []
    for p, t in zip(pred, truth):
        if t is None:
            n_empty += 1
            if p is not None:
                fp += 1
                fp_empty += 1
            continue
        if p is None:
            fn += 1
            continue
        d = float(np.hypot(p[0] - t[0], p[1] - t[1]))
        errors.append(d)
        if d <= tol:
            tp += 1
        else:
            fp += 1
            fn += 1
    n_pred, n_true = tp + fp, tp + fn
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": tp / n_pred if n_pred else None,
        "recall": tp / n_true if n_true else None,
        "false_per_100_empty": 100.0 * fp_empty / n_empty if n_empty else None,
        "empty_frames": n_empty,
        "pointer_frames": n_true,
        "median_error_px": float(np.median(errors)) if errors else None,
        "tol_px": tol,
    }


def contains(box: Box, point: Point) -> bool:
    x0, y0, x1, y1 = box
    return x0 <= point[0] <= x1 and y0 <= point[1] <= y1


def pointing_game(boxes: Sequence[Box | None], points: Sequence[Point | None]) -> float | None:
    """Share of boxes containing their true point, over the items that have a true point (a
    missing box is a miss there); None when no item has one. Items without a true point do not
    take part: there is nothing to point at."""
    _check_lengths(boxes, points, "pointing_game")
    scored = [(b, p) for b, p in zip(boxes, points) if p is not None]
    if not scored:
        return None
    return sum(1 for b, p in scored if b is not None and contains(b, p)) / len(scored)


def box_iou(a: Box, b: Box) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def mean_iou(pred: Sequence[Box | None], truth: Sequence[Box | None]) -> float | None:
    """Mean IoU over the items with a true box (a missing prediction scores 0 there); None when
    there is none. A box predicted where the truth has none is not an IoU question: detection_scores
    counts it."""
    _check_lengths(pred, truth, "mean_iou")
    scored = [0.0 if p is None else box_iou(p, t) for p, t in zip(pred, truth) if t is not None]
    return float(np.mean(scored)) if scored else None
