"""The bells as one audio track, so they keep their time with the screen locked: the track is
decoded in the browser and every bell must start within 20 ms of its step change, whatever the
person does; the track, the lock screen and the player stay in step (track_helpers.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_on_frozen_clock, console_errors, one_language
from tests.browser.track_helpers import (
    GROUNDING_BELLS,
    assert_bells,
    index,
    set_prefs,
    start_run,
    track,
    upcoming,
)


def later(bells: list[int], ms: int) -> list[int]:
    """The bells still ahead `ms` into a run whose bells fall at `bells`."""
    return [bell - ms for bell in bells if bell > ms]


@one_language("nl")
def test_each_bell_falls_where_its_step_changes(page: Page, locale: str) -> None:
    start_run(page, locale, "grounding")
    found = track(page)
    assert found["type"] == "audio/wav" and found["rate"] == 8000
    # One byte a sample at 8 kHz: the whole timed stretch, 140 s and the last bell's fade.
    assert found["ms"] == 143_000 and found["bytes"] == 143 * 8000 + 58
    assert_bells(upcoming(page), GROUNDING_BELLS)
    # Screen and track agree: the step changes as the bell starts, at every step.
    elapsed = 0
    for step, bell in enumerate(GROUNDING_BELLS, start=1):
        page.clock.run_for(bell - elapsed)
        elapsed = bell
        assert index(page) == step
        now = track(page)
        assert min(abs(onset - now["at"]) for onset in now["onsets"]) <= 50
    expect(page.locator("#player")).to_have_attribute("data-kind", "rate")
    results = axe_on_frozen_clock(page)
    assert results.violations_count == 0, results.generate_report()


@one_language("en")
def test_pause_holds_the_track_and_resume_keeps_every_bell_on_time(page: Page, locale: str) -> None:
    start_run(page, locale, "grounding")
    page.clock.run_for(5_000)
    page.locator("#player-pause").click()
    expect(page.locator("#player-paused")).to_be_visible()
    page.clock.run_for(600_000)
    assert track(page)["paused"] and abs(track(page)["at"] - 5_000) <= 1
    page.locator("#player-pause").click()
    expect(page.locator("#player-paused")).to_be_hidden()
    assert not track(page)["paused"]
    assert_bells(upcoming(page), later(GROUNDING_BELLS, 5_000))
    page.clock.run_for(15_000)
    assert index(page) == 1
    assert_bells(upcoming(page), [0, *later(GROUNDING_BELLS, 20_000)])


def test_next_and_back_ring_at_once_and_move_every_bell_after(page: Page) -> None:
    start_run(page, "en", "grounding")
    page.clock.run_for(5_000)
    page.locator("#player-next").click()
    assert index(page) == 1
    # A bell now, then the second step's 30 s, and the rest as planned.
    assert_bells(upcoming(page), [0, *later(GROUNDING_BELLS, 20_000)])
    page.clock.run_for(12_000)
    page.locator("#player-back").click()
    assert index(page) == 0
    assert_bells(upcoming(page), [0, *GROUNDING_BELLS])
    page.clock.run_for(20_000)
    assert index(page) == 1
    assert_bells(upcoming(page), [0, *later(GROUNDING_BELLS, 20_000)])


def test_a_tap_before_the_bell_is_ready_starts_the_sound_and_the_track_follows(page: Page) -> None:
    page.add_init_script("window.__holdBell = true")
    start_run(page, "en", "grounding", expect_track=False, tap=True)
    # Within the tap: a moment of silence plays, so the browser lets the track play later.
    first = track(page)
    assert first["ms"] == 100 and first["onsets"] == [] and not first["paused"]
    page.clock.run_for(2_000)
    page.evaluate("window.__releaseBell()")
    page.wait_for_function("() => window.__audio.at(-1).src !== '' && window.__blobs.size > 1")
    assert track(page)["elements"] == 1
    assert_bells(upcoming(page), later(GROUNDING_BELLS, 2_000))


def test_a_changed_duration_moves_the_bells(page: Page) -> None:
    set_prefs(page, {"overrides": {"grounding": {"feet-floor.duration": 45}}})
    start_run(page, "en", "grounding")
    assert_bells(upcoming(page), [bell + 25_000 for bell in GROUNDING_BELLS])


def test_a_reload_picks_the_track_up_where_the_run_is(page: Page) -> None:
    start_run(page, "en", "grounding")
    page.clock.run_for(25_000)
    # The person lengthens the second step in settings, then comes back to the run.
    page.evaluate(
        "localStorage.setItem('houvast.prefs', JSON.stringify("
        "{overrides: {grounding: {'what-see.duration': 60}}}))"
    )
    page.evaluate("window.__refusePlay = true")  # as after a reload: no sound before a tap
    page.add_init_script("window.__refusePlay = true")
    page.reload()
    expect(page.locator("#player")).to_have_attribute("data-index", "1")
    page.wait_for_function("() => window.__audio.length > 0")
    assert track(page)["paused"], "nothing sounds before the person taps"
    page.evaluate("window.__refusePlay = false")
    page.locator("#player-title").click()
    # 5 s into a step of 60 s: the track starts here, not at the run's beginning.
    assert not track(page)["paused"]
    assert_bells(upcoming(page), [55_000, 75_000, 95_000, 115_000, 145_000])


def test_a_tap_on_the_big_button_rings_and_moves_the_bells_after_it(page: Page) -> None:
    start_run(page, "en", "stop-solo", {"ratings": False})
    page.locator("#player-next").click()  # past the text that waits
    page.clock.run_for(30_000)  # settle
    expect(page.locator(".action-button")).to_have_text("STOP")
    # This step's bell, then the button waits 45 s at most; then 30 s to notice, and a round
    # of 45 + 30 s again.
    assert_bells(upcoming(page)[:4], [0, 45_000, 75_000, 120_000])
    page.clock.run_for(8_000)
    page.locator(".action-button").click()
    assert_bells(upcoming(page)[:4], [0, 30_000, 75_000, 105_000])
    page.clock.run_for(30_000)
    expect(page.locator(".action-button")).to_be_visible()
    assert_bells(upcoming(page)[:3], [0, 45_000, 75_000])


def test_a_track_that_drifts_is_put_back_between_bells_not_during_one(page: Page) -> None:
    start_run(page, "en", "grounding")
    page.clock.run_for(5_000)
    # The audio runs 300 ms behind the run's clock (a slow start, a busy phone).
    page.evaluate("window.__audio.at(-1).currentTime -= 0.3")
    page.clock.run_for(1_000)
    assert abs(track(page)["at"] - 6_000) <= 25
    # In a bell, the playhead is left alone: moving it would cut the bell.
    page.clock.run_for(14_500)
    page.evaluate("window.__audio.at(-1).currentTime -= 0.3")
    page.clock.run_for(1_000)
    assert abs(track(page)["at"] - 21_200) <= 1
    page.clock.run_for(3_000)  # the bell has faded: back in step
    assert abs(track(page)["at"] - 24_500) <= 25


def test_a_track_that_is_slow_to_play_on_after_a_move_is_moved_further(page: Page) -> None:
    start_run(page, "en", "grounding")
    started = page.evaluate("Date.now()")
    page.evaluate("window.__seekStall = 100")  # as Chromium takes about 100 ms
    page.clock.run_for(4_000)
    page.evaluate("window.__audio.at(-1).currentTime -= 0.3")
    page.clock.run_for(3_300)
    # Between two of the player's ticks, so the last move has had time to play on.
    assert abs(track(page)["at"] - 7_300) <= 25
    for moment in (8_700, 11_450, 13_900):
        page.clock.run_for(started + moment - page.evaluate("Date.now()"))
        assert abs(track(page)["at"] - moment) <= 25, "and it stays in step"


def test_the_track_keeps_the_player_in_step_when_its_timers_are_held(page: Page) -> None:
    """A locked phone holds back the page's timers while the track plays on: the track's own
    progress (the element's timeupdate) moves the player to the next step and cues it."""
    page.add_init_script("navigator.vibrate = () => { window.__vibrations += 1; return true; }")
    page.add_init_script("window.__vibrations = 0")
    start_run(page, "en", "grounding", {"vibration": True})
    # 21 s pass, but no timer runs (set_system_time moves the clock without firing them).
    page.clock.set_system_time(page.evaluate("Date.now()") / 1000 + 21)
    assert index(page) == 0, "without timers or the track, the player stands still"
    page.evaluate("window.__audio.at(-1).dispatchEvent(new Event('timeupdate'))")
    assert index(page) == 1
    assert page.evaluate("window.__vibrations") == 1
    # The track played on meanwhile: its first bell sounded a second ago, with the step change.
    found = track(page)
    assert abs(found["at"] - 21_000) <= 25
    assert_bells(found["onsets"], GROUNDING_BELLS)


def test_a_long_run_starts_with_ten_minutes_and_is_extended_in_time(page: Page) -> None:
    # Sensing the body with every step at its longest: about 30 minutes of timed steps.
    longest = {
        "points-contact.duration": 180,
        "breath.duration": 180,
        "resting-place.duration": 120,
        "feet-legs.duration": 180,
        "pause-legs.duration": 90,
        "belly-back.duration": 180,
        "pause-belly.duration": 90,
    }
    start_run(page, "en", "body-scan", {"ratings": False, "overrides": {"body-scan": longest}})
    page.clock.run_for(5_000)  # the first text's minimum pause
    page.locator("#player-next").click()
    first = track(page)
    assert first["ms"] <= 10 * 60_000 + 3_000, "a long stretch is not made all at once"
    # Next rings; steps of 180, 180, 120, 180, 90, 180 and 90 s: bells at 3, 6 and 8 minutes.
    assert_bells(upcoming(page), [0, 180_000, 360_000, 480_000])
    page.clock.run_for(9 * 60_000 + 30_000)
    extended = track(page)
    assert extended["elements"] == 1, "one element all along, for the lock screen"
    assert extended["at"] < 60_000, "a new track, made ahead of the end of the first"
    # 9.5 minutes in: the bells at 11, 12.5, 15.5 and 17 minutes, 90 s from now and on.
    assert_bells(upcoming(page)[:4], [90_000, 180_000, 360_000, 450_000])


def test_the_lock_screen_shows_the_step_and_drives_the_player(page: Page) -> None:
    # Safari's audio session, which Chromium lacks: the track asks to play as media.
    page.add_init_script(
        "Object.defineProperty(navigator, 'audioSession', {value: {type: 'auto'}})"
    )
    start_run(page, "en", "grounding")
    assert page.evaluate("navigator.audioSession.type") == "playback"
    metadata = page.evaluate(
        "(({title, artist, album, artwork}) => ({title, artist, album, art: artwork.length}))"
        "(navigator.mediaSession.metadata)"
    )
    assert metadata == {
        "title": page.locator("#player-title").inner_text(),
        "artist": page.locator("h1").inner_text(),
        "album": "Houvast",
        "art": 1,
    }
    assert page.evaluate("navigator.mediaSession.playbackState") == "playing"
    page.clock.run_for(3_000)
    page.evaluate("window.__media.pause()")
    expect(page.locator("#player-pause")).to_have_text("Resume")
    assert track(page)["paused"]
    assert page.evaluate("navigator.mediaSession.playbackState") == "paused"
    page.clock.run_for(60_000)
    page.evaluate("window.__media.play()")
    expect(page.locator("#player-pause")).to_have_text("Pause")
    assert_bells(upcoming(page), later(GROUNDING_BELLS, 3_000))
    page.evaluate("window.__media.nexttrack()")
    assert index(page) == 1
    assert (
        page.evaluate("navigator.mediaSession.metadata.title")
        == page.locator("#player-title").inner_text()
    )
    assert_bells(upcoming(page), [0, *later(GROUNDING_BELLS, 20_000)])
    # No scrubbing through the track: it would leave the run behind.
    assert page.evaluate("window.__media.seekto") is None


def test_the_lock_screen_cannot_skip_what_the_screen_would_not(page: Page) -> None:
    start_run(page, "en", "stop-partner")
    expect(page.locator(".rating")).to_be_visible()
    page.evaluate("window.__media.nexttrack()")  # a rating waits for the person's answer
    expect(page.locator(".rating")).to_be_visible()
    page.locator(".rating").get_by_role("button", name="Skip").click()
    # A text with a minimum pause: Next comes after it, on the screen and on the lock screen.
    expect(page.locator("#player-next")).to_be_hidden()
    page.evaluate("window.__media.nexttrack()")
    assert index(page) == 1
    page.evaluate("window.__media.pause()")  # nothing runs on a step that waits
    expect(page.locator("#player-paused")).to_be_hidden()
    page.clock.run_for(15_500)  # the agreement's minimum pause is 15 s
    page.evaluate("window.__media.nexttrack()")
    assert index(page) == 2


def test_stop_ends_the_track_and_the_lock_screen_control(page: Page) -> None:
    start_run(page, "en", "grounding")
    page.locator("#player-stop").click()
    assert page.evaluate("window.__audio.at(-1).paused")
    assert page.evaluate("window.__audio.at(-1).getAttribute('src')") is None
    assert page.evaluate("navigator.mediaSession.metadata") is None
    assert page.evaluate("navigator.mediaSession.playbackState") == "none"


@pytest.mark.parametrize("prefs", [{"lockedBells": False}, {"bell": False}, {"volume": 0}])
def test_no_track_unless_the_bell_sounds_and_the_person_wants_it(
    page: Page, prefs: dict[str, object]
) -> None:
    start_run(page, "en", "grounding", prefs, expect_track=False)
    page.clock.run_for(21_000)
    assert index(page) == 1
    assert page.evaluate("window.__audio.length") == 0
    assert page.evaluate("navigator.mediaSession.metadata") is None


# Notes every element that is asked to play; the real play() runs.
RECORD_AUDIO = """
(() => {
  window.__audio = [];
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    window.__audio.push(this);
    return play.call(this);
  };
})();
"""


def test_the_real_track_loads_and_plays_under_the_content_security_policy(page: Page) -> None:
    errors = console_errors(page)
    page.add_init_script(RECORD_AUDIO)
    page.goto("/en/exercises/grounding")
    page.locator("#start").click()  # the person's tap lets the sound start
    page.wait_for_function(
        "() => { const a = window.__audio.at(-1);"
        " return a && a.readyState >= 3 && !a.paused && a.error === null; }"
    )
    assert page.evaluate("window.__audio.at(-1).src").startswith("blob:")
    assert not [e for e in errors if "Permissions-Policy" not in e], errors
