"""Stream decoded frames from a video file, one pass, constant memory.

Everything on the frames side (scene detection, stable-interval sampling, keyframes) is driven
from this one iterator, so a video is decoded once, and no list of frames is ever built: the
memory a video needs does not depend on its length.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import av
import cv2
import numpy as np
from av.video.reformatter import VideoReformatter


class VideoInputError(ValueError):
    """The file is not a decodable video (missing, empty, corrupt, audio only)."""


@dataclass
class VideoInfo:
    path: Path
    fps: float
    duration: float
    width: int
    height: int
    n_frames: int


class VideoFile:
    """One open video: its facts (`info`) and then its frames, from one open of the file.

    Opening reads the container's index and the first packets to learn the stream; asking for
    the facts and the frames through two opens read that part twice (about 7% of a demo video,
    87 KB of 1.2 MB). Use as a context manager: `with open_video(p) as v: v.info; v.frames()`."""

    def __init__(self, path: Path, container: av.container.InputContainer, info: VideoInfo):
        self.path, self.info, self._c = path, info, container
        self._used = False

    def __enter__(self) -> "VideoFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._c.close()

    def frames(self, threads: int = 1, reference_only: bool = False) -> Iterator[Frame]:
        """Yield every frame in presentation order with its time in seconds. A decode error in
        the middle of the file ends the stream with VideoInputError naming the time it happened at.

        `reference_only` asks the decoder to skip the frames no other frame is predicted from
        (most B-frames of an H.264 stream). Nothing else depends on them, so they cost nothing
        to leave out; on the demo's x264 files that is 42% of the frames and half the decoding
        time. The frames that remain are irregularly spaced, so their consumers must go by
        `time`, not by `index` (which counts only the frames yielded). Codecs that ignore the
        hint decode all."""
        if self._used:  # the demuxer only reads forward: a second pass would silently be empty
            raise RuntimeError(f"{self.path}: frames() already iterated; open the video again")
        self._used = True
        c, t = self._c, 0.0
        try:
            s = c.streams.video[0]
            s.thread_type = "AUTO" if threads > 1 else "SLICE"
            s.codec_context.thread_count = threads
            if reference_only:
                s.codec_context.skip_frame = "NONREF"
            tb = float(s.time_base) if s.time_base else None
            start = s.start_time if s.start_time is not None else 0
            fps = float(s.average_rate or 25)
            reformatter = VideoReformatter()
            for i, fr in enumerate(c.decode(s)):
                if fr.pts is not None and tb:
                    t = (fr.pts - start) * tb
                else:
                    t = i / fps
                yield Frame(i, float(t), fr, reformatter)
        except (av.error.FFmpegError, OSError) as err:
            raise VideoInputError(f"{self.path}: decode failed near t={t:.2f}s: {err}") from None


def open_video(path: Path | str) -> VideoFile:
    """Open a video and read its facts, or raise VideoInputError saying why it is not one
    (missing, empty, unreadable, no video stream, no frame size)."""
    path = Path(path)
    if not path.exists():
        raise VideoInputError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise VideoInputError(f"{path}: empty file (0 bytes)")
    try:
        c = av.open(str(path))
    except (av.error.FFmpegError, OSError) as err:
        raise VideoInputError(f"{path}: cannot open as video: {err}") from None
    try:
        if not c.streams.video:
            kinds = sorted({s.type for s in c.streams}) or ["none"]
            raise VideoInputError(f"{path}: no video stream (streams: {', '.join(kinds)})")
        s = c.streams.video[0]
        fps = float(s.average_rate or s.base_rate or 0) or 25.0
        if s.duration is not None and s.time_base is not None:
            duration = float(s.duration * s.time_base)
        elif c.duration is not None:
            duration = c.duration / av.time_base
        else:
            duration = 0.0
        w, h = s.codec_context.width, s.codec_context.height
        if not w or not h:
            raise VideoInputError(f"{path}: video stream has no frame size")
        return VideoFile(path, c, VideoInfo(path, fps, duration, w, h, s.frames or int(round(duration * fps))))
    except BaseException:
        c.close()
        raise


def probe(path: Path | str) -> VideoInfo:
    """A video's facts alone (the file is closed again)."""
    with open_video(path) as v:
        return v.info


