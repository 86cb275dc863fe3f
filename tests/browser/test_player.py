"""The player in Chromium on a phone-sized screen, with Playwright's fake clock."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_on_frozen_clock, freeze_clock, in_turns

CORE = ["grounding", "stop-partner", "stop-solo", "protector", "four-s", "body-scan"]
START = datetime(2026, 11, 20, 9, 0, 0)

# Counts the bell: each ring connects one new sound to the speakers.
COUNT_BELLS = """
(() => {
  window.__bells = 0;
  const connect = AudioNode.prototype.connect;
  AudioNode.prototype.connect = function (target, ...rest) {
    if (target instanceof AudioDestinationNode) window.__bells += 1;
    return connect.call(this, target, ...rest);
  };
})();
"""

STORE = """async (call) => {
  const src = document.querySelector('script[type=module]').src;
  const store = await import(new URL('store.js', src));
  return store[call]();
}"""


def set_prefs(page: Page, prefs: dict[str, Any]) -> None:
    page.add_init_script(f"localStorage.setItem('houvast.prefs', {json.dumps(json.dumps(prefs))})")


def open_player(page: Page, locale: str, exercise: str) -> None:
    freeze_clock(page, START)
    page.add_init_script(COUNT_BELLS)
    page.goto(f"/{locale}/exercises/{exercise}#start")
    expect(page.locator("#player")).to_be_visible()


def index(page: Page) -> int:
    return int(page.locator("#player").get_attribute("data-index") or -1)


def kind(page: Page) -> str:
    return page.locator("#player").get_attribute("data-kind") or ""


def seconds_left(page: Page) -> int:
    text = page.locator("#player-time").inner_text()
    match = re.search(r"(\d+):(\d\d)", text)
    assert match, f"no time shown: {text!r}"
    return int(match.group(1)) * 60 + int(match.group(2))


def runs(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(STORE, "allRuns")


def choose_rating(page: Page, value: int) -> None:
    """Tap a number on the rating and save it."""
    page.get_by_role("radio", name=str(value), exact=True).check()
    page.locator(".rating button[type=submit]").click()


def wait_for_next(page: Page) -> None:
    """Let a text step's minimum pause pass, a second at a time, until "Next" shows."""
    for _ in range(130):
        if page.locator("#player-next").is_visible():
            return
        page.clock.run_for(1_000)
    raise AssertionError("Next never appeared")


def play_to_the_end(page: Page, *, notes: dict[str, str] | None = None) -> int:
    """Do the whole exercise as a person would; return how many steps changed."""
    for changes in range(200):
        before = index(page)
        step = kind(page)
        if page.locator("#player").get_attribute("data-key") == "closing":
            page.locator("#player-next").click()
            expect(page.locator("#player-end")).to_be_visible()
            return changes
        if step in ("timed", "breath"):
            page.clock.run_for(seconds_left(page) * 1000 + 50)
        elif step == "action":
            page.locator(".action-button").click()
        elif step == "rate":
            choose_rating(page, 4)
        elif step == "note":
            key = page.locator(".note textarea").get_attribute("id") or ""
            page.locator(".note textarea").fill((notes or {}).get(key, "a few words"))
            page.locator(".note button[type=submit]").click()
        elif step == "scale":
            page.locator(".scale-place").nth(1).tap()
            page.locator(".scale button[type=submit]").click()
        else:
            wait_for_next(page)
            page.locator("#player-next").click()
        expect(page.locator("#player")).not_to_have_attribute("data-index", str(before))
    raise AssertionError("the exercise did not end")


# Each exercise in one language, the languages taking turns: what is tested here (the bells,
# the run kept) does not depend on the language, and every step of every exercise is walked in
# both languages by test_run_screen.py and test_large_text.py.
@pytest.mark.parametrize(("exercise", "locale"), in_turns(CORE))
def test_each_core_exercise_runs_to_the_end(page: Page, locale: str, exercise: str) -> None:
    # The bells rung on the page (Web Audio); test_track.py checks them in the audio track.
    set_prefs(page, {"lockedBells": False})
    open_player(page, locale, exercise)
    expect(page.locator("html")).to_have_attribute("lang", locale)
    changes = play_to_the_end(page)
    expect(page.locator("#player-end-title")).to_have_text(
        "De oefening is klaar. Neem de tijd voordat je verdergaat."
        if locale == "nl"
        else "The exercise is over. Take your time before you go on."
    )
    assert page.evaluate("window.__bells") == changes, "the bell rings at every transition"
    logged = runs(page)
    assert len(logged) == 1
    assert logged[0]["exercise"] == exercise and logged[0]["status"] == "completed"
    assert logged[0]["seconds"] > 30


