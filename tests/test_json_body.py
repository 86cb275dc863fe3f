"""The one body reader both JSON APIs use (server/json_body.py), fuzzed with hypothesis: a
malformed body or header on any endpoint that reads a body is a 4xx with a message in the
person's language, never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from server.app import create_app
from tests.conftest import isolated_settings

ENDPOINTS = [
    ("POST", "/api/devices"),
    ("PUT", "/api/devices/AAAAAAAAAAAAAAAAAAAAAA"),
    ("POST", "/api/calendar.ics"),
    ("POST", "/api/sets/open"),
    ("POST", "/api/sets/progress"),
    ("POST", "/api/progress/runs"),
]
# How each language's "could not be read", "must be sent as JSON" and "too large" begin.
OPENING = {"en": "The request", "nl": "Het verzoek"}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data: Path = tmp_path_factory.mktemp("data")
    app = create_app(isolated_settings(data, rate_limit="10000/minute"), dispatch=False)
    with TestClient(app) as client:
        yield client


content_types = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/plain", "", "application/x"]
)
lengths = st.sampled_from([None, "", "abc", "-1", "1e3", "9" * 30, "12 ", "0x10"])
bodies = st.binary(max_size=200) | st.sampled_from(
    [b"{", b"[" * 5000, b"\xff\xfe", b"1" * 5000, b'{"a": NaN', b"\x00", b'"\\ud800"']
)


@given(
    endpoint=st.sampled_from(ENDPOINTS),
    content_type=content_types,
    length=lengths,
    body=bodies,
    locale=st.sampled_from(["nl", "en"]),
)
@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_a_malformed_body_is_a_4xx_in_the_persons_language(
    client: TestClient,
    endpoint: tuple[str, str],
    content_type: str,
    length: str | None,
    body: bytes,
    locale: str,
) -> None:
    method, path = endpoint
    headers = {"accept-language": locale, "authorization": "Bearer x"}
    if content_type:
        headers["content-type"] = content_type
    if length is not None:
        headers["content-length"] = length
    try:
        response = client.request(method, path, content=body, headers=headers)
    except Exception:  # a header the HTTP client itself refuses to send
        return
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    answer = response.json()
    assert answer["error"] and answer["message"]
    if answer["error"] in ("json", "content_type", "too_large"):
        assert answer["message"].startswith(OPENING[locale])


def test_an_unreadable_length_is_a_400_on_both_apis(client: TestClient) -> None:
    for method, path in (("POST", "/api/devices"), ("POST", "/api/sets/open")):
        response = client.request(
            method,
            path,
            content=b"{}",
            headers={"content-type": "application/json", "content-length": "abc"},
        )
        assert response.status_code == 400
        assert response.json()["error"] == "json"
