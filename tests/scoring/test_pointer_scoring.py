"""The pointer scores on hand-made cases, each metric shown below 1 where it should be."""

import pytest

from quiltkit.scoring.pointer import box_iou, contains, detection_scores, mean_iou, pointing_game


def test_detection_scores_count_each_kind_of_error():
    truth = [(10, 10), (50, 50), (80, 20), None, None, None, None, (5, 5)]
    pred = [
        (12, 11),  # 2.2 px: a hit
        (60, 50),  # 10 px: too far, a false positive and a miss
        None,  # a miss
        (3, 3),  # a detection on a frame without a pointer
        None,
        None,
        None,
        (5, 9),  # 4 px: a hit
    ]
    s = detection_scores(pred, truth, tol=6)
    assert (s["tp"], s["fp"], s["fn"]) == (2, 2, 2)
    assert s["precision"] == pytest.approx(2 / 4)
    assert s["recall"] == pytest.approx(2 / 4)
    assert s["false_per_100_empty"] == pytest.approx(25.0)
    assert (s["empty_frames"], s["pointer_frames"]) == (4, 4)
    # the tolerance decides the far one: at 10 px it is a hit
    wide = detection_scores(pred, truth, tol=10)
    assert (wide["precision"], wide["recall"]) == (pytest.approx(3 / 4), pytest.approx(3 / 4))


def test_detection_scores_perfect_and_undefined():
    s = detection_scores([(1, 1), None], [(1, 1), None], tol=0)
    assert (s["precision"], s["recall"], s["false_per_100_empty"]) == (1.0, 1.0, 0.0)
    empty = detection_scores([None, None], [None, None], tol=3)
    assert empty["precision"] is None and empty["recall"] is None and empty["false_per_100_empty"] == 0.0
    only = detection_scores([(1, 1)], [(1, 1)], tol=1)
    assert only["false_per_100_empty"] is None
    with pytest.raises(ValueError):
        detection_scores([None], [None, None], tol=1)


def test_pointing_game():
    boxes = [(0, 0, 10, 10), (0, 0, 10, 10), None, (20, 20, 25, 25), (0, 0, 1, 1)]  # (x0, y0, x1, y1)
    points = [(10, 10), (11, 5), (3, 3), (22, 23), None]  # edge counts; outside; no box; inside; no truth
    assert pointing_game(boxes, points) == pytest.approx(2 / 4)
    assert contains((0, 0, 10, 10), (10, 10)) and not contains((0, 0, 10, 10), (10.01, 10))
    assert pointing_game([None], [None]) is None


def test_iou():
    assert box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert box_iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert box_iou((0, 0, 10, 10), (10, 10, 15, 15)) == 0.0
    assert box_iou((0, 0, 0, 0), (0, 0, 0, 0)) == 0.0
    pred = [(0, 0, 10, 10), None, (0, 0, 4, 4), (1, 1, 2, 2)]
    truth = [(0, 0, 10, 10), (0, 0, 10, 10), (0, 0, 2, 2), None]
    assert mean_iou(pred, truth) == pytest.approx((1 + 0 + 4 / 16) / 3)
    assert mean_iou([None], [None]) is None
