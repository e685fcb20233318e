"""Speed benchmark: ratios against a baseline measured in the same process.

Throughput is reported as the pipeline's sentences per second divided by the bare
``SentenceTransformer.encode`` of the very same segments (and, separately, by the bare
encode of the backend the pipeline uses), so a busy machine slows both sides alike.
Cold start is the wall time of fresh ``evidence`` processes, median of a few runs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from matcher.engine import Matcher
from matcher.segment import segment_text


def _best_seconds(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def _cold_seconds(args: list[str], repeats: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def throughput(matcher: Matcher, texts: list[str], repeats: int = 3) -> dict[str, float]:
    from index.embedders import SentenceTransformerEmbedder

    segments = [s.clean for text in texts for s in segment_text(text)]
    index = matcher.rubric_index()
    matcher.match_many(texts[:2], index.rubric)  # warm up: sessions, caches, index
    # The same weights the pipeline uses, through plain sentence-transformers.
    reference = SentenceTransformerEmbedder(index.embedder.model_dir)
    reference.encode(segments[:64])
    st_seconds = _best_seconds(lambda: reference.encode(segments), repeats)
    backend_seconds = _best_seconds(lambda: index.embedder.encode(segments), repeats)
    pipeline_seconds = _best_seconds(lambda: matcher.match_many(texts, index.rubric), repeats)
    n = len(segments)
    return {
        "documents": len(texts),
        "sentences": n,
        "bare_st_encode_sentences_per_s": n / st_seconds,
        "bare_backend_encode_sentences_per_s": n / backend_seconds,
        "pipeline_sentences_per_s": n / pipeline_seconds,
        "ratio_vs_bare_st_encode": st_seconds / pipeline_seconds,
        "ratio_vs_bare_backend_encode": backend_seconds / pipeline_seconds,
    }


def cold_start(example: Path, repeats: int = 3) -> dict[str, float]:
    exe = Path(sys.executable).with_name("evidence")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "from api.cli import main; main()"]
    env = dict(os.environ)
    subprocess.run([*cmd, "tag", str(example), "--format", "json"], check=True, capture_output=True, env=env)  # caches warm
    return {
        "cold_tag_example_seconds": _cold_seconds([*cmd, "tag", str(example), "--format", "json"], repeats, env),
        "cold_help_seconds": _cold_seconds([*cmd, "--help"], repeats, env),
    }


def synthetic_promo_docs(texts: list[str], count: int = 200, words: int = 1000) -> list[str]:
    """``count`` documents of about ``words`` words, each stitched from different dev texts."""
    docs = []
    for i in range(count):
        parts, total, j = [], 0, i
        while total < words:
            text = texts[j % len(texts)]
            parts.append(text)
            total += len(text.split())
            j += 7  # a different mix for every document
        docs.append(f"# Promotion packet {i + 1}\n\n" + "\n\n".join(parts))
    return docs


def scoring_throughput(matcher: Matcher, texts: list[str], folder: Path, count: int = 200) -> dict[str, float]:
    """`evidence score` on ``count`` ~1,000-word documents (fresh store) against bare encode of their sentences."""
    from api.scoring.runner import score_documents
    from api.scoring.store import ScoreStore
    from index.embedders import SentenceTransformerEmbedder

    docs = synthetic_promo_docs(texts, count)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, doc in enumerate(docs):
        path = folder / f"packet-{i:03d}.md"
        path.write_text(doc, encoding="utf-8")
        paths.append(path)
    index = matcher.rubric_index()
    segments = [s.clean for doc in docs for s in segment_text(doc)]
    reference = SentenceTransformerEmbedder(index.embedder.model_dir)
    reference.encode(segments[:64])
    st_seconds = _best_seconds(lambda: reference.encode(segments), 1)
    store = ScoreStore(folder / "results.sqlite")
    started = time.perf_counter()
    score_documents(paths, matcher, index.rubric, store, progress=False)
    score_seconds = time.perf_counter() - started
    store.close()
    return {
        "score_documents": count,
        "score_mean_words": sum(len(d.split()) for d in docs) / count,
        "score_sentences": len(segments),
        "score_documents_per_s": count / score_seconds,
        "score_bare_st_encode_sentences_per_s": len(segments) / st_seconds,
        "score_ratio_vs_bare_st_encode": st_seconds / score_seconds,
    }
