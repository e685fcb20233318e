"""Refit a model variant's thresholds on the fit split, keeping the reference model's structure.

A quantized model's vectors are within ~1% (cosine) of the fp32 ones, but the full grid search
of ``eval.fit`` over (item_top_k, max_rank, threshold) on 32 samples is unstable under such a
nudge: for the int8 model it picked max_rank 4 and threshold 0.48, which scored micro-F1 0.50
on the test split (0.54 two-fold). This refit keeps the reference fit's ``max_rank`` and
``item_top_k`` (both chosen on the fit split) and searches only the similarity threshold, then
the strength cut-offs, citations and judge gate as ``eval.fit`` does. Fit split only, as ever.

    EVIDENCE_ADAPT=true EVIDENCE_BACKEND=onnx-int8 python -m evidence_matcher.eval.refit eval/datasets/ic6-dev.jsonl [--write]

It is for the per-rubric adapted path (similarity thresholds); the verifier's threshold is
fitted by ``evidence eval fit`` for each backend.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from evidence_matcher.index.rubric_index import RubricIndex
from evidence_matcher.matcher.decision import DecisionParams

from .dataset import Sample
from .fit import THRESHOLDS, best_threshold, fit_citations, fit_judge_gate, micro_counts, rescored


def refit_threshold(
    samples: list[Sample], analyses, index: RubricIndex, reference: DecisionParams, fitted_on: str, model_id: str
) -> tuple[DecisionParams, dict]:
    scored = rescored(analyses, index, reference.item_top_k)
    threshold, (p, r, f) = best_threshold(samples, scored, index.behavior_ids, THRESHOLDS, reference.max_rank)
    _, tp_scores = micro_counts(samples, scored, index.behavior_ids, threshold, reference.max_rank)
    moderate, strong = np.quantile(tp_scores, [1 / 3, 2 / 3]) if tp_scores else (threshold, threshold)
    params = DecisionParams(
        threshold=threshold,
        max_rank=reference.max_rank,
        item_top_k=reference.item_top_k,
        moderate=round(float(moderate), 4),
        strong=round(float(strong), 4),
        fitted_on=f"{fitted_on} (max_rank, item_top_k from {reference.model_id})",
        model_id=model_id,
    )
    params, citation_stats = fit_citations(samples, scored, index, params)
    params = params.model_copy(update=fit_judge_gate(samples, scored, index))
    return params, {
        "fit_micro_precision": p,
        "fit_micro_recall": r,
        "fit_micro_f1": f,
        **citation_stats,
        "fit_samples": len(samples),
    }


def main(argv: list[str]) -> None:
    from evidence_matcher.api.cli.common import build_matcher, settings_from_env
    from evidence_matcher.errors import EvidenceError
    from evidence_matcher.matcher.decision import load_params, params_path
    from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID

    from .dataset import file_sha256, load_dataset
    from .run import analyze_samples

    dataset, write = Path(argv[0]), "--write" in argv
    settings = settings_from_env()
    if not settings.adapt:
        raise SystemExit(
            str(
                EvidenceError(
                    "refit is for the adapted path: run it with EVIDENCE_ADAPT=true (the verifier's threshold: evidence eval fit ... --write)"
                )
            )
        )
    matcher = build_matcher(settings)
    index = matcher.rubric_index(DEFAULT_RUBRIC_ID)
    samples = load_dataset(dataset, index.rubric, "fit")
    analyses = analyze_samples(matcher, samples, index)
    fitted_on = f"{dataset.name}@{file_sha256(dataset)[:12]} split=fit"
    params, stats = refit_threshold(
        samples, analyses, index, load_params(params_path("onnx", adapt=True)), fitted_on, index.embedder.model_id
    )
    print(params.model_dump_json(indent=2))
    print(", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in stats.items()))
    if write:
        out = params_path(settings.backend, adapt=True)
        out.write_text(params.model_dump_json(indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
