"""``evidence index``: build and inspect the cached vector indexes."""

from __future__ import annotations

import typer

from evidence_matcher.errors import EvidenceError
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID

from .common import build_matcher, settings_from_env
from .root import app

index_app = typer.Typer(help="Build and inspect the cached vector indexes.", no_args_is_help=True)
app.add_typer(index_app, name="index")


@index_app.command("build")
def index_build(rubric: str = typer.Option(DEFAULT_RUBRIC_ID, "--rubric", "-r")):
    """Build (or refresh) the cached index of a rubric."""
    matcher = build_matcher(settings_from_env())
    index = matcher.rubric_index(rubric)
    meta = index.vectors.meta
    typer.echo(
        f"{meta['rubric_id']}: {meta['count']} vectors ({meta['behaviors']} behaviors), {meta['index_type']}, "
        f"model {meta['model_id']}"
    )


@index_app.command("info")
def index_info(rubric: str = typer.Option(DEFAULT_RUBRIC_ID, "--rubric", "-r")):
    """Show the cached index's sidecar: model, dimension, fingerprints, index type."""
    import json

    from evidence_matcher.index.rubric_index import index_path
    from evidence_matcher.index.vector_store import read_sidecar
    from evidence_matcher.rubrics.store import load_rubric

    settings = settings_from_env()
    loaded = load_rubric(rubric)
    path = index_path(settings.cache_dir, loaded)
    sidecar = read_sidecar(path)
    if sidecar is None:
        raise EvidenceError(f"no index built yet for {loaded.id} (run: evidence index build --rubric {rubric})")
    sidecar["ids"] = f"{len(sidecar['ids'])} ids"
    sidecar["path"] = str(path)
    sidecar["current"] = sidecar.get("rubric_fingerprint") == loaded.fingerprint()
    typer.echo(json.dumps(sidecar, indent=2))
