"""Side by side on one held-out corpus fold: a cross-encoder verifier against the shipped MLP.

    python -m evidence_matcher.eval.cross_encoder_compare      # ~15 min on 2 cores; prints both lines
                                                               # of the README's comparison

The cross-encoder: all-MiniLM-L6-v2's weights with a new one-logit classification head,
reading "[section heading] sentence" with the behavior text; trained 2 epochs on every
positive pair of 4/5 of the corpus (documents 1..4 of every 5) and 4 negatives each, among
each sentence's 5 best retrieved behaviors; scored on the other fifth. The MLP is trained
on the same 4/5 (its own 20 candidates) and scored on the same fifth. Seeded. An experiment
recorded for the README, not part of the product.
"""

import random
import time

import numpy as np
import torch
from sklearn.metrics import average_precision_score

from evidence_matcher.cache import default_cache_dir
from evidence_matcher.eval.corpus import analyzed, corpus_files, labelled_segments, load_documents
from evidence_matcher.eval.verifier_train import RECIPE, build_pairs, doc_f1, predict, train_mlp
from evidence_matcher.matcher.decision import DecisionParams
from evidence_matcher.matcher.spec import MatcherSpec


def main() -> None:
    torch.manual_seed(0)
    random.seed(0)
    torch.set_num_threads(2)
    docs = load_documents(corpus_files())
    test_ids = {d.id for i, d in enumerate(docs) if i % 5 == 0}
    m = MatcherSpec(
        default_cache_dir(),
        params=DecisionParams(threshold=1, max_rank=1, item_top_k=3, moderate=1, strong=1),
    ).load()
    K = 5
    rows = []  # (doc_idx, sentence, heading, behavior text, col, label)
    gold = {}
    for i, idx, a in analyzed(docs, m):
        d = docs[i]
        texts = {b.id: b.text for b in idx.rubric.behaviors}
        labels, _ = labelled_segments(d)
        by = {(s.start, s.end): s for s in labels}
        gold[i] = {(d.ladder, b) for s in labels for b in s.behaviors}
        order = np.argsort(-a.scores, axis=1)[:, :K]
        for r, seg in enumerate(a.segments):
            lab = by.get((seg.start, seg.end))
            for c in order[r]:
                bid = idx.behavior_ids[c]
                rows.append(
                    (i, seg.clean, seg.heading, texts[bid], (d.ladder, bid), int(bool(lab) and bid in lab.behaviors))
                )
    train = [r for r in rows if docs[r[0]].id not in test_ids]
    test = [r for r in rows if docs[r[0]].id in test_ids]
    pos = [r for r in train if r[5]]
    neg = [r for r in train if not r[5]]
    random.shuffle(neg)
    train_set = pos + neg[: 4 * len(pos)]
    random.shuffle(train_set)
    print("train pairs", len(train_set), "test pairs", len(test), flush=True)
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from evidence_matcher.index.embedders import small_model_dir

    tok = AutoTokenizer.from_pretrained(str(small_model_dir()))
    model = AutoModelForSequenceClassification.from_pretrained(str(small_model_dir()), num_labels=1)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-5)

    def enc(batch):
        first = [(f"[{h}] " if h else "") + s for _, s, h, _, _, _ in batch]
        return tok(
            first, [b for _, _, _, b, _, _ in batch], truncation=True, max_length=128, padding=True, return_tensors="pt"
        )

    t0 = time.time()
    model.train()
    for epoch in range(2):
        for i in range(0, len(train_set), 16):
            batch = train_set[i : i + 16]
            out = model(**enc(batch)).logits.squeeze(-1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(out, torch.tensor([float(r[5]) for r in batch]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            if i % 1600 == 0:
                print(epoch, i, round(loss.item(), 3), f"{time.time() - t0:.0f}s", flush=True)
    model.eval()
    probs = []
    with torch.no_grad():
        for i in range(0, len(test), 64):
            probs += torch.sigmoid(model(**enc(test[i : i + 64])).logits.squeeze(-1)).tolist()
    probs = np.array(probs)
    y = np.array([r[5] for r in test])

    def docf1(prob, rowsx, t):
        tp = fp = fn = 0
        for di in sorted({r[0] for r in rowsx}):
            pred = {r[4] for r, p in zip(rowsx, prob, strict=True) if r[0] == di and p >= t}
            g = gold[di]
            tp += len(pred & g)
            fp += len(pred - g)
            fn += len(g - pred)
        P = tp / (tp + fp) if tp + fp else 0
        R = tp / (tp + fn) if tp + fn else 0
        return 2 * P * R / (P + R) if P + R else 0

    ce_best = max((docf1(probs, test, t), t) for t in np.arange(0.05, 0.96, 0.05))
    print(
        "CROSS-ENCODER test fold: pair AP",
        round(average_precision_score(y, probs), 3),
        "best-threshold doc F1",
        [round(x, 3) for x in ce_best],
        f"train {time.time() - t0:.0f}s",
        flush=True,
    )
    # The shipped MLP on the same split (its own top-20 candidates).
    pairs = build_pairs(docs, m, RECIPE["candidates"])
    tr = np.array([docs[d].id not in test_ids for d in pairs.doc])
    w = train_mlp(pairs.dense[tr], pairs.scalars[tr], pairs.y[tr], RECIPE)
    p = predict(w, pairs.dense, pairs.scalars)
    te = ~tr

    print(
        "MLP test fold: pair AP",
        round(average_precision_score(pairs.y[te], p[te]), 3),
        "best-threshold doc F1",
        round(max(doc_f1(pairs, p, te, t)[2] for t in np.arange(0.05, 0.96, 0.05)), 3),
        flush=True,
    )


if __name__ == "__main__":
    main()
