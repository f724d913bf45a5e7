"""A sentence's region from the pointer positions while it is spoken (pairing/grounding.py)."""

from quiltkit.config import GroundingParams
from quiltkit.contracts import PointerSample
from quiltkit.pairing.grounding import ground, sample_step

P = GroundingParams()  # the defaults, params.yaml's
W, H = 640, 360


def _track(points, t0=10.0, step=0.5):
    return [
        PointerSample(
            t=t0 + i * step,
            x=None if p is None else p[0],
            y=None if p is None else p[1],
            reason="pointer" if p else "no_pointer",
        )
        for i, p in enumerate(points)
    ]


def test_a_pointer_circling_a_place_gives_a_padded_box_around_it():
    track = _track([(300, 200), (310, 205), (305, 190), (298, 198), (312, 210)])
    box, used = ground(track, 10.0, 12.0, W, H, P)
    # bounds 298..312 x 190..210, padded by pad x 640 = 25.6 px, floored and ceiled to pixels
    assert box == (272, 164, 338, 236)
    assert len(used) == 5 and all(10.0 <= t <= 12.0 for t, _, _ in used)
    assert sample_step(track) == 0.5


def test_only_the_positions_while_the_sentence_is_spoken_count():
    # the pointer rests top-left during the sentence, then moves bottom-right after it
    track = _track([(100, 80), (104, 82), (102, 79), (520, 300), (530, 310), (525, 305)])
    box, used = ground(track, 10.0, 11.0, W, H, P)
    assert box is not None and box[2] < 200 and box[3] < 160
    assert [t for t, _, _ in used] == [10.0, 10.5, 11.0]


def test_an_outlier_is_left_out_of_the_cluster():
    track = _track([(300, 200), (305, 202), (303, 199), (600, 30), (301, 204)])
    box, used = ground(track, 10.0, 12.0, W, H, P)
    assert box is not None and box[2] < 400 and len(used) == 4


def test_no_region_without_enough_positions_or_when_the_pointer_wanders():
    assert ground(_track([(300, 200), None, None, None]), 10.0, 11.5, W, H, P) == (None, [])
    assert ground(_track([None] * 6), 10.0, 12.5, W, H, P) == (None, [])
    # four corners: no cluster holds half of the positions
    wander = _track([(20, 20), (620, 20), (20, 340), (620, 340)])
    assert ground(wander, 10.0, 11.5, W, H, P) == (None, [])
    assert ground([], 0.0, 5.0, W, H, P) == (None, [])


def test_the_box_stays_inside_the_image():
    box, _ = ground(_track([(2, 3), (5, 1), (4, 4)]), 10.0, 11.0, W, H, P)
    assert box[0] == 0 and box[1] == 0 and box[2] <= W and box[3] <= H
