"""The ``evidence`` command line: a thin way in, calling the same functions as the HTTP API.

Heavy imports (numpy, faiss, onnxruntime) happen inside commands so that ``--help``
stays instant. Every user error is one line on stderr and a non-zero exit; set
``EVIDENCE_DEBUG=1`` to see the traceback.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperGroup

from rubrics.errors import EvidenceError
from rubrics.store import DEFAULT_RUBRIC_ID

EXAMPLE = Path(__file__).resolve().parent / "examples" / "self-review-ic6.md"

app = typer.Typer(
    help="Show, with proof, which behaviors of a career ladder a piece of writing evidences.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
rubric_app = typer.Typer(help="List and show rubrics (career ladders).", no_args_is_help=True)
index_app = typer.Typer(help="Build and inspect the cached vector indexes.", no_args_is_help=True)


class _RunByDefault(TyperGroup):
    """``evidence eval DATASET`` means ``evidence eval run DATASET``."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().resolve_command(ctx, args)


eval_app = typer.Typer(cls=_RunByDefault, help="Measure matching quality on a labelled dataset.", no_args_is_help=True)
app.add_typer(rubric_app, name="rubric")
app.add_typer(index_app, name="index")
app.add_typer(eval_app, name="eval")


class TagFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


class EvalFormat(str, Enum):
    table = "table"
    json = "json"


def _settings():
    from .settings import Settings

    return Settings()


