"""``evidence tag`` (one document) and ``evidence schema`` (its JSON output's schema)."""

from __future__ import annotations

import json
from enum import StrEnum

import typer

from evidence_matcher.errors import EvidenceError
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID

from .common import EXAMPLE, build_matcher, read_input, settings_from_env
from .root import app
from .sources import FROM_HELP, SITE_HELP, USER_HELP, import_records


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
    export: tuple[str, str] | None = typer.Option(
        None, "--from", metavar="KIND PATH", help=FROM_HELP + " Each record is tagged (JSON: one array)."
    ),
    user: str | None = typer.Option(None, "--user", help=USER_HELP),
    site: str | None = typer.Option(None, "--source-url", help=SITE_HELP),
):
    """Tag a self-review, brag doc or promo doc with the behaviors it evidences."""
    from evidence_matcher.rubrics.store import load_rubric

    settings = settings_from_env()
    if export is not None:
        if example or source != "-":
            raise EvidenceError("give either a text (FILE, - or --example) or --from, not both")
        records = import_records(export, user, site).records
        texts = [record.text() for record in records]
    else:
        if user or site:
            raise EvidenceError("--user and --source-url need --from")
        records, texts = [], [read_input(str(EXAMPLE) if example else source, settings.max_chars)]
    loaded = load_rubric(rubric)  # fail on a bad rubric or judge setting before spending time on the model
    matcher = build_matcher(settings, judge, tuple(name))
    if records:
        results = _tag_records(matcher, records, texts, loaded)
    else:
        results = [matcher.match(texts[0], loaded)]
    for result in results:
        if result.judge.status == "fallback":
            typer.echo(f"Warning: LLM judge failed ({result.judge.reason}); showing the offline result.", err=True)
    from evidence_matcher.matcher.render import render_markdown, render_table

    if fmt is TagFormat.json:
        if records:
            typer.echo(json.dumps([r.model_dump(mode="json") for r in results], indent=2, ensure_ascii=False))
        else:
            typer.echo(results[0].model_dump_json(indent=2))
    elif fmt is TagFormat.markdown:
        typer.echo("\n".join(render_markdown(result) for result in results))
    else:
        for result in results:
            render_table(result)


def _tag_records(matcher, records, texts, rubric):
    """Each imported record's result, naming its source; a record that cannot be matched is one warning line."""
    from evidence_matcher.matcher.scoring.engines import CHUNK, score_chunk

    results = []
    for start in range(0, len(texts), CHUNK):
        scored = score_chunk(matcher, texts[start : start + CHUNK], rubric)
        for record, (result, error) in zip(records[start : start + CHUNK], scored, strict=True):
            if result is None:
                typer.echo(f"Warning: {record.kind} {record.id}: {error}", err=True)
            else:
                results.append(result.model_copy(update={"source": record.ref()}))
    return results


@app.command()
def schema():
    """Print the JSON Schema of the output of `tag --format json` (and of the HTTP API)."""
    import json

    from evidence_matcher.matcher.result import MatchResult

    typer.echo(json.dumps(MatchResult.model_json_schema(), indent=2))