def test_pace_and_overrides_are_honoured(page: Page) -> None:
    set_prefs(page, {"pace": 2, "overrides": {"grounding": {"feet-floor.duration": 60}}})
    open_player(page, "en", "grounding")
    assert seconds_left(page) == 120
    page.clock.run_for(119_000)
    assert index(page) == 0
    page.clock.run_for(1_500)
    assert index(page) == 1
    assert seconds_left(page) == 60  # the second step's 30 s at pace 2


def test_an_override_outside_the_range_is_clamped_and_a_lost_step_dropped(page: Page) -> None:
    # A saved value for a step that is gone (or under an old key) does nothing.
    overrides = {"feet-floor.duration": 5000, "what-see.duration": 1, "gone.duration": 40}
    set_prefs(page, {"overrides": {"grounding": {**overrides, "1.duration": 45}}})
    open_player(page, "en", "grounding")
    assert seconds_left(page) == 90  # the range's top
    page.clock.run_for(90_500)
    assert seconds_left(page) == 10  # what-see's range starts at 10


def test_pause_ten_minutes_loses_no_time(page: Page) -> None:
    open_player(page, "en", "grounding")
    page.clock.run_for(5_000)
    assert seconds_left(page) == 15
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_text("Paused. Take all the time you need.")).to_be_visible()
    page.clock.run_for(600_000)
    assert index(page) == 0 and seconds_left(page) == 15
    page.get_by_role("button", name="Resume").click()
    page.clock.run_for(14_000)
    assert index(page) == 0
    page.clock.run_for(1_100)
    assert index(page) == 1
    page.locator("#player-stop").click()
    assert runs(page)[0]["seconds"] == 20, "the pause does not count as practice"


