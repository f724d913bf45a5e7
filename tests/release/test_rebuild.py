"""One video rebuilt: the right image under each name, and a name whose image cannot be made
left missing without shifting the others."""

import cv2
import numpy as np
import pytest

from quiltkit.config import ReleaseParams
from quiltkit.release.files import read_data, read_recon
from quiltkit.release.rebuild import NOT_STABLE, PAST_END, RESCREENED, rebuild_video, sample_times
from tests.release.conftest import PICTURES, write_release


def _rebuild(tmp_path, video, screen=None, **kw):
    d = write_release(tmp_path / "rel", video)
    recon, names = read_recon(d / "quilt_recon.csv")["lec"], read_data(d / "quilt_data.csv")["lec"]
    return rebuild_video("lec", video, recon, names, ReleaseParams(**kw), 7, tmp_path / "images", tmp_path, screen)


def _img(tmp_path, im):
    return cv2.cvtColor(cv2.imread(str(tmp_path / im.path)), cv2.COLOR_BGR2RGB)


def _mad(a, b):
    return float(np.abs(a.astype(float) - b.astype(float)).mean())


def test_each_name_gets_its_own_image(tmp_path, lecture_video):
    rec = _rebuild(tmp_path, lecture_video)
    by = {im.image_path: im for im in rec.images}
    assert rec.chunks == 2 and rec.metadata_chunks == 2
    assert by["lec_a.jpg"].method == "median" and by["lec_a.jpg"].n_frames >= 8
    assert _mad(_img(tmp_path, by["lec_a.jpg"]), PICTURES["A"]) < 3
    assert by["lec_noise.jpg"].status == "missing" and by["lec_noise.jpg"].reason == NOT_STABLE
    # the name after the one that could not be made still gets ITS image, B, not C
    assert _mad(_img(tmp_path, by["lec_b.jpg"]), PICTURES["B"]) < 3
    c = by["lec_c.jpg"]
    assert c.method == "keyframe" and c.start == 18.0 and _mad(_img(tmp_path, c), PICTURES["C"]) < 3
    assert (c.width, c.height, c.decoded_width) == (320, 180, 320)


def test_a_rebuild_is_the_same_on_every_run(tmp_path, lecture_video):
    one = _rebuild(tmp_path / "1", lecture_video)
    two = _rebuild(tmp_path / "2", lecture_video)
    for a, b in zip(one.images, two.images):
        if a.status == "ok":
            assert (tmp_path / "1" / a.path).read_bytes() == (tmp_path / "2" / b.path).read_bytes()


def test_rescreen_rejects_without_shifting(tmp_path, lecture_video):
    # a classifier that calls picture A not histology: its name is missing, B keeps its image
    def rescreen(images):
        return np.array([0.1 if _mad(im, PICTURES["A"]) < 5 else 0.9 for im in images])

    rec = _rebuild(tmp_path, lecture_video, screen=rescreen, rescreen=True)
    by = {im.image_path: im for im in rec.images}
    assert by["lec_a.jpg"].reason == RESCREENED and by["lec_a.jpg"].histology_prob == pytest.approx(0.1)
    assert not (tmp_path / "images" / "lec_a.jpg").exists()
    assert _mad(_img(tmp_path, by["lec_b.jpg"]), PICTURES["B"]) < 3


def test_saved_at_the_size_the_release_says(tmp_path, lecture_video):
    d = write_release(
        tmp_path / "rel", lecture_video, data_rows=[["lec", 0, "lec_a.jpg", 10.0, 90, 160, 10.0, True, "[]"]]
    )
    recon, names = read_recon(d / "quilt_recon.csv")["lec"], read_data(d / "quilt_data.csv")["lec"]
    rec = rebuild_video("lec", lecture_video, recon, names, ReleaseParams(), 7, tmp_path / "images", tmp_path)
    im = rec.images[0]
    assert (im.width, im.height) == (160, 90) and (im.decoded_width, im.decoded_height) == (320, 180)


def test_sample_times():
    assert sample_times(2.0, 4.0, 10, 2.0, 32) == [2.0, 2.5, 3.0, 3.5, 4.0]
    every = sample_times(2.0, 4.0, 10, None, 100)
    assert len(every) == 20 and every[1] == pytest.approx(2.1)
    assert len(sample_times(0.0, 100.0, 30, None, 32)) == 32


def test_an_interval_past_the_end(tmp_path, lecture_video):
    rows = [["lec", "[0.0, 2.0, 30.0]", "[0, 1, 0]", "[[[2.5, 6.5], [40.0, 45.0], [11.5, 15.5]]]"]]
    d = write_release(tmp_path / "rel", lecture_video, recon_rows=rows)
    recon, names = read_recon(d / "quilt_recon.csv")["lec"], read_data(d / "quilt_data.csv")["lec"]
    rec = rebuild_video("lec", lecture_video, recon, names[:3], ReleaseParams(), 7, tmp_path / "images", tmp_path)
    assert [im.reason for im in rec.images] == [None, PAST_END, None]
    assert _mad(_img(tmp_path, rec.images[2]), PICTURES["B"]) < 3
