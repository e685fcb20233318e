"""A scripted OpenAI-compatible chat server on 127.0.0.1 for tests.

The real ``openai`` client talks HTTP to it. ``reply`` is called with each request's
JSON body and returns (status, body dict or raw string, delay seconds).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

Reply = Callable[[dict], tuple[int, "dict | str", float]]


def completion(content: str, prompt_tokens: int = 100, completion_tokens: int = 50) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "scripted",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens},
    }


def error(status: int, message: str) -> tuple[int, dict, float]:
    return status, {"error": {"message": message, "type": "server_error", "code": status}}, 0.0


def candidates_of(body: dict) -> list[dict]:
    """The CANDIDATES JSON the judge put in its user message."""
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    start = user.index("CANDIDATES (JSON):\n") + len("CANDIDATES (JSON):\n")
    return json.loads(user[start : user.index("\n\nDOCUMENT")])


def document_of(body: dict) -> str:
    user = next(m["content"] for m in body["messages"] if m["role"] == "user")
    return user[user.index("<<<DOCUMENT\n") + len("<<<DOCUMENT\n") : user.rindex("\nDOCUMENT>>>")]


class ScriptedServer:
    def __init__(self, reply: Reply):
        self.reply = reply
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.requests.append(body)
                status, payload, delay = server.reply(body)
                if delay:
                    time.sleep(delay)
                data = payload if isinstance(payload, str) else json.dumps(payload)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data.encode())))
                    self.end_headers()
                    self.wfile.write(data.encode())
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "ScriptedServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