def test_hidden_for_two_minutes_comes_back_at_the_right_step(page: Page) -> None:
    set_prefs(page, {"lockedBells": False})  # the bells rung on the page, not in a track
    open_player(page, "en", "grounding")
    page.clock.run_for(5_000)
    page.evaluate("""() => {
        Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    # The screen is off: two minutes pass without any timer running.
    page.clock.set_system_time(page.evaluate("Date.now()") / 1000 + 120)
    page.evaluate("""() => {
        Object.defineProperty(document, 'visibilityState', {value: 'visible', configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    # Steps of 20, 30, 20, 20, 20 s, then 30 s of breathing: 125 s in is the breathing step.
    assert kind(page) == "breath"
    assert seconds_left(page) == 15
    assert page.evaluate("window.__bells") == 1, "one bell on return, not a burst"


def test_a_reload_mid_run_resumes(page: Page) -> None:
    open_player(page, "nl", "grounding")
    page.clock.run_for(30_000)
    assert index(page) == 1 and seconds_left(page) == 20
    page.reload()
    expect(page.locator("#player")).to_be_visible()
    assert index(page) == 1
    assert seconds_left(page) == 20
    expect(page.locator("#player-announce")).to_have_text(
        "Je gaat verder waar je was gebleven. Stap 2 van 8: Wat je ziet"
    )


def test_stop_is_logged_as_stopped(page: Page) -> None:
    open_player(page, "en", "body-scan")
    page.locator(".rating button", has_text="Skip").click()
    page.locator("#player-stop").click()
    expect(page.locator("#player-end-title")).to_have_text(
        "You stopped the exercise. That is fine: you decide."
    )
    logged = runs(page)
    assert [run["status"] for run in logged] == ["stopped"]
    assert logged[0]["before"] is None


def test_too_much_goes_to_grounding_and_logs_stopped(page: Page, base_url: str) -> None:
    open_player(page, "nl", "four-s")
    choose_rating(page, 5)
    page.get_by_role("link", name="Te veel? Terug naar het hier en nu").click()
    expect(page).to_have_url(f"{base_url}/nl/exercises/grounding#start")
    expect(page.locator("#player")).to_have_attribute("data-index", "0")
    expect(page.locator("h1")).to_have_text("Hier en nu")
    logged = runs(page)
    assert logged[0]["exercise"] == "four-s" and logged[0]["status"] == "stopped"
    assert logged[0]["before"] == 5


def test_the_way_out_bar_also_logs_the_run(page: Page, base_url: str) -> None:
    open_player(page, "en", "protector")
    page.locator(".way-out-ground").click()
    expect(page).to_have_url(f"{base_url}/en/exercises/grounding#start")
    assert [run["status"] for run in runs(page)] == ["stopped"]


def test_the_stop_button_counts_rounds(page: Page) -> None:
    set_prefs(page, {"ratings": False})
    open_player(page, "en", "stop-solo")
    while kind(page) != "action":
        if kind(page) in ("timed", "breath"):
            page.clock.run_for(seconds_left(page) * 1000 + 50)
        else:
            page.locator("#player-next").click()
    expect(page.locator("#player-round")).to_contain_text("Round 1 of 3")
    button = page.locator(".action-button")
    expect(button).to_have_text("STOP")
    box = button.bounding_box()
    assert box and box["width"] >= 150 and box["height"] >= 150, "one big button"
    button.tap()
    expect(page.locator("#player-round")).to_contain_text("Round 1 of 3")
    page.clock.run_for(seconds_left(page) * 1000 + 50)
    expect(page.locator("#player-round")).to_contain_text("Round 2 of 3")
    page.locator(".action-button").tap()
    play_to_the_end(page)
    # Two taps above, then one more STOP and two GO BACK rounds on the way to the end.
    expect(page.locator("#player-end-taps")).to_have_text("Times you said it: 5.")


def test_the_protector_words_come_back(page: Page) -> None:
    open_player(page, "en", "protector")
    expect(page.locator("#player-last-time")).to_be_hidden()
    play_to_the_end(
        page, notes={"note-protector": "a big calm bear", "note-safe-place": "a cabin by the lake"}
    )
    page.goto("/en/exercises/protector")
    expect(page.locator("#player")).to_be_attached()
    page.get_by_role("button", name="Start").click()
    box = page.locator("#player-last-time")
    expect(box).to_be_visible()
    expect(box).to_contain_text("a big calm bear")
    expect(box).to_contain_text("a cabin by the lake")
    logged = runs(page)
    assert logged[0]["notes"] == {
        "protector": "a big calm bear",
        "safe-place": "a cabin by the lake",
    }


def test_the_whole_exercise_works_with_the_keyboard(page: Page) -> None:
    open_player(page, "en", "grounding")
    page.clock.run_for(1_000)
    page.locator("#player-next").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#player-title")).to_be_focused()
    expect(page.locator("#player")).to_have_attribute("data-index", "1")
    page.keyboard.press("Shift+Tab")  # back to the "Back" button? the order is Back, Pause, Next
    for _ in range(20):
        if kind(page) == "rate":
            break
        page.locator("#player-next").focus()
        page.keyboard.press("Enter")
    # The rating: one tab stop, arrows choose, nothing chosen at first.
    page.get_by_role("radio", name="0", exact=True).focus()
    expect(page.locator(".rating input:checked")).to_have_count(0)
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name="4", exact=True)).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save and go on")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#player")).to_have_attribute("data-kind", "text")
    page.locator("#player-next").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#player-end-title")).to_be_focused()
    assert runs(page)[0]["after"] == 4


def test_reduced_motion_counts_instead_of_animating(page: Page) -> None:
    set_prefs(page, {"motion": "reduce"})
    open_player(page, "en", "grounding")
    page.clock.run_for(110_500)
    assert kind(page) == "breath"
    expect(page.locator(".breath-shape")).to_be_hidden()
    expect(page.locator(".breath-count")).to_be_visible()
    expect(page.locator(".breath-label")).to_contain_text("Breathe in")


def test_the_breath_pacer_animates_without_reduced_motion(page: Page) -> None:
    open_player(page, "en", "grounding")
    page.clock.run_for(110_500)
    shape = page.locator(".breath-shape")
    expect(shape).to_be_visible()
    expect(shape).to_have_attribute("data-phase", "in")
    page.clock.run_for(4_000)
    expect(shape).to_have_attribute("data-phase", "out")
    expect(page.locator(".breath-label")).to_contain_text("Breathe out")


