"""The one body reader both JSON APIs use (server/json_body.py), fuzzed with hypothesis: a
malformed body or header on any endpoint that reads a body is a 4xx with a message in the
person's language, never a 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from server.app import create_app
from server.db import devices
from server.settings import Settings
from server.therapist.tables import progress_links, progress_runs, share_tokens
from tests.conftest import isolated_settings
from tests.therapist import count, create_set, make_therapist, open_client, share

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


def test_an_integer_of_more_digits_than_python_converts_is_a_400(client: TestClient) -> None:
    """Python refuses to turn an integer of over 4,300 digits into an int (ValueError)."""
    for method, path in ENDPOINTS:
        for body in (b"1" * 5000, b'{"token": ' + b"7" * 5000 + b"}"):
            response = client.request(
                method,
                path,
                content=body,
                headers={"content-type": "application/json", "accept-language": "en"},
            )
            assert response.status_code == 400, (path, response.text)
            assert response.json() == {
                "error": "json",
                "message": "The request could not be read.",
            }


REMINDER = {"days": [1], "time": "08:30", "target": {"type": "exercise", "id": "grounding"}}


def device(**changes: Any) -> dict[str, Any]:
    return {"timezone": "Europe/Amsterdam", "locale": "en", "reminders": [REMINDER], **changes}


def test_text_no_database_holds_or_that_turns_its_direction_around_is_refused(
    db_settings: Settings,
) -> None:
    """Control characters (PostgreSQL refuses a NUL), bidi overrides and isolates, and lone
    surrogates (no UTF-8 holds one) in any text of any body: a 4xx, and nothing is stored."""
    with open_client(db_settings) as client:
        person = make_therapist(client, "a@example.org")
        _, token, code = share(person, create_set(person))
        secret = client.post("/api/sets/progress", json={"token": token}).json()["secret"]
        stored = [share_tokens, progress_links, progress_runs, devices]
        before = [count(client, table) for table in stored]
        refused = [
            ("/api/sets/open", {"token": token + "\x00"}, "control"),
            ("/api/sets/open", {"code": code + "\x1f"}, "control"),
            ("/api/sets/open", {"token": "\ud800"}, "json"),
            ("/api/sets/open", {"token": "\u202e" + token}, "bidi"),
            ("/api/sets/progress", {"token": token + "\u2067"}, "bidi"),
            ("/api/sets/progress", {"token": token[:-1] + "\udc00"}, "json"),
            ("/api/progress/runs", {"runs": [{"id": "\x7f"}]}, "control"),
            ("/api/progress/runs", {"runs": [], "\x00": 1}, "control"),
            ("/api/devices", device(timezone="Europe/Amsterdam\x00"), "control"),
            ("/api/devices", device(reminders=[{**REMINDER, "time": "08:30\x0b"}]), "control"),
            ("/api/devices", device(timezone="\udfff"), "json"),
            ("/api/calendar.ics", device(locale="en\u202a"), "bidi"),
        ]
        for path, body, error in refused:
            response = client.post(
                path,
                content=json.dumps(body),
                headers={
                    "content-type": "application/json",
                    "accept-language": "en",
                    "authorization": f"Bearer {secret}",
                },
            )
            assert response.status_code == 400, (path, body, response.text)
            assert response.json()["error"] == error, (path, body)
        assert [count(client, table) for table in stored] == before
        dutch = client.post(
            "/api/sets/open", json={"token": token + "\x00"}, headers={"accept-language": "nl"}
        )
        assert dutch.json()["message"] == (
            "In wat je hebt ingevuld staat een onzichtbaar teken dat hier niet kan. "
            "Haal het weg en probeer het opnieuw."
        )
