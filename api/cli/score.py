"""``evidence score``: batch-score folders of promo docs into reports (resumable)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from rubrics.errors import EvidenceError
from rubrics.store import DEFAULT_RUBRIC_ID

from .common import build_matcher, settings_from_env
from .root import app


@app.command()
def score(
    paths: list[Path] = typer.Argument(..., help="Files and folders (searched recursively) of .md, .txt, .docx, .pdf."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder: reports, cohort CSV and HTML, and the results store."),
    rubric: str = typer.Option(DEFAULT_RUBRIC_ID, "--rubric", "-r"),
    judge: str = typer.Option("auto", "--judge", "-j", help="llm, offline, or auto (llm when EVIDENCE_LLM_MODEL is set)."),
    rescore: bool = typer.Option(False, "--rescore", help="Score again even what the store already has."),
):
    """Batch-score promo docs into per-document reports and a cohort report (resumable)."""
    from matcher.documents import find_documents
    from rubrics.store import load_rubric

    from ..scoring.reports import write_reports
    from ..scoring.runner import score_documents
    from ..scoring.store import ScoreStore

    settings = settings_from_env()
    loaded = load_rubric(rubric)
    documents = find_documents(paths)
    if not documents:
        raise EvidenceError("no .md, .txt, .docx or .pdf files found in the given paths")
    matcher = build_matcher(settings, judge)
    store = ScoreStore(out / "results.sqlite")
    try:
        outcomes = score_documents(documents, matcher, loaded, store, rescore=rescore, progress=sys.stderr.isatty())
    finally:
        store.close()
    root = paths[0].resolve() if len(paths) == 1 and paths[0].is_dir() else None
    written = write_reports(outcomes, loaded, out, root)
    counts = {status: sum(o.status == status for o in outcomes) for status in ("scored", "stored", "failed")}
    typer.echo(f"{len(outcomes)} documents: {counts['scored']} scored, {counts['stored']} already in the store, {counts['failed']} failed")
    for o in outcomes:
        if o.status == "failed":
            typer.echo(f"  failed: {o.error}", err=True)
    typer.echo(f"cohort report: {written['html']}\ncohort CSV: {written['csv']}\nper-document reports: {written['documents']}")
    if counts["failed"]:
        raise typer.Exit(3)
