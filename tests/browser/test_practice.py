"""A busy therapist's week, in Chromium: five clients told apart by the labels of their links
(never a name), found again by search; a link made once, shown again and replaced; two clients
keeping their sets and sharing progress, read back run by run; the handout printed and read
back from its PDF; signed out while idle in the middle of an edit, losing nothing; and the
audit trail the organisation can show, read back with the operator's command. In both
languages, on a laptop (1280×800) and a tablet (768 px wide).

The clients' phones speak to the API directly (their side is tested in test_client_sets.py);
this test is about what the therapist sees and does.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from server.db import make_engine
from server.settings import Settings
from server.therapist.audit import Actor
from server.therapist.sets import Item, SetData, Sets
from server.therapist.tables import therapists
from tests.browser.test_therapist import (
    api,
    check_axe,
    first_sign_in,
    houvast_add,
    in_place,
    press_on,
    run,
    sign_in,
    type_into,
)
from tests.pdf import pdf_page_png, pdf_texts
from tests.qr import decode_png
from tests.test_therapist_audit import houvast_audit
from tests.therapist import backdate_sessions, backdate_shares, served_on_known_port

LAPTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}
# Five clients: what each set is for, and the label of its link (a file number or initials).
CLIENTS = [
    ("Avondrust", "D-2024-0412"),
    ("Na het werk", "JvdB"),
    ("Slapen", "D-2024-0977"),
    ("Paniek, eerste hulp", "KM-3"),
    ("Tussen de sessies", "D-2023-1188"),
]
WORDS = {
    "nl": {
        "find": "0977",
        "replace_button": "Link stoppen en een nieuwe maken",
        "kept": "Bewaard op 1 telefoon",
        "shared": "Gedeeld door de cliënt",
        "completed": "Afgerond",
        "away": "Je bent afgemeld na 30 minuten zonder activiteit.",
        "saved": "De set is opgeslagen.",
        "crisis": "113",
        "grounding": "Hier en nu",
    },
    "en": {
        "find": "0977",
        "replace_button": "Stop it and make a new link",
        "kept": "Kept on 1 phone",
        "shared": "Shared by the client",
        "completed": "Completed",
        "away": "You were signed out after 30 minutes without activity.",
        "saved": "The set is saved.",
        "crisis": "113",
        "grounding": "Here and now",
    },
}


@pytest.fixture(scope="module")
def practice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    with served_on_known_port(tmp_path_factory.mktemp("practice")) as served:
        yield served


def listed(page: Page) -> list[str]:
    return page.locator(".t-sets li > a").all_inner_texts()


@pytest.mark.parametrize(("locale", "viewport"), [("nl", LAPTOP), ("en", TABLET)])
def test_a_therapist_with_five_clients_through_a_week(
    browser: Browser, practice: tuple[str, Settings], locale: str, viewport: dict[str, int]
) -> None:
    url, settings = practice
    words = WORDS[locale]
    email = f"busy-{locale}@example.org"
    link = houvast_add(settings, email, locale)
    context = browser.new_context(viewport=viewport, locale=locale)
    page = context.new_page()
    first_sign_in(page, link, email)

    # Five sets, one for each client (made through the form elsewhere: here straight away).
    engine = make_engine(settings.database)
    with engine.connect() as connection:
        account = connection.execute(
            select(therapists.c.id).where(therapists.c.email == email)
        ).scalar_one()
    actor = Actor(account, email, "127.0.0.1")
    sets = Sets(engine, time.time)
    ids = {
        title: sets.create(
            actor,
            SetData(title, "", locale, (Item("grounding", {}, ""), Item("four-s", {}, ""))),
        )
        for title, _ in CLIENTS
    }
    engine.dispose()

    # Each set shared with its client's label: a link for each.
    links = {}
    for title, label in CLIENTS:
        page.goto(f"{url}/t/{locale}/sets/{ids[title]}")
        type_into(page, "#label", label)
        press_on(page, 'form[action$="/share"] button')
        links[title] = page.locator("#share-link").input_value()
    check_axe(page, "a link's page")

    # Found again by the label of its link, and by a word of its title; sorted by title.
    page.goto(f"{url}/t/{locale}/sets")
    assert len(listed(page)) == 5
    type_into(page, "#q", words["find"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert listed(page) == ["Slapen"]
    page.goto(f"{url}/t/{locale}/sets?sort=title")
    assert listed(page) == sorted(title for title, _ in CLIENTS)
    check_axe(page, "the sorted list")

    # Shown again: the same link, no new one. Then replaced, after a confirmation: the old
    # link opens nothing, the new one the set.
    first = "Avondrust"
    page.goto(f"{url}/t/{locale}/sets/{ids[first]}")
    with page.expect_navigation():
        page.locator("#shares a.button").first.click()  # Show
    assert page.locator("#share-link").input_value() == links[first]
    assert page.locator("#shares").count() == 0  # the link's own page
    page.goto(f"{url}/t/{locale}/sets/{ids[first]}")
    assert page.locator("#shares tbody tr").count() == 1, "showing made no new link"
    with page.expect_navigation():
        page.locator("#shares a.button").nth(1).click()  # Replace
    check_axe(page, "replace a link?")
    with page.expect_navigation():
        page.get_by_role("button", name=words["replace_button"]).click()
    replaced = page.locator("#share-link").input_value()
    assert replaced != links[first]
    old_token = links[first].split("#t=")[1]
    assert api(url, "/api/sets/open", {"token": old_token})[0] == 410
    links[first] = replaced

    # Two clients keep their sets on their phones and share their progress.
    secrets = {}
    for title in ("Avondrust", "Slapen"):
        status, opened = api(url, "/api/sets/open", {"token": links[title].split("#t=")[1]})
        assert status == 200
        assert api(url, "/api/sets/open", {"token": opened["token"]})[0] == 200  # kept
        status, body = api(url, "/api/sets/progress", {"token": opened["token"]})
        assert status == 201
        secrets[title] = body["secret"]
    backdate_shares(settings, 30)
    now = datetime.now(settings.time_zone)
    runs = [run(now - timedelta(days=day, hours=2), "completed", 7, 4) for day in (1, 3, 8)] + [
        run(now - timedelta(days=2), "stopped", 8, None)
    ]
    assert api(url, "/api/progress/runs", {"runs": runs}, secrets["Avondrust"])[0] == 200
    page.goto(f"{url}/t/{locale}/sets/{ids['Avondrust']}")
    expect(page.locator("#shares")).to_contain_text(words["kept"])
    expect(page.locator("#shares")).to_contain_text(words["shared"])
    page.goto(f"{url}/t/{locale}/sets/{ids['Avondrust']}/progress")
    expect(page.locator("table.t-runs tbody tr")).to_have_count(4)
    expect(page.locator("table.t-runs")).to_contain_text(words["completed"])
    check_axe(page, "progress")

    # The handout of a client who has not kept the set yet, printed and read back.
    page.goto(f"{url}/t/{locale}/sets/{ids['Na het werk']}")
    with page.expect_navigation():
        page.locator("#shares a.button").first.click()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    printed = pdf_texts(pdf)[0]
    for text in (words["grounding"], words["crisis"], "112", "Na het werk"):
        assert text in printed, f"{text!r} not on the handout"
    assert decode_png(pdf_page_png(pdf)) == links["Na het werk"]

    # Signed out while idle in the middle of an edit: nothing typed is lost.
    page.goto(f"{url}/t/{locale}/sets/{ids['Slapen']}/edit")
    type_into(page, "#note", "Eerst de ademhaling.")
    in_place(page, 'button[value="down:0"]')  # the order changed in place, then saved
    backdate_sessions(settings, settings.session_idle_minutes * 60 + 1)
    press_on(page, "#save")
    expect(page.locator(".notice[role=status]")).to_contain_text(words["away"])
    sign_in(page, email)
    expect(page.locator(".notice[role=status]")).to_have_text(words["saved"])
    expect(page.locator(".t-client-note")).to_have_text("Eerst de ademhaling.")
    expect(page.locator(".t-items > li").first).not_to_contain_text(words["grounding"])

    # The audit trail, as the operator reads it: who did what, never a title or a label.
    trail = houvast_audit(settings, "--account", email, "--csv")
    assert trail.returncode == 0, trail.stderr
    events = trail.stdout
    for event in ("share.made", "share.shown", "share.replaced", "progress.viewed", "set.edited"):
        assert event in events, f"{event} not in the audit trail"
    for title, label in CLIENTS:
        assert title not in events and label not in events
    context.close()
