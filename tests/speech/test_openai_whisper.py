"""The openai-whisper backend, on a small randomly initialised checkpoint.

No released openai-whisper weights exist on these machines (they download from OpenAI's CDN), so
these tests build a checkpoint in the format whisper.load_model reads (dims + model_state_dict)
from a tiny random network. They check the path (loading, decoding, word timestamps, language
detection, the Transcript contract), not the quality: the words are nonsense.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest
import torch

from quiltkit.config import AsrParams
from quiltkit.contracts import Transcript
from quiltkit.speech.backends import AsrError, OpenAIWhisperBackend, load_backend
from quiltkit.speech.transcribe import transcribe_file


@pytest.fixture(scope="module")
def random_checkpoint(tmp_path_factory) -> Path:
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(1)
    dims = ModelDimensions(
        n_mels=80,
        n_audio_ctx=1500,
        n_audio_state=64,
        n_audio_head=2,
        n_audio_layer=1,
        n_vocab=51865,
        n_text_ctx=128,
        n_text_state=64,
        n_text_head=2,
        n_text_layer=2,
    )
    net = Whisper(dims)
    torch.nn.init.normal_(net.decoder.positional_embedding, std=0.01)  # created with torch.empty
    path = tmp_path_factory.mktemp("whisper") / "random-multilingual.pt"
    torch.save({"dims": asdict(dims), "model_state_dict": net.state_dict()}, path)
    return path


def test_loads_a_local_checkpoint(random_checkpoint):
    b = load_backend("openai-whisper", str(random_checkpoint))
    assert isinstance(b, OpenAIWhisperBackend) and b.model_path == str(random_checkpoint)
    assert b.multilingual  # n_vocab 51865: the multilingual tokenizer
    lang, p = b.detect_language(torch.zeros(16000).numpy())
    assert isinstance(lang, str) and 0.0 <= p <= 1.0


def test_transcript_contract_with_word_times(random_checkpoint, speech_mp4, tmp_path):
    params = AsrParams(
        backend="openai-whisper",
        model=str(random_checkpoint),
        initial_prompt="none",
        language="en",
        skip_non_english=False,
        beam_size=1,
    )
    t = transcribe_file(speech_mp4, "speech", params, None, cpu_threads=2)
    assert t.status == "ok", t.error
    assert t.model == f"openai-whisper:{random_checkpoint}" and t.language == "en"
    assert t.segments, "the random network decoded nothing: pick another seed"
    words = [w for s in t.segments for w in s.words]
    assert words and all(0 <= w.start <= w.end <= t.duration + 0.5 for w in words)
    assert all(s.start <= s.end for s in t.segments)
    t.write(tmp_path / "speech.json")  # what the text stage reads
    assert Transcript.read(tmp_path / "speech.json").segments == t.segments


def test_missing_weights_say_what_to_download_and_where(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(
        AsrError, match=r"no weights at .*whisper/base\.pt.*Download https://openaipublic\.azureedge\.net/.*/base\.pt"
    ):
        load_backend("openai-whisper", "base")
    with pytest.raises(AsrError, match="not an openai-whisper model name"):
        load_backend("openai-whisper", "tiny.en.bin")
    with pytest.raises(AsrError, match="no such openai-whisper checkpoint"):
        load_backend("openai-whisper", str(tmp_path / "nothing.pt"))


def test_a_file_that_is_not_a_checkpoint_is_named(tmp_path):
    bad = tmp_path / "weights.pt"
    torch.save({"state": torch.zeros(2)}, bad)
    with pytest.raises(AsrError, match=r"weights\.pt is not an openai-whisper checkpoint"):
        load_backend("openai-whisper", str(bad))
