"""The settings for when the screen is off: the bell with the screen locked (only with the bell,
on by default, saying what works on which phone) and keeping the screen on, a choice beside it.
At 360x640, in both languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import AXE, freeze_clock
from tests.browser.test_player import DEVICE, device
from tests.browser.track_helpers import SMALL_PHONE, START

TEXT = {
    "nl": {
        "bell": "Een zachte bel tussen de stappen",
        "locked": "Laat de bel doorgaan als het scherm vergrendeld is",
        "awake": "Houd het scherm aan zolang ik oefen",
        "works": "Wat werkt er als het scherm vergrendeld is",
        "media": "mediabediening",
        "save": "Bewaren",
    },
    "en": {
        "bell": "A soft bell between steps",
        "locked": "Keep the bell going with the screen locked",
        "awake": "Keep the screen on while I practise",
        "works": "What works with the screen locked",
        "media": "media control",
        "save": "Save",
    },
}


def stored(page: Page) -> dict[str, object]:
    return json.loads(page.evaluate("localStorage.getItem('houvast.prefs')") or "{}")


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_the_bell_with_the_screen_locked_is_on_with_the_bell_and_explained(
    page: Page, locale: str, output_dir: Path
) -> None:
    text = TEXT[locale]
    page.set_viewport_size(SMALL_PHONE)
    page.goto(f"/{locale}/settings")
    locked = page.get_by_label(text["locked"])
    expect(locked).to_be_checked()
    expect(page.get_by_label(text["awake"])).to_be_checked()
    # It says what the person will see: a media control on the lock screen.
    expect(page.locator("#lockedBells-help")).to_contain_text(text["media"])
    page.get_by_text(text["works"]).click()
    for phone in ("Android", "iPhone"):
        expect(page.locator(".screen-locked dt", has_text=phone)).to_be_visible()
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()
    page.locator(".screen-locked").screenshot(path=output_dir / f"screen-locked-{locale}.png")
    # Without the bell there is no bell to keep going.
    page.get_by_label(text["bell"]).uncheck()
    expect(locked).to_be_disabled()
    page.get_by_label(text["bell"]).check()
    expect(locked).to_be_enabled()
    locked.uncheck()
    page.get_by_label(text["awake"]).uncheck()
    page.get_by_role("button", name=text["save"]).click()
    prefs = stored(page)
    assert prefs["lockedBells"] is False and prefs["wakeLock"] is False and prefs["bell"] is True
    page.reload()
    expect(locked).not_to_be_checked()
    expect(page.get_by_label(text["awake"])).not_to_be_checked()


def test_with_the_screen_allowed_off_the_player_holds_no_wake_lock(page: Page) -> None:
    page.add_init_script(DEVICE)
    page.add_init_script("localStorage.setItem('houvast.prefs', JSON.stringify({wakeLock: false}))")
    freeze_clock(page, START)
    page.goto("/en/exercises/grounding#start")
    expect(page.locator("#player")).to_be_visible()
    page.locator("#player-pause").click()
    page.locator("#player-pause").click()
    page.clock.run_for(25_000)
    assert page.locator("#player").get_attribute("data-index") == "1"
    assert device(page)["locks"] == 0
