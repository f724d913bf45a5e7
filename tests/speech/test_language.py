"""Language detection with the multilingual Whisper base model (assembled from its two packages).

A multilingual model names each video's language from its own detection, on the stretches the VAD
hears as speech: English is transcribed, other languages are skipped (or transcribed, with
asr.skip_non_english false) and recorded with the language and its probability, and music or
silence is passed over as no speech instead of being given a language.
"""
from __future__ import annotations

import numpy as np
import pytest

from quiltkit.config import AsrParams
from quiltkit.demo.speech_samples import VOICE, chords, lecture_opening
from quiltkit.speech.transcribe import transcribe_file
from quiltkit.speech.tts import synthesize
from tests.speech.conftest import NARRATION, write_media

SPEECH = {"en": NARRATION, **{lang: lecture_opening(lang) for lang in ("de", "fr", "es")}}
MIN_PROBABILITY = 0.25  # base on these espeak voices gave en 0.92, de 0.28, fr 0.62, es 0.47


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    d = tmp_path_factory.mktemp("languages")
    out = {lang: write_media(d / f"{lang}.mp4", *synthesize(text, voice=VOICE[lang])) for lang, text in SPEECH.items()}
    out["music"] = write_media(d / "music.mp4", chords(12.0), 22050)
    out["silence"] = write_media(d / "silence.mp4", np.zeros(22050 * 4, np.int16), 22050)
    return out


@pytest.mark.parametrize("lang", ["en", "de", "fr", "es"])
def test_each_language_is_detected_and_only_english_kept(clips, base_model_dir, lang):
    t = transcribe_file(clips[lang], lang, AsrParams(model=str(base_model_dir)), None, cpu_threads=2)
    det = t.settings["language_detection"]
    assert det["detected"] == lang and det["probability"] >= MIN_PROBABILITY, det
    assert t.language == lang and t.language_probability == pytest.approx(det["probability"], abs=1e-4)
    if lang == "en":
        assert t.status == "ok" and "necrosis" in " ".join(s.text for s in t.segments).lower()
    else:
        assert t.status == "skipped" and f"non-English audio detected: {lang}" in t.error and not t.segments


def test_another_language_is_transcribed_when_asked(clips, base_model_dir):
    params = AsrParams(model=str(base_model_dir), skip_non_english=False, language=None, initial_prompt="none")
    t = transcribe_file(clips["de"], "de", params, None, cpu_threads=2)
    assert t.status == "ok" and t.language == "de"
    assert "keine" in " ".join(s.text for s in t.segments).lower()


@pytest.mark.parametrize("clip", ["music", "silence"])
def test_music_and_silence_get_no_language(clips, base_model_dir, clip):
    t = transcribe_file(clips[clip], clip, AsrParams(model=str(base_model_dir)), None, cpu_threads=2)
    assert t.status == "ok" and not t.segments and t.language_probability is None
    det = t.settings.get("language_detection")
    if clip == "music":
        assert det == {"detected": None, "windows_without_speech": 1} and "no speech found" in t.error
    else:
        assert det is None and "silent audio" in t.error  # nothing above the noise floor: the model is never loaded
