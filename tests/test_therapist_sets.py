"""A therapist's sets: making, changing, duplicating and deleting them; values checked against
the exercise contract; and no therapist reaching another's set by any route."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update
from starlette.testclient import TestClient

import server.therapist as therapist_side
from server.settings import Settings
from server.therapist.sets import Item, SetData, StoredSet, client_set
from server.therapist.tables import progress_runs, sets, shares
from tests.therapist import (
    Person,
    any_database,
    count,
    create_set,
    make_therapist,
    open_client,
    set_form,
    share,
    side_of,
)

__all__ = ["any_database"]


def field_error(html: str, field_id: str) -> str:
    found = re.search(rf'class="field-error" id="{re.escape(field_id)}-error">([^<]*)<', html)
    assert found, f"no message next to {field_id}"
    return found.group(1)


def test_a_set_is_made_listed_changed_and_deleted(client: TestClient) -> None:
    person = make_therapist(client, "a@example.org")
    set_id = create_set(person)
    listed = person.get("/t/en/sets").text
    assert "Evenings" in listed and f"/t/en/sets/{set_id}" in listed and "Here and now" in listed
    page = person.get(f"/t/en/sets/{set_id}").text
    assert "Take your time." in page and "version 1" in page
    assert "Monday, Thursday: 20:00" in page
    form = person.get(f"/t/nl/sets/{set_id}/edit").text
    assert 'value="Evenings"' in form and 'value="45"' in form
    changed = person.post(f"/t/en/sets/{set_id}/edit", set_form(title="Mornings"))
    assert changed.status_code == 303
    found = side_of(client).sets.get(1, set_id)
    assert found is not None and found.data.title == "Mornings" and found.version == 2
    assert found.data.items[0].values == {"what-see.duration": 45}
    confirm = person.get(f"/t/en/sets/{set_id}/delete")
    assert confirm.status_code == 200 and "Mornings" in confirm.text
    deleted = person.post(f"/t/en/sets/{set_id}/delete")
    assert deleted.headers["location"] == "/t/en/sets?done=deleted"
    assert person.get(f"/t/en/sets/{set_id}").status_code == 404
    assert count(client, sets) == 0


def test_a_duplicate_is_a_new_set_shared_with_nobody(client: TestClient) -> None:
    person = make_therapist(client, "a@example.org")
    set_id = create_set(person)
    share(person, set_id)
    copied = person.post(f"/t/nl/sets/{set_id}/duplicate")
    assert copied.status_code == 303
    copy_id = copied.headers["location"].split("/sets/")[1].split("?")[0]
    assert copy_id != set_id
    copy = side_of(client).sets.get(1, copy_id)
    original = side_of(client).sets.get(1, set_id)
    assert copy is not None and original is not None
    assert copy.data.title == "Kopie van Evenings"
    assert copy.data.items == original.data.items and copy.data.reminders == original.data.reminders
    assert side_of(client).shares.for_set(copy.id) == []


WRONG_VALUES = [
    (
        {"items-0-what-see.duration": "500"},
        "items-0-what-see-duration",
        "Choose a value from 10 to 120.",
    ),
    (
        {"items-0-what-see.duration": "5"},
        "items-0-what-see-duration",
        "Choose a value from 10 to 120.",
    ),
    (
        {"items-0-what-see.duration": "twenty"},
        "items-0-what-see-duration",
        "Enter a whole number.",
    ),
    (
        {"items-0-what-see.duration": "20.5"},
        "items-0-what-see-duration",
        "Enter a whole number.",
    ),
    ({"title": "  "}, "title", "Give the set a title."),
    ({"title": "x" * 81}, "title", "At most 80 characters."),
    ({"note": "x" * 1001}, "note", "At most 1000 characters."),
    ({"items-0-note": "x" * 281}, "items-0-note", "At most 280 characters."),
    ({"locale": "fr"}, "locale", "Choose a language."),
    ({"items-0-exercise": "no-such-exercise"}, "items-0-exercise", "Choose an exercise"),
    ({"items-0-exercise": None}, "items", "Add at least one exercise."),
    ({"reminders-0-time": "25:00"}, "reminders-0-time", "Choose a time such as 08:30."),
    ({"reminders-0-day": []}, "reminders-0-days", "Choose at least one day of the week."),
    (
        {"reminders-0-day": ["0", "8"]},
        "reminders-0-days",
        "Choose at least one day of the week.",
    ),
]


def test_a_wrong_value_is_refused_next_to_its_field_and_nothing_is_saved(
    client: TestClient,
) -> None:
    person = make_therapist(client, "a@example.org")
    for changes, field, message in WRONG_VALUES:
        response = person.post("/t/en/sets/new", set_form(**changes))
        assert response.status_code == 400, changes
        assert message in field_error(response.text, field)
        assert "Nothing was saved. Please correct the marked fields." in response.text
        assert count(client, sets) == 0
        # What was typed is still there to correct.
        kept = "Evenings" if "title" not in changes else "Short and gentle."
        assert kept in response.text


def test_a_change_out_of_range_leaves_the_saved_set_as_it_was(client: TestClient) -> None:
    person = make_therapist(client, "a@example.org")
    set_id = create_set(person)
    refused = person.post(
        f"/t/nl/sets/{set_id}/edit", set_form(**{"items-0-long-breath-out.cycles": "11"})
    )
    assert refused.status_code == 400
    assert (
        field_error(refused.text, "items-0-long-breath-out-cycles")
        == "Kies een waarde van 1 tot 10."
    )
    found = side_of(client).sets.get(1, set_id)
    assert found is not None and found.version == 1
    assert found.data.items[0].values == {"what-see.duration": 45}


def test_values_equal_to_the_exercise_s_own_are_not_kept(client: TestClient) -> None:
    person = make_therapist(client, "a@example.org")
    set_id = create_set(
        person, **{"items-0-what-see.duration": "30", "items-0-feet-floor.duration": "25"}
    )
    found = side_of(client).sets.get(1, set_id)
    assert found is not None and found.data.items[0].values == {"feet-floor.duration": 25}


def test_the_buttons_add_move_and_remove_without_losing_what_was_typed(client: TestClient) -> None:
    person = make_therapist(client, "a@example.org")
    added = person.post(
        "/t/en/sets/new",
        set_form(action="add-item", **{"new-exercise": "protector", "title": "Typed title"}),
    )
    assert added.status_code == 200
    assert (
        'value="Typed title"' in added.text
        and 'name="items-1-exercise" value="protector"' in added.text
    )
    assert 'id="items-1-note"' in added.text and "autofocus" in added.text
    moved = person.post(
        "/t/en/sets/new",
        set_form(action="down:0", **{"items-1-exercise": "protector", "items-1-note": "second"}),
    )
    assert 'name="items-0-exercise" value="protector"' in moved.text
    assert 'name="items-1-exercise" value="grounding"' in moved.text
    assert re.search(r'id="items-1-what-see-duration"[^>]*value="45"', moved.text), (
        "value moved along"
    )
    removed = person.post(
        "/t/en/sets/new", set_form(action="remove-item:0", **{"items-1-exercise": "protector"})
    )
    assert 'name="items-0-exercise" value="protector"' in removed.text
    assert 'name="items-1-exercise"' not in removed.text
    timed = person.post("/t/en/sets/new", set_form(action="add-reminder"))
    assert 'name="reminders-1-time"' in timed.text
    assert count(client, sets) == 0, "only Save saves"


def test_the_client_gets_values_checked_against_the_exercises_as_they_are_now(
    client: TestClient,
) -> None:
    exercises = side_of(client).exercises
    stored = StoredSet(
        1,
        "abc",
        SetData(
            "Title",
            "Note",
            "en",
            (
                Item("grounding", {"what-see.duration": 999, "no-such-step.duration": 20}, "n"),
                Item("gone-exercise", {}, ""),
            ),
        ),
        3,
        0,
    )
    data = client_set(stored, exercises)
    assert data["items"] == [
        {"exercise": "grounding", "values": {"what-see.duration": 120}, "note": "n", "plan": False}
    ]
    assert data["version"] == 3 and data["updated"] == "1970-01-01T00:00:00+00:00"


PLAN_LINE = "Suggested for the client's plan for hard moments."


def plan_box(page: str, index: int) -> str:
    found = re.search(rf'<input type="checkbox" id="items-{index}-plan"[^>]*>', page)
    assert found, f"no plan checkbox for item {index}"
    return found.group(0)


def test_an_exercise_suggested_for_the_plan_is_kept_shown_and_reaches_the_phone(
    any_database: Settings,
) -> None:
    with open_client(any_database) as client:
        person = make_therapist(client, "a@example.org")
        suggested = {"items-1-exercise": "protector", "items-1-plan": "1"}
        set_id = create_set(person, **suggested)
        found = side_of(client).sets.get(1, set_id)
        assert found is not None
        assert [i.plan for i in found.data.items] == [False, True]
        assert person.get(f"/t/en/sets/{set_id}").text.count(PLAN_LINE) == 1
        form = person.get(f"/t/en/sets/{set_id}/edit").text
        assert "checked" not in plan_box(form, 0) and "checked" in plan_box(form, 1)
        # Moving an exercise takes its box along.
        moved = person.post(f"/t/en/sets/{set_id}/edit", set_form(action="up:1", **suggested))
        assert "checked" in plan_box(moved.text, 0) and "checked" not in plan_box(moved.text, 1)
        _, token, _ = share(person, set_id)
        items = client.post("/api/sets/open", json={"token": token}).json()["set"]["items"]
        assert [(i["exercise"], i["plan"]) for i in items] == [
            ("grounding", False),
            ("protector", True),
        ]
        # Unticked and saved: no longer suggested.
        person.post(f"/t/en/sets/{set_id}/edit", set_form(**{"items-1-exercise": "protector"}))
        items = client.post("/api/sets/open", json={"token": token}).json()["set"]["items"]
        assert [i["plan"] for i in items] == [False, False]
        assert PLAN_LINE not in person.get(f"/t/en/sets/{set_id}").text


def test_an_item_kept_before_suggestions_existed_is_not_suggested(
    any_database: Settings,
) -> None:
    with open_client(any_database) as client:
        person = make_therapist(client, "a@example.org")
        set_id = create_set(person, **{"items-0-plan": "1"})
        side = side_of(client)
        with side.engine.begin() as connection:
            connection.execute(
                update(sets).values(
                    items='[{"exercise": "grounding", "values": {}, "note": "Old."}]'
                )
            )
        found = side.sets.get(1, set_id)
        assert found is not None and found.data.items == (Item("grounding", {}, "Old."),)
        assert "checked" not in plan_box(person.get(f"/t/en/sets/{set_id}/edit").text, 0)


def test_no_therapist_reaches_another_s_set_by_any_route(any_database: Settings) -> None:
    with open_client(any_database) as client:
        alice = make_therapist(client, "alice@example.org")
        bob = make_therapist(client, "bob@example.org")
        set_id = create_set(alice)
        _, token, _ = share(alice, set_id)
        side = side_of(client)
        found = side.sets.get(1, set_id)
        assert found is not None
        share_id = side.shares.for_set(found.id)[0].public_id
        secret = client.post("/api/sets/progress", json={"token": token}).json()["secret"]
        run = {
            "id": str(uuid.uuid4()),
            "exercise": "grounding",
            "started": datetime.now(UTC).isoformat(),
            "seconds": 90,
            "status": "stopped",
        }
        client.post(
            "/api/progress/runs",
            json={"runs": [run]},
            headers={"Authorization": f"Bearer {secret}"},
        )
        bobs_set = create_set(bob, title="Bob's")
        guessed = uuid.uuid4().hex[:16]
        for target in (set_id, guessed):
            base = f"/t/en/sets/{target}"
            for path in (base, f"{base}/edit", f"{base}/delete", f"{base}/progress"):
                response = bob.get(path)
                assert response.status_code == 404, path
                assert "Evenings" not in response.text and "Take your time" not in response.text
            posts = {
                f"{base}/edit": set_form(title="Taken over"),
                f"{base}/duplicate": {},
                f"{base}/delete": {},
                f"{base}/share": {},
                f"{base}/shares/{share_id}/revoke": {},
            }
            for path, data in posts.items():
                assert bob.post(path, data).status_code == 404, path
        # A's share through B's own set in the URL: B's own set's page, as for a link of B's
        # that stopped; it says nothing of A's set, and stops nothing.
        for method, path in (
            ("GET", f"/t/en/sets/{bobs_set}/shares/{share_id}"),
            ("POST", f"/t/en/sets/{bobs_set}/shares/{share_id}/revoke"),
            ("POST", f"/t/en/sets/{bobs_set}/shares/{share_id}/replace"),
            ("POST", f"/t/en/sets/{bobs_set}/shares/{share_id}/label"),
        ):
            sent = bob.get(path) if method == "GET" else bob.post(path, {"label": "x"})
            assert sent.headers["location"] == f"/t/en/sets/{bobs_set}?done=link-gone", path
        after = side.sets.get(1, set_id)
        assert after is not None and after.data.title == "Evenings" and after.version == 1
        assert count(client, sets) == 2 and count(client, shares) == 1
        assert count(client, progress_runs) == 1
        assert not side.shares.for_set(found.id)[0].revoked_at
        assert "Evenings" not in bob.get("/t/en/sets").text
        assert alice.get(f"/t/en/sets/{set_id}/progress").status_code == 200
        assert client.post("/api/sets/open", json={"token": token}).status_code == 200


def test_a_signed_out_visitor_reaches_no_set(client: TestClient) -> None:
    alice = make_therapist(client, "alice@example.org")
    set_id = create_set(alice)
    stranger = Person(client)
    for path in ("/t/en/sets", f"/t/en/sets/{set_id}", f"/t/en/sets/{set_id}/edit"):
        assert stranger.get(path).headers["location"] == "/t/en/"


CONTROL = "What you typed contains an invisible control character. Please remove it and try again."
BIDI = (
    "What you typed contains an invisible character that changes the direction of the text. "
    "Please remove it and try again."
)
INVISIBLE = [
    ({"title": "Even\x00ings"}, "title", CONTROL),
    ({"title": "Evenings\tlate"}, "title", CONTROL),
    ({"title": "\u202eexe.RAALK"}, "title", BIDI),
    ({"title": "KLAAR\u2066.exe"}, "title", BIDI),
    ({"note": "Short\x00 and gentle."}, "note", CONTROL),
    ({"note": "Short\x85 and gentle."}, "note", CONTROL),
    ({"note": "Short \u202d and gentle."}, "note", BIDI),
    ({"items-0-note": "Take\x1b your time."}, "items-0-note", CONTROL),
    ({"items-0-note": "Take \u2069your time."}, "items-0-note", BIDI),
]


def test_control_and_direction_characters_are_refused_next_to_their_field(
    any_database: Settings,
) -> None:
    with open_client(any_database) as client:
        person = make_therapist(client, "a@example.org")
        set_id = create_set(person)
        for changes, field, message in INVISIBLE:
            for url in ("/t/en/sets/new", f"/t/en/sets/{set_id}/edit"):
                response = person.post(url, set_form(**changes))
                assert response.status_code == 400, (changes, url)
                assert field_error(response.text, field) == message
                # What was typed is still there to correct, the character with it.
                assert html.escape(next(iter(changes.values()))) in response.text
        assert count(client, sets) == 1
        found = side_of(client).sets.get(1, set_id)
        assert found is not None and found.version == 1 and found.data.title == "Evenings"
        dutch = person.post("/t/nl/sets/new", set_form(title="a\x00b"))
        assert field_error(dutch.text, "title") == (
            "In wat je hebt ingevuld staat een onzichtbaar teken dat hier niet kan. "
            "Haal het weg en probeer het opnieuw."
        )
        # A note's own lines and tabs are welcome.
        kept = create_set(person, note="One\r\n\tTwo", **{"items-0-note": "Three\r\nFour"})
        found = side_of(client).sets.get(1, kept)
        assert found is not None and found.data.note == "One\n\tTwo"
        assert found.data.items[0].note == "Three\nFour"


def test_a_changed_value_reads_as_a_value_with_its_unit_in_both_languages(
    client: TestClient,
) -> None:
    """A count says what it counts ("6 breaths", not "6 number of breaths"), a length in
    seconds or minutes as the exercise page says it, and a value the step's summary does not
    show comes after its label."""
    person = make_therapist(client, "a@example.org")
    set_id = create_set(
        person,
        **{
            "items-0-exercise": "paced-breathing",
            "items-0-what-see.duration": None,
            "items-0-breathe-along.cycles": "6",
            "items-0-breathe-along.inhale": "5",
            "items-0-own-rhythm.duration": "120",
        },
    )
    english = html.unescape(person.get(f"/t/en/sets/{set_id}").text)
    assert "Breathing along — 6 breaths (usually 10 breaths)" in english
    assert "Breathing along — seconds breathing in: 5 (usually 4)" in english
    assert re.search(r"— 2 minutes \(usually \d+ seconds\)", english)
    assert "number of breaths" not in english
    dutch = html.unescape(person.get(f"/t/nl/sets/{set_id}").text)
    assert "Meeademen — 6 ademhalingen (normaal 10 ademhalingen)" in dutch
    assert "Meeademen — seconden inademen: 5 (normaal 4)" in dutch
    assert "aantal ademhalingen" not in dutch


def test_a_note_keeps_its_lines_on_the_set_s_page(client: TestClient) -> None:
    """The lines a therapist typed show as typed (the stylesheet keeps them), as text only."""
    person = make_therapist(client, "a@example.org")
    set_id = create_set(person, note="One\nTwo <b>", **{"items-0-note": "Three\nFour"})
    page = person.get(f"/t/en/sets/{set_id}").text
    assert '<p class="t-client-note t-note">One\nTwo &lt;b&gt;</p>' in page
    assert '<p class="t-note">Three\nFour</p>' in page
    css = (Path(therapist_side.__file__).parent / "static" / "therapist.css").read_text()
    assert re.search(r"\.t-note \{[^}]*white-space: pre-line", css)
