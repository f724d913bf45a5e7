"""Where the demo renderer draws the lecturer's pointer, frame by frame: the truth a pointer
tracker (video/pointer.py) is scored against (scoring/pointer.py).

Nothing here draws. The position is recomputed from the same plan the renderer reads (the shots,
their views' pointer paths, the frame rate), with the renderer's own interpolation
(render._pointer_at), so the videos and the dataset hash stay exactly as they were; the test
(tests/demo/test_pointer_truth.py) finds the sprite in rendered frames and holds the two together.

The point is the sprite's hotspot, the arrow's tip, in frame pixels. FrameSource._shot_frame
pastes the sprite with its top-left corner at render._pointer_at's (x, y), and
slides.pointer_sprite draws its polygon one pixel in from that corner (its vertices scaled by 4
and moved by 4 quarter-pixels), so the tip is at (x + 1, y + 1). For a shot inside viewer
chrome, make_view has already moved the path by the viewport's offset, so the path is in frame
pixels as it stands.

Crossfades: FrameSource blends the two shots' frames, each with its own pointer, by alpha. The
truth follows the stronger of the two layers (weight at least `min_weight`, 0.5 by default): its
pointer when it has one, None when it has none, even though the weaker layer's pointer shows
faintly. A frame whose hotspot falls outside the frame has None.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from quiltkit.demo.plan import CROSSFADE_SECONDS, Shot
from quiltkit.demo.render import FrameSource, View, _pointer_at

SPRITE_TIP = (1, 1)  # the tip inside slides.pointer_sprite's bitmap (see the module docstring)


def layers(shots: Sequence[Shot], fps: float, k: int) -> list[tuple[int, float]]:
    """The shots frame k shows and their weights, as FrameSource.__call__ and _blend choose them."""
    t = k / fps
    i = max(j for j, s in enumerate(shots) if s.start <= t + 1e-9)
    half = CROSSFADE_SECONDS / 2

    def blend(a: int, b: int) -> list[tuple[int, float]]:
        b0 = shots[b].start - CROSSFADE_SECONDS / 2
        alpha = float(np.clip((t - b0 + 0.5 / fps) / CROSSFADE_SECONDS, 0, 1))
        return [(a, 1 - alpha), (b, alpha)]

    if shots[i].transition_in == "crossfade" and i > 0 and t < shots[i].start + half:
        return blend(i - 1, i)
    if i + 1 < len(shots) and shots[i + 1].transition_in == "crossfade" and t >= shots[i + 1].start - half:
        return blend(i, i + 1)
    return [(i, 1.0)]


def pointer_truth(
    shots: Sequence[Shot],
    views: Sequence[View],
    w: int,
    h: int,
    fps: float,
    n_frames: int,
    min_weight: float = 0.5,
) -> list[tuple[int, int] | None]:
    """The pointer's hotspot (x, y) in frame pixels for frames 0..n_frames-1, or None where none
    is drawn (or only in the weaker layer of a crossfade, or with its tip off the frame)."""
    if len(shots) != len(views):
        raise ValueError(f"{len(shots)} shots but {len(views)} views")
    out: list[tuple[int, int] | None] = []
    for k in range(n_frames):
        j, weight = max(layers(shots, fps, k), key=lambda jw: jw[1])
        s, v = shots[j], views[j]
        if weight < min_weight or v.pointer_path is None:
            out.append(None)
            continue
        t = k / fps
        u = float(np.clip((t - s.start) / max(1e-6, s.end - s.start), 0, 1))
        x, y = _pointer_at(v.pointer_path, u)
        tip = (x + SPRITE_TIP[0], y + SPRITE_TIP[1])
        out.append(tip if 0 <= tip[0] < w and 0 <= tip[1] < h else None)
    return out


def source_truth(src: FrameSource, n_frames: int, min_weight: float = 0.5) -> list[tuple[int, int] | None]:
    """pointer_truth for the plan a FrameSource renders."""
    return pointer_truth(src.shots, src.views, src.w, src.h, src.fps, n_frames, min_weight)
