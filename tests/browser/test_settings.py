"""The settings page: values are checked, and only valid ones are kept."""

from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

AXE = Axe()


def stored(page: Page) -> dict | None:
    raw = page.evaluate("localStorage.getItem('houvast.prefs')")
    return json.loads(raw) if raw else None


def test_out_of_range_values_are_refused_with_a_clear_message(page: Page) -> None:
    page.goto("/en/settings")
    page.get_by_label("Pace factor, from 0.5 to 2").fill("3")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#pace-error")).to_have_text("Choose a pace from 0.5 to 2.")
    expect(page.locator("#settings-status")).to_have_text(
        "Nothing was saved. Please correct the marked fields."
    )
    expect(page.get_by_label("Pace factor, from 0.5 to 2")).to_be_focused()
    assert stored(page) is None


def test_an_override_outside_the_exercise_range_is_refused_in_dutch(page: Page) -> None:
    page.goto("/nl/settings")
    field = page.locator('[id="grounding:feet-floor.duration"]')
    page.locator("details", has=field).locator("summary").click()
    field.fill("500")
    page.get_by_label("Tempofactor, van 0,5 tot 2").fill("1,5")
    page.get_by_role("button", name="Bewaren").click()
    expect(page.locator('[id="grounding:feet-floor.duration-error"]')).to_have_text(
        "Kies een waarde van 10 tot 90."
    )
    expect(field).to_have_attribute("aria-invalid", "true")
    assert stored(page) is None, "nothing is saved while one field is wrong"
    field.fill("abc")
    page.get_by_role("button", name="Bewaren").click()
    expect(page.locator('[id="grounding:feet-floor.duration-error"]')).to_have_text(
        "Vul een heel getal in."
    )


def test_valid_settings_are_kept_and_shown_again(page: Page) -> None:
    page.goto("/en/settings")
    page.get_by_label("Pace factor, from 0.5 to 2").fill("1.5")
    page.get_by_label("Bell volume, from 0 to 100").fill("10")
    page.get_by_label("Vibrate between steps").check()
    page.get_by_label("Ask how tense I feel").uncheck()
    page.get_by_label("Always reduce motion").check()
    field = page.locator('[id="stop-solo:practise-stop.rounds"]')
    page.locator("details", has=field).locator("summary").click()
    field.fill("5")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#settings-status")).to_have_text(
        "Saved. The changes apply to your next exercise."
    )
    prefs = stored(page)
    assert prefs is not None
    assert prefs["pace"] == 1.5 and prefs["volume"] == 10 and prefs["vibration"] is True
    assert prefs["ratings"] is False and prefs["motion"] == "reduce"
    assert prefs["overrides"] == {"stop-solo": {"practise-stop.rounds": 5}}
    page.reload()
    expect(page.get_by_label("Pace factor, from 0.5 to 2")).to_have_value("1.5")
    expect(field).to_have_value("5")
    page.get_by_role("button", name="Default timings").click()
    assert stored(page)["overrides"] == {}  # type: ignore[index]


def test_first_run_defaults_are_quiet(page: Page) -> None:
    page.goto("/en/settings")
    expect(page.get_by_label("A soft bell between steps")).to_be_checked()
    expect(page.get_by_label("Bell volume, from 0 to 100")).to_have_value("30")
    expect(page.get_by_label("Vibrate between steps")).not_to_be_checked()
    expect(page.get_by_label("Read the steps aloud")).not_to_be_checked()


def test_the_language_setting_switches_and_keeps_the_page(page: Page, base_url: str) -> None:
    page.goto("/nl/settings")
    page.get_by_role("link", name="English").first.click()
    expect(page).to_have_url(f"{base_url}/en/settings")


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_settings_page_is_accessible(page: Page, locale: str) -> None:
    page.goto(f"/{locale}/settings")
    for summary in page.locator("details summary").all():
        summary.click()
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()
    page.get_by_role("button", name="Save" if locale == "en" else "Bewaren").click()
