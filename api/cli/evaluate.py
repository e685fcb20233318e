"""``evidence eval``: measure matching quality on a labelled dataset, and fit thresholds."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer
from typer.core import TyperGroup

from evidence_matcher.errors import EvidenceError
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID

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


class EvalFormat(StrEnum):
    table = "table"
    json = "json"


@eval_app.command("run")
def eval_run(
    dataset: Path = typer.Argument(
        ..., help="A JSONL dataset (see README: Evaluation), or an ESCO / SkillSkape CSV benchmark."
    ),
    rubric: str | None = typer.Option(
        None,
        "--rubric",
        "-r",
        help="Default: the IC6 ladder; for a CSV, the skills_en_label.txt beside it (a .txt label list is imported).",
    ),
    split: str | None = typer.Option(
        None,
        "--split",
        help="all, fit or test (default: test for JSONL, where thresholds are fitted on 'fit'; all for a CSV).",
    ),
    strict: bool = typer.Option(
        False,
        "--strict",
        help="A gold label missing from the taxonomy is an error (default: dropped, counted and reported).",
    ),
    fmt: EvalFormat = typer.Option(EvalFormat.table, "--format", "-f"),
    out: Path | None = typer.Option(None, "--out", help="Also write the full JSON record here."),
    judge: str = typer.Option(
        "offline",
        "--judge",
        "-j",
        help="offline, llm, auto (llm when EVIDENCE_LLM_MODEL is set), or oracle (a judge answering from the gold "
        "labels: the judge path's ceiling; 'oracle:wrong=1,miss=0.2' makes it err like a model).",
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N samples of the split."),
    log_dir: Path | None = typer.Option(None, "--log-dir", help="Runs folder and history (default: <cache dir>/runs)."),
    no_log: bool = typer.Option(False, "--no-log", help="Do not record the run in the history."),
    fail_under: str | None = typer.Option(
        None, "--fail-under", help="Floors, e.g. 'micro_f1=0.55,rp@5=0.6': exit 2 when a metric is below its floor."
    ),
    html: Path | None = typer.Option(None, "--html", help="Write the run's HTML report here."),
    bias: bool = typer.Option(
        False, "--bias", help="Also match the samples with names and pronouns swapped (eval/bias_swaps.yaml)."
    ),
):
    """Score the matcher on a dataset: precision, recall, F1 (micro, macro, per area), citations.

    Every run is recorded (JSON in the runs folder, a row in its history): see `evidence eval runs`.
    """
    from evidence_matcher.eval.esco import load_eval_data
    from evidence_matcher.eval.gate import parse_floors
    from evidence_matcher.eval.oracle import parse_oracle
    from evidence_matcher.eval.run import evaluate

    floors = parse_floors(fail_under) if fail_under is not None else None  # a typo fails before the run, not after
    oracle = parse_oracle(judge)
    loaded, samples, split = load_eval_data(
        dataset, rubric, split, DEFAULT_RUBRIC_ID, strict, lambda line: typer.echo(line, err=True)
    )  # JSONL, or an ESCO / SkillSkape CSV
    settings = settings_from_env()
    matcher = build_matcher(settings, "offline" if oracle is not None else judge)
    index = matcher.rubric_index(loaded)
    samples = samples[:limit]
    if oracle is not None:
        from evidence_matcher.eval.oracle import oracle_judge

        matcher.judge = oracle_judge(samples, oracle)
    record = evaluate(matcher, samples, index, dataset, split, progress=sys.stderr.isatty(), bias=bias)  # type: ignore[arg-type]  # split: checked by load_eval_data
    if not no_log:
        path = _history(settings, log_dir).save(record)
        typer.echo(f"run {record.run_id} recorded: {path}", err=True)
    if out:
        out.write_text(record.model_dump_json(indent=1), encoding="utf-8")
    if html:
        _write_html(html, record)
    if fmt is EvalFormat.json:
        typer.echo(record.model_dump_json(indent=1, exclude={"results"}))
    else:
        _print_summary(record)
    if floors is not None:
        _gate(record, floors)


def _history(settings, log_dir: Path | None):
    from evidence_matcher.eval.history import RunHistory, default_log_dir

    return RunHistory(log_dir or default_log_dir(settings.cache_dir))


def _write_html(path: Path, record) -> None:
    from evidence_matcher.eval.report import render_run

    path.write_text(render_run(record), encoding="utf-8")
    typer.echo(f"wrote {path}", err=True)


def _gate(record, floors: dict[str, float]) -> None:
    """Exit 2 when a metric is under its floor (1 is taken by user errors)."""
    from evidence_matcher.eval.gate import check_floors

    verdicts = check_floors(record.metrics, floors)
    for v in verdicts:
        if v.value is None:
            typer.echo(f"FAIL {v.key}: not measured by this run (floor {v.floor:.3f})", err=True)
        else:
            typer.echo(
                f"{'ok  ' if v.passed else 'FAIL'} {v.key} {v.value:.3f} "
                f"{'>=' if v.passed else '<'} floor {v.floor:.3f}",
                err=True,
            )
    failed = [v.key for v in verdicts if not v.passed]
    if failed:
        typer.echo(f"quality gate failed: {', '.join(failed)} below the floor", err=True)
        raise typer.Exit(2)


def _print_summary(record) -> None:
    split = record.split
    typer.echo(
        f"{record.dataset} [{split}] {record.samples} samples, model {record.model}, judge {record.judge}, "
        f"{record.seconds:.1f}s"
    )
    if record.usage.calls or record.usage.cache_hits:
        u = record.usage
        located = u.quotes_located / u.quotes_returned if u.quotes_returned else 0.0
        typer.echo(
            f"  LLM: {u.calls} calls ({u.calls / record.samples:.2f}/doc), {u.cache_hits} cache hits, "
            f"{u.input_tokens}+{u.output_tokens} tokens "
            f"({(u.input_tokens + u.output_tokens) / record.samples:,.0f}/doc), "
            f"quotes located {u.quotes_located}/{u.quotes_returned} ({located:.0%}), "
            f"{u.quotes_unsupported} unsupported, {u.behaviors_rejected} non-candidate verdicts, "
            f"{record.judge_fallbacks} fallbacks"
        )
    from evidence_matcher.eval.metrics import COUNT_METRICS

    for key, value in record.metrics.items():
        typer.echo(f"  {key:<24} {value:.0f}" if key in COUNT_METRICS else f"  {key:<24} {value:.3f}")
    typer.echo("  per area (precision / recall / f1, support):")
    for area, m in record.per_area.items():
        typer.echo(f"    {area:<22} {m['precision']:.2f} / {m['recall']:.2f} / {m['f1']:.2f}  ({m['support']})")
    if record.per_genre:
        typer.echo("  per genre (samples: precision / recall / f1, citation precision, abstention on its negatives):")
        for genre, m in record.per_genre.items():
            abstain = f", abstention {m['abstention']:.2f}" if "abstention" in m else ""
            typer.echo(
                f"    {genre:<22} {int(m['samples']):>3}: "
                f"{m['micro_precision']:.2f} / {m['micro_recall']:.2f} / {m['micro_f1']:.2f}, "
                f"citations {m['citation_precision']:.2f}{abstain}"
            )


@eval_app.command("runs")
def eval_runs(
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="How many runs, newest first."),
    log_dir: Path | None = typer.Option(None, "--log-dir", help="Runs folder and history (default: <cache dir>/runs)."),
):
    """List recorded eval runs, newest first."""
    history = _history(settings_from_env(), log_dir)
    rows = history.rows(limit)
    if not rows:
        typer.echo(f"no eval runs recorded in {history.log_dir}")
        return
    typer.echo(
        f"{'id':<24} {'created':<20} {'dataset':<22} {'split':<5} {'n':>4} "
        f"{'judge':<10} {'commit':<9} {'metric':<10} {'value':>6}"
    )
    for r in rows:
        value = "" if r["primary_value"] is None else f"{r['primary_value']:.3f}"
        typer.echo(
            f"{r['id']:<24} {r['created'][:19].replace('T', ' '):<20} {Path(r['dataset']).name[:22]:<22} "
            f"{r['split']:<5} {r['samples']:>4} "
            f"{r['judge'][:10]:<10} {r['git_commit'][:9]:<9} {r['primary_metric'][:10]:<10} {value:>6}"
        )


@eval_app.command("show")
def eval_show(
    run: str = typer.Argument("last", help="A run id, a unique prefix of one, 'last', or a path to a record JSON."),
    fmt: EvalFormat = typer.Option(EvalFormat.table, "--format", "-f"),
    log_dir: Path | None = typer.Option(None, "--log-dir", help="Runs folder and history (default: <cache dir>/runs)."),
):
    """Show a recorded run: what ran (dataset, rubric, model, judge, commit) and its metrics."""
    history = _history(settings_from_env(), log_dir)
    path = history.resolve(run)
    from evidence_matcher.eval.history import load_record

    record = load_record(path)
    if fmt is EvalFormat.json:
        typer.echo(record.model_dump_json(indent=1))
        return
    typer.echo(f"run {record.run_id or '(unlogged)'} ({record.created or 'no date'}), {path}")
    typer.echo(
        f"  dataset {record.dataset} sha256 {record.dataset_sha256[:16]}, "
        f"rubric {record.rubric_id} {record.rubric_fingerprint}"
    )
    dirty = " (uncommitted changes)" if record.git_dirty else ""
    typer.echo(f"  commit {record.git_commit}{dirty}, thresholds fitted on {record.thresholds.get('fitted_on', '?')}")
    _print_summary(record)


@eval_app.command("compare")
def eval_compare(
    run_a: str = typer.Argument(..., help="The baseline run (id, prefix, 'last' or a record JSON)."),
    run_b: str = typer.Argument(..., help="The run to compare with it."),
    resamples: int = typer.Option(2000, "--resamples", min=100, help="Bootstrap resamples."),
    seed: int = typer.Option(20240501, "--seed", help="Bootstrap seed (fixed: the same runs give the same intervals)."),
    fmt: EvalFormat = typer.Option(EvalFormat.table, "--format", "-f"),
    html: Path | None = typer.Option(None, "--html", help="Write the comparison's HTML report here."),
    log_dir: Path | None = typer.Option(None, "--log-dir", help="Runs folder and history (default: <cache dir>/runs)."),
):
    """Metric deltas B - A with paired bootstrap 95% intervals, and the samples whose predictions changed."""
    from evidence_matcher.eval.compare import compare_records

    history = _history(settings_from_env(), log_dir)
    comparison = compare_records(history.load(run_a), history.load(run_b), resamples=resamples, seed=seed)
    if html:
        from evidence_matcher.eval.report import render_compare

        html.write_text(render_compare(comparison), encoding="utf-8")
        typer.echo(f"wrote {html}", err=True)
    if fmt is EvalFormat.json:
        typer.echo(comparison.model_dump_json(indent=1))
        return
    c = comparison
    typer.echo(f"A {c.a.run_id} ({c.a.judge}, {c.a.git_commit})  ->  B {c.b.run_id} ({c.b.judge}, {c.b.git_commit})")
    skipped = f" ({c.only_a} only in A, {c.only_b} only in B: left out)" if c.only_a or c.only_b else ""
    typer.echo(
        f"{c.dataset}: {c.shared_samples} shared samples{skipped}; "
        f"paired bootstrap, {c.resamples} resamples, seed {c.seed}"
    )
    typer.echo(f"  {'metric':<24} {'A':>7} {'B':>7} {'B-A':>8}   95% interval")
    for m in c.metrics:
        mark = " *" if m.significant else ""
        typer.echo(f"  {m.key:<24} {m.a:>7.3f} {m.b:>7.3f} {m.delta:>+8.3f}   [{m.low:+.3f}, {m.high:+.3f}]{mark}")
    typer.echo("  (* the interval excludes zero)")
    if c.per_genre:
        typer.echo("  micro_f1 per genre (samples)")
        for g in c.per_genre:
            mark = " *" if g.delta.significant else ""
            typer.echo(
                f"  {g.genre + f' ({g.samples})':<24} {g.delta.a:>7.3f} {g.delta.b:>7.3f} {g.delta.delta:>+8.3f}   "
                f"[{g.delta.low:+.3f}, {g.delta.high:+.3f}]{mark}"
            )
    typer.echo(f"{len(c.changed)} samples changed predictions:")
    for s in c.changed:
        parts = [
            f"{label} {', '.join(items)}"
            for label, items in (
                ("+gold", s.gained),
                ("-gold", s.lost),
                ("+fp", s.new_false_positives),
                ("-fp", s.fixed_false_positives),
                ("~partial", s.other),
            )
            if items
        ]
        typer.echo(f"  {s.id:<28} errors {s.errors_a} -> {s.errors_b}: {'; '.join(parts)}")


@eval_app.command("report")
def eval_report(
    run: str = typer.Argument("last", help="A run id, a unique prefix of one, 'last', or a path to a record JSON."),
    out: Path = typer.Option(..., "--out", "-o", help="The HTML file to write."),
    log_dir: Path | None = typer.Option(None, "--log-dir", help="Runs folder and history (default: <cache dir>/runs)."),
):
    """Write a run's HTML report: per-behavior F1, area confusion, worst samples with citations."""
    _write_html(out, _history(settings_from_env(), log_dir).load(run))


