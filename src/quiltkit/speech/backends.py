"""ASR backends behind one small interface: audio (16 kHz float32) in, segments with words out.

faster-whisper (CTranslate2) is the default: tiny.en int8 on two shared CPU cores transcribed the
6 x 75 s demo in 45 s (about 10x faster than real time); which model a name means is
quiltkit.speech.models' business. openai-whisper (PyTorch) is the other backend: it loads a .pt
checkpoint (dims + state dict), a local file or a released model that it downloads. No released
weights exist offline here, so its tests run it on a small randomly initialised checkpoint.

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
from quiltkit.speech.models import AsrError, resolve_faster_whisper_model

# The seed of Whisper's temperature-fallback sampling, set before each transcription.
SAMPLING_SEED = 0


@dataclass
class AsrResult:
    segments: list[Segment]
    language: str | None
    language_probability: float | None
    extra: dict = field(default_factory=dict)


OFFLINE_ENV = ("HF_HUB_OFFLINE", "QUILTKIT_OFFLINE")  # either set to 1: never download weights


def _offline() -> bool:
    return any(os.environ.get(k) == "1" for k in OFFLINE_ENV)


class FasterWhisperBackend:
    name = "faster-whisper"

    def __init__(
        self, model: str, device: str = "cpu", compute_type: str = "int8", cpu_threads: int = 0, batch_size: int = 1
    ):
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        target, local = resolve_faster_whisper_model(model)
        try:
            self.model = WhisperModel(
                target,
                device=device,
                compute_type=compute_type,
                cpu_threads=cpu_threads,
                local_files_only=local or _offline(),
            )
        except Exception as err:  # hub lookups, bad dirs and bad compute types all land here
            raise AsrError(
                f"cannot load faster-whisper model {model!r} ({target}): {type(err).__name__}: {err}"
            ) from err
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

    def transcribe(
        self,
        audio: np.ndarray,
        *,
        language: str | None,
        initial_prompt: str | None,
        beam_size: int,
        word_timestamps: bool,
        vad_filter: bool,
    ) -> AsrResult:
        kwargs = dict(
            language=language,
            initial_prompt=initial_prompt,
            beam_size=beam_size,
            word_timestamps=word_timestamps,
            vad_filter=vad_filter,
        )
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
            words = [
                Word(start=round(w.start, 3), end=round(w.end, 3), word=w.word, probability=round(w.probability, 4))
                for w in (s.words or [])
            ]
            segments.append(
                Segment(
                    start=round(s.start, 3),
                    end=round(s.end, 3),
                    text=s.text.strip(),
                    words=words,
                    avg_logprob=s.avg_logprob,
                    no_speech_prob=s.no_speech_prob,
                )
            )
        return AsrResult(
            segments,
            info.language,
            info.language_probability,
            {"duration_after_vad": round(float(getattr(info, "duration_after_vad", 0.0) or 0.0), 3)},
        )


def openai_whisper_checkpoint(model: str) -> tuple[Path, str | None]:
    """(the .pt file asr.model names, the OpenAI model name when it is one). A name is looked up
    where openai-whisper keeps its downloads; with a network and no offline flag a missing one is
    downloaded there (openai-whisper checks its sha256), offline it is an error that says what to
    fetch and where to put it."""
    import whisper

    p = Path(model).expanduser()
    if p.suffix == ".pt" or p.parent != Path("."):
        if not p.is_file():
            raise AsrError(
                f"asr.model={model!r}: no such openai-whisper checkpoint (.pt with dims and model_state_dict)"
            )
        return p, None
    if model not in whisper._MODELS:
        raise AsrError(
            f"asr.model={model!r} is not an openai-whisper model name ({', '.join(whisper.available_models())}) "
            "nor a .pt file"
        )
    url = whisper._MODELS[model]
    root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "whisper"
    path = root / Path(url).name
    if path.is_file():
        return path, model
    if _offline():
        raise AsrError(
            f"asr.model={model!r} (openai-whisper): no weights at {path}, and downloads are off "
            f"({'/'.join(OFFLINE_ENV)}=1). Download {url} and put it at {path}, or set asr.model "
            "to the path of a local .pt file"
        )
    whisper._download(url, str(root), in_memory=False)  # the real download path: checked against the URL's sha256
    return path, model


class OpenAIWhisperBackend:
    name = "openai-whisper"

    def __init__(self, model: str, device: str = "cpu", **_):
        try:
            import torch
            import whisper  # openai-whisper
        except ImportError as err:
            raise AsrError(
                "asr.backend='openai-whisper' needs the openai-whisper package "
                "(pip install openai-whisper==20250625; it is in requirements.lock)"
            ) from err
        path, official = openai_whisper_checkpoint(model)
        # Loaded here rather than by whisper.load_model, so that weights_only=True is ours to
        # guarantee (a .pt is a pickle) and a malformed file gets an error that names it.
        try:
            ckpt = torch.load(path, map_location=device, weights_only=True)
            dims = whisper.model.ModelDimensions(**ckpt["dims"])
            net = whisper.model.Whisper(dims)
            net.load_state_dict(ckpt["model_state_dict"])
        except Exception as err:
            raise AsrError(
                f"asr.model={model!r}: {path} is not an openai-whisper checkpoint "
                f"({type(err).__name__}: {str(err)[:200]})"
            ) from err
        if official in whisper._ALIGNMENT_HEADS:
            # the cross-attention heads that track time, per released model; others use the
            # default (every head of the decoder's second half)
            net.set_alignment_heads(whisper._ALIGNMENT_HEADS[official])
        self.model = net.to(device).eval()
        self.model_path = str(path)

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

    def transcribe(
        self,
        audio: np.ndarray,
        *,
        language: str | None,
        initial_prompt: str | None,
        beam_size: int,
        word_timestamps: bool,
        vad_filter: bool,
    ) -> AsrResult:
        # openai-whisper has no VAD; vad_filter is recorded in settings but cannot apply here.
        # Its temperature fallback samples with torch's generator: seeded per call, as above.
        import torch

        torch.manual_seed(SAMPLING_SEED)
        out = self.model.transcribe(
            audio,
            language=language,
            initial_prompt=initial_prompt,
            beam_size=beam_size,
            word_timestamps=word_timestamps,
            fp16=False,
        )
        segments = []
        for s in out.get("segments", []):
            words = [
                Word(
                    start=round(w["start"], 3),
                    end=round(w["end"], 3),
                    word=w["word"],
                    probability=round(float(w.get("probability", 1.0)), 4),
                )
                for w in s.get("words", [])
            ]
            segments.append(
                Segment(
                    start=round(s["start"], 3),
                    end=round(s["end"], 3),
                    text=s["text"].strip(),
                    words=words,
                    avg_logprob=s.get("avg_logprob"),
                    no_speech_prob=s.get("no_speech_prob"),
                )
            )
        return AsrResult(segments, out.get("language"), None, {"vad_applied": False})


def load_backend(
    backend: str, model: str, device: str = "cpu", compute_type: str = "int8", cpu_threads: int = 0, batch_size: int = 1
):
    if backend == "faster-whisper":
        return FasterWhisperBackend(model, device, compute_type, cpu_threads, batch_size)
    if backend == "openai-whisper":
        return OpenAIWhisperBackend(model, device)
    raise AsrError(f"unknown asr.backend {backend!r} (faster-whisper | openai-whisper)")
