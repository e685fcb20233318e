"""``evidence serve`` (the HTTP API and page) and ``evidence load-bench`` (its load benchmark)."""

from __future__ import annotations

import typer

from .common import DEV_SET, EXAMPLE, SELF, build_matcher, settings_from_env
from .root import app


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
):
    """Serve the HTTP API and the web page (model loads once, in the background)."""
    import uvicorn

    from ..app import create_app

    typer.echo(f"evidence-matcher on http://{host}:{port}/  (API docs at /docs; ready when /readyz says so)", err=True)
    uvicorn.run(create_app(settings_from_env()), host=host, port=port, log_level="warning")


@app.command("load-bench")
def load_bench(
    clients: int = typer.Option(16, "--clients", min=1, max=256),
    seconds: float = typer.Option(20.0, "--seconds", min=1, max=600),
):
    """HTTP load benchmark on loopback: throughput, p50/p99, errors, memory, vs bare model.encode."""
    import json

    from evidence_matcher.eval.loadbench import run_load

    from ..settings import offline_matcher_env

    settings = settings_from_env()
    matcher = build_matcher(settings)
    index = matcher.rubric_index()  # model and index cached before the server starts
    texts = [json.loads(line)["text"] for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [" ".join(t.split(" ")[:300]) for t in texts if len(t.split()) >= 250] or [
        EXAMPLE.read_text(encoding="utf-8")
    ]
    server_env = offline_matcher_env(settings)
    served = index.embedder if settings.backend == "onnx-int8" else None  # fp32 is the bare encode already
    results = run_load(SELF, texts, clients, seconds, settings.cache_dir, index.embedder.model_dir, served, server_env)
    for key, value in results.items():
        typer.echo(f"{key:<32} {value:,.2f}" if isinstance(value, float) else f"{key:<32} {value}")
