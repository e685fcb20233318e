"""Fine-tune the embedding model on labelled job-ad sentences, to measure what supervision buys.

The labelled sentences of one dataset (say ESCO TECH validation) become a training rubric:
each gold label is a behavior whose ``examples`` are the sentences (and annotated spans)
labelled with it. ``index.tuning.tune_model`` then trains exactly as it adapts the model to
a ladder (MultipleNegativesRankingLoss, in-batch negatives are other labels), with the
project's fixed recipe: nothing is tuned on the split that gets scored. Score the result
on a *different* dataset only::

    python -m evidence_matcher.eval.esco_tune TRAIN.csv --out DIR       # e.g. train on TECH ...
    EVIDENCE_MODEL_DIR=DIR evidence eval retrieval HOUSE.csv   # ... score HOUSE, never TECH
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evidence_matcher.rubrics.model import Area, Behavior, Responsibility, Rubric

from .dataset import Sample
from .esco import find_labels_file, labels_rubric, load_csv_dataset

MAX_EXAMPLES = 6  # per label: training pairs grow as n^2 per label, and a few labels hold most sentences


def training_rubric(samples: list[Sample], rubric: Rubric, rubric_id: str, max_examples: int = MAX_EXAMPLES) -> Rubric:
    """Every label with gold support, its examples the (first ``max_examples``) sentences and
    spans labelled with it."""
    examples: dict[str, list[str]] = {}
    for sample in samples:
        for label in sample.labels:
            texts = examples.setdefault(label.behavior, [])
            for text in [" ".join(sample.text.split()), *[" ".join(e.split()) for e in label.evidence]]:
                if text and text not in texts:
                    texts.append(text)
    behaviors = tuple(
        Behavior(id=b.id, text=b.text, examples=tuple(t for t in examples[b.id] if t != b.text)[:max_examples])
        for b in rubric.behaviors
        if b.id in examples
    )
    section = Responsibility(name="Skills", slug="skills", behaviors=behaviors)
    return Rubric(
        id=rubric_id, title=f"training labels ({rubric_id})", areas=(Area(name="Skills", responsibilities=(section,)),)
    )


def main(argv: list[str] | None = None) -> int:
    from evidence_matcher.index.embedders import check_model_dir
    from evidence_matcher.index.tuning import RECIPE, tune_model
    from evidence_matcher.rubrics.model import slugify

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", type=Path, help="ESCO or SkillSkape CSV to train on")
    parser.add_argument("--out", type=Path, required=True, help="where to write the tuned sentence-transformers model")
    parser.add_argument("--labels", type=Path, help="the ESCO label list (default: found beside the dataset)")
    parser.add_argument("--base", type=Path, help="base model directory (default: the bundled all-MiniLM-L6-v2)")
    parser.add_argument("--epochs", type=int, default=RECIPE["epochs"])
    parser.add_argument("--max-examples", type=int, default=MAX_EXAMPLES, help="training texts kept per label")
    args = parser.parse_args(argv)
    rubric = labels_rubric(args.labels or find_labels_file(args.train))
    samples = load_csv_dataset(args.train, rubric)
    train = training_rubric(samples, rubric, slugify(f"train-{args.train.stem}"), args.max_examples)
    recipe = {**RECIPE, "epochs": args.epochs}
    n_items = sum(1 + len(b.examples) for b in train.behaviors)
    print(f"{args.train.name}: {len(train.behaviors)} labels, {n_items} items, recipe {recipe}", file=sys.stderr)

    def report(done: int, total: int) -> None:
        if done == total or done % 20 == 0:
            print(f"  step {done}/{total}", file=sys.stderr)

    tune_model(check_model_dir(args.base), train, args.out, recipe, progress=report)
    print(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
