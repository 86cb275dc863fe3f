"""Handing a set over: link, QR code, short code, handout, revoking; the client's API to open
a set (docs/sets.md)."""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from starlette.testclient import TestClient

from server.db import _alembic_config, make_engine, shared_secrets
from server.rate_limits import CODE_PER_ADDRESS, CODE_TOTAL
from server.settings import Settings
from server.therapist.sharing import CODE_DAYS, CODE_KEY, LINK_DAYS
from server.therapist.tables import audit_events, share_tokens, shares
from server.therapist.tokens import CODE_ALPHABET
from tests.conftest import isolated_settings
from tests.qr import decode_svg
from tests.therapist import (
    Person,
    any_database,
    count,
    create_set,
    make_therapist,
    open_client,
    set_form,
    share,
    share_page,
    shown,
    side_of,
    sign_in_again,
)

__all__ = ["any_database"]


def test_sharing_shows_a_link_a_qr_code_and_a_code_and_shows_them_again(
    client: TestClient,
) -> None:
    person = make_therapist(client, "a@example.org")
    set_id = create_set(person)
    link, code, path = share_page(person, set_id)
    token = link.split("#t=")[1]
    page = person.get(path)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    # The set's language, not the therapist's page: this set is in Dutch.
    assert re.fullmatch(r"http://127\.0\.0\.1:8000/nl/set#t=[A-Za-z0-9_-]{43}", link)
    assert len(token) * 6 >= 128
    assert re.fullmatch(rf"[{CODE_ALPHABET}]{{4}} [{CODE_ALPHABET}]{{4}}", code)
    qr = re.search(r'<figure class="qr-figure" id="share-qr">(.*?)</figure>', page.text, re.S)
    assert qr and decode_svg(qr.group(1)) == link, "the QR code is the link"
    # Shown again (a reload, or from the set's page): the same link and code, no new link.
    assert shown(person.get(path).text) == (link, code)
    assert count(client, shares) == 1
    # Lookups go by fingerprints; the link and code are kept only sealed, never in the clear.
    with side_of(client).engine.connect() as connection:
        hashes = {row.token_hash for row in connection.execute(select(share_tokens))}
        (row,) = connection.execute(select(shares)).all()
    assert hashlib.sha256(token.encode()).hexdigest() in hashes
    assert row.code_hash == keyed(client, code)
    assert hashlib.sha256(code.replace(" ", "").encode()).hexdigest() != row.code_hash
    assert token not in str(row._mapping.values()) and code.replace(" ", "") not in str(
        row._mapping.values()
    )
    # Sharing again is another link, for another client or phone.
    other_link, other_code = share_page(person, set_id)[:2]
    assert other_link != link and other_code != code
    set_page = person.get(f"/t/en/sets/{set_id}").text
    assert token not in set_page and code not in set_page
    assert set_page.count("Stop link") == 2 and set_page.count(">Show<") == 2


