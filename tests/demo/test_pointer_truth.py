"""demo/pointer_truth.py against the pixels: two demo lectures are rendered with the renderer's
own FrameSource, once as planned and once with the pointer paths taken out (as clean_view does);
where the two differ is the sprite, and its tip must be where the truth says, within 2 px.

Lecture 5 of seed 1337 crossfades between two pointer shots (one in picture-in-picture chrome
whose viewport is the whole frame); lecture 10 has a viewer-chrome shot whose viewport is offset
(a toolbar above it), given a pointer here (the plan gives it none) so that the viewport offset is exercised.
Shot times are set on the frame grid, 1.5 s each, instead of being fitted to synthesised speech:
the truth takes them from the plan whatever they are.
"""

from __future__ import annotations

import copy
from pathlib import Path

import cv2
import numpy as np
import pytest

from quiltkit.config import DemoParams
from quiltkit.demo.lecture import plan_lecture
from quiltkit.demo.plan import CROSSFADE_SECONDS
from quiltkit.demo.pointer_truth import layers, pointer_truth, source_truth
from quiltkit.demo.render import FrameSource, make_view, shot_picture
from quiltkit.demo.styles import Chrome

REPO = Path(__file__).resolve().parents[2]
SEED = 1337
DEMO = DemoParams(video_seconds=30, width=320, height=180)
SHOT_SECONDS = 1.5
TOL = 2.0


def _lecture(index: int, force_pointer: tuple[int, ...] = ()) -> tuple[FrameSource, FrameSource, int]:
    rng, topic, title, shots, _ = plan_lecture(index, SEED, DEMO)
    w, h, fps = DEMO.width, DEMO.height, DEMO.fps
    for j in force_pointer:
        shots[j].pointer = True
    for j, s in enumerate(shots):
        s.start, s.end = j * SHOT_SECONDS, (j + 1) * SHOT_SECONDS
    pics, views = {}, []
    for s in shots:
        if s.image_key not in pics:
            pics[s.image_key] = shot_picture(
                s, w, h, np.random.default_rng([SEED, index, 2, len(pics)]), title, list(DEMO.tissue_classes), REPO
            )
        views.append(make_view(s, pics[s.image_key], w, h, rng))
    clean = [copy.copy(v) for v in views]
    for v in clean:
        v.pointer_path = None
    n = int(round(len(shots) * SHOT_SECONDS * fps))
    return FrameSource(shots, views, w, h, fps), FrameSource(shots, clean, w, h, fps), n


@pytest.fixture(scope="module")
def lectures():
    return {5: _lecture(5), 10: _lecture(10, force_pointer=(3,))}


def _sprite_tips(with_ptr: np.ndarray, without: np.ndarray) -> list[tuple[int, int]]:
    """Each sprite's tip, the topmost changed pixel of each changed blob (leftmost in its row),
    as the sprite points up-left; a crossfade between two pointer shots shows two sprites."""
    changed = (np.abs(with_ptr.astype(np.int16) - without.astype(np.int16)).max(axis=2) > 2).astype(np.uint8)
    n, labels = cv2.connectedComponents(cv2.dilate(changed, np.ones((3, 3), np.uint8)))
    tips = []
    for i in range(1, n):
        ys, xs = np.nonzero((labels == i) & (changed > 0))
        if ys.size:
            top = ys.min()
            tips.append((int(xs[ys == top].min()), int(top)))
    return tips


def _problems(src: FrameSource, clean: FrameSource, truth: list, frames: range) -> list[str]:
    out = []
    for k in frames:
        found = _sprite_tips(src(k), clean(k))
        t = truth[k]
        drawn = any(src.views[j].pointer_path is not None and wgt > 0 for j, wgt in layers(src.shots, src.fps, k))
        if t is None:
            if found and not drawn:
                out.append(f"frame {k}: no truth but a sprite at {found}")
            continue
        if not found:
            out.append(f"frame {k}: truth {t} but no sprite drawn")
        elif min(np.hypot(f[0] - t[0], f[1] - t[1]) for f in found) > TOL:
            out.append(f"frame {k}: truth {t}, sprite tips at {found}")
    return out


@pytest.mark.parametrize("index", [5, 10])
def test_truth_is_where_the_sprite_is(lectures, index):
    src, clean, n = lectures[index]
    truth = source_truth(src, n)
    assert truth == pointer_truth(src.shots, src.views, src.w, src.h, src.fps, n)
    # every third frame, and every frame of each crossfade, where the layers change weight
    half = CROSSFADE_SECONDS / 2
    fades = {
        k
        for s in src.shots[1:]
        if s.transition_in == "crossfade"
        for k in range(int((s.start - half) * src.fps) - 1, int((s.start + half) * src.fps) + 2)
    }
    frames = sorted(set(range(0, n, 3)) | fades)
    assert _problems(src, clean, truth, frames) == []
    pointer_shots = [j for j, s in enumerate(src.shots) if s.pointer]
    with_truth = {max(layers(src.shots, src.fps, k), key=lambda jw: jw[1])[0] for k in range(n) if truth[k]}
    assert with_truth == set(pointer_shots)  # every pointer shot has its truth, no other shot has one


