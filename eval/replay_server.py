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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CANDIDATES_MARK = "CANDIDATES (JSON):\n"
DOCUMENT_OPEN, DOCUMENT_CLOSE = "<<<DOCUMENT\n", "\nDOCUMENT>>>"


def estimated_tokens(text: str) -> int:
    return max(1, (len(text) + 3) // 4)


def replay_answer(body: dict, evidenced: int = 5) -> dict:
    """The judge's JSON answer to one request, decided from the request only."""
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    start = user.index(CANDIDATES_MARK) + len(CANDIDATES_MARK)
    candidates = json.loads(user[start : user.index("\n\nDOCUMENT")])
    document = user[user.index(DOCUMENT_OPEN) + len(DOCUMENT_OPEN) : user.rindex(DOCUMENT_CLOSE)]
    items = []
    for n, candidate in enumerate(candidates):
        quotes = [s for s in candidate.get("sentences_found", []) if s in document][:1]
        verdict = "moderate" if n < evidenced and quotes else "not_evidenced"
        items.append({
            "behavior_id": candidate["id"], "verdict": verdict,
            "rationale": "The quoted sentence shows the behavior." if verdict != "not_evidenced" else "No quotable evidence.",
            "quotes": quotes if verdict != "not_evidenced" else [],
        })
    return {"behaviors": items}


def completion(body: dict, content: str) -> dict:
    prompt = "".join(str(m.get("content", "")) for m in body.get("messages", []))
    prompt_tokens, completion_tokens = estimated_tokens(prompt), estimated_tokens(content)
    return {
        "id": "chatcmpl-replay",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", "replay"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens},
    }


class ReplayServer:
    """``with ReplayServer() as server:`` then point the judge at ``server.base_url``."""

    def __init__(self, evidenced: int = 5):
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                try:
                    status, payload = 200, completion(body, json.dumps(replay_answer(body, evidenced)))
                except (KeyError, ValueError, StopIteration) as exc:
                    status, payload = 400, {"error": {"message": f"not a judge request: {exc}", "type": "invalid_request_error"}}
                server.requests += 1
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "ReplayServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
