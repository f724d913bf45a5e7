"""The curation stage's pointer block (scoring/grounding.py) on hand-made truth: every figure can
come out below 1, and each is computed from the ground truth's own pointer, not the tracker's."""

import pytest

from quiltkit.config import GroundingParams
from quiltkit.contracts import (
    ChunkImage,
    FrameAnalysis,
    GroundTruth,
    GtSentence,
    GtShot,
    PairRecord,
    PointerSample,
)
from quiltkit.scoring.grounding import aggregate_pointer, detection_samples, grounding_samples

FPS = 10.0


def _gt() -> GroundTruth:
    # 0-10 s: the pointer moves right along y=100 (x = 100 + 10 k); 10-20 s: no pointer
    pointer = [(100 + k, 100) if k < 100 else None for k in range(200)]
    shots = [
        GtShot(index=0, start=0, end=10, kind="histology", image_key="a", pointer=True),
        GtShot(index=1, start=10, end=20, kind="histology", image_key="b"),
    ]
    sents = [
        GtSentence(index=0, start=2.0, end=4.0, text="here the glands", shot_index=0),
        GtSentence(index=1, start=12.0, end=14.0, text="no pointer now", shot_index=1),
    ]
    return GroundTruth(
        video_id="v",
        title="t",
        duration=20,
        fps=FPS,
        width=640,
        height=360,
        shots=shots,
        sentences=sents,
        expected_pairs=[],
        pointer=pointer,
    )


def _image(i, start, end, samples) -> ChunkImage:
    return ChunkImage(
        image_id=f"v_{i}",
        path=f"x/{i}.png",
        start=start,
        end=end,
        scene_index=i,
        method="median",
        width=640,
        height=360,
        pointer=[PointerSample(t=t, x=x, y=y) for t, x, y in samples],
    )


def test_detection_counts_hits_misses_far_points_and_false_alarms():
    fa = FrameAnalysis(
        video_id="v",
        images=[
            _image(0, 0, 10, [(1.0, 110.0, 101.0), (2.0, 120.0, 100.0), (3.0, None, None), (4.0, 200.0, 100.0)]),
            _image(1, 10, 20, [(11.0, None, None), (12.0, 300.0, 200.0)]),
        ],
    )
    s = detection_samples(fa, _gt())
    assert s["truth"][:4] == [(110, 100), (120, 100), (130, 100), (140, 100)] and s["truth"][4:] == [None, None]
    d = aggregate_pointer([s], [])["detection"]
    # hits at 1 s and 2 s; a miss at 3 s; 4 s is 60 px off (a false point and a miss); 12 s a false alarm
    assert (d["tp"], d["fp"], d["fn"]) == (2, 2, 2)
    assert d["precision"] == 0.5 and d["recall"] == 0.5 and d["false_per_100_empty"] == 50.0


def _pair(start, end, region):
    return PairRecord(
        pair_id=f"p{start}",
        video_id="v",
        image_id="v_0",
        image_path="x",
        caption="c",
        start=start,
        end=end,
        width=640,
        height=360,
        region=region,
    )


def test_pointing_game_iou_and_false_regions():
    p = GroundingParams()
    pairs = [
        _pair(2.0, 4.0, (110, 80, 160, 120)),  # contains the middle point (130, 100)
        _pair(2.1, 3.9, (300, 80, 340, 120)),  # a region elsewhere: a miss
        _pair(2.0, 4.0, None),  # no region: a miss
        _pair(12.0, 14.0, (10, 10, 50, 50)),  # no pointer on screen: a false region
    ]
    g = grounding_samples(pairs, _gt(), p)
    assert g[0]["point"] == (130, 100) and g[3]["point"] is None and not g[3]["pointer_on_screen"]
    pad = p.pad * 640
    assert g[0]["region"] == pytest.approx((120 - pad, 100 - pad, 140 + pad, 100 + pad))
    out = aggregate_pointer([{"pred": [], "truth": [], "tol": 6.4}], g)["grounding"]
    assert out["pointer_pairs"] == 3 and out["grounded_pointer_pairs"] == 2
    assert out["pointing_game"] == pytest.approx(1 / 3, abs=1e-4)
    assert out["pointing_game_grounded"] == 0.5
    assert 0 < out["mean_iou"] < 0.5 and out["false_regions"] == 1 and out["no_pointer_pairs"] == 1
