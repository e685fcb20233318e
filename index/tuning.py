"""Adapt the embedding model to a rubric, using only the rubric itself.

A general-purpose sentence model places "I settle disagreements between teams" and "I
reach the right decision despite conflicting views" close together; a reviewer does
not. Contrastive fine-tuning on the rubric's own items (behavior texts, their sentences
and the project-written ``examples``) teaches the model the rubric's distinctions:
items of the same behavior are pulled together, the other behaviors in a batch are
pushed apart (MultipleNegativesRankingLoss, as in SetFit). No evaluation data is used.

The adapted model is cached per (base model, rubric content, recipe) like an index,
written atomically, and marked with ``evidence_tuning.json`` so that its fingerprint
differs from the base model's.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from evidence_matcher.rubrics.model import Rubric

from .embedders import model_fingerprint
from .rubric_index import index_items

PairT = TypeVar("PairT", bound=tuple[str, ...])  # (behavior key, texts...)
RECIPE = {"version": 1, "epochs": 1, "batch_size": 32, "learning_rate": 2e-5, "seed": 0}
MARKER = "evidence_tuning.json"


def can_tune(rubric: Rubric) -> bool:
    """Tuning needs several items per behavior: a rubric with examples."""
    return sum(1 for b in rubric.behaviors if b.examples) >= 2


def tuned_model_dir(cache_dir: Path, base_dir: Path, rubric: Rubric, recipe: dict = RECIPE) -> Path:
    key = json.dumps([model_fingerprint(base_dir), rubric.fingerprint(), recipe], sort_keys=True)
    return Path(cache_dir) / "models" / f"{rubric.id}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def training_pairs(rubric: Rubric, seed: int) -> list[tuple[str, str, str]]:
    """(behavior id, anchor, positive) for every ordered pair of one behavior's items."""
    by_behavior: dict[str, list[str]] = {}
    for behavior_id, _, text in index_items(rubric):
        by_behavior.setdefault(behavior_id, []).append(text)
    pairs = [(b, x, y) for b, texts in by_behavior.items() for x in texts for y in texts if x != y]
    random.Random(seed).shuffle(pairs)
    return pairs


def distinct_behavior_batches(pairs: list[PairT], size: int) -> list[list[PairT]]:
    """Batches in which no behavior (a pair's first item) appears twice: in-batch negatives must be real negatives."""
    batches: list[list[PairT]] = []
    pending = list(pairs)
    while pending:
        batch: list[PairT] = []
        used: set[str] = set()
        rest: list[PairT] = []
        for pair in pending:
            if pair[0] in used or len(batch) == size:
                rest.append(pair)
            else:
                batch.append(pair)
                used.add(pair[0])
        batches.append(batch)
        pending = rest
    return batches


def tune_model(
    base_dir: Path,
    rubric: Rubric,
    out_dir: Path,
    recipe: dict = RECIPE,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Fine-tune ``base_dir`` on ``rubric`` into ``out_dir`` (atomically); returns ``out_dir``."""
    import torch
    from sentence_transformers import SentenceTransformer

    try:
        from sentence_transformers.sentence_transformer import losses  # sentence-transformers >= 6
    except ImportError:
        from sentence_transformers import losses  # type: ignore[attr-defined,no-redef]  # sentence-transformers < 6
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(recipe["seed"])
    model = SentenceTransformer(str(base_dir), device="cpu", local_files_only=True)
    loss_fn = losses.MultipleNegativesRankingLoss(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=recipe["learning_rate"])
    batches = [
        batch
        for epoch in range(recipe["epochs"])
        for batch in distinct_behavior_batches(training_pairs(rubric, recipe["seed"] + epoch), recipe["batch_size"])
    ]
    features = getattr(model, "preprocess", None) or model.tokenize  # renamed in sentence-transformers 6
    model.train()
    for step, batch in enumerate(batches, start=1):
        anchors = features([anchor for _, anchor, _ in batch])
        positives = features([positive for _, _, positive in batch])
        loss = loss_fn([anchors, positives], None)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if progress:
            progress(step, len(batches))
    model.eval()

    out_dir = Path(out_dir)
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save(str(tmp))
    marker = {
        "base_model_fingerprint": model_fingerprint(base_dir),
        "rubric_id": rubric.id,
        "rubric_fingerprint": rubric.fingerprint(),
        "recipe": recipe,
    }
    (tmp / MARKER).write_text(json.dumps(marker, indent=1), encoding="utf-8")
    shutil.rmtree(out_dir, ignore_errors=True)
    os.replace(tmp, out_dir)
    return out_dir


def ensure_tuned_model(
    base_dir: Path, rubric: Rubric, cache_dir: Path, threads: int | None = None, progress=None
) -> Path:
    out_dir = tuned_model_dir(cache_dir, base_dir, rubric)
    if (out_dir / MARKER).is_file():
        return out_dir
    return tune_model(base_dir, rubric, out_dir, threads=threads, progress=progress)
