"""One video in, one Transcript out: the unit of work the asr stage hands the runner.

Every outcome is written as a Transcript so the next stage, and a re-run, can see what happened:
ok (possibly with no segments, for silent audio), skipped (download not ok, non-English audio
under a multilingual model, or a mostly low-confidence transcript under an English-only one,
which is what such a model makes of another language), failed (no audio stream, undecodable
file). The model is loaded once per worker process and reused for every video that process
handles.
"""

from __future__ import annotations

import logging
import os
import time
import zlib
from pathlib import Path

from quiltkit.config import AsrParams
from quiltkit.contracts import ContractError, Segment, Transcript, VideoRecord
from quiltkit.execution.memory import release_free_heap
from quiltkit.speech.audio import SAMPLE_RATE, AudioError, is_silent, iter_audio_windows, speech_samples
from quiltkit.speech.backends import load_backend
from quiltkit.speech.prompt import echo_mask

log = logging.getLogger(__name__)

_backends: dict[tuple, object] = {}


def get_backend(params: AsrParams, cpu_threads: int):
    key = (params.backend, params.model, params.device, params.compute_type, cpu_threads, params.batch_size)
    if key not in _backends:
        t0 = time.perf_counter()
        _backends[key] = load_backend(
            params.backend, params.model, params.device, params.compute_type, cpu_threads, params.batch_size
        )
        log.info("loaded %s model %s in %.1fs", params.backend, params.model, time.perf_counter() - t0)
    return _backends[key]


def resolve_audio_path(record: VideoRecord, record_path: Path) -> Path | None:
    """The file to hear: the audio-only file where the download was split, else the video.
    Paths are relative to the download dir (older records: repository-relative), so both
    readings are tried."""
    rel = record.audio_path or record.video_path
    if not rel:
        return None
    for candidate in (Path(rel), record_path.parent / rel, record_path.parent / Path(rel).name):
        if candidate.exists():
            return candidate
    return Path(rel)


def settings_of(params: AsrParams, cpu_threads: int) -> dict:
    s = params.model_dump()
    s["cpu_threads_used"] = cpu_threads
    return s


def transcribe_file(
    audio_path: Path, video_id: str, params: AsrParams, initial_prompt: str | None, cpu_threads: int = 0
) -> Transcript:
    settings = settings_of(params, cpu_threads)
    t0 = time.perf_counter()
    base = dict(video_id=video_id, model=params.model, settings=settings, initial_prompt=initial_prompt)

    def elapsed() -> float:
        return round(time.perf_counter() - t0, 3)

    # The track is read as windows of a few minutes (speech/audio.py), each transcribed on its own
    # and shifted to its place in time: memory is set by the window, not by the lecture's length.
    segments: list[Segment] = []
    duration, heard, n_windows, truncated = 0.0, False, 0, None
    language, language_prob, backend = params.language, None, None
    no_speech_windows = 0
    extra = {"duration_after_vad": 0.0, "prompt_echo_words_removed": 0, "prompt_fallback_regions": []}
    windows = iter_audio_windows(audio_path, params.window_seconds)
    while True:
        try:
            win = next(windows)
        except StopIteration:
            break
        except AudioError as err:
            if n_windows == 0:
                return Transcript(**base, status="failed", error=str(err), seconds_elapsed=elapsed())
            truncated = f"{err} (after {duration:.1f}s; the transcript so far is kept)"
            log.warning("%s: %s", video_id, truncated)
            break
        n_windows += 1
        duration = round(win.offset + win.seconds, 3)
        if is_silent(win.samples):
            continue  # a silent stretch (or a silent file): nothing to decode
        if backend is None:
            backend = get_backend(params, cpu_threads)
            base["model"] = f"{params.backend}:{backend.model_path}"
            if not backend.multilingual:
                settings["language_detection"] = "skipped: English-only model"
                language = "en"
        if backend.multilingual and language_prob is None and (params.skip_non_english or params.language is None):
            # Detected once, on the first window with speech in it: a lecture keeps its language.
            # Whisper names a language for anything, music included, so it only hears the
            # stretches the VAD calls speech; a window without enough of them is passed over.
            speech = speech_samples(win.samples)
            if speech.size < MIN_DETECTION_SECONDS * SAMPLE_RATE:
                no_speech_windows += 1
                settings["language_detection"] = {"detected": None, "windows_without_speech": no_speech_windows}
                continue
            detected, language_prob = backend.detect_language(speech)
            settings["language_detection"] = {
                "detected": detected,
                "probability": round(language_prob, 4),
                "speech_seconds": round(speech.size / SAMPLE_RATE, 2),
            }
            if params.skip_non_english and detected != "en":
                windows.close()
                return Transcript(
                    **base,
                    status="skipped",
                    language=detected,
                    language_probability=language_prob,
                    duration=duration,
                    error=f"non-English audio detected: {detected} (p={language_prob:.2f})",
                    seconds_elapsed=elapsed(),
                )
            language = params.language or detected
        heard = True
        segments += shift_segments(
            transcribe_window(backend, win.samples, params, language, initial_prompt, extra), win.offset
        )
        release_free_heap()  # or the VAD's buffers fragment the heap, window after window
    settings["audio_windows"] = n_windows
    if not heard:
        # Nothing to hear is a result, not an error: an empty transcript the text stage passes over.
        why = (
            "no speech found (VAD) to detect a language in"
            if no_speech_windows
            else "silent audio: no speech to transcribe"
        )
        return Transcript(**base, status="ok", duration=duration, error=truncated or why, seconds_elapsed=elapsed())
    extra["duration_after_vad"] = round(extra["duration_after_vad"], 3)
    first_window_prob = extra.pop("language_probability", None)
    if language_prob is None:
        language_prob = first_window_prob  # the model's own, when the language was given
    settings.update(extra)
    if not backend.multilingual and segments:
        # An English-only model cannot say what language it heard: given German or French it
        # writes confident-looking English nonsense (measured: tiny.en on espeak German gave
        # "the eagle, the eagle, ..." at avg_logprob -0.83; the demo's English is -0.24..-0.43).
        # Whisper's own confidence, per segment, tells the two apart.
        q = transcript_quality(segments)
        settings["transcript_quality"] = q
        if q["suspect_share"] > SUSPECT_SHARE_MAX and params.skip_non_english:
            return Transcript(
                **base,
                status="skipped",
                language=None,
                duration=duration,
                segments=segments,
                error=(
                    f"English-only model {params.model} cannot detect the language, and "
                    f"{q['suspect_share']:.0%} of the transcript is low-confidence (segment avg_logprob < "
                    f"{LOW_LOGPROB}; mean {q['mean_avg_logprob']}): non-English or non-speech audio?"
                ),
                seconds_elapsed=elapsed(),
            )
    return Transcript(
        **base,
        status="ok",
        language=language,
        language_probability=language_prob,
        duration=duration,
        segments=segments,
        error=truncated,
        seconds_elapsed=elapsed(),
    )


