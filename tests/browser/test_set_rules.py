"""A set's limits are declared once, on the server (server/rules.py): raised or lowered there,
the phone follows, through app.json, in the builder and in what a link may carry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from server.app import create_app
from server.rules import SetLimits
from tests.browser.test_set_link import DECODE
from tests.conftest import isolated_settings
from tests.live_server import LiveServer


@pytest.fixture
def two_item_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setattr(SetLimits, "items", 2)
    monkeypatch.setattr(SetLimits, "title", 20)
    with LiveServer(create_app(isolated_settings(tmp_path / "data"), dispatch=False)) as url:
        yield url


def test_the_phone_follows_a_limit_changed_on_the_server(
    browser: Browser, two_item_server: str
) -> None:
    page = browser.new_page()
    page.goto(f"{two_item_server}/en/make-set")
    expect(page.locator("#set-title")).to_have_attribute("maxlength", "20")
    page.locator("#set-title").fill("Evening")
    for exercise in ("grounding", "protector"):
        page.select_option("#add-exercise", exercise)
        page.locator("#add-item").click()
    expect(page.locator("#add-item")).to_be_disabled()
    page.locator("#make-link").click()
    expect(page.locator("#set-result")).to_be_visible()
    link = page.locator("#set-link").input_value()

    # A link made elsewhere with a third exercise: the phone keeps what the server allows.
    longer = page.evaluate(
        """async (link) => {
        const setLink = await import(new URL('./set-link.js',
            document.querySelector('script[src*="/js/online/make-set.js"]').src).href);
        const app = await (await fetch(document.documentElement.dataset.app)).json();
        const set = await setLink.decodeSet(new URL(link).hash.slice(3), app);
        set.items.push(set.items[0]);
        return setLink.encodeSet(set);
    }""",
        link,
    )
    decoded = page.evaluate(DECODE, f"{two_item_server}/en/set#s={longer}")
    assert len(decoded["items"]) == 2
    page.close()
