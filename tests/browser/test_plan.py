"""My plan for hard moments: written on the phone, offline; locked with a PIN except what shows
without it; reached from the way out in the middle of a run, where the contacts and a chosen
exercise are one tap away without the PIN; printed on one page; added to the session summary."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from server.app import create_app
from tests.browser.conftest import (
    AXE,
    STORED,
    axe_on_frozen_clock,
    console_errors,
    freeze_clock,
)
from tests.browser.test_offline import controlled
from tests.browser.test_player import choose_rating, play_to_the_end
from tests.browser.track_helpers import SMALL_PHONE
from tests.conftest import isolated_settings
from tests.live_server import LiveServer

PIN = "2468"
TEXT = {
    "nl": {
        "make": "Je plan maken",
        "too_much": "Signalen dat het te veel wordt",
        "too_little": "Signalen dat ik wegzak of dichtklap",
        "own_words": "In je eigen woorden",
        "exercise": "Ademen met een langere uitademing",
        "add": "Iemand toevoegen",
        "name": "Naam",
        "number": "Telefoonnummer",
        "save": "Mijn plan bewaren",
        "saved": "Je plan is bewaard op dit apparaat.",
        "invalid": "Schrijf het telefoonnummer in cijfers, bijvoorbeeld 06 12345678.",
        "call": "Bel Sanne",
        "start": "Start: Ademen met een langere uitademing",
        "plan": "Mijn plan",
        "locked": "Sommige delen van je plan zitten op slot met je pincode.",
        "unlock": "Openen met je pincode",
        "enter": "Je pincode, om je geschiedenis en je bewaarde woorden te zien",
        "plan_enter": "Je pincode, om je hele plan te zien",
        "open": "Openen",
        "begin": "Beginnen",
        "add_plan": "Mijn plan voor moeilijke momenten toevoegen",
        "resume": "Verder",
    },
    "en": {
        "make": "Make your plan",
        "too_much": "Signs that it is getting too much",
        "too_little": "Signs that I am shutting down",
        "own_words": "In your own words",
        "exercise": "Breathing with a longer out-breath",
        "add": "Add someone",
        "name": "Name",
        "number": "Phone number",
        "save": "Save my plan",
        "saved": "Your plan is kept on this device.",
        "invalid": "Write a phone number in digits, for example 06 12345678.",
        "call": "Call Sanne",
        "start": "Start: Breathing with a longer out-breath",
        "plan": "My plan",
        "locked": "Some parts of your plan are locked with your PIN.",
        "unlock": "Open with your PIN",
        "enter": "Your PIN, to see your history and the words you kept",
        "plan_enter": "Your PIN, to see all of your plan",
        "open": "Open",
        "begin": "Start",
        "add_plan": "Add my plan for hard moments",
        "resume": "Resume",
    },
}
SIGNS = "My heart races and I snap at people"
HELPS = "Cold water on my hands"
STORE = "new URL('store.js', document.querySelector('script[type=module]').src).href"
KEEP_SET = """async () => {
    const src = document.querySelector('script[type=module]').src;
    const sets = await import(new URL('sets.js', src).href);
    await sets.keepSet({ id: 'set-1', version: 1, title: 'Tussen de sessies', note: '',
      locale: 'nl', reminders: [],
      items: [{ exercise: 'orienting', values: {}, note: '', plan: true },
              { exercise: 'grounding', values: {}, note: '' }] }, { source: 'therapist' });
}"""


def pages_printed(page: Page) -> int:
    pdf = page.pdf(format="A4", print_background=True)
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def write_plan(page: Page, text: dict[str, str]) -> None:
    """The plan, through its form: signs, an exercise, words, a person and the GP."""
    page.get_by_role("button", name=text["make"]).click()
    expect(page.locator("#plan-form-heading")).to_be_focused()
    expect(page.locator("#suggested-orienting")).to_be_visible()
    expect(page.locator("#suggested-grounding")).to_be_hidden()
    page.get_by_label(text["too_much"]).fill(SIGNS)
    page.get_by_label(text["too_little"]).fill("Everything goes foggy")
    page.get_by_label(text["exercise"], exact=True).check()
    page.get_by_label(text["own_words"]).fill(HELPS)
    person = page.locator(".plan-someone").first
    person.get_by_label(text["name"], exact=True).fill("Sanne")
    person.get_by_label(text["number"]).fill("call me")
    page.get_by_role("button", name=text["save"]).click()
    # A number that is none is refused where it is, and nothing is kept yet.
    expect(page.locator("#people-0-number-error")).to_have_text(text["invalid"])
    expect(person.get_by_label(text["number"])).to_be_focused()
    assert page.evaluate("localStorage.getItem('houvast.plan')") is None
    person.get_by_label(text["number"]).fill("06 1234 5678")
    page.locator("#care-gp-number").fill("020 123 4567")
    page.get_by_role("button", name=text["save"]).click()
    expect(page.locator("#plan-status")).to_have_text(text["saved"])
    expect(page.locator("#plan-title")).to_be_focused()


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_a_plan_is_written_locked_and_reached_from_a_run_offline(
    profile: BrowserContext, tmp_path: Path, output_dir: Path, locale: str
) -> None:
    text = TEXT[locale]
    with LiveServer(create_app(isolated_settings(tmp_path), dispatch=False)) as url:
        page = profile.new_page()
        page.set_viewport_size(SMALL_PHONE)
        errors = console_errors(page)
        page.goto(f"{url}/{locale}/plan")
        controlled(page)
        profile.set_offline(True)
        page.reload()
        # Before there is a plan: what it is for, and the numbers that are always there.
        expect(page.locator("#plan-empty")).to_be_visible()
        expect(page.locator(".plan-always a[href='tel:113']")).to_be_visible()
        expect(page.locator(".plan-always a[href='tel:112']")).to_be_visible()
        expect(page.locator(".way-out-plan")).to_be_hidden()

        # A therapist's set the person keeps suggests an exercise; it is marked, not chosen.
        page.evaluate(KEEP_SET)
        write_plan(page, text)
        expect(page.locator("#exercise-orienting")).not_to_be_checked()
        view = page.locator("#plan-view")
        expect(view.get_by_role("heading", name=text["too_much"])).to_be_visible()
        expect(view).to_contain_text(SIGNS)
        expect(view.get_by_role("link", name=text["call"])).to_have_attribute(
            "href", "tel:0612345678"
        )
        expect(view.locator("a[href='sms:0612345678']")).to_be_visible()
        expect(view.locator("a[href='tel:0201234567']")).to_be_visible()
        # The way-out bar now holds the plan, on every page.
        expect(page.locator(".way-out-plan")).to_be_visible()
        results = AXE.run(page)
        assert results.violations_count == 0, results.generate_report()
        page.screenshot(path=output_dir / f"plan-{locale}.png", full_page=True)
        assert pages_printed(page) == 1

        # A high rating before an exercise: the offer of help holds the person's own signs and
        # what helps them, and their plan.
        freeze_clock(page)
        page.goto(f"{url}/{locale}/exercises/then-and-now")
        page.get_by_role("button", name=text["begin"], exact=True).click()
        choose_rating(page, 9)
        offer = page.locator(".help-offer")
        expect(offer).to_contain_text(SIGNS)
        expect(offer).to_contain_text(HELPS)
        expect(offer.get_by_role("link", name=text["plan"])).to_be_visible()
        results = axe_on_frozen_clock(page)
        assert results.violations_count == 0, results.generate_report()
        page.screenshot(path=output_dir / f"plan-offer-{locale}.png")

        # A PIN locks the history and the plan's own words; the contacts and the exercises
        # stay readable, as the person left them ticked.
        page.evaluate(f"async (pin) => (await import({STORE})).setPin(pin)", PIN)
        kept = page.evaluate(STORED, ["notes", "plan"])
        stored = json.dumps(kept)
        assert SIGNS not in stored and HELPS not in stored and "Everything goes foggy" not in stored
        assert all(note["keys"] == ["key", "sealed"] for note in kept["notes"]), kept["notes"]
        # Shown without the PIN, as ticked: who to call, what to start.
        assert [r["keys"] for r in kept["plan"]] == [["key", "open", "value"]] * 3, kept["plan"]
        assert "06 1234 5678" in stored

        # In the middle of a run, with no PIN given on this page: the way out holds the plan.
        page.goto(f"{url}/{locale}/exercises/body-scan")
        page.get_by_role("button", name=text["begin"], exact=True).click()
        expect(page.locator("#player")).to_be_visible()
        plan_link = page.locator(".way-out-plan")
        expect(plan_link).to_be_in_viewport()
        plan_link.click()
        expect(page.locator("#plan-title")).to_be_visible()
        run = page.evaluate(
            "JSON.parse(Object.entries(sessionStorage).find(([k]) => k.includes('body-scan'))[1])"
        )
        assert run["status"] == "running" and run["pausedAt"] is not None, "the run waits"
        expect(page.locator("#plan-locked")).to_contain_text(text["locked"])
        expect(view).not_to_contain_text(SIGNS)
        expect(view.get_by_role("link", name=text["call"])).to_be_visible()
        assert pages_printed(page) == 1
        page.screenshot(path=output_dir / f"plan-locked-{locale}.png", full_page=True)

        # One tap starts the chosen exercise.
        view.get_by_role("link", name=text["start"]).click()
        expect(page.locator("#player")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/exercises/paced-breathing#start$"))

        # Back on the run: it waits, paused, where it was.
        page.goto(f"{url}/{locale}/exercises/body-scan")
        expect(page.locator("#player-pause")).to_have_text(text["resume"])

        # With the PIN, the whole plan shows and prints on one page.
        page.goto(f"{url}/{locale}/plan")
        page.get_by_role("button", name=text["unlock"]).click()
        page.get_by_label(text["plan_enter"]).fill(PIN)
        page.get_by_role("button", name=text["open"], exact=True).click()
        expect(view).to_contain_text(SIGNS)
        expect(view).to_contain_text(HELPS)
        expect(page.locator("#plan-locked")).to_be_hidden()
        assert pages_printed(page) == 1

        # And in the summary for the session, when the person adds it.
        page.goto(f"{url}/{locale}/history")
        page.get_by_label(text["enter"]).fill(PIN)
        page.get_by_role("button", name=text["open"], exact=True).click()
        page.goto(f"{url}/{locale}/history#summary")
        expect(page.locator("#summary-plan-parts")).to_be_empty()
        page.get_by_label(text["add_plan"]).check()
        expect(page.locator("#summary-plan-parts")).to_contain_text(SIGNS)
        expect(page.locator("#summary-plan-parts")).to_contain_text("Sanne: 06 1234 5678")
        assert pages_printed(page) == 1
        assert errors == []


SAVE_PLAN = """async (pin) => {
    const src = document.querySelector('script[type=module]').src;
    const plans = await import(new URL('plan-store.js', src).href);
    const store = await import(new URL('store.js', src).href);
    const none = { name: '', number: '' };
    await plans.savePlan({
        signs: { tooMuch: 'My heart races', tooLittle: '' }, helps: 'Cold water',
        exercises: ['grounding'], people: [{ name: 'Sanne', number: '06 1234 5678' }],
        care: { therapist: none, gp: none, gpPost: none },
        open: { signs: false, helps: false, exercises: true, people: true, care: true },
    });
    await store.setPin(pin);
}"""


def test_words_written_while_the_plan_is_locked_are_added_and_a_fresh_start_keeps_what_is_open(
    page: Page,
) -> None:
    """With a PIN, "Your own window" cannot show the plan's sealed words: what the person writes
    there is added to them, never written over them. Deleting the history keeps the plan; a
    forgotten PIN deletes what is sealed and keeps what shows without it."""
    text = TEXT["en"]
    page.set_viewport_size(SMALL_PHONE)
    page.goto("/en/plan")
    page.evaluate(SAVE_PLAN, PIN)
    # An empty part is no part: nothing says the shutting-down signs are locked.
    page.reload()
    expect(page.locator("#plan-locked")).to_be_visible()
    freeze_clock(page)
    page.goto("/en/exercises/your-window")
    page.get_by_role("button", name=text["begin"], exact=True).click()
    play_to_the_end(page, notes={"note-window-too-much": "I stop hearing people"})

    page.goto("/en/plan")
    page.get_by_role("button", name=text["unlock"]).click()
    page.get_by_label(text["plan_enter"]).fill(PIN)
    page.get_by_role("button", name=text["open"], exact=True).click()
    view = page.locator("#plan-view")
    expect(view.locator(".plan-words").first).to_have_text("My heart races\nI stop hearing people")
    expect(view).to_contain_text("Cold water\na few words")

    # "Delete everything" on the history page keeps the plan.
    page.goto("/en/history")
    page.get_by_label(text["enter"]).fill(PIN)
    page.get_by_role("button", name=text["open"], exact=True).click()
    page.locator("#delete-all").click()
    page.locator("#delete-yes").click()
    expect(page.locator("#history-status")).not_to_be_empty()
    page.goto("/en/plan")
    page.get_by_role("button", name=text["unlock"]).click()
    page.get_by_label(text["plan_enter"]).fill(PIN)
    page.get_by_role("button", name=text["open"], exact=True).click()
    expect(view).to_contain_text("I stop hearing people")

    # The PIN forgotten: starting fresh deletes what is sealed, and keeps who to call.
    page.reload()
    page.get_by_role("button", name=text["unlock"]).click()
    page.get_by_text("Forgot your PIN?").click()
    page.get_by_role("button", name="Delete everything and start fresh").click()
    expect(page.locator("#plan-locked")).to_be_hidden()
    expect(view).not_to_contain_text("My heart races")
    expect(view.get_by_role("link", name=text["call"])).to_be_visible()
    expect(page.locator(".way-out-plan")).to_be_visible()
    assert page.evaluate("localStorage.getItem('houvast.lock')") is None
