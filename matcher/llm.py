"""Chat models for the judge: one small interface, the OpenAI SDK behind it, and a cache.

``ChatModel.complete(messages, schema)`` returns the model's JSON text. ``OpenAIChatModel``
asks for structured output with the JSON schema; servers that refuse ``json_schema``
(llama.cpp's answers HTTP 500, others 400) are asked again at once in JSON mode with the
schema in the prompt, and remembered, so a refusal never burns retries. Retries with
backoff for 429/5xx and the timeout are the SDK's own. ``ResponseCache`` keeps answers in
SQLite keyed by model, messages and schema version, so a re-run costs no calls.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from evidence_matcher.errors import UpstreamError


class LLMError(UpstreamError):
    """The model could not give a usable answer (timeout, refusal, errors after retries)."""


@dataclass
class Completion:
    content: str
    input_tokens: int = 0
    output_tokens: int = 0
    cached: bool = False


def require_endpoint(api_key: str | None, base_url: str | None) -> None:
    """The one check that a judge has somewhere to send text: a key (OpenAI) or a server's URL."""
    if not api_key and not base_url:
        raise LLMError("the LLM judge needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server")


class ChatModel(Protocol):
    model_id: str

    def complete(self, messages: list[dict], schema: dict, schema_name: str) -> Completion: ...


class OpenAIChatModel:
    """Any OpenAI-compatible chat server through the official ``openai`` client."""

    def __init__(
        self,
        model: str,
        api_key: str | None,
        base_url: str | None,
        timeout: float = 60.0,
        max_retries: int = 2,
        max_tokens: int = 4096,
    ):
        import openai

        require_endpoint(api_key, base_url)
        self._openai = openai
        # Local servers (llama.cpp, Ollama, vLLM) accept any key; the SDK insists on one.
        self.client = openai.OpenAI(
            api_key=api_key or "not-needed", base_url=base_url or None, timeout=timeout, max_retries=max_retries
        )
        self.model_id = model
        self.max_tokens = max_tokens  # a cap on cost, and on small models that never stop
        self.json_schema_supported = True

    def _create(self, messages: list[dict], response_format: dict, retries: int | None = None):
        client = self.client if retries is None else self.client.with_options(max_retries=retries)
        return client.chat.completions.create(  # type: ignore[call-overload]  # plain dicts for the SDK's TypedDicts
            model=self.model_id,
            messages=messages,
            response_format=response_format,
            temperature=0,
            max_tokens=self.max_tokens,
        )

    def complete(self, messages: list[dict], schema: dict, schema_name: str) -> Completion:
        openai = self._openai
        response = None
        try:
            if self.json_schema_supported:
                fmt = {"type": "json_schema", "json_schema": {"name": schema_name, "schema": schema, "strict": True}}
                try:
                    response = self._create(messages, fmt, retries=0)
                except (
                    openai.BadRequestError,
                    openai.UnprocessableEntityError,
                    openai.InternalServerError,
                    openai.NotFoundError,
                ):
                    self.json_schema_supported = False  # answered, but not to json_schema: JSON mode from now on
                except (openai.RateLimitError, openai.APIConnectionError):
                    response = self._create(messages, fmt)  # a transient failure: now with the SDK's retries
            if response is None:
                hint = {
                    "role": "system",
                    "content": "Answer with one JSON object that validates against this JSON Schema:\n"
                    + json.dumps(schema),
                }
                response = self._create([*messages, hint], {"type": "json_object"})
        except openai.APITimeoutError as exc:
            raise LLMError("the LLM did not answer before the timeout") from exc
        except openai.APIConnectionError as exc:
            raise LLMError(f"cannot reach the LLM server: {exc}") from exc
        except openai.RateLimitError as exc:
            raise LLMError("the LLM server kept answering 429 (rate limited) after retries") from exc
        except openai.APIStatusError as exc:
            raise LLMError(f"the LLM server answered HTTP {exc.status_code}") from exc
        choice = response.choices[0]
        refusal = getattr(choice.message, "refusal", None)
        if refusal:
            raise LLMError(f"the LLM refused: {refusal[:200]}")
        usage = response.usage
        return Completion(
            content=choice.message.content or "",
            input_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            output_tokens=getattr(usage, "completion_tokens", 0) or 0,
        )


class ResponseCache:
    """SQLite cache of completions; safe to share between threads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS responses "
            "(key TEXT PRIMARY KEY, content TEXT, input_tokens INT, output_tokens INT, created REAL)"
        )
        self._db.commit()

    @staticmethod
    def key(model_id: str, messages: list[dict], schema_version: str) -> str:
        payload = json.dumps([model_id, messages, schema_version], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def get(self, key: str) -> Completion | None:
        with self._lock:
            row = self._db.execute(
                "SELECT content, input_tokens, output_tokens FROM responses WHERE key = ?", (key,)
            ).fetchone()
        return Completion(row[0], row[1], row[2], cached=True) if row else None

    def put(self, key: str, completion: Completion) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?)",
                (key, completion.content, completion.input_tokens, completion.output_tokens, time.time()),
            )
            self._db.commit()
