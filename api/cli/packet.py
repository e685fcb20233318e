"""``evidence packet``: one person's evidence pack from many documents over a period (resumable, like score)."""

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
def packet(
    paths: list[Path] = typer.Argument(
        None, help="Files and folders (searched recursively) of .md, .txt, .docx, .pdf: brag docs, reviews..."
    ),
    out: Path = typer.Option(
        ..., "--out", "-o", help="Output folder: packet.md, .html, .docx, .json, and the results store."
    ),
    rubric: str = typer.Option(DEFAULT_RUBRIC_ID, "--rubric", "-r", help="Without --track: the rubric to use."),
    track: Path | None = typer.Option(None, "--track", help="A <id>.track.yaml: the role's levels, low to high."),
    level: str | None = typer.Option(
        None,
        "--level",
        help="With --track: the level the packet is for (its evidence and gaps). Default: the level above the one "
        "the documents together fit.",
    ),
    person: str | None = typer.Option(None, "--person", help="Whose packet it is (shown in its title)."),
    period: str = typer.Option("quarter", "--period", help="Columns of the coverage matrix: month, quarter or half."),
    per_behavior: int = typer.Option(3, "--citations", min=1, help="The strongest citations shown per behavior."),
    fit_bar: float = typer.Option(
        DEFAULT_BAR, "--fit-bar", min=0.0, max=1.0, help="With --track: a level fits at this share of its behaviors."
    ),
    judge: str = typer.Option(
        "auto", "--judge", "-j", help="llm, offline, or auto (llm when EVIDENCE_LLM_MODEL is set)."
    ),
    rescore: bool = typer.Option(False, "--rescore", help="Score again even what the store already has."),
    store: str | None = typer.Option(None, "--store", metavar="URL|PATH", help=STORE_HELP),
    source: tuple[str, str] | None = typer.Option(None, "--from", metavar="KIND PATH", help=FROM_HELP),
    user: str | None = typer.Option(None, "--user", help=USER_HELP),
    site: str | None = typer.Option(None, "--source-url", help=SITE_HELP),
):
    """Build one person's evidence packet: strongest citations per behavior, coverage by period, gaps to a level."""
    from evidence_matcher.matcher.packet.periods import check_period
    from evidence_matcher.matcher.packet.run import make_packet

    from .common import build_matcher, documents_to_score, echo_tally

    settings = settings_from_env()
    check_period(period)
    from evidence_matcher.matcher.scoring.levels import rubrics_to_score

    loaded_track, rubrics, target = rubrics_to_score(rubric, track, level)
    paths = paths or []
    documents = documents_to_score(paths, source, user, site, out)
    matcher = build_matcher(settings, judge)
    root = paths[0].resolve() if len(paths) == 1 and paths[0].is_dir() else None
    run = make_packet(
        documents,
        matcher,
        rubrics,
        out,
        loaded_track,
        target,
        period,
        person,
        per_behavior,
        fit_bar,
        root,
        rescore,
        sys.stderr.isatty(),
        store_at=store,
    )
    counts, built = run.counts, run.packet
    echo_tally(len(documents), len(rubrics) if loaded_track is not None else None, counts, run.errors)
    level_part = f" at {built.target}" if built.target else ""
    typer.echo(f"{built.evidenced} of {len(built.behaviors)} behaviors evidenced{level_part}")
    typer.echo("\n".join(f"packet ({kind}): {path}" for kind, path in run.written.items()))