def test_a_link_is_replaced_after_a_confirmation_and_stopped_for_good(
    any_database: Settings,
) -> None:
    with open_client(any_database) as client:
        person = make_therapist(client, "a@example.org")
        set_id = create_set(person)
        link, code, path = share_page(person, set_id, label="dossier 1234")
        token = link.split("#t=")[1]
        share_id = path.rsplit("/", 1)[1]
        confirm = person.get(f"{path}/replace")
        assert confirm.status_code == 200 and "The link and code you gave stop working" in (
            confirm.text
        )
        assert count(client, shares) == 1, "asking is not doing"
        replaced = person.post(f"{path}/replace")
        assert replaced.status_code == 303
        new_path = replaced.headers["location"]
        assert new_path != path
        new_link, new_code = shown(person.get(new_path).text)
        assert (new_link, new_code) != (link, code)
        # The old link and code open nothing, the new ones the set; the label went along.
        assert client.post("/api/sets/open", json={"token": token}).status_code == 410
        assert client.post("/api/sets/open", json={"code": code}).status_code == 410
        opened = client.post("/api/sets/open", json={"token": new_link.split("#t=")[1]})
        assert opened.status_code == 200
        assert 'value="dossier 1234"' in person.get(new_path).text
        # A stopped link cannot be shown, replaced or labelled again: each leads to the set's
        # page, which says so; its sealed copies are gone.
        for url in (path, f"{path}/replace"):
            assert_link_gone(person, person.get(url))
        for url in (f"{path}/replace", f"{path}/label"):
            assert_link_gone(person, person.post(url, {"label": "x"}))
        with side_of(client).engine.connect() as connection:
            old = connection.execute(select(shares).where(shares.c.public_id == share_id)).one()
        assert old.revoked_at is not None and old.token_sealed is None and old.code_sealed is None
        set_page = person.get(f"/t/en/sets/{set_id}").text
        assert set_page.count("<td>dossier 1234</td>") == 2 and set_page.count("Stop link") == 1
        # Stopping the new one: it cannot be shown again either.
        person.post(f"{new_path}/revoke")
        assert_link_gone(person, person.get(new_path))
        # Stopped again from a tab still open on the set's page: it says so, no error.
        assert_link_gone(person, person.post(f"{new_path}/revoke"))
        # The audit trail: made, shown, replaced (and the new one made), shown, revoked.
        with side_of(client).engine.connect() as connection:
            trail = connection.execute(
                select(audit_events.c.event, audit_events.c.share_id)
                .where(audit_events.c.event.like("share.%"))
                .order_by(audit_events.c.id)
            ).all()
        new_id = new_path.rsplit("/", 1)[1]
        assert [tuple(row) for row in trail] == [
            ("share.made", share_id),
            ("share.shown", share_id),
            ("share.replaced", share_id),
            ("share.made", new_id),
            ("share.shown", new_id),
            ("share.shown", new_id),
            ("share.revoked", new_id),
        ]


def test_a_label_is_private_checked_and_changed_on_the_links_page(
    any_database: Settings,
) -> None:
    with open_client(any_database) as client:
        person = make_therapist(client, "a@example.org")
        other = make_therapist(client, "b@example.org")
        set_id = create_set(person)
        refused = person.post(f"/t/en/sets/{set_id}/share", {"label": "AB\u202e12"})
        assert refused.status_code == 400
        assert "changes the direction of the text" in refused.text
        assert 'aria-invalid="true"' in refused.text and count(client, shares) == 0
        too_long = person.post(f"/t/nl/sets/{set_id}/share", {"label": "x" * 41})
        assert too_long.status_code == 400 and "hoogstens 40 tekens" in too_long.text
        path = share_page(person, set_id, label="  JdV   2024 ")[2]
        assert "JdV 2024" in person.get(f"/t/en/sets/{set_id}").text
        changed = person.post(f"{path}/label", {"label": "JdV-2"})
        assert changed.status_code == 303 and "done=labelled" in changed.headers["location"]
        assert "The label is saved." in person.get(changed.headers["location"]).text
        assert "JdV-2" in person.get(f"/t/en/sets/{set_id}").text
        bad = person.post(f"{path}/label", {"label": "a\x00b"})
        assert bad.status_code == 400 and "control character" in bad.text
        # Another therapist reaches none of it: not the page, the label or the replacing.
        for method, url in (("GET", path), ("POST", f"{path}/label"), ("POST", f"{path}/replace")):
            answer = other.request(method, url, data={"csrf": other.csrf(), "label": "x"})
            assert answer.status_code == 404, (method, url)
        assert "JdV-2" in person.get(f"/t/en/sets/{set_id}").text


def assert_link_gone(person: Person, response: Any) -> None:
    """A link's page (or button) once the link no longer works: the set's own page, which says
    so and lists why, never "not found" (the set is still there)."""
    assert response.status_code == 303, response.text[:500]
    location = response.headers["location"]
    assert re.fullmatch(r"/t/en/sets/[^/?]+\?done=link-gone", location), location
    page = person.get(location)
    assert page.status_code == 200
    assert "That link no longer works. The list of links below says why" in page.text
    assert "Not found" not in page.text


