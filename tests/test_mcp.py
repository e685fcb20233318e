"""`evidence mcp` end to end: the official SDK's client (mcp.client.stdio + ClientSession) against a real server
process.

The fast tests configure the fake embedder by environment (the CLI's test seam), so the server starts in a second;
one slow test runs the real model and checks the citations come back located in the text sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from contextlib import asynccontextmanager, nullcontext
from pathlib import Path

import anyio
import pytest

from evidence_matcher.matcher.decision import DecisionParams
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID, load_rubric

mcp = pytest.importorskip("mcp", reason="the mcp SDK is not installed")
from mcp import ClientSession, StdioServerParameters  # noqa: E402 - after the importorskip
from mcp.client.stdio import stdio_client  # noqa: E402 - after the importorskip

ROOT = Path(__file__).resolve().parents[1]
PARAMS = DecisionParams(threshold=0.6, max_rank=1, moderate=0.8, strong=0.95)
RUBRIC = load_rubric(DEFAULT_RUBRIC_ID)
SCOPE = RUBRIC.locate("scope.1")[2].examples[0]  # a rubric example: the fake embedder scores it 1.0 for scope.1
REACH = RUBRIC.locate("collaborative-reach.1")[2].examples[1]
TEXT = f"# Review\n\nSome context first.\n\n- {SCOPE}\n- {REACH}\n"
TOOLS = {"match_text", "list_rubrics", "show_rubric", "score_folder", "level_fit", "build_packet"}


def fake_env(tmp: Path) -> dict[str, str]:
    thresholds = tmp / "thresholds.json"
    thresholds.write_text(PARAMS.model_dump_json(), encoding="utf-8")
    return {
        "EVIDENCE_EMBEDDER": "tests.fakes:FakeEmbedder",
        "EVIDENCE_THRESHOLDS": str(thresholds),
        "EVIDENCE_CACHE_DIR": str(tmp / "cache"),
        "EVIDENCE_ADAPT": "false",
        "EVIDENCE_LLM_MODEL": "",
        "HF_HUB_OFFLINE": "1",
    }


@asynccontextmanager
async def session(env: dict[str, str], errlog=None):
    """A ClientSession on a fresh `evidence mcp` process (the client passes only a safe set of variables on);
    the server's stderr goes to ``errlog`` (a real file: the process writes to its descriptor)."""
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "evidence_matcher.api.cli", "mcp"], env=env, cwd=str(ROOT)
    )
    with tempfile.TemporaryFile("w+") if errlog is None else nullcontext(errlog) as log:
        async with stdio_client(params, errlog=log) as (read, write), ClientSession(read, write) as client:
            await client.initialize()
            yield client


def payload(result) -> dict | list:
    """A tool result's structured content (the SDK wraps non-object results in {"result": ...})."""
    assert not result.is_error, result.content[0].text
    data = result.structured_content
    return data["result"] if set(data) == {"result"} else data


def cli_error(args: list[str], env: dict[str, str]) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "evidence_matcher.api.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    return run.stderr.strip().splitlines()[-1]


