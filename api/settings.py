"""Settings read from the environment (``EVIDENCE_*``, and ``OPENAI_*`` as the SDK names
them) and an optional ``.env`` file.

Only the edges (CLI, HTTP app) read these; they pass plain arguments inward. The
``openai`` SDK would read ``OPENAI_API_KEY`` itself; reading it here instead keeps that
decision at the edge, where ``--judge`` decides whether any text leaves the machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from evidence_matcher.cache import default_cache_dir
from evidence_matcher.errors import EvidenceError
from evidence_matcher.matcher.llm import require_endpoint


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EVIDENCE_", env_file=".env", extra="ignore")

    cache_dir: Path = default_cache_dir()
    model_dir: Path | None = None  # a sentence-transformers model directory; default: the shipped models
    backend: str = "auto"  # auto | onnx | onnx-int8 (quantized, own thresholds) | torch
    # default (all-mpnet-base-v2's evidence encoder) | fast (all-MiniLM-L6-v2's: ~6x cheaper, lower quality)
    profile: str = "default"
    # adapt the model to each rubric with examples (once, cached) and decide by similarity instead of the verifier
    adapt: bool = False
    max_chars: int = 100_000
    threads: int | None = None
    debug: bool = False  # show the traceback behind an error's one line
    # "package.module:factory" of a custom embedder used for every rubric (decides by similarity);
    # the tests point it at a fake so the real CLI runs without the model.
    embedder: str | None = None
    thresholds: Path | None = None  # decision thresholds from `evidence eval fit`; default: the shipped ones

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
    # A batch job's lease: a replica that stops renewing it (dead) loses the job to another after this long.
    batch_lease_seconds: float = Field(30, gt=0)
    # The server's database of batch jobs and their results: postgresql://... lets several replicas share them;
    # unset, a SQLite file in the cache directory (jobs.sqlite). `evidence score` takes its own --store.
    database_url: str | None = None
    # Texts one micro-batch embeds together. Small is enough (README, Speed: the p99 by micro-batch size): the
    # model's own batches are cut per call (index.embedders), so bigger micro-batches only make requests wait longer.
    max_batch_texts: int = Field(8, ge=1, le=256)
    redact_names: Annotated[tuple[str, ...], NoDecode] = ()  # comma-separated in the environment

    @field_validator("profile")
    @classmethod
    def _known_profile(cls, value: str) -> str:
        from evidence_matcher.matcher.profiles import PROFILES

        if value not in PROFILES:
            raise ValueError(f"use one of {', '.join(PROFILES)}")
        return value

    @field_validator("redact_names", "cors_origins", mode="before")
    @classmethod
    def _split_names(cls, value):
        return tuple(v.strip() for v in value.split(",") if v.strip()) if isinstance(value, str) else value


def load_settings() -> Settings:
    """The settings, or one line naming the setting that does not validate (not pydantic's report)."""
    try:
        return Settings()
    except ValidationError as exc:
        problem = exc.errors()[0]
        name = ".".join(str(part) for part in problem["loc"])
        message = str(problem["msg"]).removeprefix("Value error, ")
        raise EvidenceError(f"setting EVIDENCE_{name.upper()} = {problem.get('input')!r}: {message}") from None


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
    require_endpoint(settings.openai_api_key, settings.openai_base_url)
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


# What shapes the offline matcher (matcher_spec below, without the judge) and the server's micro-batches.
OFFLINE_MATCHER_SETTINGS = (
    "model_dir",
    "backend",
    "profile",
    "adapt",
    "embedder",
    "thresholds",
    "threads",
    "max_chars",
    "max_batch_texts",
)


def offline_matcher_env(settings: Settings) -> dict[str, str]:
    """Those settings, where set, as the environment of a server started to measure this matcher
    (``evidence load-bench``): the same model, thresholds and batches, and never a judge."""
    values = {name: getattr(settings, name) for name in OFFLINE_MATCHER_SETTINGS}
    return {f"EVIDENCE_{name.upper()}": str(value) for name, value in values.items() if value is not None}


def matcher_spec(settings: Settings, judge_mode: str = "offline", names: tuple[str, ...] = (), params=None):
    """The settings as the explicit arguments of the one matcher builder (``MatcherSpec(...).load()``).

    The server's lifespan, every CLI command and (through the spec) the Ray actors build
    their matcher from this; nothing below the edges reads settings.
    """
    from evidence_matcher.matcher.decision import load_params
    from evidence_matcher.matcher.spec import MatcherSpec

    if params is None and settings.thresholds is not None:
        params = load_params(settings.thresholds)
    return MatcherSpec(
        cache_dir=settings.cache_dir,
        model_dir=settings.model_dir,
        backend=settings.backend,
        params=params,
        max_chars=settings.max_chars,
        threads=settings.threads,
        adapt=settings.adapt,
        judge=judge_config(settings, judge_mode, names),
        llm_cache=settings.cache_dir / "llm-cache.sqlite" if settings.llm_cache else None,
        llm_concurrency=settings.llm_concurrency,
        embedder=settings.embedder,
        profile=settings.profile,
    )
