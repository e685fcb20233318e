"""``evidence eval``: measure matching quality on a labelled dataset, and fit thresholds."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperGroup

from rubrics.errors import EvidenceError
from rubrics.store import DEFAULT_RUBRIC_ID

from .common import build_matcher, settings_from_env
from .root import app


class _RunByDefault(TyperGroup):
    """``evidence eval DATASET`` means ``evidence eval run DATASET``."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().resolve_command(ctx, args)


eval_app = typer.Typer(cls=_RunByDefault, help="Measure matching quality on a labelled dataset.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


class EvalFormat(str, Enum):
    table = "table"
    json = "json"


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
    matcher = build_matcher(settings_from_env(), judge)
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

    matcher = build_matcher(settings_from_env())
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
