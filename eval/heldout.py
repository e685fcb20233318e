"""Quality on ladders without examples: the held-apart documents of ``other-ladders/``.

    python -m evidence_matcher.eval.heldout [eval/datasets/other-ladders/heldout.jsonl]

The documents are written for three imported ladders that carry no ``examples`` (FT
Engineer and Kensho Staff SRE, whose other documents the verifier trained on, and Dropbox
IC4 Reliability Engineer, which it never saw). None of these documents was trained on or
used to choose anything. Reported: document-level micro-F1 of the shipped matcher (its
thresholds fitted on the IC6 dev set's fit split), and RP@5 of its behavior ranking
against plain cosine similarity (each behavior's best sentence) of each shipped base model:
all-MiniLM-L6-v2 (``rp@5_plain_cosine``, the issue's baseline) and all-mpnet-base-v2, the
evidence encoder's base before its adapter (``rp@5_plain_cosine_mpnet``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from evidence_matcher.cache import default_cache_dir
from evidence_matcher.index.base_models import shipped_model_dir
from evidence_matcher.index.encoder import adapter_base
from evidence_matcher.matcher.decision import DecisionParams
from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.matcher.spec import MatcherSpec

from .corpus import Document, ladder_rubric, load_documents
from .metrics import Counts, ranking_metrics

HELDOUT = Path(__file__).resolve().parent / "datasets" / "other-ladders" / "heldout.jsonl"


def _gold(doc: Document) -> set[str]:
    return {b for seg in doc.segments for b in seg.behaviors}


def _rankings(matcher: Matcher, docs: list[Document], index) -> tuple[list[list[str]], list]:
    analyses = matcher.analyze_many([d.text for d in docs], index)
    ranked = []
    for analysis in analyses:
        support = analysis.support
        best = support.max(axis=0) if support.size else np.zeros(len(index.behavior_ids))
        ranked.append([index.behavior_ids[i] for i in (-best).argsort(kind="stable")[:10]])
    return ranked, analyses


def evaluate_heldout(matcher: Matcher, plains: dict[str, Matcher], docs: list[Document]) -> dict:
    """``plains``: the plain-cosine baselines, by the suffix of their metric's key."""
    out: dict[str, dict] = {}
    total = Counts()
    all_ranked: list = []
    all_gold: list = []
    all_plain: dict[str, list] = {key: [] for key in plains}
    for ladder in sorted({d.ladder for d in docs}):
        mine = [d for d in docs if d.ladder == ladder]
        rubric = ladder_rubric(ladder)
        index = matcher.rubric_index(rubric)
        ranked, analyses = _rankings(matcher, mine, index)
        plain_ranked = {key: _rankings(plain, mine, plain.rubric_index(rubric))[0] for key, plain in plains.items()}
        counts = Counts()
        for doc, analysis in zip(mine, analyses, strict=True):
            predicted = {m.behavior_id for m in matcher.decide(analysis, index).matches}
            gold = _gold(doc)
            counts.add(Counts(len(predicted & gold), len(predicted - gold), len(gold - predicted)))
        total.add(counts)
        gold_sets = [_gold(d) for d in mine]
        p, r, f = counts.prf()
        out[ladder] = {
            "documents": len(mine),
            "micro_precision": p,
            "micro_recall": r,
            "micro_f1": f,
            "rp@5": ranking_metrics(ranked, gold_sets).get("rp@5", 0.0),
            **{
                f"rp@5_plain_cosine{key}": ranking_metrics(plain_ranked[key], gold_sets).get("rp@5", 0.0)
                for key in plains
            },
        }
        all_ranked += ranked
        for key in plains:
            all_plain[key] += plain_ranked[key]
        all_gold += gold_sets
    p, r, f = total.prf()
    out["all"] = {
        "documents": len(docs),
        "micro_precision": p,
        "micro_recall": r,
        "micro_f1": f,
        "rp@5": ranking_metrics(all_ranked, all_gold)["rp@5"],
        **{f"rp@5_plain_cosine{key}": ranking_metrics(all_plain[key], all_gold)["rp@5"] for key in plains},
    }
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else HELDOUT
    cache = default_cache_dir()
    docs = load_documents([path])
    matcher = MatcherSpec(cache).load()
    # Plain cosine: a bare base model, each behavior's best item (its text or one of its sentences).
    ranking = DecisionParams(threshold=1.0, max_rank=1, item_top_k=1, moderate=1.0, strong=1.0)
    plains = {
        "": MatcherSpec(cache, encoder=False, params=ranking).load(),
        "_mpnet": MatcherSpec(
            cache,
            model_dir=shipped_model_dir(adapter_base(), cache),  # the evidence encoder's own base
            backend="torch",
            encoder=False,
            params=ranking,
        ).load(),
    }
    result = evaluate_heldout(matcher, plains, docs)
    for ladder, m in result.items():
        print(
            f"{ladder:<26} {m['documents']:>3} docs  "
            f"P {m['micro_precision']:.3f}  R {m['micro_recall']:.3f}  F1 {m['micro_f1']:.3f}  "
            f"RP@5 {m['rp@5']:.3f} (plain cosine: MiniLM {m['rp@5_plain_cosine']:.3f}, "
            f"mpnet {m['rp@5_plain_cosine_mpnet']:.3f})"
        )
    if "--json" in argv:
        print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
