"""The core flows in WebKit and in Firefox (each test runs in both: conftest.engine). Every flow
has the app on an origin of its own, so it starts as a first visit."""

from __future__ import annotations

from starlette.testclient import TestClient

from server.app import create_app
from tests.engines.conftest import Site
from tests.engines.driver import Engine
from tests.engines.flows import (
    PLAYER_STATE,
    WORKER_CONTROLS,
    keep_and_play_first,
    open_app,
    play_to_the_end,
    rate,
    runs,
    set_link,
    start,
    turn_ratings_on,
)
from tests.therapist import create_set, make_therapist, share
from tests.worker import CACHED_DIGESTS, served_digests

FOUR_S = "Veilig, gezien, getroost, geborgen"
PIN = "2468"
# The history is kept out of sight (not [hidden]: its space is kept) until it has been read.
HISTORY_HIDDEN = "() => getComputedStyle(document.getElementById('history')).visibility == 'hidden'"


def test_an_exercise_with_ratings_is_played_to_the_end_and_kept(engine: Engine, site: Site) -> None:
    open_app(engine, site.url)
    engine.wait_visible("main a", FOUR_S)
    turn_ratings_on(engine, site.url)
    engine.goto(f"{site.url}/nl/")
    engine.click_text("main a", FOUR_S)
    start(engine)
    steps = play_to_the_end(engine, ratings=(4, 3))
    assert steps == 21, steps  # both ratings, the 18 steps and the closing
    assert engine.text("#player-end-title") == (
        "De oefening is klaar. Neem de tijd voordat je verdergaat."
    )
    [run] = runs(engine)
    assert (run["exercise"], run["status"], run["before"], run["after"]) == (
        "four-s",
        "completed",
        4,
        3,
    )
    engine.goto(f"{site.url}/nl/history")
    engine.wait_visible(".history-run", FOUR_S)


def test_after_the_first_visit_the_app_works_with_the_server_gone(
    engine: Engine, site: Site
) -> None:
    open_app(engine, site.url)
    engine.wait_for(WORKER_CONTROLS, what="the service worker")
    site.stop()  # offline for real: nothing answers on the app's address any more
    engine.reload()
    engine.wait_visible("main a", FOUR_S)
    assert engine.evaluate(WORKER_CONTROLS)
    engine.goto(f"{site.url}/nl/exercises/four-s")
    start(engine)
    play_to_the_end(engine)
    assert [run["status"] for run in runs(engine)] == ["completed"]


def test_the_pages_the_worker_built_are_the_servers_bytes(engine: Engine, site: Site) -> None:
    """The worker builds the exercise pages and app.json from the exercises' documents
    (server/exercise_documents.py): in this engine too, byte for byte what the server sends."""
    open_app(engine, site.url)
    engine.wait_for(WORKER_CONTROLS, what="the service worker")
    built = [p for p in site.app.paths if "/exercises/" in p or p.endswith("app.json")]
    assert built == ["/nl/app.json"], "only the page asked for one of them: the worker built them"
    served = served_digests(site.url, "/sw.js")
    assert "/en/exercises/stop-partner" in served
    assert engine.evaluate(CACHED_DIGESTS, list(served)) == served


def test_a_set_from_a_link_is_kept_and_played(engine: Engine, site: Site) -> None:
    open_app(engine, site.url)
    # Opened at once, while the service worker is still taking control of this first visit.
    title = "Tussen de sessies"
    engine.goto(f"{site.url}/nl/set" + set_link(title, [["four-s", {}, "Elke ochtend"]]))
    keep_and_play_first(engine, title)
    [run] = runs(engine)
    assert (run["exercise"], run["status"]) == ("four-s", "completed")
    assert run["set"], "the run belongs to the kept set"


def test_a_therapists_set_is_kept_and_played(engine: Engine, site: Site) -> None:
    with TestClient(create_app(site.settings, dispatch=False), follow_redirects=False) as client:
        therapist = make_therapist(client, "set@example.org")
        set_id = create_set(therapist, title="Avonden", locale="nl")
        link, _token, _code = share(therapist, set_id)
    assert link.startswith(f"{site.url}/nl/set#t="), link
    open_app(engine, site.url)
    engine.goto(link)
    keep_and_play_first(engine, "Avonden")
    [run] = runs(engine)
    assert (run["exercise"], run["status"]) == ("grounding", "completed")
    assert run["set"]


def test_a_pin_is_set_and_the_history_asks_for_it(engine: Engine, site: Site) -> None:
    open_app(engine, site.url, "/nl/settings")
    engine.click(".pin-choose summary")
    engine.type("#pin-new", PIN)
    engine.type("#pin-again", PIN)
    engine.click(".pin-choose button[type=submit]")
    engine.wait_for(
        "() => document.getElementById('pin-status')?.textContent.includes('vergrendeld')",
        what="the PIN to be saved",
    )
    engine.goto(f"{site.url}/nl/history")
    engine.wait_visible("#pin-enter")
    assert engine.evaluate(HISTORY_HIDDEN), "the history waits for the PIN"
    engine.type("#pin-enter", "1357")
    engine.click("form:has(#pin-enter) button[type=submit]")
    engine.wait_visible("#pin-enter-error", "pincode klopt niet")
    engine.type("#pin-enter", PIN)
    engine.click("form:has(#pin-enter) button[type=submit]")
    engine.wait_for(f"() => !({HISTORY_HIDDEN})()", what="the history")
    assert engine.evaluate("() => document.getElementById('pin-enter') === null")


