"""The HTTP API through its HTTP interface (ASGI), with a fast fake-embedder matcher."""

import asyncio
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from evidence_matcher.api.app import create_app
from evidence_matcher.api.settings import Settings
from evidence_matcher.errors import ModelError
from evidence_matcher.matcher.decision import DecisionParams
from evidence_matcher.matcher.engine import Matcher
from evidence_matcher.rubrics.store import DEFAULT_RUBRIC_ID, load_rubric

HIRING = load_rubric(DEFAULT_RUBRIC_ID).locate("hiring.1")[2].examples[0]
PARAMS = DecisionParams(threshold=0.6, max_rank=1, moderate=0.8, strong=0.95)


@pytest.fixture
def matcher(fake_embedder, tmp_path):
    return Matcher(embedder=fake_embedder, cache_dir=tmp_path, params=PARAMS)


def client_for(matcher, tmp_path, **settings):
    app = create_app(Settings(cache_dir=tmp_path, **settings), matcher=matcher)
    return TestClient(app)


def test_health_and_readiness(matcher, tmp_path):
    with client_for(matcher, tmp_path) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json()["status"] == "ready"


def test_match_returns_the_tag_json_schema_with_verbatim_citations(matcher, tmp_path):
    text = f"## 2026\n- {HIRING}\n- Lunch was good this week, thanks everyone.\n"
    with client_for(matcher, tmp_path) as client:
        response = client.post("/v1/match", json={"text": text})
    assert response.status_code == 200
    body = response.json()
    assert body["schema_version"] == "1.0" and body["judge"]["mode"] == "offline"
    hiring = next(m for m in body["matches"] if m["behavior_id"] == "hiring.1")
    for c in hiring["citations"]:
        assert text[c["start"] : c["end"]] == c["quote"]
    # Same as the library (and so as `evidence tag --format json`).
    assert body == matcher.match(text).model_dump(mode="json")


@pytest.mark.parametrize(
    "payload, fragment",
    [
        ({"text": ""}, "at least 1 character"),
        ({"text": "   \n\t"}, "empty"),
        ({"text": 42}, "valid string"),
        ({}, "Field required"),
        ({"text": "I mentored two engineers this year.", "rubric": "../../etc/passwd.yaml"}, "not a path"),
        ({"text": "I mentored two engineers this year.", "judge": "llm"}, "no LLM configured"),
        ({"text": "I mentored two engineers this year.", "judge": "maybe"}, "'auto', 'offline' or 'llm'"),
    ],
)
def test_bad_input_gets_422_with_a_message(matcher, tmp_path, payload, fragment):
    with client_for(matcher, tmp_path) as client:
        response = client.post("/v1/match", json=payload)
    assert response.status_code == 422
    assert fragment in str(response.json()["detail"])


def test_an_unknown_rubric_is_404_on_every_route(matcher, tmp_path):
    """The same mistake gets the same status everywhere: one handler maps each error class to its status."""
    with client_for(matcher, tmp_path) as client:
        responses = [
            client.post("/v1/match", json={"text": "I mentored two engineers this year.", "rubric": "nope"}),
            client.post("/v1/batch", json={"documents": [{"text": "I mentored two engineers."}], "rubric": "nope"}),
            client.get("/v1/rubrics/nope"),
        ]
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert all("unknown rubric 'nope'" in r.json()["detail"] for r in responses)


def test_a_model_failure_is_a_5xx_with_a_message(matcher, tmp_path):
    class BrokenEmbedder:
        model_id, fingerprint, dim = "broken", "broken-1", 8

        def encode(self, texts):
            raise ModelError("the embedding model failed: out of memory")

    broken = Matcher(embedder=BrokenEmbedder(), cache_dir=tmp_path / "broken", params=matcher.params)
    with client_for(broken, tmp_path) as client:
        response = client.post("/v1/match", json={"text": "I mentored two engineers this year."})
    assert response.status_code == 500 and "out of memory" in response.json()["detail"]