def transcribe_window(
    backend, audio, params: AsrParams, language: str | None, initial_prompt: str | None, extra: dict
) -> list[Segment]:
    """One window's segments, in the window's own time; what it did is added to `extra`."""
    result = backend.transcribe(
        audio,
        language=language,
        initial_prompt=initial_prompt,
        beam_size=params.beam_size,
        word_timestamps=params.word_timestamps,
        vad_filter=params.vad_filter,
    )
    extra["duration_after_vad"] += float(result.extra.get("duration_after_vad", 0.0))
    extra.setdefault("language_probability", result.language_probability)
    extra.update({k: v for k, v in result.extra.items() if k != "duration_after_vad"})
    segments, removed = drop_prompt_echo(result.segments, initial_prompt)
    extra["prompt_echo_words_removed"] += removed
    if initial_prompt and params.prompt_fallback and params.word_timestamps:
        segments, redone = redo_unheard_speech(backend, audio, segments, params, language)
        extra["prompt_fallback_regions"] += redone
    return segments


def shift_segments(segments: list[Segment], offset: float) -> list[Segment]:
    """Segments (and their words) moved `offset` seconds later."""
    if not offset:
        return segments
    return [
        seg.model_copy(
            update={
                "start": round(seg.start + offset, 3),
                "end": round(seg.end + offset, 3),
                "words": [
                    w.model_copy(update={"start": round(w.start + offset, 3), "end": round(w.end + offset, 3)})
                    for w in seg.words
                ],
            }
        )
        for seg in segments
    ]


MIN_DETECTION_SECONDS = 1.0  # of VAD speech in a window before its language is asked

# Whisper retries a decode below -1.0. Measured with tiny.en: English speech (demo, tests) gives
# segments of -0.24..-0.43, espeak German -0.83..-1.29, French -1.02. The compression ratio
# (Whisper's loop signal, > 2.4) is recorded but not used: a lecturer who says a sentence twice
# trips it on perfectly good English.
LOW_LOGPROB = -0.7
SUSPECT_SHARE_MAX = 0.5


def compression_ratio(text: str) -> float:
    b = text.encode("utf-8")
    return len(b) / max(1, len(zlib.compress(b)))


