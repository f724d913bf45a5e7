"""Where a pair's sentence points: a region of its image, from the lecturer's pointer.

Quilt-1M pairs a whole frame with a sentence. A lecturer who says "right here you can see the
granulomas" shows where with the mouse, and Quilt-LLaVA built its grounded instructions on that.
The frames stage tracked the pointer through each stable interval (ChunkImage.pointer, from
quiltkit.video.pointer); here the positions found while the sentence is spoken are clustered
into the one place it is about.

Time first: the sentence's span [start, end], widened by half a sampling step on each side so a
short sentence that falls between two samples still sees its neighbours. Then space: the core is
the position with the most others within `cluster_radius` of the image diagonal (the densest
place the pointer stayed, not the mean of a track that crossed the picture), and the cluster is
every position within that radius of the core. A cluster holding at least `min_points`
positions and `min_cluster_share` of the span's gives the region: the positions' bounds padded
by `pad` of the image's longer side, clipped to the image. Otherwise none: a pointer absent while
the sentence was spoken, or one that wandered over the whole picture, says nothing about one
region, and a missing region costs a pair less than a wrong one.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from quiltkit.config import GroundingParams
from quiltkit.contracts import PointerSample

Box = tuple[int, int, int, int]


def sample_step(samples: Sequence[PointerSample]) -> float:
    """The typical time between two read frames (the stable sampler's step, thinned or not)."""
    ts = sorted(s.t for s in samples)
    gaps = np.diff(ts) if len(ts) > 1 else np.array([])
    gaps = gaps[gaps > 0]
    return float(np.median(gaps)) if gaps.size else 0.0


def ground(
    samples: Sequence[PointerSample], start: float, end: float, width: int, height: int, p: GroundingParams
) -> tuple[Box | None, list[tuple[float, float, float]]]:
    """(region, track): the box in image pixels and the (t, x, y) positions it was drawn around,
    or (None, []) when the pointer says nothing while [start, end] is spoken."""
    half = sample_step(samples) / 2
    pts = [(s.t, s.x, s.y) for s in samples if s.x is not None and start - half <= s.t <= end + half]
    if len(pts) < p.min_points:
        return None, []
    xy = np.array([(x, y) for _, x, y in pts], np.float64)
    radius = p.cluster_radius * float(np.hypot(width, height))
    dist = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=2)
    near = dist <= radius
    core = int(np.argmax(near.sum(axis=1)))  # ties: the earliest, so the result is one per input
    members = np.flatnonzero(near[core])
    if members.size < p.min_points or members.size < p.min_cluster_share * len(pts):
        return None, []
    pad = p.pad * max(width, height)
    x0, y0 = xy[members].min(axis=0) - pad
    x1, y1 = xy[members].max(axis=0) + pad
    box = (
        int(max(0, np.floor(x0))),
        int(max(0, np.floor(y0))),
        int(min(width, np.ceil(x1))),
        int(min(height, np.ceil(y1))),
    )
    return box, [pts[i] for i in members]
