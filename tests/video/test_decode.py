"""Decoding: reference-only frames, and conversions through one kept swscale context."""

import numpy as np

from quiltkit.video.decode import iter_frames, probe
from quiltkit.video.frames import _Ticker


def test_reference_only_skips_frames_but_keeps_time(lecture_bframes_mp4):
    info = probe(lecture_bframes_mp4)
    every = [f.time for f in iter_frames(lecture_bframes_mp4)]
    refs = [f.time for f in iter_frames(lecture_bframes_mp4, reference_only=True)]
    assert len(every) == info.n_frames
    # x264's default B-frames are skipped: fewer frames, still in time order, spanning the video
    assert 0 < len(refs) < len(every)
    assert refs == sorted(refs) and set(refs) <= set(every)
    assert refs[0] == 0.0 and refs[-1] >= every[-1] - 4 / info.fps
    assert max(np.diff(refs)) <= 4 / info.fps + 1e-6  # never a long hole


def test_conversions_match_pyav(lecture_mp4):
    for i, fr in enumerate(iter_frames(lecture_mp4)):
        if i % 7:
            continue
        np.testing.assert_array_equal(fr.rgb(), fr.av_frame.to_ndarray(format="rgb24"))
        np.testing.assert_array_equal(fr.rgb(160, 90), fr.av_frame.to_ndarray(format="rgb24", width=160, height=90))
        np.testing.assert_array_equal(fr.bgr(), fr.av_frame.to_ndarray(format="bgr24"))
        if i > 30:
            break


def test_ticker_takes_the_first_frame_at_or_after_each_tick():
    tick = _Ticker(2.0)
    every_24 = [i / 24 for i in range(49)]
    assert [t for t in every_24 if tick(t)] == [0.0, 0.5, 1.0, 1.5, 2.0]
    sparse = _Ticker(8.0)  # frames sparser than the rate: every one of them
    assert [t for t in (0.0, 0.3, 0.7, 0.71, 1.5) if sparse(t)] == [0.0, 0.3, 0.7, 1.5]
    irregular = _Ticker(2.0)  # reference-only spacing: the first frame past each tick
    assert [t for t in (0.0, 0.16, 0.49, 0.54, 0.9, 1.04, 1.6) if irregular(t)] == [0.0, 0.54, 1.04, 1.6]
    assert all(_Ticker(0.0)(t) for t in (0.0, 0.01, 0.02))  # rate 0: every frame


def test_small_bgr_reads_padded_planes_in_place(tmp_path):
    """small_bgr resizes the decoder's planes where they lie; FFmpeg pads each row to its SIMD
    alignment, so a width like 200 has rows longer than the picture. The result must equal the
    same conversion done on to_ndarray's packed copy of the planes (which could only be cut into
    planes when the height is a multiple of 4: 202x114 made the old code raise)."""
    import cv2

    from quiltkit.video.decode import _LUT_C, _LUT_Y
    from tests.video.synth import SHOTS, lecture_frames, write_video

    video = write_video(tmp_path / "padded.mp4", lecture_frames(SHOTS[:2], w=200, h=112), audio=False)
    seen_padding = False
    for i, fr in enumerate(iter_frames(video)):
        f = fr.av_frame
        seen_padding |= f.planes[0].line_size > f.width
        w, h = f.width, f.height
        a = f.to_ndarray()
        planes = [a[:h], a[h : h + h // 4].reshape(h // 2, w // 2), a[h + h // 4 :].reshape(h // 2, w // 2)]
        small = [cv2.resize(p, (50, 28), interpolation=cv2.INTER_AREA) for p in planes]
        ref = cv2.cvtColor(
            cv2.merge([cv2.LUT(small[0], _LUT_Y), cv2.LUT(small[1], _LUT_C), cv2.LUT(small[2], _LUT_C)]),
            cv2.COLOR_YUV2BGR,
        )
        np.testing.assert_array_equal(fr.small_bgr(50, 28), ref)
        # and it is the picture: close to swscale's own conversion at that size
        assert np.abs(fr.small_bgr(50, 28).astype(int) - fr.bgr(50, 28).astype(int)).mean() < 12
        if i > 20:
            break
    assert seen_padding
    odd = write_video(tmp_path / "odd.mp4", lecture_frames(SHOTS[:1], w=202, h=114), audio=False)
    fr = next(iter_frames(odd))
    assert np.abs(fr.small_bgr(50, 28).astype(int) - fr.bgr(50, 28).astype(int)).mean() < 12


def test_one_open_gives_facts_and_frames_reading_the_head_once(tmp_path):
    """analyse_video takes a video's facts and frames from one open: probing first and decoding
    after read the container's head twice (7% of a demo video). Video only, as the download
    stage's split parts are: a muxed file's demuxer hops between its streams' chunks."""
    import pytest

    from quiltkit.execution.disk_reads import bytes_read
    from quiltkit.video.decode import VideoInputError, open_video
    from tests.video.synth import SHOTS, lecture_frames, write_video

    p = write_video(tmp_path / "lecture.mp4", lecture_frames(SHOTS), preset="veryfast", audio=False)
    seen = {}

    def once():
        with open_video(p) as v:
            seen["info"] = v.info
            seen["times"] = [f.time for f in v.frames(reference_only=True)]
            with pytest.raises(RuntimeError, match="already iterated"):  # never a silent empty pass
                next(v.frames())

    def twice():
        seen["probed"] = probe(p)
        seen["iterated"] = [f.time for f in iter_frames(p, reference_only=True)]

    once()  # codec set-up reads nothing of the file, but keep the first call out of the count
    one, two, head = bytes_read(once), bytes_read(twice), bytes_read(lambda: probe(p))
    assert seen["info"] == seen["probed"] and seen["times"] == seen["iterated"]
    assert two - one >= 0.8 * head, (one, two, head)
    assert one <= p.stat().st_size + 48 * 1024, (one, p.stat().st_size)  # the file, plus one IO buffer at most
    for bad, why in ((tmp_path / "none.mp4", "file not found"), (tmp_path / "text.mp4", "no video stream")):
        if why == "no video stream":
            bad.write_bytes(b"WEBVTT\n\n00:00.000 --> 00:02.000\nthe glomerulus\n")
        with pytest.raises(VideoInputError, match=why):
            open_video(bad)
        with pytest.raises(VideoInputError, match=why):  # iter_frames raises on first next(), as before
            next(iter_frames(bad))