def test_nothing_sounds_when_the_bell_is_off(page: Page) -> None:
    set_prefs(page, {"bell": False})
    open_player(page, "en", "grounding")
    page.clock.run_for(60_000)
    assert index(page) >= 2
    assert page.evaluate("window.__bells") == 0


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_player_is_accessible_on_every_kind_of_step(page: Page, locale: str) -> None:
    open_player(page, locale, "stop-solo")
    seen = set()
    for _ in range(40):
        if page.locator("#player-end").is_visible():
            break
        step = kind(page)
        if step not in seen:
            seen.add(step)
            results = axe_on_frozen_clock(page)
            assert results.violations_count == 0, f"{step}: {results.generate_report()}"
        if step in ("timed", "breath"):
            page.clock.run_for(seconds_left(page) * 1000 + 50)
        elif step == "action":
            page.locator(".action-button").click()
        elif step == "rate":
            choose_rating(page, 3)
        else:
            page.locator("#player-next").click()
            if page.locator("#player").get_attribute("data-key") == "closing":
                expect(page.locator("#player-end")).to_be_visible()
    assert {"rate", "timed", "action", "text"} <= seen
    results = axe_on_frozen_clock(page)
    assert results.violations_count == 0, results.generate_report()


# The device's own features are stubbed at the edge: headless Chromium has no screen to keep
# awake, no vibration motor and no voices.
DEVICE = """
(() => {
  window.__device = { locks: 0, released: 0, vibrations: 0, spoken: [] };
  const sentinel = () => {
    const target = new EventTarget();
    target.release = async () => {
      window.__device.released += 1;
      target.dispatchEvent(new Event('release'));
    };
    return target;
  };
  Object.defineProperty(navigator, 'wakeLock', { value: {
    request: async () => { window.__device.locks += 1; return sentinel(); },
  } });
  navigator.vibrate = () => { window.__device.vibrations += 1; return true; };
  speechSynthesis.speak = (utterance) => {
    window.__device.spoken.push({ text: utterance.text, lang: utterance.lang });
  };
})();
"""


def device(page: Page) -> dict[str, Any]:
    return page.evaluate("window.__device")


def test_the_screen_stays_awake_while_running_only(page: Page) -> None:
    page.add_init_script(DEVICE)
    open_player(page, "en", "grounding")
    page.wait_for_function("window.__device.locks === 1")
    page.get_by_role("button", name="Pause").click()
    page.wait_for_function("window.__device.released === 1")
    page.get_by_role("button", name="Resume").click()
    page.wait_for_function("window.__device.locks === 2")
    page.locator("#player-stop").click()
    page.wait_for_function("window.__device.released === 2")


def test_vibration_and_voice_only_when_turned_on(page: Page) -> None:
    page.add_init_script(DEVICE)
    open_player(page, "nl", "grounding")
    page.clock.run_for(21_000)
    assert index(page) == 1
    assert device(page)["vibrations"] == 0 and device(page)["spoken"] == []


def test_vibration_and_dutch_voice_when_turned_on(page: Page) -> None:
    page.add_init_script(DEVICE)
    set_prefs(page, {"vibration": True, "voice": True})
    open_player(page, "nl", "grounding")
    page.clock.run_for(21_000)
    assert index(page) == 1
    state = device(page)
    assert state["vibrations"] == 1
    assert [s["lang"] for s in state["spoken"]] == ["nl-NL", "nl-NL"]
    assert state["spoken"][1]["text"].startswith("Wat je ziet.")


def test_from_grounding_the_way_out_leads_to_help(page: Page, base_url: str) -> None:
    open_player(page, "en", "grounding")
    expect(page.locator(".way-out-help")).to_be_hidden()  # one way out, and it says where
    page.get_by_role("link", name="Need help now?").click()
    expect(page).to_have_url(f"{base_url}/en/help")
    expect(page.get_by_role("link", name="Call 113", exact=True)).to_be_visible()
    # The run is kept in the tab at once; if grounding's page went before the database answered,
    # the help page writes it: read the store once nothing waits to be written.
    # (Polled from here: the page's own timers are held by its frozen clock.)
    for _ in range(400):
        if page.evaluate("sessionStorage.getItem('houvast.unsaved-runs') === null"):
            break
        page.wait_for_timeout(50)
    assert [run["status"] for run in runs(page)] == ["stopped"]


def test_a_rating_has_its_own_buttons_and_no_second_next(page: Page) -> None:
    open_player(page, "en", "four-s")
    expect(page.locator(".rating")).to_be_visible()
    expect(page.locator("#player-next")).to_be_hidden()
    page.locator(".rating").get_by_role("button", name="Skip").click()
    expect(page.locator("#player-next")).to_be_visible()


