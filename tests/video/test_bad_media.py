"""The frames stage over a corpus of awkward media, through its stage function (run_frames).

test_frames.py already covers analyse_video on garbage, empty, audio-only, missing and truncated
files one by one; what is added here is the rest of the list (a corrupt file whose container
opens, video without audio, variable frame rate, 4K, no histology at all) and the stage-level
promise: every video gets its own recorded outcome with a reason naming the file, and the
good video among them is analysed as if it were alone.
"""

import shutil
from fractions import Fraction

import av
import cv2

from quiltkit.config import FramesParams, HistologyParams
from quiltkit.contracts import FrameAnalysis, VideoRecord
from quiltkit.execution.context import Execution
from quiltkit.video.stage_run import run_frames
from tests.video.synth import SHOTS, lecture_frames, slide, tissue, write_audio_only, write_video


def write_vfr(path, segments):
    """segments: (rgb, n_frames, fps). Each segment at its own rate, in one 1/1000 time base:
    a variable-frame-rate file, as screen recorders write them."""
    with av.open(str(path), "w") as c:
        vs = c.add_stream("libx264", rate=24)
        h, w = segments[0][0].shape[:2]
        vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
        vs.codec_context.time_base = Fraction(1, 1000)
        vs.options = {"preset": "ultrafast"}
        t = 0.0
        for rgb, n, fps in segments:
            for _ in range(n):
                fr = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                fr.pts = int(round(t * 1000))
                fr.time_base = Fraction(1, 1000)
                for pkt in vs.encode(fr):
                    c.mux(pkt)
                t += 1.0 / fps
        for pkt in vs.encode():
            c.mux(pkt)
    return path


def test_stage_records_each_bad_video_and_finishes_the_good_one(tmp_path, lecture_mp4, stain_model, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dl = tmp_path / "outputs" / "download"
    dl.mkdir(parents=True)
    files = {}
    files["good"] = shutil.copy(lecture_mp4, dl / "good.mp4")
    files["empty"] = dl / "empty.mp4"
    files["empty"].write_bytes(b"")
    # a container whose header and index (moov, first: a faststart file) are intact but whose
    # media data are zeroed bytes: it opens, then decoding finds nothing usable
    fast = write_video(tmp_path / "faststart.mp4", lecture_frames(SHOTS), faststart=True).read_bytes()
    data_at = fast.index(b"mdat") + 4  # the index is before the media data
    files["header_only"] = dl / "header_only.mp4"
    files["header_only"].write_bytes(fast[:data_at] + b"\x00" * (len(fast) - data_at))
    raw = lecture_mp4.read_bytes()
    # the first 64 bytes overwritten: no container can be recognised any more
    files["corrupt_head"] = dl / "corrupt_head.mp4"
    files["corrupt_head"].write_bytes(b"\xff" * 64 + raw[64:])
    files["audio_only"] = write_audio_only(dl / "audio_only.mp4", 3.0)
    files["video_only"] = write_video(dl / "video_only.mp4", lecture_frames([("tissue", 5, 41, {})]), audio=False)
    # variable frame rate: 3 s of slide at 24 fps, then 5 s of tissue at 5 fps. If times came
    # from frame index / average fps instead of timestamps, the cut would land far from 3 s.
    files["vfr"] = write_vfr(dl / "vfr.mp4", [(slide(180, 320, 42), 72, 24), (tissue(180, 320, 43), 25, 5)])
    # 4K: 2 s at 3840x2160; its images must come out no larger than frames.max_side
    big = tissue(2160, 3840, 44, nucleus_px=10)
    files["uhd"] = write_video(dl / "uhd.mp4", (big for _ in range(24)), fps=12, audio=False)
    files["no_histology"] = write_video(
        dl / "no_histology.mp4", lecture_frames([("slide", 3, 45, {}), ("slide", 3, 46, {})])
    )
    for vid, p in files.items():
        VideoRecord(video_id=vid, url=f"file:///{vid}", status="ok", video_path=p.name).write(dl / f"{vid}.record.json")

    params = FramesParams(histology=HistologyParams(backend="stain", model_path=str(stain_model)))
    out = tmp_path / "outputs" / "frames"
    m = run_frames(params, dl, out, Execution(seed=3))
    fa = {vid: FrameAnalysis.read(out / f"{vid}.json") for vid in files}  # every video has its record

    assert m["videos"] == len(files) and m["ok"] + m["failed"] + m["skipped"] == len(files)
    # the unreadable ones fail, each with a reason that names its file and says what is wrong
    for vid, words in [
        ("empty", "empty file (0 bytes)"),
        ("corrupt_head", "cannot open as video: "),
        ("audio_only", "no video stream (streams: audio)"),
        ("header_only", "decode failed near t=0.00s: "),
    ]:
        assert fa[vid].status == "failed", (vid, fa[vid])
        assert fa[vid].error.startswith(f"{files[vid]}: {words}"), (vid, fa[vid].error)
        assert not fa[vid].error.startswith("internal error"), fa[vid].error  # bad input, not a crash
        assert not (out / vid).exists()  # no half-written images left behind
    assert sorted(m["failed_ids"]) == ["audio_only", "corrupt_head", "empty", "header_only"]

    # the good video is unaffected by its neighbours
    assert fa["good"].status == "ok" and fa["good"].images and fa["good"].error is None
    # no audio track is no problem for the frames side
    assert fa["video_only"].status == "ok" and len(fa["video_only"].images) == 1
    # a lecture without histology is skipped, with the reason, and leaves no images
    assert fa["no_histology"].status == "skipped" and "not a histology video" in fa["no_histology"].error
    assert fa["no_histology"].images == [] and m["skipped_ids"] == ["no_histology"]

    # VFR: the cut is found at its timestamp, 3 s, and the duration is the real 8 s
    v = fa["vfr"]
    assert v.status == "ok", v
    assert [round(s.start, 1) for s in v.scenes] == [0.0, 3.0], v.scenes
    assert abs(v.duration - 8.0) < 0.3 and v.error is None

    # 4K: analysed at its real size, images scaled to frames.max_side
    u = fa["uhd"]
    assert (u.width, u.height) == (3840, 2160) and u.status == "ok", u
    assert u.images and all(max(im.width, im.height) <= params.max_side for im in u.images)
    assert u.images[0].width == 1024 and u.images[0].height == 576
    img = cv2.imread(str(tmp_path / u.images[0].path))
    assert img.shape == (576, 1024, 3)
