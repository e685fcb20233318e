"""Speed of ``evidence packet``: 50 dated documents, against ``evidence score`` of the same documents and against
the bare ``SentenceTransformer.encode`` of their sentences, all in the same process (ratios, so a busy machine
slows every side alike). Each run starts from a fresh store, so every document is scored."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.matcher.segment import segment_text

from .bench import synthetic_promo_docs

COUNT = 50


def dated_docs(texts: list[str], count: int = COUNT, words: int = 600) -> list[str]:
    """``count`` documents of ~``words`` words, two a month, dated the three ways a packet reads (front matter,
    a dated heading, or neither: the file's modification time)."""
    docs = []
    for i, body in enumerate(synthetic_promo_docs(texts, count, words)):
        day = date(2024 + i // 24, i // 2 % 12 + 1, 1 + 14 * (i % 2))
        if i % 3 == 0:
            docs.append(f"---\ndate: {day.isoformat()}\n---\n{body}")
        elif i % 3 == 1:
            docs.append(f"## {day:%B %Y}\n\n{body}")
        else:
            docs.append(body)
    return docs


def packet_vs_score(matcher: Matcher, texts: list[str], folder: Path, repeats: int = 2) -> dict[str, float]:
    from evidence_matcher.index.embedders import SentenceTransformerEmbedder
    from evidence_matcher.matcher.packet.run import make_packet
    from evidence_matcher.matcher.scoring.cohort import score_cohort

    docs = dated_docs(texts)
    paths = []
    (folder / "docs").mkdir(parents=True, exist_ok=True)
    for i, doc in enumerate(docs):
        path = folder / "docs" / f"entry-{i:02d}.md"
        path.write_text(doc, encoding="utf-8")
        paths.append(path.resolve())
    index = matcher.rubric_index()
    rubric = index.rubric
    matcher.match_many(docs[:2], rubric)  # warm: sessions, caches, index
    segments = [s.clean for doc in docs for s in segment_text(doc)]
    reference = SentenceTransformerEmbedder(index.embedder.model_dir)
    reference.encode(segments[:64])
    timings: dict[str, list[float]] = {"bare": [], "score": [], "packet": []}
    runs = {
        "bare": lambda run: reference.encode(segments),
        "score": lambda run: score_cohort(paths, matcher, [rubric], folder / f"score-{run}", root=folder / "docs"),
        "packet": lambda run: make_packet(paths, matcher, [rubric], folder / f"packet-{run}", root=folder / "docs"),
    }
    for run in range(repeats):  # alternated, each order in turn (so neither side always runs first); best of each
        for name in ("bare", "score", "packet") if run % 2 == 0 else ("packet", "score", "bare"):
            started = time.perf_counter()
            runs[name](run)
            timings[name].append(time.perf_counter() - started)
    bare, score, packet = (min(timings[k]) for k in ("bare", "score", "packet"))
    return {
        "packet_documents": len(docs),
        "packet_sentences": len(segments),
        "packet_seconds": packet,
        "score_seconds": score,
        "packet_ratio_vs_score": packet / score,
        "packet_documents_per_s": len(docs) / packet,
        "packet_ratio_vs_bare_st_encode": bare / packet,
        "score_ratio_vs_bare_st_encode": bare / score,
    }
