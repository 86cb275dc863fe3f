"""The reminders API: devices, push subscriptions and calendars; bad input stores nothing."""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from icalendar import Calendar
from sqlalchemy import func, select
from starlette.routing import Route
from starlette.testclient import TestClient

from server.app import create_app
from server.db import devices, make_engine, reminders
from server.routes import routes
from server.security import SECURITY_HEADERS
from server.settings import Settings
from tests.conftest import isolated_settings

REMINDER = {"days": [1, 3, 5], "time": "08:30", "target": {"type": "exercise", "id": "grounding"}}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def browser_keys() -> dict[str, str]:
    """The keys a browser's push subscription carries: a real P-256 point and an auth secret."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {"p256dh": b64(point), "auth": b64(os.urandom(16))}


def device(push: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"timezone": "Europe/Amsterdam", "locale": "nl", "reminders": [REMINDER]}
    if push is not None:
        body["push"] = push
    return {**body, **changes}


def subscription(endpoint: str = "https://fcm.googleapis.com/fcm/send/abc123") -> dict[str, Any]:
    return {"endpoint": endpoint, "keys": browser_keys()}


def count(settings: Settings, table: Any) -> int:
    """Rows in a table, read straight from the app's database."""
    engine = make_engine(settings.database)
    with engine.connect() as connection:
        rows = int(connection.execute(select(func.count()).select_from(table)).scalar() or 0)
    engine.dispose()
    return rows


@pytest.fixture
def settings(db_settings: Settings) -> Settings:
    return db_settings


def test_the_public_key_is_an_uncompressed_p256_point(client: TestClient) -> None:
    key = client.get("/api/push/key").json()["publicKey"]
    raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(raw) == 65 and raw[0] == 4
    assert client.get("/api/push/key").json()["publicKey"] == key, "the key is kept"


def test_a_device_with_push_is_saved_changed_and_deleted(
    client: TestClient, settings: Settings
) -> None:
    created = client.post("/api/devices", json=device(subscription()))
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "token", "calendar"}
    assert count(settings, devices) == 1 and count(settings, reminders) == 1
    engine = make_engine(settings.database)
    with engine.connect() as connection:
        due = connection.execute(select(reminders.c.next_fire_at)).scalar()
    engine.dispose()
    assert due is not None, "a device with push gets a next time to fire"

    auth = {"Authorization": f"Bearer {body['token']}"}
    two = device(subscription(), reminders=[REMINDER, {**REMINDER, "time": "20:00"}])
    changed = client.put(f"/api/devices/{body['id']}", json=two, headers=auth)
    assert changed.status_code == 200
    assert count(settings, devices) == 1 and count(settings, reminders) == 2

    wrong = client.put(
        f"/api/devices/{body['id']}", json=two, headers={"Authorization": "Bearer x"}
    )
    assert wrong.status_code == 404

    assert client.delete(f"/api/devices/{body['id']}", headers=auth).status_code == 204
    assert count(settings, devices) == 0 and count(settings, reminders) == 0
    assert client.delete(f"/api/devices/{body['id']}", headers=auth).status_code == 404


def test_the_same_browser_subscribing_again_replaces_its_copy(
    client: TestClient, settings: Settings
) -> None:
    """The browser lost its record (same endpoint, same keys): its new registration replaces
    the old one, whose token then reaches nothing."""
    push = subscription()
    first = client.post("/api/devices", json=device(push)).json()
    again = client.post("/api/devices", json=device(push, reminders=[REMINDER] * 2))
    assert again.status_code == 201
    assert count(settings, devices) == 1 and count(settings, reminders) == 2
    old = {"Authorization": f"Bearer {first['token']}"}
    assert client.put(f"/api/devices/{first['id']}", json=device(), headers=old).status_code == 404


