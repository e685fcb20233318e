"""The command line as a user meets it: real processes, one-line errors, no tracebacks."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args, stdin: bytes | None = None, env_extra: dict | None = None, cache_dir=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EVIDENCE_", "OPENAI_"))}
    env["EVIDENCE_CACHE_DIR"] = str(cache_dir) if cache_dir else env.get("EVIDENCE_CACHE_DIR", "")
    env.update(env_extra or {})
    if not env["EVIDENCE_CACHE_DIR"]:
        del env["EVIDENCE_CACHE_DIR"]
    return subprocess.run(
        [sys.executable, "-c", "from evidence_matcher.api.cli import main; main()", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def assert_one_line_error(proc, fragment):
    err = proc.stderr.decode()
    assert proc.returncode != 0
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("Error: ") and fragment in lines[0], lines[0]


@pytest.mark.parametrize(
    "stdin, fragment",
    [
        (b"", "empty"),
        (b"   \n\t\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"I led the \xff\xfe migration", "not valid UTF-8"),
    ],
)
def test_bad_pasted_text_gets_one_clear_line(stdin, fragment, tmp_path):
    assert_one_line_error(run("tag", "-", stdin=stdin, cache_dir=tmp_path), fragment)


def test_missing_file(tmp_path):
    assert_one_line_error(run("tag", str(tmp_path / "nope.md"), cache_dir=tmp_path), "file not found")


def test_directory_instead_of_file(tmp_path):
    assert_one_line_error(run("tag", str(tmp_path), cache_dir=tmp_path), "is a directory")


def test_unknown_rubric(tmp_path):
    proc = run(
        "tag",
        "-",
        "--rubric",
        "ic9-wizard",
        stdin=b"I mentored two engineers toward promotion this year.",
        cache_dir=tmp_path,
    )
    assert_one_line_error(proc, "unknown rubric 'ic9-wizard'")


def test_text_over_the_size_limit(tmp_path):
    proc = run("tag", "-", stdin=b"word " * 100, env_extra={"EVIDENCE_MAX_CHARS": "100"}, cache_dir=tmp_path)
    assert_one_line_error(proc, "the limit is 100")


def test_unknown_model_directory(tmp_path):
    proc = run(
        "tag",
        "-",
        stdin=b"I mentored two engineers this year.",
        env_extra={"EVIDENCE_MODEL_DIR": str(tmp_path)},
        cache_dir=tmp_path,
    )
    assert_one_line_error(proc, "not a sentence-transformers model directory")


def test_rubric_list_and_show():
    listed = run("rubric", "list")
    assert listed.returncode == 0
    assert (
        "ic6-principal-reliability-engineer\tIC6 Principal Reliability Engineer\t53 behaviors, 2 notes"
        in listed.stdout.decode()
    )
    shown = run("rubric", "show", "ic6-principal-reliability-engineer").stdout.decode()
    assert "systems-design.9" in shown and "(note: not matched)" in shown


def test_help_is_fast_to_reach_and_lists_commands():
    proc = run("--help")
    assert proc.returncode == 0
    for command in ("tag", "rubric", "index", "eval", "bench"):
        assert command in proc.stdout.decode()


@pytest.mark.slow
def test_tag_json_on_a_paste_with_the_real_model(cache_dir):
    text = "## 2026\n- I sat on the hiring committee for senior SRE candidates and ran debriefs for eleven loops.\n"
    proc = run("tag", "-", "--format", "json", stdin=text.encode(), cache_dir=cache_dir)
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout)
    assert result["schema_version"] == "1.0"
    assert result["rubric"]["id"] == "ic6-principal-reliability-engineer"
    hiring = next(m for m in result["matches"] if m["behavior_id"] == "hiring.1")
    for c in hiring["citations"]:
        assert text[c["start"] : c["end"]] == c["quote"]
    assert len(result["matches"]) + len(result["gaps"]) == 53


@pytest.mark.slow
def test_tag_example_as_markdown_and_table(cache_dir):
    md = run("tag", "--example", "--format", "markdown", cache_dir=cache_dir)
    assert md.returncode == 0, md.stderr.decode()
    assert md.stdout.decode().startswith("# Evidence for IC6 Principal Reliability Engineer")
    table = run("tag", "--example", cache_dir=cache_dir)
    assert table.returncode == 0 and "Gaps" in table.stdout.decode()


@pytest.mark.slow
def test_index_build_and_info(cache_dir):
    assert run("index", "build", cache_dir=cache_dir).returncode == 0
    info = json.loads(run("index", "info", cache_dir=cache_dir).stdout)
    assert info["index_type"] == "flat-ip" and info["dimension"] == 768 and info["current"] is True
    assert info["model_id"].startswith(
        "sentence-transformers/all-mpnet-base-v2+evidence-encoder:"
    )  # the shipped encoder, no per-rubric adaptation


def test_judge_llm_without_a_model_is_a_clear_error(tmp_path):
    proc = run("tag", "-", "--judge", "llm", stdin=b"I mentored two engineers this year.", cache_dir=tmp_path)
    assert_one_line_error(proc, "EVIDENCE_LLM_MODEL")


@pytest.mark.parametrize(
    ("setting", "value", "fragment"),
    [
        ("EVIDENCE_PROFILE", "quick", "setting EVIDENCE_PROFILE = 'quick': use one of default, fast"),
        ("EVIDENCE_MAX_BATCH_TEXTS", "0", "setting EVIDENCE_MAX_BATCH_TEXTS = '0': Input should be greater"),
    ],
)
def test_a_setting_that_does_not_validate_is_one_line_naming_it(tmp_path, setting, value, fragment):
    proc = run("tag", "-", stdin=b"I mentored two engineers.", env_extra={setting: value}, cache_dir=tmp_path)
    assert_one_line_error(proc, fragment)


def test_load_bench_starts_its_server_with_the_matcher_it_measures_and_no_judge(monkeypatch, tmp_path):
    """``evidence load-bench`` measures a server it starts: every setting that shapes the offline matcher
    reaches that server (a profile once did not, and the default model was measured), a judge never does."""
    from evidence_matcher.api.settings import OFFLINE_MATCHER_SETTINGS, Settings, load_settings, offline_matcher_env

    for name, value in {
        "EVIDENCE_PROFILE": "fast",
        "EVIDENCE_BACKEND": "onnx-int8",
        "EVIDENCE_ADAPT": "true",
        "EVIDENCE_THRESHOLDS": str(tmp_path / "t.json"),
        "EVIDENCE_THREADS": "1",
        "EVIDENCE_MAX_BATCH_TEXTS": "4",
        "EVIDENCE_LLM_MODEL": "gpt-x",
        "EVIDENCE_API_TOKEN": "secret",
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    env = offline_matcher_env(settings)
    assert not {"EVIDENCE_LLM_MODEL", "EVIDENCE_API_TOKEN"} & env.keys()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("EVIDENCE_LLM_MODEL", "EVIDENCE_API_TOKEN", "EVIDENCE_MODEL_DIR", "EVIDENCE_EMBEDDER"):
        monkeypatch.delenv(name, raising=False)
    server = Settings()
    assert all(getattr(server, name) == getattr(settings, name) for name in OFFLINE_MATCHER_SETTINGS)
    assert server.profile == "fast" and server.adapt and server.threads == 1 and server.llm_model is None


@pytest.mark.slow
def test_no_text_leaves_the_machine_unless_the_user_asked(cache_dir):
    """A stray OPENAI_API_KEY (even with a base URL) sends nothing; --judge offline sends nothing."""
    from tests.llm_server import ScriptedServer, completion

    text = b"- I sat on the hiring committee for senior SRE candidates and ran debriefs for eleven loops.\n"
    answer = json.dumps(
        {
            "behaviors": [
                {
                    "behavior_id": "hiring.1",
                    "verdict": "strong",
                    "rationale": "Ran debriefs.",
                    "quotes": ["I sat on the hiring committee for senior SRE candidates"],
                }
            ]
        }
    )
    with ScriptedServer(lambda body: (200, completion(answer), 0.0)) as server:
        stray = {"OPENAI_API_KEY": "sk-stray", "OPENAI_BASE_URL": server.base_url}
        proc = run("tag", "-", "--format", "json", stdin=text, env_extra=stray, cache_dir=cache_dir)
        assert proc.returncode == 0, proc.stderr.decode()
        assert json.loads(proc.stdout)["judge"]["mode"] == "offline"
        forced = run(
            "tag",
            "-",
            "--judge",
            "offline",
            "--format",
            "json",
            stdin=text,
            env_extra={**stray, "EVIDENCE_LLM_MODEL": "m"},
            cache_dir=cache_dir,
        )
        assert json.loads(forced.stdout)["judge"]["mode"] == "offline"
        assert server.requests == []
        asked = run(
            "tag",
            "-",
            "--format",
            "json",
            stdin=text,
            env_extra={**stray, "EVIDENCE_LLM_MODEL": "m"},
            cache_dir=cache_dir,
        )
        assert asked.returncode == 0, asked.stderr.decode()
        result = json.loads(asked.stdout)
        assert len(server.requests) == 1 and server.requests[0]["model"] == "m"
        assert result["judge"] == {"mode": "llm", "status": "ok", "reason": ""}
        assert [m["behavior_id"] for m in result["matches"]] == ["hiring.1"]
        assert result["usage"]["calls"] == 1
