"""Batch scoring with the LLM judge against the benchmark's replay server (real openai client, real HTTP)."""

from dataclasses import replace

from evidence_matcher.eval.replay_server import ReplayServer
from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.matcher.judge import JudgeConfig
from evidence_matcher.matcher.scoring.runner import score_documents
from evidence_matcher.matcher.scoring.store import ScoreStore
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID, load_rubric
from tests.test_judge import PARAMS

RUBRIC = load_rubric(DEFAULT_RUBRIC_ID)
EXAMPLES = [b.examples[0] for b in RUBRIC.behaviors[:6]]


def test_a_judged_batch_makes_one_call_per_document_and_a_second_run_none(fake_embedder, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    paths = []
    for i in range(4):
        path = folder / f"doc-{i}.md"
        path.write_text(
            "# Review\n\n" + "\n".join(f"- {e}" for e in EXAMPLES[i : i + 3]) + f"\n- Copy {i}.\n", encoding="utf-8"
        )
        paths.append(path)
    offline = Matcher(embedder=fake_embedder, cache_dir=tmp_path / "cache", params=PARAMS)
    with ReplayServer(evidenced=2) as server:
        judge = JudgeConfig(model="replay", base_url=server.base_url, timeout=10.0, max_retries=0).build(
            tmp_path / "llm-cache.sqlite"
        )
        judged = replace(offline, judge=judge)
        runs = []
        for run in (1, 2):
            store = ScoreStore(tmp_path / f"run{run}.sqlite")  # a fresh store: only the response cache is shared
            runs.append(score_documents(paths, judged, RUBRIC, store, progress=False))
            store.close()
        assert len(server.requests) == 4
    first, second = runs
    assert [o.result.usage.calls for o in first] == [1, 1, 1, 1] and all(o.result.usage.input_tokens > 0 for o in first)
    assert [o.result.usage.calls for o in second] == [0, 0, 0, 0] and [o.result.usage.cache_hits for o in second] == [
        1,
        1,
        1,
        1,
    ]
    for a, b, path in zip(first, second, paths, strict=True):
        text = path.read_text(encoding="utf-8")
        assert a.result.judge.mode == "llm" and a.result.judge.status == "ok"
        assert 1 <= len(a.result.matches) <= 2  # the replay server rates the first two candidates
        assert all(text[c.start : c.end] == c.quote for m in a.result.matches for c in m.citations)
        assert b.result.matches == a.result.matches