def test_a_share_of_another_set_says_nothing_of_that_set(client: TestClient) -> None:
    """A share id that is not this set's (the therapist's own other set, or another
    therapist's) leads to this set's page like a stopped link: nothing of the other shows."""
    person = make_therapist(client, "a@example.org")
    other = make_therapist(client, "b@example.org")
    mine, theirs = create_set(person, title="Mine"), create_set(other, title="Theirs")
    _, _, own_path = share_page(person, create_set(person, title="Second"), label="SECOND-1")
    _, _, their_path = share_page(other, theirs, label="THEIRS-1")
    for path in (own_path, their_path):
        share_id = path.rsplit("/", 1)[1]
        response = person.get(f"/t/en/sets/{mine}/shares/{share_id}")
        assert response.headers["location"] == f"/t/en/sets/{mine}?done=link-gone"
        page = person.get(response.headers["location"]).text
        assert "SECOND-1" not in page and "THEIRS-1" not in page and "Theirs" not in page
    # Another therapist's set stays not found, with or without a share of its own.
    assert person.get(their_path).status_code == 404


def keyed(client: TestClient, code: str) -> str:
    """What the database should keep of a code: its HMAC under the key in shared_secrets."""
    with side_of(client).engine.connect() as connection:
        key = connection.execute(
            select(shared_secrets.c.value).where(shared_secrets.c.name == CODE_KEY)
        ).scalar_one()
    message = code.replace(" ", "").encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def test_every_instance_on_a_database_opens_the_codes_of_the_others(
    tmp_path: Path, database_url: str
) -> None:
    shared_url = database_url or f"sqlite:///{tmp_path / 'shared.db'}"
    first = isolated_settings(tmp_path / "a", database_url=shared_url)
    second = isolated_settings(tmp_path / "b", database_url=shared_url)
    with open_client(first) as one, open_client(second) as other:
        person = make_therapist(one, "a@example.org")
        _, _, code = share(person, create_set(person))
        assert other.post("/api/sets/open", json={"code": code}).status_code == 200
        with side_of(one).engine.connect() as connection:
            stored = connection.execute(select(shares.c.code_hash)).scalar_one()
        assert stored == keyed(other, code)


def test_codes_kept_unkeyed_before_are_retired(tmp_path: Path, database_url: str) -> None:
    """Migration 0004: a code kept as a plain SHA-256 opens nothing and shows as expired; the
    share's link still opens the set."""
    settings = isolated_settings(tmp_path / "data", database_url=database_url)
    with open_client(settings) as client:
        person = make_therapist(client, "a@example.org")
        set_id = create_set(person)
        _, token, code = share(person, set_id)
        unkeyed = hashlib.sha256(code.replace(" ", "").encode()).hexdigest()
        engine = side_of(client).engine
        with engine.begin() as connection:
            connection.execute(update(shares).values(code_hash=unkeyed))
    engine = make_engine(settings.database)
    try:
        config = _alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0003")
            command.upgrade(config, "head")
        with engine.connect() as connection:
            row = connection.execute(select(shares)).one()
    finally:
        engine.dispose()
    assert row.code_hash != unkeyed and not row.code_hash.startswith(unkeyed[:8])
    with open_client(settings) as client:
        assert row.code_expires_at <= side_of(client).now()
        assert client.post("/api/sets/open", json={"code": code}).status_code == 404
        # The token made with the share is its link's (migration 0009): an app gets its own.
        opened = client.post("/api/sets/open", json={"token": token})
        assert opened.status_code == 200 and opened.json()["token"] != token


