"""A set without any server, in Chromium: the builder at a phone's and a laptop's size, in both
languages, with the keyboard; a value out of range refused next to its field; the QR code read
from a screenshot is the link; the link opened in a fresh browser shows the set with what it
cannot do, is kept, and an item plays with the set's value; and the builder works from a
static export."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from server.export import export_site
from tests.browser.conftest import console_errors, freeze_clock
from tests.browser.test_client_sets import play_grounding
from tests.conftest import isolated_settings
from tests.live_server import StaticServer
from tests.qr import decode_png

AXE = Axe()
PHONE = {"width": 360, "height": 640}
LAPTOP = {"width": 1024, "height": 768}
TEXTS = {
    "nl": {
        "grounding": "Hier en nu",
        "protector": "Je beschermer",
        "range": "Kies een heel getal van 10 tot 90.",
        "monday": "Maandag en woensdag om 08:30",
        "link_only": "niemand kan hem bijwerken of intrekken, en je kunt er geen voortgang mee",
        "keep": "Bewaar op deze telefoon",
        "kept": "Bewaard op deze telefoon.",
        "start": "Beginnen",
        "bad": "Deze link leidt niet naar een set.",
        "note_label": "Een bericht bij deze set",
        "therapist": "therapeut",
        "plan_box": "Voorstellen voor het plan voor moeilijke momenten",
        "plan": "Voorgesteld voor je plan voor moeilijke momenten",
    },
    "en": {
        "grounding": "Here and now",
        "protector": "Your protector",
        "range": "Choose a whole number from 10 to 90.",
        "monday": "Monday and Wednesday at 8:30",
        "link_only": "nobody can update or withdraw it, and you cannot share progress from it",
        "keep": "Keep on this phone",
        "kept": "Kept on this phone.",
        "start": "Start",
        "bad": "This link does not lead to a set.",
        "note_label": "A note with this set",
        "therapist": "therapist",
        "plan_box": "Suggest for the plan for hard moments",
        "plan": "Suggested for your plan for hard moments",
    },
}
NOTE = "Doe dit als het even te veel wordt.\nNeem je tijd." * 5
EXPECTED = {
    "title": "Tussen de sessies",
    "note": NOTE,
    "items": [
        {
            "exercise": "grounding",
            "values": {"feet-floor.duration": 45},
            "note": "Elke ochtend",
            "plan": True,
        },
        {"exercise": "protector", "values": {}, "note": ""},
    ],
    "reminders": [{"days": [1, 3], "time": "08:30"}],
}
# What the page's own script reads back from a link: its fragment, through set-link.js.
DECODE = """async (link) => {
    const setLink = await import(new URL('./set-link.js',
        document.querySelector('script[src*="/js/online/make-set.js"]').src).href);
    const app = await (await fetch(document.documentElement.dataset.app)).json();
    return setLink.decodeSet(new URL(link).hash.slice(3), app);
}"""


def assert_axe_clean(page: Page) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()


def presentation(page: Page) -> str:
    """What the set page shows of the set: its heading and everything under it."""
    return (
        page.locator("#set-heading").inner_text() + page.locator("#set-page").inner_text()
    ).lower()


def build_a_set(page: Page, locale: str, shots: Path | None = None, name: str = "") -> str:
    """Fill in the builder with the keyboard where a person would; return the link."""
    texts = TEXTS[locale]
    page.locator("#set-title").focus()
    page.keyboard.type(EXPECTED["title"])
    page.locator("#set-note").fill(NOTE)
    page.select_option("#set-locale", locale)
    page.locator("#make-link").press("Enter")
    expect(page.locator("#set-title-error")).to_be_hidden()
    expect(page.locator("#items-error")).to_be_visible()
    expect(page.locator("#set-result")).to_be_hidden()

    for exercise in ("protector", "grounding"):
        page.select_option("#add-exercise", exercise)
        page.locator("#add-item").press("Enter")
    items = page.locator("#set-items > li")
    expect(items).to_have_count(2)
    # Grounding first: its "Move up" button, pressed with the keyboard, keeps the focus.
    items.nth(1).get_by_role("button", name="Omhoog" if locale == "nl" else "Move up").press(
        "Enter"
    )
    expect(items.nth(0)).to_have_attribute("data-exercise", "grounding")
    expect(items.nth(0).locator("h3")).to_have_text(f"1. {texts['grounding']}")
    grounding = items.nth(0)
    grounding.locator("summary").press("Enter")
    value = grounding.locator('input[data-key="feet-floor.duration"]')
    value.fill("500")
    grounding.locator("textarea").fill("Elke ochtend")
    grounding.get_by_label(texts["plan_box"]).check()

    page.locator("#add-time").press("Enter")
    time = page.locator("#set-times > li").first
    for day in ("1", "3"):
        time.locator(f'input[value="{day}"]').check()
    time.locator('input[type="time"]').fill("08:30")

    page.locator("#make-link").press("Enter")
    error = page.locator(f"#{value.get_attribute('id')}-error")
    expect(error).to_have_text(texts["range"])
    expect(value).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#set-result")).to_be_hidden()
    value.fill("45")
    if shots:
        page.screenshot(path=shots / f"{name}-form.png", full_page=True)
    page.locator("#make-link").press("Enter")
    expect(page.locator("#set-result")).to_be_visible()
    expect(error).to_be_hidden()
    link = page.locator("#set-link").input_value()
    assert re.search(rf"/{locale}/set/?#s=1\.[A-Za-z0-9_-]+$", link), link
    return link


# Each language once and each size once: the language is what the texts test, the size what
# the layout and the QR code's scan test (both languages at phone size are checked for fit at
# 200% text in test_large_text.py).
@pytest.mark.parametrize(("locale", "size"), [("nl", "phone"), ("en", "laptop")])
def test_a_set_goes_into_a_link_and_its_qr_code_and_comes_out_whole(
    browser: Browser, base_url: str, output_dir: Path, locale: str, size: str
) -> None:
    viewport = PHONE if size == "phone" else LAPTOP
    context = browser.new_context(base_url=base_url, viewport=viewport, device_scale_factor=2)
    page = context.new_page()
    errors = console_errors(page)
    response = page.goto(f"/{locale}/make-set")
    assert response is not None and response.ok
    assert "no-store" not in response.headers.get("cache-control", "")
    assert_axe_clean(page)
    name = f"make-set-{locale}-{size}"
    link = build_a_set(page, locale, output_dir, name)
    page.screenshot(path=output_dir / f"{name}-link.png", full_page=True)
    assert_axe_clean(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    # The QR code, as a camera reads it from the screen, is the same link.
    qr = page.locator("#set-qr svg")
    assert qr.bounding_box()["width"] >= 200  # type: ignore[index]
    assert decode_png(qr.screenshot()) == link
    decoded: dict[str, Any] = page.evaluate(DECODE, link)
    assert {k: decoded[k] for k in EXPECTED} == EXPECTED
    assert decoded["locale"] == locale and decoded["source"] == "link"
    # Changing the set hides the link that no longer matches it.
    page.locator("#set-title").fill("Iets anders")
    expect(page.locator("#set-result")).to_be_hidden()
    assert errors == []
    context.close()

    # A fresh browser, as the person's phone: the set, and what such a set cannot do.
    texts = TEXTS[locale]
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, timezone_id="UTC")
    page = phone.new_page()
    errors = console_errors(page)
    page.goto(link)
    expect(page.locator("#set-heading")).to_have_text(EXPECTED["title"])
    assert "#" not in page.url, "the set leaves the address once read"
    expect(page.locator(".set-note")).to_contain_text("Doe dit als het even te veel wordt.")
    expect(page.get_by_text(texts["link_only"])).to_be_visible()
    items = page.locator(".set-items > li")
    expect(items).to_have_count(2)
    expect(items.nth(0).locator(".set-item-title")).to_have_text(texts["grounding"])
    expect(items.nth(0).locator(".set-item-text")).to_have_text("Elke ochtend")
    expect(items.nth(0).locator(".set-item-plan")).to_have_text(texts["plan"])
    expect(items.nth(1).locator(".set-item-title")).to_have_text(texts["protector"])
    expect(items.nth(1).locator(".set-item-plan")).to_have_count(0)
    expect(page.locator(".set-times")).to_contain_text(texts["monday"])
    # Anyone can make such a set: it never says it comes from a therapist.
    expect(page.locator(".set-note h2")).to_have_text(texts["note_label"])
    assert texts["therapist"] not in presentation(page)
    page.screenshot(path=output_dir / f"set-link-{locale}-{size}.png", full_page=True)
    assert_axe_clean(page)

    # Kept, and the first item plays with the set's 45 seconds for the feet on the floor.
    page.get_by_role("button", name=texts["keep"]).click()
    expect(page.locator("#set-status")).to_contain_text(texts["kept"])
    expect(page.get_by_text(texts["link_only"])).to_be_visible()
    assert texts["therapist"] not in presentation(page)
    freeze_clock(page)
    page.locator(".set-items > li").first.get_by_role(
        "link", name=re.compile(texts["start"])
    ).click()
    lengths = play_grounding(page, locale, rating=3)
    assert lengths[0] == 45, lengths
    assert errors == []

    # A damaged link says so, and keeps nothing of it.
    page.goto(link[:-6] + "AAAAAA")
    expect(page.locator("#set-status")).to_contain_text(texts["bad"])
    phone.close()


def test_the_builder_works_from_a_static_export(browser: Browser, tmp_path: Path) -> None:
    export_site(isolated_settings(tmp_path / "data"), tmp_path / "site" / "houvast", "/houvast/")
    with StaticServer(tmp_path / "site") as url:
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        errors = console_errors(page)
        page.goto(f"{url}/houvast/en/make-set/")
        link = build_a_set(page, "en")
        assert link.startswith(f"{url}/houvast/en/set/#s=1.")
        assert decode_png(page.locator("#set-qr svg").screenshot()) == link
        page.goto(link)
        expect(page.locator("#set-heading")).to_have_text(EXPECTED["title"])
        expect(page.get_by_role("button", name=TEXTS["en"]["keep"])).to_be_visible()
        assert errors == []
        context.close()


def test_a_crafted_link_is_read_with_care(browser: Browser, base_url: str) -> None:
    """Unknown exercises are left out, values brought within range, text shown as text."""
    import base64
    import zlib

    raw = [
        "<img src=x onerror=alert(1)>",
        "",
        "en",
        [["no-such-exercise"], ["grounding", {"feet-floor.duration": 9999}]],
    ]
    compressor = zlib.compressobj(wbits=-15)
    data = compressor.compress(json.dumps(raw).encode()) + compressor.flush()
    text = base64.urlsafe_b64encode(data).decode().rstrip("=")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{base_url}/en/set#s=1.{text}")
    expect(page.locator("#set-heading")).to_have_text(raw[0])
    assert page.locator("main img").count() == 0
    items = page.locator(".set-items > li")
    expect(items).to_have_count(1)
    expect(items.first.locator(".set-item-title")).to_have_text("Here and now")
    context.close()


def test_a_link_opened_without_the_reader_says_a_connection_is_needed(
    browser: Browser, base_url: str
) -> None:
    """The reader is not stored offline: when it cannot be loaded (offline, before the set is
    kept) the page says so, and the link stays in the address to try again."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.route("**/js/online/set-link.js", lambda route: route.abort())
    page.goto(f"{base_url}/en/set#s=1.AAAA")
    expect(page.locator("#set-status")).to_have_text(
        "Opening a set needs a connection. Once it is kept, it also works offline."
    )
    assert page.url.endswith("#s=1.AAAA")
    context.close()


