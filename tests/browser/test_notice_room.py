"""A notice (a new version, the install offer) at 200% text on a small phone: at the foot of the
screen it would cover most of the page, so it sits at the top of the page instead, and every
control, the notice's own buttons included, stays reachable and uncovered."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser.test_home_screen import INSTALL_PROMPT
from tests.browser.test_large_text import CONTROLS, Checker, large_text_phone


@pytest.fixture
def large(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    # Without a worker: "ready offline" outranks the install offer, and on a busy machine the
    # worker could finish installing before the offer is made.
    context = large_text_phone(browser, base_url, service_workers="block")
    yield context
    context.close()


@pytest.mark.parametrize("path", ["nl/", "en/exercises/grounding"])
def test_a_notice_covers_nothing_with_large_text(large: BrowserContext, path: str) -> None:
    page = large.new_page()
    page.goto(f"/{path}")
    expect(page.locator("main")).to_be_visible()
    page.evaluate(INSTALL_PROMPT)
    expect(page.locator("#install-offer")).to_be_visible()
    checker = Checker()
    checker.check(page, f"/{path} with the install offer", CONTROLS)
    checker.done("pages")
