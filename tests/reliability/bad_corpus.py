"""A corpus of bad inputs, generated (never committed as binaries): each entry says what is wrong
with it and which words the recorded error must contain."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class BadVideo:
    video_id: str
    path: Path
    # (stage, expected status, words the recorded error must contain)
    download: tuple[str, list[str]]
    asr: tuple[str, list[str]] | None = None
    frames: tuple[str, list[str]] | None = None


def write_audio_only(path: Path, seconds: float = 3.0) -> Path:
    import av

    rate = 44100
    with av.open(str(path), "w", format="mp4") as out:
        st = out.add_stream("aac", rate=rate)
        t = np.arange(int(seconds * rate)) / rate
        pcm = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None, :]
        frame = av.AudioFrame.from_ndarray(pcm, format="fltp", layout="mono")
        frame.sample_rate = rate
        for pkt in st.encode(frame):
            out.mux(pkt)
        for pkt in st.encode(None):
            out.mux(pkt)
    return path


def write_video_only(src: Path, path: Path) -> Path:
    """The video stream of a real clip, its audio dropped (remux, no re-encode)."""
    import av

    with av.open(str(src)) as inp, av.open(str(path), "w", format="mp4") as out:
        vs = inp.streams.video[0]
        ovs = out.add_stream_from_template(vs)
        for pkt in inp.demux(vs):
            if pkt.dts is None:
                continue
            pkt.stream = ovs
            out.mux(pkt)
    return path


def make_bad_videos(d: Path, good_clip: Path) -> list[BadVideo]:
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    corrupt = d / "corrupt.mp4"
    # a plausible ftyp box, then noise: looks like an mp4 to anything that sniffs the header
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + rng.bytes(200_000))
    truncated = d / "truncated.mp4"
    data = good_clip.read_bytes()
    truncated.write_bytes(data[: int(len(data) * 0.3)])
    empty = d / "empty.mp4"
    empty.write_bytes(b"")
    audio_only = write_audio_only(d / "audio_only.mp4")
    video_only = write_video_only(good_clip, d / "video_only.mp4")
    return [
        BadVideo("corrupt", corrupt, ("failed", ["corrupt.mp4", "cannot open as video"])),
        BadVideo("truncated", truncated, ("failed", ["truncated.mp4", "cannot open as video"])),
        BadVideo("empty", empty, ("failed", ["empty.mp4", "0 bytes"])),
        BadVideo("audio_only", audio_only, ("failed", ["audio_only.mp4", "no video stream"])),
        BadVideo(
            "video_only",
            video_only,
            ("ok", []),
            asr=("failed", ["video_only.video.mp4", "no audio stream"]),
            frames=("ok|skipped", []),
        ),
        BadVideo("missing", d / "does_not_exist.mp4", ("failed", ["does_not_exist.mp4", "source file not found"])),
    ]


# Rows of a video list that are wrong in themselves (written verbatim, so the quoting errors are
# really in the file). {good} is a readable clip's path. Each: (raw CSV line, words its error names).
def malformed_rows(good: str) -> list[tuple[str, list[str]]]:
    return [
        (f"good_a,{good},fine,chan,", []),
        (f"good_a,{good},same id again,chan,", ["repeats line"]),
        ("no_url,,title,chan,", ["empty video_id or url"]),
        ("only_id", ["empty video_id or url"]),
        (f",{good},no id,chan,", ["empty video_id or url"]),
        (f"bad_duration,{good},t,c,twelve", ["duration", "twelve"]),
        (f"../..,{good},id with nothing usable,c,", ["no usable characters"]),
        (f"too_many,{good},t,c,1,extra,fields", ["unexpected extra field"]),
        (f'bad_quote,{good},"unterminated title,c,', ["quote"]),
    ]


def huge(n: int = 10 * 1024 * 1024) -> str:
    return ("lecture " * (n // 8 + 1))[:n]


def dir_listing(root: Path) -> set[str]:
    return {os.path.relpath(p, root) for p in root.rglob("*")}
