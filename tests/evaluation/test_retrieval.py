from __future__ import annotations

import numpy as np
import pytest

from quiltkit.evaluation.retrieval import retrieval_metrics


def test_perfect_alignment():
    img = np.eye(4, dtype=np.float32)
    txt = np.repeat(img, 2, axis=0)
    m = retrieval_metrics(img, txt, [0, 0, 1, 1, 2, 2, 3, 3])
    assert m["t2i_R1"] == m["i2t_R1"] == 1.0
    assert m["t2i_mean_rank"] == m["i2t_median_rank"] == 1.0


def test_hand_computed_ranks():
    # Two images on the axes; caption 0 points at image 1's direction but belongs to image 0.
    img = np.array([[1, 0], [0, 1]], np.float32)
    txt = np.array([[0.1, 1.0], [1.0, 0.2], [0.0, 1.0]], np.float32)
    m = retrieval_metrics(img, txt, [0, 0, 1], ks=(1,))
    # t2i ranks: caption0 -> image0 is 2nd, caption1 -> 1st, caption2 -> 1st
    assert m["t2i_R1"] == pytest.approx(2 / 3)
    assert m["t2i_mean_rank"] == pytest.approx(4 / 3)
    # i2t: each image's own caption scores highest after normalisation (caption0 gives image1
    # only 0.995), so both images rank a correct caption first.
    assert m["i2t_R1"] == 1.0


def test_bad_links_are_rejected():
    img = np.eye(3, dtype=np.float32)
    with pytest.raises(ValueError, match="no caption"):
        retrieval_metrics(img, img[:2], [0, 1])
    with pytest.raises(ValueError, match="out of range"):
        retrieval_metrics(img, img, [0, 1, 5])
    with pytest.raises(ValueError, match="entries"):
        retrieval_metrics(img, img, [0, 1])


def test_collapsed_embeddings_get_no_credit():
    """A model mapping everything to one vector ties all scores; it must not look perfect."""
    img = np.ones((5, 4), np.float32)
    txt = np.ones((10, 4), np.float32)
    m = retrieval_metrics(img, txt, np.repeat(np.arange(5), 2))
    assert m["t2i_R1"] == 0.0 and m["t2i_median_rank"] == 5.0
    assert m["i2t_R1"] == 0.0 and m["i2t_median_rank"] == 9.0


def test_exact_tie_counts_against_the_query():
    img = np.array([[1, 0], [0, 1]], np.float32)
    txt = np.array([[1, 1], [0, 1]], np.float32)  # caption0 (image0) ties between both images
    m = retrieval_metrics(img, txt, [0, 1], ks=(1,))
    assert m["t2i_R1"] == 0.5 and m["t2i_mean_rank"] == 1.5
