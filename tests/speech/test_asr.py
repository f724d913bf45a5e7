import math
from pathlib import Path

import pytest

from quiltkit.config import AsrParams
from quiltkit.contracts import Transcript, VideoRecord
from quiltkit.speech import transcribe as tr_mod
from quiltkit.speech.backends import AsrError, resolve_faster_whisper_model
from quiltkit.speech.prompt import MAX_PROMPT_TOKENS, build_initial_prompt, tokenizer_counter
from quiltkit.speech.stage_run import domain_prompt, run_asr
from quiltkit.speech.transcribe import transcribe_file
from quiltkit.text.vocabulary import core_vocabulary


def test_tiny_en_resolves_to_packaged_ctranslate2_model():
    path, local = resolve_faster_whisper_model("tiny.en")
    assert local and (Path(path) / "model.bin").exists() and (Path(path) / "tokenizer.json").exists()
    backend = tr_mod.get_backend(AsrParams(), cpu_threads=2)
    assert backend.multilingual is False  # an English-only model: no language detection


def test_bad_model_dir_is_a_clear_error(tmp_path):
    with pytest.raises(AsrError, match="no model.bin"):
        resolve_faster_whisper_model(str(tmp_path))


def test_prompt_fits_whisper_budget_and_leads_with_core_terms():
    count = tokenizer_counter(resolve_faster_whisper_model("tiny.en")[0])
    prompt = build_initial_prompt(core_vocabulary(), count)
    assert count(prompt) <= MAX_PROMPT_TOKENS
    for term in ("adenocarcinoma", "necrosis", "goblet cell", "crypt"):
        assert term in prompt
    short = build_initial_prompt(core_vocabulary(), count, max_tokens=40)
    assert count(short) <= 40 and len(short) < len(prompt)
    assert domain_prompt(AsrParams(initial_prompt="none")) is None


def test_transcribes_real_speech_with_word_times(speech_mp4):
    params = AsrParams()
    prompt = domain_prompt(params)
    t = transcribe_file(speech_mp4, "speech", params, prompt, cpu_threads=2)
    assert t.status == "ok", t.error
    text = " ".join(s.text for s in t.segments).lower()
    assert "adenocarcinoma" in text and "necrosis" in text
    words = [w for s in t.segments for w in s.words]
    assert len(words) >= 15
    assert all(0 <= w.start <= w.end <= t.duration + 0.5 for w in words)
    assert [w.start for w in words] == sorted(w.start for w in words)
    assert t.language == "en" and t.settings["language_detection"].startswith("skipped")
    assert t.settings["beam_size"] == 5 and t.initial_prompt == prompt
    # the time it took is recorded (how fast is benchmarks/asr_bench.py's question, not a unit test's)
    assert math.isfinite(t.seconds_elapsed) and t.seconds_elapsed > 0
    assert 8 < t.duration < 12


def test_batched_pipeline(speech_mp4):
    t = transcribe_file(speech_mp4, "speech", AsrParams(batch_size=2, beam_size=1), None, cpu_threads=2)
    assert t.status == "ok" and "necrosis" in " ".join(s.text for s in t.segments).lower()


def test_silent_and_missing_audio_are_recorded_not_raised(silent_mp4, video_only_mp4):
    silent = transcribe_file(silent_mp4, "silent", AsrParams(), None)
    assert silent.status == "ok" and silent.segments == [] and "silent" in silent.error
    none = transcribe_file(video_only_mp4, "noaudio", AsrParams(), None)
    assert none.status == "failed" and "no audio stream" in none.error


class _GermanBackend:
    """Stands in for a multilingual Whisper model: none can be loaded offline on this machine
    (only tiny.en ships in a package), so detection is simulated at that boundary."""

    multilingual = True
    model_path = "fake-multilingual"

    def detect_language(self, audio):
        return "de", 0.97

    def transcribe(self, audio, **kw):  # pragma: no cover - must not be reached
        raise AssertionError("a non-English video must be skipped before transcription")


def test_multilingual_model_skips_non_english(speech_mp4, monkeypatch):
    params = AsrParams(model="multi")
    monkeypatch.setattr(tr_mod, "get_backend", lambda p, c: _GermanBackend())
    t = transcribe_file(speech_mp4, "de_video", params, None)
    assert t.status == "skipped" and "non-English" in t.error and t.language == "de"


