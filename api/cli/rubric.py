"""``evidence rubric``: list, show, import, validate career ladders, and print their schema."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from .root import app

rubric_app = typer.Typer(help="List, show and import rubrics (career ladders).", no_args_is_help=True)
app.add_typer(rubric_app, name="rubric")


@rubric_app.command("list")
def rubric_list():
    """List the bundled rubrics."""
    from evidence_matcher.rubrics.store import bundled_rubric_paths, load_rubric_file

    for rubric_id, path in bundled_rubric_paths().items():
        rubric = load_rubric_file(path)
        notes = sum(1 for _, _, b in rubric.walk() if b.kind == "note")
        typer.echo(f"{rubric_id}\t{rubric.title}\t{len(rubric.behaviors)} behaviors, {notes} notes")


class ImportFormat(StrEnum):
    seed = "seed"
    list = "list"
    dropbox = "dropbox"
    ft = "ft"
    kensho = "kensho"


@rubric_app.command("import")
def rubric_import(
    source: Path = typer.Argument(..., help="The ladder: a file, or a folder of Dropbox pages."),
    fmt: ImportFormat | None = typer.Option(
        None,
        "--format",
        "-f",
        help="seed (flattened-table text), list (one behavior per line), dropbox (a career-framework HTML page, or a "
        "folder of them), ft (an FT job-family YAML), kensho (a Kensho track Markdown). "
        "Default: guessed from the source.",
    ),
    out: Path = typer.Option(
        ...,
        "--out",
        "-o",
        help="A .yaml file for one rubric; a folder for a multi-level source (dropbox folder, ft, kensho): one rubric "
        "per level plus <track-id>.track.yaml. A folder for a single rubric gets <rubric-id>.yaml.",
    ),
    companies: list[str] = typer.Option(
        [],
        "--company",
        metavar="OLD[=NEW]",
        help="Replace a company name in the text, possessives included: OLD=NEW, or OLD for 'the company'. Repeatable.",
    ),
    rubric_id: str | None = typer.Option(
        None, "--id", help="Rubric id (single rubric) or track id (multi-level). Default: from the title or file name."
    ),
    level: str | None = typer.Option(
        None, "--level", help="Multi-level sources: write only this level's rubric (to a .yaml --out)."
    ),
    title: str | None = typer.Option(None, "--title", help="Title (list format)."),
    section: str = typer.Option(
        "Behaviors", "--section", help="Area and responsibility name (list format); ids are <slug>.<n>."
    ),
):
    """Import a ladder into canonical rubric YAML (and track files for multi-level ladders)."""
    from evidence_matcher.rubrics.company import parse_companies
    from evidence_matcher.rubrics.importers import import_source, write_imported

    imported = import_source(source, fmt.value if fmt else None, parse_companies(companies), rubric_id, title, section)
    paths = write_imported(imported, out, level)
    for line in imported.skipped:
        typer.echo(line, err=True)
    for rubric in imported.rubrics if not imported.tracks or level else []:
        typer.echo(f"wrote {paths[0] if len(paths) == 1 else out}: {_counts(rubric)}")
    if imported.tracks and not level:
        for path, (track, rubrics) in zip(paths, imported.tracks, strict=True):
            typer.echo(f"wrote {path}: track {track.id}, levels {', '.join(track.level_names())}")
            for rubric in rubrics:
                typer.echo(f"  {rubric.level}: {_counts(rubric)}")


def _counts(rubric) -> str:
    notes = sum(1 for _, _, b in rubric.walk() if b.kind == "note")
    return f"{rubric.id}, {len(rubric.behaviors)} behaviors, {notes} notes"


@rubric_app.command("validate")
def rubric_validate(files: list[Path] = typer.Argument(..., help="Rubric .yaml or <track>.track.yaml files.")):
    """Check rubric or track files: an OK line with counts, or each problem with its file, line and field."""
    from evidence_matcher.rubrics.validate import validate_file

    failed = False
    for path in files:
        ok, lines = validate_file(path)
        failed |= not ok
        for line in lines:
            typer.echo(line, err=not ok)
    if failed:
        raise typer.Exit(1)


@rubric_app.command("schema")
def rubric_schema(
    track: bool = typer.Option(False, "--track", help="The schema of track files instead of rubric files."),
    write: bool = typer.Option(False, "--write", help="Regenerate the shipped rubrics/*.schema.json files."),
):
    """Print the JSON Schema of canonical rubric YAML (generated from the pydantic model)."""
    from evidence_matcher.rubrics.schema import render_schema, write_schemas

    if write:
        for path in write_schemas():
            typer.echo(f"wrote {path}")
        return
    typer.echo(render_schema("track" if track else "rubric"), nl=False)


@rubric_app.command("show")
def rubric_show(
    rubric_id: str = typer.Argument(..., metavar="ID", help="Rubric id or path to a rubric YAML."),
    fmt: str = typer.Option("text", "--format", "-f", help="text or yaml."),
):
    """Show a rubric's areas, responsibilities and behaviors."""
    from evidence_matcher.rubrics.store import dump_rubric, load_rubric

    rubric = load_rubric(rubric_id)
    if fmt == "yaml":
        typer.echo(dump_rubric(rubric))
        return
    typer.echo(f"{rubric.title}  ({rubric.id}, fingerprint {rubric.fingerprint()})")
    for area in rubric.areas:
        typer.echo(f"\n{area.name}")
        for resp in area.responsibilities:
            if resp.name != area.name:
                typer.echo(f"  {resp.name}")
            for behavior in resp.behaviors:
                mark = " (note: not matched)" if behavior.kind == "note" else ""
                typer.echo(f"    {behavior.id:<26} {behavior.text}{mark}")
