"""A set's form sent just after the session ran out: the sign-in form says why, what was typed
is kept for that account only (server/therapist/drafts.py), and saved after the sign-in,
two-step included."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pyotp
from alembic import command
from sqlalchemy import inspect, select
from starlette.testclient import TestClient

from server.db import _alembic_config, make_engine
from server.settings import Settings
from server.therapist.drafts import COOKIE as DRAFT_COOKIE
from server.therapist.drafts import DRAFT_SECONDS
from server.therapist.tables import drafts, sets, therapists
from tests.conftest import isolated_settings
from tests.test_therapist_signin import _turn_on_totp
from tests.therapist import (
    PASSWORD,
    Person,
    any_database,
    count,
    create_set,
    make_therapist,
    open_client,
    set_form,
    side_of,
)

__all__ = ["any_database"]

AWAY = (
    "You were signed out after 30 minutes without activity. Sign in again within 4 hours to "
    "save your changes."
)


def _note(client: TestClient, email: str, set_id: str) -> str:
    side = side_of(client)
    account = side.accounts.by_email(email)
    assert account is not None
    found = side.sets.get(account.id, set_id)
    assert found is not None
    return found.data.note


def _away(client: TestClient, minutes: int = 31) -> None:
    side = side_of(client)
    later = side.now() + minutes * 60
    side.set_clock(lambda: later)


def _edit_after_idle(client: TestClient, person: Person, set_id: str, **changes: str):  # type: ignore[no-untyped-def]
    """The edit form as the page gave it (its CSRF token), sent after 31 idle minutes."""
    token = person.csrf()
    _away(client)
    form = set_form(note="Typed while you were away.", csrf=token, **changes)
    # Straight to the form's address: Person.post would open a page first for a token.
    return person.request("POST", f"/t/en/sets/{set_id}/edit", data=form)


def test_an_edit_sent_after_the_idle_timeout_is_saved_after_signing_in(
    any_database: Settings,
) -> None:
    with open_client(any_database) as client:
        person = make_therapist(client, "a@example.org")
        set_id = create_set(person)
        answer = _edit_after_idle(client, person, set_id)
        assert answer.status_code == 401
        assert AWAY in html.unescape(answer.text)
        assert 'value="a@example.org"' in answer.text, "the address filled in"
        assert _note(client, "a@example.org", set_id) == "Short and gentle.", "not saved yet"
        with side_of(client).engine.connect() as connection:
            kept = connection.execute(select(drafts)).one()
        fields = dict(json.loads(kept.form))
        assert fields["note"] == "Typed while you were away." and "csrf" not in fields
        assert kept.set_id == set_id and person.cookies.get(DRAFT_COOKIE)
        assert person.cookies[DRAFT_COOKIE] not in str(tuple(kept)), "only its hash"

        signed_in = person.post("/t/en/", {"email": "a@example.org", "password": PASSWORD})
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == f"/t/en/sets/{set_id}?done=saved"
        assert _note(client, "a@example.org", set_id) == "Typed while you were away."
        assert count(client, drafts) == 0 and DRAFT_COOKIE not in person.cookies


def test_a_new_set_that_does_not_pass_comes_back_as_typed_to_finish(
    any_database: Settings,
) -> None:
    with open_client(any_database) as client:
        person = make_therapist(client, "a@example.org")
        token = person.csrf()
        _away(client)
        form = set_form(note="A new note.", csrf=token, **{"items-0-what-see.duration": "999"})
        assert person.request("POST", "/t/en/sets/new", data=form).status_code == 401
        shown = person.post("/t/en/", {"email": "a@example.org", "password": PASSWORD})
        assert shown.status_code == 400 and "A new note." in shown.text
        assert 'id="items-0-what-see-duration-error"' in shown.text
        assert 'action="/t/en/sets/new"' in shown.text
        # The form carries the new session's token: fixed and sent, it is saved.
        new_token = re.search(r'name="csrf" value="([^"]+)"', shown.text)
        assert new_token and new_token.group(1) == person.csrf()
        saved = person.post("/t/en/sets/new", set_form(note="A new note."))
        assert saved.status_code == 303


def test_the_draft_waits_for_the_code_and_only_for_its_own_account(
    any_database: Settings,
) -> None:
    with open_client(any_database) as client:
        person = make_therapist(client, "a@example.org")
        make_therapist(client, "b@example.org", signed_in=False)
        secret = _turn_on_totp(person, client)
        set_id = create_set(person)
        assert _edit_after_idle(client, person, set_id).status_code == 401
        # Someone else signing in on this browser gets their own list, not the draft.
        other = person.post("/t/en/", {"email": "b@example.org", "password": PASSWORD})
        assert other.headers["location"] == "/t/en/sets"
        assert count(client, drafts) == 1
        person.post("/t/en/sign-out")
        # The password alone does not save it; the code does.
        step = person.post("/t/en/", {"email": "a@example.org", "password": PASSWORD})
        assert step.headers["location"] == "/t/en/code"
        assert _note(client, "a@example.org", set_id) == "Short and gentle."
        later = side_of(client).now() + 30
        side_of(client).set_clock(lambda: later)
        code = pyotp.TOTP(secret).at(later)
        done = person.post("/t/en/code", {"code": code})
        assert done.headers["location"] == f"/t/en/sets/{set_id}?done=saved"
        assert _note(client, "a@example.org", set_id) == "Typed while you were away."


def test_a_form_from_elsewhere_or_an_old_draft_is_never_applied(
    any_database: Settings,
) -> None:
    with open_client(any_database) as client:
        person = make_therapist(client, "a@example.org")
        set_id = create_set(person)
        person.csrf()
        _away(client)
        # A token that is not the session's: refused as before, nothing kept.
        forged = person.request("POST", f"/t/en/sets/{set_id}/edit", data=set_form(csrf="x" * 43))
        assert forged.status_code == 403 and count(client, drafts) == 0

        again = make_therapist(client, "c@example.org")
        other_set = create_set(again)
        assert _edit_after_idle(client, again, other_set).status_code == 401
        _away(client, DRAFT_SECONDS // 60 + 1)
        signed_in = again.post("/t/en/", {"email": "c@example.org", "password": PASSWORD})
        assert signed_in.headers["location"] == "/t/en/sets", "too old: not applied"
        assert _note(client, "c@example.org", other_set) == "Short and gentle."


def test_migration_0007_goes_down_and_up_keeping_every_other_row(
    tmp_path: Path, database_url: str
) -> None:
    settings = isolated_settings(tmp_path / "data", database_url=database_url)
    with open_client(settings) as client:
        person = make_therapist(client, "a@example.org")
        create_set(person)
        assert _edit_after_idle(client, person, create_set(person)).status_code == 401
    engine = make_engine(settings.database)
    try:
        config = _alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0005")
        assert "therapist_drafts" not in inspect(engine).get_table_names()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        with engine.connect() as connection:
            assert len(connection.execute(select(sets)).all()) == 2
            assert len(connection.execute(select(therapists)).all()) == 1
    finally:
        engine.dispose()