def test_a_client_lists_the_tools_matches_a_text_and_scores_a_folder(tmp_path):
    env = fake_env(tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text(TEXT, encoding="utf-8")
    (docs / "empty.md").write_text("", encoding="utf-8")

    async def scenario(errlog):
        async with session(env, errlog) as client:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
            assert set(tools) == TOOLS
            assert all(len(tool.description or "") > 80 for tool in tools.values())  # written for a model to read
            assert "text[start:end] == quote" in tools["match_text"].description
            assert tools["match_text"].input_schema["required"] == ["text"]

            rubrics = payload(await client.call_tool("list_rubrics", {}))
            assert DEFAULT_RUBRIC_ID in [r["id"] for r in rubrics]
            shown = payload(await client.call_tool("show_rubric", {"rubric": DEFAULT_RUBRIC_ID}))
            assert shown["id"] == DEFAULT_RUBRIC_ID and shown["areas"]

            resources = (await client.list_resources()).resources
            assert f"rubric://{DEFAULT_RUBRIC_ID}" in {str(r.uri) for r in resources}
            body = (await client.read_resource(f"rubric://{DEFAULT_RUBRIC_ID}")).contents[0].text
            assert f"id: {DEFAULT_RUBRIC_ID}" in body

            first = payload(await client.call_tool("match_text", {"text": TEXT, "judge": "offline"}))
            again = payload(await client.call_tool("match_text", {"text": TEXT}))
            scored = payload(await client.call_tool("score_folder", {"paths": [str(docs)], "out": str(tmp_path / "o")}))
            return first, again, scored

    with tempfile.TemporaryFile("w+") as errlog:
        first, again, scored = anyio.run(scenario, errlog)
        errlog.seek(0)
        log = errlog.read()

    # The same JSON as POST /v1/match: schema, located citations.
    assert first["schema_version"] == "1.0" and first == again
    matched = {m["behavior_id"]: m for m in first["matches"]}
    assert {"scope.1", "collaborative-reach.1"} <= set(matched)
    for m in first["matches"]:
        for c in m["citations"]:
            assert TEXT[c["start"] : c["end"]] == c["quote"]
    assert matched["scope.1"]["citations"][0]["quote"] == SCOPE

    assert (scored["documents"], scored["scored"], scored["failed"]) == (2, 1, 1)
    assert "empty" in scored["failures"][0]
    report = Path(next(d["report"] for d in scored["per_document"] if d["document"] == "a.md"))
    assert report.is_file() and SCOPE in report.read_text(encoding="utf-8")
    assert Path(scored["cohort_html"]).is_file()
    assert log.count("matcher loaded") == 1  # one load for three calls


def test_bad_input_is_a_tool_error_with_the_clis_line(tmp_path):
    env = fake_env(tmp_path)

    async def scenario():
        async with session(env) as client:
            unknown = await client.call_tool("match_text", {"text": TEXT, "rubric": "no-such-ladder"})
            empty = await client.call_tool("match_text", {"text": "   "})
            judge = await client.call_tool("match_text", {"text": TEXT, "judge": "llm"})
            nothing = await client.call_tool("score_folder", {"paths": [str(tmp_path / "nope")], "out": str(tmp_path)})
            fine = await client.call_tool("list_rubrics", {})  # the server is still up
            return unknown, empty, judge, nothing, fine

    unknown, empty, judge, nothing, fine = anyio.run(scenario)
    for result in (unknown, empty, judge, nothing):
        assert result.is_error and len(result.content) == 1 and "\n" not in result.content[0].text
    assert not fine.is_error
    (tmp_path / "t.md").write_text(TEXT, encoding="utf-8")
    assert unknown.content[0].text == cli_error(["tag", str(tmp_path / "t.md"), "--rubric", "no-such-ladder"], env)
    assert judge.content[0].text == cli_error(["tag", str(tmp_path / "t.md"), "--judge", "llm"], env)
    assert nothing.content[0].text == cli_error(["score", str(tmp_path / "nope"), "--out", str(tmp_path / "o")], env)
    assert empty.content[0].text.startswith("Error: text is empty")


def test_wrong_and_missing_arguments_are_one_line_tool_errors(tmp_path):
    """Arguments that do not fit a tool's input schema: the SDK would answer pydantic's multi-line report; the server
    answers one line naming each argument and what it should be, and a call the SDK accepts still goes through."""
    env = fake_env(tmp_path)
    nope = str(tmp_path / "nope")
    calls = {
        "wrong type": ("match_text", {"text": 5}),
        "missing": ("score_folder", {"paths": [str(tmp_path)]}),
        "both, and null for a string": ("build_packet", {"paths": [nope, 7], "out": None}),
        "several": ("level_fit", {"track": 3, "fit_bar": "high", "level": 2}),
        "out of range": ("level_fit", {"paths": [nope], "track": "t.track.yaml", "fit_bar": 2}),
        "unknown tool": ("match_texts", {"text": TEXT}),
        # The SDK reads a list sent as a JSON string (some clients do): so does the check, and the tool runs.
        "list as JSON": ("score_folder", {"paths": json.dumps([nope]), "out": str(tmp_path / "o")}),
    }

    async def scenario():
        async with session(env) as client:
            results = {label: await client.call_tool(name, args) for label, (name, args) in calls.items()}
            fine = await client.call_tool("match_text", {"text": TEXT})  # the server is still up
            return results, fine

    results, fine = anyio.run(scenario)
    for result in results.values():
        assert result.is_error and len(result.content) == 1 and "\n" not in result.content[0].text
    assert {label: result.content[0].text for label, result in results.items()} == {
        "wrong type": "Error: match_text: 'text' must be a string",
        "missing": "Error: score_folder: 'out' is required",
        "both, and null for a string": "Error: build_packet: 'paths' must be a list of strings; 'out' must be a string",
        "several": "Error: level_fit: 'paths' is required; 'track' must be a string; 'level' must be a string or null; "
        "'fit_bar' must be a number",
        "out of range": "Error: level_fit: 'fit_bar' must be less than or equal to 1",
        "unknown tool": "Error: unknown tool 'match_texts' "
        "(tools: match_text, list_rubrics, show_rubric, score_folder, level_fit, build_packet)",
        "list as JSON": cli_error(["score", nope, "--out", str(tmp_path / "o")], env),  # the tool's own answer
    }
    assert payload(fine)["matches"]


def test_stdout_carries_only_the_protocol(tmp_path):
    """Every line the server writes on stdout is a JSON-RPC message, even while the matcher loads and scores."""
    env = {**os.environ, **fake_env(tmp_path)}
    hello = {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": hello},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "match_text", "arguments": {"text": TEXT}},
        },
    ]
    server = subprocess.Popen(
        [sys.executable, "-m", "evidence_matcher.api.cli", "mcp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    lines = []
    try:
        for message in messages:
            server.stdin.write(json.dumps(message) + "\n")
            server.stdin.flush()
            if "id" in message:
                lines.append(server.stdout.readline())
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    replies = [json.loads(line) for line in lines + server.stdout.read().splitlines() if line.strip()]
    assert [r.get("id") for r in replies] == [1, 2] and all(r["jsonrpc"] == "2.0" for r in replies)
    assert replies[1]["result"]["structuredContent"]["matches"]


@pytest.mark.slow
def test_the_real_model_returns_located_citations(cache_dir):
    example = (ROOT / "api" / "examples" / "self-review-ic6.md").read_text(encoding="utf-8")
    env = {"EVIDENCE_CACHE_DIR": str(cache_dir), "HF_HUB_OFFLINE": "1"}  # the session's model cache

    async def scenario():
        async with session(env) as client:
            return payload(await client.call_tool("match_text", {"text": example, "judge": "offline"}))

    result = anyio.run(scenario)
    assert len(result["matches"]) >= 5 and result["model"] != "fake/bag-of-words"
    for m in result["matches"]:
        assert m["citations"]
        for c in m["citations"]:
            assert example[c["start"] : c["end"]] == c["quote"]


def test_level_fit_and_packet_tools_on_a_track(tmp_path):
    from tests.test_score_levels import JUNIOR, SENIOR, make_track

    env = fake_env(tmp_path)
    track = make_track(tmp_path / "tracks")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "senior.md").write_text(f"---\ndate: 2025-02-01\n---\n{SENIOR}", encoding="utf-8")
    (docs / "junior.md").write_text(f"---\ndate: 2025-05-01\n---\n{JUNIOR}", encoding="utf-8")

    async def scenario():
        async with session(env) as client:
            fits = payload(await client.call_tool("level_fit", {"paths": [str(docs)], "track": str(track)}))
            bad = await client.call_tool("level_fit", {"paths": [str(docs)], "track": str(track), "level": "W9"})
            packet = payload(
                await client.call_tool(
                    "build_packet", {"paths": [str(docs)], "out": str(tmp_path / "p"), "track": str(track)}
                )
            )
            return fits, bad, packet

    fits, bad, packet = anyio.run(scenario)
    by_doc = {d["document"]: d["level_fit"] for d in fits["documents"]}
    assert fits["levels"] == ["W1", "W2", "W3"] and fits["reports"] is None
    assert (by_doc["senior.md"]["fit"], by_doc["senior.md"]["next_level"]) == ("W2", "W3")
    assert [g["behavior_id"] for g in by_doc["senior.md"]["gaps_to_next_level"]] == ["strategy.1", "strategy.2"]
    assert by_doc["junior.md"]["fit"] is None
    assert bad.is_error and "not a level of track widget" in bad.content[0].text
    # Together the two documents fit W2 (W1: 3 of 3, W2: 2 of 4): the packet is for W3, which has no evidence.
    assert (packet["fit"], packet["target"], packet["evidenced"], packet["periods"]) == (
        "W2",
        "W3",
        0,
        ["2025-Q1", "2025-Q2"],
    )
    assert packet["gaps"] == {
        "Strategy": ["strategy.1: Sets technical direction for an organisation.", "strategy.2: Shapes hiring."]
    }
    assert all(Path(path).is_file() for path in packet["files"].values())
