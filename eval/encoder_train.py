"""Train the evidence encoder's LoRA adapter (``index/encoder/``) on the labelled corpus.

    python -m evidence_matcher.eval.encoder_train [--out DIR] [--base-model NAME] [--epochs N --resume ADAPTER]

Pairs: every evidence sentence of the corpus with the text of each behavior it shows
(three ladders), plus each example of the bundled rubric with its behavior's text.
MultipleNegativesRankingLoss over batches in which no behavior appears twice (the other
behaviors in a batch are the negatives), a LoRA adapter (``peft``) on every linear layer
of the base model (default: all-mpnet-base-v2, from its packages). Seeded; the card beside
the weights records the corpus sha256, the base model and the recipe. The dev set is never used.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from pathlib import Path

from evidence_matcher.cache import default_cache_dir
from evidence_matcher.index.base_models import SHIPPED, SMALL, resolve_model
from evidence_matcher.index.embedders import model_fingerprint, small_model_dir
from evidence_matcher.index.encoder import ENCODER_DIR, adapter_fingerprint
from evidence_matcher.index.tuning import distinct_behavior_batches

from .corpus import (
    ENCODER_TRAIN,
    Document,
    corpus_files,
    corpus_sha256,
    labelled_segments,
    ladder_rubric,
    load_documents,
    retrain_command,
    write_model_card,
)

RECIPE = {
    "version": 2,
    "lora_r": 16,
    "lora_alpha": 32,
    "lora_dropout": 0.1,
    "target_modules": ["query", "key", "value", "dense"],
    "epochs": 3,
    "batch_size": 32,
    "learning_rate": 3e-4,
    "seed": 0,
    "hard_negatives": "nearest other behavior text of the same ladder",
    # On (recipe v4, --sentence-pairs): also pair each evidence sentence with another document's
    # sentence of the same behavior, against a sentence of the nearest other behavior, for the
    # evidence bank's neighbours. Off: it lowered the dev fit split's F1 (0.698 vs 0.704; README).
    "sentence_pairs": False,
}
# The shipped evidence encoder's base, and each base model's recipe (options on the command line override it).
# all-mpnet-base-v2 names its attention projections q k v o; one epoch of batches of 16 (32 runs out of 24 GB;
# 32 in chunks of 16, --mini-batch-size, fits and scored lower on the dev fit split: README):
# 56 min on 2 cores. The small model's recipe is also the skill-taxonomy encoder's.
DEFAULT_BASE = "all-mpnet-base-v2"
BASE_RECIPES = {
    SMALL: RECIPE,
    "all-mpnet-base-v2": {**RECIPE, "target_modules": ["q", "k", "v", "o", "dense"], "epochs": 1, "batch_size": 16},
}


def evidence_sentences(docs: list[Document]) -> list[tuple[str, str, str]]:
    """(document id, ladder:behavior id, evidence sentence) per behavior of each labelled sentence, in corpus order."""
    out: list[tuple[str, str, str]] = []
    for doc in docs:
        for seg in labelled_segments(doc)[0]:
            out += [(doc.id, f"{doc.ladder}:{behavior}", seg.clean) for behavior in sorted(seg.behaviors)]
    return out


def training_pairs(sentences: list[tuple[str, str, str]], with_examples: bool = True) -> list[tuple[str, str, str]]:
    """(ladder:behavior id, evidence sentence or example, behavior text), from ``evidence_sentences``."""
    texts: dict[str, str] = {}
    for ladder in sorted({key.split(":", 1)[0] for _, key, _ in sentences}):
        texts.update({f"{ladder}:{b.id}": b.text for b in ladder_rubric(ladder).behaviors})
    pairs = [(key, sentence, texts[key]) for _, key, sentence in sentences]
    if with_examples:
        for behavior in ladder_rubric("ic6").behaviors:
            pairs += [(f"ic6:{behavior.id}", example, behavior.text) for example in behavior.examples]
    return pairs


def neighbours_by_similarity(model, docs: list[Document]) -> dict[str, list[tuple[str, str]]]:
    """ladder:behavior id -> the other behaviors of its ladder, most similar first (base model),
    as (ladder:behavior id, text)."""
    import numpy as np

    out: dict[str, list[tuple[str, str]]] = {}
    for ladder in sorted({d.ladder for d in docs} | {"ic6"}):
        behaviors = [b for b in ladder_rubric(ladder).behaviors if b.kind != "note"]
        vectors = model.encode([b.text for b in behaviors], normalize_embeddings=True)
        sims = vectors @ vectors.T
        np.fill_diagonal(sims, -np.inf)
        for i, b in enumerate(behaviors):
            order = [int(j) for j in np.argsort(-sims[i]) if j != i]
            out[f"{ladder}:{b.id}"] = [(f"{ladder}:{behaviors[j].id}", behaviors[j].text) for j in order]
    return out


def train_adapter(
    docs: list[Document],
    out_dir: Path,
    recipe: dict = RECIPE,
    threads: int | None = None,
    log=print,
    base_dir: Path | None = None,
    resume: tuple[Path, int] | None = None,
) -> dict:
    """The evidence encoder's adapter: corpus pairs, the nearest other behavior as a hard negative.
    ``base_dir``: another sentence-transformers model to adapt (default: the bundled one);
    ``resume``: see ``train_lora_adapter``."""
    from sentence_transformers import SentenceTransformer

    base_dir = base_dir or small_model_dir()

    sentences = evidence_sentences(docs)
    pairs: list[Pair] = list(training_pairs(sentences))
    if not (recipe.get("hard_negatives") or recipe.get("sentence_pairs")):
        return train_lora_adapter(lambda epoch: pairs, out_dir, recipe, threads, log, base_dir, resume)
    base = SentenceTransformer(str(base_dir), device="cpu", local_files_only=True)
    ranked = neighbours_by_similarity(base, docs)
    # The neighbour a reader must tell apart, as an extra candidate (sentence pairs bring their
    # own negatives, so with them every pair carries one).
    pairs = [(key, a, p, ranked[key][0][1]) for key, a, p in pairs]
    if not recipe.get("sentence_pairs"):
        return train_lora_adapter(lambda epoch: pairs, out_dir, recipe, threads, log, base_dir, resume)
    by_behavior = sentences_by_behavior(sentences)
    neighbour = {key: [k for k, _ in others] for key, others in ranked.items()}

    def for_epoch(epoch: int) -> list[Pair]:
        rng = random.Random(recipe["seed"] * 1000 + epoch)
        return pairs + sentence_pairs(by_behavior, neighbour, rng)

    return train_lora_adapter(for_epoch, out_dir, recipe, threads, log, base_dir, resume)


def sentences_by_behavior(sentences: list[tuple[str, str, str]]) -> dict[str, list[tuple[str, str]]]:
    """ladder:behavior id -> [(document id, evidence sentence)], from ``evidence_sentences``."""
    out: dict[str, list[tuple[str, str]]] = {}
    for doc_id, key, sentence in sentences:
        out.setdefault(key, []).append((doc_id, sentence))
    return out


def sentence_pairs(
    by_behavior: dict[str, list[tuple[str, str]]], neighbours: dict[str, list[str]], rng: random.Random
) -> list[Pair]:
    """One (key, sentence, another document's sentence of that behavior, a sentence of the nearest
    other behavior that has corpus sentences) per evidence sentence; drawn afresh each epoch."""
    out: list[Pair] = []
    for key in sorted(by_behavior):
        shows = {s for _, s in by_behavior[key]}
        negatives: list[str] = []
        for other in neighbours.get(key, []):
            negatives = [s for _, s in by_behavior.get(other, []) if s not in shows]  # both: no negative
            if negatives:
                break
        for doc_id, sentence in by_behavior[key]:
            others = [s for d, s in by_behavior[key] if d != doc_id]
            if others and negatives:
                out.append((key, sentence, rng.choice(others), rng.choice(negatives)))
    return out


Pair = tuple[str, ...]  # (key: no two in a batch, anchor, positive[, hard negative])


def train_lora_adapter(
    pairs_for_epoch: Callable[[int], list[Pair]],
    out_dir: Path,
    recipe: dict,
    threads: int | None = None,
    log=print,
    base_dir: Path | None = None,
    resume: tuple[Path, int] | None = None,
) -> dict:
    """A LoRA adapter on ``base_dir`` (default: the bundled all-MiniLM-L6-v2) from each epoch's
    (key, anchor, positive[, hard negative]) pairs (all of one length), MultipleNegativesRankingLoss
    over batches in which no key appears twice (embedded in chunks of the recipe's ``mini_batch_size``
    when it names one: GradCache, the same loss). Seeded; writes the adapter only (``peft``) into
    ``out_dir``. Shared by every adapter the project ships.

    ``resume``: (an adapter trained by this recipe, the epochs it has had): train only the epochs
    after those. The learning rate is constant and each epoch's order is seeded by its number, so
    this equals the longer run but for the optimizer's moments, which start again."""
    import torch
    from peft import LoraConfig, get_peft_model
    from sentence_transformers import SentenceTransformer

    try:
        from sentence_transformers.sentence_transformer import losses  # sentence-transformers >= 6
    except ImportError:  # pragma: no cover
        from sentence_transformers import losses
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    if threads:
        torch.set_num_threads(threads)
    random.seed(recipe["seed"])
    torch.manual_seed(recipe["seed"])
    base_dir = base_dir or small_model_dir()
    model = SentenceTransformer(str(base_dir), device="cpu", local_files_only=True)
    config = LoraConfig(
        r=recipe["lora_r"],
        lora_alpha=recipe["lora_alpha"],
        lora_dropout=recipe["lora_dropout"],
        target_modules=recipe["target_modules"],
    )
    if resume:
        from peft import PeftModel

        model[0].model = PeftModel.from_pretrained(model[0].model, str(resume[0]), is_trainable=True)
        for param in model[0].model.parameters():  # a shipped adapter is stored float16
            if param.requires_grad:
                param.data = param.data.float()
    else:
        model[0].model = get_peft_model(model[0].model, config)  # auto_model is a read-only view of .model
    if recipe.get("mini_batch_size"):  # GradCache: a batch larger than memory holds, the same loss
        loss_fn = losses.CachedMultipleNegativesRankingLoss(model, mini_batch_size=recipe["mini_batch_size"])
    else:
        loss_fn = losses.MultipleNegativesRankingLoss(model)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=recipe["learning_rate"])
    batches = []
    for epoch in range(resume[1] if resume else 0, recipe["epochs"]):
        shuffled = list(pairs_for_epoch(epoch))
        random.Random(recipe["seed"] + epoch).shuffle(shuffled)
        batches += distinct_behavior_batches(shuffled, recipe["batch_size"])
    features = getattr(model, "preprocess", None) or model.tokenize
    started = time.perf_counter()
    model.train()
    for step, batch in enumerate(batches, start=1):
        columns = [features([pair[1] for pair in batch]), features([pair[2] for pair in batch])]
        if len(batch[0]) == 4:  # each pair brings its own hard negative
            columns.append(features([pair[3] for pair in batch]))
        loss = loss_fn(columns, None)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 20 == 0 or step == len(batches):
            log(f"step {step}/{len(batches)} loss {loss.item():.3f} ({time.perf_counter() - started:.0f} s)")
    model.eval()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model[0].model.save_pretrained(str(out_dir))  # the adapter only
    for extra in ("README.md",):  # peft writes a template card; ours is card.json
        (out_dir / extra).unlink(missing_ok=True)
    return {
        "pairs": len(pairs_for_epoch(0)),
        "steps": len(batches),
        "seconds": round(time.perf_counter() - started, 1),
        "base_model_fingerprint": model_fingerprint(base_dir),
    }


