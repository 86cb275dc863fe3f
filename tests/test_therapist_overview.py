"""A therapist with many clients finds a set: by title or a link's label, sorted by last
activity, title or label, the archived ones apart; never another therapist's."""

from __future__ import annotations

import re

from server.settings import Settings
from tests.therapist import (
    any_database,
    create_set,
    make_therapist,
    open_client,
    share_page,
    side_of,
)

__all__ = ["any_database"]


def titles(page: str) -> list[str]:
    """The sets the list shows, in its order."""
    return re.findall(r'<li>\s*<a href="/t/en/sets/[^"]+">([^<]+)</a>', page)


def test_sets_are_found_by_title_or_label_and_sorted(any_database: Settings) -> None:
    with open_client(any_database) as client:
        anna = make_therapist(client, "anna@example.org")
        other = make_therapist(client, "ben@example.org")
        side = side_of(client)
        start = side.now()
        made = {}
        for n, (title, label) in enumerate(
            [("Evenings", "Dossier 0412"), ("Mornings", "AB"), ("Panic, first aid", "")]
        ):
            side.set_clock(lambda n=n: start + n * 60)
            made[title] = create_set(anna, title=title)
            if label:
                share_page(anna, made[title], label=label)
        side.set_clock(lambda: start + 4 * 60)
        create_set(other, title="Evenings of someone else")

        listed = anna.get("/t/en/sets").text
        assert titles(listed) == ["Panic, first aid", "Mornings", "Evenings"], "newest first"
        assert "Links: Dossier 0412" in listed and "someone else" not in listed
        # A client's link opened: that set has the latest activity now.
        side.set_clock(lambda: start + 5 * 60)
        token = share_page(anna, made["Evenings"])[0].split("#t=")[1]
        assert client.post("/api/sets/open", json={"token": token}).status_code == 200
        assert titles(anna.get("/t/en/sets").text)[0] == "Evenings"

        assert titles(anna.get("/t/en/sets?sort=title").text) == [
            "Evenings",
            "Mornings",
            "Panic, first aid",
        ]
        assert titles(anna.get("/t/en/sets?sort=label").text) == [
            "Mornings",  # AB
            "Evenings",  # Dossier 0412
            "Panic, first aid",  # no label: last
        ]
        assert titles(anna.get("/t/en/sets?q=0412").text) == ["Evenings"]
        assert titles(anna.get("/t/en/sets?q=MORN").text) == ["Mornings"]
        nothing = anna.get("/t/nl/sets?q=else").text
        assert titles(nothing) == [] and "Geen set heeft ‘else’" in nothing
        # Whatever is asked, nothing breaks: an unknown order, a long or odd search.
        for query in ("sort=%00", "q=" + "x" * 5000, "q=%E2%80%AE", "archived=yes"):
            assert anna.get(f"/t/en/sets?{query}").status_code == 200


def test_an_archived_set_leaves_the_list_and_comes_back(any_database: Settings) -> None:
    with open_client(any_database) as client:
        anna = make_therapist(client, "anna@example.org")
        other = make_therapist(client, "ben@example.org")
        kept = create_set(anna, title="Evenings")
        done = create_set(anna, title="Finished in June")
        token = share_page(anna, done, label="K-12")[0].split("#t=")[1]

        # Another therapist can neither archive nor see it.
        refused = other.post(f"/t/en/sets/{done}/archive", {"action": "archive"})
        assert refused.status_code == 404
        archived = anna.post(f"/t/en/sets/{done}/archive", {"action": "archive"})
        assert archived.status_code == 303 and "done=archived" in archived.headers["location"]
        assert "The set is archived." in anna.get(archived.headers["location"]).text
        listed = anna.get("/t/en/sets").text
        assert titles(listed) == ["Evenings"] and "Archived sets (1)" in listed
        assert titles(anna.get("/t/en/sets?archived=1").text) == ["Finished in June"]
        assert titles(anna.get("/t/en/sets?archived=1&q=K-12").text) == ["Finished in June"]
        # Its link goes on working for the client.
        assert client.post("/api/sets/open", json={"token": token}).status_code == 200

        restored = anna.post(f"/t/en/sets/{done}/archive", {"action": "restore"})
        assert "done=restored" in restored.headers["location"]
        assert sorted(titles(anna.get("/t/en/sets").text)) == ["Evenings", "Finished in June"]
        assert "Archived sets" not in anna.get("/t/en/sets").text
        assert kept
