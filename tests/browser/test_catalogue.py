"""The exercises beyond the core, each played from start to end on a small phone (360×640) in
both languages, as a person would: ratings given, words kept, places chosen."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import in_turns
from tests.browser.test_player import (
    choose_rating,
    kind,
    open_player,
    play_to_the_end,
    runs,
    seconds_left,
    set_prefs,
    wait_for_next,
)

SMALL_PHONE = {"width": 360, "height": 640}
CATALOGUE = [
    "orienting",
    "then-and-now",
    "paced-breathing",
    "in-the-middle",
    "your-window",
    "receiving-support",
    "protective-part",
    "defensive-movement",
    "welcome",
    "secure-traits",
    "core-themes",
]
FINISHED = {
    "nl": "De oefening is klaar. Neem de tijd voordat je verdergaat.",
    "en": "The exercise is over. Take your time before you go on.",
}
NOT_ALONE = {"nl": "Wanneer je dit beter met steun doet", "en": "When to do this with support"}
# What each exercise keeps on the device when played to the end (play_to_the_end writes "a few
# words" in every note and chooses the second place on every scale).
KEPT: dict[str, dict[str, str]] = {
    "then-and-now": {"different-now": "a few words"},
    "in-the-middle": {"scale.middle-place": "2/7"},
    "your-window": {
        f"window-{signs}": "a few words" for signs in ("too-much", "too-little", "helps")
    },
    "receiving-support": {"support-received": "a few words"},
    "protective-part": {"protective-part": "a few words"},
    "welcome": {"welcome-words": "a few words"},
    "secure-traits": {"trait-today": "a few words"},
    "core-themes": {
        f"theme-{theme}": "a few words"
        for theme in ("trust", "attunement", "autonomy", "connection")
    },
}


def fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# Each exercise in one language, the languages taking turns: what is tested here (the bells,
# the run kept) does not depend on the language, and every step of every exercise is walked in
# both languages by test_run_screen.py and test_large_text.py.
@pytest.mark.parametrize(("exercise", "locale"), in_turns(CATALOGUE))
def test_each_exercise_runs_to_the_end_on_a_small_phone(
    page: Page, locale: str, exercise: str
) -> None:
    page.set_viewport_size(SMALL_PHONE)
    set_prefs(page, {"lockedBells": False})  # the bells rung on the page, not in a track
    open_player(page, locale, exercise)
    expect(page.locator("html")).to_have_attribute("lang", locale)
    changes = play_to_the_end(page)
    expect(page.locator("#player-end-title")).to_have_text(FINISHED[locale])
    assert fits_the_screen(page)
    assert page.evaluate("window.__bells") == changes, "the bell rings at every transition"
    (run,) = runs(page)
    assert run["exercise"] == exercise and run["status"] == "completed"
    assert run["before"] == 4 and run["after"] == 4, "rated before and after, like the core"
    assert run["notes"] == KEPT.get(exercise, {})


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_each_page_says_what_it_is_for_and_when_not_alone(
    page: Page, locale: str, output_dir: Path
) -> None:
    page.set_viewport_size(SMALL_PHONE)
    for exercise in CATALOGUE:
        page.goto(f"/{locale}/exercises/{exercise}")
        expect(page.locator(".purpose")).not_to_be_empty()
        expect(page.locator(".meta")).to_contain_text("min")
        # The warning has a heading of its own, so it cannot be read as an invitation.
        notice = page.locator("#exercise-info .notice")
        expect(notice.get_by_role("heading", name=NOT_ALONE[locale])).to_be_visible()
        expect(notice.locator("p")).not_to_be_empty()
        expect(page.locator("#start")).to_be_visible()
        assert fits_the_screen(page), exercise
        page.screenshot(path=output_dir / f"exercise-{exercise}-{locale}-360.png")


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_the_breathing_pacer_counts_under_reduced_motion(page: Page, locale: str) -> None:
    page.set_viewport_size(SMALL_PHONE)
    set_prefs(page, {"motion": "reduce", "ratings": False})
    open_player(page, locale, "paced-breathing")
    # Before the pacer, the person reads that light-headedness means stop.
    expect(page.locator("#player-text")).to_contain_text(
        "licht in je hoofd" if locale == "nl" else "light-headed"
    )
    wait_for_next(page)
    page.locator("#player-next").click()
    page.clock.run_for(seconds_left(page) * 1000 + 50)
    assert kind(page) == "breath"
    expect(page.locator(".breath-shape")).to_be_hidden()
    expect(page.locator(".breath-count")).to_be_visible()
    expect(page.locator(".breath-label")).to_have_text(
        "Adem in · Ademhaling 1 van 10" if locale == "nl" else "Breathe in · Breath 1 of 10"
    )
    page.clock.run_for(4_000)
    expect(page.locator(".breath-label")).to_contain_text("Adem uit" if locale == "nl" else "out")
    assert seconds_left(page) == 96, "ten breaths of 4 s in and 6 s out, 4 s of them gone"


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_welcome_says_it_can_hurt_and_keeps_the_way_back_close(page: Page, locale: str) -> None:
    page.set_viewport_size(SMALL_PHONE)
    open_player(page, locale, "welcome")
    way_out = page.locator(".way-out-ground")
    # The texts point to the way out by the words it begins with.
    expect(way_out).to_contain_text("Te veel?" if locale == "nl" else "Too much?")
    choose_rating(page, 4)
    expect(page.locator("#player-text")).to_contain_text(
        "kan pijn doen" if locale == "nl" else "can hurt"
    )
    for _ in range(20):
        expect(way_out).to_be_in_viewport()
        if page.locator("#player").get_attribute("data-key") == "closing":
            break
        if kind(page) == "timed":
            page.clock.run_for(seconds_left(page) * 1000 + 50)
        elif kind(page) == "note":
            page.locator(".note button[type=submit]").click()  # nothing written
        elif kind(page) == "rate":
            choose_rating(page, 4)
        else:
            wait_for_next(page)
            page.locator("#player-next").click()
    else:
        raise AssertionError("the exercise did not reach its closing")


def test_each_trait_waits_a_moment_before_next(page: Page) -> None:
    page.set_viewport_size(SMALL_PHONE)
    set_prefs(page, {"ratings": False})
    open_player(page, "en", "secure-traits")
    wait_for_next(page)
    page.locator("#player-next").click()
    for title in ("Trust", "Feeling what you feel"):
        expect(page.locator("#player-title")).to_have_text(title)
        expect(page.locator("#player-next")).to_be_hidden()
        expect(page.locator("#player-next-soon")).to_be_visible()
        page.clock.run_for(7_000)
        expect(page.locator("#player-next")).to_be_hidden()
        page.clock.run_for(1_100)
        expect(page.locator("#player-next")).to_be_visible()
        page.locator("#player-next").click()
