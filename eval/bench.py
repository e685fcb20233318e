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
import time
from collections.abc import Callable
from pathlib import Path

from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.matcher.segment import segment_text


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
    from evidence_matcher.index.embedders import SentenceTransformerEmbedder

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
    verified = matcher.verifier is not None and matcher.verifier.fits(index.embedder)
    pairs = n * min(matcher.verifier.candidates, len(index.behavior_ids)) if verified else 0
    return {
        "documents": len(texts),
        "sentences": n,
        "verifier_pairs_per_document": pairs
        / max(1, len(texts)),  # each sentence's candidates, all scored by the verifier
        "bare_st_encode_sentences_per_s": n / st_seconds,
        "bare_backend_encode_sentences_per_s": n / backend_seconds,
        "pipeline_sentences_per_s": n / pipeline_seconds,
        "ratio_vs_bare_st_encode": st_seconds / pipeline_seconds,
        "ratio_vs_bare_backend_encode": backend_seconds / pipeline_seconds,
    }


def cold_start(cmd: list[str], example: Path, repeats: int = 3) -> dict[str, float]:
    """Seconds for the command line ``cmd`` (the ``evidence`` CLI, given by the caller) to tag
    ``example`` and to print its help, each in a fresh process with warm caches."""
    env = dict(os.environ)
    subprocess.run(
        [*cmd, "tag", str(example), "--format", "json"], check=True, capture_output=True, env=env
    )  # caches warm
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


def _write_docs(docs: list[str], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, doc in enumerate(docs):
        path = folder / f"packet-{i:03d}.md"
        path.write_text(doc, encoding="utf-8")
        paths.append(path)
    return paths


def _timed_score(paths: list[Path], matcher: Matcher, store_path: Path, engine=None) -> tuple[float, list]:
    from evidence_matcher.matcher.scoring.runner import score_documents
    from evidence_matcher.matcher.scoring.store import ScoreStore

    store = ScoreStore(store_path)  # a fresh store: everything is scored
    started = time.perf_counter()
    outcomes = score_documents(paths, matcher, matcher.rubric_index().rubric, store, progress=False, engine=engine)
    seconds = time.perf_counter() - started
    store.close()
    return seconds, outcomes


def scoring_throughput(
    matcher: Matcher,
    texts: list[str],
    folder: Path,
    count: int = 200,
    ray: bool = False,
    llm_replay: bool = False,
) -> dict[str, float]:
    """`evidence score` on ``count`` ~1,000-word documents (fresh store) against bare encode of their sentences.

    With ``ray``, the same documents again (the actors build the matcher from ``matcher.spec``)
    through ``--engine ray`` on a local Ray instance using every core. With ``llm_replay``,
    twice more with the LLM judge answering from a local replay server (``eval.replay_server``,
    the real openai client over HTTP): calls and prompt sizes per document, then a second run
    that the response cache answers.
    """
    from evidence_matcher.index.embedders import SentenceTransformerEmbedder

    docs = synthetic_promo_docs(texts, count)
    paths = _write_docs(docs, folder / "docs")
    index = matcher.rubric_index()
    segments = [s.clean for doc in docs for s in segment_text(doc)]
    reference = SentenceTransformerEmbedder(index.embedder.model_dir)
    reference.encode(segments[:64])
    st_seconds = _best_seconds(lambda: reference.encode(segments), 1)
    score_seconds, _ = _timed_score(paths, matcher, folder / "local.sqlite")
    out = {
        "score_documents": count,
        "score_mean_words": sum(len(d.split()) for d in docs) / count,
        "score_sentences": len(segments),
        "score_bare_st_encode_sentences_per_s": len(segments) / st_seconds,
        "score_documents_per_s": count / score_seconds,
        "score_ratio_vs_bare_st_encode": st_seconds / score_seconds,
    }
    if ray:
        out.update(_ray_scoring(paths, matcher, folder, st_seconds))
    if llm_replay:
        out.update(_replay_scoring(paths, matcher, folder, st_seconds))
    return out


def _ray_scoring(paths: list[Path], matcher: Matcher, folder: Path, st_seconds: float) -> dict[str, float]:
    from evidence_matcher.matcher.scoring.engines import make_engine

    started = time.perf_counter()
    engine = make_engine("ray", matcher)  # a local Ray instance, one single-threaded actor per core
    engine.wait_ready()
    start_seconds = time.perf_counter() - started
    try:
        seconds, _ = _timed_score(paths, matcher, folder / "ray.sqlite", engine)
    finally:
        engine.close()
    return {
        "score_ray_workers": engine.workers,
        "score_ray_start_seconds": start_seconds,
        "score_ray_documents_per_s": len(paths) / seconds,
        "score_ray_ratio_vs_bare_st_encode": st_seconds / seconds,
    }


def _replay_scoring(paths: list[Path], matcher: Matcher, folder: Path, st_seconds: float) -> dict[str, float]:
    from dataclasses import replace

    from evidence_matcher.matcher.judge import JudgeConfig

    from .replay_server import ReplayServer

    out: dict[str, float] = {}
    with ReplayServer() as server:
        config = JudgeConfig(model="replay", base_url=server.base_url, timeout=60.0, max_retries=0)
        judged = replace(matcher, judge=config.build(folder / "llm-cache.sqlite"))  # shares the loaded model
        for run in (1, 2):
            seconds, outcomes = _timed_score(paths, judged, folder / f"llm-{run}.sqlite")
            usage = [o.result.usage for o in outcomes if o.result]
            n = len(paths)
            out.update(
                {
                    f"score_llm_run{run}_documents_per_s": n / seconds,
                    f"score_llm_run{run}_calls_per_document": sum(u.calls for u in usage) / n,
                    f"score_llm_run{run}_cache_hits_per_document": sum(u.cache_hits for u in usage) / n,
                    f"score_llm_run{run}_estimated_input_tokens_per_document": sum(u.input_tokens for u in usage) / n,
                    f"score_llm_run{run}_estimated_output_tokens_per_document": sum(u.output_tokens for u in usage) / n,
                    f"score_llm_run{run}_fallbacks": sum(o.result.judge.status != "ok" for o in outcomes if o.result),
                }
            )
            if run == 1:
                out["score_llm_run1_matches_per_document"] = (
                    sum(len(o.result.matches) for o in outcomes if o.result) / n
                )
                out["score_llm_run1_quotes_located_share"] = sum(u.quotes_located for u in usage) / max(
                    1, sum(u.quotes_returned for u in usage)
                )
        out["score_llm_server_requests"] = len(server.requests)
    return out
