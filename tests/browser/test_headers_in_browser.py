"""What the browser makes of the headers every response carries: no warning about them."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Page


def test_the_browser_finds_nothing_to_warn_about_in_the_headers(page: Page) -> None:
    """Chromium warns about every Permissions-Policy feature it does not know, and about
    policies it cannot apply; our headers give it nothing to say, in either language."""
    messages: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("warning", "error"):
            messages.append(message.text)

    page.on("console", on_console)
    for path in ("/nl/", "/en/exercises/grounding", "/nl/reminders"):
        page.goto(path)
        page.wait_for_load_state("load")
    assert not [m for m in messages if "Policy" in m or "header" in m.lower()], messages
