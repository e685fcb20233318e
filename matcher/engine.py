"""The one entry point for matching: ``Matcher.load(...).match(text, rubric)``.

The CLI, the HTTP API and batch scoring all call this. It holds the embedder, the
fitted decision parameters and one cached index per rubric; it reads no environment
variables (the edges turn settings into arguments).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from evidence_matcher.index.embedders import (
    Embedder,
    check_backend,
    check_model_dir,
    encode_groups,
    load_embedder,
    small_model_dir,
)
from evidence_matcher.index.encoder import (
    TAXONOMY_ENCODER_DIR,
    adapted_model,
    adapter_fingerprint,
    has_adapter,
)
from evidence_matcher.index.rubric_index import RubricIndex, load_or_build_rubric_index
from evidence_matcher.index.tuning import can_tune, ensure_tuned_model
from evidence_matcher.rubrics.model import Rubric
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID, load_rubric

from .decision import TAXONOMY_PARAMS_PATH, Analysis, DecisionParams, decide, load_params, params_path
from .injection import looks_like_instruction
from .inputs import DEFAULT_MAX_CHARS, check_text
from .profiles import DEFAULT_PROFILE, Profile, get_profile
from .result import MatchResult
from .segment import segment_text, whole_text_segment
from .verifier import IndexFeatures, Verifier, index_features

if TYPE_CHECKING:
    from .evidence_bank import EvidenceBank
    from .judge import Judge
    from .spec import MatcherSpec

ProgressFn = Callable[[str, int, int], None]  # (what, done, total)


def _uses_encoder(model_dir: Path, adapt: bool, encoder: bool, profile: Profile) -> bool:
    """The shipped adapters (the profile's evidence encoder, the taxonomy encoder) embed unless another model was
    given (``model_dir`` is the default, the small model's folder), the rubric is adapted instead, or they are
    turned off."""
    return encoder and not adapt and model_dir == small_model_dir() and has_adapter(profile.encoder_dir)


@dataclass
class Matcher:
    """Matches texts against rubrics.

    By default the base model embeds, retrieval proposes candidates and the trained
    verifier (``matcher.verifier``, shipped weights) decides. With ``adapt``, each rubric
    with examples gets the base model adapted to it instead (``index.tuning``, once,
    cached) and similarity thresholds decide. Pass ``embedder`` to use one fixed
    embedder for every rubric (tests, custom models).
    """

    cache_dir: Path
    params: DecisionParams
    embedder: Embedder | None = None
    model_dir: Path | None = None
    backend: str = "auto"
    threads: int | None = None
    adapt: bool = False
    max_chars: int = DEFAULT_MAX_CHARS
    progress: ProgressFn | None = None
    judge: Judge | None = None  # the LLM judge, only when the user configured one
    llm_concurrency: int = 4
    verifier: Verifier | None = None  # loaded when the thresholds are the verifier's
    encoder: bool = True  # embed with the shipped evidence encoder (base model + corpus-trained adapter)
    profile: Profile = DEFAULT_PROFILE  # which shipped encoder, verifier and thresholds (matcher.profiles)
    taxonomy_params: DecisionParams | None = None  # thresholds for taxonomies, on the model they were fitted for
    spec: MatcherSpec | None = None  # what it was built from (MatcherSpec.load): other processes build the same
    _embedders: dict[str, Embedder] = field(default_factory=dict)
    _features: dict[int, tuple[RubricIndex, IndexFeatures]] = field(default_factory=dict)
    _indexes: dict[str, RubricIndex] = field(default_factory=dict)
    _building: threading.RLock = field(default_factory=threading.RLock, repr=False)

    @classmethod
    def load(
        cls,
        cache_dir: Path,
        model_dir: Path | None = None,
        backend: str = "auto",
        params: DecisionParams | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
        threads: int | None = None,
        adapt: bool = False,
        progress: ProgressFn | None = None,
        judge: Judge | None = None,
        llm_concurrency: int = 4,
        encoder: bool = True,
        embedder: Embedder | None = None,
        profile: str = DEFAULT_PROFILE.name,
    ) -> Matcher:
        model_dir = check_model_dir(model_dir)  # a wrong directory or backend fails now, not mid-request
        check_backend(backend)
        # The verifier was trained on the evidence encoder's vectors: it decides only when
        # that encoder embeds. Adapting per rubric, or another model, decides by similarity.
        chosen = get_profile(profile)
        verified = embedder is None and _uses_encoder(model_dir, adapt, encoder, chosen)
        taxonomy = None
        if params is None and TAXONOMY_PARAMS_PATH.is_file():
            taxonomy = load_params(TAXONOMY_PARAMS_PATH)
        params = params or load_params(params_path(backend, adapt=not verified, stem=chosen.thresholds))
        return cls(
            cache_dir=Path(cache_dir),
            params=params,
            model_dir=model_dir,
            backend=backend,
            threads=threads,
            adapt=adapt,
            max_chars=max_chars,
            progress=progress,
            judge=judge,
            llm_concurrency=llm_concurrency,
            verifier=Verifier.load(chosen.verifier_dir) if params.decision == "verifier" else None,
            encoder=encoder,
            profile=chosen,
            embedder=embedder,
            taxonomy_params=taxonomy,
        )

    def embedder_for(self, rubric: Rubric) -> Embedder:
        if self.embedder is not None:
            return self.embedder
        base_dir = check_model_dir(self.model_dir)
        model_dir, adaptation = base_dir, None
        if self.adapt and can_tune(rubric):
            progress = self.progress
            report = (
                (lambda done, total: progress(f"adapting the model to {rubric.id}", done, total)) if progress else None
            )
            model_dir = ensure_tuned_model(base_dir, rubric, self.cache_dir, self.threads, report)
            adaptation = f"tuned:{rubric.id}"
        elif self.uses_encoder and rubric.kind == "taxonomy" and has_adapter(TAXONOMY_ENCODER_DIR):
            # A skill taxonomy (ESCO): the adapter trained on job-ad sentences <-> labels instead.
            base_dir, model_dir = adapted_model(self.cache_dir, TAXONOMY_ENCODER_DIR)
            adaptation = f"taxonomy-encoder:{adapter_fingerprint(TAXONOMY_ENCODER_DIR)}"
        elif self.uses_encoder:
            # The profile's corpus-trained adapter (index/encoder/, encoder_fast/), merged once into its base model.
            base_dir, model_dir = adapted_model(self.cache_dir, self.profile.encoder_dir)
            adaptation = f"evidence-encoder:{adapter_fingerprint(self.profile.encoder_dir)}"
        key = str(model_dir)
        if key not in self._embedders:
            self._embedders[key] = load_embedder(
                model_dir, self.cache_dir, self.backend, self.threads, base_dir, adaptation
            )
        return self._embedders[key]

    @property
    def judge_label(self) -> str:
        """Who decides: ``offline``, or ``llm:<model>``; results are recorded and stored under it."""
        return f"llm:{self.judge.model.model_id}" if self.judge else "offline"

    @property
    def uses_encoder(self) -> bool:
        return _uses_encoder(check_model_dir(self.model_dir), self.adapt, self.encoder, self.profile)

    def rubric_index(self, rubric: Rubric | str = DEFAULT_RUBRIC_ID) -> RubricIndex:
        rubric = load_rubric(rubric) if isinstance(rubric, str) else rubric
        key = f"{rubric.id}:{rubric.fingerprint()}"
        if key not in self._indexes:
            with self._building:  # threads of one server (micro-batcher, batch jobs) build an index once
                if key not in self._indexes:
                    embedder = self.embedder_for(rubric)
                    self._indexes[key] = load_or_build_rubric_index(rubric, embedder, self.cache_dir)
        return self._indexes[key]

    def analyze_many(self, texts: Sequence[str], index: RubricIndex) -> list[Analysis]:
        """Segment and score several texts, embedding all their segments in one pass."""
        all_segments = [segment_text(text) or whole_text_segment(text) for text in texts]
        groups = [[s.clean for s in segments] for segments in all_segments]
        flat = [text for group in groups for text in group]
        embedder = index.embedder
        assert embedder is not None  # the matcher's indexes carry the embedder they were built with
        parts = encode_groups(embedder, groups)
        vectors = np.concatenate(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)
        scores, best = index.behavior_scores(vectors, self.params_for(index).item_top_k)
        steering = [i for i, text in enumerate(flat) if looks_like_instruction(text)]
        scores[steering] = -1.0  # text addressed to a model evidences nothing
        out, offset = [], 0
        for text, segments in zip(texts, all_segments, strict=True):
            n = len(segments)
            part = slice(offset, offset + n)
            analysis = Analysis(segments, vectors[part], scores[part], best[part])
            if self.verifier is not None and self.verifier.fits(index.embedder):
                evidence = self.verifier.probabilities(analysis, text, index, self.index_features(index))
                evidence[[r - offset for r in steering if offset <= r < offset + n]] = (
                    0.0  # steering sentences stay out
                )
                analysis.evidence = evidence
            out.append(analysis)
            offset += n
        return out

    def index_features(self, index: RubricIndex) -> IndexFeatures:
        """What the verifier reads of an index (behavior text vectors...), once per index."""
        held = self._features.get(id(index))
        if held is None or held[0] is not index:
            held = (index, index_features(index, self.verifier.bank if self.verifier else None))
            self._features[id(index)] = held
        return held[1]

    def params_for(self, index: RubricIndex) -> DecisionParams:
        """The thresholds for this index: a taxonomy's own when they were fitted for its model's vectors,
        the verifier's fallback's for a rubric with no evidence-bank rows."""
        taxonomy = self.taxonomy_params
        if (
            taxonomy is not None
            and index.rubric.kind == "taxonomy"
            and index.embedder is not None
            and taxonomy.model_id == index.embedder.model_id
        ):
            return taxonomy
        if self.params.without_bank and self.verifier is not None:
            if self.verifier.uses_fallback(self.index_features(index)):
                return self.params_without_bank
        return self.params

    @cached_property
    def params_without_bank(self) -> DecisionParams:
        """The thresholds with the fallback's fitted values in place (built once: ``params_for``
        is called for every batch and document)."""
        return DecisionParams.model_validate(self.params.model_dump() | self.params.without_bank)

    def without_bank(self) -> Matcher:
        """This matcher as it decides a rubric the evidence bank has no rows of (for fitting those thresholds)."""
        return self.with_bank(None)

    def with_bank(self, bank: EvidenceBank | None) -> Matcher:
        """This matcher with its verifier reading ``bank`` in place of the shipped one (None: no bank)."""
        assert self.verifier is not None
        return replace(self, verifier=replace(self.verifier, bank=bank), _features={})

    def decide(self, analysis: Analysis, index: RubricIndex) -> MatchResult:
        return decide(analysis, index, self.params_for(index))

    def match_many(
        self, texts: Sequence[str], rubric: Rubric | str = DEFAULT_RUBRIC_ID, use_judge: bool = True
    ) -> list[MatchResult]:
        """Match several texts, embedding their sentences together."""
        for i, text in enumerate(texts):
            check_text(text, self.max_chars, f"document {i + 1}" if len(texts) > 1 else "text")
        index = self.rubric_index(rubric)
        analyses = self.analyze_many(texts, index)
        return self.decide_many(texts, analyses, index, use_judge)

    def decide_many(
        self, texts: Sequence[str], analyses: list[Analysis], index: RubricIndex, use_judge: bool = True
    ) -> list[MatchResult]:
        """The offline decisions, or, with a judge configured (and ``use_judge``), the LLM's
        on top of them, up to ``llm_concurrency`` documents at a time."""
        offline = [self.decide(analysis, index) for analysis in analyses]
        if self.judge is None or not use_judge:
            return offline
        judge = self.judge

        def judged(i: int) -> MatchResult:
            return judge.judge(texts[i], analyses[i], index, self.params_for(index), offline[i])

        if len(texts) == 1:
            return [judged(0)]
        with ThreadPoolExecutor(max_workers=max(1, self.llm_concurrency)) as pool:
            return list(pool.map(judged, range(len(texts))))

    def match(self, text: str, rubric: Rubric | str = DEFAULT_RUBRIC_ID, use_judge: bool = True) -> MatchResult:
        return self.match_many([text], rubric, use_judge)[0]
