"""A cross-encoder that reads only the verifier's uncertain pairs: measured, not shipped.

    python -m evidence_matcher.eval.uncertain_reader      # ~55 min on 2 cores (training ~50)

The shipped verifier is a small network over the evidence encoder's vectors: it never reads a
sentence and a behavior together. Its errors on the dev fit split are mostly neighbouring
behaviors and plainly told deeds, which a model reading both texts at once might tell apart.
Running such a reader on every candidate pair would cost ~20 pair encodings per sentence, so it
reads only the pairs the verifier is unsure of (probability in ``BAND``, about 20 per document)
and its logit is mixed with the verifier's there.

The reader: the bundled evidence encoder (all-MiniLM-L6-v2 with the shipped adapter merged) with
a new LoRA adapter (the encoder's own LoRA shape, so it would fit the size budget) and a linear
head on the mean-pooled tokens of "[section heading] sentence" + behavior text. Trained one epoch
on corpus pairs: every positive among a labelled sentence's 10 best-retrieved behaviors, and hard
negatives (the other behaviors among an evidence sentence's 5 best, a non-evidence sentence's 2
best), ``BUDGET`` pairs in all. Scored on the dev fit split only (the chooser); the test split is
not read. Seeded; an experiment recorded for the README, not part of the product.
"""

from __future__ import annotations

import random
import time

import numpy as np

from evidence_matcher.cache import default_cache_dir

from . import verifier_train as vt
from .corpus import analyzed, corpus_files, labelled_segments, ladder_rubric, load_documents
from .fit_split_training import best, describe, fit_split_pairs, paired_bootstrap

BUDGET = 20_000
BAND = (0.05, 0.995)
MIXES = (0.0, 0.25, 0.5, 0.75)  # the reader's share of the mixed logit; 0 = the verifier alone
POSITIVE_RANKS, EVIDENCE_NEGATIVE_RANKS, OTHER_NEGATIVE_RANKS = 10, 5, 2


def _first(segment) -> str:
    return (f"[{segment.heading}] " if segment.heading else "") + segment.clean


def training_rows(matcher) -> list[tuple[str, str, int]]:
    """(sentence with heading, behavior text, label) for the corpus's labelled sentences."""
    docs = load_documents(corpus_files())
    rows = []
    for n, index, analysis in analyzed(docs, matcher):
        texts = {b.id: b.text for b in index.rubric.behaviors}
        labels = {(s.start, s.end): s for s in labelled_segments(docs[n])[0]}
        order = np.argsort(-analysis.scores, axis=1)[:, :POSITIVE_RANKS]
        for r, segment in enumerate(analysis.segments):
            label = labels.get((segment.start, segment.end))
            if label is None:
                continue
            evidence = set(label.behaviors)
            for rank, c in enumerate(order[r]):
                bid = index.behavior_ids[c]
                y = int(bid in evidence)
                negative_ranks = EVIDENCE_NEGATIVE_RANKS if evidence else OTHER_NEGATIVE_RANKS
                if y or rank < negative_ranks:
                    rows.append((_first(segment), texts[bid], y))
    return rows


def train_reader(rows: list[tuple[str, str, int]], model_dir: str, budget: int = BUDGET):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModel, AutoTokenizer, get_linear_schedule_with_warmup

    random.seed(0)
    pos, neg = [r for r in rows if r[2]], [r for r in rows if not r[2]]
    random.shuffle(neg)
    random.shuffle(pos)
    n_pos = min(len(pos), budget // 3)
    train = pos[:n_pos] + neg[: budget - n_pos]
    random.shuffle(train)
    torch.manual_seed(0)
    torch.set_num_threads(2)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    lora = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.1, target_modules=["query", "key", "value", "dense"])
    encoder = get_peft_model(AutoModel.from_pretrained(model_dir), lora)

    class Reader(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder, self.head = encoder, torch.nn.Linear(encoder.config.hidden_size, 1)

        def forward(self, first: list[str], second: list[str]):
            x = tokenizer(first, second, truncation=True, max_length=128, padding=True, return_tensors="pt")
            hidden, mask = self.encoder(**x).last_hidden_state, x["attention_mask"].unsqueeze(-1).float()
            return self.head((hidden * mask).sum(1) / mask.sum(1)).squeeze(-1)

    reader, batch = Reader(), 16
    steps = (len(train) + batch - 1) // batch
    opt = torch.optim.AdamW([p for p in reader.parameters() if p.requires_grad], lr=3e-4, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(opt, steps // 10, steps)
    reader.train()
    for i in range(0, len(train), batch):
        b = train[i : i + batch]
        out = reader([r[0] for r in b], [r[1] for r in b])
        loss = torch.nn.functional.binary_cross_entropy_with_logits(out, torch.tensor([float(r[2]) for r in b]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        schedule.step()
    reader.eval()
    return reader


def main() -> None:
    import torch

    from evidence_matcher.matcher.verifier import Verifier, mlp_probabilities

    t0 = time.perf_counter()
    matcher = vt.retrieval_matcher()
    rows = training_rows(matcher)
    print(f"{len(rows)} training rows, {sum(r[2] for r in rows)} positive", flush=True)
    verifier = Verifier.load()
    index = matcher.rubric_index(ladder_rubric("ic6"))
    texts = {b.id: b.text for b in index.rubric.behaviors}
    samples, fit = fit_split_pairs(matcher, vt.RECIPE, verifier.bank)
    prob = mlp_probabilities(verifier.weights, fit.dense, fit.scalars)
    sentences = {
        (d, r): _first(segment)
        for d, analysis in enumerate(matcher.analyze_many([s.text for s in samples], index))
        for r, segment in enumerate(analysis.segments)
    }
    from evidence_matcher.index.encoder import adapted_model

    merged = adapted_model(default_cache_dir())[1]
    reader = train_reader(rows, str(merged))
    band = np.flatnonzero((prob >= BAND[0]) & (prob <= BAND[1]))
    read = np.full(len(prob), np.nan, np.float32)
    with torch.no_grad():
        for j in range(0, len(band), 64):
            ids = band[j : j + 64]
            first = [sentences[(int(fit.doc[k]), int(fit.rows[k]))] for k in ids]
            second = [texts[index.behavior_ids[int(fit.cols[k])]] for k in ids]
            read[ids] = torch.sigmoid(reader(first, second)).numpy()
    from sklearn.metrics import average_precision_score

    inside = ~np.isnan(read)
    print(
        f"{len(band)} of {len(prob)} fit-split pairs in the band ({len(band) / len(samples):.1f} per document); "
        f"pair AP there: verifier {average_precision_score(fit.y[inside], prob[inside]):.3f}, "
        f"reader {average_precision_score(fit.y[inside], read[inside]):.3f}"
    )

    def logit(p):
        return np.log(np.clip(p, 1e-6, 1)) - np.log(np.clip(1 - p, 1e-6, 1))

    base = None
    for share in MIXES:
        mixed = prob.copy()
        mixed[inside] = 1 / (1 + np.exp(-((1 - share) * logit(prob[inside]) + share * logit(read[inside]))))
        threshold, counts = best(samples, fit, index.behavior_ids, mixed)
        base = counts if base is None else base
        low, high, above = paired_bootstrap(base, counts)
        print(f"reader share {share}: {describe(samples, counts, threshold)}; vs verifier [{low:+.3f}, {high:+.3f}]")
    print(f"{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
