"""What a person sees on a phone: every page in both languages, accessible and usable."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, console_errors
from tests.browser.test_large_text import AXE_LOCALE
from tests.client_pages import EXERCISE_IDS, PAGES

AXE = Axe()
# Controls outside running text; links inside a sentence are exempt from the target size.
CONTROLS = "header a, nav a, .button, .exercise-card a, .way-out a"


def open_page(page: Page, path: str) -> list[str]:
    """Go to ``path`` and return the console errors the page causes (from this page on)."""
    errors = console_errors(page)
    response = page.goto(path)
    assert response is not None and response.ok, f"{path}: {response and response.status}"
    return errors


@pytest.fixture(scope="module")
def reader(browser: Browser, base_url: str) -> Iterator[Page]:
    """One phone that reads page after page, as a person browsing does (the first page
    installs the app; the others may come from the service worker): for tests that only
    look, it saves a new browser context and a new installation per page."""
    context = browser.new_context(base_url=base_url, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("locale", ["nl", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_page_renders_accessibly(reader: Page, locale: str, path: str) -> None:
    page = reader
    errors = open_page(page, f"/{locale}/{path}")
    expect(page.locator("html")).to_have_attribute("lang", locale)
    expect(page.locator("h1")).to_be_visible()
    way_out = page.locator(".way-out-ground")
    expect(way_out).to_be_in_viewport()
    expect(way_out).to_have_text(
        "Te veel? Terug naar het hier en nu"
        if locale == "nl"
        else "Too much? Back to the here and now"
    )
    # axe once per page state: in Dutch, test_large_text.py audits these pages at 200% text
    # (the empty history is a state of its own).
    if locale != AXE_LOCALE or path == "history":
        results = AXE.run(page)
        assert results.violations_count == 0, results.generate_report()
    assert errors == []


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_screenshots_at_phone_size(page: Page, output_dir: Path, locale: str) -> None:
    for name, path in (("home", ""), ("exercise", "exercises/stop-partner")):
        open_page(page, f"/{locale}/{path}")
        shot = output_dir / f"{name}-{locale}-390x844.png"
        page.screenshot(path=shot)
        assert shot.stat().st_size > 10_000


def test_dark_mode_follows_the_system(browser: Browser, base_url: str, output_dir: Path) -> None:
    backgrounds = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(
            base_url=base_url, color_scheme=scheme, viewport={"width": 390, "height": 844}
        )
        page = context.new_page()
        page.goto("/en/exercises/protector")
        backgrounds[scheme] = page.evaluate(
            "getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number)"
        )
        if scheme == "dark":
            page.screenshot(path=output_dir / "exercise-en-dark-390x844.png")
            results = AXE.run(page)
            assert results.violations_count == 0, results.generate_report()
        context.close()
    assert sum(backgrounds["light"]) > 600, backgrounds
    assert sum(backgrounds["dark"]) < 150, backgrounds


@pytest.mark.parametrize("path", ["/nl/", "/nl/exercises/four-s", "/nl/help", "/en/about"])
def test_works_at_320_pixels_wide(page: Page, path: str) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    open_page(page, path)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"


@pytest.mark.parametrize("path", ["/nl/", "/en/exercises/stop-solo", "/nl/help"])
def test_touch_targets_are_at_least_44_pixels(page: Page, path: str) -> None:
    open_page(page, path)
    small = page.evaluate(
        """selector => [...document.querySelectorAll(selector)]
            .filter(el => el.offsetParent !== null || getComputedStyle(el).position === 'fixed')
            .map(el => [el.textContent.trim(), el.getBoundingClientRect()])
            .filter(([, box]) => box.width < 44 || box.height < 44)
            .map(([text, box]) => `${text}: ${box.width}x${box.height}`)""",
        CONTROLS,
    )
    assert small == []


def test_language_switch_keeps_the_page_and_is_remembered(page: Page, base_url: str) -> None:
    open_page(page, "/nl/exercises/protector")
    page.get_by_role("navigation", name="Taal").get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{base_url}/en/exercises/protector")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/")
    expect(page).to_have_url(f"{base_url}/en/")
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Nederlands").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.goto("/")
    assert page.url.endswith("/nl/")


def test_keyboard_reaches_content_first(page: Page) -> None:
    open_page(page, "/en/exercises/grounding")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


FOCUS_HIDDEN = """() => {
    // Is the focused element covered by the notices or the way-out bar, or out of view?
    const focused = document.activeElement;
    if (!focused || focused === document.body || focused.closest('.app-notices, .way-out')) {
        return null;
    }
    const box = focused.getBoundingClientRect();
    const covered = [...document.querySelectorAll('.app-notices > :not([hidden]), .way-out')]
        .map((cover) => cover.getBoundingClientRect())
        .some((c) => box.left < c.right && c.left < box.right && box.top < c.bottom
            && c.top < box.bottom);
    const outside = box.top < 0 || box.bottom > innerHeight;
    return covered || outside ? focused.outerHTML.slice(0, 90) : null;
}"""


@pytest.mark.parametrize("path", ["/en/", "/nl/exercises/four-s", "/en/reminders", "/nl/settings"])
def test_a_notice_never_hides_what_the_keyboard_moves_to(page: Page, path: str) -> None:
    """With a notice shown above the way-out bar, every control tabbed to is in plain view
    (WCAG 2.4.11 and 2.4.12: focus not obscured)."""
    open_page(page, path)
    # The first visit stores the app for offline use and offers to install it: a notice shows.
    expect(page.locator(".app-notices .banner:visible")).to_have_count(1, timeout=15_000)
    hidden = []
    for _ in range(80):
        page.keyboard.press("Tab")
        if (found := page.evaluate(FOCUS_HIDDEN)) is not None:
            hidden.append(found)
    assert hidden == []


def test_every_exercise_is_reachable_from_home_by_tapping(page: Page, base_url: str) -> None:
    open_page(page, "/en/")
    cards = page.locator(".exercise-card a")
    expect(cards).to_have_count(len(EXERCISE_IDS))
    title = cards.nth(1).locator(".exercise-title").inner_text()
    cards.nth(1).tap()
    expect(page).to_have_url(f"{base_url}/en/exercises/{EXERCISE_IDS[1]}")
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("#player")).to_be_attached()  # the script has made the player
    page.get_by_role("button", name="Start").tap()
    expect(page.locator("#player")).to_be_visible()
    expect(page.locator("#player-title")).to_be_focused()


def test_readable_without_javascript(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/nl/exercises/body-scan")
    steps = page.locator("#steps ol.steps > li")
    expect(steps).not_to_have_count(0)
    expect(steps.first.locator(".step-text")).to_be_visible()
    page.get_by_role("link", name="Beginnen").click()
    expect(page.locator("#steps")).to_be_in_viewport()
    expect(page.locator("#steps")).to_contain_text("Laat je aandacht weer breder worden")
    context.close()


def test_the_404_page_is_in_the_right_language(page: Page) -> None:
    response = page.goto("/en/exercises/unknown")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()
