"""Scorers: small functions from (predictions, gold) to metric dicts.

Keys are stable and appear as-is in JSON results: ``micro_f1`` (primary),
``micro_precision``, ``micro_recall``, ``macro_f1``..., ``citation_precision``,
``rp@5``, ``mrr``...
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import get_args

from evidence_matcher.matcher.result import Strength


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f


def sample_counts(predicted: set[str], gold: set[str], partial: set[str]) -> dict[str, Counts]:
    """Per-behavior counts for one sample; arguable (partial) behaviors are not scored."""
    out: dict[str, Counts] = {}
    for bid in predicted | gold:
        if bid in partial and bid not in gold:
            continue
        out[bid] = Counts(
            tp=int(bid in predicted and bid in gold),
            fp=int(bid in predicted and bid not in gold),
            fn=int(bid in gold and bid not in predicted),
        )
    return out


@dataclass
class SetScores:
    micro: Counts = field(default_factory=Counts)
    per_behavior: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    per_area: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))

    def add(self, counts: dict[str, Counts], area_of: dict[str, str]) -> None:
        for bid, c in counts.items():
            self.micro.add(c)
            self.per_behavior[bid].add(c)
            self.per_area[area_of[bid]].add(c)

    def metrics(self) -> dict[str, float]:
        p, r, f = self.micro.prf()
        scored = [c for c in self.per_behavior.values() if c.tp + c.fn > 0]  # behaviors with gold support
        macro = [c.prf() for c in scored]
        n = len(macro) or 1
        return {
            "micro_precision": p,
            "micro_recall": r,
            "micro_f1": f,
            "macro_precision": sum(m[0] for m in macro) / n,
            "macro_recall": sum(m[1] for m in macro) / n,
            "macro_f1": sum(m[2] for m in macro) / n,
        }

    def breakdown(self, table: dict[str, Counts]) -> dict[str, dict[str, float]]:
        out = {}
        for key, c in sorted(table.items()):
            p, r, f = c.prf()
            out[key] = {
                "precision": p,
                "recall": r,
                "f1": f,
                "support": c.tp + c.fn,
                "tp": c.tp,
                "fp": c.fp,
                "fn": c.fn,
            }
        return out


def overlaps(span: tuple[int, int], others: list[tuple[int, int]]) -> bool:
    return any(span[0] < e and s < span[1] for s, e in others)


@dataclass
class CitationScores:
    """Citations of correctly matched behaviors (``citation_*``) and of all scored ones (``*_all``)."""

    hit: int = 0
    returned: int = 0
    hit_all: int = 0
    returned_all: int = 0
    gold_found: int = 0
    gold_total: int = 0

    def add(
        self, behavior_id: str, citations: list[tuple[int, int]], gold_spans: list[tuple[int, int]], scored: bool
    ) -> None:
        hits = sum(overlaps(c, gold_spans) for c in citations)
        if scored:
            self.hit_all += hits
            self.returned_all += len(citations)
        if gold_spans:
            self.hit += hits
            self.returned += len(citations)
            self.gold_found += sum(overlaps(g, citations) for g in gold_spans)
            self.gold_total += len(gold_spans)

    def merge(self, other: CitationScores) -> None:
        for name in ("hit", "returned", "hit_all", "returned_all", "gold_found", "gold_total"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def metrics(self) -> dict[str, float]:
        return {
            "citation_precision": self.hit / self.returned if self.returned else 0.0,
            "citation_precision_all": self.hit_all / self.returned_all if self.returned_all else 0.0,
            "citation_recall": self.gold_found / self.gold_total if self.gold_total else 0.0,
        }


def ranking_metrics(ranked: list[list[str]], gold: list[set[str]], ks: tuple[int, ...] = (5, 10)) -> dict[str, float]:
    """RP@K (hits in the top K / min(K, |gold|)), MRR and nDCG@10, over samples with gold labels."""
    import math

    rows = [(r, g) for r, g in zip(ranked, gold, strict=True) if g]
    if not rows:
        return {}
    out: dict[str, float] = {}
    for k in ks:
        out[f"rp@{k}"] = sum(len(set(r[:k]) & g) / min(k, len(g)) for r, g in rows) / len(rows)
    out["mrr"] = sum(next((1 / (i + 1) for i, b in enumerate(r) if b in g), 0.0) for r, g in rows) / len(rows)
    ndcg = 0.0
    for r, g in rows:
        dcg = sum(1 / math.log2(i + 2) for i, b in enumerate(r[:10]) if b in g)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(g))))
        ndcg += dcg / ideal
    out["ndcg@10"] = ndcg / len(rows)
    return out


STRENGTHS: tuple[Strength, ...] = get_args(Strength)  # strong, moderate, weak: the match result's own labels
# Every key a record's ``metrics`` can hold (``abstention`` needs negatives, ``precision.<strength>`` flags of that
# strength, ``bias.*`` needs --bias), and the short names ``--fail-under`` accepts for them.
METRIC_KEYS = (
    "micro_precision",
    "micro_recall",
    "micro_f1",
    "macro_precision",
    "macro_recall",
    "macro_f1",
    "citation_precision",
    "citation_precision_all",
    "citation_recall",
    "rp@5",
    "rp@10",
    "mrr",
    "ndcg@10",
    "abstention",
    *(f"precision.{s}" for s in STRENGTHS),
    "bias.swapped_samples",
    "bias.changed_samples",
    "bias.changed_share",
    "bias.added",
    "bias.removed",
    "bias.micro_f1",
)
COUNT_METRICS = frozenset(
    {"bias.swapped_samples", "bias.changed_samples", "bias.added", "bias.removed"}
)  # counts, not rates
METRIC_ALIASES = {"f1": "micro_f1", "precision": "micro_precision", "recall": "micro_recall"}


def strength_counts(result) -> dict[str, Counts]:
    """One sample's flags per strength: gold ones are tp, the others fp (arguable ones not scored)."""
    counts = {s: Counts() for s in STRENGTHS}
    for bid, strength in result.strengths.items():
        if bid in result.gold:
            counts[strength].tp += 1
        elif bid not in result.partial:
            counts[strength].fp += 1
    return counts


def strength_precision(results) -> dict[str, float]:
    """``precision.<strength>``: of the behaviors flagged at each strength, the share that are gold.
    A strength label is worth showing only if these fall from strong to weak."""
    total = {s: Counts() for s in STRENGTHS}
    for r in results:
        for s, c in strength_counts(r).items():
            total[s].add(c)
    return {f"precision.{s}": c.prf()[0] for s, c in total.items() if c.tp + c.fp}


def genre_metrics(results) -> dict[str, dict[str, float]]:
    """Per ``genre`` of the samples (those that have one): micro P/R/F1 from the per-sample
    counts, citation precision, and abstention on the genre's negatives."""
    by_genre: dict[str, list] = defaultdict(list)
    for r in results:
        if r.genre:
            by_genre[r.genre].append(r)
    out: dict[str, dict[str, float]] = {}
    for genre, rows in sorted(by_genre.items()):
        counts, cites = Counts(), CitationScores()
        for r in rows:
            counts.add(Counts(r.tp, r.fp, r.fn))
            cites.merge(r.citation_counts)
        p, r_, f = counts.prf()
        negatives = [r for r in rows if not r.gold]
        out[genre] = {
            "samples": len(rows),
            "micro_precision": p,
            "micro_recall": r_,
            "micro_f1": f,
            "citation_precision": cites.metrics()["citation_precision"],
            **({"abstention": sum(not r.predicted for r in negatives) / len(negatives)} if negatives else {}),
        }
    return out
