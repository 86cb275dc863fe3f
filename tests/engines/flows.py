"""What a person does in Houvast, written once for every engine (driver.Engine): the steps the
flows in test_flows.py are made of. Nothing here waits for real time to pass: a run is moved on
with the person's own controls (Next, the rating's Save)."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from tests.engines.driver import Engine

# The app's own store, imported from beside the page's entry script (pwa/js/store.js).
STORE = """async (call, ...args) => {
    const src = document.querySelector('script[type=module][src*="/js/"]').src;
    const store = await import(new URL('store.js', src.replace(/\\/js\\/online\\//, '/js/')));
    return store[call](...args);
}"""
PLAYER_STATE = """() => {
    const player = document.getElementById('player');
    const end = document.getElementById('player-end');
    if (end && !end.hidden) return {end: true};
    if (!player || player.hidden || player.dataset.index === undefined) return null;
    return {index: player.dataset.index, kind: player.dataset.kind, key: player.dataset.key};
}"""
WORKER_CONTROLS = "() => navigator.serviceWorker.controller !== null"


def runs(engine: Engine) -> list[dict[str, Any]]:
    """The runs kept on this device, newest first."""
    found: list[dict[str, Any]] = engine.evaluate(STORE, "allRuns")
    return found


def turn_ratings_on(engine: Engine, url: str, locale: str = "nl") -> None:
    """In the settings, as a person would: ratings before and after, saved."""
    engine.goto(f"{url}/{locale}/settings")
    engine.wait_for("() => document.getElementById('ratings') !== null", what="the settings")
    if not engine.evaluate("() => document.getElementById('ratings').checked"):
        engine.click("#ratings")
    engine.click("#settings-form button[type=submit]")
    engine.wait_for(
        "() => JSON.parse(localStorage.getItem('houvast.prefs') || '{}').ratings === true",
        what="the ratings to be saved",
    )


def start(engine: Engine) -> None:
    """Tap Start on an exercise's page; the player takes the screen."""
    engine.wait_for(
        "() => document.getElementById('start')?.getAttribute('role') === 'button'",
        what="Start to become the player's button",
    )
    engine.click("#start")
    engine.wait_for(PLAYER_STATE, what="the player")


def rate(engine: Engine, value: int) -> None:
    """Tap a number on the rating (its label: the radio is drawn as a button) and save."""
    engine.click(f".rating .rating-choice:nth-child({value + 1})")
    engine.wait_for(
        "(value) => document.querySelector('.rating input:checked')?.value === String(value)",
        value,
        what=f"rating {value} to be chosen",
    )
    engine.click(".rating button[type=submit]")


def play_to_the_end(engine: Engine, ratings: tuple[int, int] = (4, 3)) -> int:
    """Play the exercise on the screen to its end, moving on with Next; ``ratings`` are the
    before and after. Returns the number of steps shown."""
    for shown in range(1, 100):
        state = engine.wait_for(PLAYER_STATE, what="a step or the end")
        if state.get("end"):
            return shown - 1
        if state["kind"] == "rate":
            rate(engine, ratings[0] if state["key"] == "before" else ratings[1])
        else:
            engine.wait_for(
                "() => !document.getElementById('player-next').hidden",
                what=f"Next on step {state['key']}",
            )
            engine.click("#player-next")
        engine.wait_for(
            f"() => ({PLAYER_STATE})()?.index !== {state['index']!r}",
            what=f"the step after {state['key']}",
        )
    raise AssertionError("the exercise did not end")


def open_app(engine: Engine, url: str, path: str = "/nl/") -> None:
    """A first visit. In WebKitGTK the bells ring from Web Audio, not the audio track: its
    GStreamer media pipeline, with no sound device here, can stall the page for good when a
    track's source changes at every step (the track itself is tested in Chromium)."""
    engine.goto(f"{url}{path}")
    if engine.name == "webkit":
        engine.evaluate(
            "() => localStorage.setItem('houvast.prefs', JSON.stringify({lockedBells: false}))"
        )


def set_link(title: str, items: list[list[Any]], locale: str = "nl") -> str:
    """The fragment of a set link (``#s=1.``…), as the set builder makes it: the set as JSON,
    deflated and in base64url (pwa/js/online/set-link.js reads it)."""
    compressor = zlib.compressobj(wbits=-15)
    data = compressor.compress(json.dumps([title, "", locale, items]).encode())
    data += compressor.flush()
    return "#s=1." + base64.urlsafe_b64encode(data).decode().rstrip("=")


def keep_and_play_first(engine: Engine, title: str) -> None:
    """On the set page of a set just opened: keep it, then play its first exercise."""
    engine.wait_for(
        "(title) => document.getElementById('set-heading')?.textContent === title",
        title,
        what="the set",
    )
    engine.click("#set-keep")
    engine.wait_for(
        "() => document.getElementById('set-status')?.textContent.includes('Bewaard')",
        what="the set to be kept",
    )
    engine.click(".set-items > li a")
    start_or_running(engine)
    play_to_the_end(engine)


def start_or_running(engine: Engine) -> None:
    """A link with #start starts the player by itself; without, tap Start."""
    if not engine.evaluate("() => location.hash === '#start'"):
        start(engine)
    engine.wait_for(PLAYER_STATE, what="the player")
