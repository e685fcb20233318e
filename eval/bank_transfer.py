"""Can a ladder with no evidence-bank rows borrow other ladders' rows? Measured for the README; not shipped.

    python -m evidence_matcher.eval.bank_transfer      # ~12 min on 2 cores

A rubric a user imports has no rows in the evidence bank, so the verifier's no-bank fallback
decides it (F1 0.52 on the never-trained Dropbox IC4 ladder, ``eval.heldout``, against 0.80-0.85
for ladders the bank knows). Ladders overlap: a Dropbox IC4 behavior is often a lower level's
wording of an IC6 one. So here the bank's rows of every *other* ladder are relabelled into the
target ladder's behaviors through their behavior texts (the evidence encoder's vectors of the
texts: each source behavior goes to its most similar target behavior, when that similarity
reaches a floor and, in the ``mutual`` rule, the two are each other's nearest), rows whose label
maps nowhere are dropped, unlabelled rows stay negatives, and the bank network reads that view.

Each ladder is read as if the bank had none of its rows: four corpus ladders (their documents
were trained on, so optimistic for both arms alike) and the IC6 dev set's fit split (never
trained on). Reported at each arm's shipped threshold and at its best; the held-apart documents
of ``eval.heldout`` and the test split are not read.
"""

from __future__ import annotations

import time

import numpy as np

from evidence_matcher.cache import default_cache_dir
from evidence_matcher.matcher.decision import decide
from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.matcher.evidence_bank import EvidenceBank
from evidence_matcher.matcher.spec import MatcherSpec
from evidence_matcher.matcher.verifier import index_features
from evidence_matcher.rubrics.model import Rubric

from .corpus import LADDERS, ladder_rubric, load_documents
from .fit_split_training import fit_split_samples
from .metrics import Counts
from .verifier_train import corpus_files

RULES = (("mutual", 0.5), ("nearest", 0.6), ("nearest", 0.7))  # fixed before the run, not searched
CORPUS_LADDERS = ("dropbox-ic2-swe", "dropbox-m6-director", "kensho-staff-sre", "ft-engineer")
THRESHOLDS = np.round(np.arange(0.5, 0.97, 0.02), 2)


def unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def behavior_texts(matcher: Matcher, bank: EvidenceBank) -> dict[str, tuple[list[str], np.ndarray]]:
    """Per bank rubric (the corpus ladders it holds rows of): behavior ids and unit text vectors."""
    held = set(bank.rubric.tolist())
    out = {}
    for name, (_, rubric_id, _) in LADDERS.items():
        if rubric_id in held:
            index = matcher.rubric_index(ladder_rubric(name))
            out[rubric_id] = (index.behavior_ids, unit(index_features(index).text_vec))
    return out


def borrowed_bank(
    bank: EvidenceBank,
    sources: dict,
    target: Rubric,
    target_ids: list[str],
    target_vecs: np.ndarray,
    rule: str,
    floor: float,
) -> EvidenceBank:
    """The other ladders' bank rows, relabelled into the target's behaviors and filed under its id,
    so the engine reads them as the target's own (``EvidenceBank.view``)."""
    to_target: dict[tuple[str, str], int] = {}
    for rubric_id, (bids, vecs) in sources.items():
        if rubric_id == target.id:
            continue
        sims = vecs @ target_vecs.T  # (source behaviors, target behaviors)
        for i, behavior in enumerate(bids):
            j = int(sims[i].argmax())
            ok = sims[i, j] >= floor and (rule != "mutual" or int(sims[:, j].argmax()) == i)
            to_target[rubric_id, behavior] = j if ok else -1
    usable = np.isin(bank.rubric, list(sources)) & (bank.rubric != target.id)
    labels: list[tuple[int, str]] = []
    for row, behavior in zip(bank.label_row, bank.label_behavior, strict=True):
        column = to_target.get((str(bank.rubric[row]), str(behavior)), -1)
        if column < 0:
            usable[row] = False  # evidence of a behavior the target has no counterpart for: neither side
        else:
            labels.append((int(row), target_ids[column]))
    rows = np.flatnonzero(usable)
    position = np.full(len(usable), -1)
    position[rows] = np.arange(len(rows))
    kept = sorted({(int(position[row]), behavior) for row, behavior in labels if usable[row]})
    return EvidenceBank(
        bank.vectors[rows],
        np.full(len(rows), target.id),
        np.array([row for row, _ in kept], dtype=np.int32),
        np.array([behavior for _, behavior in kept], dtype=str),
    )


def f1_by_threshold(matcher: Matcher, rubric: Rubric, docs: list[tuple[str, set, set]]):
    """The thresholds ``matcher`` decides ``rubric`` at, and {threshold: (F1, precision, recall)} on ``docs``."""
    index = matcher.rubric_index(rubric)
    analyses = matcher.analyze_many([text for text, _, _ in docs], index)
    params = matcher.params_for(index)
    out = {}
    for threshold in THRESHOLDS:
        p = params.model_copy(update={"threshold": float(threshold)})
        total = Counts()
        for analysis, (_, gold, partial) in zip(analyses, docs, strict=True):
            predicted = {m.behavior_id for m in decide(analysis, index, p).matches} - partial
            total.add(Counts(len(predicted & gold), len(predicted - gold), len(gold - predicted)))
        precision, recall, f1 = total.prf()
        out[float(threshold)] = (f1, precision, recall)
    return params.threshold, out


def report(name: str, shipped: float, scores: dict) -> str:
    at = scores[min(scores, key=lambda t: abs(t - shipped))]
    top = max(scores, key=lambda t: scores[t][0])
    return (
        f"  {name:<14} shipped {shipped:.2f}: F1 {at[0]:.3f} (P {at[1]:.3f} R {at[2]:.3f})   "
        f"best {top:.2f}: F1 {scores[top][0]:.3f} (P {scores[top][1]:.3f} R {scores[top][2]:.3f})"
    )


def main() -> int:
    started = time.perf_counter()
    matcher = MatcherSpec(default_cache_dir()).load()
    assert matcher.verifier is not None and matcher.verifier.bank is not None  # the shipped verifier and bank
    bank = matcher.verifier.bank
    sources = behavior_texts(matcher, bank)
    targets = []
    documents = load_documents(corpus_files())
    for name in CORPUS_LADDERS:
        mine = [d for d in documents if d.ladder == name]
        docs = [(d.text, {b for s in d.segments for b in s.behaviors}, set()) for d in mine]
        targets.append((f"{name} (corpus)", ladder_rubric(name), docs))
    samples = fit_split_samples()
    targets.append(("ic6 fit split", ladder_rubric("ic6"), [(s.text, set(s.gold), set(s.partial)) for s in samples]))
    for label, rubric, docs in targets:
        print(f"{label}: {len(docs)} documents", flush=True)
        print(report("fallback", *f1_by_threshold(matcher.without_bank(), rubric, docs)), flush=True)
        index = matcher.rubric_index(rubric)
        target_vecs = unit(index_features(index).text_vec)
        for rule, floor in RULES:
            borrowed = borrowed_bank(bank, sources, rubric, index.behavior_ids, target_vecs, rule, floor)
            covered = len(set(borrowed.label_behavior.tolist()))
            shipped, scores = f1_by_threshold(matcher.with_bank(borrowed), rubric, docs)
            print(
                f"{report(f'{rule} {floor}', shipped, scores)}; {covered}/{len(target_vecs)} behaviors with rows",
                flush=True,
            )
    print(f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
