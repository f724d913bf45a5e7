"""Audio in: any container PyAV can open -> mono float32 at 16 kHz, the rate Whisper expects.

Lecture videos arrive in every state: no audio track at all, a silent track, a corrupt one.
Each becomes a clear `AudioError` (or an empty array for true silence) that the caller records
per video, instead of an exception from deep inside a decoder.

A lecture is also long: Quilt's videos run up to an hour or more. Decoding the whole track into
memory, and letting Whisper's feature extractor and VAD copy it, costs ~14 B per sample (13 MB
per audio minute). So the ASR reads audio as a stream of windows instead (`iter_audio_windows`):
each window is a few minutes of samples, cut at the quietest moment near its end so no word is
split, and only one window is held at a time. Memory then depends on the window length, not on
the video's.
"""

from __future__ import annotations

import gc
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

SAMPLE_RATE = 16000


class AudioError(RuntimeError):
    pass


@dataclass
class AudioWindow:
    offset: float  # seconds from the start of the track
    samples: np.ndarray  # float32, 16 kHz mono

    @property
    def seconds(self) -> float:
        return self.samples.size / SAMPLE_RATE


def iter_pcm16(path: Path | str, chunk_samples: int = 500_000) -> Iterator[np.ndarray]:
    """The track as int16 mono 16 kHz arrays of about `chunk_samples` each, decoded lazily.

    Same resampler settings (s16, mono, 16 kHz) and the same grouping of input frames as
    faster-whisper's decode_audio, so a short file gives the very samples it would, and the
    demo's transcripts do not change with the streaming."""
    import av

    path = Path(path)
    if not path.exists():
        raise AudioError(f"{path}: file not found")
    resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    try:
        # One open for the check and the decoding: each open re-reads the file's index (70-90 kB
        # of a demo file), which for a split audio-only file was a fifth of its size again.
        try:
            container = av.open(str(path), mode="r", metadata_errors="ignore")
        except av.error.FFmpegError as err:
            raise AudioError(f"{path}: cannot open media: {err}") from None
        with container:
            if not container.streams.audio:
                raise AudioError(f"{path}: no audio stream (streams: {[s.type for s in container.streams]})")
            fifo = av.audio.fifo.AudioFifo()

            def grouped():
                for frame in _valid_frames(container.decode(audio=0)):
                    frame.pts = None  # resampled audio is timed by sample count, not by pts
                    fifo.write(frame)
                    if fifo.samples >= chunk_samples:
                        yield fifo.read()
                if fifo.samples > 0:
                    yield fifo.read()

            for frame in itertools.chain(grouped(), [None]):  # None flushes the resampler
                for out in resampler.resample(frame):
                    yield out.to_ndarray().reshape(-1).astype(np.int16, copy=False)
    except (av.error.FFmpegError, ValueError, IndexError) as err:
        raise AudioError(f"{path}: cannot decode audio: {err}") from None
    finally:
        # PyAV's resampler graph is freed only by the collector (faster-whisper#390); a worker
        # that transcribes hundreds of videos would otherwise grow by one graph per file.
        del resampler
        gc.collect()


def _valid_frames(frames):
    import av

    it = iter(frames)
    while True:
        try:
            yield next(it)
        except StopIteration:
            return
        except av.error.InvalidDataError:  # a damaged packet mid-stream: skip it, as decode_audio does
            continue


def quietest_cut(pcm: np.ndarray, lo: int, hi: int, frame: int = SAMPLE_RATE // 10) -> int:
    """Sample index in [lo, hi) at the middle of the quietest `frame`-long stretch: where a
    window may end without cutting a word in two (lecturers pause between sentences)."""
    lo, hi = max(0, lo), min(pcm.size, hi)
    n = (hi - lo) // frame
    if n <= 1:
        return hi
    energy = np.square(pcm[lo : lo + n * frame].astype(np.float32)).reshape(n, frame).mean(axis=1)
    return lo + int(np.argmin(energy)) * frame + frame // 2


def iter_audio_windows(path: Path | str, window_seconds: float, search_seconds: float = 10.0) -> Iterator[AudioWindow]:
    """Windows of at most `window_seconds`, each ending at the quietest point of its last
    `search_seconds`; the remainder starts the next window. Raises AudioError for a file with no
    audio stream or one that cannot be decoded; a decode error after some windows were yielded
    ends the stream with AudioError too (the caller keeps what it has)."""
    win = int(window_seconds * SAMPLE_RATE)
    search = min(int(search_seconds * SAMPLE_RATE), win // 4)
    buf = np.zeros(0, np.int16)
    offset = 0
    for chunk in iter_pcm16(path):
        buf = np.concatenate([buf, chunk])
        while buf.size > win:
            cut = quietest_cut(buf, win - search, win)
            yield AudioWindow(offset / SAMPLE_RATE, buf[:cut].astype(np.float32) / 32768.0)
            offset += cut
            buf = buf[cut:].copy()
    if buf.size or offset == 0:
        yield AudioWindow(offset / SAMPLE_RATE, buf.astype(np.float32) / 32768.0)


def load_audio(path: Path | str) -> np.ndarray:
    """The whole track at once (short clips, tests); long media go through iter_audio_windows."""
    parts = list(iter_pcm16(path))
    pcm = np.concatenate(parts) if parts else np.zeros(0, np.int16)
    return pcm.astype(np.float32) / 32768.0


def is_silent(audio: np.ndarray, rms_floor: float = 1e-4) -> bool:
    """True for an empty or all-but-silent signal (digital silence, or hiss far below speech)."""
    return audio.size == 0 or float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) < rms_floor


def speech_samples(audio: np.ndarray) -> np.ndarray:
    """The stretches of `audio` that Silero VAD (faster-whisper's, which ships its ONNX weights)
    hears as speech, joined: what language detection should listen to. Music, noise and silence
    give (nearly) nothing, where Whisper would still name a language for them."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    spans = get_speech_timestamps(audio, VadOptions())
    if not spans:
        return audio[:0]
    return np.concatenate([audio[s["start"] : s["end"]] for s in spans])
