"""Can the product's int8 ONNX path carry a larger base model? Measured, for the README; not part of the product.

    python -m evidence_matcher.eval.base_model_int8 [MODEL_DIR ADAPTER_DIR]   # ~5 min on 2 cores

Default: the shipped evidence encoder (all-mpnet-base-v2 and ``index/encoder``). MiniLM's int8
recipe (``INT8_RECIPES["bert"]``) keeps its first three feed-forward output MatMuls in fp32,
where its activations have outliers. Whether that carries to another model is a question of
fidelity (cosine of each int8 vector to the torch fp32 one) and of speed, so this prints both,
for MiniLM's recipe and for mpnet's (every layer's feed-forward output in fp32, what ships for
it), beside the bare MiniLM's int8 encode and the model's own torch encode of the same
sentences in the same process (ratios: absolute times move from machine to machine).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from evidence_matcher.cache import default_cache_dir

CACHE = default_cache_dir()
DEV_SET = Path(__file__).resolve().parent / "datasets" / "ic6-dev.jsonl"


def timed(encode, sentences: list[str], repeats: int = 3) -> tuple[np.ndarray, list[float]]:
    encode(sentences[:4])  # warm the session before timing
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        vectors = encode(sentences)
        times.append(time.perf_counter() - started)
    return vectors, times


def main(argv: list[str] | None = None) -> int:
    from evidence_matcher.index.embedders import (
        INT8_RECIPES,
        OnnxEmbedder,
        load_embedder,
        onnx_export_path,
        quantize_onnx,
        small_model_dir,
    )
    from evidence_matcher.index.encoder import ENCODER_DIR, adapted_model, ensure_merged_model
    from evidence_matcher.matcher.segment import segment_text

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path, nargs="?", help="a model folder (default: the encoder's base)")
    parser.add_argument("adapter", type=Path, nargs="?", default=ENCODER_DIR, help="its adapter (merged first)")
    parser.add_argument("--documents", type=int, default=40, help="dev-set documents whose sentences are encoded")
    args = parser.parse_args(argv)

    texts = [json.loads(line)["text"] for line in DEV_SET.read_text(encoding="utf-8").splitlines()[: args.documents]]
    sentences = [segment.clean for text in texts for segment in segment_text(text)]
    if args.model_dir:
        merged = ensure_merged_model(args.model_dir, CACHE, args.adapter)
    else:
        merged = adapted_model(CACHE, args.adapter)[1]
    torch_vectors, torch_times = timed(load_embedder(merged, CACHE, backend="torch").encode, sentences)
    _, minilm_times = timed(load_embedder(small_model_dir(), CACHE, backend="onnx-int8").encode, sentences)
    load_embedder(merged, CACHE, backend="onnx")  # exports the fp32 graph once, cached
    fp32 = onnx_export_path(merged, CACHE)
    print(
        f"{len(sentences)} sentences; the larger model's torch encode {min(torch_times):.2f}-{max(torch_times):.2f} s"
    )
    print(f"MiniLM int8: {min(minilm_times) / min(torch_times):.3f}x of it")
    recipes = [("MiniLM's int8 recipe", INT8_RECIPES["bert"]), ("mpnet's (FFN outputs fp32)", INT8_RECIPES["mpnet"])]
    for number, (name, recipe) in enumerate(recipes):
        out = CACHE / "onnx" / f"{fp32.stem}.check-{number}.onnx"  # a scratch file, removed below
        quantize_onnx(fp32, merged, out, recipe)
        weights = out.with_name(out.name + ".data")  # the graph's weights, saved beside it
        vectors, times = timed(OnnxEmbedder(merged, out, "check", None, "int8").encode, sentences)
        cosine = np.sum(torch_vectors * vectors, axis=1)
        print(
            f"{name}: cosine to torch min {cosine.min():.3f} mean {cosine.mean():.3f}; "
            f"{min(times) / min(torch_times):.3f}x the torch time ({min(times) / min(minilm_times):.1f}x MiniLM int8); "
            f"{(out.stat().st_size + weights.stat().st_size) / 1e6:.0f} MB"
        )
        out.unlink()
        weights.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