@pytest.mark.parametrize(
    ("locale", "warning"),
    [("en", "hard to scan from a screen"), ("nl", "van een scherm soms lastig te scannen")],
)
def test_the_builder_warns_when_the_qr_code_gets_hard_to_scan(
    browser: Browser, base_url: str, locale: str, warning: str
) -> None:
    """Up to version 25 a QR code reads well from a screen; past it the builder says so."""
    import random

    words = random.Random(7)
    text = lambda n: "".join(words.choice("abcdefghijklmnopqrstuvwxyz ,.") for _ in range(n))  # noqa: E731
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(f"{base_url}/{locale}/make-set")
    page.locator("#set-title").fill("Short")
    page.select_option("#set-locale", locale)
    page.select_option("#add-exercise", "grounding")
    page.locator("#add-item").click()
    page.locator("#make-link").click()
    expect(page.locator("#set-result")).to_be_visible()
    expect(page.locator("#make-set-status")).not_to_contain_text(warning)
    assert int(page.locator("#set-qr svg").get_attribute("data-version") or 0) <= 25

    page.locator("#set-note").fill(text(1000))
    page.select_option("#add-exercise", "protector")
    page.locator("#add-item").click()
    for note in page.locator("#set-items textarea").all():
        note.fill(text(280))
    page.locator("#make-link").click()
    expect(page.locator("#set-result")).to_be_visible()
    assert int(page.locator("#set-qr svg").get_attribute("data-version") or 0) > 25
    expect(page.locator("#make-set-status")).to_contain_text(warning)
    context.close()
