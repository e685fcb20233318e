"""HTTP load benchmark: N concurrent clients on loopback against a real `evidence serve`.

Reports throughput, latency percentiles, errors and the server's memory, beside the
bare ``SentenceTransformer.encode`` throughput of the same texts' sentences measured in
the same run (same weights, same machine), as a ratio. Bounded in time and count, and
only ever talks to 127.0.0.1.
"""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path

import numpy as np

from evidence_matcher.eval.server_process import evidence_server
from evidence_matcher.matcher.segment import segment_text

MAX_REQUESTS = 100_000


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_load(
    cli: list[str],
    texts: list[str],
    clients: int,
    seconds: float,
    cache_dir: Path,
    model_dir: Path,
    served_embedder=None,
    server_env: dict | None = None,
) -> dict:
    """``served_embedder``: the embedder the server runs (when it is not the fp32 model, e.g. onnx-int8), whose
    bare encode is measured too; ``server_env``: EVIDENCE_* settings passed to the server."""
    import httpx

    from evidence_matcher.index.embedders import SentenceTransformerEmbedder

    sentences = [[s.clean for s in segment_text(t)] for t in texts]
    flat = [s for group in sentences for s in group]
    reference = SentenceTransformerEmbedder(model_dir)
    reference.encode(flat[:32])
    started = time.perf_counter()
    reference.encode(flat)
    bare = len(flat) / (time.perf_counter() - started)
    bare_served = None
    if served_embedder is not None:
        started = time.perf_counter()
        served_embedder.encode(flat)
        bare_served = len(flat) / (time.perf_counter() - started)

    with evidence_server(cli, cache_dir, server_env) as (base, server):
        with httpx.Client(base_url=base, timeout=60) as warm:
            warm.post("/v1/match", json={"text": texts[0]}).raise_for_status()

        latencies: list[float] = []
        done_sentences = [0]
        errors = [0]
        lock = threading.Lock()
        stop_at = time.perf_counter() + seconds

        def client(worker: int) -> None:
            with httpx.Client(base_url=base, timeout=60) as http:
                i = worker
                while time.perf_counter() < stop_at and len(latencies) < MAX_REQUESTS:
                    text_index = i % len(texts)
                    t0 = time.perf_counter()
                    try:
                        ok = http.post("/v1/match", json={"text": texts[text_index]}).status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    elapsed = time.perf_counter() - t0
                    with lock:
                        if ok:
                            latencies.append(elapsed)
                            done_sentences[0] += len(sentences[text_index])
                        else:
                            errors[0] += 1
                    i += clients

        rss_before = _rss_mb(server.pid)
        threads = [threading.Thread(target=client, args=(w,)) for w in range(clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        peak = rss_before
        while any(t.is_alive() for t in threads):
            peak = max(peak, _rss_mb(server.pid))
            time.sleep(0.2)
        wall = time.perf_counter() - t0
    served = done_sentences[0] / wall
    return {
        "clients": clients,
        "seconds": round(wall, 1),
        "requests": len(latencies),
        "errors": errors[0],
        "requests_per_s": len(latencies) / wall,
        "sentences_per_s": served,
        "bare_st_encode_sentences_per_s": bare,
        "ratio_vs_bare_encode": served / bare,
        **(
            {"bare_served_encode_sentences_per_s": bare_served, "ratio_vs_bare_served_encode": served / bare_served}
            if bare_served
            else {}
        ),
        "p50_ms": float(np.percentile(latencies, 50)) * 1000 if latencies else float("nan"),
        "p99_ms": float(np.percentile(latencies, 99)) * 1000 if latencies else float("nan"),
        "mean_words_per_text": statistics.mean(len(t.split()) for t in texts),
        "server_rss_mb_idle": rss_before,
        "server_rss_mb_peak": peak,
    }
