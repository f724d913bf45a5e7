"""Audio in: any container PyAV can open -> mono float32 at 16 kHz, the rate Whisper expects.

Lecture videos arrive in every state: no audio track at all, a silent track, a corrupt one.
Each becomes a clear `AudioError` (or an empty array for true silence) that the caller records
per video, instead of an exception from deep inside a decoder.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000


class AudioError(RuntimeError):
    pass


def load_audio(path: Path | str) -> np.ndarray:
    import av
    from faster_whisper import decode_audio

    path = Path(path)
    if not path.exists():
        raise AudioError(f"{path}: file not found")
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError(f"{path}: no audio stream (streams: {[s.type for s in container.streams]})")
    except av.error.FFmpegError as err:
        raise AudioError(f"{path}: cannot open media: {err}") from None
    try:
        audio = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    except (av.error.FFmpegError, ValueError, IndexError) as err:
        raise AudioError(f"{path}: cannot decode audio: {err}") from None
    return np.asarray(audio, dtype=np.float32)


def is_silent(audio: np.ndarray, rms_floor: float = 1e-4) -> bool:
    """True for an empty or all-but-silent signal (digital silence, or hiss far below speech)."""
    return audio.size == 0 or float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) < rms_floor