def test_the_viewport_offset_is_in_the_truth(lectures):
    """Lecture 10's shot 3 sits in viewer chrome: its truth lies in the viewport, and the same
    truth without the viewport's offset misses the sprite, which the check reports."""
    src, clean, n = lectures[10]
    chrome = src.views[3].chrome
    assert isinstance(chrome, Chrome) and chrome.viewport[:2] != (0, 0)
    truth = source_truth(src, n)
    fps = src.fps
    shot3 = range(int(3 * SHOT_SECONDS * fps) + 12, int(4 * SHOT_SECONDS * fps) - 12, 4)
    vx, vy, vw, vh = chrome.viewport
    assert all(vx <= truth[k][0] < vx + vw and vy <= truth[k][1] < vy + vh for k in shot3)
    shifted = list(truth)
    for k in shot3:
        shifted[k] = (truth[k][0] - vx, truth[k][1] - vy)
    assert len(_problems(src, clean, shifted, shot3)) == len(shot3)


def test_crossfade_follows_the_stronger_layer(lectures):
    src, _, n = lectures[5]
    sh, fps = src.shots, src.fps
    both = next(
        j for j in range(1, len(sh)) if sh[j].transition_in == "crossfade" and sh[j].pointer and sh[j - 1].pointer
    )
    into = next(
        j for j in range(1, len(sh)) if sh[j].transition_in == "crossfade" and sh[j].pointer and not sh[j - 1].pointer
    )
    strict = pointer_truth(sh, src.views, src.w, src.h, fps, n, min_weight=0.99)
    loose = source_truth(src, n)
    k = int(round(sh[both].start * fps)) - 3  # early in the fade: the outgoing shot is the stronger layer
    weights = dict(layers(sh, fps, k))
    assert set(weights) == {both - 1, both} and 0.5 < weights[both - 1] < 0.99
    assert strict[k] is None and loose[k] is not None  # only a strict weight gives the pointer up
    far = int(round((sh[both].start + 0.7) * fps))  # past the fade both agree
    assert strict[far] == loose[far] is not None
    # fading in from a shot without a pointer: its (faint) sprite is not the truth until it is the stronger
    k = int(round(sh[into].start * fps)) - 3
    assert loose[k] is None and loose[k + 6] is not None
    with pytest.raises(ValueError):
        pointer_truth(sh, src.views[:-1], src.w, src.h, fps, n)


def test_the_tracker_finds_the_demo_pointer_through_h264(lectures, tmp_path):
    """The two halves together: a still pointer shot of lecture 5 (picture-in-picture chrome over
    tissue) rendered, encoded with the demo's x264 settings and decoded, tracked against its median,
    and scored against this truth."""
    from quiltkit.scoring.pointer import detection_scores
    from quiltkit.video.pointer import track
    from tests.video.pointer_shapes import h264_roundtrip, median

    src, _, n = lectures[5]
    j = next(i for i, s in enumerate(src.shots) if s.pointer and s.motion == "static")
    truth = source_truth(src, n)
    half = CROSSFADE_SECONDS / 2
    ks = range(int((src.shots[j].start + half) * src.fps) + 1, int((src.shots[j].end - half) * src.fps) - 1)
    dec = h264_roundtrip([src(k) for k in ks], tmp_path, fps=src.fps, crf=DEMO.crf)
    s = detection_scores(track(dec, median(dec)), [truth[k] for k in ks], tol=4.0)
    print(f"demo shot {j}: precision {s['precision']:.3f} recall {s['recall']:.3f} over {len(ks)} frames")
    assert s["precision"] >= 0.9 and s["recall"] >= 0.9, s


@pytest.mark.parametrize("kind", ["crosshair", "laser"])
def test_other_pointer_kinds_point_where_the_truth_is(lectures, kind):
    """The held-out corpus points with a crosshair or a laser dot (holdout.pointers): each is
    pasted with its centre where the arrow's tip would be, so one truth serves every kind. The
    centre of what differs from the pointer-free frame is within TOL of it, away from crossfades."""
    src, clean, n = lectures[5]
    other = FrameSource(src.shots, src.views, src.w, src.h, src.fps, pointer=kind)
    truth = source_truth(src, n)
    checked = 0
    for k in range(0, n, 5):
        if truth[k] is None or len(layers(src.shots, src.fps, k)) > 1:
            continue
        diff = np.abs(other(k).astype(np.int16) - clean(k).astype(np.int16)).max(axis=2) > 20
        ys, xs = np.nonzero(diff)
        if xs.size == 0 or xs.min() == 0 or ys.min() == 0 or xs.max() == src.w - 1 or ys.max() == src.h - 1:
            continue  # the sprite cut by the frame's edge: its centre is not the blob's
        centre = ((xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2)
        assert np.hypot(centre[0] - truth[k][0], centre[1] - truth[k][1]) <= TOL, (k, centre, truth[k])
        checked += 1
    assert checked >= 5


def test_an_unknown_pointer_kind_is_named():
    from quiltkit.demo.slides import pointer_of

    with pytest.raises(ValueError, match="'wand' is not one of"):
        pointer_of("wand", 20)
