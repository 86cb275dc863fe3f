"""Every JSON endpoint, fuzzed with hypothesis: whatever arrives, the answer is never a 5xx, a
refusal is a clear JSON error in the person's language, and nothing is stored from bad input.

Bodies come from three sources: anything JSON can hold (huge integers, deep nesting, NUL bytes,
any Unicode), near-valid registrations with one part replaced by anything, and raw bytes. Paths
and headers are fuzzed too (device ids, tokens, Content-Type, Authorization). 560 requests on
SQLite and 560 on PostgreSQL: 1,120 per run.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from starlette.testclient import TestClient

from server.app import create_app
from server.db import devices, make_engine, reminders
from server.settings import Settings
from tests.conftest import isolated_settings
from tests.test_api import REMINDER, device, subscription


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# Stands for an integer of 5,000 digits, written into the JSON text as such (Python itself will
# not turn one into text, nor will hypothesis print one).
HUGE = "<an integer of 5,000 digits>"

# Anything JSON can hold, with the values that broke servers before: integers of thousands of
# digits, NUL bytes, lone surrogates are not JSON but everything else in Unicode is.
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.just(HUGE)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.sampled_from(["\x00", "08:30\n", "localtime", "Factory", "Europe/Amsterdam\x00", "nl"])
)
anything = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)


def unique_endpoint() -> str:
    return f"https://fcm.googleapis.com/fcm/send/{uuid.uuid4().hex}"


valid_push = st.builds(lambda: subscription(unique_endpoint()))
parts = {
    "timezone": st.sampled_from(["Europe/Amsterdam", "America/New_York", "UTC"]) | anything,
    "locale": st.sampled_from(["nl", "en"]) | anything,
    "reminders": st.lists(
        st.fixed_dictionaries(
            {
                "days": st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=7)
                | anything,
                "time": st.sampled_from(["08:30", "23:59", "00:00"]) | anything,
                "target": st.sampled_from(
                    [{"type": "exercise", "id": "grounding"}, {"type": "exercise", "id": []}]
                )
                | anything,
            }
        ),
        max_size=3,
    )
    | anything,
    "push": st.none() | valid_push | anything,
    "neutral": st.booleans() | anything,
}
# A registration where any part may be missing or replaced by anything.
near_valid = st.fixed_dictionaries({}, optional=parts)
bodies = near_valid | anything
# Deeply nested JSON under the size limit, and bytes that are not JSON (or not UTF-8) at all.
nested = st.sampled_from([10, 999, 1001, 5000, 16_000]).map(lambda n: "[" * n + "]" * n)
raw = st.binary(max_size=200) | nested.map(str.encode)
content_types = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/plain", "", "application/x"]
)
path_params = st.text(max_size=60) | st.sampled_from(["", "\x00", "a" * 22, "%00", ".."])
# What an HTTP client can put in a header at all.
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=50)


@pytest.fixture
def fuzz_settings(db_settings: Settings) -> Settings:
    # The limits are tested elsewhere (test_api.py); here they would answer 429 for everything.
    return isolated_settings(
        db_settings.data_dir,
        database_url=db_settings.database_url,
        rate_limit="100000/minute",
        rate_limit_total="100000/minute",
    )


@pytest.fixture
def client(fuzz_settings: Settings) -> Iterator[TestClient]:
    app = create_app(fuzz_settings, dispatch=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def stored(fuzz_settings: Settings) -> Iterator[Any]:
    """What the database holds: a device's and a reminder's worth of rows, in a comparable
    form."""
    engine = make_engine(fuzz_settings.database)

    def snapshot() -> tuple[Any, ...]:
        with engine.connect() as connection:
            return (
                connection.execute(
                    select(
                        devices.c.id, devices.c.timezone, devices.c.locale, devices.c.endpoint
                    ).order_by(devices.c.id)
                ).all(),
                connection.execute(select(func.count()).select_from(reminders)).scalar(),
            )

    yield snapshot
    engine.dispose()


def check(response: Any) -> None:
    """Never a server error; a refusal from the API says what is wrong, as JSON with a message
    (a path that is no route at all gets the 404 page)."""
    assert response.status_code < 500, (response.status_code, response.text[:200])
    if response.status_code >= 400:
        if response.headers.get("content-type", "").startswith("application/json"):
            answer = response.json()
            assert set(answer) == {"error", "message"} and answer["message"]
        else:
            assert response.status_code in (404, 405)


def send(client: TestClient, method: str, path: str, body: Any, **headers: str) -> Any:
    if isinstance(body, bytes):
        content = body
    else:
        content = json.dumps(body).replace(json.dumps(HUGE), "9" * 5000).encode()
    headers.setdefault("Content-Type", "application/json")
    return client.request(method, path, content=content, headers=headers)


@fuzz(220)
@given(body=bodies | raw, content_type=content_types, language=st.sampled_from(["nl", "en"]))
def test_registering_a_device(
    client: TestClient, stored: Any, body: Any, content_type: str, language: str
) -> None:
    before = stored()
    response = send(
        client,
        "POST",
        "/api/devices",
        body,
        **{"Content-Type": content_type, "Accept-Language": language},
    )
    check(response)
    if response.status_code != 201:
        assert stored() == before, "nothing stored from bad input"


@fuzz(150)
@given(body=bodies | raw, device_id=path_params, token=header_text, own=st.booleans())
def test_changing_a_device(
    client: TestClient, stored: Any, body: Any, device_id: str, token: str, own: bool
) -> None:
    made = client.post("/api/devices", json=device(subscription(unique_endpoint()))).json()
    before = stored()
    target = made["id"] if own else quote(device_id, safe="")
    secret = made["token"] if own else token
    response = send(client, "PUT", f"/api/devices/{target}", body, Authorization=f"Bearer {secret}")
    check(response)
    if response.status_code != 200:
        assert stored() == before, "nothing changed by bad input"


@fuzz(110)
@given(body=bodies | raw)
def test_downloading_a_calendar(client: TestClient, stored: Any, body: Any) -> None:
    before = stored()
    response = send(client, "POST", "/api/calendar.ics", body)
    check(response)
    assert stored() == before, "a download stores nothing"


@fuzz(80)
@given(device_id=path_params, token=path_params, method=st.sampled_from(["GET", "DELETE"]))
def test_reading_and_deleting_with_made_up_ids(
    client: TestClient, stored: Any, device_id: str, token: str, method: str
) -> None:
    client.post("/api/devices", json=device(subscription(unique_endpoint()), reminders=[REMINDER]))
    before = stored()
    device_id, path_token = quote(device_id, safe=""), quote(token, safe="")
    if method == "GET":
        response = client.get(f"/api/calendar/{device_id}/{path_token}.ics")
    else:
        response = client.delete(
            f"/api/devices/{device_id}", headers={"Authorization": f"Bearer {quote(token)}"}
        )
    check(response)
    assert stored() == before, "a made-up id or token reaches nothing"
