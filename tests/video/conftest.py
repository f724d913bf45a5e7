from pathlib import Path

import pytest

from tests.video.synth import SHOTS, lecture_frames, write_video


@pytest.fixture(scope="session")
def lecture_mp4(tmp_path_factory) -> Path:
    """A 17 s, 320x180, 12 fps lecture: slide, tissue, pan over tissue, slide, tissue (high power)."""
    return write_video(tmp_path_factory.mktemp("vid") / "lecture.mp4", lecture_frames(SHOTS))


@pytest.fixture(scope="session")
def lecture_bframes_mp4(tmp_path_factory) -> Path:
    """The same lecture encoded with B-frames (x264 veryfast), for reference-only decoding."""
    return write_video(tmp_path_factory.mktemp("vid") / "lecture_b.mp4", lecture_frames(SHOTS), preset="veryfast")


@pytest.fixture(scope="session")
def stain_model(tmp_path_factory):
    from quiltkit.video.histology import train_stain_model
    from tests.video.synth import classifier_set

    d = tmp_path_factory.mktemp("cls")
    model, metrics = train_stain_model(classifier_set(d / "frames"), seed=0)
    path = d / "model.json"
    model.save(path)
    return path