def test_someone_elses_endpoint_takes_over_nothing(client: TestClient, settings: Settings) -> None:
    """A subscription belongs to the device that registered it: the same endpoint with other
    keys (someone who learnt the address) is refused and the owner keeps everything."""
    owner = client.post("/api/devices", json=device(subscription(), locale="en")).json()
    stranger = subscription()  # the same endpoint, keys of its own
    refused = client.post(
        "/api/devices", json=device(stranger, reminders=[]), headers={"Accept-Language": "en"}
    )
    assert refused.status_code == 409
    assert refused.json() == {
        "error": "push_taken",
        "message": "Dit meldingsadres is al aangemeld met andere sleutels.",  # the body's locale
    }
    assert count(settings, devices) == 1 and count(settings, reminders) == 1
    # Nor by changing a device of one's own to that endpoint.
    other = client.post("/api/devices", json=device(None)).json()
    moved = client.put(
        f"/api/devices/{other['id']}",
        json=device(stranger),
        headers={"Authorization": f"Bearer {other['token']}"},
    )
    assert moved.status_code == 409
    engine = make_engine(settings.database)
    with engine.connect() as connection:
        endpoints = connection.execute(select(devices.c.id, devices.c.endpoint)).all()
    engine.dispose()
    assert dict(endpoints) == {owner["id"]: subscription()["endpoint"], other["id"]: None}
    mine = {"Authorization": f"Bearer {owner['token']}"}
    assert client.put(f"/api/devices/{owner['id']}", json=device(), headers=mine).status_code == 200


def test_host_case_and_port_443_are_the_same_device(client: TestClient, settings: Settings) -> None:
    push = subscription()
    shouting = {
        **push,
        "endpoint": push["endpoint"].replace("fcm.googleapis.com", "FCM.Googleapis.COM:443"),
    }
    client.post("/api/devices", json=device(push))
    assert client.post("/api/devices", json=device(shouting)).status_code == 201
    assert count(settings, devices) == 1, "one device: every reminder arrives once"


def at_once(*calls: Callable[[], int]) -> list[int]:
    """Run the calls in threads released at the same moment; their answers' statuses."""
    start = threading.Barrier(len(calls))

    def when_all_are_ready(call: Callable[[], int]) -> int:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(when_all_are_ready, calls))


def test_two_identical_registrations_at_once_make_one_device(
    client: TestClient, settings: Settings
) -> None:
    """A double tap or two tabs: both requests get a clear answer, and one device remains."""
    for round_ in range(15):
        body = device(subscription(f"https://fcm.googleapis.com/fcm/send/race{round_}"))
        register = partial(lambda body: client.post("/api/devices", json=body).status_code, body)
        assert at_once(register, register) == [201, 201]
    assert count(settings, devices) == 15 and count(settings, reminders) == 15


def test_a_change_racing_a_delete_is_a_change_or_not_found(
    client: TestClient, settings: Settings
) -> None:
    for round_ in range(15):
        push = subscription(f"https://fcm.googleapis.com/fcm/send/d{round_}")
        made = client.post("/api/devices", json=device(push)).json()
        path, auth = f"/api/devices/{made['id']}", {"Authorization": f"Bearer {made['token']}"}
        body = device(None, reminders=[REMINDER] * 3)
        changed, removed = at_once(
            partial(lambda p, b, a: client.put(p, json=b, headers=a).status_code, path, body, auth),
            partial(lambda p, a: client.delete(p, headers=a).status_code, path, auth),
        )
        assert changed in (200, 404) and removed == 204
    assert count(settings, devices) == 0 and count(settings, reminders) == 0


