"""The pointer tracker and the grounded pairs against the renderer's pointer (GroundTruth.pointer).

Two questions, per video, kept as raw lists so the corpus figures are micro-averages:

* Detection. Every frame the tracker read (ChunkImage.pointer) beside where the renderer drew the
  pointer in that frame (the frame at the sample's time), both in image pixels: precision and
  recall within TOL_SHARE of the image's longer side (6 px at 640), false detections per 100
  pointer-free frames (scoring/pointer.py).
* Grounding. Each pair of the configured aligner beside the ground-truth sentence it overlaps
  most. A pair is a pointer pair when its sentence is spoken while the pointer is on screen and
  moves (its true positions over the sentence span more than MOVING_PX). Its true referred point
  is the pointer at the sentence's middle frame; its true region is the bounds of the true
  positions while the sentence is spoken, padded as the grounder pads (pairs.grounding.pad), so
  the IoU measures tracking and clustering, not a difference of conventions. The pointing game
  counts a pointer pair without a region as a miss; regions on pairs whose sentence has no
  pointer are false regions.
"""

from __future__ import annotations

import numpy as np

from quiltkit.config import GroundingParams
from quiltkit.contracts import FrameAnalysis, GroundTruth, PairRecord
from quiltkit.scoring.pointer import box_iou, contains, detection_scores

TOL_SHARE = 0.01  # detection tolerance: share of the image's longer side
MOVING_PX = 2.0  # true positions over a sentence spread at least this far: the pointer moved


def _truth_at(gt: GroundTruth, t: float, sx: float, sy: float):
    k = int(round(t * gt.fps))
    p = gt.pointer[k] if 0 <= k < len(gt.pointer) else None
    return None if p is None else (p[0] * sx, p[1] * sy)


def detection_samples(frames: FrameAnalysis, gt: GroundTruth) -> dict:
    """{pred, truth, tol}: one entry per frame the tracker read, over every image of the video."""
    pred, truth, tols = [], [], []
    for im in frames.images:
        if not im.pointer:
            continue
        sx, sy = im.width / gt.width, im.height / gt.height
        for s in im.pointer:
            pred.append(None if s.x is None else (s.x, s.y))
            truth.append(_truth_at(gt, s.t, sx, sy))
        tols.append(TOL_SHARE * max(im.width, im.height))
    return {"pred": pred, "truth": truth, "tol": max(tols) if tols else TOL_SHARE * gt.width}


def grounding_samples(pairs: list[PairRecord], gt: GroundTruth, p: GroundingParams) -> list[dict]:
    """One entry per pair: its box, the true point and region (None when its sentence has no
    moving pointer), and whether a pointer was on screen at all."""
    out = []
    for rec in pairs:
        g = max(gt.sentences, key=lambda s: min(s.end, rec.end) - max(s.start, rec.start), default=None)
        entry = {"box": rec.region, "point": None, "region": None, "pointer_on_screen": False}
        if g is not None and min(g.end, rec.end) > max(g.start, rec.start):
            sx, sy = rec.width / gt.width, rec.height / gt.height
            ks = range(int(np.ceil(g.start * gt.fps)), int(np.floor(g.end * gt.fps)) + 1)
            pts = [q for q in (_truth_at(gt, k / gt.fps, sx, sy) for k in ks) if q is not None]
            entry["pointer_on_screen"] = bool(pts)
            if pts:
                xy = np.array(pts)
                if np.linalg.norm(xy.max(axis=0) - xy.min(axis=0)) > MOVING_PX:
                    entry["point"] = _truth_at(gt, (g.start + g.end) / 2, sx, sy) or pts[len(pts) // 2]
                    pad = p.pad * max(rec.width, rec.height)
                    x0, y0 = xy.min(axis=0) - pad
                    x1, y1 = xy.max(axis=0) + pad
                    entry["region"] = (max(0.0, x0), max(0.0, y0), min(rec.width, x1), min(rec.height, y1))
        out.append(entry)
    return out


def aggregate_pointer(detections: list[dict], grounding: list[dict]) -> dict:
    """Corpus figures from the per-video lists of detection_samples and grounding_samples."""
    out: dict = {}
    pred = [x for d in detections for x in d["pred"]]
    truth = [x for d in detections for x in d["truth"]]
    if pred:
        tol = max(d["tol"] for d in detections)
        det = detection_scores(pred, truth, tol)
        out["detection"] = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in det.items()}
    moving = [g for g in grounding if g["point"] is not None]
    still = [g for g in grounding if not g["pointer_on_screen"]]
    boxed = [g for g in moving if g["box"] is not None]
    hits = sum(contains(g["box"], g["point"]) for g in boxed)
    out["grounding"] = {
        "pairs": len(grounding),
        "pointer_pairs": len(moving),  # spoken while the pointer is on screen and moving
        "grounded": sum(g["box"] is not None for g in grounding),
        "grounded_pointer_pairs": len(boxed),
        # share of pointer pairs whose region contains the true referred point (no region: a miss)
        "pointing_game": round(hits / len(moving), 4) if moving else None,
        "pointing_game_grounded": round(hits / len(boxed), 4) if boxed else None,
        "mean_iou": round(float(np.mean([box_iou(g["box"], g["region"]) for g in boxed])), 4) if boxed else None,
        "no_pointer_pairs": len(still),
        "false_regions": sum(g["box"] is not None for g in still),
    }
    return out
