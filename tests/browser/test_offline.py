"""Installed and offline: the service worker, installability, updates and the static export.

These tests use a persistent browser profile, as an installed app has (an ordinary context is
incognito and never installable).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from server.app import create_app
from server.assets import PWA_DIR
from server.exercises import load_exercises
from server.settings import PROJECT_ROOT
from tests.browser.conftest import freeze_clock
from tests.browser.test_player import play_to_the_end
from tests.conftest import isolated_settings
from tests.live_server import LiveServer, Recording, StaticServer
from tests.worker import CACHED_DIGESTS, served_digests

EXERCISE_IDS = list(load_exercises(PROJECT_ROOT / "exercises"))
WAIT_SECONDS = 20
# Between them every step kind (text, timed, breath, rounds, action, rate, note, scale) and the
# five exercises added last.
PLAYED_OFFLINE = (
    "grounding",
    "stop-solo",
    "in-the-middle",
    "orienting",
    "then-and-now",
    "your-window",
    "receiving-support",
    "protective-part",
)
HOUVAST = str(Path(sys.executable).parent / "houvast")


def wait_until(page: Page, script: str, what: str) -> Any:
    """Poll a script until it returns something truthy; fail (never hang) after a while.

    The pages' policy forbids eval, which Playwright's wait_for_function needs.
    """
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = page.evaluate(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def controlled(page: Page) -> None:
    """Wait until the service worker has installed (every precached file loaded) and runs
    the page. If a precached URL failed, installation fails and this times out with a message."""
    wait_until(page, "navigator.serviceWorker.controller !== null", "the service worker")


def read_notice(page: Page, text: str) -> None:
    """Wait for the notice saying ``text``, closing those that come before it (one notice
    shows at a time, in the order they arose: the install offer may come first)."""
    shown = page.locator(".app-notices .banner:visible")
    for _ in range(4):
        expect(shown).to_have_count(1, timeout=WAIT_SECONDS * 1000)
        if text in shown.inner_text():
            return
        shown.get_by_role("button").last.click()
    raise AssertionError(f"no notice saying {text!r}")


def installability_errors(context: BrowserContext, page: Page) -> list[dict[str, Any]]:
    cdp = context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    manifest = cdp.send("Page.getAppManifest")
    assert manifest.get("errors", []) == [], manifest["errors"]
    return errors


def stored_as_served(page: Page, origin: str, worker: str) -> list[str]:
    """Every response the worker stored, those it built from the exercises' documents too (the
    exercise pages, app.json), is byte for byte what the server sends; the URLs it stored."""
    served = served_digests(origin, worker)
    assert page.evaluate(CACHED_DIGESTS, list(served)) == served
    return list(served)


def visit_offline(page: Page, home: str, page_url: Any, *, play: bool = True) -> None:
    """With no network at all: every exercise page of both languages, every exercise run to the
    end (in one language, the languages taking turns; started and stopped in the other), the
    plan for hard moments, and the runs in the history. Played to the end: PLAYED_OFFLINE, which
    hold every step kind; every exercise is played to the end online in test_catalogue.py and
    walked step by step in both languages in test_large_text.py. ``play=False`` (the export,
    whose pages are the same) plays grounding only."""
    page.context.set_offline(True)
    response = page.reload()
    assert response is not None and response.from_service_worker
    freeze_clock(page)
    for i, exercise_id in enumerate(EXERCISE_IDS):
        for turn, locale in enumerate(("nl", "en") if i % 2 else ("en", "nl")):
            response = page.goto(page_url(locale, f"exercises/{exercise_id}"))
            assert response is not None and response.ok and response.from_service_worker
            expect(page.locator("html")).to_have_attribute("lang", locale)
            expect(page.locator("#player")).to_be_attached()
            page.get_by_role("button", name="Start" if locale == "en" else "Beginnen").click()
            expect(page.locator("#player")).to_be_visible()
            if turn == 0 and exercise_id in (PLAYED_OFFLINE if play else ("grounding",)):
                play_to_the_end(page)
            else:
                page.locator("#player-stop").click()
    for locale in ("nl", "en"):
        response = page.goto(page_url(locale, "plan"))
        assert response is not None and response.ok and response.from_service_worker
        expect(page.locator(".plan-always a[href='tel:113']")).to_be_visible()
    page.goto(page_url("en", "history"))
    # Every run was kept: the list shows the newest first, a page at a time.
    expect(page.locator("#history-more")).to_contain_text(f"({2 * len(EXERCISE_IDS) - 10} left)")
    expect(page.locator(".history-run")).to_have_count(10)
    page.goto(page_url("en", "exercises/not-stored"))
    expect(page.locator("h1")).to_have_text("You are offline")
    page.goto(page_url("nl", "nergens"))
    expect(page.locator("h1")).to_have_text("Je bent offline")


def test_the_app_installs_and_works_offline(profile: BrowserContext, tmp_path: Path) -> None:
    app = Recording(create_app(isolated_settings(tmp_path), dispatch=False))
    with LiveServer(app) as url:
        page = profile.new_page()
        page.goto(f"{url}/nl/")
        controlled(page)
        read_notice(page, "Houvast staat nu op dit apparaat")
        assert installability_errors(profile, page) == []
        # The worker built the exercise pages and app.json from their documents (it asked
        # the server for none of them), and they are the server's very bytes.
        built = [p for p in app.paths if "/exercises/" in p or p.endswith("/app.json")]
        assert built == ["/nl/app.json"], "only the page's own script asked for app.json"
        stored = stored_as_served(page, url, "/sw.js")
        assert "/en/exercises/stop-partner" in stored and "/nl/app.json" in stored
        visit_offline(page, url, lambda locale, path: f"{url}/{locale}/{path}")


def test_the_export_works_offline_under_a_sub_path(profile: BrowserContext, tmp_path: Path) -> None:
    # As an operator would: the command, not the function (which also keeps asyncio apart).
    subprocess.run(
        [HOUVAST, "export", str(tmp_path / "site" / "houvast"), "--base-path", "/houvast/"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with StaticServer(tmp_path / "site") as url:
        page = profile.new_page()
        page.goto(f"{url}/houvast/")
        expect(page).to_have_url(f"{url}/houvast/en/")  # the browser speaks English
        controlled(page)
        assert installability_errors(profile, page) == []
        # The shells the worker builds pages from carry the sub path: still the very bytes.
        assert "/houvast/en/exercises/grounding/" in stored_as_served(page, url, "/houvast/sw.js")
        visit_offline(page, url, lambda locale, path: f"{url}/houvast/{locale}/{path}/", play=False)


def test_an_update_waits_for_the_person_and_keeps_the_history(
    profile: BrowserContext, tmp_path: Path
) -> None:
    pwa = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, pwa)
    settings = isolated_settings(tmp_path)
    server = LiveServer(create_app(settings, pwa_dir=pwa, dispatch=False))
    with server as url:
        port = server.server.servers[0].sockets[0].getsockname()[1]
        page = profile.new_page()
        page.goto(f"{url}/en/history")
        controlled(page)
        page.evaluate(
            """async () => {
                const src = document.querySelector('script[type=module]').src;
                const store = await import(new URL('store.js', src));
                await store.addRun({id: 'kept', exercise: 'grounding', set: null,
                    startedAt: '2026-11-20T09:00:00.000Z', seconds: 150, status: 'completed',
                    before: 6, after: 3, notes: {}});
            }"""
        )
        old_css = page.locator("link[rel=stylesheet]").get_attribute("href")
        # What belongs to the person (a set they keep) lives in a cache of its own.
        page.evaluate(
            """async () => {
                const mine = await caches.open('houvast-sets');
                await mine.put('/kept-set', new Response('mine'));
            }"""
        )

    css = pwa / "css" / "app.css"
    css.write_text(css.read_text() + "\n.update-marker { display: none; }\n")
    with LiveServer(create_app(settings, pwa_dir=pwa, dispatch=False), port=port):
        page.reload()
        read_notice(page, "A new version of Houvast is ready.")
        # The page keeps running the old version until the person says so.
        assert page.locator("link[rel=stylesheet]").get_attribute("href") == old_css
        other_tab = profile.new_page()
        other_tab.goto(f"{url}/en/about")
        read_notice(other_tab, "A new version of Houvast is ready.")
        with page.expect_navigation():
            page.get_by_role("button", name="Update now").click()
        new_css = page.locator("link[rel=stylesheet]").get_attribute("href")
        assert new_css != old_css
        expect(page.locator("#update-banner")).to_be_hidden()
        # The other tab is under the new version now: it offers no update that is done.
        expect(other_tab.locator("#update-banner")).to_be_hidden()
        other_tab.close()
        expect(page.locator("main")).to_contain_text("Here and now")
        runs = page.evaluate(
            """async () => {
                const src = document.querySelector('script[type=module]').src;
                const store = await import(new URL('store.js', src));
                return store.allRuns();
            }"""
        )
        assert [run["id"] for run in runs] == ["kept"]
        names = page.evaluate("caches.keys()")
        assert "houvast-sets" in names, "an update keeps the person's own caches"
        app_caches = [name for name in names if name.startswith("houvast-app-")]
        assert len(app_caches) == 1, f"only the new version's app cache is left: {names}"


def test_install_is_offered_unobtrusively_and_can_be_declined(
    profile: BrowserContext, tmp_path: Path
) -> None:
    with LiveServer(create_app(isolated_settings(tmp_path), dispatch=False)) as url:
        page = profile.new_page()
        page.goto(f"{url}/nl/")
        controlled(page)
        page.reload()
        offer = page.locator("#install-offer")
        expect(offer).to_be_visible(timeout=WAIT_SECONDS * 1000)
        expect(offer.get_by_role("button", name="Installeren")).to_be_visible()
        offer.get_by_role("button", name="Nu niet").click()
        expect(offer).to_be_hidden()
        page.reload()
        page.wait_for_load_state("load")
        expect(offer).to_be_hidden()


def test_notices_come_one_at_a_time(profile: BrowserContext, tmp_path: Path) -> None:
    """On a first visit the app is stored for offline use and offered for install at about
    the same moment: one notice shows, the other waits until it is closed."""
    with LiveServer(create_app(isolated_settings(tmp_path), dispatch=False)) as url:
        page = profile.new_page()
        page.goto(f"{url}/en/")
        controlled(page)
        # The browser's install offer (Chromium may also have sent its own already).
        page.evaluate(
            """() => {
                const offer = new Event('beforeinstallprompt', { cancelable: true });
                offer.prompt = () => {};
                offer.userChoice = Promise.resolve({ outcome: 'dismissed' });
                dispatchEvent(offer);
            }"""
        )
        shown = page.locator(".app-notices .banner:visible")
        seen = []
        for _ in range(2):
            expect(shown).to_have_count(1, timeout=WAIT_SECONDS * 1000)
            seen.append(shown.get_attribute("id"))
            shown.get_by_role("button").last.click()  # "Close" or "Not now"
        assert sorted(seen) == ["install-offer", "offline-ready"]
        expect(shown).to_have_count(0)


IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
