"""The one way to build a Matcher: a ``MatcherSpec`` of explicit arguments, then ``.load()``.

An edge (the server's lifespan, each CLI command, the MCP server) turns its settings
into a spec once (``api.settings.matcher_spec``); the core never reads settings. The
spec is a frozen, picklable value, so a Ray actor or a refit builds exactly the matcher
the driver built, from the same spec.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from evidence_matcher.index.embedders import embedder_from_path

from .inputs import DEFAULT_MAX_CHARS

if TYPE_CHECKING:
    from .decision import DecisionParams
    from .engine import Matcher, ProgressFn
    from .judge import JudgeConfig


@dataclass(frozen=True)
class MatcherSpec:
    """Everything ``Matcher.load`` needs, as plain values."""

    cache_dir: Path
    model_dir: Path | None = None  # a sentence-transformers model folder; None: the shipped ones (index.base_models)
    backend: str = "auto"
    params: DecisionParams | None = None  # None: the shipped thresholds of this backend and decision
    max_chars: int = DEFAULT_MAX_CHARS
    threads: int | None = None
    adapt: bool = False
    judge: JudgeConfig | None = None  # None: offline, no text leaves the machine
    llm_cache: Path | None = None  # the judge's response cache (SQLite, safe to share on one machine)
    llm_concurrency: int = 4
    embedder: str | None = None  # "module:factory" of a custom embedder (one for every rubric), e.g. a test fake
    encoder: bool = True  # False: the bare base model, without the shipped evidence encoder (comparisons)
    profile: str = "default"  # the shipped model set (matcher.profiles): default, or fast for servers under load

    def with_params(self, params: DecisionParams) -> MatcherSpec:
        return replace(self, params=params)

    def load(self, progress: ProgressFn | None = None) -> Matcher:
        from .engine import Matcher

        judge = self.judge.build(self.llm_cache) if self.judge else None
        matcher = Matcher.load(
            cache_dir=self.cache_dir,
            model_dir=self.model_dir,
            backend=self.backend,
            params=self.params,
            max_chars=self.max_chars,
            threads=self.threads,
            adapt=self.adapt,
            progress=progress,
            judge=judge,
            llm_concurrency=self.llm_concurrency,
            embedder=embedder_from_path(self.embedder) if self.embedder else None,
            encoder=self.encoder,
            profile=self.profile,
        )
        matcher.spec = self
        return matcher