def test_the_handout_is_in_the_language_of_the_set(client: TestClient) -> None:
    person = make_therapist(client, "a@example.org")
    set_id = create_set(person, locale="nl", title="Avondoefeningen")
    page = person.get(share_page(person, set_id)[2]).text
    handout = re.search(r'<section class="handout">(.*?)</section>', page, re.S)
    assert handout
    text = handout.group(1)
    assert "<h1>Avondoefeningen</h1>" in text and "Op een iPhone" in text and "Op Android" in text
    assert 'class="qr"' in text and re.search(r'class="t-code">[A-Z0-9]{4} [A-Z0-9]{4}<', text)
    css = client.get(re.search(r'href="(/t/static/[^"]+/therapist\.css)"', page).group(1)).text  # type: ignore[union-attr]
    # Served minified: the print rule is there in whatever spacing esbuild leaves.
    assert re.search(r"@page\s*\{\s*size:\s*A4", css)


def _handout(page: str) -> str:
    found = re.search(r'<section class="handout">(.*?)</section>', page, re.S)
    assert found
    # The text as printed: tags out, spaces folded.
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def test_the_handout_lists_the_exercises_the_note_and_where_help_is(
    tmp_path: Path, database_url: str
) -> None:
    """Each exercise with its length at the set's own values (120 s instead of 30 makes the
    grounding 5 minutes, not 3), the set's note, the crisis lines, the practice; in the set's
    language whatever the therapist's page is in."""
    settings = isolated_settings(
        tmp_path / "data",
        database_url=database_url,
        practice_name="Praktijk De Linde",
        practice_contact="020-123 45 67",
    )
    with open_client(settings) as client:
        person = make_therapist(client, "a@example.org")
        dutch = create_set(
            person,
            note="Elke avond even, na het eten.",
            **{"items-0-what-see.duration": "120", "items-1-exercise": "paced-breathing"},
        )
        text = _handout(person.get(share_page(person, dutch)[2]).text)
        assert "Hier en nu · ongeveer 5 minuten" in text
        assert re.search(r"Ademen met een langere uitademing · ongeveer \d+ minuten", text), text
        assert "Een bericht van je therapeut Elke avond even, na het eten." in text
        assert "113 Zelfmoordpreventie: bel 113 of 0800-0113 (gratis), dag en nacht." in text
        assert "bel 112" in text and "huisartsenpost" in text
        assert "Toevoegen aan startscherm" in text and "Zet op beginscherm" in text
        assert "Praktijk De Linde" in text
        assert "Neem contact op met Praktijk De Linde: 020-123 45 67" in text
        english = create_set(person, locale="en", note="")
        text = _handout(person.get(share_page(person, english)[2].replace("/t/en/", "/t/nl/")).text)
        assert "Here and now · about 3 minutes" in text
        assert "A note from your therapist" not in text
        assert "113 Zelfmoordpreventie: call 113 or 0800-0113 (free), day and night." in text
        assert "call 112" in text and "the huisartsenpost (the GP out-of-hours service)" in text
        assert "Add to home screen" in text and "Add to Home Screen" in text


def test_the_handout_reads_well_without_a_practice(client: TestClient) -> None:
    person = make_therapist(client, "a@example.org")
    text = _handout(person.get(share_page(person, create_set(person))[2]).text)
    assert "Neem contact op" not in text and "je praktijk" not in text
    assert "113 Zelfmoordpreventie" in text


def test_a_set_opens_by_link_or_code_and_follows_each_change(any_database: Settings) -> None:
    with open_client(any_database) as client:
        person = make_therapist(client, "a@example.org")
        set_id = create_set(person)
        _, token, code = share(person, set_id)
        opened = client.post("/api/sets/open", json={"token": token})
        assert opened.status_code == 200 and opened.headers["cache-control"] == "no-store"
        body = opened.json()
        app_token = body["token"]
        assert app_token != token, "the app follows with a token of its own"
        assert body["set"] == {
            "id": set_id,
            "version": 1,
            "title": "Evenings",
            "note": "Short and gentle.",
            "locale": "nl",
            "items": [
                {
                    "exercise": "grounding",
                    "values": {"what-see.duration": 45},
                    "note": "Take your time.",
                    "plan": False,
                }
            ],
            "reminders": [{"days": [1, 4], "time": "20:00"}],
            "updated": body["set"]["updated"],
        }
        typed = code.lower().replace(" ", "-")
        by_code = client.post("/api/sets/open", json={"code": typed})
        assert by_code.status_code == 200
        own_token = by_code.json()["token"]
        assert own_token != token and by_code.json()["set"]["id"] == set_id
        person.post(f"/t/en/sets/{set_id}/edit", set_form(title="Evenings, week 2"))
        for each in (app_token, own_token):
            newer = client.post("/api/sets/open", json={"token": each}).json()["set"]
            assert newer["version"] == 2 and newer["title"] == "Evenings, week 2"


