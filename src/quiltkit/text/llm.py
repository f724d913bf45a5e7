"""An optional LLM for correction and role labelling, over any OpenAI-compatible endpoint.

Nothing worth using runs offline by default here, so the LLM is an opt-in backend
(text.llm.enabled): POST {base_url}/chat/completions with the standard library only. Around that
one call sit the things a long curation run needs:
- a disk cache keyed by sha256(model + prompt + input), so a re-run or a resumed stage pays
  nothing for answers it already has (and results stay reproducible for the same model);
- retries with exponential backoff on 429/5xx/network errors, honouring Retry-After;
- a per-process rate limit (text.llm.requests_per_minute) and a request timeout;
- the API key read from the environment variable *named* in params, sent only in the
  Authorization header and never logged, cached or put into an error message.
Prompts are data files under text/prompts/, so they can be changed without touching code.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from quiltkit.config import LlmParams
from quiltkit.io import atomic_write_text

log = logging.getLogger(__name__)
PROMPTS_DIR = Path(__file__).parent / "prompts"
_RETRYABLE = {408, 409, 425, 429, 500, 502, 503, 504}


class LlmError(RuntimeError):
    pass


def load_prompt(name: str) -> str:
    path = PROMPTS_DIR / f"{name}.txt"
    if not path.exists():
        raise LlmError(f"no prompt file {path}")
    return path.read_text(encoding="utf-8").strip()


class LlmClient:
    def __init__(self, params: LlmParams, cache_dir: Path | str | None = None):
        self.params = params
        self.url = params.base_url.rstrip("/") + "/chat/completions"
        self.cache_dir = Path(cache_dir or params.cache_dir)
        self._api_key = os.environ.get(params.api_key_env, "")
        self._lock = threading.Lock()
        self._last_request = 0.0
        self.requests_made = 0
        self.cache_hits = 0

    def _cache_path(self, system: str, user: str) -> Path:
        key = hashlib.sha256(json.dumps([self.params.model, system, user]).encode("utf-8")).hexdigest()
        return self.cache_dir / key[:2] / f"{key}.json"

    def _throttle(self) -> None:
        interval = 60.0 / self.params.requests_per_minute
        with self._lock:
            wait = self._last_request + interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            self._last_request = time.monotonic()

    def _post(self, body: bytes) -> dict:
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        last_err = ""
        for attempt in range(self.params.max_retries + 1):
            self._throttle()
            req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
            delay = self.params.backoff_seconds * (2**attempt)
            try:
                self.requests_made += 1
                with urllib.request.urlopen(req, timeout=self.params.timeout_seconds) as resp:
                    return json.loads(resp.read().decode("utf-8"))
            except urllib.error.HTTPError as err:
                last_err = f"HTTP {err.code} from {self.url}"
                if err.code not in _RETRYABLE:
                    raise LlmError(last_err) from None
                retry_after = err.headers.get("Retry-After") if err.headers else None
                if retry_after and retry_after.replace(".", "", 1).isdigit():
                    delay = max(delay, float(retry_after))
            except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
                last_err = f"{type(err).__name__} talking to {self.url}: {getattr(err, 'reason', err)}"
            except json.JSONDecodeError:
                last_err = f"non-JSON reply from {self.url}"
            if attempt < self.params.max_retries:
                log.warning(
                    "LLM request failed (%s); retry %d/%d in %.1fs",
                    last_err,
                    attempt + 1,
                    self.params.max_retries,
                    delay,
                )
                time.sleep(delay)
        raise LlmError(f"LLM request failed after {self.params.max_retries + 1} attempts: {last_err}")

    def chat(self, system: str, user: str) -> str:
        path = self._cache_path(system, user)
        if path.exists():
            self.cache_hits += 1
            return json.loads(path.read_text(encoding="utf-8"))["content"]
        body = json.dumps(
            {
                "model": self.params.model,
                "temperature": 0,
                "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            }
        ).encode()
        reply = self._post(body)
        try:
            content = reply["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise LlmError(f"unexpected reply shape from {self.url}: {str(reply)[:200]}") from None
        atomic_write_text(path, json.dumps({"model": self.params.model, "content": content}))
        return content

    # ---- the two tasks the text stage asks of it

    def correct(self, text: str, terms: list[str]) -> str:
        system = load_prompt("correct").replace("{terms}", ", ".join(terms))
        out = self.chat(system, text).strip().strip('"')
        # An answer that rewrote the sentence wholesale is not a correction: keep the input.
        if not out or len(out) > 2 * len(text) + 20 or len(out) < len(text) // 2:
            return text
        return out

    def role(self, text: str) -> str | None:
        raw = self.chat(load_prompt("roles"), text)
        try:
            role = json.loads(raw[raw.find("{") : raw.rfind("}") + 1]).get("role")
        except (ValueError, AttributeError):
            return None
        return role if role in ("roi", "medical", "other") else None
