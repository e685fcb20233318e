"""Embed and decide many evaluation samples, in batches, with progress bars (every eval command)."""

from __future__ import annotations

from evidence_matcher.index.rubric_index import RubricIndex
from evidence_matcher.matcher.decision import Analysis
from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.matcher.result import MatchResult

from .dataset import Sample

BATCH = 16


def analyze_samples(
    matcher: Matcher, samples: list[Sample], index: RubricIndex, progress: bool = False, desc: str = "embedding"
) -> list[Analysis]:
    chunks = [samples[i : i + BATCH] for i in range(0, len(samples), BATCH)]
    if progress:
        from tqdm import tqdm

        chunks = tqdm(chunks, desc=desc, unit="batch", leave=False)
    out: list[Analysis] = []
    for chunk in chunks:
        out += matcher.analyze_many([s.text for s in chunk], index)
    return out


def decide_samples(
    matcher: Matcher, texts: list[str], analyses: list[Analysis], index: RubricIndex, progress: bool = False
) -> list[MatchResult]:
    """Offline decisions are instant; an LLM judge is the slow part, so it gets a bar."""
    if matcher.judge is None or not progress:
        return matcher.decide_many(texts, analyses, index)
    from tqdm import tqdm

    step = max(BATCH, 2 * matcher.llm_concurrency)
    out: list[MatchResult] = []
    with tqdm(total=len(texts), desc="judging", unit="doc", leave=False) as bar:
        for i in range(0, len(texts), step):
            out += matcher.decide_many(texts[i : i + step], analyses[i : i + step], index)
            bar.update(len(texts[i : i + step]))
    return out
