"""Sentence embedders: text in, L2-normalised float32 vectors out.

Two backends compute the same vectors for a sentence-transformers model directory:

- ``SentenceTransformerEmbedder`` runs the model through sentence-transformers (torch).
  It is the reference, and what exports the ONNX graph.
- ``OnnxEmbedder`` runs that exported graph with onnxruntime and the model's own
  ``tokenizer.json``. It starts an order of magnitude faster than importing
  sentence-transformers (README, How it works), which is what makes a cold ``evidence tag`` fast. It
  reproduces the model's pooling (mean or CLS) and normalisation; a test checks it
  against the reference.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np

from evidence_matcher.errors import ModelError

from .base_models import SHIPPED, shipped_name, small_model_dir

BATCH_SIZE = 32  # sentence-transformers' batches (the torch backend)
BATCHING = "dp-per-text-1"  # how the ONNX backend batches (_length_sorted_batches); names int8's vectors
BACKENDS = ("auto", "onnx", "onnx-int8", "torch")
# onnx-int8: the weights of the fp32 export's dense MatMuls quantized to int8, activations
# quantized on the fly (dynamic quantization: no calibration data). The feed-forward output
# projections of the first three layers (``layer.0-2/output/dense``, fed by GELU activations with
# outliers) stay fp32: quantizing them too is faster but moves the vectors several times further
# from fp32 and costs F1 on the dev set; keeping the last three layers' instead does not help.
# Fusing with onnxruntime's BERT optimizer first ("fuse"), per-channel and reduce-range weights,
# and static QDQ were slower or worse. The measurements: README, Speed (the int8 backend).
INT8_RECIPE = {
    "version": 1,
    "fuse": False,
    "ops": ["MatMul"],
    "per_channel": False,
    "reduce_range": False,
    "exclude": [r"layer\.[0-2]/output/dense/MatMul$"],
}
# MPNet (all-mpnet-base-v2) with MiniLM's recipe: cosine to its fp32 vectors fell to 0.70 on average (0.53 at
# worst); keeping every layer's feed-forward output fp32 gives 0.983 (0.941), at 0.52x the torch time
# (python -m evidence_matcher.eval.base_model_int8). Recipes by the config's model_type.
INT8_RECIPES = {
    "bert": INT8_RECIPE,
    "mpnet": {**INT8_RECIPE, "exclude": [r"layer\.\d+/output/dense/MatMul$"]},
}


def int8_recipe(model_dir: Path) -> dict:
    """The int8 recipe measured for this model's architecture (``config.json``'s model_type)."""
    model_type = json.loads((Path(model_dir) / "config.json").read_text()).get("model_type", "bert")
    if model_type not in INT8_RECIPES:
        raise ModelError(f"no int8 recipe measured for {model_type} models: use --backend onnx or torch")
    return INT8_RECIPES[model_type]


class Embedder(Protocol):
    model_id: str
    dim: int
    fingerprint: str  # changes when the weights or configuration change

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, each row of unit length."""
        ...


def model_identity(base_dir: Path, adaptation: str | None = None, variant: str | None = None) -> str:
    """The one name of a model's vectors, which indexes, thresholds and stored results are keyed by:
    the base model, how it was adapted (``tuned:<rubric>``, ``evidence-encoder:<adapter>``), and
    the graph variant that changes its vectors (``int8``)."""
    shipped = shipped_name(base_dir)
    name = SHIPPED[shipped].model_id if shipped else str(base_dir)
    if adaptation:
        name += f"+{adaptation}"
    if variant:
        name += f"+onnx-{variant}"
    return name


def check_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise ModelError(f"unknown embedding backend {backend!r} (use {', '.join(BACKENDS)})")
    return backend


def embedder_from_path(path: str) -> Embedder:
    """A custom embedder from ``"package.module:factory"`` (called with no arguments)."""
    import importlib

    module_name, _, attribute = path.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ModelError(f"cannot import the embedder {path!r} (give it as package.module:factory)") from exc
    return factory()


def check_model_dir(model_dir: Path | None) -> Path:
    """The model directory to use (default: the bundled one), or a ModelError."""
    return _check_model_dir(Path(model_dir) if model_dir else small_model_dir())


