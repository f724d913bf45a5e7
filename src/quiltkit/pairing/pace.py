"""How long a "chunk" of one lecture is: pair_chunk_time, fixed or from the video's pace.

Quilt tunes pair_chunk_time per video because lecturers differ: one lingers a minute on a slide,
another flips every five seconds, and one window cannot fit both. We read the pace off the video
itself: the median length of its histology scenes (a scene starts at a keyframe and lasts until
the next one), clipped to [pair_chunk_time_min, pair_chunk_time_max] so that one very long or
very short scene cannot produce an absurd window. With no histology scene to measure we fall back
to the fixed value.
"""

from __future__ import annotations

import statistics

from quiltkit.config import PairsParams
from quiltkit.contracts import FrameAnalysis


def histology_scene_lengths(frames: FrameAnalysis, hist_threshold: float) -> list[float]:
    kfs = sorted(frames.keyframes, key=lambda k: k.time)
    if kfs:
        lengths = []
        for i, k in enumerate(kfs):
            nxt = kfs[i + 1].time if i + 1 < len(kfs) else max(frames.duration, k.time)
            if k.is_histology and nxt > k.time:
                lengths.append(nxt - k.time)
        return lengths
    # No keyframes recorded: the proposed images stand in for histology scenes, merged per scene.
    spans: dict[int, list[float]] = {}
    for im in frames.images:
        if im.histology_prob >= hist_threshold:
            lo_hi = spans.setdefault(im.scene_index, [im.start, im.end])
            lo_hi[0], lo_hi[1] = min(lo_hi[0], im.start), max(lo_hi[1], im.end)
    return [hi - lo for lo, hi in spans.values() if hi > lo]


def video_chunk_time(frames: FrameAnalysis, params: PairsParams) -> float:
    if params.pair_chunk_time_mode == "fixed":
        return params.pair_chunk_time
    lengths = histology_scene_lengths(frames, params.histology_threshold)
    if not lengths:
        return params.pair_chunk_time
    pace = statistics.median(lengths)
    return float(min(max(pace, params.pair_chunk_time_min), params.pair_chunk_time_max))
