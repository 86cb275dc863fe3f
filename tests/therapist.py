"""Helpers for the therapist side's tests: an app on SQLite or PostgreSQL, therapists signed
in without paying for an Argon2 check each time, and a browser-like cookie jar per person."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import func, select, update
from starlette.testclient import TestClient

from server.app import create_app
from server.db import make_engine
from server.settings import Settings
from server.therapist.audit import Actor
from server.therapist.passwords import hash_password
from server.therapist.service import TherapistSide
from server.therapist.sessions import COOKIE
from server.therapist.tables import sessions, shares
from server.therapist.web import CSRF_COOKIE
from tests.conftest import isolated_settings
from tests.live_server import LiveServer
from tests.postgres import postgres_schema

PASSWORD = "a calm river in the evening"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@contextmanager
def served_on_known_port(folder: Path) -> Iterator[tuple[str, Settings]]:
    """The app served on a port known beforehand, so the links it makes (the public URL) point
    at itself; the reminders' dispatcher stays off."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    settings = isolated_settings(folder, port=port, public_url=url)
    with LiveServer(create_app(settings, dispatch=False), port=port) as served:
        assert served == url
        yield url, settings


@cache
def password_hash() -> str:
    """One real Argon2 hash of PASSWORD, made once per test run (each takes most of a second)."""
    return hash_password(PASSWORD)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """Settings on SQLite, then on PostgreSQL: a test that takes this runs on both."""
    if request.param == "sqlite":
        yield isolated_settings(tmp_path / "data")
        return
    with postgres_schema() as url:
        yield isolated_settings(tmp_path / "data", database_url=url)


def open_client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, dispatch=False), follow_redirects=False)


def count(client: TestClient, table: Any) -> int:
    """Rows in one of the therapist side's tables, read straight from the app's database."""
    with side_of(client).engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar() or 0)


def side_of(client: TestClient) -> TherapistSide:
    side = client.app_state["therapist"]
    assert isinstance(side, TherapistSide)
    return side


class Person:
    """One browser: its own cookies on a shared TestClient."""

    def __init__(self, client: TestClient, address: str = "testclient") -> None:
        self.client = client
        self.cookies = httpx.Cookies()
        self.address = address

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self.client.cookies = self.cookies
        # The address the app sees this person at (rate limits count per address).
        self.client._transport.client = (self.address, 50000)  # type: ignore[attr-defined]
        try:
            return self.client.request(method, url, **kwargs)
        finally:
            self.cookies = httpx.Cookies(self.client.cookies)
            self.client.cookies = httpx.Cookies()

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        """A form POST with the CSRF token the page would carry (unless ``data`` has one)."""
        form = dict(data or {})
        form.setdefault("csrf", self.csrf())
        return self.request("POST", url, data=form, **kwargs)

    def csrf(self) -> str:
        """The token a page of this person's carries: the session's, or the anonymous one."""
        page = self.get("/t/en/password")
        found = _CSRF.search(page.text)
        assert found, page.text[:500]
        return found.group(1)

    @property
    def anonymous_csrf(self) -> str | None:
        return self.cookies.get(CSRF_COOKIE)


def make_therapist(client: TestClient, email: str, *, signed_in: bool = True) -> Person:
    """An account with PASSWORD; signed in through a session made directly (the sign-in form
    itself is tested on its own)."""
    side = side_of(client)
    side.accounts.add(email)
    account = side.accounts.by_email(email)
    assert account is not None
    side.accounts.store_hash(account.id, password_hash())
    person = Person(client)
    if signed_in:
        sign_in_again(person, email)
    return person


def sign_in_again(person: Person, email: str) -> None:
    """A new session for the account (after the server's clock moved past the last one)."""
    side = side_of(person.client)
    account = side.accounts.by_email(email)
    assert account is not None
    actor = Actor(account.id, account.email, person.address)
    person.cookies.set(COOKIE, side.sessions.create(actor, verified=True), path="/t")


def set_form(**changes: Any) -> dict[str, Any]:
    """A valid set form: grounding with one value changed, and a suggested time."""
    form: dict[str, Any] = {
        "action": "save",
        "title": "Evenings",
        "note": "Short and gentle.",
        "locale": "nl",
        "items-0-exercise": "grounding",
        "items-0-note": "Take your time.",
        "items-0-what-see.duration": "45",
        "reminders-0-time": "20:00",
        "reminders-0-day": ["1", "4"],
    }
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def create_set(person: Person, **changes: Any) -> str:
    """Save a set through the form; returns its public id."""
    response = person.post("/t/en/sets/new", set_form(**changes))
    assert response.status_code == 303, response.text
    return response.headers["location"].split("/sets/")[1].split("?")[0]


def backdate_shares(settings: Settings, days: int) -> None:
    """Make every share look ``days`` older, so runs from before today may be sent under it (a
    client cannot have run a set before it was shared)."""
    engine = make_engine(settings.database)
    try:
        with engine.begin() as connection:
            connection.execute(
                update(shares).values(created_at=shares.c.created_at - days * 24 * 3600)
            )
    finally:
        engine.dispose()


def backdate_sessions(settings: Settings, seconds: int) -> None:
    """Make every session's last request ``seconds`` older: the idle timeout passes without
    waiting for it (a server in another thread keeps its own clock)."""
    engine = make_engine(settings.database)
    try:
        with engine.begin() as connection:
            connection.execute(update(sessions).values(seen_at=sessions.c.seen_at - seconds))
    finally:
        engine.dispose()


def share(person: Person, set_id: str, label: str = "") -> tuple[str, str, str]:
    """Share a set; returns (link, token, code) as the link's page shows them."""
    link, code, _ = share_page(person, set_id, label)
    return link, link.split("#t=")[1], code


def share_page(person: Person, set_id: str, label: str = "") -> tuple[str, str, str]:
    """Share a set as the button does (a POST that leads to the link's page); returns the link,
    the code and the page's path."""
    made = person.post(f"/t/en/sets/{set_id}/share", {"label": label})
    assert made.status_code == 303, made.text[:500]
    path = made.headers["location"]
    link, code = shown(person.get(path).text)
    return link, code, path


def shown(page: str) -> tuple[str, str]:
    """The link and code a link's page shows."""
    link = re.search(r'id="share-link" type="text" readonly value="([^"]+)"', page)
    code = re.search(r'id="share-code">([^<]+)<', page)
    assert link and code, page[:1000]
    return link.group(1), code.group(1)
