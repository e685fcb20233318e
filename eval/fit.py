"""Fit the decision parameters on the fit split of a development set.

A grid search over (item_top_k, threshold, max_rank) maximising micro-F1, ties broken by higher
precision; strength cut-offs are the terciles of the true positives' scores at the
chosen parameters. Report quality on the other split: never on what was fitted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from evidence_matcher.index.rubric_index import RubricIndex
from evidence_matcher.matcher.decision import Analysis, DecisionParams, decide, evidence_mask

from .dataset import Sample
from .metrics import CitationScores, Counts, sample_counts

THRESHOLDS = np.round(np.arange(0.25, 0.85, 0.01), 2)
MAX_RANKS = (1, 2, 3, 4, 5)
CITATION_COUNTS = (1, 2, 3)
CITATION_MARGINS = (0.02, 0.05, 0.1, 1.0)
ITEM_TOP_KS = (1, 2, 3)
JUDGE_FLOOR_MIN = 1e-4  # "the verifier saw this pair": candidates score > 0, the others exactly 0


def _predicted(
    analysis: Analysis, behavior_ids: list[str], threshold: float, max_rank: int, runner_up_margin: float = 0.0
) -> dict[str, float]:
    support = analysis.support
    mask = evidence_mask(support, threshold, max_rank, runner_up_margin)
    cols = np.flatnonzero(mask.any(axis=0))
    return {behavior_ids[c]: float(support[mask[:, c], c].max()) for c in cols}


def _top_behaviors(support: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(segments, k) columns and scores of each segment's k best behaviors, in ``evidence_mask``'s rank order."""
    if support.size == 0:
        return np.zeros((0, 0), dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    cols = np.argsort(-support, axis=1, kind="stable")[:, :k]
    return cols, np.take_along_axis(support, cols, axis=1)


def _predicted_from_top(
    top: tuple[np.ndarray, np.ndarray], behavior_ids: list[str], threshold: float, max_rank: int
) -> set[str]:
    """The behaviors ``_predicted`` gives for these thresholds, read from the precomputed top ranks."""
    cols, scores = top
    hit = scores[:, :max_rank] >= threshold
    return {behavior_ids[c] for c in np.unique(cols[:, :max_rank][hit])}


def micro_counts(
    samples: list[Sample],
    analyses: list[Analysis],
    behavior_ids: list[str],
    threshold: float,
    max_rank: int,
    runner_up_margin: float = 0.0,
) -> tuple[Counts, list[float]]:
    total, tp_scores = Counts(), []
    for sample, analysis in zip(samples, analyses, strict=True):
        predicted = _predicted(analysis, behavior_ids, threshold, max_rank, runner_up_margin)
        for bid, c in sample_counts(set(predicted), sample.gold, set(sample.partial)).items():
            total.add(c)
            if c.tp:
                tp_scores.append(predicted[bid])
    return total, tp_scores


def best_threshold(
    samples: list[Sample],
    analyses: list[Analysis],
    behavior_ids: list[str],
    thresholds,
    max_rank: int,
    runner_up_margin: float = 0.0,
) -> tuple[float, tuple[float, float, float]]:
    """The threshold with the best micro-F1 (ties to higher precision), and its P/R/F1."""
    best = None
    for threshold in thresholds:
        counts, _ = micro_counts(samples, analyses, behavior_ids, float(threshold), max_rank, runner_up_margin)
        p, r, f = counts.prf()
        key = (round(f, 6), round(p, 6))
        if best is None or key > best[0]:
            best = (key, float(threshold), (p, r, f))
    return best[1], best[2]


def rescored(analyses: list[Analysis], index: RubricIndex, item_top_k: int) -> list[Analysis]:
    out = []
    for a in analyses:
        scores, best = index.behavior_scores(a.vectors, item_top_k)
        out.append(Analysis(a.segments, a.vectors, scores, best))
    return out


def fit_params(
    samples: list[Sample], analyses: list[Analysis], index: RubricIndex, fitted_on: str, model_id: str
) -> tuple[DecisionParams, dict]:
    if analyses and analyses[0].evidence is not None:
        return fit_verifier_params(samples, analyses, index, fitted_on, model_id)
    behavior_ids = index.behavior_ids
    best = None
    for item_top_k in ITEM_TOP_KS:
        # Each sentence's few best behaviors, ranked once: the grid's (max_rank, threshold) cells only
        # read those, and ranking a 13,896-label taxonomy again for each cell took minutes.
        tops = [_top_behaviors(a.support, max(MAX_RANKS)) for a in rescored(analyses, index, item_top_k)]
        for max_rank in MAX_RANKS:
            for threshold in THRESHOLDS:
                counts = Counts()
                for sample, top in zip(samples, tops, strict=True):
                    predicted = _predicted_from_top(top, behavior_ids, float(threshold), max_rank)
                    for c in sample_counts(predicted, sample.gold, set(sample.partial)).values():
                        counts.add(c)
                p, r, f = counts.prf()
                key = (round(f, 6), round(p, 6))
                if best is None or key > best[0]:
                    best = (key, float(threshold), max_rank, item_top_k, (p, r, f))
    _, threshold, max_rank, item_top_k, (p, r, f) = best
    _, tp_scores = micro_counts(samples, rescored(analyses, index, item_top_k), behavior_ids, threshold, max_rank)
    moderate, strong = np.quantile(tp_scores, [1 / 3, 2 / 3]) if tp_scores else (threshold, threshold)
    params = DecisionParams(
        threshold=threshold,
        max_rank=max_rank,
        item_top_k=item_top_k,
        moderate=round(float(moderate), 4),
        strong=round(float(strong), 4),
        fitted_on=fitted_on,
        model_id=model_id,
    )
    scored = rescored(analyses, index, item_top_k)
    params, citation_stats = fit_citations(samples, scored, index, params)
    params = params.model_copy(update=fit_judge_gate(samples, scored, index))
    return params, _fit_stats(len(samples), (p, r, f), citation_stats)


VERIFIER_THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.01), 2)


