"""Does a group of the verifier's features help? Measured for the README; chose the shipped features.

    python -m evidence_matcher.eval.feature_groups neighbour      # ~35 min on 2 cores
    python -m evidence_matcher.eval.feature_groups competition    # measured, not shipped
    python -m evidence_matcher.eval.feature_groups subject        # measured, not shipped

The groups, in the order they were tried:

- ``neighbour`` (``matcher.verifier.NEIGHBOUR_NAMES``, shipped): read on the dev fit split, most of
  the verifier's errors were the right sentence filed under a neighbouring behavior. A deed is
  often told over two or three sentences, and the sentences around one say which behavior the
  passage is about: the same behavior's retrieval score and bank vote on the previous and next
  sentence, and the larger of each.
- ``competition`` (``COMPETITION_NAMES`` below, not shipped, so computed here from the pairs): the
  same errors seen from the sentence's other candidates: the bank's vote for this behavior ranked
  against its votes for them, its shortfall from their best, their sum, and its shortfall from the
  behavior's best sentence in the document.
- ``subject`` (``SUBJECT_NAMES`` below, not shipped): who the document is about. In a promo doc,
  a manager note or peer feedback the person reviewed is named ("Dana went through eighteen months
  of pages"), and a sentence that names them reads, to the structure features, like one with no
  actor at all (no I, we, she or he); an incident review names the others who acted ("Marta
  acknowledges the page"). The document's most frequent name, whether the sentence names it or
  another name, and the share of the document's sentences that name it. Measured (18 min): seed 0
  0.787 -> 0.785, seed 10 0.787 -> 0.783, promo docs -0.004 / +0.003: not shipped.

Each group is measured against the features shipped when it was tried. Both arms train the
shipped recipe (three networks, evidence bank out of fold) on the same corpus pairs: one with
the features in use before the group (the release it would replace), one with the group added,
for two seeds of the recipe (0: the shipped one, and 10). Each reads the dev set's fit
split (gold quotes as labelled sentences, each arm at its best threshold there: optimistic for all
alike); a paired bootstrap over samples gives each difference's interval. The test split is not read.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter

import numpy as np

from evidence_matcher.matcher.segment import Segment, segment_text, whole_text_segment
from evidence_matcher.matcher.structure import FIRST_PERSON, STRUCT_NAMES
from evidence_matcher.matcher.verifier import FEATURE_NAMES, NEIGHBOUR_NAMES, PAIR_NAMES

from . import verifier_train as vt
from .corpus import ladder_rubric
from .fit_split_training import best, describe, fit_split_pairs, paired_bootstrap

SEEDS = (0, 10)
COMPETITION_NAMES = ["vote_rank", "vote_gap", "sentence_vote", "doc_vote_gap"]
SUBJECT_NAMES = ["names_subject", "names_other", "doc_subject"]
COLUMNS = [*FEATURE_NAMES, *COMPETITION_NAMES, *SUBJECT_NAMES]  # the shipped columns, then the ones only measured here
GROUPS = {"neighbour": NEIGHBOUR_NAMES, "competition": COMPETITION_NAMES, "subject": SUBJECT_NAMES}  # as tried
SHIPPED = {"neighbour"}


def arms(group: str) -> tuple[list[int], list[int]]:
    """The columns of ``COLUMNS`` without the group (the shipped features before it) and with it."""
    names = list(GROUPS)
    earlier = [g for g in names[: names.index(group)] if g in SHIPPED]
    before = [*PAIR_NAMES, *STRUCT_NAMES, *(n for g in earlier for n in GROUPS[g])]
    return [COLUMNS.index(n) for n in before], [COLUMNS.index(n) for n in [*before, *GROUPS[group]]]


# A capitalised word, accents allowed; a name is one the text never writes in lower case.
_CAPITALISED = re.compile(r"\b[A-ZÀ-Þ][a-zß-ÿ]+(?:[-'’][A-Za-zß-ÿ]+)?\b")
_HAS_LETTER = re.compile(r"[^\W\d_]")
_LOWER = re.compile(r"\b[a-zß-ÿ]+(?:[-'’][a-zß-ÿ]+)?\b")
# Capitalised words that start sentences and headings but name no one (months and days too).
_NOT_NAMES = set(
    "i we she he they it this that these those there here then when while after before during since until "
    "in on at for from with without by of to into over under about as if but and or so also our my his her "
    "their your its what who how why where which each every all both some most many no not one two first "
    "last next today yesterday monday tuesday wednesday thursday friday saturday sunday january february "
    "march april may june july august september october november december summary impact timeline owner "
    "status date severity root cause action items background lessons learned what went well wrong follow "
    "ups notes update updates team teams".split()
)


def person_names(text: str, segments: list[Segment]) -> Counter:
    """Capitalised words the text never writes in lower case, seen at least once after a word of
    its sentence (a sentence may start with any word) and not sentence furniture: mostly people, and
    some systems and places, which the network can learn to discount. Counted everywhere."""
    lower = set(_LOWER.findall(text))
    inside = {
        m.group()
        for seg in segments
        for m in _CAPITALISED.finditer(seg.clean)
        if _HAS_LETTER.search(seg.clean[: m.start()])
    }
    found = (w for seg in segments for w in _CAPITALISED.findall(seg.clean))
    return Counter(w for w in found if w in inside and w.lower() not in lower and w.lower() not in _NOT_NAMES)


def subject_features(text: str, segments: list[Segment]) -> np.ndarray:
    """(segments, len(SUBJECT_NAMES)): whether each sentence names the document's subject, whether it
    names anyone else, and the share of the document's sentences that name the subject. The subject
    is the most frequent name, named in two sentences or more and in more than speak in the first
    person singular (a self-review is about its I, not the names in it)."""
    names = person_names(text, segments)
    words = [set(_CAPITALISED.findall(seg.clean)) for seg in segments]
    first_person = sum(bool(FIRST_PERSON.search(seg.clean)) for seg in segments)
    top = names.most_common(1)
    subject = top[0][0] if top else None
    named = sum(subject in w for w in words) if subject else 0
    if named < 2 or named <= first_person:
        subject = None
    out = np.zeros((len(segments), len(SUBJECT_NAMES)), np.float32)
    for i, w in enumerate(words):
        out[i, 0] = subject is not None and subject in w
        out[i, 1] = any(n in names and n != subject for n in w)
    out[:, 2] = out[:, 0].mean() if len(segments) else 0.0
    return out


def competition_features(rows: np.ndarray, cols: np.ndarray, vote: np.ndarray) -> np.ndarray:
    """(pairs, len(COMPETITION_NAMES)) for one document's candidate pairs: each pair's bank vote
    against the other candidates of its sentence (rank from the top over their number less one,
    shortfall from their best, their sum) and against the same behavior on the document's other
    sentences (shortfall from its best)."""
    n_seg, n_beh = int(rows.max(initial=-1)) + 1, int(cols.max(initial=-1)) + 1
    order = np.lexsort((-vote, rows))  # by sentence, then by vote, highest first
    starts = np.searchsorted(rows[order], rows[order], side="left")
    rank = np.empty(len(rows), np.float32)
    rank[order] = np.arange(len(rows)) - starts
    size = np.bincount(rows, minlength=n_seg)
    row_best = np.zeros(n_seg, np.float32)
    np.maximum.at(row_best, rows, vote)
    col_best = np.zeros(n_beh, np.float32)
    np.maximum.at(col_best, cols, vote)
    row_sum = np.bincount(rows, weights=vote, minlength=n_seg)
    features = [rank / np.maximum(size[rows] - 1, 1), row_best[rows] - vote, row_sum[rows], col_best[cols] - vote]
    return np.stack(features, axis=1).astype(np.float32)


def all_columns(pairs: vt.PairSet, texts: list[str]) -> np.ndarray:
    """``pairs.scalars`` with the competition and subject columns appended (``COLUMNS``), document by
    document; ``texts``: each document's text, in ``pairs.doc`` numbering (segmented as the matcher does)."""
    vote = pairs.scalars[:, FEATURE_NAMES.index("bank_vote")]
    extra = np.zeros((len(vote), len(COMPETITION_NAMES) + len(SUBJECT_NAMES)), np.float32)
    order = np.argsort(pairs.doc, kind="stable")
    for part in np.split(order, np.flatnonzero(np.diff(pairs.doc[order])) + 1):
        text = texts[int(pairs.doc[part[0]])]
        subject = subject_features(text, segment_text(text) or whole_text_segment(text))
        extra[part] = np.concatenate(
            [competition_features(pairs.rows[part], pairs.cols[part], vote[part]), subject[pairs.rows[part]]], axis=1
        )
    return np.concatenate([pairs.scalars, extra], axis=1)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] not in GROUPS:
        print(f"usage: python -m evidence_matcher.eval.feature_groups {{{','.join(GROUPS)}}}", file=sys.stderr)
        return 2
    group = args[0]
    started = time.perf_counter()
    matcher = vt.retrieval_matcher()
    docs, short, corpus = vt.corpus_pairs(matcher, vt.RECIPE)
    samples, fit = fit_split_pairs(matcher, vt.RECIPE, corpus.bank)
    bids = matcher.rubric_index(ladder_rubric("ic6")).behavior_ids
    print(f"{len(corpus.y)} corpus pairs, {len(fit.y)} fit pairs; {time.perf_counter() - started:.0f} s", flush=True)
    corpus_x = all_columns(corpus, [d.text for d in docs + short])
    fit_x = all_columns(fit, [s.text for s in samples])
    counts = {}
    for seed in SEEDS:
        recipe = {**vt.RECIPE, "seed": seed}
        for arm, columns in zip(("without", "with"), arms(group), strict=True):
            weights = vt.train_ensemble(corpus.dense, corpus_x[:, columns], corpus.y, recipe)
            prob = vt.predict(weights, fit.dense, fit_x[:, columns])
            threshold, counts[arm, seed] = best(samples, fit, bids, prob)
            print(
                f"{arm} the {group} features, seed {seed}: {describe(samples, counts[arm, seed], threshold)}",
                flush=True,
            )
        low, high, above = paired_bootstrap(counts["without", seed], counts["with", seed])
        print(f"seed {seed}, with - without: 95% interval {low:+.3f} to {high:+.3f}, above 0 in {above:.0%}")
    print(f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
