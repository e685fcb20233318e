"""HTML reports of an eval run and of a comparison: one self-contained page each (inline
CSS and SVG, no script, no network), rendered from ``eval/templates/`` with Jinja2.

The area confusion heatmap counts, for each sample, where its *false positives* land:
each false positive adds 1 to (gold area, area of the predicted behavior), spread evenly
over the distinct areas of the sample's gold behaviors (1/k to each of k areas) so that
every false positive adds 1 in total; on a sample with no gold behaviors it goes to the
row "no gold". Correct predictions are counted in a separate "hits" column of their own
area, missed gold behaviors in a "missed" column. Partial (arguable) behaviors are not
counted. The diagonal therefore means "right area, wrong behavior".
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from .compare import Comparison
from .metrics import COUNT_METRICS
from .run import EvalRecord

TEMPLATES = Path(__file__).resolve().parent / "templates"
NO_GOLD = "no gold"
WORST = 10
LOWER_IS_BETTER = {"bias.changed_samples", "bias.changed_share", "bias.added", "bias.removed"}


def _env() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True
    )


def _area(record: EvalRecord, behavior_id: str) -> str:
    info = record.behaviors.get(behavior_id)
    return info.area if info else behavior_id.split(".")[0]


def area_confusion(record: EvalRecord) -> dict:
    """Rows: gold areas (+ "no gold"); columns: predicted areas of false positives, then hits and missed."""
    fp: dict[tuple[str, str], float] = defaultdict(float)
    hits: dict[str, int] = defaultdict(int)
    missed: dict[str, int] = defaultdict(int)
    for r in record.results:
        gold_areas = sorted({_area(record, b) for b in r.gold}) or [NO_GOLD]
        for b in r.false_positives:
            for g in gold_areas:
                fp[g, _area(record, b)] += 1 / len(gold_areas)
        for b in set(r.predicted) & set(r.gold):
            hits[_area(record, b)] += 1
        for b in r.false_negatives:
            missed[_area(record, b)] += 1
    order = list(dict.fromkeys([info.area for info in record.behaviors.values()] + sorted(record.per_area)))
    cols = [a for a in order if any(fp.get((g, a)) for g in [*order, NO_GOLD])]
    rows = [a for a in order if hits.get(a) or missed.get(a) or any(fp.get((a, c)) for c in cols)]
    if any(fp.get((NO_GOLD, c)) for c in cols):
        rows.append(NO_GOLD)
    peak = max([*fp.values(), 1e-9])
    peak_side = max([*hits.values(), *missed.values(), 1])
    table = [
        {
            "area": g,
            "cells": [
                {"value": fp.get((g, c), 0.0), "alpha": fp.get((g, c), 0.0) / peak, "col": c, "diagonal": g == c}
                for c in cols
            ],
            "hits": hits.get(g, 0),
            "hits_alpha": hits.get(g, 0) / peak_side,
            "missed": missed.get(g, 0),
            "missed_alpha": missed.get(g, 0) / peak_side,
        }
        for g in rows
    ]
    return {"cols": cols, "rows": table, "total_fp": sum(fp.values())}


def behavior_bars(record: EvalRecord) -> list[dict]:
    groups: dict[str, list] = {}
    order = {b: i for i, b in enumerate(record.behaviors)}
    for bid in sorted(record.per_behavior, key=lambda b: (order.get(b, len(order)), b)):
        m = record.per_behavior[bid]
        info = record.behaviors.get(bid)
        groups.setdefault(_area(record, bid), []).append({"id": bid, "text": info.text if info else "", **m})
    return [{"area": area, "items": items} for area, items in groups.items()]


def worst_samples(record: EvalRecord, n: int = WORST) -> list[dict]:
    ranked = sorted(
        (r for r in record.results if r.fp + r.fn or r.false_positives or r.false_negatives),
        key=lambda r: (-(len(r.false_positives) + len(r.false_negatives)), r.id),
    )
    out = []
    for r in ranked[:n]:
        gold, partial = set(r.gold), set(r.partial)
        predicted = [
            {
                "id": b,
                "kind": "hit" if b in gold else "partial" if b in partial else "fp",
                # A partial behavior has no gold span: its quotes are neither right nor wrong.
                "quotes": [
                    {"text": q, "hit": h if b not in partial or b in gold else None}
                    for q, h in zip(
                        r.quotes.get(b, []),
                        r.citation_hits.get(b, []) or [None] * len(r.quotes.get(b, [])),
                        strict=False,
                    )
                ],
                "text": record.behaviors[b].text if b in record.behaviors else "",
            }
            for b in r.predicted
        ]
        missed = [
            {
                "id": b,
                "evidence": r.gold_evidence.get(b, []),
                "text": record.behaviors[b].text if b in record.behaviors else "",
            }
            for b in r.false_negatives
        ]
        out.append(
            {
                "id": r.id,
                "errors": len(r.false_positives) + len(r.false_negatives),
                "fp": len(r.false_positives),
                "fn": len(r.false_negatives),
                "gold": r.gold,
                "predicted": predicted,
                "missed": missed,
            }
        )
    return out


def render_run(record: EvalRecord) -> str:
    metrics = [{"key": k, "value": v, "count": k in COUNT_METRICS} for k, v in record.metrics.items()]
    return (
        _env()
        .get_template("run.html")
        .render(
            r=record,
            metrics=metrics,
            bars=behavior_bars(record),
            confusion=area_confusion(record),
            worst=worst_samples(record),
            no_gold=NO_GOLD,
        )
    )


def _ci_plot(comparison: Comparison) -> dict:
    """A shared horizontal scale for the rate metrics' intervals (counts get none)."""
    rates = [m for m in comparison.metrics if m.key not in COUNT_METRICS]
    extent = max([abs(x) for m in rates for x in (m.low, m.high, m.delta) if not math.isnan(x)] + [0.01])
    return {"extent": extent}


def render_compare(comparison: Comparison) -> str:
    rows = []
    plot = _ci_plot(comparison)
    width, pad = 220, 10
    scale = (width / 2 - pad) / plot["extent"]
    for m in comparison.metrics:
        better = (m.delta < 0) if m.key in LOWER_IS_BETTER else (m.delta > 0)
        row = {"m": m, "count": m.key in COUNT_METRICS, "better": better, "svg": None}
        if not row["count"] and not math.isnan(m.low):
            row["svg"] = {
                "x0": width / 2 + m.low * scale,
                "x1": width / 2 + m.high * scale,
                "x": width / 2 + m.delta * scale,
                "mid": width / 2,
                "width": width,
            }
        rows.append(row)
    return _env().get_template("compare.html").render(c=comparison, rows=rows, extent=plot["extent"], width=width)
