"""The scale step (pwa/js/kinds/scale.js) on a small phone: a place between two ends, chosen
with a tap or with the keyboard alone, kept on the device and marked the next time, without
axe-core finding anything, in both languages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_on_frozen_clock, one_language
from tests.browser.test_player import (
    STORE,
    kind,
    open_player,
    seconds_left,
    set_prefs,
    wait_for_next,
)

SMALL_PHONE = {"width": 360, "height": 640}
TEXTS = {
    "nl": {
        "legend": "Jouw plek tussen de twee uitersten (die blijft op dit apparaat)",
        "left": "Helemaal zwart",
        "right": "Helemaal wit",
        "middle": "In het midden",
        "near_left": "Iets richting “Helemaal zwart”",
        "close_left": "Vlak bij “Helemaal zwart”",
        "was": "vorige keer",
        "mark": "Het stipje laat zien waar je de vorige keer uitkwam.",
        "keep": "Bewaren en verder",
        "skip": "Overslaan",
        "after": "Het midden in je lichaam",
    },
    "en": {
        "legend": "Your place between the two ends (it stays on this device)",
        "left": "All black",
        "right": "All white",
        "middle": "In the middle",
        "near_left": "A little towards “All black”",
        "close_left": "Close to “All black”",
        "was": "last time",
        "mark": "The small dot shows where you were last time.",
        "keep": "Keep and go on",
        "skip": "Skip",
        "after": "The middle in your body",
    },
}


def to_the_scale(page: Page, locale: str) -> None:
    """Open "Staying in the middle" and go on, as a person would, until its scale."""
    open_player(page, locale, "in-the-middle")
    go_on_until_the_scale(page)


def go_on_until_the_scale(page: Page) -> None:
    for _ in range(10):
        if kind(page) == "scale":
            return
        if kind(page) == "timed":
            page.clock.run_for(seconds_left(page) * 1000 + 50)
        else:
            wait_for_next(page)
            page.locator("#player-next").click()
    raise AssertionError("no scale step")


def notes(page: Page) -> dict[str, Any]:
    return page.evaluate(STORE, "getNotes")


def checked(page: Page) -> list[str]:
    return page.eval_on_selector_all(".scale input:checked", "inputs => inputs.map(i => i.value)")


@pytest.fixture
def small_phone(page: Page) -> Page:
    page.set_viewport_size(SMALL_PHONE)
    set_prefs(page, {"ratings": False})
    return page


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_a_place_is_chosen_with_a_tap_and_kept(
    small_phone: Page, locale: str, output_dir: Path
) -> None:
    page, say = small_phone, TEXTS[locale]
    to_the_scale(page, locale)
    scale = page.locator(".scale")
    expect(scale.get_by_role("group", name=say["legend"])).to_be_visible()
    expect(page.locator(".scale-ends")).to_have_text(say["left"] + say["right"])
    places = page.locator(".scale-place")
    expect(places).to_have_count(7)
    for place in range(7):
        box = places.nth(place).bounding_box()
        assert box and box["width"] >= 44 and box["height"] >= 44, "a target for a thumb"
        assert box["x"] >= 0 and box["x"] + box["width"] <= SMALL_PHONE["width"]
    # Each place says where it lies, no two alike; nothing is chosen for the person.
    for name in (say["left"], say["close_left"], say["near_left"], say["middle"], say["right"]):
        expect(scale.get_by_role("radio", name=name, exact=True)).to_have_count(1)
    assert checked(page) == []
    expect(page.locator("#player-next")).to_be_hidden()  # its own buttons, no second Next
    expect(page.locator(".scale-was")).to_have_count(0)

    places.nth(1).tap()
    assert checked(page) == ["2"]
    page.screenshot(path=output_dir / f"scale-{locale}-360.png")
    page.get_by_role("button", name=say["keep"]).click()
    expect(page.locator("#player-title")).to_have_text(say["after"])
    assert notes(page) == {"scale.middle-place": "2/7"}
    # Back to the step: this run's choice is chosen still, not marked as last time's.
    page.locator("#player-back").click()
    assert checked(page) == ["2"]
    expect(page.locator(".scale-place.was")).to_have_count(0)


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_next_time_the_place_is_marked_and_chosen_anew(
    small_phone: Page, locale: str, output_dir: Path
) -> None:
    page, say = small_phone, TEXTS[locale]
    to_the_scale(page, locale)
    page.locator(".scale-place").nth(5).tap()
    page.get_by_role("button", name=say["keep"]).click()
    page.locator("#player-stop").click()

    page.goto(f"/{locale}/exercises/in-the-middle")
    page.locator("#start").click()
    go_on_until_the_scale(page)
    assert checked(page) == [], "last time's place is shown, not chosen again for you"
    marked = page.locator(".scale-place.was")
    expect(marked).to_have_count(1)
    expect(marked.get_by_role("radio")).to_have_accessible_name(
        f"Vlak bij “{say['right']}” ({say['was']})"
        if locale == "nl"
        else f"Close to “{say['right']}” ({say['was']})"
    )
    assert page.locator(".scale-place").nth(5).evaluate("node => node.classList.contains('was')")
    expect(page.locator(".scale-was")).to_have_text(say["mark"])
    page.screenshot(path=output_dir / f"scale-last-time-{locale}-360.png")
    results = axe_on_frozen_clock(page)
    assert results.violations_count == 0, results.generate_report()
    page.get_by_role("radio", name=say["middle"]).check()
    page.get_by_role("button", name=say["keep"]).click()
    assert notes(page) == {"scale.middle-place": "4/7"}


@one_language("nl")
def test_the_keyboard_alone_chooses_and_keeps_a_place(small_phone: Page, locale: str) -> None:
    page, say = small_phone, TEXTS[locale]
    to_the_scale(page, locale)
    expect(page.locator("#player-title")).to_be_focused()
    page.keyboard.press("Tab")
    first = page.get_by_role("radio", name=say["left"], exact=True)
    expect(first).to_be_focused()
    # The focus can be seen.
    assert first.evaluate("node => getComputedStyle(node).outlineStyle") == "solid"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert checked(page) == ["3"]
    page.keyboard.press("ArrowLeft")
    assert checked(page) == ["2"]
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name=say["keep"])).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#player-title")).to_have_text(say["after"])
    expect(page.locator("#player-title")).to_be_focused()
    assert notes(page) == {"scale.middle-place": "2/7"}


@one_language("en")
def test_skipping_keeps_nothing(small_phone: Page, locale: str) -> None:
    page, say = small_phone, TEXTS[locale]
    to_the_scale(page, locale)
    page.locator(".scale-place").nth(2).tap()
    page.get_by_role("button", name=say["skip"]).click()
    expect(page.locator("#player-title")).to_have_text(say["after"])
    assert notes(page) == {}


# Both languages; the colours of the dark scheme once (they do not depend on the language).
@pytest.mark.parametrize(("locale", "scheme"), [("nl", "light"), ("en", "light"), ("en", "dark")])
def test_the_scale_is_accessible(
    small_phone: Page, locale: str, scheme: str, output_dir: Path
) -> None:
    page = small_phone
    page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
    to_the_scale(page, locale)
    results = axe_on_frozen_clock(page)
    assert results.violations_count == 0, results.generate_report()
    page.locator(".scale-place").nth(3).tap()
    page.locator(".scale-place").nth(3).locator("input").focus()
    results = axe_on_frozen_clock(page)
    assert results.violations_count == 0, results.generate_report()
    if scheme == "dark":
        page.screenshot(path=output_dir / f"scale-dark-{locale}-360.png")
