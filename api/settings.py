"""Settings read from the environment (``EVIDENCE_*``) and an optional ``.env`` file.

Only the edges (CLI, HTTP app) read these; they pass plain arguments inward.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "evidence-matcher"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EVIDENCE_", env_file=".env", extra="ignore")

    cache_dir: Path = _default_cache_dir()
    model_dir: Path | None = None  # a sentence-transformers model directory; default: bundled all-MiniLM-L6-v2
    backend: str = "auto"  # auto | onnx | torch
    adapt: bool = True  # fine-tune the model on each rubric's own examples (once, cached)
    max_chars: int = 100_000
    threads: int | None = None
    debug: bool = False
