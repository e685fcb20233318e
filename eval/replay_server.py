"""A deterministic OpenAI-compatible chat server on 127.0.0.1, for benchmarking the LLM judge.

It answers ``POST /v1/chat/completions`` from the request alone: the first ``evidenced``
candidate behaviors are rated "moderate", each quoting the first of its found sentences
that appears in the fenced document; the rest are "not_evidenced". No model runs, so a
benchmark through it measures the judge's protocol cost (calls, prompt sizes, cache,
quote checks) on top of the offline pipeline, with the real ``openai`` client over real
HTTP. Token counts are estimated as characters / 4 (OpenAI's rule of thumb: there is no
GPT tokenizer offline), so read them as prompt sizes, not as a bill.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CANDIDATES_MARK = "CANDIDATES (JSON):\n"
DOCUMENT_OPEN, DOCUMENT_CLOSE = "<<<DOCUMENT\n", "\nDOCUMENT>>>"

# reply(request body) -> (HTTP status, response body dict or raw string, delay in seconds)
Reply = Callable[[dict], tuple[int, "dict | str", float]]


def estimated_tokens(text: str) -> int:
    return max(1, (len(text) + 3) // 4)


def _user_message(body: dict) -> str:
    return next(m["content"] for m in body["messages"] if m["role"] == "user")


def candidates_of(body: dict) -> list[dict]:
    """The CANDIDATES JSON the judge put in its user message."""
    user = _user_message(body)
    start = user.index(CANDIDATES_MARK) + len(CANDIDATES_MARK)
    return json.loads(user[start : user.index("\n\nDOCUMENT")])


def document_of(body: dict) -> str:
    """The fenced document of a judge request."""
    user = _user_message(body)
    return user[user.index(DOCUMENT_OPEN) + len(DOCUMENT_OPEN) : user.rindex(DOCUMENT_CLOSE)]


def replay_answer(body: dict, evidenced: int = 5) -> dict:
    """The judge's JSON answer to one request, decided from the request only."""
    document = document_of(body)
    items = []
    for n, candidate in enumerate(candidates_of(body)):
        quotes = [s for s in candidate.get("sentences_found", []) if s in document][:1]
        verdict = "moderate" if n < evidenced and quotes else "not_evidenced"
        items.append(
            {
                "behavior_id": candidate["id"],
                "verdict": verdict,
                "rationale": "The quoted sentence shows the behavior."
                if verdict != "not_evidenced"
                else "No quotable evidence.",
                "quotes": quotes if verdict != "not_evidenced" else [],
            }
        )
    return {"behaviors": items}


def completion(content: str, prompt_tokens: int = 100, completion_tokens: int = 50, model: str = "scripted") -> dict:
    """An OpenAI chat-completion response carrying ``content``."""
    return {
        "id": "chatcmpl-local",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class ChatServer:
    """An OpenAI-compatible ``POST /v1/chat/completions`` on 127.0.0.1, answering with ``reply``.

    ``with ChatServer(reply) as server:`` then point the client at ``server.base_url``;
    ``server.requests`` holds every request body received, in order.
    """

    def __init__(self, reply: Reply):
        self.reply = reply
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep benchmark and test output clean
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.requests.append(body)
                status, payload, delay = server.reply(body)
                if delay:
                    time.sleep(delay)
                data = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class ReplayServer(ChatServer):
    """``with ReplayServer() as server:`` then point the judge at ``server.base_url``."""

    def __init__(self, evidenced: int = 5):
        def reply(body: dict) -> tuple[int, dict, float]:
            try:
                content = json.dumps(replay_answer(body, evidenced))
            except (KeyError, ValueError, StopIteration) as exc:
                return 400, {"error": {"message": f"not a judge request: {exc}", "type": "invalid_request_error"}}, 0.0
            prompt = "".join(str(m.get("content", "")) for m in body.get("messages", []))
            return (
                200,
                completion(content, estimated_tokens(prompt), estimated_tokens(content), body.get("model", "replay")),
                0.0,
            )

        super().__init__(reply)
