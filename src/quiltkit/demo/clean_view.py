"""A demo video's frames as the renderer drew them minus the lecturer's pointer: the truth any
rebuilt or curated image of the demo is measured against (benchmarks/median_bench.py, the
release fixture)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from quiltkit.config import DemoParams
from quiltkit.contracts import GroundTruth
from quiltkit.demo.lecture import plan_lecture
from quiltkit.demo.render import FrameSource, make_view, shot_picture


def clean_source(gt: GroundTruth, index: int, seed: int, demo: DemoParams, raw_root: Path) -> FrameSource:
    """The demo's frame source for one video with the pointer taken out. The random draws are
    replayed in make_video's order (the plan, then the narration); the shot times, which depend on
    speech lengths, are taken from the ground truth instead of synthesising the speech again."""
    rng, topic, title, shots, presenter_name = plan_lecture(index, seed, demo)
    w, h, fps = demo.width, demo.height, demo.fps
    classes = list(demo.tissue_classes)
    if [s.image_key for s in shots] != [g.image_key for g in gt.shots]:
        raise RuntimeError(f"{gt.video_id}: replayed shot plan does not match the ground truth")
    for s, g in zip(shots, gt.shots):
        s.start, s.end = g.start, g.end
    pics, views = {}, []
    for s in shots:
        if s.image_key not in pics:
            pics[s.image_key] = shot_picture(
                s, w, h, np.random.default_rng([seed, index, 2, len(pics)]), title, classes, raw_root
            )
        v = make_view(s, pics[s.image_key], w, h, rng)
        v.pointer_path = None
        views.append(v)
    return FrameSource(shots, views, w, h, fps)