def test_a_code_stops_working_after_its_days_before_the_link(client: TestClient) -> None:
    person = make_therapist(client, "a@example.org")
    set_id = create_set(person)
    link, code, path = share_page(person, set_id)
    token = link.split("#t=")[1]
    side = side_of(client)
    later = side.now() + CODE_DAYS * 24 * 3600 + 1
    side.set_clock(lambda: later)
    assert LINK_DAYS > CODE_DAYS, "the link outlives the code (this test says what then)"
    expired = client.post("/api/sets/open", json={"code": code}, headers={"Accept-Language": "nl"})
    assert expired.status_code == 404
    assert expired.json()["message"].startswith("Deze link of code is onbekend")
    assert client.post("/api/sets/open", json={"token": token}).status_code == 200
    # The link's page and its handout still show the link, and no longer the code.
    sign_in_again(person, "a@example.org")
    page = person.get(path).text
    assert "The code stopped working on" in page and 'id="share-code"' not in page
    assert code not in page and link in page
    assert re.search(r"<td>Expired [^<]+</td>", person.get(f"/t/en/sets/{set_id}").text)


def test_a_revoked_share_says_so_and_opens_nothing(any_database: Settings) -> None:
    with open_client(any_database) as client:
        person = make_therapist(client, "a@example.org")
        set_id = create_set(person)
        _, token, code = share(person, set_id)
        secret = client.post("/api/sets/progress", json={"token": token}).json()["secret"]
        side = side_of(client)
        found = side.sets.get(1, set_id)
        assert found is not None
        share_id = side.shares.for_set(found.id)[0].public_id
        done = person.post(f"/t/en/sets/{set_id}/shares/{share_id}/revoke")
        assert done.headers["location"] == f"/t/en/sets/{set_id}?done=revoked"
        assert "Stopped" in person.get(f"/t/en/sets/{set_id}").text
        for body in ({"token": token}, {"code": code}):
            gone = client.post("/api/sets/open", json=body)
            assert gone.status_code == 410 and gone.json()["revoked"] is True
            assert "set" not in gone.json()
        assert client.post("/api/sets/progress", json={"token": token}).status_code == 410
        runs = client.post(
            "/api/progress/runs", json={"runs": []}, headers={"Authorization": f"Bearer {secret}"}
        )
        assert runs.status_code == 410
        # A stopped link stays stopped; stopping it again says it no longer works.
        again = person.post(f"/t/en/sets/{set_id}/shares/{share_id}/revoke")
        assert again.headers["location"] == f"/t/en/sets/{set_id}?done=link-gone"
        assert side.shares.for_set(found.id)[0].revoked_at is not None


