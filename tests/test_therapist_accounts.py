"""Therapists' accounts: the operator's commands, the one-time password link, Argon2."""

from __future__ import annotations

import hashlib
import os
import pty
import re
import subprocess
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from starlette.testclient import TestClient

from server.db import make_engine
from server.settings import Settings
from server.therapist.accounts import AccountError
from server.therapist.audit import Actor
from server.therapist.passwords import HASHER, verify_password
from server.therapist.sessions import COOKIE
from server.therapist.tables import password_links, progress_runs, sets, shares, therapists
from tests.test_cli import HOUVAST
from tests.therapist import (
    PASSWORD,
    Person,
    any_database,
    create_set,
    make_therapist,
    open_client,
    share,
    side_of,
)

__all__ = ["any_database"]


def houvast(
    settings: Settings,
    *args: str,
    stdin: str | int | None = None,
    public_url: str = "https://houvast.example.org",
) -> subprocess.CompletedProcess[str]:
    """The real command, in a process of its own, on the test's database (``stdin``: what is
    typed, or a file descriptor to read it from)."""
    env = {
        **os.environ,
        "HOUVAST_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "HOUVAST_PUBLIC_URL": public_url,
    }
    typed = {"stdin": stdin} if isinstance(stdin, int) else {"input": stdin}
    return subprocess.run(
        [HOUVAST, "therapist", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        **typed,  # type: ignore[arg-type]
    )


def count(settings: Settings, table: object) -> int:
    engine = make_engine(settings.database)
    with engine.connect() as connection:
        rows = int(connection.execute(select(func.count()).select_from(table)).scalar() or 0)  # type: ignore[arg-type]
    engine.dispose()
    return rows


def link_token(output: str, locale: str = "nl") -> str:
    found = re.search(rf"https://houvast\.example\.org/t/{locale}/password#(\S+)", output)
    assert found, output
    return found.group(1)


def set_password(person: Person, token: str, password: str, repeat: str | None = None) -> int:
    response = person.post(
        "/t/en/password",
        {"token": token, "password": password, "repeat": password if repeat is None else repeat},
    )
    return response.status_code


def test_add_prints_a_one_time_link_that_sets_the_password(settings: Settings) -> None:
    made = houvast(settings, "add", "Therapist@Example.org")
    assert made.returncode == 0, made.stderr
    assert "therapist@example.org" in made.stdout and "24 hours" in made.stdout
    token = link_token(made.stdout)
    with open_client(settings) as client:
        person = Person(client)
        assert set_password(person, token, PASSWORD) == 303
        assert set_password(person, token, "another good password") == 400, "used once only"
        signed_in = person.post("/t/en/", {"email": "therapist@example.org", "password": PASSWORD})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/t/en/sets"
    again = houvast(settings, "add", "therapist@example.org")
    assert again.returncode == 2 and "already has an account" in again.stderr
    with open_client(settings) as client, pytest.raises(AccountError, match="not an email"):
        side_of(client).accounts.add("not an address")


def test_a_reader_that_goes_early_is_told_how_to_get_a_new_link(settings: Settings) -> None:
    """`houvast therapist add ... | head -0`: the account is made, the link may be lost; the
    operator reads how to get another, not a traceback."""
    env = {
        **os.environ,
        "HOUVAST_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
    }
    read, write = os.pipe()
    os.close(read)  # nobody reads what the command prints
    with os.fdopen(write, "w") as closed:
        made = subprocess.run(
            [HOUVAST, "therapist", "add", "early@example.org"],
            stdout=closed,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            timeout=60,
        )
    assert made.returncode == 1, made.stderr
    assert "Traceback" not in made.stderr
    assert (
        "houvast: the output was closed before all of it was written; if an account was "
        "made, `houvast therapist reset` gives it a new link"
    ) in made.stderr
    listed = houvast(settings, "list")
    assert "early@example.org" in listed.stdout


def test_the_link_and_only_a_hash_of_it_expire_after_a_day(client: TestClient) -> None:
    side = side_of(client)
    token = side.accounts.add("late@example.org")
    engine = side.engine
    with engine.connect() as connection:
        stored = connection.execute(select(password_links)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(tuple(stored))
    now = side.now()
    side.set_clock(lambda: now + 24 * 3600 + 1)
    assert set_password(Person(client), token, PASSWORD) == 400
    account = side.accounts.by_email("late@example.org")
    assert account is not None and account.password_hash is None


WEAK = [
    ("short one", None, "at least 12 characters"),
    ("password1234", None, "too common"),
    ("aaaaaaaaaaaaaaaa", None, "too common"),
    ("my mail is me@example.org!", None, "not your email address"),
    ("a good long password", "a good long passwort", "not the same"),
]


def test_a_weak_password_is_refused_next_to_the_field(client: TestClient) -> None:
    side = side_of(client)
    token = side.accounts.add("me@example.org")
    for password, repeat, message in WEAK:
        response = Person(client).post(
            "/t/en/password",
            {"token": token, "password": password, "repeat": repeat or password},
        )
        assert response.status_code == 400
        assert re.search(
            rf'class="field-error" id="(password|repeat)-error">[^<]*{message}', response.text
        )
        account = side.accounts.by_email("me@example.org")
        assert account is not None and account.password_hash is None, "nothing stored"
        assert side.accounts.link_account(token) is not None, "the link still works"


def test_a_refused_password_keeps_the_link_for_the_next_try(any_database: Settings) -> None:
    """The page answering a refused password no longer has the token in its address (the
    script took it out): the form carries it back, so the second try works."""
    with open_client(any_database) as client:
        _refused_then_accepted(client)


def _refused_then_accepted(client: TestClient) -> None:
    token = side_of(client).accounts.add("me@example.org")
    person = Person(client)
    refused = person.post(
        "/t/en/password", {"token": token, "password": "short", "repeat": "short"}
    )
    assert refused.status_code == 400
    kept = re.search(r'name="token" id="password-token" value="([^"]*)"', refused.text)
    assert kept and kept.group(1) == token
    again = person.post(
        "/t/en/password", {"token": kept.group(1), "password": PASSWORD, "repeat": PASSWORD}
    )
    assert again.status_code == 303 and again.headers["location"] == "/t/en/?ended=password"


def test_passwords_are_argon2id_with_rfc_9106_parameters(client: TestClient) -> None:
    side = side_of(client)
    token = side.accounts.add("argon@example.org")
    assert set_password(Person(client), token, PASSWORD) == 303
    account = side.accounts.by_email("argon@example.org")
    assert account is not None and account.password_hash is not None
    assert account.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in account.password_hash
    assert verify_password(account.password_hash, PASSWORD)
    assert not verify_password(account.password_hash, PASSWORD + "!")
    assert HASHER.time_cost == 3 and HASHER.memory_cost == 65536 and HASHER.parallelism == 4


def test_reset_ends_the_old_password_and_every_session(settings: Settings) -> None:
    with open_client(settings) as client:
        person = make_therapist(client, "reset@example.org")
        assert person.get("/t/en/sets").status_code == 200
    reset = houvast(settings, "reset", "reset@example.org", "--locale", "en")
    assert reset.returncode == 0, reset.stderr
    token = link_token(reset.stdout, "en")
    with open_client(settings) as client:
        assert person.get("/t/en/sets").status_code == 303, "the session ended"
        other = Person(client)
        old = other.post("/t/en/", {"email": "reset@example.org", "password": PASSWORD})
        assert old.status_code == 400
        assert set_password(other, token, "a brand new password") == 303
    assert houvast(settings, "reset", "nobody@example.org").returncode == 2


def test_remove_deletes_the_account_and_all_it_owns(any_database: Settings) -> None:
    settings = any_database
    with open_client(settings) as client:
        person = make_therapist(client, "leaving@example.org")
        staying = make_therapist(client, "staying@example.org")
        _, token, _ = share(person, create_set(person))
        create_set(staying)
        secret = client.post("/api/sets/progress", json={"token": token}).json()["secret"]
        run = {
            "id": str(uuid.uuid4()),
            "exercise": "grounding",
            "started": datetime.now(UTC).isoformat(),
            "seconds": 60,
            "status": "completed",
        }
        client.post(
            "/api/progress/runs",
            json={"runs": [run]},
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert count(settings, progress_runs) == 1
    refused = houvast(settings, "remove", "leaving@example.org", stdin="")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert (
        "1 set(s), 1 shared link(s)" in refused.stdout and "1 shared exercise(s)" in refused.stdout
    )
    assert count(settings, therapists) == 2
    removed = houvast(settings, "remove", "leaving@example.org", "--yes")
    assert removed.returncode == 0, removed.stderr
    assert count(settings, therapists) == 1 and count(settings, sets) == 1
    assert count(settings, shares) == 0 and count(settings, progress_runs) == 0
    with open_client(settings) as client:
        assert client.post("/api/sets/open", json={"token": token}).status_code == 404


def test_no_table_holds_a_clients_name_or_a_plain_secret(client: TestClient) -> None:
    """What the server keeps of secrets is hashes; there is nowhere to put a client's name."""
    columns = {
        table.name: {column.name for column in table.columns}
        for table in (therapists, sets, shares, password_links, progress_runs)
    }
    assert not any("name" in name for names in columns.values() for name in names)
    assert {"token_hash"} <= columns["therapist_password_links"]
    engine = side_of(client).engine
    with engine.connect() as connection:
        assert connection.execute(text("select count(*) from therapists")).scalar() == 0


def test_reset_prints_the_link_in_the_accounts_language(any_database: Settings) -> None:
    """`add --locale` is kept with the account; `reset` uses it unless told otherwise."""
    settings = any_database
    assert houvast(settings, "add", "anna@example.org", "--locale", "en").returncode == 0
    assert houvast(settings, "add", "bram@example.org").returncode == 0
    english = houvast(settings, "reset", "anna@example.org")
    assert english.returncode == 0, english.stderr
    assert "/t/nl/" not in english.stdout
    link_token(english.stdout, "en")
    dutch = houvast(settings, "reset", "bram@example.org")
    assert dutch.returncode == 0, dutch.stderr
    assert "/t/en/" not in dutch.stdout
    link_token(dutch.stdout, "nl")
    chosen = houvast(settings, "reset", "anna@example.org", "--locale", "nl")
    token = link_token(chosen.stdout, "nl")
    with open_client(settings) as client:
        assert set_password(Person(client), token, PASSWORD) == 303, "the newest link works"
        account = side_of(client).accounts.by_email("anna@example.org")
    assert account is not None and account.locale == "en", "an explicit --locale is not kept"


def test_list_shows_every_account_and_nothing_secret(any_database: Settings) -> None:
    settings = any_database
    assert houvast(settings, "list").stdout.startswith("No accounts yet")
    made = datetime(2026, 12, 1, 9, 30, tzinfo=UTC).timestamp()
    with open_client(settings) as client:
        side = side_of(client)
        side.set_clock(lambda: made)
        person = make_therapist(client, "zoe@example.org")
        cookie = str(person.cookies.get(COOKIE))
        side.set_clock(lambda: made + 3600)
        make_therapist(client, "anna@example.org", signed_in=False)
        anna = side.accounts.by_email("anna@example.org")
        assert anna is not None
        side.accounts.start_totp(anna.id, "JBSWY3DPEHPK3PXP")
        side.accounts.confirm_totp(Actor(anna.id, anna.email, "testclient"), 1)
        hashed = anna.password_hash
    added = houvast(settings, "add", "Mila@Example.org", "--locale", "en")
    link = link_token(added.stdout, "en")
    listed = houvast(settings, "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("email") and "last sign-in (UTC)" in lines[0]
    assert [line.split()[:3] for line in lines[1:]] == [
        ["anna@example.org", "nl", "on"],
        ["mila@example.org", "en", "off"],
        ["zoe@example.org", "nl", "off"],
    ]
    assert lines[1].split()[3:] == ["2026-12-01", "10:30", "-"], "never signed in"
    assert lines[3].split()[3:] == ["2026-12-01", "09:30", "2026-12-01", "09:30"]
    assert hashed is not None
    for secret in (hashed, "JBSWY3DPEHPK3PXP", link, cookie, "argon2"):
        assert secret not in listed.stdout
    as_csv = houvast(settings, "list", "--csv")
    assert as_csv.returncode == 0, as_csv.stderr
    assert as_csv.stdout.splitlines()[0] == "email,language,two-step,made (UTC),last sign-in (UTC)"
    assert as_csv.stdout.splitlines()[1] == "anna@example.org,nl,on,2026-12-01 10:30,"


def test_a_wrong_confirmation_removes_nothing_and_says_so_in_the_status(
    settings: Settings,
) -> None:
    """Typed at a terminal: a script that checks the status must not take it for done."""
    assert houvast(settings, "add", "leaving@example.org").returncode == 0
    terminal, typing = pty.openpty()
    try:
        os.write(terminal, b"someone@example.org\n")
        refused = houvast(settings, "remove", "leaving@example.org", stdin=typing)
    finally:
        os.close(terminal)
        os.close(typing)
    assert refused.returncode == 1, (refused.stdout, refused.stderr)
    assert refused.stdout.splitlines()[-1].endswith("Not removed.")
    assert count(settings, therapists) == 1


def test_a_link_to_this_machine_only_is_made_with_a_warning(settings: Settings) -> None:
    """Without HOUVAST_PUBLIC_URL the link leads to where the server listens, which nobody
    else can open: the account is made all the same, and the operator is told."""
    warning = (
        "houvast: warning: HOUVAST_PUBLIC_URL is not set, so this link points at this machine "
        "only (http://127.0.0.1:8000); set HOUVAST_PUBLIC_URL to the address people reach the "
        "site at, e.g. https://houvast.example.org, and make a new link with "
        "`houvast therapist reset EMAIL`\n"
    )
    made = houvast(settings, "add", "anna@example.org", public_url="")
    assert made.returncode == 0, made.stderr
    assert "http://127.0.0.1:8000/t/nl/password#" in made.stdout
    assert made.stderr == warning
    reset = houvast(settings, "reset", "anna@example.org", public_url="")
    assert (reset.returncode, reset.stderr) == (0, warning)
    public = houvast(settings, "reset", "anna@example.org")
    assert (public.returncode, public.stderr) == (0, ""), "a public address: no warning"
    link_token(public.stdout)


def test_an_account_that_looks_like_a_formula_is_text_in_the_csv(settings: Settings) -> None:
    assert houvast(settings, "add", "=1+2@example.org").returncode == 0
    listed = houvast(settings, "list", "--csv")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[1].startswith("'=1+2@example.org,nl,off,")
