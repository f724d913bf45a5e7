"""Splitting a download into its video and audio streams: same frames and samples, fewer bytes read."""

import av
import numpy as np
import pytest

from quiltkit.execution.disk_reads import bytes_read
from quiltkit.speech.audio import iter_pcm16
from quiltkit.video.decode import iter_frames
from quiltkit.video.streams import StreamSplitError, split_streams
from tests.video.synth import SHOTS, lecture_frames, write_video


def _frames(path):
    return [(f.time, f.rgb().tobytes()) for f in iter_frames(path, reference_only=True)]


def _samples(path):
    return np.concatenate(list(iter_pcm16(path)))


@pytest.fixture(scope="module")
def split_copy(tmp_path_factory, lecture_bframes_mp4):
    src = tmp_path_factory.mktemp("split") / "lec.mp4"
    src.write_bytes(lecture_bframes_mp4.read_bytes())
    return src, split_streams(src)


def test_split_gives_one_stream_per_file_with_the_same_frames_and_samples(split_copy):
    src, parts = split_copy
    assert parts.video.name == "lec.video.mp4" and parts.audio.name == "lec.audio.mp4"
    with av.open(str(parts.video)) as v, av.open(str(parts.audio)) as a:
        assert [s.type for s in v.streams] == ["video"] and [s.type for s in a.streams] == ["audio"]
    assert _frames(parts.video) == _frames(src)  # times and pixels
    assert np.array_equal(_samples(parts.audio), _samples(src))
    assert src.exists()  # the caller decides what happens to the original


@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/io"), reason="needs Linux /proc/self/io")
def test_each_reader_reads_only_its_own_bytes(split_copy):
    src, parts = split_copy
    _samples(parts.audio), _frames(parts.video)  # first calls load codec modules: reads too
    muxed_audio = bytes_read(lambda: _samples(src))
    split_audio = bytes_read(lambda: _samples(parts.audio))
    split_video = bytes_read(lambda: _frames(parts.video))
    # The audio reader on the muxed file reads (about) the whole file; on its own file only that.
    assert muxed_audio >= 0.9 * src.stat().st_size
    assert split_audio <= 1.2 * parts.audio.stat().st_size + 64 * 1024
    assert split_audio < muxed_audio / 2
    # Together the two readers now read about the file once, not twice.
    assert split_audio + split_video <= 1.3 * src.stat().st_size


def test_a_file_without_sound_splits_to_video_only(tmp_path):
    src = write_video(tmp_path / "mute.mp4", lecture_frames(SHOTS[:1]), audio=False)
    parts = split_streams(src)
    assert parts.audio is None and not (tmp_path / "mute.audio.mp4").exists()
    assert _frames(parts.video) == _frames(src)


def test_a_corrupt_file_names_itself_and_leaves_no_parts(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x17" * 4000)
    with pytest.raises(StreamSplitError, match="bad.mp4"):
        split_streams(bad)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.mp4"]