def test_malformed_json_is_422_not_500(matcher, tmp_path):
    with client_for(matcher, tmp_path) as client:
        response = client.post("/v1/match", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_text_over_the_character_limit_is_422(matcher, tmp_path):
    matcher.max_chars = 50
    with client_for(matcher, tmp_path, max_chars=50) as client:
        response = client.post("/v1/match", json={"text": "word " * 30})
    assert response.status_code == 422 and "limit is 50" in response.json()["detail"]


def test_bodies_over_the_limit_get_413_declared_or_streamed(matcher, tmp_path):
    with client_for(matcher, tmp_path, max_body_bytes=1000) as client:
        declared = client.post("/v1/match", json={"text": "x" * 5000})
        assert declared.status_code == 413 and "limit" in declared.json()["detail"]

        def chunks():
            yield b'{"text": "'
            for _ in range(20):
                yield b"y" * 100
            yield b'"}'

        streamed = client.post("/v1/match", content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413


def test_rubrics(matcher, tmp_path):
    with client_for(matcher, tmp_path) as client:
        listed = client.get("/v1/rubrics").json()
        assert listed[0]["id"] == DEFAULT_RUBRIC_ID and listed[0]["behaviors"] == 53 and listed[0]["notes"] == 2
        rubric = client.get(f"/v1/rubrics/{DEFAULT_RUBRIC_ID}").json()
        assert rubric["areas"][0]["name"] == "Scope"
        assert client.get("/v1/rubrics/nope").status_code == 404


def test_batch_job_progress_and_results(matcher, tmp_path):
    docs = [
        {"id": f"doc-{i}", "text": f"- {HIRING}\n- Note number {i} about the weather this week."} for i in range(11)
    ]
    with client_for(matcher, tmp_path) as client:
        accepted = client.post("/v1/batch", json={"documents": docs})
        assert accepted.status_code == 202
        url = accepted.json()["status_url"]
        deadline = time.time() + 30
        while (status := client.get(url).json())["status"] not in ("done", "failed") and time.time() < deadline:
            time.sleep(0.05)
        assert status["status"] == "done" and status["done"] == status["total"] == 11
        assert set(status["results"]) == {d["id"] for d in docs} and status["errors"] == {}
        assert any(m["behavior_id"] == "hiring.1" for m in status["results"]["doc-3"]["matches"])
        assert client.get("/v1/batch/unknown").status_code == 404
        dup = client.post(
            "/v1/batch", json={"documents": [{"id": "a", "text": "x y z w"}, {"id": "a", "text": "x y z w"}]}
        )
        assert dup.status_code == 422 and "unique" in dup.json()["detail"]
        empty = client.post("/v1/batch", json={"documents": [{"id": "a", "text": "   "}]})
        assert empty.status_code == 422 and "document 'a'" in empty.json()["detail"]


def test_bearer_token_when_configured(matcher, tmp_path):
    with client_for(matcher, tmp_path, api_token="s3cret") as client:
        assert client.get("/healthz").status_code == 200  # probes stay open
        assert client.get("/v1/rubrics").status_code == 401
        assert client.get("/v1/rubrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/v1/rubrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert client.post("/v1/match", json={"text": HIRING}).status_code == 401


def test_cors_is_off_unless_configured(matcher, tmp_path):
    origin = {"Origin": "https://elsewhere.example"}
    with client_for(matcher, tmp_path) as client:
        assert "access-control-allow-origin" not in client.get("/v1/rubrics", headers=origin).headers
    with client_for(matcher, tmp_path, cors_origins="https://elsewhere.example") as client:
        assert (
            client.get("/v1/rubrics", headers=origin).headers["access-control-allow-origin"]
            == "https://elsewhere.example"
        )


def test_the_page_and_its_assets_are_served(matcher, tmp_path):
    with client_for(matcher, tmp_path) as client:
        page = client.get("/")
        assert page.status_code == 200 and "<textarea" in page.text
        assert client.get("/static/app.js").status_code == 200
        assert "/v1/match" in client.get("/openapi.json").text


def test_concurrent_requests_are_embedded_together(matcher, tmp_path, fake_embedder):
    app = create_app(Settings(cache_dir=tmp_path), matcher=matcher)

    async def burst():
        transport = httpx.ASGITransport(app=app)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                await client.post("/v1/match", json={"text": HIRING})  # warm: index built
                calls = fake_embedder.calls
                texts = [f"{HIRING} Request number {i}." for i in range(24)]
                responses = await asyncio.gather(*(client.post("/v1/match", json={"text": t}) for t in texts))
                return responses, fake_embedder.calls - calls

    responses, encode_calls = asyncio.run(burst())
    assert all(r.status_code == 200 for r in responses)
    assert encode_calls < 24  # several requests shared each model call


def test_extract_reads_docx_and_pdf_and_refuses_bad_files(matcher, tmp_path):
    from tests.test_score import make_docx, make_pdf

    make_docx(tmp_path / "r.docx", "I ran debriefs for the senior hiring loop.\nSecond paragraph here.")
    make_pdf(tmp_path / "r.pdf", "I mentored two engineers toward staff this year.")
    with client_for(matcher, tmp_path) as client:
        docx_text = client.post("/v1/extract?filename=review.docx", content=(tmp_path / "r.docx").read_bytes()).json()[
            "text"
        ]
        assert "senior hiring loop" in docx_text
        pdf = client.post("/v1/extract?filename=review.pdf", content=(tmp_path / "r.pdf").read_bytes())
        assert pdf.status_code == 200 and "mentored two engineers" in pdf.json()["text"]
        broken = client.post("/v1/extract?filename=review.pdf", content=b"%PDF-1.4 garbage")
        assert broken.status_code == 422 and "review.pdf: not a readable PDF" in broken.json()["detail"]
        assert client.post("/v1/extract?filename=x.exe", content=b"MZ").status_code == 422
        assert client.post("/v1/extract?filename=empty.txt", content=b"").status_code == 422
