"""Settings read from the environment (``EVIDENCE_*``, and ``OPENAI_*`` as the SDK names
them) and an optional ``.env`` file.

Only the edges (CLI, HTTP app) read these; they pass plain arguments inward. The
``openai`` SDK would read ``OPENAI_API_KEY`` itself; reading it here instead keeps that
decision at the edge, where ``--judge`` decides whether any text leaves the machine.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from evidence_matcher.errors import EvidenceError


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "evidence-matcher"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EVIDENCE_", env_file=".env", extra="ignore")

    cache_dir: Path = _default_cache_dir()
    model_dir: Path | None = None  # a sentence-transformers model directory; default: bundled all-MiniLM-L6-v2
    backend: str = "auto"  # auto | onnx | onnx-int8 (quantized, own thresholds) | torch
    adapt: bool = False  # adapt the model to each rubric with examples (once, cached) and decide by similarity instead of the verifier
    max_chars: int = 100_000
    threads: int | None = None
    debug: bool = False

    # The LLM judge: used only when asked for (--judge llm, or EVIDENCE_LLM_MODEL set with --judge auto).
    llm_model: str | None = None
    openai_api_key: str | None = Field(None, validation_alias=AliasChoices("OPENAI_API_KEY", "EVIDENCE_OPENAI_API_KEY"))
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_BASE_URL", "EVIDENCE_OPENAI_BASE_URL")
    )
    llm_timeout: float = 60.0
    llm_max_retries: int = 2
    llm_max_tokens: int = 4096
    llm_concurrency: int = 4
    llm_cache: bool = True
    redact: bool = True

    # The HTTP API.
    api_token: str | None = None  # when set, every /v1 endpoint needs "Authorization: Bearer <token>"
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()  # comma-separated; CORS is off when empty
    max_body_bytes: int = 1_000_000
    batch_ttl_seconds: float = 3600
    # Texts one micro-batch embeds together. 8 gave the lowest p99 at 16 clients (README, Speed): the model's
    # own batches are cut per call (index.embedders), so bigger micro-batches only make requests wait longer.
    max_batch_texts: int = Field(8, ge=1, le=256)
    redact_names: Annotated[tuple[str, ...], NoDecode] = ()  # comma-separated in the environment

    @field_validator("redact_names", "cors_origins", mode="before")
    @classmethod
    def _split_names(cls, value):
        return tuple(v.strip() for v in value.split(",") if v.strip()) if isinstance(value, str) else value


def judge_config(settings: Settings, mode: str, names: tuple[str, ...] = ()):
    """The judge configuration for ``mode`` (llm | offline | auto), or None for offline.

    A stray OPENAI_API_KEY alone never sends text anywhere: the LLM is used only for
    ``--judge llm`` or when EVIDENCE_LLM_MODEL is set and the mode is ``auto``.
    """
    from evidence_matcher.matcher.judge import JudgeConfig

    if mode not in {"llm", "offline", "auto"}:
        raise EvidenceError(f"--judge must be llm, offline or auto, not {mode!r}")
    if mode == "offline" or (mode == "auto" and not settings.llm_model):
        return None
    if not settings.llm_model:
        raise EvidenceError(
            "--judge llm needs the model name in EVIDENCE_LLM_MODEL (and OPENAI_API_KEY or OPENAI_BASE_URL)"
        )
    if not settings.openai_api_key and not settings.openai_base_url:
        raise EvidenceError(
            "the LLM judge needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server"
        )
    return JudgeConfig(
        model=settings.llm_model,
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        max_tokens=settings.llm_max_tokens,
        redact=settings.redact,
        names=tuple(settings.redact_names) + tuple(names),
    )


def build_judge(settings: Settings, mode: str, names: tuple[str, ...] = ()):
    """The LLM judge for ``mode``, with its response cache in the cache directory, or None."""
    config = judge_config(settings, mode, names)
    if config is None:
        return None
    return config.build(settings.cache_dir / "llm-cache.sqlite" if settings.llm_cache else None)
