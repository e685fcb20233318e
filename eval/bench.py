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