def _progress_bars():
    """A progress callback drawing one tqdm bar per task on stderr (one-time work such as tuning)."""
    bars: dict = {}

    def report(what: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if what not in bars:
            bars[what] = tqdm(total=total, desc=f"{what} (one time)", unit="step", file=sys.stderr, leave=False)
        bars[what].update(done - bars[what].n)
        if done >= total:
            bars[what].close()

    return report


def _matcher(settings, judge_mode: str = "offline", names: tuple[str, ...] = ()):
    from matcher.engine import Matcher

    from .settings import build_judge

    judge = build_judge(settings, judge_mode, names)
    return Matcher.load(
        judge=judge,
        llm_concurrency=settings.llm_concurrency,
        cache_dir=settings.cache_dir,
        model_dir=settings.model_dir,
        backend=settings.backend,
        max_chars=settings.max_chars,
        threads=settings.threads,
        adapt=settings.adapt,
        progress=_progress_bars(),
    )


def _read_input(source: str, max_chars: int) -> str:
    from matcher.inputs import check_text, decode_bytes, read_text_file

    if source == "-":
        if sys.stdin.isatty():
            typer.echo("Paste the text, then press Ctrl-D:", err=True)
        data = sys.stdin.buffer.read(max_chars * 4 + 4)
        return check_text(decode_bytes(data, "standard input"), max_chars, "standard input")
    return read_text_file(Path(source), max_chars)


@app.command()
def tag(
    source: str = typer.Argument("-", metavar="[FILE|-]", help="A text or markdown file, or - to read a paste from stdin."),
    rubric: str = typer.Option(DEFAULT_RUBRIC_ID, "--rubric", "-r", help="Rubric id or path to a rubric YAML."),
    fmt: TagFormat = typer.Option(TagFormat.table, "--format", "-f", help="Output format."),
    example: bool = typer.Option(False, "--example", help="Tag the bundled example self-review."),
    judge: str = typer.Option("auto", "--judge", "-j", help="llm, offline, or auto (llm when EVIDENCE_LLM_MODEL is set)."),
    name: list[str] = typer.Option([], "--redact-name", help="A name to redact before text goes to the LLM (repeatable)."),
):
    """Tag a self-review, brag doc or promo doc with the behaviors it evidences."""
    from rubrics.store import load_rubric

    settings = _settings()
    text = _read_input(str(EXAMPLE) if example else source, settings.max_chars)
    loaded = load_rubric(rubric)  # fail on a bad rubric or judge setting before spending time on the model
    matcher = _matcher(settings, judge, tuple(name))
    result = matcher.match(text, loaded)
    if result.judge.status == "fallback":
        typer.echo(f"Warning: LLM judge failed ({result.judge.reason}); showing the offline result.", err=True)
    from .render import render_markdown, render_table

    if fmt is TagFormat.json:
        typer.echo(result.model_dump_json(indent=2))
    elif fmt is TagFormat.markdown:
        typer.echo(render_markdown(result))
    else:
        render_table(result)


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

    from .scoring.reports import write_reports
    from .scoring.runner import score_documents
    from .scoring.store import ScoreStore

    settings = _settings()
    loaded = load_rubric(rubric)
    documents = find_documents(paths)
    if not documents:
        raise EvidenceError("no .md, .txt, .docx or .pdf files found in the given paths")
    matcher = _matcher(settings, judge)
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


@app.command("load-bench")
def load_bench(
    clients: int = typer.Option(16, "--clients", min=1, max=256),
    seconds: float = typer.Option(20.0, "--seconds", min=1, max=600),
):
    """HTTP load benchmark on loopback: throughput, p50/p99, errors, memory, vs bare model.encode."""
    import json

    from eval.loadbench import run_load

    settings = _settings()
    matcher = _matcher(settings)
    index = matcher.rubric_index()  # model and index cached before the server starts
    source = Path(__file__).resolve().parents[1] / "eval" / "datasets" / "ic6-dev.jsonl"
    texts = [json.loads(line)["text"] for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [" ".join(t.split(" ")[:300]) for t in texts if len(t.split()) >= 250] or [EXAMPLE.read_text(encoding="utf-8")]
    results = run_load(texts, clients, seconds, settings.cache_dir, index.embedder.model_dir)
    for key, value in results.items():
        typer.echo(f"{key:<32} {value:,.2f}" if isinstance(value, float) else f"{key:<32} {value}")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
):
    """Serve the HTTP API and the web page (model loads once, in the background)."""
    import uvicorn

    from .app import create_app

    typer.echo(f"evidence-matcher on http://{host}:{port}/  (API docs at /docs; ready when /readyz says so)", err=True)
    uvicorn.run(create_app(_settings()), host=host, port=port, log_level="warning")


@app.command()
def schema():
    """Print the JSON Schema of the output of `tag --format json` (and of the HTTP API)."""
    import json

    from matcher.result import MatchResult

    typer.echo(json.dumps(MatchResult.model_json_schema(), indent=2))


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


@index_app.command("build")
def index_build(rubric: str = typer.Option(DEFAULT_RUBRIC_ID, "--rubric", "-r")):
    """Build (or refresh) the cached index of a rubric."""
    matcher = _matcher(_settings())
    index = matcher.rubric_index(rubric)
    meta = index.vectors.meta
    typer.echo(f"{meta['rubric_id']}: {meta['count']} vectors ({meta['behaviors']} behaviors), {meta['index_type']}, model {meta['model_id']}")


@index_app.command("info")
def index_info(rubric: str = typer.Option(DEFAULT_RUBRIC_ID, "--rubric", "-r")):
    """Show the cached index's sidecar: model, dimension, fingerprints, index type."""
    import json

    from index.rubric_index import index_path
    from index.vector_store import read_sidecar
    from rubrics.store import load_rubric

    settings = _settings()
    loaded = load_rubric(rubric)
    path = index_path(settings.cache_dir, loaded)
    sidecar = read_sidecar(path)
    if sidecar is None:
        raise EvidenceError(f"no index built yet for {loaded.id} (run: evidence index build --rubric {rubric})")
    sidecar["ids"] = f"{len(sidecar['ids'])} ids"
    sidecar["path"] = str(path)
    sidecar["current"] = sidecar.get("rubric_fingerprint") == loaded.fingerprint()
    typer.echo(json.dumps(sidecar, indent=2))


@eval_app.command("run")
def eval_run(
    dataset: Path = typer.Argument(..., help="A JSONL dataset (see README: Evaluation)."),
    rubric: str = typer.Option(DEFAULT_RUBRIC_ID, "--rubric", "-r"),
    split: str = typer.Option("test", "--split", help="all, fit or test (the thresholds are fitted on 'fit')."),
    fmt: EvalFormat = typer.Option(EvalFormat.table, "--format", "-f"),
    out: Optional[Path] = typer.Option(None, "--out", help="Also write the full JSON record here."),
    judge: str = typer.Option("offline", "--judge", "-j", help="offline, llm, or auto (llm when EVIDENCE_LLM_MODEL is set)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N samples of the split."),
):
    """Score the matcher on a dataset: precision, recall, F1 (micro, macro, per area), citations."""
    from eval.dataset import load_dataset
    from eval.run import evaluate

    if split not in {"all", "fit", "test"}:
        raise EvidenceError(f"--split must be all, fit or test, not {split!r}")
    matcher = _matcher(_settings(), judge)
    index = matcher.rubric_index(rubric)
    samples = load_dataset(dataset, index.rubric, split)[:limit]  # type: ignore[arg-type]
    record = evaluate(matcher, samples, index, dataset, split, progress=sys.stderr.isatty())  # type: ignore[arg-type]
    if out:
        out.write_text(record.model_dump_json(indent=1), encoding="utf-8")
    if fmt is EvalFormat.json:
        typer.echo(record.model_dump_json(indent=1, exclude={"results"}))
        return
    typer.echo(f"{record.dataset} [{split}] {record.samples} samples, model {record.model}, judge {record.judge}, {record.seconds:.1f}s")
    if record.usage.calls or record.usage.cache_hits:
        u = record.usage
        located = u.quotes_located / u.quotes_returned if u.quotes_returned else 0.0
        typer.echo(
            f"  LLM: {u.calls} calls ({u.calls / record.samples:.2f}/doc), {u.cache_hits} cache hits, {u.input_tokens}+{u.output_tokens} tokens "
            f"({(u.input_tokens + u.output_tokens) / record.samples:,.0f}/doc), quotes located {u.quotes_located}/{u.quotes_returned} ({located:.0%}), "
            f"{u.quotes_unsupported} unsupported, {u.behaviors_rejected} non-candidate verdicts, {record.judge_fallbacks} fallbacks"
        )
    for key, value in record.metrics.items():
        typer.echo(f"  {key:<24} {value:.3f}")
    typer.echo("  per area (precision / recall / f1, support):")
    for area, m in record.per_area.items():
        typer.echo(f"    {area:<22} {m['precision']:.2f} / {m['recall']:.2f} / {m['f1']:.2f}  ({m['support']})")


@eval_app.command("fit")
def eval_fit(
    dataset: Path = typer.Argument(..., help="The development set; only its 'fit' split is used."),
    rubric: str = typer.Option(DEFAULT_RUBRIC_ID, "--rubric", "-r"),
    write: bool = typer.Option(False, "--write", help="Save as the shipped thresholds (matcher/thresholds.json)."),
):
    """Fit the decision thresholds on the fit split of a development set."""
    from eval.dataset import file_sha256, load_dataset
    from eval.fit import fit_params
    from eval.run import analyze_samples
    from matcher.decision import PARAMS_PATH

    matcher = _matcher(_settings())
    index = matcher.rubric_index(rubric)
    samples = load_dataset(dataset, index.rubric, "fit")
    analyses = analyze_samples(matcher, samples, index, progress=sys.stderr.isatty())
    fitted_on = f"{dataset.name}@{file_sha256(dataset)[:12]} split=fit"
    params, stats = fit_params(samples, analyses, index, fitted_on, index.embedder.model_id)
    typer.echo(params.model_dump_json(indent=2))
    typer.echo(", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in stats.items()))
    if write:
        PARAMS_PATH.write_text(params.model_dump_json(indent=2) + "\n", encoding="utf-8")
        typer.echo(f"wrote {PARAMS_PATH}")


@app.command()
def bench(
    dataset: Optional[Path] = typer.Option(None, "--dataset", help="JSONL whose texts to use (default: the bundled dev set)."),
    repeats: int = typer.Option(3, "--repeats", min=1),
    scoring: bool = typer.Option(False, "--score", help="Also batch-score 200 synthetic ~1,000-word promo docs (a few minutes)."),
):
    """Measure speed: tagging throughput against bare model.encode, and cold start."""
    import json
    import tempfile

    from eval.bench import cold_start, scoring_throughput, throughput

    settings = _settings()
    source = dataset or Path(__file__).resolve().parents[1] / "eval" / "datasets" / "ic6-dev.jsonl"
    if source.is_file():
        texts = [json.loads(line)["text"] for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        texts = [EXAMPLE.read_text(encoding="utf-8")] * 40
    typer.echo(f"texts: {source if source.is_file() else EXAMPLE} ({len(texts)} documents); backend {settings.backend}", err=True)
    matcher = _matcher(settings)
    results = {**throughput(matcher, texts, repeats), **cold_start(EXAMPLE, repeats)}
    if scoring:
        with tempfile.TemporaryDirectory() as folder:
            results.update(scoring_throughput(matcher, texts, Path(folder)))
    for key, value in results.items():
        typer.echo(f"{key:<40} {value:,.3f}" if isinstance(value, float) else f"{key:<40} {value}")


def main() -> None:
    debug = os.environ.get("EVIDENCE_DEBUG", "").lower() in {"1", "true", "yes"}
    try:
        app()
    except EvidenceError as exc:
        if debug:
            raise
        typer.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        if debug:
            raise
        typer.echo(f"Error: unexpected {type(exc).__name__}: {exc} (set EVIDENCE_DEBUG=1 for details)", err=True)
        sys.exit(1)
