"""Houvast on the home screen: the help with installing on iOS (which has no install prompt),
the manifest's shortcuts (a long press on the icon), and reminders by notification only where
iOS allows them (in the home-screen app).

Chromium stands in for the phones: a user agent says which browser it is, and an init script
makes the page believe it runs from the home screen (``display-mode: standalone``, and Safari's
own ``navigator.standalone``). What only a real iPhone shows is in the README.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from server.app import create_app
from server.export import export_site
from tests.browser.conftest import PHONE, one_language
from tests.browser.test_offline import IPHONE, controlled, installability_errors
from tests.conftest import isolated_settings
from tests.live_server import LiveServer, StaticServer

AXE = Axe()
WAIT_MS = 20_000
IPAD = (  # iPadOS's Safari asks for desktop pages: it says it is a Mac (but has a touch screen)
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.2 Safari/605.1.15"
)
MAC = IPAD  # the same words from a Mac, which has no touch screen
CHROME_IOS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS {version} like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1"
)
IN_APP = (  # a link opened inside another app: its own browser, which cannot add to home
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/22B83 Instagram 357.0.0.25.101 (iPhone15,2; iOS 18_1; nl_NL)"
)
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
)
# As iOS shows a page opened from the home screen.
STANDALONE = """
(() => {
  const own = window.matchMedia.bind(window);
  window.matchMedia = (query) => (/display-mode:\\s*standalone/.test(query)
    ? { matches: true, media: query, onchange: null, addListener() {}, removeListener() {},
        addEventListener() {}, removeEventListener() {}, dispatchEvent() { return false; } }
    : own(query));
  Object.defineProperty(Navigator.prototype, 'standalone', { get: () => true });
})();
"""
TOUCH_POINTS = "Object.defineProperty(Navigator.prototype, 'maxTouchPoints', { get: () => 5 });"
# What Chromium sends when it would install the app (it does so only for a real profile).
INSTALL_PROMPT = """() => {
  const offer = new Event('beforeinstallprompt', { cancelable: true });
  offer.prompt = () => { window.prompted = (window.prompted || 0) + 1; };
  offer.userChoice = Promise.resolve({ outcome: 'accepted' });
  dispatchEvent(offer);
}"""
TEXTS = {
    "nl": {
        "notice": "tik op ‘Deel’ (in Safari soms eerst op •••) en daarna op ‘Zet op beginscherm’",
        "got_it": "Begrepen",
        "heading": "Op je beginscherm",
        "install": "Installeren",
        "grounding": "Te veel? Hier en nu",
        "help": "Hulp",
        "help_h1": "Waar je hulp vindt",
        "push_ios": "pas meldingen sturen als het op je beginscherm staat",
        "push_safari": "Open deze pagina in Safari",
        "push_offer": "Houvast kan je een melding sturen",
        "push_on": "Meldingen aanzetten",
        "download": "Downloaden voor mijn agenda",
    },
    "en": {
        "notice": "tap ‘Share’ (in Safari sometimes first on •••), then ‘Add to Home Screen’",
        "got_it": "Got it",
        "heading": "On your home screen",
        "install": "Install",
        "grounding": "Too much? Here and now",
        "help": "Help",
        "help_h1": "Where to find help",
        "push_ios": "can only send notifications once it is on your home screen",
        "push_safari": "Open this page in Safari",
        "push_offer": "Houvast can send you a notification",
        "push_on": "Turn on notifications",
        "download": "Download for my calendar",
    },
}


@pytest.fixture
def phone(
    browser: Browser, base_url: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., BrowserContext]]:
    """A new phone (a browser context) with the given user agent, touch screen or not, and
    maybe opened from the home screen. In the headless shell, unless ``full``: what the app
    offers for reminders depends on what the browser can do (notifications, the Push API),
    which only the full Chromium has; the notices about installing go by the user agent."""
    contexts: list[BrowserContext] = []

    def make(
        agent: str,
        *,
        standalone: bool = False,
        touch: bool = True,
        worker: bool = False,
        full: bool = False,
    ) -> Any:
        """``touch`` also gives the five touch points of an iPhone or iPad (Chromium says 1).
        Without ``worker`` no service worker runs: its "saved for offline use" would otherwise
        come first and hide the notice under test (one notice shows at a time)."""
        engine: Browser = request.getfixturevalue("full_browser") if full else browser
        context = engine.new_context(
            service_workers="allow" if worker else "block",
            base_url=base_url,
            viewport=PHONE,
            user_agent=agent,
            is_mobile=touch,
            has_touch=touch,
            timezone_id="Europe/Amsterdam",
        )
        if touch:
            context.add_init_script(TOUCH_POINTS)
        if standalone:
            context.add_init_script(STANDALONE)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def no_violations(page: Page) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()


def offered(page: Page) -> None:
    """The browser offers to install, once app.js listens (it builds the notices just before:
    after the page's "load", since its texts come first)."""
    expect(page.locator("#install-offer")).to_be_attached()
    page.evaluate(INSTALL_PROMPT)


def notice(page: Page) -> Any:
    return page.locator("#ios-install")


# The notice on iOS ------------------------------------------------------------------------


@one_language("nl")
def test_an_iphone_in_safari_is_told_how_until_it_says_got_it(
    phone: Callable[..., BrowserContext], locale: str
) -> None:
    texts = TEXTS[locale]
    page = phone(IPHONE).new_page()
    page.goto(f"/{locale}/")
    expect(notice(page)).to_be_visible()
    expect(notice(page)).to_contain_text(texts["notice"])
    # Seen is not yet told: on the next page it is still there.
    page.goto(f"/{locale}/help")
    expect(notice(page)).to_be_visible()
    box = notice(page).get_by_role("button", name=texts["got_it"]).bounding_box()
    assert box is not None and box["height"] >= 44
    no_violations(page)
    notice(page).get_by_role("button", name=texts["got_it"]).click()
    expect(notice(page)).to_be_hidden()
    page.goto(f"/{locale}/")
    page.wait_for_load_state("load")
    expect(page.locator(".app-notices .banner:visible")).to_have_count(0)
    # Whoever closed it finds the steps again on the about page.
    page.goto(f"/{locale}/about")
    steps = page.locator("#home-screen")
    expect(steps.get_by_role("heading", name=texts["heading"])).to_be_visible()
    expect(steps).to_contain_text(texts["notice"].split("(")[1].split(")")[0])
    expect(steps.get_by_role("button", name=texts["install"])).to_be_hidden()
    no_violations(page)


@pytest.mark.parametrize(
    ("agent", "touch", "shown"),
    [
        (IPAD, True, True),
        (CHROME_IOS.format(version="17_5"), True, True),
        (CHROME_IOS.format(version="16_4"), True, True),
        # Before iOS 16.4 only Safari could add a page to the home screen.
        (CHROME_IOS.format(version="16_3"), True, False),
        (IN_APP, True, False),
        (MAC, False, False),
        (ANDROID, True, False),
    ],
    ids=["ipad", "chrome-ios-17", "chrome-ios-16.4", "chrome-ios-16.3", "in-app", "mac", "android"],
)
def test_the_notice_comes_where_the_share_menu_can_add_to_the_home_screen(
    phone: Callable[..., BrowserContext], agent: str, touch: bool, shown: bool
) -> None:
    page = phone(agent, touch=touch).new_page()
    page.goto("/en/")
    page.wait_for_load_state("load")
    # The script has run (the notices are built), whatever it decided.
    expect(notice(page)).to_be_attached()
    if shown:
        expect(notice(page)).to_be_visible()
    else:
        expect(notice(page)).to_be_hidden()
    # The about page keeps the steps exactly where the notice would give them.
    page.goto("/en/about")
    page.wait_for_load_state("load")
    steps = page.locator("#home-screen")
    if shown:
        expect(steps).to_contain_text("‘Add to Home Screen’")
    else:
        expect(steps).to_be_hidden()


@pytest.mark.parametrize("agent", [IPHONE, IPAD])
def test_nothing_is_said_about_installing_in_the_home_screen_app(
    phone: Callable[..., BrowserContext], agent: str
) -> None:
    page = phone(agent, standalone=True).new_page()
    page.goto("/nl/")
    page.wait_for_load_state("load")
    expect(notice(page)).to_be_attached()
    expect(notice(page)).to_be_hidden()
    page.goto("/nl/about")
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#home-screen")).to_be_hidden()


def test_android_chrome_gets_its_own_install_offer_and_finds_it_again(
    phone: Callable[..., BrowserContext],
) -> None:
    page = phone(ANDROID).new_page()
    page.goto("/nl/")
    offered(page)
    offer = page.locator("#install-offer")
    expect(offer).to_be_visible()
    expect(notice(page)).to_be_hidden()
    offer.get_by_role("button", name="Nu niet").click()
    expect(offer).to_be_hidden()
    # Said "not now", and changed their mind: the about page offers it again.
    page.goto("/nl/about")
    offered(page)
    again = page.locator("#home-screen").get_by_role("button", name="Installeren")
    expect(again).to_be_visible()
    box = again.bounding_box()
    assert box is not None and box["height"] >= 44
    no_violations(page)
    again.click()
    assert page.evaluate("window.prompted") == 1
    expect(again).to_be_hidden()


# The shortcuts ----------------------------------------------------------------------------


def shortcuts(page: Page, manifest: str) -> list[dict[str, Any]]:
    response = page.request.get(manifest)
    assert response.ok
    found: list[dict[str, Any]] = response.json()["shortcuts"]
    return found


@one_language("en")
def test_the_shortcuts_open_grounding_started_and_help(
    phone: Callable[..., BrowserContext], base_url: str, locale: str
) -> None:
    texts = TEXTS[locale]
    page = phone(ANDROID, standalone=True).new_page()
    page.goto(f"/{locale}/")
    manifest = page.locator('link[rel="manifest"]').get_attribute("href")
    assert manifest == f"/manifest-{locale}.webmanifest"
    ground, help_ = shortcuts(page, manifest)
    assert [ground["name"], help_["name"]] == [texts["grounding"], texts["help"]]
    for shortcut in (ground, help_):
        (icon,) = shortcut["icons"]
        body = page.request.get(icon["src"]).body()
        assert body.startswith(b"\x89PNG") and struct.unpack(">II", body[16:24]) == (96, 96)
        assert icon["sizes"] == "96x96"

    # Grounding has started by itself: the player runs, its first step on screen.
    page.goto(ground["url"])
    expect(page.locator("#player")).to_be_visible()
    expect(page.locator("html")).to_have_class(re.compile(r"\brunning\b"))
    expect(page.locator("#player-stop")).to_be_visible()
    page.goto(help_["url"])
    expect(page.locator("h1")).to_have_text(texts["help_h1"])
    assert page.url == f"{base_url}/{locale}/help"


def test_the_shortcuts_work_in_a_static_export_and_keep_it_installable(
    profile: BrowserContext, tmp_path: Path
) -> None:
    export_site(isolated_settings(tmp_path / "data"), tmp_path / "site" / "houvast", "/houvast/")
    with StaticServer(tmp_path / "site") as url:
        page = profile.new_page()
        page.goto(f"{url}/houvast/nl/")
        controlled(page)
        assert installability_errors(profile, page) == []
        ground, help_ = shortcuts(page, f"{url}/houvast/manifest-nl.webmanifest")
        assert ground["url"] == "/houvast/nl/exercises/grounding/#start"
        assert help_["url"] == "/houvast/nl/help/"
        assert all(s["icons"][0]["src"].startswith("/houvast/static/") for s in (ground, help_))
        page.goto(url + ground["url"])
        expect(page.locator("#player")).to_be_visible()
        page.goto(url + help_["url"])
        expect(page.locator("h1")).to_have_text(TEXTS["nl"]["help_h1"])
        # Offline too: the shortcuts are what someone taps when it is too much.
        page.context.set_offline(True)
        page.goto(url + ground["url"])
        expect(page.locator("#player")).to_be_visible()
        page.context.set_offline(False)


def test_the_browser_reads_the_shortcuts_without_complaint(
    profile: BrowserContext, tmp_path: Path
) -> None:
    with LiveServer(create_app(isolated_settings(tmp_path), dispatch=False)) as url:
        page = profile.new_page()
        page.goto(f"{url}/en/")
        controlled(page)
        assert installability_errors(profile, page) == []
        cdp = profile.new_cdp_session(page)
        manifest = cdp.send("Page.getAppManifest")
        assert manifest.get("errors", []) == []
        assert "Too much? Here and now" in manifest["data"]


# Reminders ------------------------------------------------------------------------------


@one_language("en")
def test_an_iphone_in_the_browser_is_offered_the_calendar_and_told_why(
    phone: Callable[..., BrowserContext], locale: str
) -> None:
    texts = TEXTS[locale]
    page = phone(IPHONE, worker=True, full=True).new_page()
    page.goto(f"/{locale}/reminders")
    expect(page.locator("#push-text")).to_contain_text(texts["push_ios"])
    expect(page.get_by_role("button", name=texts["push_on"])).to_be_hidden()
    expect(page.locator("#calendar")).to_be_visible()
    page.locator("#day-boxes input").first.check()
    page.locator("#reminder-time").fill("08:30")
    page.locator("#reminder-submit").click()
    with page.expect_download() as download:
        page.get_by_role("button", name=texts["download"]).click()
    assert download.value.suggested_filename == "houvast.ics"
    assert b"BEGIN:VCALENDAR" in Path(download.value.path()).read_bytes()
    no_violations(page)


def test_a_browser_inside_another_app_is_sent_to_safari(
    phone: Callable[..., BrowserContext],
) -> None:
    page = phone(IN_APP, worker=True, full=True).new_page()
    page.goto("/nl/reminders")
    expect(page.locator("#push-text")).to_contain_text(TEXTS["nl"]["push_safari"])
    expect(page.locator("#calendar")).to_be_visible()


@one_language("nl")
def test_the_home_screen_app_on_an_iphone_offers_notifications(
    phone: Callable[..., BrowserContext], locale: str
) -> None:
    texts = TEXTS[locale]
    page = phone(IPHONE, standalone=True, worker=True, full=True).new_page()
    page.goto(f"/{locale}/reminders")
    assert page.evaluate("'PushManager' in window && navigator.standalone === true")
    expect(page.locator("#push-text")).to_contain_text(texts["push_offer"])
    expect(page.get_by_role("button", name=texts["push_on"])).to_be_visible()
    expect(page.locator("#calendar")).to_be_hidden()