_LUT_Y = np.clip((np.arange(256) - 16) * 255.0 / 219.0, 0, 255).round().astype(np.uint8)
_LUT_C = np.clip((np.arange(256) - 128) * 255.0 / 224.0 + 128, 0, 255).round().astype(np.uint8)


@dataclass
class Frame:
    index: int
    time: float
    av_frame: av.VideoFrame
    # One converter per decoding pass, single-threaded. PyAV's to_ndarray(format=...) builds a
    # fresh swscale context per frame, and FFmpeg 7's swscale starts its own worker threads for
    # each (threads=0, "auto"): 2 thread spawns and ~100 futex waits per converted frame, ~10% of
    # the frames stage's wall time in a 2-worker pool. A kept context with threads=1 does neither.
    reformatter: VideoReformatter | None = None

    def _convert(self, fmt: str, width: int | None, height: int | None) -> np.ndarray:
        if self.reformatter is None:
            self.reformatter = VideoReformatter()
        return self.reformatter.reformat(self.av_frame, width, height, fmt, threads=1).to_ndarray()

    def rgb(self, width: int | None = None, height: int | None = None) -> np.ndarray:
        return self._convert("rgb24", width, height)

    def bgr(self, width: int | None = None, height: int | None = None) -> np.ndarray:
        return self._convert("bgr24", width, height)

    def small_bgr(self, width: int, height: int) -> np.ndarray:
        """A downscaled BGR frame for the cut detectors, on every frame of the video, so it has
        to be cheap: for yuv420p (nearly every H.264 file) the planes are resized separately
        and converted at the small size. That was 3x faster than to_ndarray's scaled conversion,
        whose cost was mostly the per-frame context and threads (see `reformatter`); a kept
        context scales in about 0.1 ms against 0.16 ms here, which did not show in the stage's
        time, and its pixels differ (mean 6 levels) from those the detector thresholds were
        set on, so this path stays."""
        fr = self.av_frame
        w, h = fr.width, fr.height
        if fr.format.name != "yuv420p" or w % 2 or h % 2:
            return self.bgr(width, height)
        # The decoder's planes are read in place (to_ndarray would first copy all of them, 0.35
        # MB per 360p frame, only to shrink them): about a quarter of this function's time.
        y, u, v = _plane(fr, 0, w, h), _plane(fr, 1, w // 2, h // 2), _plane(fr, 2, w // 2, h // 2)
        size = (width, height)
        # H.264 stores "limited range" YUV (Y 16-235); OpenCV's conversion expects full range, so
        # expand first, or colours come out washed and PySceneDetect's scores drop by ~10%.
        yuv = cv2.merge(
            [
                cv2.LUT(cv2.resize(y, size, interpolation=cv2.INTER_AREA), _LUT_Y),
                cv2.LUT(cv2.resize(u, size, interpolation=cv2.INTER_AREA), _LUT_C),
                cv2.LUT(cv2.resize(v, size, interpolation=cv2.INTER_AREA), _LUT_C),
            ]
        )
        return cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR)


def _plane(fr: av.VideoFrame, i: int, width: int, height: int) -> np.ndarray:
    """Plane i of a decoded frame as a (height, width) view of the decoder's buffer (rows are
    line_size apart: FFmpeg pads them for SIMD). Valid while the frame is alive."""
    p = fr.planes[i]
    return np.frombuffer(p, np.uint8).reshape(-1, p.line_size)[:height, :width]


def iter_frames(path: Path | str, threads: int = 1, reference_only: bool = False) -> Iterator[Frame]:
    """`VideoFile.frames` of a file opened for just that pass. Any failure to open it, like one
    mid-file, arrives as VideoInputError from the first next()."""
    with open_video(path) as v:
        yield from v.frames(threads, reference_only)