# The documents written on both sides of the ladders' close neighbours train the verifier
# only. An encoder trained on them too ranked a document's behaviors worse on the dev fit
# split (RP@5 0.642 against 0.674) for no gain in F1; the verifier learns from them on the
# vectors of the encoder trained without them (fit F1 0.645 against 0.635; README).
VERIFIER_ONLY = (
    "ic6-incidents-7a.jsonl",
    "ic6-incidents-7b.jsonl",
    "ic6-incidents-7c.jsonl",
    "ic6-promo-7.jsonl",
    "ic6-promo-manager-peer-7.jsonl",
    "ic6-self-brag-7.jsonl",
    "other-ladders-7g.jsonl",
    "other-ladders-7h.jsonl",
)


def encoder_corpus(files: list[Path]) -> list[Path]:
    """The corpus files the encoder trains on: all but ``VERIFIER_ONLY``."""
    return [p for p in files if p.name not in VERIFIER_ONLY]


HALF_PRECISION = "float16 (trained in float32; merged into the float32 base model)"


def halve_adapter(path: Path) -> None:
    """Store the adapter's weights as float16: half the repository's share (the shipped models are
    held to 25 MB in all); merged into the float32 base, the sentence vectors match float32's to cosine 1.000000."""
    import torch
    from safetensors.torch import load_file, save_file

    mode = Path(path).stat().st_mode & 0o777  # save_file writes owner-only; keep the file's (the umask's)
    save_file({name: t.to(torch.float16).contiguous() for name, t in load_file(str(path)).items()}, str(path))
    Path(path).chmod(mode)


