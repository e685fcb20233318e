"""``evidence tag`` (one document) and ``evidence schema`` (its JSON output's schema)."""

from __future__ import annotations

from enum import StrEnum

import typer

from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID

from .common import EXAMPLE, build_matcher, read_input, settings_from_env
from .root import app


class TagFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


@app.command()
def tag(
    source: str = typer.Argument(
        "-", metavar="[FILE|-]", help="A text or markdown file, or - to read a paste from stdin."
    ),
    rubric: str = typer.Option(DEFAULT_RUBRIC_ID, "--rubric", "-r", help="Rubric id or path to a rubric YAML."),
    fmt: TagFormat = typer.Option(TagFormat.table, "--format", "-f", help="Output format."),
    example: bool = typer.Option(False, "--example", help="Tag the bundled example self-review."),
    judge: str = typer.Option(
        "auto", "--judge", "-j", help="llm, offline, or auto (llm when EVIDENCE_LLM_MODEL is set)."
    ),
    name: list[str] = typer.Option(
        [], "--redact-name", help="A name to redact before text goes to the LLM (repeatable)."
    ),
):
    """Tag a self-review, brag doc or promo doc with the behaviors it evidences."""
    from evidence_matcher.rubrics.store import load_rubric

    settings = settings_from_env()
    text = read_input(str(EXAMPLE) if example else source, settings.max_chars)
    loaded = load_rubric(rubric)  # fail on a bad rubric or judge setting before spending time on the model
    matcher = build_matcher(settings, judge, tuple(name))
    result = matcher.match(text, loaded)
    if result.judge.status == "fallback":
        typer.echo(f"Warning: LLM judge failed ({result.judge.reason}); showing the offline result.", err=True)
    from evidence_matcher.matcher.render import render_markdown, render_table

    if fmt is TagFormat.json:
        typer.echo(result.model_dump_json(indent=2))
    elif fmt is TagFormat.markdown:
        typer.echo(render_markdown(result))
    else:
        render_table(result)


@app.command()
def schema():
    """Print the JSON Schema of the output of `tag --format json` (and of the HTTP API)."""
    import json

    from evidence_matcher.matcher.result import MatchResult

    typer.echo(json.dumps(MatchResult.model_json_schema(), indent=2))