def test_a_calendar_device_gets_a_subscribable_calendar(client: TestClient) -> None:
    body = client.post("/api/devices", json=device(None, locale="en")).json()
    response = client.get(body["calendar"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1
    assert str(events[0]["SUMMARY"]) == "Here and now"
    assert events[0]["RRULE"]["BYDAY"] == ["MO", "WE", "FR"]
    assert client.get(body["calendar"].replace(body["id"], "someone-else")).status_code == 404


def test_the_calendar_link_can_only_read(client: TestClient, settings: Settings) -> None:
    """Its token is not the device's secret: whoever has the link (a calendar app, someone it
    was shared with) can read the feed and do nothing else; the secret does not read it."""
    body = client.post("/api/devices", json=device(subscription())).json()
    calendar_token = body["calendar"].rsplit("/", 1)[1].removesuffix(".ics")
    assert calendar_token != body["token"]
    with_link = {"Authorization": f"Bearer {calendar_token}"}
    assert (
        client.put(f"/api/devices/{body['id']}", json=device(), headers=with_link).status_code
        == 404
    )
    assert client.delete(f"/api/devices/{body['id']}", headers=with_link).status_code == 404
    assert count(settings, devices) == 1 and count(settings, reminders) == 1
    secret_as_link = body["calendar"].replace(calendar_token, body["token"])
    assert client.get(secret_as_link).status_code == 404
    assert client.get(body["calendar"]).status_code == 200


@pytest.mark.parametrize("stored", [False, True])
def test_a_discreet_calendar_says_nothing_about_the_exercises(
    client: TestClient, stored: bool
) -> None:
    body = device(
        None,
        neutral=True,
        reminders=[REMINDER, {**REMINDER, "target": {"type": "exercise", "id": "protector"}}],
    )
    if stored:
        made = client.post("/api/devices", json=body).json()
        response = client.get(made["calendar"])
    else:
        response = client.post("/api/calendar.ics", json=body)
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert [str(e["SUMMARY"]) for e in events] == ["Tijd voor jouw moment"] * 2
    assert {str(e["URL"]) for e in events} == {"http://127.0.0.1:8000/nl/"}
    assert str(calendar["X-WR-CALNAME"]) == "Mijn momenten"
    # What a calendar app shows (its identifiers, PRODID and UID, it does not).
    shown = [
        line
        for line in response.content.decode().replace("\r\n ", "").splitlines()
        if not line.startswith(("PRODID:", "UID:"))
    ]
    for telling in ("Hier en nu", "beschermer", "grounding", "protector", "Houvast"):
        assert not [line for line in shown if telling in line], telling


def test_a_calendar_download_stores_nothing(client: TestClient, settings: Settings) -> None:
    response = client.post("/api/calendar.ics", json=device(None))
    assert response.status_code == 200
    assert b"BEGIN:VCALENDAR" in response.content
    assert count(settings, devices) == 0


HOSTILE_ENDPOINTS = [
    "http://fcm.googleapis.com/fcm/send/x",
    "https://fcm.googleapis.com:8443/fcm/send/x",
    "https://user@fcm.googleapis.com/fcm/send/x",
    "https://user:pass@fcm.googleapis.com/fcm/send/x",
    "https://127.0.0.1/push",
    "https://[::1]/push",
    "https://2130706433/push",
    "https://10.0.0.1/push",
    "https://192.168.1.1/push",
    "https://169.254.169.254/latest/meta-data",
    "https://localhost/push",
    "https://fcm.googleapis.com.example.org/fcm/send/x",
    "https://fcm.googleapis.com@evil.example/x",
    "https://evil.example/#fcm.googleapis.com",
    "https://push.apple.com/x",
    "https://evilpush.apple.com/x",
    "https://web.push.apple.com.evil.example/x",
    "ftp://fcm.googleapis.com/x",
    "fcm.googleapis.com/fcm/send/x",
    "",
]


@pytest.mark.parametrize("endpoint", HOSTILE_ENDPOINTS)
def test_hostile_endpoints_are_refused_and_nothing_is_stored(
    client: TestClient, settings: Settings, endpoint: str
) -> None:
    response = client.post("/api/devices", json=device(subscription(endpoint)))
    assert response.status_code == 400
    assert response.json()["error"] == "push"
    assert response.json()["message"] == "Dit pushabonnement kan niet worden gebruikt."
    assert count(settings, devices) == 0


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (device(timezone="Mars/Base"), "timezone", "Unknown time zone. Expected a name"),
        (device(reminders=[{**REMINDER, "days": []}]), "days", "Choose at least one day"),
        (device(reminders=[{**REMINDER, "time": "25:00"}]), "time", "Choose a time such as"),
        (
            device(reminders=[{**REMINDER, "target": {"type": "exercise", "id": "x"}}]),
            "target",
            "Unknown exercise.",
        ),
        (device(reminders=[REMINDER] * 21), "too_many", "At most 20 reminders per device."),
        (device(locale="fr"), "locale", "Unknown language."),
        (device(extra=1), "json", "The request could not be read."),
        (
            device(
                push={
                    "endpoint": "https://fcm.googleapis.com/x",
                    "keys": {"p256dh": "AAAA", "auth": "AAAA"},
                }
            ),
            "push",
            "This push subscription cannot be used.",
        ),
    ],
)
def test_bad_input_gets_a_clear_message_and_nothing_is_stored(
    client: TestClient, settings: Settings, body: dict[str, Any], code: str, message: str
) -> None:
    if body.get("locale") == "nl":
        body = {**body, "locale": "en"}
    response = client.post("/api/devices", json=body, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert response.json()["error"] == code
    assert response.json()["message"].startswith(message)
    assert count(settings, devices) == 0


def test_requests_must_be_json_of_a_sane_size(client: TestClient, settings: Settings) -> None:
    form = client.post(
        "/api/devices",
        content=b"timezone=x",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "nl"},
    )
    assert form.status_code == 415
    assert form.json()["message"] == "Het verzoek moet als JSON worden verstuurd."
    broken = client.post(
        "/api/devices", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400 and broken.json()["error"] == "json"
    huge = client.post(
        "/api/devices",
        content=b"[" + b"1," * 40000 + b"1]",
        headers={"Content-Type": "application/json"},
    )
    assert huge.status_code == 413
    assert count(settings, devices) == 0


def test_registrations_and_changes_are_rate_limited(tmp_path: Any, database_url: str) -> None:
    """Per address and in total: a clear 429 with Retry-After, nothing stored; turning
    reminders off is never refused."""
    limited = isolated_settings(
        tmp_path / "limited",
        database_url=database_url,
        rate_limit="3/minute",
        rate_limit_total="5/minute",
    )
    app = create_app(limited, dispatch=False)
    with (
        TestClient(app, client=("192.0.2.1", 1000)) as one,
        TestClient(app, client=("192.0.2.2", 1000)) as two,
    ):
        made = [one.post("/api/devices", json=device(None)) for _ in range(3)]
        assert [r.status_code for r in made] == [201, 201, 201]
        refused = one.post("/api/devices", json=device(None), headers={"Accept-Language": "nl"})
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        assert (
            refused.json()["message"]
            == "Te veel wijzigingen in korte tijd. Probeer het over een minuut opnieuw."
        )
        first = made[0].json()
        auth = {"Authorization": f"Bearer {first['token']}"}
        assert (
            one.put(f"/api/devices/{first['id']}", json=device(None), headers=auth).status_code
            == 429
        )
        # Another address has its own allowance, until the total runs out.
        assert [two.post("/api/devices", json=device(None)).status_code for _ in range(3)] == [
            201,
            201,
            429,
        ]
        assert count(limited, devices) == 5
        assert one.delete(f"/api/devices/{first['id']}", headers=auth).status_code == 204


def test_a_server_error_carries_the_security_headers(tmp_path: Any) -> None:
    async def broken(request: Any) -> Any:
        raise RuntimeError("a programmer's mistake")

    app = create_app(
        isolated_settings(tmp_path / "data"),
        dispatch=False,
        routes=[*routes, Route("/broken", broken)],
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/broken")
    assert response.status_code == 500
    assert "a programmer" not in response.text
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
