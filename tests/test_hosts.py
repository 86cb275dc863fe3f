"""Links come from the configured public address, never from the request's Host header; HTTPS
is kept to (HSTS) behind an https address; an operator who forgot the VAPID contact hears it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.conftest import isolated_settings, run_async
from tests.test_api import device, subscription
from tests.worker import config_of

PUBLIC = "https://houvast.example.org"
EVIL = "evil.test"
# Everything a proxy could be tricked into passing on about where the request went.
HOSTILE = {
    "Host": EVIL,
    "X-Forwarded-Host": EVIL,
    "X-Forwarded-Proto": "http",
    "Forwarded": f"host={EVIL};proto=http",
    "X-Original-URL": f"https://{EVIL}/",
}


@pytest.fixture
def public(tmp_path: Path) -> Settings:
    return isolated_settings(tmp_path / "data", public_url=PUBLIC)


@pytest.fixture
def hostile(public: Settings) -> Iterator[TestClient]:
    app = create_app(public, dispatch=False)
    with TestClient(app, base_url=f"http://{EVIL}", headers=HOSTILE) as client:
        yield client


def no_evil(response: Any) -> None:
    assert EVIL not in response.text, response.request.url
    for name, value in response.headers.items():
        assert EVIL not in value, (name, response.request.url)


PAGES = ["", "exercises/grounding", "about", "help", "settings", "history", "offline", "reminders"]


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_pages_link_to_the_public_address_whatever_the_host_header(
    hostile: TestClient, locale: str
) -> None:
    for page in PAGES:
        response = hostile.get(f"/{locale}/{page}")
        assert response.status_code == 200
        no_evil(response)
        other = "en" if locale == "nl" else "nl"
        assert f'hreflang="{other}" href="{PUBLIC}/{other}/' in response.text
    for path in (f"/{locale}/app.json", f"/manifest-{locale}.webmanifest", "/sw.js", "/nowhere"):
        no_evil(hostile.get(path))


def test_redirects_stay_on_the_site_whatever_the_host_header(hostile: TestClient) -> None:
    for path in ("/", "/lang/en/about"):
        response = hostile.get(path, follow_redirects=False)
        assert response.status_code in (302, 303)
        assert response.headers["location"].startswith("/")
        no_evil(response)
    switched = hostile.get("/lang/en/about", follow_redirects=False)
    assert "secure" in switched.headers["set-cookie"].lower(), "the public address is https"
    # A slash too many or too few leads to the page, on this site.
    for path, page in (
        ("/nl/help/", "/nl/help"),
        ("/nl", "/nl/"),
        ("/en/exercises/grounding/?x=1", "/en/exercises/grounding?x=1"),
        ("/metrics/", "/metrics"),
        # The therapist's pages too, past their own "not found" for anything else.
        ("/t/nl/sets/", "/t/nl/sets"),
        ("/t/en/account/activity/?page=2", "/t/en/account/activity?page=2"),
    ):
        response = hostile.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (307, page)
        no_evil(response)
    assert hostile.post("/nl/help/", follow_redirects=False).status_code == 404
    assert hostile.get("/nl/nowhere/", follow_redirects=False).status_code == 404
    assert hostile.get("/t/nl/nowhere/", follow_redirects=False).status_code == 404
    # A POST is never redirected: without the form's token it changes nothing and goes nowhere.
    assert hostile.post("/t/nl/sets/", follow_redirects=False).status_code == 403


def test_the_worker_bundles_and_calendars_ignore_the_host_header(hostile: TestClient) -> None:
    for bundle in config_of(hostile.get("/sw.js").text)["bundles"]:
        response = hostile.get(bundle)
        assert response.status_code == 200, bundle
        no_evil(response)
    made = hostile.post("/api/devices", json=device(subscription(), locale="en"))
    no_evil(made)
    feed = hostile.get(made.json()["calendar"])
    no_evil(feed)
    assert f"{PUBLIC}/en/exercises/grounding" in feed.text.replace("\r\n ", "")
    download = hostile.post("/api/calendar.ics", json=device(None))
    no_evil(download)
    assert f"{PUBLIC}/nl/exercises/grounding" in download.text.replace("\r\n ", "")


@pytest.mark.parametrize(
    ("public_url", "hsts", "sent"),
    [
        (PUBLIC, "auto", True),
        ("http://127.0.0.1:8000", "auto", False),
        ("", "auto", False),
        (PUBLIC, "off", False),
        ("http://127.0.0.1:8000", "on", True),
    ],
)
def test_hsts_is_sent_behind_https(tmp_path: Path, public_url: str, hsts: str, sent: bool) -> None:
    settings = isolated_settings(tmp_path / "data", public_url=public_url, hsts=hsts)
    with TestClient(create_app(settings, dispatch=False)) as client:
        for path in ("/nl/", "/api/push/key", "/nowhere", "/sw.js"):
            value = client.get(path).headers.get("strict-transport-security")
            assert value == ("max-age=31536000" if sent else None), path


def test_hsts_changes_nothing_a_phone_stores(tmp_path: Path) -> None:
    """A server-only setting: the worker is byte for byte the same with and without it."""
    workers = []
    for hsts in ("on", "off"):
        settings = isolated_settings(tmp_path / hsts, public_url=PUBLIC, hsts=hsts)
        with TestClient(create_app(settings, dispatch=False)) as client:
            workers.append(client.get("/sw.js").content)
    assert workers[0] == workers[1]


@pytest.mark.parametrize(
    ("public_url", "subject", "warned"),
    [
        (PUBLIC, None, True),
        (PUBLIC, "mailto:ops@houvast.example.org", False),
        ("", None, False),  # a laptop: nothing to push to yet
    ],
)
def test_a_placeholder_vapid_contact_is_said_loudly(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    public_url: str,
    subject: str | None,
    warned: bool,
) -> None:
    overrides = {"vapid_subject": subject} if subject else {}
    settings = isolated_settings(tmp_path / "data", public_url=public_url, **overrides)
    app = create_app(settings, dispatch=False)

    async def start_and_stop() -> None:
        async with app.router.lifespan_context(app):
            pass

    with caplog.at_level(logging.WARNING, logger="houvast"):
        run_async(start_and_stop())
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    if warned:
        assert len(warnings) == 1
        assert "HOUVAST_VAPID_SUBJECT" in warnings[0] and "placeholder" in warnings[0]
    else:
        assert warnings == []