def test_the_way_out_ends_the_run_and_starts_grounding(engine: Engine, site: Site) -> None:
    open_app(engine, site.url, "/nl/exercises/four-s")
    start(engine)
    rate(engine, 5)
    engine.wait_for(f"() => ({PLAYER_STATE})()?.key === 'arrive'", what="the first step")
    engine.click(".way-out-ground")
    engine.wait_for(
        "() => location.pathname.endsWith('/exercises/grounding') && location.hash === '#start'"
        " && document.querySelector('h1')?.textContent === 'Hier en nu'"
        " && document.getElementById('player')?.dataset.index === '0'",
        what="grounding to start",
    )
    [run] = engine.wait_for(
        f"async () => {{ const runs = await ({STORE_RUNS})(); return runs.length ? runs : null; }}",
        what="the stopped run to be kept",
    )
    assert (run["exercise"], run["status"], run["before"]) == ("four-s", "stopped", 5)


STORE_RUNS = """async () => {
    const src = document.querySelector('script[type=module][src*="/js/"]').src;
    return (await import(new URL('store.js', src))).allRuns();
}"""
# Keeps what the page hands to the browser as a download (dom.js download()), and stops the
# download itself: a test has no one to answer a save dialog.
CATCH_DOWNLOADS = """() => {
    window.downloaded = [];
    const make = URL.createObjectURL;
    URL.createObjectURL = (blob) => { window.downloaded.push(blob); return make(blob); };
    HTMLAnchorElement.prototype.click = function () {};
}"""


def test_without_push_the_reminders_page_offers_a_calendar_file(engine: Engine, site: Site) -> None:
    open_app(engine, site.url, "/nl/reminders")
    engine.wait_for(
        "() => document.getElementById('reminders').classList.contains('ready')",
        what="the reminders",
    )
    engine.click('label[for="day-1"]')
    engine.evaluate("() => { document.getElementById('reminder-time').value = '08:30'; }")
    engine.click("#reminder-submit")
    engine.wait_visible("#reminder-list li", "08:30")
    push = engine.evaluate("() => 'PushManager' in window")
    if push:
        # Firefox has push, but a browser run by a test gets no permission: the person taps,
        # the page says it did not work out and offers the calendar instead.
        engine.click("#push-on")
    engine.wait_for("() => !document.getElementById('calendar').hidden", what="the calendar")
    said = engine.text("#push-text" if not push else "#delivery-status")
    assert said.strip(), "the page says why there are no notifications"
    engine.evaluate(CATCH_DOWNLOADS)
    engine.click("#calendar-download")
    calendar = engine.wait_for(
        "async () => window.downloaded.length ? await window.downloaded[0].text() : null",
        what="the calendar file",
    )
    assert calendar.startswith("BEGIN:VCALENDAR"), calendar[:200]
    assert "houvast.ics" in engine.text("#delivery-status")


def test_a_plan_is_written_and_reached_from_a_run(engine: Engine, site: Site) -> None:
    open_app(engine, site.url, "/nl/plan")
    # The first visit stores the app for offline use, then says so, and offers no update: WebKit
    # puts the worker in charge before it says it is installed (app.js).
    engine.wait_visible("#offline-ready")
    assert engine.evaluate("() => document.getElementById('update-banner').hidden")
    engine.click("#plan-change")
    engine.wait_visible("#plan-form")
    engine.type("#too-much", "Mijn hart gaat tekeer")
    engine.click("#exercise-grounding")
    engine.type("#people-0-name", "Sanne")
    engine.type("#people-0-number", "06 1234 5678")
    engine.click("#plan-form button[type=submit]")
    engine.wait_visible("#plan-view a[href='tel:0612345678']", "Bel Sanne")
    engine.wait_visible("#plan-view a[href$='/exercises/grounding#start']")
    # In the middle of a run the way-out bar holds the plan; the run waits for the person.
    engine.goto(f"{site.url}/nl/exercises/four-s")
    start(engine)
    rate(engine, 5)
    engine.wait_for(f"() => ({PLAYER_STATE})()?.key === 'arrive'", what="the first step")
    engine.wait_visible(".way-out-plan", "Mijn plan")
    engine.click(".way-out-plan")
    engine.wait_for(
        "() => location.pathname.endsWith('/plan')"
        " && document.querySelector(\"#plan-view a[href='tel:0612345678']\") !== null",
        what="the plan",
    )
    run = engine.evaluate(
        "() => Object.values(sessionStorage).map((v) => { try { return JSON.parse(v); }"
        " catch { return null; } }).find((v) => v && v.exercise === 'four-s')"
    )
    assert run["status"] == "running" and run["pausedAt"] is not None, run


def test_an_exercise_page_says_the_length_of_the_run_with_own_timings(
    engine: Engine, site: Site
) -> None:
    open_app(engine, site.url, "/nl/exercises/paced-breathing")
    engine.evaluate(
        "() => localStorage.setItem('houvast.prefs', JSON.stringify({lockedBells: false,"
        " overrides: {'paced-breathing': {'breathe-along.cycles': 3, 'own-rhythm.duration': 30}}}))"
    )
    engine.reload()
    # The words come from Intl (units, plural rules) in the engine itself.
    engine.wait_visible("#steps .step-detail", "3 ademhalingen")
    engine.wait_visible("#steps .step-detail", "30 seconden")
    # 151 seconds where the defaults take 231: "Ongeveer 4 minuten" without the script.
    engine.wait_visible("#exercise-info .meta", "Ongeveer 3 minuten")