@eval_app.command("fit")
def eval_fit(
    dataset: Path = typer.Argument(
        ..., help="The development set (its 'fit' split), or a benchmark CSV for a taxonomy (all of it)."
    ),
    rubric: str | None = typer.Option(
        None, "--rubric", "-r", help="Default: the bundled IC6 rubric, or the label list beside a benchmark CSV."
    ),
    write: bool = typer.Option(
        False,
        "--write",
        help="Save as the shipped thresholds of this backend and decision "
        "(matcher/thresholds[.adapted][.onnx-int8].json; for a taxonomy matcher/thresholds.taxonomy.json).",
    ),
    threshold_only: bool = typer.Option(
        False,
        "--threshold-only",
        help="With EVIDENCE_ADAPT=true: keep the fp32 fit's max_rank and item_top_k, refit the threshold (onnx-int8).",
    ),
):
    """Fit the decision thresholds on the fit split of a development set."""
    from evidence_matcher.eval.fit import fit_on_dataset
    from evidence_matcher.matcher.decision import unfitted_params

    settings = settings_from_env()
    if threshold_only and not settings.adapt:
        raise EvidenceError("--threshold-only is for the adapted path: set EVIDENCE_ADAPT=true")
    matcher = build_matcher(settings, params=unfitted_params(settings.adapt))
    params, stats, path = fit_on_dataset(matcher, dataset, rubric, threshold_only, progress=sys.stderr.isatty())
    typer.echo(params.model_dump_json(indent=2))
    typer.echo(", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in stats.items()))
    if write:
        path.write_text(params.model_dump_json(indent=2) + "\n", encoding="utf-8")
        typer.echo(f"wrote {path}")
