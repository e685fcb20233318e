"""Property-based run of the OpenAPI schema against the live app (uvicorn on 127.0.0.1): no 5xx."""

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")
from hypothesis import HealthCheck, given, settings  # noqa: E402 - after the importorskip
from hypothesis.errors import Unsatisfiable  # noqa: E402 - after the importorskip

from evidence_matcher.api.app import create_app  # noqa: E402 - after the importorskip
from evidence_matcher.api.settings import Settings  # noqa: E402 - after the importorskip
from tests.fakes import fake_matcher  # noqa: E402 - after the importorskip
from tests.live_app import serving  # noqa: E402 - after the importorskip


@pytest.fixture(scope="module")
def live_schema(tmp_path_factory):
    cache = tmp_path_factory.mktemp("schema-cache")
    matcher = fake_matcher(cache)
    with serving(create_app(Settings(cache_dir=cache, max_body_bytes=200_000), matcher=matcher)) as url:
        yield schemathesis.openapi.from_url(f"{url}/openapi.json")


def test_no_server_errors(live_schema):
    """Every operation, with cases generated from its schema (valid and invalid bodies)."""
    operations = [result.ok() for result in live_schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/match", "/v1/rubrics", "/v1/batch", "/v1/batch/{job_id}"}
    from schemathesis import GenerationMode

    for operation, mode in [(op, mode) for op in operations for mode in GenerationMode]:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case):
            response = case.call(timeout=30)
            assert response.status_code < 500, (
                f"{case.method} {case.path}: {response.status_code} {response.text[:300]}"
            )

        try:
            check()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing to get wrong (e.g. no parameters at all)
