"""The table-driven colour deconvolution must be scikit-image's rgb2hed, number for number."""

import numpy as np
import pytest
from skimage import data
from skimage.color import rgb2hed

from quiltkit.video.stain import DAB, EOSIN, HAEMATOXYLIN, rgb_to_hed, stain_plane


@pytest.mark.parametrize("image", ["ihc", "random", "black_white"])
def test_same_as_skimage(image):
    rgb = {
        "ihc": data.immunohistochemistry(),  # a real stained section shipped with scikit-image
        "random": np.random.default_rng(0).integers(0, 256, (37, 53, 3), dtype=np.uint8),
        "black_white": np.array([[[0, 0, 0], [255, 255, 255]], [[0, 255, 0], [255, 0, 255]]], dtype=np.uint8),
    }[image]
    want = rgb2hed(rgb)
    got = rgb_to_hed(rgb)
    assert got.shape == want.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    for s in (HAEMATOXYLIN, EOSIN, DAB):
        np.testing.assert_allclose(stain_plane(rgb, s), want[..., s], rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "bad", [np.zeros((4, 4, 3), np.float32), np.zeros((4, 4), np.uint8), np.zeros((4, 4, 4), np.uint8)]
)
def test_rejects_what_is_not_8bit_rgb(bad):
    with pytest.raises(ValueError, match="8-bit RGB"):
        rgb_to_hed(bad)
