"""``evidence bench``: speed against the bare model, measured in the same process."""

from __future__ import annotations

from pathlib import Path

import typer

from .common import DEV_SET, EXAMPLE, SELF, build_matcher, settings_from_env
from .root import app


@app.command()
def bench(
    dataset: Path | None = typer.Option(
        None, "--dataset", help="JSONL whose texts to use (default: the bundled dev set)."
    ),
    repeats: int = typer.Option(3, "--repeats", min=1),
    scoring: bool = typer.Option(
        False, "--score", help="Also batch-score 200 synthetic ~1,000-word promo docs (a few minutes)."
    ),
    engine: str = typer.Option(
        "local", "--engine", help="With --score: ray also scores them with --engine ray on this machine."
    ),
    llm_replay: bool = typer.Option(
        False,
        "--llm-replay",
        help="With --score: also score them twice with the LLM judge against a local replay server.",
    ),
    packet: bool = typer.Option(
        False, "--packet", help="Only `evidence packet` on 50 dated documents vs `evidence score` of the same ones."
    ),
):
    """Measure speed: tagging throughput against bare model.encode, and cold start."""
    import json
    import tempfile

    from evidence_matcher.eval.bench import cold_start, scoring_throughput, throughput

    settings = settings_from_env()
    source = dataset or DEV_SET
    if source.is_file():
        texts = [json.loads(line)["text"] for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        texts = [EXAMPLE.read_text(encoding="utf-8")] * 40
    typer.echo(
        f"texts: {source if source.is_file() else EXAMPLE} ({len(texts)} documents); backend {settings.backend}",
        err=True,
    )
    matcher = build_matcher(settings)
    if packet:
        from evidence_matcher.eval.packet_bench import packet_vs_score

        with tempfile.TemporaryDirectory() as folder:
            results = packet_vs_score(matcher, texts, Path(folder), repeats)
        for key, value in results.items():
            typer.echo(f"{key:<40} {value:,.3f}" if isinstance(value, float) else f"{key:<40} {value}")
        return
    results = {**throughput(matcher, texts, repeats), **cold_start(SELF, EXAMPLE, repeats)}
    if scoring:
        if engine not in {"local", "ray"}:
            raise typer.BadParameter("--engine must be local or ray")
        with tempfile.TemporaryDirectory() as folder:
            results.update(scoring_throughput(matcher, texts, Path(folder), ray=engine == "ray", llm_replay=llm_replay))
    for key, value in results.items():
        typer.echo(f"{key:<40} {value:,.3f}" if isinstance(value, float) else f"{key:<40} {value}")


@app.command("store-bench")
def store_bench(
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="PostgreSQL to measure (default: a throwaway cluster started here with initdb, fsync on).",
    ),
    jobs: int = typer.Option(12, "--jobs", min=1, help="Batch jobs per run."),
    documents: int = typer.Option(8, "--documents", min=1, max=500, help="Documents per job."),
    rounds: int = typer.Option(3, "--rounds", min=1, help="Runs on each database, alternated."),
):
    """The cost of the PostgreSQL path against SQLite: batch jobs/s and scored documents/s, same process."""
    import json
    import tempfile

    from evidence_matcher.eval.store_bench import run

    settings = settings_from_env()
    texts = [json.loads(line)["text"] for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    matcher = build_matcher(settings)
    typer.echo(f"embedder: {matcher.rubric_index().embedder.model_id}; {jobs} jobs × {documents} documents", err=True)
    with tempfile.TemporaryDirectory() as folder:
        results = run(matcher, texts, Path(folder), database_url, jobs=jobs, per_job=documents, rounds=rounds)
    for key, value in results.items():
        typer.echo(f"{key:<44} {value:,.3f}" if isinstance(value, float) else f"{key:<44} {value}")