def test_next_comes_after_the_minimum_pause_and_nothing_else_waits(page: Page) -> None:
    open_player(page, "en", "stop-partner")
    page.locator(".rating button", has_text="Skip").click()
    expect(page.locator("#player-title")).to_have_text("Make an agreement")
    # A calm word that Next is coming, instead of Next; Back, Stop and the way out work.
    expect(page.locator("#player-next")).to_be_hidden()
    expect(page.locator("#player-next-soon")).to_have_text("You can go on in a moment.")
    for control in ("#player-back", "#player-stop", ".way-out-ground", ".way-out-help"):
        expect(page.locator(control)).to_be_visible()
        expect(page.locator(control)).to_be_enabled()
    page.clock.run_for(14_000)  # the agreement's minimum pause is 15 s
    expect(page.locator("#player-next")).to_be_hidden()
    page.clock.run_for(1_100)
    expect(page.locator("#player-next")).to_be_visible()
    expect(page.locator("#player-next-soon")).to_be_hidden()
    # Back to the rating, and forward again: the pause starts over, calmly.
    page.locator("#player-back").click()
    expect(page.locator("#player-title")).to_have_text("Before you start")
    page.locator(".rating button", has_text="Skip").click()
    expect(page.locator("#player-next")).to_be_hidden()
    page.locator("#player-stop").click()
    expect(page.locator("#player-end-title")).to_be_focused()


def test_the_pace_stretches_the_minimum_pause(page: Page) -> None:
    set_prefs(page, {"pace": 2, "ratings": False})
    open_player(page, "en", "stop-partner")
    page.clock.run_for(29_000)
    expect(page.locator("#player-next")).to_be_hidden()
    page.clock.run_for(1_100)
    expect(page.locator("#player-next")).to_be_visible()


# The device's database never answers: every open request stays pending.
STUCK_DATABASE = "indexedDB.open = () => ({});"


def unsaved_runs(page: Page) -> list[dict[str, Any]]:
    return json.loads(page.evaluate("sessionStorage.getItem('houvast.unsaved-runs') || '[]'"))


@pytest.mark.parametrize("exercise", ["four-s", "grounding"])
def test_the_way_out_never_waits_for_a_stuck_database(page: Page, exercise: str) -> None:
    page.add_init_script(STUCK_DATABASE)
    open_player(page, "en", exercise)
    expect(page.locator("#player-title")).to_be_visible()
    page.locator(".way-out-ground").click()
    # From grounding itself the way out leads to help.
    target = "/en/help" if exercise == "grounding" else "/en/exercises/grounding#start"
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    # The stopped run is kept for when the database answers again.
    kept = unsaved_runs(page)
    assert [(run["exercise"], run["status"]) for run in kept] == [(exercise, "stopped")]


def test_a_run_kept_for_later_is_saved_by_the_next_page(page: Page) -> None:
    open_player(page, "en", "four-s")
    page.evaluate(
        "sessionStorage.setItem('houvast.unsaved-runs', JSON.stringify([{id: 'left-behind', "
        "exercise: 'four-s', startedAt: '2026-11-20T08:00:00.000Z', seconds: 12, "
        "status: 'stopped', before: null, after: null, notes: {}, set: null}]))"
    )
    page.goto("/en/help")
    expect(page.locator("h1")).to_be_visible()
    page.wait_for_function("sessionStorage.getItem('houvast.unsaved-runs') === null")
    assert [run["id"] for run in runs(page)] == ["left-behind"]


def test_an_old_tab_cannot_block_the_way_out_or_a_newer_version(page: Page) -> None:
    """A tab holding the database open neither hangs a newer version's upgrade (it makes way)
    nor, when it cannot (an old version without that courtesy), the way out."""
    open_player(page, "en", "four-s")
    page.wait_for_function("window.indexedDB !== undefined")
    runs(page)  # the page's store is open now
    upgraded = page.context.new_page()
    upgraded.goto("/en/about")
    version = upgraded.evaluate("""() => new Promise((resolve, reject) => {
        const request = indexedDB.open('houvast', 4);
        request.onsuccess = () => {
            request.result.close();
            resolve(request.result.version);
        };
        request.onerror = () => reject(request.error);
    })""")
    assert version == 4, "the open tab made way for the newer version"
    # An old tab that never closes blocks a newer version's open: the person still leaves.
    upgraded.evaluate("() => { window.__held = indexedDB.open('houvast', 4); }")
    blocked = page.context.new_page()
    blocked.add_init_script(
        "const open = indexedDB.open.bind(indexedDB);indexedDB.open = (name) => open(name, 5);"
    )
    blocked.clock.install()
    blocked.goto("/en/exercises/four-s#start")
    expect(blocked.locator("#player-title")).to_be_visible()
    blocked.locator(".way-out-ground").click()
    expect(blocked).to_have_url(re.compile(r"/en/exercises/grounding#start$"))