def _fit_stats(samples: int, prf: tuple[float, float, float], citation_stats: dict) -> dict:
    """What a fit reports beside its parameters: micro P/R/F1 on the fit split, and the citation fit's."""
    p, r, f = prf
    stats = {"fit_micro_precision": p, "fit_micro_recall": r, "fit_micro_f1": f}
    return {**stats, **citation_stats, "fit_samples": samples}


def fit_verifier_params(
    samples: list[Sample],
    analyses: list[Analysis],
    index: RubricIndex,
    fitted_on: str,
    model_id: str,
    runner_up_margin: float = 0.0,
) -> tuple[DecisionParams, dict]:
    """The verifier's probability threshold (micro-F1, ties to higher precision), strength
    cut-offs (terciles of true positives), citations, and the judge gate. The verifier
    itself already chose among each sentence's candidates, so there is no rank to fit;
    ``runner_up_margin`` is given, not fitted (see ``WITHOUT_BANK_RUNNER_UP_MARGIN``)."""
    max_rank = len(index.behavior_ids)  # no rank gate: pairs that were not candidates have probability 0
    ids = index.behavior_ids
    threshold, (p, r, f) = best_threshold(samples, analyses, ids, VERIFIER_THRESHOLDS, max_rank, runner_up_margin)
    _, tp_scores = micro_counts(samples, analyses, ids, threshold, max_rank, runner_up_margin)
    moderate, strong = np.quantile(tp_scores, [1 / 3, 2 / 3]) if tp_scores else (threshold, threshold)
    params = DecisionParams(
        decision="verifier",
        threshold=threshold,
        max_rank=max(1, max_rank),
        runner_up_margin=runner_up_margin,
        item_top_k=3,
        moderate=round(float(moderate), 4),
        strong=round(float(strong), 4),
        fitted_on=fitted_on,
        model_id=model_id,
    )
    params, citation_stats = fit_citations(samples, analyses, index, params)
    # The judge path: a low probability floor that keeps 98% of the fit split's gold evidence
    # sentences, and no rank gate (the verifier already saw only each sentence's candidates).
    # The floor is never 0: a pair that was not a candidate has probability exactly 0, and
    # the judge may not cite a sentence for a behavior the verifier never saw it with. (A
    # fixed minimum of 0.005 cut 3% of gold evidence once the verifier grew sharper.)
    gate = fit_judge_gate(samples, analyses, index, keep=0.98)
    gate = {
        "judge_floor": max(JUDGE_FLOOR_MIN, gate.get("judge_floor", JUDGE_FLOOR_MIN)),
        "judge_max_rank": max_rank,
    }
    params = params.model_copy(update=gate)
    return params, _fit_stats(len(samples), (p, r, f), citation_stats)


