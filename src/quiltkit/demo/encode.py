"""H.264 + AAC into mp4 with PyAV, reproducibly (single-threaded x264 gives identical bytes)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import av
import cv2
import numpy as np

from quiltkit.io import atomic_path

# --------------------------------------------------------------------------------------------
# encode


def encode(
    path: Path,
    frames: Callable[[int], np.ndarray],
    n_frames: int,
    audio: np.ndarray,
    sr: int,
    w: int,
    h: int,
    fps: int,
    crf: int,
    title: str = "",
) -> None:
    with atomic_path(path, suffix=".mp4") as tmp:
        with av.open(str(tmp), mode="w", format="mp4") as c:
            if title:  # what a downloader would read as the video's title
                c.metadata["title"] = title
            vs = c.add_stream("libx264", rate=fps)
            vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
            # threads=1: multi-threaded x264 is not bit-reproducible; the GOP lets seekers seek.
            vs.options = {"preset": "veryfast", "crf": str(crf), "threads": "1", "g": str(fps * 4)}
            vs.thread_count = 1
            au = c.add_stream("aac", rate=sr)
            au.options = {"aac_coder": "fast"}
            au.layout = "mono"
            au.bit_rate = 48000
            fl = audio.astype(np.float32) / 32768.0
            chunk = 1024
            a_pos = 0
            for k in range(n_frames):
                # cv2's I420 conversion is BT.601 limited range, the same numbers swscale gives,
                # at a fraction of the cost
                vf = av.VideoFrame.from_ndarray(cv2.cvtColor(frames(k), cv2.COLOR_RGB2YUV_I420), format="yuv420p")
                vf.pts = k
                for pkt in vs.encode(vf):
                    c.mux(pkt)
                # keep audio in step with video so the muxer interleaves without piling up
                while a_pos < len(fl) and a_pos < (k + 1) * sr / fps:
                    block = fl[a_pos : a_pos + chunk]
                    if block.size < chunk:
                        block = np.pad(block, (0, chunk - block.size))
                    af = av.AudioFrame.from_ndarray(block.reshape(1, -1), format="fltp", layout="mono")
                    af.sample_rate = sr
                    af.pts = a_pos
                    for pkt in au.encode(af):
                        c.mux(pkt)
                    a_pos += chunk
            for pkt in vs.encode(None):
                c.mux(pkt)
            for pkt in au.encode(None):
                c.mux(pkt)
