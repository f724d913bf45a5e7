"""Split a downloaded video into its picture and its sound, so each stage reads only its own.

A muxed lecture file interleaves audio and video packets every second or so. The asr stage
wants the audio, the frames stage the video; but a demuxer asked for one stream still reads
the file end to end (the gaps between one stream's packets are shorter than FFmpeg's seek
threshold and the kernel's read-ahead, so it reads through them). Measured on a demo video:
the audio reader read 1.10x the file, the frames reader 1.03x, so each downloaded byte was
read twice, and on a cluster with videos on shared storage that is twice the network traffic.

Splitting once, while the fresh download is still in the page cache, costs one stream copy (no
decoding, a few hundredths of a second per file); after it the asr stage reads the audio file
(a quarter of the demo's bytes, a smaller share for real lectures) and the frames stage reads
the video file, each byte once. Packets are copied as they are, so the decoded samples and
frames are the very ones the muxed file gives (tests/video/test_streams.py).
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from quiltkit.io import atomic_path


class StreamSplitError(RuntimeError):
    """The file could not be split (a damaged container, a full disk)."""


@dataclass
class SplitFiles:
    video: Path
    audio: Path | None  # None: the file has no audio stream


def split_streams(src: Path | str) -> SplitFiles:
    """Copy the first video stream and the first audio stream of `src` into two files beside it,
    in its own container format (it held both codecs, so it can hold each), in one pass over it.
    Both appear or neither does; `src` itself is left alone."""
    import av

    src = Path(src)
    video_dst = src.with_name(f"{src.stem}.video{src.suffix}")
    audio_dst = src.with_name(f"{src.stem}.audio{src.suffix}")
    try:
        with av.open(str(src)) as ic, ExitStack() as files:
            if not ic.streams.video:
                raise StreamSplitError(f"{src}: no video stream to split off")
            streams = [ic.streams.video[0]] + ([ic.streams.audio[0]] if ic.streams.audio else [])
            outs = {}
            for s, dst in zip(streams, (video_dst, audio_dst)):
                tmp = files.enter_context(atomic_path(dst))
                oc = files.enter_context(av.open(str(tmp), "w"))
                outs[s.index] = oc.add_stream_from_template(s)
            for packet in ic.demux(streams):
                if packet.dts is None:  # the demuxer's end-of-stream flush packet: nothing to copy
                    continue
                target = outs[packet.stream.index]
                packet.stream = target
                target.container.mux(packet)
    except (av.error.FFmpegError, OSError) as err:  # a damaged file; a full disk
        # Each part is written atomically, but one can be in place when closing the other
        # fails: no half of a split may stay behind.
        video_dst.unlink(missing_ok=True)
        audio_dst.unlink(missing_ok=True)
        raise StreamSplitError(f"{src}: cannot split into video and audio: {err}") from None
    return SplitFiles(video_dst, audio_dst if len(streams) > 1 else None)
