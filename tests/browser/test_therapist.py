"""The therapist side in Chromium, with the keyboard only: the operator's command makes an
account, the therapist sets a password, turns on two-step sign-in (the QR code read from a
screenshot), signs in with a code, builds a set (a value out of range refused next to its
field, an exercise suggested for the client's plan), shares it (the QR code decoded back to
the link), prints the handout (one A4 page), and stops the link. Then the progress page with
runs fed through the API. Both languages, a phone and a laptop-sized screen, axe-core on every
page."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Route, expect

from server.settings import Settings
from tests.pdf import pdf_page_png, pdf_page_sizes, pdf_texts
from tests.qr import decode_png
from tests.test_cli import HOUVAST
from tests.therapist import backdate_sessions, backdate_shares, served_on_known_port

AXE = Axe()
PHONE = {"width": 360, "height": 640}
LAPTOP = {"width": 1024, "height": 768}
PASSWORD = "a quiet garden after rain"
TEXTS = {
    "nl": {
        "grounding": "Hier en nu",
        "range": "Kies een waarde van 10 tot 120.",
        "saved": "De set is opgeslagen.",
        "revoked": "De link werkt niet meer.",
        "how_iphone": "Op een iPhone",
        "no_progress": "Geen cliënt deelt voortgang met deze set.",
        "week": "23 november 2026",
        "phone": "Telefoon",
        "stopped": "Gestopt",
        "not_asked": "niet gevraagd",
        "not_given": "niet gegeven",
        "gap": "10 weken zonder oefeningen",
        "note": "Rustig aan.",
        "crisis": "bel 113 of 0800-0113",
        "menu": "Afmelden",
        "opened": "nog niet bewaard",
        "plan": "Voorgesteld voor het plan voor moeilijke momenten van je cliënt.",
        "away": "Je bent afgemeld na 30 minuten zonder activiteit. Meld je binnen 4 uur opnieuw "
        "aan om je wijzigingen op te slaan.",
    },
    "en": {
        "grounding": "Here and now",
        "range": "Choose a value from 10 to 120.",
        "saved": "The set is saved.",
        "revoked": "The link no longer works.",
        "how_iphone": "On an iPhone",
        "no_progress": "No client shares their progress with this set.",
        "week": "November 23, 2026",
        "phone": "Phone",
        "stopped": "Stopped",
        "not_asked": "not asked",
        "not_given": "not given",
        "gap": "10 weeks without exercises",
        "note": "Gently does it.",
        "crisis": "call 113 or 0800-0113",
        "menu": "Sign out",
        "opened": "not kept yet",
        "plan": "Suggested for the client's plan for hard moments.",
        "away": "You were signed out after 30 minutes without activity. Sign in again within 4 "
        "hours to save your changes.",
    },
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    with served_on_known_port(tmp_path_factory.mktemp("therapist")) as served:
        yield served


def houvast_add(settings: Settings, email: str, locale: str) -> str:
    """The operator's real command, in a process of its own; returns the link it printed."""
    env = {
        **os.environ,
        "HOUVAST_DATA_DIR": str(settings.data_dir),
        "HOUVAST_PUBLIC_URL": settings.public_url,
    }
    made = subprocess.run(
        [HOUVAST, "therapist", "add", email, "--locale", locale],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    found = re.search(rf"{re.escape(settings.public_url)}/t/{locale}/password#\S+", made.stdout)
    assert found, made.stdout
    return found.group(0)


def tab_to(page: Page, selector: str, *, back: bool = False, limit: int = 120) -> None:
    """Move the focus with Tab (or Shift+Tab) until ``selector`` has it, as a keyboard user."""
    for _ in range(limit):
        if page.evaluate("(s) => !!document.activeElement?.matches(s)", selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"the keyboard never reached {selector}")


def press_on(page: Page, selector: str, key: str = "Enter") -> None:
    tab_to(page, selector)
    with page.expect_navigation():
        page.keyboard.press(key)


def in_place(page: Page, selector: str, *, key: str | None = "Enter") -> None:
    """Use a button that changes the set's form in place (add, move, remove): with the
    keyboard (``key``) or a tap (``key=None``). The page is not loaded again; the form comes
    back from the server and the script puts it in place of the old one."""
    page.evaluate("window.__samePage = true")
    if key is None:
        page.click(selector)
    else:
        tab_to(page, selector)
        page.keyboard.press(key)
    expect(page.locator("#set-form")).not_to_have_attribute("aria-busy", "true")
    assert page.evaluate("window.__samePage === true"), "the page was loaded again"


def type_into(page: Page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def sign_in(page: Page, email: str) -> None:
    """The sign-in form, with the keyboard (the account has no two-step sign-in)."""
    type_into(page, "#email", email)
    type_into(page, "#password", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def first_sign_in(page: Page, link: str, email: str) -> None:
    """The operator's link: a password chosen, then signed in with it."""
    page.goto(link)
    type_into(page, "#password", PASSWORD)
    type_into(page, "#repeat", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    sign_in(page, email)


def check_axe(page: Page, name: str) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def shot(page: Page, output_dir: Path, name: str) -> None:
    page.screenshot(path=str(output_dir / f"therapist-{name}.png"), full_page=True)


def api(url: str, path: str, body: Any, secret: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    request = urllib.request.Request(
        url + path, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def totp_secret_from_screen(page: Page) -> str:
    """Read the QR code on the screen, as an authenticator app does."""
    uri = decode_png(page.locator("#totp-qr svg").screenshot())
    assert uri.startswith("otpauth://totp/Houvast:"), uri
    return parse_qs(urlsplit(uri).query)["secret"][0]


@pytest.mark.parametrize(("locale", "viewport"), [("nl", PHONE), ("en", LAPTOP)])
def test_a_therapist_hands_over_a_set_with_the_keyboard_only(
    browser: Browser,
    server: tuple[str, Settings],
    output_dir: Path,
    locale: str,
    viewport: dict[str, int],
) -> None:
    url, settings = server
    words = TEXTS[locale]
    email = f"therapist-{locale}@example.org"
    link = houvast_add(settings, email, locale)
    context = browser.new_context(viewport=viewport, locale=locale)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    name = f"{locale}-{viewport['width']}"

    # The one-time link: the script takes the token from the fragment and out of the address.
    page.goto(link)
    expect(page.locator("#password-needs-script")).to_be_hidden()
    assert "#" not in page.url
    check_axe(page, "password")
    # A first try refused (the two differ): the second works, the link kept in the form.
    type_into(page, "#password", PASSWORD)
    type_into(page, "#repeat", PASSWORD + "!")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#repeat")).to_have_attribute("aria-invalid", "true")
    type_into(page, "#password", PASSWORD)
    type_into(page, "#repeat", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/t/{locale}/?ended=password")
    check_axe(page, "sign in")
    shot(page, output_dir, f"sign-in-{name}")

    # Sign in, then turn on two-step sign-in from the account page.
    type_into(page, "#email", email)
    type_into(page, "#password", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/t/{locale}/sets")
    check_axe(page, "sets")
    press_on(page, f'a[href="/t/{locale}/account"]')
    press_on(page, 'button[type="submit"].primary')
    check_axe(page, "two-step setup")
    shot(page, output_dir, f"totp-{name}")
    secret = totp_secret_from_screen(page)
    type_into(page, "#code", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "?done=on" in page.url

    # Signed out and in again: the password alone is not enough.
    press_on(page, ".t-nav button")
    type_into(page, "#email", email)
    type_into(page, "#password", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/t/{locale}/code")
    check_axe(page, "code")
    # The next period's code: the one just used to turn it on is never accepted twice.
    type_into(page, "#code", pyotp.TOTP(secret).at(time.time() + 30))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/t/{locale}/sets")

    # A new set: title, note, an exercise added with its own note, a value out of range.
    press_on(page, f'a[href="/t/{locale}/sets/new"]')
    type_into(page, "#title", "Avond" if locale == "nl" else "Evenings")
    type_into(page, "#note", "Rustig aan." if locale == "nl" else "Gently does it.")
    tab_to(page, "#new-exercise")
    page.keyboard.type(words["grounding"][:4])
    assert page.locator("#new-exercise").input_value() == "grounding"
    in_place(page, "#add-item")
    expect(page.locator("#items-0-note")).to_be_focused()  # on the new item
    page.keyboard.type("Voeten op de vloer." if locale == "nl" else "Feet on the floor.")
    # Suggested for the client's plan for hard moments: the box goes along with its exercise.
    tab_to(page, "#items-0-plan")
    page.keyboard.press("Space")
    type_into(page, "#items-0-what-see-duration", "999")
    # A second exercise, moved up and removed again, in place: what was typed stays.
    page.select_option("#new-exercise", "protector")
    in_place(page, "#add-item")
    expect(page.locator("#items-1-note")).to_be_focused()
    in_place(page, "#up-1")
    expect(page.locator('input[name="items-0-exercise"]')).to_have_value("protector")
    expect(page.locator("#items-1-note")).to_have_value(
        "Voeten op de vloer." if locale == "nl" else "Feet on the floor."
    )
    expect(page.locator("#items-1-plan")).to_be_checked()
    expect(page.locator("#items-0-plan")).not_to_be_checked()
    in_place(page, 'button[value="remove-item:0"]')
    expect(page.locator("#new-exercise")).to_be_focused()
    expect(page.locator('input[name="items-0-exercise"]')).to_have_value("grounding")
    expect(page.locator("#items-0-what-see-duration")).to_have_value("999")
    in_place(page, "#add-reminder")
    expect(page.locator("#reminders-0-day-1")).to_be_focused()
    page.keyboard.press("Space")
    tab_to(page, "#reminders-0-time")
    # The field's segments follow the system's clock: 08, 00 and PM where it has 12 hours.
    page.keyboard.type("0800P", delay=20)
    chosen = page.locator("#reminders-0-time").input_value()
    assert chosen in ("20:00", "08:00")
    # Enter in a field saves (the form's first button is Save, never Remove or Move).
    tab_to(page, "#title", back=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    error = page.locator("#items-0-what-see-duration-error")
    expect(error).to_have_text(words["range"])
    expect(page.locator("#items-0-what-see-duration")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-summary")).to_be_focused()
    check_axe(page, "set form with an error")
    shot(page, output_dir, f"set-error-{name}")
    type_into(page, "#items-0-what-see-duration", "45")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".notice[role=status]")).to_have_text(words["saved"])
    check_axe(page, "set")
    set_url = page.url.split("?")[0]

    # Share: the QR code on the screen is the link, and so is the printed one.
    press_on(page, 'form[action$="/share"] button')
    check_axe(page, "share")
    shot(page, output_dir, f"share-{name}")
    shown = page.locator("#share-link").input_value()
    assert shown.startswith(f"{url}/{locale}/set#t=")
    assert decode_png(page.locator("#share-qr svg").screenshot()) == shown
    code = page.locator("#share-code").inner_text()
    # Printed as the browser prints it, and read back: one A4 page with the set, its note,
    # where help is, and a QR code a camera reads as the link.
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    (output_dir / f"therapist-handout-{name}.pdf").write_bytes(pdf)
    pages = pdf_texts(pdf)
    assert pdf_page_sizes(pdf) == [(210, 297)], "the handout is one A4 page"
    printed = pages[0]
    for text in (words["how_iphone"], code, words["grounding"], words["note"], words["crisis"]):
        assert text in printed, f"{text!r} not on the handout: {printed}"
    assert "0800-0113" in printed and "112" in printed and "huisartsenpost" in printed
    assert words["menu"] not in printed, "no navigation printed"
    drawn = pdf_page_png(pdf)
    (output_dir / f"therapist-handout-{name}.png").write_bytes(drawn)
    assert decode_png(drawn) == shown
    token = shown.split("#t=")[1]
    status, body = api(url, "/api/sets/open", {"token": token})
    assert status == 200 and body["set"]["items"][0]["values"] == {"what-see.duration": 45}
    assert body["set"]["items"][0]["plan"] is True
    assert body["set"]["reminders"][0] == {"days": [1], "time": chosen}

    # The set's page: the suggestion, and the link, opened by the client and not kept yet.
    page.goto(set_url)
    expect(page.locator(".t-items")).to_contain_text(words["plan"])
    expect(page.locator("#shares")).to_contain_text(words["opened"])
    shot(page, output_dir, f"set-{name}")
    # Stop the link: the client's next check hears that it is no longer updated.
    press_on(page, "#shares form button")
    expect(page.locator(".notice[role=status]")).to_contain_text(words["revoked"])
    check_axe(page, "set after revoking")
    status, body = api(url, "/api/sets/open", {"token": token})
    assert status == 410 and body["revoked"] is True

    page.goto(f"{url}/t/{locale}/sets")
    expect(page.locator(".t-sets li")).not_to_have_count(0)
    check_axe(page, "sets")
    shot(page, output_dir, f"sets-{name}")

    # The account's own audit trail, reached from the account page.
    press_on(page, f'a[href="/t/{locale}/account"]')
    press_on(page, "#activity-link")
    expect(page.locator("#activity tbody tr")).not_to_have_count(0)
    check_axe(page, "activity")
    assert errors == []
    context.close()


def run(started: datetime, status: str, before: int | None, after: int | None) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "exercise": "grounding",
        "started": started.isoformat(),
        "seconds": 180,
        "status": status,
        "before": before,
        "after": after,
    }


@pytest.mark.parametrize(("locale", "viewport"), [("en", PHONE), ("nl", LAPTOP)])
def test_the_progress_page_shows_what_a_client_shared(
    browser: Browser,
    server: tuple[str, Settings],
    output_dir: Path,
    locale: str,
    viewport: dict[str, int],
) -> None:
    from tests.therapist import password_hash

    url, settings = server
    words = TEXTS[locale]
    email = f"progress-{locale}@example.org"
    link = houvast_add(settings, email, locale)
    context = browser.new_context(viewport=viewport, locale=locale)
    page = context.new_page()
    first_sign_in(page, link, email)
    page.goto(f"{url}/t/{locale}/sets/new")
    type_into(page, "#title", "Progress")
    tab_to(page, "#new-exercise")
    page.keyboard.type(words["grounding"][:4])
    in_place(page, "#add-item")
    press_on(page, "#save")
    set_url = page.url.split("?")[0]

    # Signed out while idle: saving says so, the sign-in keeps the typed note and saves it.
    page.goto(set_url + "/edit")
    type_into(page, "#note", words["note"])
    backdate_sessions(settings, settings.session_idle_minutes * 60 + 1)
    press_on(page, "#save")
    expect(page.locator(".notice[role=status]")).to_have_text(words["away"])
    expect(page.locator("#email")).to_have_value(email)
    check_axe(page, "signed out while idle")
    type_into(page, "#password", PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".notice[role=status]")).to_have_text(words["saved"])
    expect(page.locator(".t-client-note")).to_have_text(words["note"])

    page.goto(set_url + "/progress")
    expect(page.locator("#no-progress")).to_have_text(re.compile(re.escape(words["no_progress"])))
    assert page.locator("svg.t-chart").count() == 0
    page.goto(set_url)
    press_on(page, 'form[action$="/share"] button')
    token = page.locator("#share-link").input_value().split("#t=")[1]

    status, body = api(url, "/api/sets/progress", {"token": token})
    assert status == 201
    # A second phone opened the same link and shares too, under a secret of its own.
    status, second = api(url, "/api/sets/progress", {"token": token})
    assert status == 201
    backdate_shares(settings, 60)
    # The first minutes of this week in the practice's time zone: never in the future,
    # whenever the test runs.
    now = datetime.now(settings.time_zone)
    monday = (now - timedelta(days=now.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    runs = [
        run(monday, "completed", 7, 4),
        run(monday + timedelta(minutes=1), "completed", 5, 4),
        run(monday + timedelta(minutes=2), "stopped", 8, None),
        run(monday - timedelta(days=7), "completed", 6, 5),
    ]
    status, stored = api(url, "/api/progress/runs", {"runs": runs}, body["secret"])
    assert (status, stored) == (200, {"stored": 4})
    late = [run(monday + timedelta(minutes=3), "stopped", None, None)]
    assert api(url, "/api/progress/runs", {"runs": late}, second["secret"])[0] == 200
    page.goto(set_url + "/progress")
    phones = page.locator("table.t-phones tbody th")
    expect(phones).to_have_text([f"{words['phone']} 1", f"{words['phone']} 2"])
    # Each run, newest first, at the time the client's phone said (the practice's zone):
    # Here and now asks no rating before it, and the stopped run ended before the one after.
    newest = page.locator("table.t-runs tbody tr").first
    expect(newest.locator("th")).to_have_text(re.compile(r"(^|\D)0?0[:.]03$"))
    expect(newest.locator("td")).to_have_text(
        [
            f"{words['phone']} 2",
            words["grounding"],
            words["stopped"],
            words["not_asked"],
            words["not_given"],
        ]
    )
    assert page.locator("table.t-runs tbody tr").count() == 5
    # Ten weeks without runs are one row; this week has a row for each phone.
    weeks = page.locator("table.t-weeks tbody tr")
    expect(weeks.first.locator("td")).to_have_text([words["gap"]])
    expect(weeks.nth(-2).locator("td")).to_have_text(
        [
            f"{words['phone']} 1",
            "3",
            "2",
            "1",
            re.compile(r"6[.,]7"),
            re.compile(r"4[.,]0"),
            re.compile(r"−2[.,]0"),
        ]
    )
    expect(weeks.last.locator("td")).to_have_text(
        [f"{words['phone']} 2", "1", "0", "1", "–", "–", "–"]
    )
    assert page.locator("svg.t-chart-runs rect.t-chart-completed").count() == 2
    assert page.locator("svg.t-chart-runs rect.t-chart-stopped").count() == 1
    assert page.locator("svg.t-chart-change circle.t-chart-dot").count() == 2
    if viewport == PHONE:
        # On a phone each row is a block, each cell after its column's name: no table is wider
        # than its box, so nothing hides off to the side.
        wide = page.evaluate(
            """() => [...document.querySelectorAll('.t-progress .t-table-wrap')]
                .filter((box) => box.scrollWidth > box.clientWidth).length"""
        )
        assert wide == 0
        label = page.evaluate(
            """() => getComputedStyle(
                document.querySelector('table.t-runs tbody td:nth-of-type(3)'), '::before'
            ).content"""
        )
        assert label == '"Completed or stopped"'
    check_axe(page, "progress")
    shot(page, output_dir, f"progress-{locale}-{viewport['width']}")
    assert password_hash  # the helper module loads without a database
    context.close()


def test_what_is_typed_while_a_button_s_answer_is_on_its_way_is_kept(
    browser: Browser, server: tuple[str, Settings]
) -> None:
    """Add an exercise, or move one, and go on typing before the form comes back: what was
    typed meanwhile is in the new form, in the exercise it was typed in, and the focus stays
    where the typing was. The server's answers are held back until the typing is done."""
    url, settings = server
    email = "typing-on@example.org"
    link = houvast_add(settings, email, "en")
    context = browser.new_context(viewport=LAPTOP, locale="en")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    first_sign_in(page, link, email)
    page.goto(f"{url}/t/en/sets/new")
    type_into(page, "#title", "Typing on")
    page.select_option("#new-exercise", "grounding")
    in_place(page, "#add-item")

    held: list[Route] = []
    page.route("**/t/en/sets/new", lambda route: held.append(route))

    def answer_held_back(button: str, typing: list[tuple[str, str]]) -> None:
        page.evaluate("window.__samePage = true")
        page.click(button)
        expect(page.locator("#set-form")).to_have_attribute("aria-busy", "true")
        for _ in range(1000):  # the route's handler runs as Playwright handles its events
            if held:
                break
            page.evaluate("0")
        assert len(held) == 1, "the form's request was not held back"
        for field, text in typing:
            page.click(field)
            page.keyboard.type(text)
        held.pop().continue_()
        expect(page.locator("#set-form")).not_to_have_attribute("aria-busy", "true")
        assert page.evaluate("window.__samePage === true"), "the page was loaded again"

    page.select_option("#new-exercise", "protector")
    answer_held_back("#add-item", [("#note", "Typed meanwhile."), ("#items-0-note", "Feet.")])
    expect(page.locator('input[name="items-1-exercise"]')).to_have_value("protector")
    expect(page.locator("#note")).to_have_value("Typed meanwhile.")
    expect(page.locator("#items-0-note")).to_have_value("Feet.")
    expect(page.locator("#items-0-note")).to_be_focused()

    # Moved while typing in the exercise that moves: the words go along with it.
    answer_held_back("#up-1", [("#items-1-note", "Safe place.")])
    expect(page.locator('input[name="items-0-exercise"]')).to_have_value("protector")
    expect(page.locator("#items-0-note")).to_have_value("Safe place.")
    expect(page.locator("#items-1-note")).to_have_value("Feet.")
    expect(page.locator("#items-0-note")).to_be_focused()
    page.unroute("**/t/en/sets/new")
    with page.expect_navigation():
        page.click("#save")
    expect(page.locator(".t-client-note")).to_have_text("Typed meanwhile.")
    assert errors == []
    context.close()
