"""Every ordinary Python client sees the 413 and its message, not "connection reset".

A real uvicorn on 127.0.0.1 (the fake embedder: no model needed) and 10 MB bodies sent
the way each client sends them: urllib and requests write the whole body before reading.
"""

import json
import urllib.error
import urllib.request

import httpx
import pytest
import requests

from evidence_matcher.api.app import create_app
from evidence_matcher.api.settings import Settings
from tests.fakes import fake_matcher
from tests.live_app import serving

BIG = json.dumps({"text": "x" * 10_000_000}).encode()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    cache = tmp_path_factory.mktemp("limit-cache")
    matcher = fake_matcher(cache)
    with serving(create_app(Settings(cache_dir=cache, max_body_bytes=1_000_000), matcher=matcher)) as url:
        yield url


def _is_limit_message(text: str) -> bool:
    return "byte limit" in json.loads(text)["detail"]


def test_urllib_gets_the_413(base_url):
    request = urllib.request.Request(base_url + "/v1/match", data=BIG, headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=60)
    assert caught.value.code == 413 and _is_limit_message(caught.value.read().decode())


def test_requests_gets_the_413_declared_and_chunked(base_url):
    declared = requests.post(base_url + "/v1/match", data=BIG, headers={"Content-Type": "application/json"}, timeout=60)
    assert declared.status_code == 413 and _is_limit_message(declared.text)
    chunks = (BIG[i : i + 65536] for i in range(0, len(BIG), 65536))  # a generator: sent chunked, no length
    streamed = requests.post(
        base_url + "/v1/match", data=chunks, headers={"Content-Type": "application/json"}, timeout=60
    )
    assert streamed.status_code == 413 and _is_limit_message(streamed.text)


def test_httpx_gets_the_413(base_url):
    response = httpx.post(base_url + "/v1/match", content=BIG, headers={"Content-Type": "application/json"}, timeout=60)
    assert response.status_code == 413 and _is_limit_message(response.text)
    # The server is still fine afterwards.
    assert httpx.get(base_url + "/healthz", timeout=10).status_code == 200
