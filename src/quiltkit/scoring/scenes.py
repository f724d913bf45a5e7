"""Scene-boundary accuracy: detected cut times against ground-truth shot boundaries.

Self-contained (no quiltkit imports) so the curation scorer and tests can use it directly.
"""

from __future__ import annotations

from typing import Iterable


def scene_boundary_f1(pred_times: Iterable[float], gt_times: Iterable[float], tol: float = 0.5) -> dict:
    """Precision, recall and F1 of predicted boundary times within +/- `tol` seconds.

    Matching is one-to-one and greedy by distance (the closest pairs are matched first), so a
    burst of detections around one true cut counts once, and one detection cannot vouch for
    two true cuts. Returns {"precision", "recall", "f1", "tp", "fp", "fn", "matches"} where
    `matches` lists (pred, gt) pairs. With no boundaries on either side the result is perfect;
    with boundaries on one side only, the empty side's score is 0.
    """
    pred = sorted(float(t) for t in pred_times)
    gt = sorted(float(t) for t in gt_times)
    pairs = sorted(
        ((abs(p - g), i, j) for i, p in enumerate(pred) for j, g in enumerate(gt) if abs(p - g) <= tol),
        key=lambda x: x[0],
    )
    used_p, used_g, matches = set(), set(), []
    for _, i, j in pairs:
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        matches.append((pred[i], gt[j]))
    tp = len(matches)
    fp, fn = len(pred) - tp, len(gt) - tp
    precision = tp / len(pred) if pred else (1.0 if not gt else 0.0)
    recall = tp / len(gt) if gt else (1.0 if not pred else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "matches": sorted(matches),
    }


def gt_boundaries(shots) -> list[float]:
    """Boundary times of a GroundTruth's shots: every shot start except the first. Accepts
    objects with .start or dicts with "start"."""
    starts = sorted(float(s["start"] if isinstance(s, dict) else s.start) for s in shots)
    return starts[1:]
