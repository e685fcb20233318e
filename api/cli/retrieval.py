"""``evidence eval retrieval``: rank a whole taxonomy per sample (the ESCO benchmark's protocol)."""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path

import typer

from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID

from .common import build_matcher, settings_from_env
from .evaluate import eval_app


class QueryOption(StrEnum):
    sentence = "sentence"
    segments = "segments"
    both = "both"


@eval_app.command("retrieval")
def eval_retrieval(
    dataset: Path = typer.Argument(..., help="An ESCO / SkillSkape CSV benchmark (or a JSONL dataset)."),
    rubric: str | None = typer.Option(
        None, "--rubric", "-r", help="Default: the skills_en_label.txt beside a CSV (a .txt label list is imported)."
    ),
    split: str | None = typer.Option(
        None, "--split", help="all, fit or test (default: all for a CSV, test for JSONL)."
    ),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="A gold label missing from the taxonomy is an error (default: dropped, counted and reported).",
    ),
    query: QueryOption = typer.Option(
        QueryOption.sentence, "--query", help="sentence (whole text), segments (the matcher's), or both."
    ),
    lexical: bool = typer.Option(
        False,
        "--lexical/--dense-only",
        help="Also fuse BM25 over the label texts with the dense ranking (RRF). Off by default: with the "
        "taxonomy encoder it lost on SkillSkape dev (README, ESCO and SkillSkape).",
    ),
    template: list[str] = typer.Option(
        [], "--template", help="Extra label phrasing, e.g. 'experience with {label}' (repeatable)."
    ),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
):
    """RP@5, RP@10, MRR and nDCG@10 over every label of the rubric, and where the time went."""
    from evidence_matcher.eval.esco import load_eval_data
    from evidence_matcher.eval.retrieval import LabelSpace, rank_samples, retrieval_metrics

    settings = settings_from_env()
    started = time.perf_counter()
    resolved, samples, split = load_eval_data(
        dataset, rubric, split, DEFAULT_RUBRIC_ID, strict, lambda line: typer.echo(line, err=True)
    )
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    # The matcher's model for this rubric: for a taxonomy, the shipped taxonomy encoder
    # (EVIDENCE_MODEL_DIR: that model as it is).
    embedder = build_matcher(settings).embedder_for(resolved)
    model_seconds = time.perf_counter() - started
    space = LabelSpace.build(resolved, embedder, tuple(template), lexical, settings.cache_dir)
    rankings, timings = rank_samples(samples, space, embedder, query.value)
    started = time.perf_counter()
    metrics = retrieval_metrics(samples, rankings)
    timings = {
        "load_data": load_seconds,
        "load_model": model_seconds,
        **space.timings,
        **timings,
        "metrics": time.perf_counter() - started,
    }
    record = {
        "dataset": str(dataset),
        "split": split,
        "samples": len(samples),
        "with_labels": sum(bool(s.gold) for s in samples),
        "rubric_id": resolved.id,
        "labels": len(space.ids),
        "model": embedder.model_id,
        "query": query.value,
        "lexical": lexical,
        "templates": list(template),
        "metrics": {k: round(v, 4) for k, v in metrics.items()},
        "seconds": {k: round(v, 3) for k, v in timings.items()},
    }
    if fmt == "json":
        typer.echo(json.dumps(record, indent=1))
        return
    typer.echo(
        f"{dataset} [{split}] {record['samples']} samples ({record['with_labels']} with labels) "
        f"vs {record['labels']:,} labels, "
        f"model {record['model']}, query {query.value}, {'dense + BM25 (RRF)' if lexical else 'dense only'}"
        + (f", templates {list(template)}" if template else "")
    )
    for key, value in metrics.items():
        typer.echo(f"  {key:<10} {value:.3f}")
    typer.echo("  seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))