def model_fingerprint(model_dir: Path) -> str:
    """Identifies the weights and configuration without hashing 90 MB on every start."""
    parts = []
    for path in sorted(Path(model_dir).rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            stat = path.stat()
            parts.append(f"{path.relative_to(model_dir)}:{stat.st_size}")
            if path.suffix in {".json", ".txt"} and stat.st_size < 2_000_000:
                parts.append(hashlib.sha256(path.read_bytes()).hexdigest())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _check_model_dir(model_dir: Path) -> Path:
    model_dir = Path(model_dir)
    if not (model_dir / "config.json").is_file():
        raise ModelError(f"not a sentence-transformers model directory (no config.json): {model_dir}")
    return model_dir


def _pooling(model_dir: Path) -> tuple[str, int, bool]:
    """(pooling mode, max sequence length, normalise) read from the model's own config."""
    modules = json.loads((model_dir / "modules.json").read_text()) if (model_dir / "modules.json").is_file() else []
    normalize = any(m.get("type", "").endswith("Normalize") for m in modules)
    mode = "mean"
    for module in modules:
        if module.get("type", "").endswith("Pooling"):
            config = json.loads((model_dir / module["path"] / "config.json").read_text())
            if config.get("pooling_mode_cls_token"):
                mode = "cls"
            elif not config.get("pooling_mode_mean_tokens", True):
                mode = "unsupported"
    max_len = 256
    bert_config = model_dir / "sentence_bert_config.json"
    if bert_config.is_file():
        max_len = int(json.loads(bert_config.read_text()).get("max_seq_length", max_len))
    return mode, max_len, normalize


def _length_sorted_batches(lengths: Sequence[int], max_rows: int = 64, row_cost: int = 24) -> list[list[int]]:
    """Batches for the ONNX model: sentences sorted by token count, cut where it is cheapest.

    A batch is padded to its longest row, so the model's work is about rows x width, plus a fixed
    cost per call. Fixed batches of 32 from the sorted list still spent a fifth of the tokens on padding
    for typical concurrent requests (the long tail sets the width of the first batches), and big batches run
    slower per token (their activations outgrow the L2 cache). Cutting the sorted list by dynamic
    programming instead, minimising sum(rows x width) + ``row_cost`` tokens per call (~1.5 ms of call
    overhead), ran the same sentences in clearly less CPU time, fp32 and int8 alike
    (README, Speed). fp32 vectors do not depend on the batching; int8's do, slightly (its
    activation scale is per batch).
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    widths = [lengths[i] for i in order]
    n = len(order)
    cost = [0.0] + [float("inf")] * n  # cost[j]: the cheapest way to run the j longest sentences
    start = [0] * (n + 1)  # where the last batch of that cheapest way starts
    for j in range(1, n + 1):
        for i in range(max(0, j - max_rows), j):
            c = cost[i] + widths[i] * (j - i) + row_cost  # widths[i]: the widest of rows i..j-1
            if c < cost[j]:
                cost[j], start[j] = c, i
    batches, j = [], n
    while j:
        batches.append(order[start[j] : j])
        j = start[j]
    return batches[::-1]


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)


class SentenceTransformerEmbedder:
    def __init__(self, model_dir: Path, model_id: str | None = None, threads: int | None = None):
        model_dir = _check_model_dir(model_dir)
        from sentence_transformers import SentenceTransformer

        if threads:
            import torch

            torch.set_num_threads(threads)
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # no "Loading weights" bar in the user's terminal
        self.model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
        self.model_id = model_id or model_dir.name
        self.model_dir = model_dir
        self.fingerprint = model_fingerprint(model_dir)
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(dimension())  # type: ignore[arg-type]  # typed Optional; a loaded model always has one

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts), batch_size=BATCH_SIZE, convert_to_numpy=True, normalize_embeddings=True
        )
        return np.asarray(vectors, dtype=np.float32)


def export_onnx(model_dir: Path, out_path: Path) -> Path:
    """Export the model's transformer to ONNX (needs torch; done once, then cached)."""
    import warnings

    import torch

    reference = SentenceTransformerEmbedder(model_dir)
    transformer = reference.model[0].auto_model.eval()  # type: ignore[union-attr]  # model[0] is the Transformer module
    sample = reference.model.tokenizer(["a sample sentence"], return_tensors="pt")
    names = [name for name in ("input_ids", "attention_mask", "token_type_ids") if name in sample]

    class _LastHidden(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, *tensors):
            return self.model(**dict(zip(names, tensors, strict=True))).last_hidden_state

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(".export.tmp")
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer chatter about shapes that are dynamic axes anyway
        torch.onnx.export(
            _LastHidden(transformer),
            tuple(sample[name] for name in names),
            str(tmp),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    try:
        save_with_external_weights(tmp, out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return out_path


def save_with_external_weights(src: Path, out_path: Path) -> Path:
    """Save the graph at ``src`` as ``out_path`` with its weights beside it in ``<name>.data``.

    onnxruntime memory-maps weights kept outside the graph file instead of parsing them out of it: a
    session on all-mpnet-base-v2's fp32 export (436 MB) started in 0.42 s instead of 1.12 s here, most of
    a cold ``evidence tag``'s margin. The weights are renamed into place first and the graph last, so
    the graph file, which ``load_embedder`` looks for, exists only when both are whole."""
    import onnx

    out_path = Path(out_path)
    staging = Path(tempfile.mkdtemp(prefix=out_path.name + ".", suffix=".tmp", dir=out_path.parent))
    try:
        data = f"{out_path.name}.data"
        onnx.save_model(
            onnx.load(str(src)),
            str(staging / out_path.name),
            save_as_external_data=True,
            all_tensors_to_one_file=True,
            location=data,
            size_threshold=1024,
        )
        # onnx creates the weights file owner-only; give it the graph's mode (the umask's), so a cache one user
        # prepared serves another as every other cache file does.
        os.chmod(staging / data, (staging / out_path.name).stat().st_mode & 0o777)
        os.replace(staging / data, out_path.parent / data)
        os.replace(staging / out_path.name, out_path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_path


def quantize_onnx(fp32_path: Path, model_dir: Path, out_path: Path, recipe: dict = INT8_RECIPE) -> Path:
    """Dynamic int8 quantization of an fp32 export (done once, then cached)."""
    import logging

    import onnx
    from onnxruntime.quantization import quantize_dynamic

    out_path = Path(out_path)
    src, fused = Path(fp32_path), out_path.with_suffix(".fused.tmp")
    tmp = out_path.with_suffix(".quantized.tmp")
    if recipe["fuse"]:
        from onnxruntime.transformers import optimizer

        config = json.loads((Path(model_dir) / "config.json").read_text())
        logging.getLogger("onnxruntime.transformers").setLevel(logging.ERROR)  # fusion chatter
        model = optimizer.optimize_model(
            str(src),
            model_type="bert",
            num_heads=int(config.get("num_attention_heads", 0)),
            hidden_size=int(config.get("hidden_size", 0)),
            opt_level=0,
        )
        model.save_model_to_file(str(fused))
        src = fused
    nodes = [n.name for n in onnx.load(str(src)).graph.node]
    exclude = [name for name in nodes if any(re.search(pattern, name) for pattern in recipe["exclude"])]
    try:
        quantize_dynamic(
            str(src),
            str(tmp),
            op_types_to_quantize=recipe["ops"],
            per_channel=recipe["per_channel"],
            reduce_range=recipe["reduce_range"],
            nodes_to_exclude=exclude,
            # MatMulConstBOnly: only weight MatMuls (attention's activation x activation stays fp32).
            # DefaultTensorType: the fused ops (SkipLayerNormalization...) carry no inferred type.
            extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        save_with_external_weights(tmp, out_path)
    finally:
        fused.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return out_path


class OnnxEmbedder:
    def __init__(
        self,
        model_dir: Path,
        onnx_path: Path,
        model_id: str | None = None,
        threads: int | None = None,
        variant: str = "",
    ):
        """``variant`` names a transformed graph (``int8``): it changes the vectors, so it
        changes the model id and fingerprint (indexes and fitted thresholds are per model)."""
        import onnxruntime
        from tokenizers import Tokenizer

        model_dir = _check_model_dir(model_dir)
        mode, max_len, normalize = _pooling(model_dir)
        if mode == "unsupported":
            raise ModelError(f"{model_dir}: only mean or CLS pooling runs on the ONNX backend")
        self.mode, self.normalize = mode, normalize
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_len)
        self.tokenizer.no_padding()  # each batch is padded to its own longest row in _encode_batch
        # One thread per model call, and up to ``threads`` calls (batches) at once: faster on few cores
        # than one call at a time split over every core by onnxruntime, which synchronises its threads
        # after every one of the graph's hundreds of small ops (README, Speed).
        self.workers = threads or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="onnx")  # starts threads on first use
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.model_id = model_id or model_dir.name
        self.model_dir = model_dir
        self.fingerprint = model_fingerprint(model_dir)
        if variant:
            # its vectors depend on how sentences are batched (see batch_invariant), so the batching is part of it
            self.fingerprint = hashlib.sha256(
                f"{self.fingerprint}:{variant}:{Path(onnx_path).name}:{BATCHING}".encode()
            ).hexdigest()[:16]
        self.dim = int(self.session.get_outputs()[0].shape[-1])
        # int8 quantizes activations with one scale per batch, so a sentence's vector depends on the other
        # sentences in its batch: mixing requests in a batch changed matches in many dev documents.
        # Such a graph is batched one text at a time (encode_groups), so a text's result never
        # depends on what else was sent with it.
        self.batch_invariant = not variant

    def _encode_batch(self, encodings: list) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        feed = {
            name: np.zeros((len(encodings), width), dtype=np.int64)
            for name in ("input_ids", "attention_mask", "token_type_ids")
        }
        for row, e in enumerate(encodings):
            n = len(e.ids)
            feed["input_ids"][row, :n] = e.ids
            feed["attention_mask"][row, :n] = e.attention_mask
            feed["token_type_ids"][row, :n] = e.type_ids
        hidden = self.session.run(None, {name: feed[name] for name in self.input_names})[0]
        if self.mode == "cls":
            pooled = hidden[:, 0]
        else:
            mask = feed["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        return _unit_rows(pooled) if self.normalize else pooled.astype(np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_groups([texts])[0]

    def encode_groups(self, groups: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """The vectors of several texts' sentences, one array per text, from one pass over the model."""
        flat = [text for group in groups for text in group]
        out = np.zeros((len(flat), self.dim), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(flat)  # tokenized once, then batched by token count
        lengths = [len(e.ids) for e in encodings]
        bounds = np.cumsum([0, *map(len, groups)])
        if self.batch_invariant:
            batches = _length_sorted_batches(lengths)
        else:  # each text batched on its own: its vectors never depend on what else was sent with it
            batches = [
                [int(lo) + i for i in batch]
                for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)
                for batch in _length_sorted_batches(lengths[lo:hi])
            ]
        batches.sort(
            key=lambda batch: -len(batch) * max(lengths[i] for i in batch)
        )  # biggest first: workers finish together

        def run(batch: list[int]) -> None:
            out[batch] = self._encode_batch([encodings[i] for i in batch])  # rows of its own: no lock needed

        if self.workers == 1 or len(batches) < 2:
            for batch in batches:
                run(batch)
        else:  # onnxruntime releases the GIL while it runs, so the calls overlap
            list(self._pool.map(run, batches))
        return _split(out, bounds)


def _split(vectors: np.ndarray, bounds: np.ndarray) -> list[np.ndarray]:
    """One array per text, from the rows of all texts and the cumulative sentence counts."""
    return [vectors[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


def encode_groups(embedder: Embedder, groups: Sequence[Sequence[str]]) -> list[np.ndarray]:
    """Vectors for several texts' sentences in one pass: the ONNX embedder batches them together (or,
    for int8, each text on its own); any other embedder encodes them as one list."""
    if hasattr(embedder, "encode_groups"):
        return embedder.encode_groups(groups)
    vectors = embedder.encode([text for group in groups for text in group])
    return _split(vectors, np.cumsum([0, *map(len, groups)]))


def onnx_export_path(model_dir: Path, cache_dir: Path) -> Path:
    """Where ``load_embedder`` caches a model's fp32 ONNX export: one per model's content."""
    return Path(cache_dir) / "onnx" / f"{model_fingerprint(model_dir)}.onnx"


def load_embedder(
    model_dir: Path | None,
    cache_dir: Path,
    backend: str = "auto",
    threads: int | None = None,
    base_dir: Path | None = None,
    adaptation: str | None = None,
) -> Embedder:
    """The embedder for a model directory (default: the bundled all-MiniLM-L6-v2).

    ``model_dir`` adapted from ``base_dir`` by ``adaptation`` (see ``model_identity``)
    names its vectors after both. ``auto`` uses onnxruntime when it is installed,
    exporting the graph into ``cache_dir`` on first use, and sentence-transformers
    otherwise. ``onnx-int8`` also quantizes that export (once, cached beside it).
    """
    model_dir = Path(model_dir) if model_dir else small_model_dir()
    _check_model_dir(model_dir)
    check_backend(backend)
    base = base_dir or model_dir
    if backend == "auto":
        try:
            import onnxruntime  # noqa: F401 - only probes that it is installed

            backend = "onnx"
        except ImportError:
            backend = "torch"
    if backend == "torch":
        return SentenceTransformerEmbedder(model_dir, model_identity(base, adaptation), threads)
    onnx_path = onnx_export_path(model_dir, cache_dir)
    if not onnx_path.is_file():
        export_onnx(model_dir, onnx_path)
    if backend == "onnx-int8":
        recipe = int8_recipe(model_dir)
        digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:8]
        int8_path = onnx_path.with_name(f"{onnx_path.stem}.int8-{digest}.onnx")  # one per model and recipe
        if not int8_path.is_file():
            quantize_onnx(onnx_path, model_dir, int8_path, recipe)
        variant = "int8"
        return OnnxEmbedder(model_dir, int8_path, model_identity(base, adaptation, variant), threads, variant)
    return OnnxEmbedder(model_dir, onnx_path, model_identity(base, adaptation), threads)
