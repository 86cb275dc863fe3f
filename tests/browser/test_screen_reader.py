"""What a screen reader hears and what forced colours show (issue 19, item 2), in Chromium on a
phone: form errors are announced and focused, focus never falls to the page after a save,
every control has a name of its own, a control that appears later is announced, and the
scale's mark from last time stays visible in forced colours.

"Announced" is checked as a screen reader meets it: the text changes inside a live region
(role alert or status, or aria-live) that was already shown before the change. A region that
appears with its text, or is hidden, is not read (ANNOUNCED records only the first)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import CDPSession, Page, expect

from tests.browser.conftest import axe_on_frozen_clock, one_language
from tests.browser.test_history import NOW
from tests.browser.test_lock import NOTES, PIN, RUNS, SEED, TEXT
from tests.browser.test_player import (
    choose_rating,
    index,
    kind,
    open_player,
    seconds_left,
    set_prefs,
    wait_for_next,
)

# Records, from before the page's own scripts run, each text put into a live region that was
# already shown when it changed: what a screen reader reads out.
ANNOUNCED = """(() => {
  const LIVE = '[role=alert],[role=status],[role=log],[aria-live=polite],[aria-live=assertive]';
  const shown = (region) => region.isConnected && region.checkVisibility()
    && !region.closest('[aria-hidden=true]');
  const live = () => [...document.querySelectorAll(LIVE)].filter(shown);
  let seen = new Set();
  window.__announced = [];
  new MutationObserver((records) => {
    const changed = new Set();
    for (const record of records) {
      if (record.type !== 'childList' && record.type !== 'characterData') continue;
      for (const added of record.addedNodes) {
        if (added.nodeType !== 1) continue;
        for (const region of [added, ...added.querySelectorAll(LIVE)]) seen.delete(region);
      }
      const node = record.target.nodeType === 1 ? record.target : record.target.parentElement;
      const region = node?.closest(LIVE);
      if (region && seen.has(region)) changed.add(region);
    }
    for (const region of changed) {
      const text = region.textContent.trim();
      if (text && shown(region)) window.__announced.push(text);
    }
    // Also where Playwright's expect can wait for it (attributes are not watched here).
    if (changed.size) document.documentElement.dataset.announced = window.__announced.join('\\n');
    seen = new Set(live());
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
})();"""

CONTROLS = {
    "button",
    "checkbox",
    "combobox",
    "link",
    "listbox",
    "menuitem",
    "radio",
    "searchbox",
    "slider",
    "spinbutton",
    "switch",
    "tab",
    "textbox",
}


def listen(page: Page) -> None:
    """Record what is announced on the pages ``page`` opens from now on."""
    page.add_init_script(ANNOUNCED)


def announced(page: Page) -> list[str]:
    """What was announced since the last look."""
    return page.evaluate(
        "delete document.documentElement.dataset.announced, window.__announced.splice(0)"
    )


def control_names(page: Page, session: CDPSession | None = None) -> list[tuple[str, str]]:
    """The role and accessible name of every control a screen reader finds on the page
    (through ``session``, a DevTools session on the page, when given)."""
    cdp = session or page.context.new_cdp_session(page)
    try:
        nodes: list[dict[str, Any]] = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        if session is None:
            cdp.detach()
    found = []
    for node in nodes:
        role = node.get("role", {}).get("value", "")
        if node.get("ignored") or role not in CONTROLS:
            continue
        found.append((role, node.get("name", {}).get("value", "")))
    return found


def duplicates(page: Page, session: CDPSession | None = None) -> list[tuple[str, str]]:
    """Controls that share a role and a name: a screen reader cannot tell them apart. Links
    that share a name and lead to the same place (the header's and the way out's "Help") are
    one way, twice."""
    names = control_names(page, session)
    found = []
    for role, name in sorted({entry for entry in names if names.count(entry) > 1}):
        if role == "link":
            links = page.get_by_role("link", name=name, exact=True)
            if len(set(links.evaluate_all("links => links.map((link) => link.href)"))) == 1:
                continue
        found.append((role, name))
    return found


def assert_names_unique(page: Page, where: str) -> None:
    assert duplicates(page) == [], f"{where}: controls that share a name"


def seed(page: Page, locale: str, *, pin: str | None = PIN) -> None:
    """Runs and notes on the device (test_lock.py's), locked with ``pin``."""
    page.goto(f"/{locale}/settings")
    page.evaluate(SEED, {"runs": RUNS, "notes": NOTES, "pin": pin})


def focused(page: Page) -> str:
    """The focused element, as #id or its tag: never BODY after a save."""
    return page.evaluate("(e => e.id ? '#' + e.id : e.tagName)(document.activeElement)")


WORDS = {
    "nl": {
        "not_saved": "Er is niets opgeslagen. Pas de gemarkeerde velden aan.",
        "saved": "Bewaard. De wijzigingen gelden vanaf je volgende oefening.",
        "save": "Bewaren",
        "pin_saved": "Je geschiedenis is nu vergrendeld.",
        "pin_removed": "De pincode is weggehaald.",
        "pin_current": "Je pincode",
        "pin_remove": "Pincode weghalen",
        "next_ready": "Nu kun je verder.",
    },
    "en": {
        "not_saved": "Nothing was saved. Please correct the marked fields.",
        "saved": "Saved. The changes apply to your next exercise.",
        "save": "Save",
        "pin_saved": "Your history is now locked.",
        "pin_removed": "The PIN is removed.",
        "pin_current": "Your PIN",
        "pin_remove": "Remove the PIN",
        "next_ready": "You can go on now.",
    },
}


def said(page: Page, words: str) -> None:
    """``words`` were announced since the last look (and are taken off the list)."""
    expect(page.locator("html")).to_have_attribute("data-announced", re.compile(re.escape(words)))
    announced(page)


# Form errors: announced, and the focus on the field ----------------------------------------


# Each place in one language, taking turns: the announcement and the focus are the subject.
@pytest.mark.parametrize(("where", "locale"), [("history", "nl"), ("set", "en")])
def test_a_wrong_pin_is_announced_and_the_field_focused(
    page: Page, locale: str, where: str
) -> None:
    text = TEXT[locale]
    seed(page, locale)
    listen(page)
    page.goto(f"/{locale}/{where}")
    field = page.get_by_label(text["enter"])
    expect(field).to_be_focused()
    field.fill("1357")
    page.get_by_role("button", name=text["open"], exact=True).click()
    said(page, text["wrong"])
    expect(field).to_be_focused()
    # The same wrong PIN again, from the field with Enter: said again.
    field.fill("1357")
    field.press("Enter")
    said(page, text["wrong"])
    expect(field).to_be_focused()
    field.fill(PIN)
    field.press("Enter")
    expect(page.locator("#pin-enter")).to_have_count(0)
    assert focused(page) == "#main", "the form is gone: the page's top, not nowhere"


@one_language("nl")
def test_choosing_and_removing_a_pin_is_announced_and_keeps_the_focus(
    page: Page, locale: str
) -> None:
    text, words = TEXT[locale], WORDS[locale]
    seed(page, locale, pin=None)
    listen(page)
    page.reload()
    page.get_by_text(text["choose"]).click()
    pin, again = page.get_by_label(text["new"]), page.get_by_label(text["again"])
    save = page.get_by_role("button", name=text["save"])
    pin.fill("12")
    save.click()
    said(page, text["short"])
    expect(pin).to_be_focused()
    pin.fill(PIN)
    again.fill("2469")
    save.click()
    said(page, text["mismatch"])
    expect(again).to_be_focused()
    again.press("Enter")  # the same mistake again, from the field
    said(page, text["mismatch"])
    expect(again).to_be_focused()
    again.fill(PIN)
    save.click()
    said(page, words["pin_saved"])
    assert focused(page) == "#pin-heading"

    field = page.get_by_label(words["pin_current"], exact=True)
    field.fill("1357")
    page.get_by_role("button", name=words["pin_remove"]).click()
    said(page, text["wrong"])
    expect(field).to_be_focused()
    field.fill(PIN)
    field.press("Enter")
    said(page, words["pin_removed"])
    assert focused(page) == "#pin-heading"


@one_language("en")
def test_the_settings_say_what_went_wrong_and_focus_it(page: Page, locale: str) -> None:
    words = WORDS[locale]
    listen(page)
    page.goto(f"/{locale}/settings")
    pace = page.locator("#pace")
    pace.fill("7")
    page.get_by_role("button", name=words["save"], exact=True).click()
    said(page, words["not_saved"])
    expect(pace).to_be_focused()
    pace.press("Enter")  # the same mistake again, from the field
    said(page, words["not_saved"])
    expect(pace).to_be_focused()
    pace.fill("1")
    page.get_by_role("button", name=words["save"], exact=True).click()
    said(page, words["saved"])
    assert focused(page) != "BODY"


def test_a_code_in_the_wrong_shape_is_announced_and_focused(page: Page) -> None:
    listen(page)
    page.goto("/en/set")
    field = page.get_by_label("The code", exact=True)
    field.fill("abc")
    page.get_by_role("button", name="Open the set").click()
    said(page, "A code has 8 letters and digits")
    expect(field).to_be_focused()
    field.press("Enter")
    said(page, "A code has 8 letters and digits")
    expect(field).to_be_focused()


def test_a_file_that_cannot_be_imported_is_announced_each_time(page: Page) -> None:
    listen(page)
    page.clock.set_fixed_time(NOW)
    page.goto("/en/history")
    chooser = page.locator("#import-file")
    for _ in range(2):
        chooser.set_input_files(
            files=[{"name": "notes.json", "mimeType": "application/json", "buffer": b"{nope"}]
        )
        said(page, "This file could not be imported")


# Focus after a save -------------------------------------------------------------------------


def test_after_each_save_in_the_player_the_focus_is_on_the_next_step(page: Page) -> None:
    """A rating saved, a note kept, a place kept: the next step's heading has the focus."""
    open_player(page, "en", "in-the-middle")
    steps = 0
    while page.locator("#player").get_attribute("data-key") != "closing":
        before, step = index(page), kind(page)
        if step == "rate":
            choose_rating(page, 4)
        elif step == "note":
            page.locator(".note textarea").fill("a few words")
            page.locator(".note button[type=submit]").click()
        elif step == "scale":
            page.locator(".scale-place").nth(1).tap()
            page.locator(".scale button[type=submit]").click()
        elif step in ("timed", "breath"):
            page.clock.run_for(seconds_left(page) * 1000 + 50)
            continue
        else:
            wait_for_next(page)
            page.locator("#player-next").click()
            continue
        expect(page.locator("#player")).not_to_have_attribute("data-index", str(before))
        expect(page.locator("#player-title")).to_be_focused()
        steps += 1
    assert steps >= 3, "a rating, a note and a scale were saved"


# Controls that appear later -----------------------------------------------------------------


@one_language("nl")
def test_next_appearing_after_the_minimum_pause_is_announced(page: Page, locale: str) -> None:
    listen(page)
    set_prefs(page, {"ratings": False})
    open_player(page, locale, "stop-partner")  # its first step waits 15 s for Next
    expect(page.locator("#player-next-soon")).to_be_visible()
    page.clock.run_for(14_000)
    assert WORDS[locale]["next_ready"] not in announced(page)
    page.clock.run_for(1_100)
    expect(page.locator("#player-next")).to_be_visible()
    said(page, WORDS[locale]["next_ready"])
    # A step whose Next is there from the start does not say so.
    page.locator("#player-next").click()
    expect(page.locator("#player-next")).to_be_visible()
    page.clock.run_for(2_000)
    assert WORDS[locale]["next_ready"] not in announced(page)


@one_language("en")
def test_another_period_of_the_summary_is_announced(page: Page, locale: str) -> None:
    period = {"nl": "Van 9 nov tot en met 21 nov 2026", "en": "From Nov 9 to Nov 21 2026"}
    listen(page)
    page.clock.set_fixed_time(NOW)
    seed(page, locale, pin=None)
    page.goto(f"/{locale}/history#summary")
    expect(page.locator("#summary-heading")).to_be_focused()
    page.select_option("#summary-weeks", "2")
    said(page, period[locale])


# Every control a name of its own ------------------------------------------------------------

# Every step of every exercise, the offer of help and the end are checked in
# test_run_screen.py, whose walk through each exercise in both languages also checks that every
# control is on screen and uncovered: one walk for both.


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_every_page_names_each_control_once(page: Page, locale: str) -> None:
    page.clock.set_fixed_time(NOW)
    seed(page, locale, pin=None)
    page.evaluate(
        """async (locale) => {
        const src = document.querySelector('script[type=module]').src;
        const sets = await import(new URL('sets.js', src));
        await sets.keepSet({
          id: 'set-1', version: 1, locale, title: 'Evenings', note: '',
          items: [{ exercise: 'grounding', values: {}, note: '' },
                  { exercise: 'protector', values: {}, note: '' }],
          reminders: [],
        }, { source: 'link' });
    }""",
        locale,
    )
    for path in ["", "settings", "history", "history#summary", "set", "set#k=set-1", "help"]:
        page.goto(f"/{locale}/{path}")
        page.reload()
        expect(page.locator("main")).to_be_visible()
        if path == "settings":
            # Every exercise's timings and the PIN's form open, as a person may have them.
            page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        if path == "set":
            expect(page.locator(".set-list")).to_be_visible()
        if path == "set#k=set-1":
            expect(page.locator("#set-start")).to_be_visible()
        if path == "history":
            expect(page.locator(".history-run").first).to_be_visible()
        assert_names_unique(page, f"/{locale}/{path}")


# Forced colours -----------------------------------------------------------------------------


def test_the_mark_from_last_time_stays_visible_in_forced_colours(
    page: Page, output_dir: Path
) -> None:
    page.set_viewport_size({"width": 360, "height": 640})
    page.goto("/en/settings")
    page.evaluate(SEED, {"runs": [], "notes": {"scale.middle-place": "6/7"}, "pin": None})
    set_prefs(page, {"ratings": False})
    page.emulate_media(forced_colors="active")
    open_player(page, "en", "in-the-middle")
    while kind(page) != "scale":
        wait_for_next(page)
        page.locator("#player-next").click()
    expect(page.locator(".scale-was")).to_have_text("The small dot shows where you were last time.")
    mark = page.locator(".scale-place.was")
    expect(mark).to_have_count(1)
    drawn = mark.evaluate(
        """(place) => {
        const dot = getComputedStyle(place, '::after');
        return { colour: dot.backgroundColor, width: parseFloat(dot.width),
                 height: parseFloat(dot.height), display: dot.display,
                 canvas: getComputedStyle(document.body).backgroundColor,
                 forced: matchMedia('(forced-colors: active)').matches };
    }"""
    )
    assert drawn["forced"]
    assert drawn["display"] != "none" and drawn["width"] >= 6 and drawn["height"] >= 6, drawn
    assert drawn["colour"] not in (drawn["canvas"], "rgba(0, 0, 0, 0)"), drawn
    page.screenshot(path=output_dir / "scale-last-time-forced-colours.png")
    results = axe_on_frozen_clock(page)
    assert results.violations_count == 0, results.generate_report()


def test_the_reminders_form_says_what_went_wrong_and_focuses_it(page: Page) -> None:
    listen(page)
    page.goto("/en/reminders")
    for day in page.locator('input[name="day"]:checked').all():
        day.uncheck()
    page.locator("#reminder-submit").click()
    said(page, "Nothing was saved. Please correct the marked fields.")
    expect(page.locator('input[name="day"]').first).to_be_focused()
    page.locator('input[name="day"]').first.check()
    page.locator("#reminder-time").fill("20:00")
    page.locator("#reminder-submit").click()
    expect(page.locator(".reminder")).to_have_count(1)
    assert focused(page) != "BODY"
