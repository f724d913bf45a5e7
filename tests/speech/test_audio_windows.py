"""Streaming audio: windows that add up to the whole track, cut where nobody is speaking, and a
transcript of a windowed file that keeps every word at its place in time."""

from __future__ import annotations

import numpy as np
import pytest
from faster_whisper import decode_audio

from quiltkit.config import AsrParams
from quiltkit.speech.audio import SAMPLE_RATE, AudioError, iter_audio_windows, load_audio, quietest_cut
from quiltkit.speech.transcribe import transcribe_file
from quiltkit.speech.tts import resample_to_16k, synthesize
from tests.speech.conftest import write_media


def test_load_audio_gives_faster_whisper_samples(speech_mp4):
    # the streaming decoder must not change what Whisper hears (the demo's transcripts stayed put)
    assert np.array_equal(load_audio(speech_mp4), decode_audio(str(speech_mp4)))


def test_quietest_cut_lands_in_the_pause():
    rng = np.random.default_rng(0)
    pcm = (rng.normal(0, 3000, 10 * SAMPLE_RATE)).astype(np.int16)
    pcm[int(6.2 * SAMPLE_RATE) : int(6.6 * SAMPLE_RATE)] = 0  # a 0.4 s pause
    cut = quietest_cut(pcm, 5 * SAMPLE_RATE, 8 * SAMPLE_RATE)
    assert 6.2 * SAMPLE_RATE <= cut <= 6.6 * SAMPLE_RATE


def _sentences_with_pauses(tmp_path, seconds_apart: float, n: int):
    """n spoken sentences, one every `seconds_apart` seconds, in an MP4 (AAC, as lectures come)."""
    words = ["necrosis", "fibrosis", "granuloma", "steatosis", "metaplasia"]
    track = np.zeros(int(n * seconds_apart * SAMPLE_RATE), np.float32)
    for i in range(n):
        s = resample_to_16k(*synthesize(f"Sentence {i + 1} shows {words[i % len(words)]}."))
        at = int((i * seconds_apart + 1.0) * SAMPLE_RATE)
        track[at : at + s.size] = s[: track.size - at]
    pcm = (track * 32767).astype(np.int16)
    return write_media(tmp_path / "talk.mp4", pcm, SAMPLE_RATE, video=False), words[:n]


def test_windows_add_up_to_the_track_and_cut_in_pauses(tmp_path):
    path, _ = _sentences_with_pauses(tmp_path, 9.0, 8)  # 72 s
    whole = load_audio(path)
    wins = list(iter_audio_windows(path, 30.0))
    assert len(wins) == 3
    assert np.array_equal(np.concatenate([w.samples for w in wins]), whole)
    for a, b in zip(wins, wins[1:]):
        assert b.offset == pytest.approx(a.offset + a.seconds)
        # every cut falls where the signal is quiet, not inside a sentence
        edge = whole[int(b.offset * SAMPLE_RATE) - 800 : int(b.offset * SAMPLE_RATE) + 800]
        assert np.abs(edge).max() < 0.02, (b.offset, float(np.abs(edge).max()))


def test_windowed_transcript_keeps_every_sentence_in_place(tmp_path):
    path, _ = _sentences_with_pauses(tmp_path, 9.0, 8)
    t = transcribe_file(path, "talk", AsrParams(window_seconds=30.0, cpu_threads=2), None, cpu_threads=2)
    assert t.status == "ok" and t.settings["audio_windows"] == 3
    text = " ".join(s.text for s in t.segments).lower()
    # tiny.en, unprompted, mishears espeak's single medical words, but it counts reliably: each
    # numbered sentence once, so nothing was lost or doubled at the two window edges
    for i in range(1, 9):
        assert text.count(f"sentence {i} ") == 1, (i, text)
    starts = [w.start for s in t.segments for w in s.words]
    # later windows shifted to their real time: the last sentence is spoken at 64-66 s
    assert starts == sorted(starts) and 63.0 < starts[-1] < 67.0, starts[-5:]
    assert abs(t.duration - 72.0) < 0.1


def test_file_without_audio_is_a_clear_error(tmp_path):
    path = write_media(tmp_path / "mute.mp4", None)
    with pytest.raises(AudioError, match="no audio stream"):
        next(iter_audio_windows(path, 60.0))