def fit_judge_gate(samples: list[Sample], analyses: list[Analysis], index: RubricIndex, keep: float = 0.9) -> dict:
    """Which sentences the LLM judge may cite for a behavior: those the retriever (or the
    verifier) finds at least as plausible as ``keep`` of the gold evidence sentences of the
    fit split."""
    scores, ranks = [], []
    for sample, analysis in zip(samples, analyses, strict=True):
        support = analysis.support
        if support.size == 0:
            continue
        rank = np.argsort(np.argsort(-support, axis=1, kind="stable"), axis=1, kind="stable")
        for behavior_id in sample.gold:
            col = index.behavior_ids.index(behavior_id)
            spans = sample.spans(behavior_id)
            rows = [
                i for i, seg in enumerate(analysis.segments) if any(seg.start < e and s < seg.end for s, e in spans)
            ]
            if rows:
                best = max(rows, key=lambda r: support[r, col])
                scores.append(float(support[best, col]))
                ranks.append(int(rank[best, col]) + 1)
    if not scores:
        return {}
    return {
        "judge_floor": round(float(np.quantile(scores, 1 - keep)), 4),
        "judge_max_rank": int(np.ceil(np.quantile(ranks, keep))),
    }


def fit_citations(
    samples: list[Sample], analyses: list[Analysis], index: RubricIndex, params: DecisionParams
) -> tuple[DecisionParams, dict]:
    """Choose how many sentences to cite: maximise F0.5 of citation precision and recall
    (a wrong quote costs a reviewer's trust more than a missing second one)."""
    best = None
    for max_citations in CITATION_COUNTS:
        for margin in CITATION_MARGINS:
            trial = params.model_copy(update={"max_citations": max_citations, "citation_margin": margin})
            scores = CitationScores()
            for sample, analysis in zip(samples, analyses, strict=True):
                for match in decide(analysis, index, trial).matches:
                    spans = sample.spans(match.behavior_id)
                    scores.add(
                        match.behavior_id, [(c.start, c.end) for c in match.citations], spans, scored=bool(spans)
                    )
            m = scores.metrics()
            cp, cr = m["citation_precision"], m["citation_recall"]
            f_half = 1.25 * cp * cr / (0.25 * cp + cr) if cp + cr else 0.0
            if best is None or f_half > best[0] + 1e-9:
                best = (f_half, trial, cp, cr)
    _, chosen, cp, cr = best
    return chosen, {"fit_citation_precision": cp, "fit_citation_recall": cr}


def refit_threshold(
    samples: list[Sample], analyses, index: RubricIndex, reference: DecisionParams, fitted_on: str, model_id: str
) -> tuple[DecisionParams, dict]:
    """Refit only the threshold of a model variant, keeping the reference fit's ``max_rank`` and ``item_top_k``.

    A quantized model's vectors are within ~1% (cosine) of the fp32 ones, but the full grid
    search over (item_top_k, max_rank, threshold) on a few dozen samples is unstable under
    such a nudge (README, Speed: int8). Both structural choices were made on the fit split
    with the reference model; this searches the similarity threshold, then the strength
    cut-offs, citations and judge gate as ``fit_params`` does. For the per-rubric adapted
    path (similarity thresholds).
    """
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
    return params, _fit_stats(len(samples), (p, r, f), citation_stats)


