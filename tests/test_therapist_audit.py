"""The audit trail (NEN 7513): each event recorded as it happens through the app, with the
account and the address and without a client's content; nothing for what rolled back; the
operator's ``houvast audit``; a therapist's own page; the retention purge."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from server.app import create_app
from server.db import make_engine, open_database
from server.settings import Settings, SettingsError
from server.therapist import sets as sets_module
from server.therapist import sharing
from server.therapist.audit import Actor, Trail, record
from server.therapist.tables import audit_events
from tests.conftest import isolated_settings
from tests.test_cli import HOUVAST
from tests.therapist import (
    PASSWORD,
    Person,
    any_database,
    create_set,
    make_therapist,
    open_client,
    set_form,
    share,
    side_of,
)

__all__ = ["any_database"]

NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
HOME = "203.0.113.7"
ELSEWHERE = "198.51.100.9"


async def _no_pause(seconds: float) -> None:
    return None


def entries(client: TestClient) -> list[dict[str, Any]]:
    """Every row of the trail, oldest first, as the database holds it."""
    with side_of(client).engine.connect() as connection:
        rows = connection.execute(select(audit_events).order_by(audit_events.c.id)).all()
    return [dict(row._mapping) for row in rows]


def events(client: TestClient) -> list[str]:
    return [row["event"] for row in entries(client)]


def at(client: TestClient, moment: float) -> None:
    side_of(client).set_clock(lambda: moment)


def test_every_event_names_the_account_and_address_and_no_content(any_database: Settings) -> None:
    with open_client(any_database) as client:
        side = side_of(client)
        side.set_pause(_no_pause)
        now = NOW.timestamp()
        at(client, now)
        anna = make_therapist(client, "anna@example.org", signed_in=False)
        anna.address = HOME
        assert events(client) == ["account.added"]

        # Signing in: a wrong password, an address with no account, then the right one.
        assert (
            anna.post("/t/en/", {"email": "anna@example.org", "password": "no"}).status_code == 400
        )
        assert (
            anna.post("/t/en/", {"email": "nobody@example.org", "password": "x"}).status_code == 400
        )
        assert (
            anna.post("/t/en/", {"email": "anna@example.org", "password": PASSWORD}).status_code
            == 303
        )

        # Sets and links.
        title, note = "Evenings with the dog", "Remember the panic of Tuesday."
        set_id = create_set(anna, title=title, note=note)
        assert (
            anna.post(f"/t/en/sets/{set_id}/edit", set_form(title=title + "!")).status_code == 303
        )
        copied = anna.post(f"/t/en/sets/{set_id}/duplicate").headers["location"]
        copy_id = copied.split("/sets/")[1].split("?")[0]
        _, token, code = share(anna, set_id)
        with side.engine.connect() as connection:
            share_id = connection.execute(select(sharing.shares.c.public_id)).scalar_one()
        secret = client.post("/api/sets/progress", json={"token": token}).json()["secret"]
        assert anna.get(f"/t/en/sets/{set_id}/progress").status_code == 200
        assert anna.post(f"/t/en/sets/{set_id}/shares/{share_id}/revoke").status_code == 303
        assert anna.post(f"/t/en/sets/{copy_id}/delete").status_code == 303

        # Two-step sign-in: on, a wrong code at sign-in, a refused and a real turning off.
        start = anna.post("/t/en/account", {"action": "start"}).text
        found = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', start)
        assert found
        totp = pyotp.TOTP(found.group(1).replace(" ", ""))
        assert (
            anna.post("/t/en/account", {"action": "confirm", "code": totp.at(now)}).status_code
            == 303
        )
        at(client, now + 60)
        other = Person(client, ELSEWHERE)
        assert (
            other.post("/t/en/", {"email": "anna@example.org", "password": PASSWORD}).status_code
            == 303
        )
        assert other.post("/t/en/code", {"code": "000000"}).status_code == 400
        assert other.post("/t/en/code", {"code": totp.at(now + 60)}).status_code == 303
        at(client, now + 120)
        stop = {"action": "stop", "password": PASSWORD}
        assert anna.post("/t/en/account", {**stop, "code": "000000"}).status_code == 400
        assert anna.post("/t/en/account", {**stop, "code": totp.at(now + 120)}).status_code == 303

        # A new password through the operator's link.
        _, link = side.accounts.reset("anna@example.org")
        form = {"token": link, "password": "a new calm river", "repeat": "a new calm river"}
        assert anna.post("/t/en/password", form).status_code == 303

        rows = entries(client)
        anna_id = side.accounts.by_email("anna@example.org").id  # type: ignore[union-attr]
        assert [row["event"] for row in rows] == [
            "account.added",
            "sign_in.wrong_password",
            "sign_in.wrong_password",
            "sign_in",
            "set.made",
            "set.edited",
            "set.made",
            "share.made",
            "share.shown",
            "progress.viewed",
            "share.revoked",
            "set.deleted",
            "totp.on",
            "sign_in.wrong_code",
            "sign_in",
            "totp.off_refused",
            "totp.off",
            "account.reset",
            "password.set",
        ]
        by_operator = {"account.added", "account.reset"}
        for row in rows:
            if row["event"] in by_operator:
                assert row["address"] is None, row
            elif row["event"] in ("sign_in.wrong_code",) or row["at"] == int(now + 60):
                assert row["address"] == ELSEWHERE, row
            else:
                assert row["address"] == HOME, row
        unknown = rows[2]
        assert (unknown["therapist_id"], unknown["email"]) == (None, "nobody@example.org")
        for row in rows[:2] + rows[3:]:
            assert (row["therapist_id"], row["email"]) == (anna_id, "anna@example.org"), row
        assert {row["set_id"] for row in rows[4:12]} == {set_id, copy_id}
        assert [row["share_id"] for row in rows if row["share_id"]] == [share_id] * 4
        assert rows[0]["at"] == int(now) and rows[-1]["at"] == int(now + 120)
        # Never a client's content, nor a secret: no title, note, token, code or password.
        text = repr(rows)
        for secret_text in (title, note, token, code, code.replace(" ", ""), secret, PASSWORD):
            assert secret_text not in text


def test_the_operators_commands_are_recorded_without_an_address(settings: Settings) -> None:
    env = {**os.environ, "HOUVAST_DATA_DIR": str(settings.data_dir)}
    for command in (
        ["therapist", "add", "bob@example.org"],
        ["therapist", "reset", "bob@example.org", "--totp"],
        ["therapist", "remove", "bob@example.org", "--yes"],
    ):
        done = subprocess.run([HOUVAST, *command], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
    listed = subprocess.run([HOUVAST, "audit", "--csv"], capture_output=True, text=True, env=env)
    rows = list(csv.reader(io.StringIO(listed.stdout)))
    assert rows[0] == ["time (UTC)", "event", "account", "address", "set", "link"]
    assert [row[1:] for row in rows[1:]] == [
        ["account.added", "bob@example.org", "", "", ""],
        ["account.reset_totp", "bob@example.org", "", "", ""],
        ["account.removed", "bob@example.org", "", "", ""],
    ]


def test_a_rolled_back_action_leaves_no_entry(
    any_database: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_client(any_database) as client:
        anna = make_therapist(client, "anna@example.org")

        def record_then_fail(*args: Any, **kwargs: Any) -> None:
            record(*args, **kwargs)
            raise RuntimeError("the disk is full")

        # The entry is written, then the action fails in the same transaction: neither stays.
        monkeypatch.setattr(sets_module, "record", record_then_fail)
        with pytest.raises(RuntimeError, match="disk is full"):
            anna.post("/t/en/sets/new", set_form())
        assert events(client) == ["account.added", "sign_in"]
        assert (
            side_of(client).sets.list(side_of(client).accounts.by_email("anna@example.org").id)
            == []
        )  # type: ignore[union-attr]
        monkeypatch.undo()
        create_set(anna)
        assert events(client) == ["account.added", "sign_in", "set.made"]


def _trail(settings: Settings, moments: dict[str, list[datetime]]) -> None:
    """Entries made directly: a sign-in for each address at each moment."""
    engine = open_database(settings)
    try:
        with engine.begin() as connection:
            for email, times in moments.items():
                for moment in times:
                    actor = Actor(1, email, HOME)
                    record(connection, actor, "sign_in", moment.timestamp())
    finally:
        engine.dispose()


def houvast_audit(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOUVAST_DATA_DIR": str(settings.data_dir)}
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    return subprocess.run(
        [HOUVAST, "audit", *args], capture_output=True, text=True, env=env, timeout=60
    )


def test_houvast_audit_filters_by_account_and_days_and_writes_csv(
    any_database: Settings,
) -> None:
    day = datetime(2026, 3, 10, 23, 59, tzinfo=UTC)
    _trail(
        any_database,
        {
            "anna@example.org": [day - timedelta(days=1), day, day + timedelta(minutes=2)],
            "bob@example.org": [day],
        },
    )
    plain = houvast_audit(any_database, "--account", "Anna@Example.org")
    assert plain.returncode == 0, plain.stderr
    lines = plain.stdout.splitlines()
    assert lines == [
        f"2026-03-09 23:59:00  sign_in  anna@example.org  {HOME}",
        f"2026-03-10 23:59:00  sign_in  anna@example.org  {HOME}",
        f"2026-03-11 00:01:00  sign_in  anna@example.org  {HOME}",
    ]
    # --since and --until are whole days (UTC), both included.
    window = houvast_audit(any_database, "--since", "2026-03-10", "--until", "2026-03-10", "--csv")
    rows = list(csv.DictReader(io.StringIO(window.stdout)))
    assert [(row["time (UTC)"], row["account"]) for row in rows] == [
        ("2026-03-10 23:59:00", "anna@example.org"),
        ("2026-03-10 23:59:00", "bob@example.org"),
    ]
    assert houvast_audit(any_database, "--since", "2027-01-01").stdout == "No entries.\n"
    wrong = houvast_audit(any_database, "--since", "yesterday")
    assert wrong.returncode == 2 and "not a date" in wrong.stderr


def test_a_therapist_sees_only_their_own_entries_newest_first(settings: Settings) -> None:
    with open_client(settings) as client:
        at(client, NOW.timestamp())
        anna = make_therapist(client, "anna@example.org")
        anna_set = create_set(anna, title="Anna's mornings")
        bob = make_therapist(client, "bob@example.org")
        bob.address = ELSEWHERE
        bob_set = create_set(bob)
        page = anna.get("/t/nl/account/activity")
        assert page.status_code == 200
        # Local time: 9:30 UTC is 10:30 in Amsterdam in winter.
        assert "10:30" in page.text and "Set gemaakt" in page.text
        assert "Anna&#39;s mornings" in page.text and anna_set in page.text
        assert bob_set not in page.text and ELSEWHERE not in page.text
        made, signed_in = page.text.index("Set gemaakt"), page.text.index("Aangemeld")
        assert made < signed_in, "newest first"
        account = anna.get("/t/en/account").text
        assert 'href="/t/en/account/activity"' in account
        assert Person(client).get("/t/en/account/activity").status_code == 303


def test_an_account_made_again_under_an_old_id_does_not_see_the_old_entries(
    settings: Settings,
) -> None:
    with open_client(settings) as client:
        side = side_of(client)
        first = make_therapist(client, "anna@example.org")
        create_set(first, title="Old")
        old = side.accounts.by_email("anna@example.org")
        assert old is not None
        side.accounts.remove(old.id)
        again = make_therapist(client, "carl@example.org")
        new = side.accounts.by_email("carl@example.org")
        assert new is not None and new.id == old.id, "SQLite gives the id again"
        page = again.get("/t/en/account/activity").text
        assert "Set made" not in page and "anna@example.org" not in page
        assert "Signed in" in page


def test_the_activity_page_goes_back_a_page_at_a_time(settings: Settings) -> None:
    with open_client(settings) as client:
        anna = make_therapist(client, "anna@example.org")
        side = side_of(client)
        anna_id = side.accounts.by_email("anna@example.org").id  # type: ignore[union-attr]
        for _ in range(60):
            side.audit.add(Actor(anna_id, "anna@example.org", HOME), "progress.viewed")
        first = anna.get("/t/en/account/activity").text
        assert first.count("<tr>") == 51  # the heading and 50 entries
        older = re.search(r'href="(/t/en/account/activity\?before=\d+)"', first)
        assert older
        second = anna.get(older.group(1)).text
        assert second.count("<tr>") == 1 + 12  # the rest: 10 views, the sign-in, the account
        assert "before=" not in second


def test_the_purge_deletes_only_entries_older_than_kept(any_database: Settings) -> None:
    old, kept = NOW - timedelta(days=31, seconds=1), NOW - timedelta(days=30)
    _trail(any_database, {"anna@example.org": [old, kept, NOW]})
    engine = make_engine(any_database.database)
    try:
        assert Trail(engine, NOW.timestamp, 30).purge() == 1
        with engine.connect() as connection:
            left = connection.execute(select(audit_events.c.at).order_by(audit_events.c.at))
            assert [row.at for row in left] == [int(kept.timestamp()), int(NOW.timestamp())]
    finally:
        engine.dispose()


def test_the_scheduler_purges_the_trail(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / "data", audit_days=30)
    with TestClient(create_app(settings)) as client:
        job = client.app_state["scheduler"].get_job("audit_purge")
        assert job is not None and job.func == client.app_state["therapist"].audit.purge


@pytest.mark.parametrize("value", ["ten", "29", "7301", ""])
def test_a_bad_retention_stops_the_server_at_start(value: str) -> None:
    with pytest.raises(SettingsError, match="HOUVAST_AUDIT_DAYS"):
        Settings.from_env({"HOUVAST_AUDIT_DAYS": value})
    assert Settings.from_env({}).audit_days == 365


def test_a_reversed_range_is_refused_not_answered_with_no_entries(settings: Settings) -> None:
    _trail(settings, {"anna@example.org": [NOW]})
    reversed_range = houvast_audit(settings, "--since", "2026-12-08", "--until", "2026-12-01")
    assert reversed_range.returncode == 2
    assert reversed_range.stderr == (
        "houvast: --since 2026-12-08 is after --until 2026-12-01: no day is in between; give "
        "the earlier day to --since\n"
    )
    assert reversed_range.stdout == ""
    one_day = houvast_audit(settings, "--since", "2026-12-07", "--until", "2026-12-07")
    assert one_day.returncode == 0 and "anna@example.org" in one_day.stdout


FORMULA = '=HYPERLINK("http://evil.example/"&"@x.nl","Klik")'


def test_what_was_typed_at_a_sign_in_never_runs_in_a_spreadsheet(settings: Settings) -> None:
    """The trail keeps the address typed at a failed sign-in as it was; in the CSV a field
    that starts like a formula is text (OWASP: a single quote before it)."""
    with open_client(settings) as client:
        failed = Person(client, HOME).post("/t/en/", {"email": FORMULA, "password": "x"})
        assert failed.status_code == 400
        assert [row["email"] for row in entries(client)] == [FORMULA.lower()]
    listed = houvast_audit(settings, "--csv")
    assert listed.returncode == 0, listed.stderr
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert [row["account"] for row in rows] == ["'" + FORMULA.lower()]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_start_of_a_formula_is_made_text(settings: Settings, start: str) -> None:
    _trail(settings, {f"{start}cmd|' /C calc'!A0": [NOW]})
    env = {**os.environ, "HOUVAST_DATA_DIR": str(settings.data_dir)}
    # As bytes: a carriage return must reach the reader as it was written.
    written = subprocess.run(
        [HOUVAST, "audit", "--csv"], capture_output=True, env=env, timeout=60, check=True
    )
    rows = list(csv.reader(io.StringIO(written.stdout.decode(), newline="")))
    assert rows[1][2] == f"'{start}cmd|' /C calc'!A0"


def test_a_formula_after_a_separator_is_made_text_too(settings: Settings) -> None:
    """A spreadsheet set to Dutch splits on semicolons: what follows one may start a cell."""
    _trail(settings, {"a@b.nl;=1+1": [NOW], "a@b.nl, @SUM(1)": [NOW]})
    env = {**os.environ, "HOUVAST_DATA_DIR": str(settings.data_dir)}
    written = subprocess.run(
        [HOUVAST, "audit", "--csv"], capture_output=True, env=env, timeout=60, check=True
    )
    text = written.stdout.decode()
    assert ";=" not in text and ", @" not in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert sorted(row[2] for row in rows[1:]) == ["a@b.nl, '@SUM(1)", "a@b.nl;'=1+1"]
