"""How much two labellers agree on the dev set, and the matcher beside both.

    python -m evidence_matcher.eval.agreement      # ~30 s

``datasets/ic6-dev.second-labeller.jsonl`` holds 65 samples of the dev set's fit split (its
incident reviews, promo docs, manager notes and peer feedback labelled under the strict rule)
labelled a second time by labellers who saw only the texts and the labelling rules: never the
dev set's labels, never the matcher's output. Scored with ``evidence eval``'s scorer (a
reference's partial behaviors count neither way): the second labelling against the dev labels
and the other way round, then the shipped matcher against each. If two readers agree far
more often than the matcher agrees with either, the labels are not what holds its F1 back.
Only the fit split is used, so nothing here reads the test split.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

from evidence_matcher.cache import default_cache_dir

from .dataset import Sample, load_dataset
from .metrics import Counts, sample_counts

DATASETS = Path(__file__).resolve().parent / "datasets"
DEV = DATASETS / "ic6-dev.jsonl"
SECOND = DATASETS / "ic6-dev.second-labeller.jsonl"
GENRES = ("incident-review", "promo-doc")


def paired(dev: list[Sample], second: list[Sample]) -> list[tuple[Sample, Sample]]:
    """(dev sample, its second labelling) for every second-labelled sample; the texts must be the same."""
    by_id = {s.id: s for s in dev}
    out = []
    for other in second:
        mine = by_id.get(other.id)
        if mine is None or mine.text != other.text:
            raise ValueError(f"{other.id}: not a dev-set sample with the same text")
        out.append((mine, other))
    return out


def agreement(predicted: list[set[str]], reference: list[Sample]) -> dict[str, Counts]:
    """Micro counts of ``predicted`` against ``reference``'s labels, overall ("all") and per genre."""
    out: dict[str, Counts] = defaultdict(Counts)
    for behaviors, ref in zip(predicted, reference, strict=True):
        for counts in sample_counts(behaviors, ref.gold, set(ref.partial)).values():
            out["all"].add(counts)
            out[ref.genre].add(counts)
    return out


def describe(counts: dict[str, Counts]) -> str:
    def one(c: Counts) -> str:
        p, r, f = c.prf()
        return f"{f:.3f} (P {p:.3f} R {r:.3f})"

    return "  ".join([f"all {one(counts['all'])}"] + [f"{g} {one(counts[g])}" for g in GENRES if g in counts])


def main(argv: list[str] | None = None) -> int:
    from evidence_matcher.eval.analysis import analyze_samples
    from evidence_matcher.matcher.spec import MatcherSpec
    from evidence_matcher.rubrics.store import load_rubric

    args = sys.argv[1:] if argv is None else argv
    rubric = load_rubric("ic6-principal-reliability-engineer")
    pairs = paired(load_dataset(DEV, rubric, "fit"), load_dataset(Path(args[0]) if args else SECOND, rubric))
    dev, second = [p[0] for p in pairs], [p[1] for p in pairs]
    matcher = MatcherSpec(default_cache_dir()).load()
    index = matcher.rubric_index(rubric)
    found = [{m.behavior_id for m in matcher.decide(a, index).matches} for a in analyze_samples(matcher, dev, index)]
    genres = Counter(s.genre for s in dev)
    print(f"{len(pairs)} fit-split samples ({', '.join(f'{n} {g}' for g, n in genres.items())}); micro-F1:")
    rows = {
        "second labelling against the dev labels": agreement([s.gold for s in second], dev),
        "dev labels against the second labelling": agreement([s.gold for s in dev], second),
        "matcher against the dev labels": agreement(found, dev),
        "matcher against the second labelling": agreement(found, second),
    }
    for name, counts in rows.items():
        print(f"  {name:42s} {describe(counts)}")
    both = sum(1 for a, b in pairs if not a.gold and not b.gold)
    either = sum(1 for a, b in pairs if not a.gold or not b.gold)
    print(f"  samples with no evidence: both labellers {both}, at least one {either}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
