"""The scripted OpenAI-compatible chat server the judge tests talk to (real ``openai`` client, real HTTP).

The server and the request/response helpers live in ``eval.replay_server`` (the benchmark uses them too);
``reply`` is called with each request's JSON body and returns (status, body dict or raw string, delay seconds).
"""

from __future__ import annotations

from evidence_matcher.eval.replay_server import ChatServer as ScriptedServer
from evidence_matcher.eval.replay_server import Reply, candidates_of, completion, document_of

__all__ = ["Reply", "ScriptedServer", "candidates_of", "completion", "document_of", "error"]


def error(status: int, message: str) -> tuple[int, dict, float]:
    return status, {"error": {"message": message, "type": "server_error", "code": status}}, 0.0
