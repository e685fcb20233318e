"""Can the product's int8 ONNX path carry a larger base model? Measured, for the README; not part of the product.

    python -m evidence_matcher.eval.base_model_int8 MPNET_DIR eval/candidates/encoder-mpnet   # ~5 min on 2 cores

The shipped int8 recipe (``INT8_RECIPE``) keeps MiniLM's first three feed-forward output MatMuls
in fp32, where its activations have outliers. Whether that carries to another model is a
question of fidelity (cosine of each int8 vector to the torch fp32 one) and of speed, so this
prints both, for the shipped recipe and for one that keeps every layer's feed-forward output in
fp32, beside the shipped MiniLM int8 encoder and the model's own torch encode of the same
sentences in the same process (ratios: absolute times move from machine to machine).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

CACHE = Path.home() / ".cache" / "evidence-matcher"
DEV_SET = Path(__file__).resolve().parent / "datasets" / "ic6-dev.jsonl"
EVERY_OUTPUT_DENSE = [r"output/dense/MatMul$"]


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
        INT8_RECIPE,
        OnnxEmbedder,
        default_model_dir,
        load_embedder,
        onnx_export_path,
        quantize_onnx,
    )
    from evidence_matcher.index.encoder import ensure_merged_model
    from evidence_matcher.matcher.segment import segment_text

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path, help="the larger model's folder (e.g. all-mpnet-base-v2)")
    parser.add_argument("adapter", type=Path, help="its evidence encoder adapter (merged before export)")
    parser.add_argument("--documents", type=int, default=40, help="dev-set documents whose sentences are encoded")
    args = parser.parse_args(argv)

    texts = [json.loads(line)["text"] for line in DEV_SET.read_text(encoding="utf-8").splitlines()[: args.documents]]
    sentences = [segment.clean for text in texts for segment in segment_text(text)]
    merged = ensure_merged_model(args.model_dir, CACHE, args.adapter)
    torch_vectors, torch_times = timed(load_embedder(merged, CACHE, backend="torch").encode, sentences)
    _, minilm_times = timed(
        load_embedder(ensure_merged_model(default_model_dir(), CACHE), CACHE, backend="onnx-int8").encode, sentences
    )
    load_embedder(merged, CACHE, backend="onnx")  # exports the fp32 graph once, cached
    fp32 = onnx_export_path(merged, CACHE)
    print(
        f"{len(sentences)} sentences; the larger model's torch encode {min(torch_times):.2f}-{max(torch_times):.2f} s"
    )
    print(f"shipped MiniLM int8: {min(minilm_times) / min(torch_times):.3f}x of it")
    recipes = [("shipped int8 recipe", INT8_RECIPE["exclude"]), ("every output dense fp32", EVERY_OUTPUT_DENSE)]
    for number, (name, exclude) in enumerate(recipes):
        out = CACHE / "onnx" / f"{fp32.stem}.check-{number}.onnx"  # a scratch file, removed below
        quantize_onnx(fp32, merged, out, {**INT8_RECIPE, "exclude": exclude})
        vectors, times = timed(OnnxEmbedder(merged, out, "check", None, "int8").encode, sentences)
        cosine = np.sum(torch_vectors * vectors, axis=1)
        print(
            f"{name}: cosine to torch min {cosine.min():.3f} mean {cosine.mean():.3f}; "
            f"{min(times) / min(torch_times):.3f}x the torch time ({min(times) / min(minilm_times):.1f}x MiniLM int8); "
            f"{out.stat().st_size / 1e6:.0f} MB"
        )
        out.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