def test_stage_records_every_outcome_and_resumes(tmp_path, speech_mp4, video_only_mp4):
    dl = tmp_path / "download"
    dl.mkdir()
    VideoRecord(video_id="a", url="u", status="ok", video_path=str(speech_mp4)).write(dl / "a.record.json")
    VideoRecord(video_id="b", url="u", status="ok", video_path=str(video_only_mp4)).write(dl / "b.record.json")
    VideoRecord(video_id="c", url="u", status="failed", error="HTTP 404").write(dl / "c.record.json")
    (dl / "d.record.json").write_text("{not json")
    out = tmp_path / "asr"
    m = run_asr(AsrParams(beam_size=1), dl, out)
    assert (m["videos"], m["ok"], m["failed"], m["skipped"]) == (4, 1, 2, 1)
    # the real-time factor is ASR seconds over audio seconds, of the videos transcribed ("a");
    # no bound on it: speed is measured in benchmarks/asr_bench.py, not asserted here
    a = Transcript.read(out / "a.json")
    assert m["audio_seconds"] == round(a.duration, 2) > 0 and m["asr_seconds"] == round(a.seconds_elapsed, 2) > 0
    assert math.isfinite(m["real_time_factor"]) and m["real_time_factor"] > 0
    assert m["real_time_factor"] == round(m["asr_seconds"] / m["audio_seconds"], 4)
    # and the wall-clock one: what the clock saw for the whole run, over the same audio
    assert m["wall_seconds"] >= m["asr_seconds"] - 0.01
    assert m["wall_real_time_factor"] == pytest.approx(m["wall_seconds"] / m["audio_seconds"], abs=1e-3)
    assert "HTTP 404" in Transcript.read(out / "c.json").error
    assert "d.record.json" in Transcript.read(out / "d.json").error
    before = (out / "a.json").stat().st_mtime_ns
    m2 = run_asr(AsrParams(beam_size=1), dl, out)
    # not transcribed again: its file was not rewritten (a wall-clock bound here would be noise)
    assert (out / "a.json").stat().st_mtime_ns == before
    assert m2["ok"] == 1 and m2["audio_seconds"] == m["audio_seconds"]
    # failures are retried on a re-run: the fixed record now transcribes
    VideoRecord(video_id="d", url="u", status="ok", video_path=str(speech_mp4)).write(dl / "d.record.json")
    m3 = run_asr(AsrParams(beam_size=1), dl, out)
    assert (m3["ok"], m3["failed"]) == (2, 1) and Transcript.read(out / "d.json").status == "ok"


def test_prompt_echo_is_removed_but_real_speech_kept():
    from quiltkit.contracts import Segment, Word
    from quiltkit.speech.prompt import echo_mask
    from quiltkit.speech.transcribe import drop_prompt_echo

    prompt = domain_prompt(AsrParams())
    said = "I would point out Adenocarcinoma, colorectal adenocarcinoma, colorectal adenocarcinoma, really".split()
    assert echo_mask(said, prompt) == [False] * 4 + [True] * 5 + [False]
    real = "Welcome to this lecture. Here we see crypts lined by goblet cells, nuclei are basal".split()
    assert not any(echo_mask(real, prompt))
    words = [Word(start=i, end=i + 0.5, word=" " + w) for i, w in enumerate(said)]
    segs, n = drop_prompt_echo([Segment(start=0, end=10, text=" ".join(said), words=words)], prompt)
    assert n == 5 and segs[0].text == "I would point out really" and segs[0].end == 9.5


def test_speech_the_prompted_pass_lost_is_decoded_again(speech_mp4):
    from quiltkit.speech.audio import load_audio
    from quiltkit.speech.transcribe import redo_unheard_speech, speech_regions

    audio = load_audio(speech_mp4)
    regions = speech_regions(audio)
    assert regions and regions[0][0] < 1.0 and regions[-1][1] > 8.0
    backend = tr_mod.get_backend(AsrParams(), cpu_threads=2)
    # as if the prompted pass had returned nothing for the whole clip
    segs, redone = redo_unheard_speech(backend, audio, [], AsrParams(beam_size=1), "en")
    assert redone and sum(len(s.words) for s in segs) >= 15
    assert "necrosis" in " ".join(s.text for s in segs).lower()
    words = [w for s in segs for w in s.words]
    assert min(w.start for w in words) >= regions[0][0] - 0.5 and max(w.end for w in words) <= regions[-1][1] + 0.5
