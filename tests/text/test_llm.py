"""The LLM client against a real HTTP server on 127.0.0.1 speaking the OpenAI chat API."""

import json
import logging
import time

import pytest

from quiltkit.config import LlmParams
from quiltkit.text.llm import LlmClient, LlmError, load_prompt
from tests.text.llm_server import chat_server, is_role_prompt

SECRET = "sk-test-6f1d2c9a-never-log-me"


def _answer(system: str, user: str) -> str:
    if is_role_prompt(system):
        return json.dumps({"role": "roi" if "here we see" in user.lower() else "medical"})
    return user.replace("adeno car sinoma", "adenocarcinoma")


@pytest.fixture()
def server():
    with chat_server(_answer) as srv:
        yield srv


def _params(url, tmp_path, **kw):
    return LlmParams(
        enabled=True,
        base_url=url,
        model="test-model",
        api_key_env="QK_TEST_LLM_KEY",
        cache_dir=str(tmp_path / "cache"),
        backoff_seconds=0.01,
        timeout_seconds=5,
        requests_per_minute=6000,
        **kw,
    )


def test_correct_and_role_then_cache_hit(server, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("QK_TEST_LLM_KEY", SECRET)
    caplog.set_level(logging.DEBUG)
    client = LlmClient(_params(server.url, tmp_path))
    assert client.correct("Here we see adeno car sinoma.", ["adenocarcinoma"]) == "Here we see adenocarcinoma."
    assert client.role("Here we see adeno car sinoma.") == "roi"
    assert len(server.calls) == 2 and server.calls[0]["model"] == "test-model"
    assert server.auth_seen[0] == f"Bearer {SECRET}"
    # a second run (new client, same cache dir) pays nothing
    again = LlmClient(_params(server.url, tmp_path))
    assert again.correct("Here we see adeno car sinoma.", ["adenocarcinoma"]) == "Here we see adenocarcinoma."
    assert len(server.calls) == 2 and again.cache_hits == 1
    cached = "".join(p.read_text() for p in (tmp_path / "cache").rglob("*.json"))
    assert SECRET not in cached and SECRET not in caplog.text


def test_retries_on_503_with_backoff(server, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("QK_TEST_LLM_KEY", SECRET)
    server.fail_first = 2
    client = LlmClient(_params(server.url, tmp_path, max_retries=3))
    assert client.role("Adenocarcinoma arises from glands.") == "medical"
    assert len(server.calls) == 3 and "retry 1/3" in caplog.text and SECRET not in caplog.text


def test_gives_up_with_clear_error(server, tmp_path, monkeypatch):
    monkeypatch.setenv("QK_TEST_LLM_KEY", SECRET)
    server.fail_first = 10
    client = LlmClient(_params(server.url, tmp_path, max_retries=1))
    with pytest.raises(LlmError, match="after 2 attempts: HTTP 503") as exc:
        client.chat("s", "u")
    assert SECRET not in str(exc.value)
    bad = LlmClient(_params(server.url.replace("/v1", "/nope"), tmp_path))
    with pytest.raises(LlmError, match="HTTP 404"):
        bad.chat("s", "u")


def test_rate_limit_spaces_requests(server, tmp_path):
    client = LlmClient(_params(server.url, tmp_path).model_copy(update={"requests_per_minute": 300.0}))
    t0 = time.monotonic()
    for i in range(3):
        client.chat("s", f"u{i}")
    assert time.monotonic() - t0 >= 0.4  # 3 requests at 0.2 s spacing


def test_prompts_are_data_files():
    assert "{terms}" in load_prompt("correct") and '"role"' in load_prompt("roles")
    with pytest.raises(LlmError, match="no prompt file"):
        load_prompt("missing")


def test_text_analysis_uses_llm_when_enabled(server, tmp_path, monkeypatch):
    from quiltkit.config import TextParams
    from quiltkit.contracts import Segment, Transcript, Word
    from quiltkit.text.analyze import analyze_transcript
    from quiltkit.text.vocabulary import core_vocabulary

    monkeypatch.setenv("QK_TEST_LLM_KEY", SECRET)
    words = [
        Word(start=i * 0.4, end=i * 0.4 + 0.3, word=" " + w)
        for i, w in enumerate("Crypts lined by goblet cells are normal.".split())
    ]
    tr = Transcript(video_id="v", segments=[Segment(start=0, end=3, text="", words=words)])
    params = TextParams(llm=_params(server.url, tmp_path))
    ta = analyze_transcript(tr, core_vocabulary(), params, LlmClient(params.llm))
    assert ta.llm_used and ta.sentences[0].role == "medical"  # the server's label, not a rule
    assert len(server.calls) == 2  # one correction, one role


def test_unreachable_llm_falls_back_to_rules(tmp_path):
    from quiltkit.config import TextParams
    from quiltkit.contracts import Segment, Transcript, Word
    from quiltkit.text.analyze import analyze_transcript
    from quiltkit.text.vocabulary import core_vocabulary

    words = [Word(start=i * 0.4, end=i * 0.4 + 0.3, word=" " + w) for i, w in enumerate("Here we see crypts.".split())]
    tr = Transcript(video_id="v", segments=[Segment(start=0, end=2, text="", words=words)])
    # port 9 on 127.0.0.1: nothing listens, connection refused at once
    params = TextParams(llm=_params("http://127.0.0.1:9/v1", tmp_path, max_retries=0))
    ta = analyze_transcript(tr, core_vocabulary(), params, LlmClient(params.llm))
    assert ta.status == "ok" and not ta.llm_used and "LLM disabled" in ta.error
    assert ta.sentences[0].role == "roi"