def test_unknown_tokens_and_codes_are_404_in_the_person_s_language(client: TestClient) -> None:
    unknown = client.post(
        "/api/sets/open", json={"token": "x" * 43}, headers={"Accept-Language": "en"}
    )
    assert unknown.status_code == 404 and "not known" in unknown.json()["message"]
    malformed = client.post(
        "/api/sets/open", json={"code": "ABC0"}, headers={"Accept-Language": "nl"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["message"] == "Een code heeft 8 letters en cijfers, zoals ABCD 2345."


def test_guessing_codes_is_stopped_per_address(client: TestClient) -> None:
    person = make_therapist(client, "a@example.org")
    _, _, code = share(person, create_set(person))
    guesser = Person(client, "198.51.100.1")
    for _ in range(10):
        assert (
            guesser.request("POST", "/api/sets/open", json={"code": "AAAA2222"}).status_code == 404
        )
    stopped = guesser.request("POST", "/api/sets/open", json={"code": code})
    assert stopped.status_code == 429
    assert 0 < int(stopped.headers["retry-after"]) <= 600
    assert stopped.json()["message"].startswith("Te veel pogingen. Wacht 10 minuten")
    other = Person(client, "198.51.100.2")
    assert other.request("POST", "/api/sets/open", json={"code": code}).status_code == 200


def test_guessing_codes_is_stopped_for_every_address_together(client: TestClient) -> None:
    """Many addresses guess no faster than a few: a limit for all of them at once."""
    person = make_therapist(client, "a@example.org")
    _, _, code = share(person, create_set(person))
    addresses = CODE_TOTAL.amount // CODE_PER_ADDRESS.amount
    for n in range(addresses):
        guesser = Person(client, f"203.0.113.{n}")
        for _ in range(CODE_PER_ADDRESS.amount):
            guess = guesser.request("POST", "/api/sets/open", json={"code": "AAAA2222"})
            assert guess.status_code == 404
    stopped = Person(client, "198.51.100.9").request("POST", "/api/sets/open", json={"code": code})
    assert stopped.status_code == 429 and int(stopped.headers["retry-after"]) > 0
    # Links are not codes: they still open.
    token = share(person, create_set(person))[1]
    assert client.post("/api/sets/open", json={"token": token}).status_code == 200


def _nested(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # A function, not a lambda over several lines: Hypothesis reads a lambda's source to see
    # that it uses its argument, and cannot read that one.
    return st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["token", "code", "set", "x"]), children, max_size=3
    )


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    _nested,
    max_leaves=10,
)


@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=JSON)
def test_any_body_gets_a_clear_answer_and_stores_nothing(client: TestClient, body: Any) -> None:
    side_of(client).throttle.reset()
    before = count(client, share_tokens)
    raw = json.dumps(body).encode()
    headers = {"Accept-Language": "nl", "Content-Type": "application/json"}
    response = client.post("/api/sets/open", content=raw, headers=headers)
    assert response.status_code in (400, 404, 410, 429), response.text
    assert response.json()["message"]
    assert count(client, share_tokens) == before
    response = client.post("/api/sets/progress", content=raw, headers=headers)
    assert response.status_code in (400, 404, 410, 429)


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b'{"token": "abc"', {"content-type": "application/json"}, 400),
        (b"token=abc", {"content-type": "application/x-www-form-urlencoded"}, 415),
        (b"\xff\xfe", {"content-type": "application/json"}, 400),
        (b"[" * 100_000, {"content-type": "application/json"}, 400),
        (b" " * 300_000, {"content-type": "application/json"}, 413),
    ],
)
def test_a_body_that_is_no_json_is_refused(
    client: TestClient, content: bytes, headers: dict[str, str], status: int
) -> None:
    for path in ("/api/sets/open", "/api/sets/progress", "/api/progress/runs"):
        response = client.post(path, content=content, headers=headers)
        assert response.status_code in (status, 404), path
        assert response.json()["error"]


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_the_set_page_says_it_opens_in_the_app(client: TestClient, locale: str) -> None:
    page = client.get(f"/{locale}/set")
    assert page.status_code == 200
    words = {"nl": "JavaScript nodig", "en": "needs JavaScript"}
    assert words[locale] in page.text


