"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions API, for the LLM tests.

No hosted model can be reached from here, so the model behind the endpoint is a plain function
(system prompt, user text) -> reply text that each test supplies; everything between the text
stage and that function (HTTP, JSON, headers, retries, cache) is the real thing. The server
records every request it answers, so a test can count what a run paid for.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator


@dataclass
class ChatServer:
    url: str  # base_url for LlmParams, ending in /v1
    respond: Callable[[str, str], str]
    calls: list = field(default_factory=list)  # request bodies, in arrival order
    auth_seen: list = field(default_factory=list)  # Authorization headers, in arrival order
    fail_first: int = 0  # answer this many requests with 503 + Retry-After: 0 first
    _lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(state: ChatServer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):  # keep pytest output clean
            pass

        def _reply(self, code: int, payload: dict | None = None, headers: dict | None = None) -> None:
            data = json.dumps(payload).encode() if payload is not None else b""
            self.send_response(code)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with state._lock:
                state.calls.append(body)
                state.auth_seen.append(self.headers.get("Authorization"))
                fail = state.fail_first > 0
                state.fail_first -= int(fail)
            if self.path != "/v1/chat/completions":
                return self._reply(404, {"error": "not found"})
            if fail:
                return self._reply(503, {"error": "busy"}, {"Retry-After": "0"})
            system, user = body["messages"][0]["content"], body["messages"][1]["content"]
            content = state.respond(system, user)
            self._reply(
                200,
                {
                    "id": "x",
                    "object": "chat.completion",
                    "model": body["model"],
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                    ],
                },
            )

    return Handler


@contextmanager
def chat_server(respond: Callable[[str, str], str]) -> Iterator[ChatServer]:
    state = ChatServer(url="", respond=respond)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    state.url = f"http://127.0.0.1:{srv.server_address[1]}/v1"
    try:
        yield state
    finally:
        srv.shutdown()
        srv.server_close()
        th.join(timeout=5)


def is_role_prompt(system: str) -> bool:
    """Which of the two prompts (text/prompts/*.txt) a request carries."""
    return "label one sentence" in system