def resumed_epochs(adapter: Path, recipe: dict) -> tuple[Path, int]:
    """(adapter, the epochs it has had), if its card's recipe is this one but for fewer epochs."""
    try:
        trained = json.loads((adapter / "card.json").read_text(encoding="utf-8"))["recipe"]
    except (OSError, ValueError, KeyError) as e:
        raise SystemExit(f"--resume {adapter}: no readable card.json with a recipe ({e})") from None
    if {**trained, "epochs": recipe["epochs"]} != recipe or trained["epochs"] >= recipe["epochs"]:
        raise SystemExit(f"--resume {adapter}: trained by another recipe or for {trained['epochs']} epochs already")
    return adapter, trained["epochs"]


def base_recipe(base_model: str) -> dict:
    """The recipe a base model trains with unless told otherwise (a folder: the small model's)."""
    return BASE_RECIPES.get(str(base_model), RECIPE)


def reproduce_options(args: argparse.Namespace) -> list[str]:
    """The command-line options of this run that differ from the defaults, for its model card
    (a model folder is named MODEL_DIR: a path on this machine says nothing elsewhere)."""
    options = []
    if str(args.base_model) != DEFAULT_BASE:
        options += ["--base-model", str(args.base_model) if str(args.base_model) in SHIPPED else "MODEL_DIR"]
    recipe = base_recipe(args.base_model)
    if args.target_modules not in (None, recipe["target_modules"]):
        options += ["--target-modules", *args.target_modules]
    if args.batch_size not in (None, recipe["batch_size"]):
        options += ["--batch-size", str(args.batch_size)]
    if args.epochs not in (None, recipe["epochs"]):
        options += ["--epochs", str(args.epochs)]
    if args.mini_batch_size:
        options += ["--mini-batch-size", str(args.mini_batch_size)]
    if args.sentence_pairs:
        options.append("--sentence-pairs")
    return options


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evidence_matcher.eval.encoder_train", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", type=Path, default=ENCODER_DIR)
    parser.add_argument(
        "--corpus", type=Path, nargs="*", default=None, help="default: the corpus but VERIFIER_ONLY's files"
    )
    parser.add_argument("--epochs", type=int, default=None, help="default: the base model's recipe")
    parser.add_argument("--batch-size", type=int, default=None, help="default: the base model's recipe (memory)")
    parser.add_argument(
        "--mini-batch-size",
        type=int,
        default=None,
        help="embed each batch in chunks of this many (GradCache), so a larger --batch-size fits in memory",
    )
    parser.add_argument(
        "--sentence-pairs",
        action="store_true",
        help="pair evidence sentences with each other too (recipe v4; not shipped)",
    )
    parser.add_argument(
        "--base-model",
        default=DEFAULT_BASE,
        help=f"a shipped model ({', '.join(SHIPPED)}) or a sentence-transformers model folder (measurements)",
    )
    parser.add_argument(
        "--target-modules", nargs="+", default=None, help="the layers LoRA adapts (default: the base model's recipe)"
    )
    parser.add_argument(
        "--resume",
        type=Path,
        default=None,
        help="an adapter this recipe trained for fewer epochs (its card.json says how many): train the rest",
    )
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    args = parser.parse_args(argv)
    files = args.corpus or encoder_corpus(corpus_files())
    docs = load_documents(files)
    overrides = {
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "target_modules": args.target_modules,
        "mini_batch_size": args.mini_batch_size,
    }
    recipe = {**base_recipe(args.base_model), **{k: v for k, v in overrides.items() if v is not None}}
    if args.sentence_pairs:
        recipe.update(version=4, sentence_pairs=True)
    base_dir = resolve_model(args.base_model, args.cache_dir)
    resume = resumed_epochs(args.resume, recipe) if args.resume else None
    stats = train_adapter(docs, args.out, recipe, base_dir=base_dir, resume=resume)
    # The card names the model the adapter belongs to (``base``: the engine merges it into that one)
    # and the command that remakes it.
    shipped = str(args.base_model) in SHIPPED
    base = str(args.base_model) if shipped else base_dir.name
    halve_adapter(args.out / "adapter_model.safetensors")
    if shipped:  # peft records the folder it trained on: a path of this machine's cache
        config_path = args.out / "adapter_config.json"
        config = json.loads(config_path.read_text(encoding="utf-8"))
        config["base_model_name_or_path"] = SHIPPED[base].model_id
        config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    card = {
        "model": f"evidence encoder: LoRA adapter for {base}",
        "base": base if shipped else None,
        "base_model": SHIPPED[base].model_id if shipped else f"{base} (the folder given as --base-model)",
        "recipe": recipe,
        "corpus_files": [p.name for p in files],
        "corpus_sha256": corpus_sha256(files),
        "corpus_documents": len(docs),
        "bundled_examples": "ic6-principal-reliability-engineer examples",
        **stats,
        "reproduce": retrain_command(reproduce_options(args)),
    }
    if resume:
        first = [*reproduce_options(argparse.Namespace(**{**vars(args), "epochs": resume[1]})), "--out", "FIRST"]
        card["resumed_from"] = {
            "epochs": resume[1],
            "adapter_fingerprint": adapter_fingerprint(resume[0]),
            "optimizer": "AdamW moments start again at the resumed epoch",
        }
        card["reproduce"] = (
            " ".join([ENCODER_TRAIN, *first])
            + " && "
            + retrain_command([*reproduce_options(args), "--resume", "FIRST"])
        )
    write_model_card(
        args.out,
        f"Evidence encoder (LoRA adapter for {base})",
        card,
        "Embeds sentences and ladder behaviors for evidence-matcher: merged into its base model on first use "
        "(index/encoder.py). Trained on the project's synthetic labelled corpus (eval/datasets/train/, English, "
        "engineering career documents); not for other tasks. Limits: see the README's Measured quality.",
    )
    print(f"wrote {args.out}: {stats}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
