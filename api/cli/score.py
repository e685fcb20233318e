"""``evidence score``: batch-score folders of promo docs into reports (resumable)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from evidence_matcher.matcher.scoring.levels import DEFAULT_BAR
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID

from .common import STORE_HELP, settings_from_env
from .root import app
from .sources import FROM_HELP, SITE_HELP, USER_HELP


@app.command()
def score(
    paths: list[Path] = typer.Argument(
        None, help="Files and folders (searched recursively) of .md, .txt, .docx, .pdf."
    ),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Output folder: reports, cohort CSV and HTML, and the results store."
    ),
    rubric: str = typer.Option(DEFAULT_RUBRIC_ID, "--rubric", "-r"),
    track: Path | None = typer.Option(
        None, "--track", help="A <id>.track.yaml: score against every level and report the level fit."
    ),
    level: str | None = typer.Option(
        None,
        "--level",
        help="With --track: report gaps to the level above this one (default: the level each document fits).",
    ),
    fit_bar: float = typer.Option(
        DEFAULT_BAR,
        "--fit-bar",
        min=0.0,
        max=1.0,
        help="With --track: a level fits when this share of its behaviors is evidenced.",
    ),
    judge: str = typer.Option(
        "auto", "--judge", "-j", help="llm, offline, or auto (llm when EVIDENCE_LLM_MODEL is set)."
    ),
    rescore: bool = typer.Option(False, "--rescore", help="Score again even what the store already has."),
    store: str | None = typer.Option(None, "--store", metavar="URL|PATH", help=STORE_HELP),
    engine: str = typer.Option(
        "local", "--engine", help="local (this process) or ray (a Ray cluster; pip install 'evidence-matcher[ray]')."
    ),
    ray_address: str | None = typer.Option(
        None, "--ray-address", help="With --engine ray: the cluster to join (default: start Ray on this machine)."
    ),
    workers: int | None = typer.Option(
        None, "--workers", min=1, help="With --engine ray: scoring actors (default: one per CPU of the cluster)."
    ),
    source: tuple[str, str] | None = typer.Option(None, "--from", metavar="KIND PATH", help=FROM_HELP),
    user: str | None = typer.Option(None, "--user", help=USER_HELP),
    site: str | None = typer.Option(None, "--source-url", help=SITE_HELP),
):
    """Batch-score promo docs into per-document reports and a cohort report (resumable)."""
    from evidence_matcher.matcher.scoring.cohort import score_cohort
    from evidence_matcher.matcher.scoring.engines import make_engine

    from .common import build_matcher, documents_to_score, echo_tally

    settings = settings_from_env()
    from evidence_matcher.matcher.scoring.levels import rubrics_to_score

    loaded_track, rubrics, target = rubrics_to_score(rubric, track, level)
    paths = paths or []
    documents = documents_to_score(paths, source, user, site, out)
    matcher = build_matcher(settings, judge)
    runner = make_engine(engine, matcher, ray_address, workers)
    root = paths[0].resolve() if len(paths) == 1 and paths[0].is_dir() else None
    try:
        run = score_cohort(
            documents,
            matcher,
            rubrics,
            out,
            loaded_track,
            target,
            fit_bar,
            root,
            rescore,
            sys.stderr.isatty(),
            runner,
            store_at=store,
        )
    finally:
        runner.close()
    written, counts = run.written, run.counts
    echo_tally(len(run.rows), len(rubrics) if loaded_track is not None else None, counts, run.errors)
    typer.echo(
        f"cohort report: {written['html']}\ncohort CSV: {written['csv']}\nper-document reports: {written['documents']}"
    )
    if counts["failed"]:
        raise typer.Exit(3)