def fit_on_dataset(
    matcher, dataset, rubric: str | None, threshold_only: bool = False, progress: bool = False
) -> tuple[DecisionParams, dict, Path]:
    """Fit ``matcher``'s decision thresholds on ``dataset`` (the one place thresholds are fitted:
    ``evidence eval fit``): the fit split of a JSONL dev set, or all of a benchmark CSV (SkillSkape
    dev, for taxonomies). Returns the parameters, their fit statistics and the file they belong in.
    ``threshold_only`` refits the threshold of the adapted path's shipped fp32 thresholds
    (``refit_threshold``), e.g. for onnx-int8."""
    from evidence_matcher.matcher.decision import TAXONOMY_PARAMS_PATH, load_params, params_path
    from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID

    from .analysis import analyze_samples
    from .dataset import file_sha256
    from .esco import load_eval_data

    dataset = Path(dataset)
    split = "fit" if dataset.suffix == ".jsonl" else "all"
    loaded, samples, split = load_eval_data(dataset, rubric, split, DEFAULT_RUBRIC_ID)
    index = matcher.rubric_index(loaded)
    analyses = analyze_samples(matcher, samples, index, progress=progress)
    fitted_on = f"{dataset.name}@{file_sha256(dataset)[:12]} split={split}"
    taxonomy = index.rubric.kind == "taxonomy"
    path = TAXONOMY_PARAMS_PATH if taxonomy else params_path(matcher.backend, matcher.adapt, matcher.profile.thresholds)
    if threshold_only:
        reference = load_params(params_path("onnx", adapt=True))
        params, stats = refit_threshold(samples, analyses, index, reference, fitted_on, index.embedder.model_id)
    else:
        params, stats = fit_params(samples, analyses, index, fitted_on, index.embedder.model_id)
    if params.decision == "verifier" and matcher.verifier is not None and matcher.verifier.fallback is not None:
        params, stats = fit_without_bank(matcher, samples, index, params, stats, progress)
    return params, stats, path


# What the fallback network's probabilities set; the rest (item_top_k, max_rank) is the verifier's.
WITHOUT_BANK_FIELDS = (
    "threshold",
    "runner_up_margin",
    "moderate",
    "strong",
    "judge_floor",
    "max_citations",
    "citation_margin",
)
# A ladder with no bank rows is one the fallback never trained on, and there a sentence clears the
# threshold for two or three close neighbours. Chosen by leave-one-ladder-out over the corpus's ten
# other ladders (``python -m evidence_matcher.eval.unseen_ladder``: F1 0.729 -> 0.741, chosen in each
# fold at 0.14-0.16), not on this fit split, which reads a ladder the fallback trained on.
WITHOUT_BANK_RUNNER_UP_MARGIN = 0.15


def fit_without_bank(
    matcher, samples: list[Sample], index: RubricIndex, params: DecisionParams, stats: dict, progress: bool = False
) -> tuple[DecisionParams, dict]:
    """The same fit for a rubric with no evidence-bank rows: the dev set read with the bank
    hidden, so the verifier's fallback network decides (``matcher.verifier.FALLBACK_PATH``)."""
    from .analysis import analyze_samples

    hidden = matcher.without_bank()
    analyses = analyze_samples(hidden, samples, index, progress=progress)  # the same index, its bank unread
    alone, alone_stats = fit_verifier_params(
        samples, analyses, index, params.fitted_on, params.model_id, WITHOUT_BANK_RUNNER_UP_MARGIN
    )
    without = {name: getattr(alone, name) for name in WITHOUT_BANK_FIELDS}
    return params.model_copy(update={"without_bank": without}), {
        **stats,
        "without_bank_fit_micro_f1": alone_stats["fit_micro_f1"],
    }
