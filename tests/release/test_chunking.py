"""The release's chunk rule, case by case."""

from quiltkit.release.chunking import release_chunks
from tests.release.conftest import PREDS, TIMES


def test_the_lecture_fixture():
    assert release_chunks(TIMES, [bool(p) for p in PREDS], 10.0) == [[2.0, 7.0, 11.0], [18.0]]


def test_a_key_frame_at_zero_is_passed_over():
    assert release_chunks([0.0, 3.0, 5.0], [True, True, False], 10.0) == [[3.0]]


def test_a_long_gap_between_histology_frames_starts_a_new_chunk():
    assert release_chunks([1.0, 20.0, 25.0], [True, True, False], 10.0) == [[1.0], [20.0]]


def test_running_time_past_the_limit_ends_the_chunk_on_this_frame():
    # 1 -> 7 -> 13: running 12 > 10 closes with 13 in it; the non-histology frame then closes
    # an empty chunk with the previous key frame, so 13 belongs to two chunks
    assert release_chunks([1.0, 7.0, 13.0, 14.0], [True, True, True, False], 10.0) == [[1.0, 7.0, 13.0], [13.0]]


def test_a_chunk_open_at_the_end_has_no_id():
    assert release_chunks([1.0, 5.0], [True, True], 10.0) == []
