"""How the judge path holds up when its model errs, and what the gate's floor buys against it.

    python -m evidence_matcher.eval.judge_errors              # the fit split, ~30 s on 2 cores
    python -m evidence_matcher.eval.judge_errors --split test

The oracle judge (``eval.oracle``) answers from the gold labels; told to, it errs the two ways
a model does: it claims the first wrong candidates it is shown (the most plausible ones) and
misses a share of the gold. Each row is one floor of the plausibility gate (the verifier's
probability a sentence needs before the judge may cite it for a behavior; the shipped floor
keeps 98% of the fit split's gold evidence, so it sits at its minimum), each column one judge.
A higher floor takes from the judge claims the verifier finds implausible, right ones and
wrong ones alike: the table shows which it takes more of. Measured for the README; the shipped
floor is fitted by ``evidence eval fit``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from evidence_matcher.cache import default_cache_dir
from evidence_matcher.matcher.engine import Matcher

from .analysis import analyze_samples
from .oracle import OracleErrors, oracle_judge
from .run import evaluate

DEV = Path(__file__).resolve().parent / "datasets" / "ic6-dev.jsonl"
FLOORS = (1e-4, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5)
JUDGES = {"perfect": OracleErrors(), "1 wrong per call": OracleErrors(1), "1 wrong, 20% missed": OracleErrors(1, 0.2)}


def floor_table(matcher: Matcher, split: str, floors=FLOORS, judges=JUDGES) -> list[tuple[float, dict]]:
    """(floor, {judge: metrics}) for each floor: the run's micro-F1, precision and abstention."""
    from .esco import load_eval_data

    loaded, samples, _ = load_eval_data(DEV, None, split, "ic6-principal-reliability-engineer")
    index = matcher.rubric_index(loaded)
    analyses = analyze_samples(matcher, samples, index)  # the floor and the judge act after it: embed once
    rows = []
    for floor in floors:
        params = matcher.params.model_copy(update={"judge_floor": floor})
        row = {}
        for name, errors in judges.items():
            judged = Matcher(**{**matcher.__dict__, "params": params, "judge": oracle_judge(samples, errors)})
            record = evaluate(judged, samples, index, DEV, split, analyses=analyses)  # type: ignore[arg-type]
            row[name] = record.metrics
        rows.append((floor, row))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("fit", "test"), default="fit")
    args = parser.parse_args(argv)
    matcher = Matcher.load(default_cache_dir())
    print(f"{args.split} split; micro-F1 (precision, abstention) per judge", flush=True)
    print("| judge floor | " + " | ".join(JUDGES) + " |")
    print("|---" * (len(JUDGES) + 1) + "|")
    for floor, row in floor_table(matcher, args.split):
        cells = [
            f"{m['micro_f1']:.3f} ({m['micro_precision']:.3f}, {m.get('abstention', 1.0):.2f})" for m in row.values()
        ]
        print(f"| {floor:g} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