def transcript_quality(segments: list[Segment]) -> dict:
    """Share of transcribed time in segments Whisper was unsure of (plus facts for the record)."""
    total = sum(max(0.0, s.end - s.start) for s in segments) or 1e-9
    suspect = sum(
        max(0.0, s.end - s.start) for s in segments if s.avg_logprob is not None and s.avg_logprob < LOW_LOGPROB
    )
    mean_lp = sum((s.avg_logprob or 0.0) * max(0.0, s.end - s.start) for s in segments) / total
    return {
        "suspect_share": round(suspect / total, 3),
        "mean_avg_logprob": round(mean_lp, 3),
        "max_compression_ratio": round(max(compression_ratio(s.text) for s in segments), 3),
    }


def drop_prompt_echo(segments: list[Segment], prompt: str | None) -> tuple[list[Segment], int]:
    """Remove words Whisper copied from the prompt (see prompt.echo_mask); returns (segments, n)."""
    if not prompt:
        return segments, 0
    out, removed = [], 0
    for seg in segments:
        if not seg.words:
            out.append(seg)
            continue
        mask = echo_mask([w.word for w in seg.words], prompt)
        if not any(mask):
            out.append(seg)
            continue
        kept = [w for w, m in zip(seg.words, mask) if not m]
        removed += len(seg.words) - len(kept)
        if kept:
            out.append(
                seg.model_copy(
                    update={
                        "words": kept,
                        "start": kept[0].start,
                        "end": kept[-1].end,
                        "text": "".join(w.word for w in kept).strip(),
                    }
                )
            )
    return out, removed


def speech_regions(audio, min_silence_ms: int = 1000) -> list[tuple[float, float]]:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    opts = VadOptions(min_silence_duration_ms=min_silence_ms, max_speech_duration_s=30.0)
    return [(t["start"] / SAMPLE_RATE, t["end"] / SAMPLE_RATE) for t in get_speech_timestamps(audio, opts)]


def redo_unheard_speech(
    backend,
    audio,
    segments: list[Segment],
    params: AsrParams,
    language: str | None,
    min_words_per_second: float = 0.8,
    min_seconds: float = 2.0,
) -> tuple[list[Segment], list]:
    """Re-decode, without the prompt, speech the prompted pass lost.

    A prompt helps Whisper spell the terms, but on some chunks it derails the decoder: the chunk
    comes back empty or as a copy of the prompt (removed above), and 30 s of lecture vanish
    (measured on the demo: 60 of ~200 words in two of six videos). VAD knows where speech is; a
    speech region that got far fewer words than speech carries (~2.5 words/s) is decoded again
    on its own, unprompted, and its words replace whatever the prompted pass left there.
    """
    words = [w for seg in segments for w in seg.words]
    redone: list[list[float]] = []
    for a, b in speech_regions(audio):
        if b - a < min_seconds:
            continue
        inside = [w for w in words if a <= (w.start + w.end) / 2 <= b]
        if len(inside) >= min_words_per_second * (b - a):
            continue
        clip = audio[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)]
        res = backend.transcribe(
            clip,
            language=language,
            initial_prompt=None,
            beam_size=params.beam_size,
            word_timestamps=True,
            vad_filter=False,
        )
        shifted = shift_segments(res.segments, a)
        new_words = sum(len(sg.words) for sg in shifted)
        if new_words <= len(inside):
            continue  # the unprompted pass heard no more: keep what we had
        kept = []
        for seg in segments:
            ws = [w for w in seg.words if not a <= (w.start + w.end) / 2 <= b]
            if len(ws) == len(seg.words):
                kept.append(seg)
            elif ws:
                kept.append(
                    seg.model_copy(
                        update={
                            "words": ws,
                            "start": ws[0].start,
                            "end": ws[-1].end,
                            "text": "".join(w.word for w in ws).strip(),
                        }
                    )
                )
        segments = sorted(kept + shifted, key=lambda sg: sg.start)
        redone.append([round(a, 2), round(b, 2), len(inside), new_words])
    return segments, redone


def transcribe_task(task) -> dict:
    """runner entry point: task.args = {record, params (AsrParams dict), prompt, cpu_threads}."""
    params = AsrParams.model_validate(task.args["params"])
    record_path = Path(task.args["record"])
    try:
        record = VideoRecord.read(record_path)
    except ContractError as err:
        tr = Transcript(video_id=task.video_id, status="failed", error=str(err), model=params.model)
    else:
        media = resolve_audio_path(record, record_path)
        if record.status != "ok" or media is None:
            tr = Transcript(
                video_id=task.video_id,
                status="skipped",
                model=params.model,
                error=f"download status {record.status}: {record.error or 'no video file'}",
            )
        else:
            tr = transcribe_file(media, task.video_id, params, task.args.get("prompt"), task.args.get("cpu_threads", 0))
    tr.write(task.output)
    return {"status": tr.status, "error": tr.error, "duration": tr.duration, "seconds": tr.seconds_elapsed}


def default_cpu_threads(workers: int) -> int:
    return max(1, (os.cpu_count() or 1) // max(1, workers))
