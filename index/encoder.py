"""The evidence encoder: a shipped base model with a LoRA adapter trained on the corpus.

A general sentence model places "The gateway checks a per-merchant rate limit" near a
behavior about reliability strategy, and "I settle disagreements between teams" near
"I reach the right decision despite conflicting views". The adapter (``index/encoder/``,
trained by ``python -m evidence_matcher.eval.encoder_train`` on sentence <-> behavior-text pairs of
three ladders and the bundled rubric's examples) teaches the model which behavior a
written deed shows. It ships in the repository: nothing is trained on a user's machine.

On first use the adapter is merged into the base weights with ``peft`` and the merged
model is saved in the cache (like an ONNX export, once); later loads read it from there.
Each adapter's ``card.json`` names its base model (``base``, a name of ``base_models.SHIPPED``):
the evidence encoder adapts all-mpnet-base-v2, the skill-taxonomy encoder all-MiniLM-L6-v2.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from evidence_matcher.errors import ModelError

from .base_models import SMALL, shipped_model_dir
from .embedders import model_fingerprint

ENCODER_DIR = Path(__file__).resolve().parent / "encoder"
# The fast profile's (matcher.profiles): the same recipe on the small model.
FAST_ENCODER_DIR = Path(__file__).resolve().parent / "encoder_fast"
# The same mechanics for skill taxonomies (ESCO): an adapter trained on job-ad sentences <-> labels.
TAXONOMY_ENCODER_DIR = Path(__file__).resolve().parent / "taxonomy_encoder"
MARKER = "evidence_encoder.json"


def adapter_fingerprint(adapter_dir: Path = ENCODER_DIR) -> str:
    digest = hashlib.sha256()
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        digest.update((Path(adapter_dir) / name).read_bytes())
    return digest.hexdigest()[:12]


def has_adapter(adapter_dir: Path = ENCODER_DIR) -> bool:
    return (Path(adapter_dir) / "adapter_model.safetensors").is_file()


def adapter_base(adapter_dir: Path = ENCODER_DIR) -> str:
    """The shipped base model an adapter was trained on (cards before the field: the small model)."""
    card = Path(adapter_dir) / "card.json"
    return (json.loads(card.read_text(encoding="utf-8")).get("base") if card.is_file() else None) or SMALL


def adapted_model(cache_dir: Path, adapter_dir: Path = ENCODER_DIR) -> tuple[Path, Path]:
    """(base model folder, merged model folder) of a shipped adapter, both made once in the cache."""
    base_dir = shipped_model_dir(adapter_base(adapter_dir), cache_dir)
    return base_dir, ensure_merged_model(base_dir, cache_dir, adapter_dir)


def merged_model_dir(cache_dir: Path, base_dir: Path, adapter_dir: Path = ENCODER_DIR) -> Path:
    # encoder/ -> evidence-encoder, encoder_fast/ -> evidence-encoder-fast, taxonomy_encoder/ -> taxonomy-encoder
    name = Path(adapter_dir).name.replace("_", "-")
    name = f"evidence-{name}" if name.startswith("encoder") else name
    return Path(cache_dir) / "models" / f"{name}-{model_fingerprint(base_dir)[:8]}-{adapter_fingerprint(adapter_dir)}"


def ensure_merged_model(base_dir: Path, cache_dir: Path, adapter_dir: Path = ENCODER_DIR) -> Path:
    """The base model with the adapter merged in, saved (atomically) in the cache once."""
    out = merged_model_dir(cache_dir, base_dir, adapter_dir)
    if (out / MARKER).is_file():
        return out
    try:
        from peft import PeftModel
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging
    except ImportError as exc:  # pragma: no cover - both are dependencies
        raise ModelError(f"merging the evidence encoder needs peft and sentence-transformers: {exc}") from exc
    hf_logging.disable_progress_bar()  # a one-time step: no loading/saving bars on the user's terminal
    hf_logging.set_verbosity_error()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # transformers' deprecation notices are not the user's business
        model = SentenceTransformer(str(base_dir), device="cpu", local_files_only=True)
        transformer = model[0]
        adapted = PeftModel.from_pretrained(transformer.model, str(adapter_dir))  # type: ignore[arg-type]  # torch types submodules Tensor | Module
        transformer.model = adapted.merge_and_unload()
        # A folder of this process's own: several processes (Ray actors, a server and a CLI)
        # may merge at once on a fresh cache; the first to finish wins, the others use it.
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=out.name + ".", suffix=".tmp", dir=out.parent))
        model.save(str(tmp))
    card = (
        json.loads((Path(adapter_dir) / "card.json").read_text(encoding="utf-8"))
        if (Path(adapter_dir) / "card.json").is_file()
        else {}
    )
    marker = {
        "base_model_fingerprint": model_fingerprint(base_dir),
        "adapter": adapter_fingerprint(adapter_dir),
        "card": card.get("recipe", {}),
    }
    (tmp / MARKER).write_text(json.dumps(marker, indent=1), encoding="utf-8")
    if not (out / MARKER).is_file():
        shutil.rmtree(out, ignore_errors=True)  # a half-written folder from an interrupted merge
        try:
            os.replace(tmp, out)
        except OSError:
            if not (out / MARKER).is_file():  # not another process's finished merge: a real failure
                raise
    shutil.rmtree(tmp, ignore_errors=True)
    return out