def test_a_link_opens_the_set_until_a_phone_keeps_it(any_database: Settings) -> None:
    """A link left in a browser's history (a shared family tablet) opens nothing once the set
    is kept on a phone: each app that opens it gets a token of its own, and the first that
    checks back with it keeps the set. The therapist sees opened, kept, on how many phones."""
    with open_client(any_database) as client:
        person = make_therapist(client, "a@example.org")
        set_id = create_set(person)
        link, code, path = share_page(person, set_id, label="K-7")
        token = link.split("#t=")[1]
        assert "Not opened yet" in person.get(f"/t/en/sets/{set_id}").text

        first = client.post("/api/sets/open", json={"token": token})
        assert first.status_code == 200
        mine = first.json()["token"]
        assert mine != token, "the app follows with a token of its own"
        listed = person.get(f"/t/en/sets/{set_id}").text
        assert re.search(r"Opened [^<]+, not kept yet", listed)
        # Not kept yet: the link (or the code) still opens it, in another browser too.
        other = client.post("/api/sets/open", json={"code": code}).json()["token"]
        assert other not in (mine, token)

        # The app keeps it and checks back with its own token: now kept on one phone.
        kept = client.post("/api/sets/open", json={"token": mine})
        assert kept.status_code == 200 and kept.json()["token"] == mine
        for body in ({"token": token}, {"code": code}):
            used = client.post("/api/sets/open", json=body, headers={"Accept-Language": "nl"})
            assert used.status_code == 410 and used.json()["error"] == "used"
            assert used.json()["message"].startswith("Deze link is al gebruikt")
        # The phone goes on following it, and may share its progress.
        assert client.post("/api/sets/open", json={"token": mine}).status_code == 200
        assert client.post("/api/sets/progress", json={"token": mine}).status_code == 201
        listed = person.get(f"/t/en/sets/{set_id}").text
        assert "Kept on 1 phone" in listed and re.search(r"Used [^<]+: no longer works", listed)
        assert "last checked in" in listed and "Shared by the client" in listed
        # Nothing to show again, and its sealed copies are gone; it can still be replaced.
        assert ">Show<" not in listed and "Replace" in listed
        assert_link_gone(person, person.get(path))
        with side_of(client).engine.connect() as connection:
            row = connection.execute(select(shares)).one()
        assert row.token_sealed is None and row.code_sealed is None
        # The other browser that opened it before, now keeping it too: a second phone.
        assert client.post("/api/sets/open", json={"token": other}).status_code == 200
        assert "Kept on 2 phones" in person.get(f"/t/en/sets/{set_id}").text


def test_a_link_nobody_keeps_stops_after_its_days(client: TestClient) -> None:
    person = make_therapist(client, "a@example.org")
    set_id = create_set(person)
    link, _, path = share_page(person, set_id)
    token = link.split("#t=")[1]
    side = side_of(client)
    made = side.now()
    side.set_clock(lambda: made + LINK_DAYS * 24 * 3600 - 60)
    assert client.post("/api/sets/open", json={"token": token}).status_code == 200
    side.set_clock(lambda: made + LINK_DAYS * 24 * 3600 + 1)
    gone = client.post("/api/sets/open", json={"token": token})
    assert gone.status_code == 410 and gone.json()["error"] == "expired"
    sign_in_again(person, "a@example.org")
    assert_link_gone(person, person.get(path))
    listed = person.get(f"/t/en/sets/{set_id}").text
    assert re.search(r"<td>Expired [^<]+</td>", listed) and ">Show<" not in listed


def test_a_phone_checking_back_is_seen_at_most_once_an_hour(client: TestClient) -> None:
    person = make_therapist(client, "a@example.org")
    _, token, _ = share(person, create_set(person))
    mine = client.post("/api/sets/open", json={"token": token}).json()["token"]
    side = side_of(client)
    start = side.now()

    def seen() -> tuple[int | None, int | None]:
        with side.engine.connect() as connection:
            row = connection.execute(
                select(share_tokens.c.kept_at, share_tokens.c.seen_at).where(
                    share_tokens.c.kind == "app"
                )
            ).one()
        return row.kept_at, row.seen_at

    for later, expected in (
        (0, (start, start)),
        (600, (start, start)),
        (3700, (start, start + 3700)),
    ):
        side.set_clock(lambda later=later: start + later)
        assert client.post("/api/sets/open", json={"token": mine}).status_code == 200
        assert seen() == tuple(int(value) for value in expected)
