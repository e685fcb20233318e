"""``evidence rubric``: list, show and import career ladders."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from .root import app

rubric_app = typer.Typer(help="List, show and import rubrics (career ladders).", no_args_is_help=True)
app.add_typer(rubric_app, name="rubric")


@rubric_app.command("list")
def rubric_list():
    """List the bundled rubrics."""
    from rubrics.store import bundled_rubric_paths, load_rubric_file

    for rubric_id, path in bundled_rubric_paths().items():
        rubric = load_rubric_file(path)
        notes = sum(1 for _, _, b in rubric.walk() if b.kind == "note")
        typer.echo(f"{rubric_id}\t{rubric.title}\t{len(rubric.behaviors)} behaviors, {notes} notes")


class ImportFormat(str, Enum):
    seed = "seed"
    list = "list"


@rubric_app.command("import")
def rubric_import(
    source: Path = typer.Argument(..., help="The ladder to import."),
    fmt: ImportFormat = typer.Option(..., "--format", "-f", help="seed (flattened-table text) or list (one behavior per line)."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the canonical rubric YAML."),
    rubric_id: Optional[str] = typer.Option(None, "--id", help="Rubric id (default: from the title or file name)."),
    title: Optional[str] = typer.Option(None, "--title", help="Title (list format)."),
    section: str = typer.Option("Behaviors", "--section", help="Area and responsibility name (list format); ids are <slug>.<n>."),
):
    """Import a ladder into the canonical rubric YAML."""
    from rubrics.plain_list import import_list_file
    from rubrics.seed_format import import_seed_file
    from rubrics.store import save_rubric

    if fmt is ImportFormat.seed:
        rubric = import_seed_file(source, rubric_id)
    else:
        rubric = import_list_file(source, rubric_id, title, section)
    save_rubric(rubric, out)
    notes = sum(1 for _, _, b in rubric.walk() if b.kind == "note")
    typer.echo(f"wrote {out}: {rubric.id}, {len(rubric.behaviors)} behaviors, {notes} notes")


@rubric_app.command("show")
def rubric_show(
    rubric_id: str = typer.Argument(..., metavar="ID", help="Rubric id or path to a rubric YAML."),
    fmt: str = typer.Option("text", "--format", "-f", help="text or yaml."),
):
    """Show a rubric's areas, responsibilities and behaviors."""
    from rubrics.store import dump_rubric, load_rubric

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
