"""The summary for a session (history page, #summary) in Chromium: the figures of the last weeks
from the runs on the device, with and without a PIN, one A4 page when printed, axe-core clean,
in both languages; nothing is sent anywhere while it is made.

"Now" is fixed with Playwright's clock, in Amsterdam time, as in test_history.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import console_errors
from tests.browser.test_history import NOW, RUNS, SEED

pytestmark = pytest.mark.browser_context_args(timezone_id="Europe/Amsterdam")

AXE = Axe()
TEXTS = {
    "nl": {
        "heading": "Overzicht voor je sessie",
        "period4": "Van 26 okt tot en met 21 nov 2026",
        "period2": "Van 9 nov tot en met 21 nov 2026",
        "total": "Oefeningen: 6 (afgemaakt 5, gestopt 1), op 6 dagen.",
        "rated": "Spanning ingevuld voor en na: 5 keer. Gemiddelde spanning 5,4 ervoor, "
        "4,2 erna (0 tot 10).",
        "protector": ["Je beschermer", "1 (1 gestopt)", "–", "–"],
        "grounding": ["Hier en nu", "1", "7", "4"],
        "unknown": "Een oefening die niet meer bestaat",
        "week": ["16 nov", "3", "-2"],
        "none": "Geen oefeningen in deze weken.",
    },
    "en": {
        "heading": "Summary for your session",
        "period4": "From Oct 26 to Nov 21 2026",
        "period2": "From Nov 9 to Nov 21 2026",
        "total": "Exercises: 6 (completed 5, stopped 1), on 6 days.",
        "rated": "Rated before and after: 5 times. Average distress 5.4 before, 4.2 after "
        "(0 to 10).",
        "protector": ["Your protector", "1 (1 stopped)", "–", "–"],
        "grounding": ["Here and now", "1", "7", "4"],
        "unknown": "An exercise that no longer exists",
        "week": ["Nov 16", "3", "-2"],
        "none": "No exercises in these weeks.",
    },
}


def cells(page: Page, table: int, row_text: str) -> list[str]:
    row = page.locator(".summary-table").nth(table).locator("tbody tr", has_text=row_text)
    return [text.strip() for text in row.locator("th, td").all_inner_texts()]


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_the_summary_shows_the_last_weeks_and_prints_on_one_page(
    page: Page, output_dir: Path, locale: str
) -> None:
    texts = TEXTS[locale]
    errors = console_errors(page)
    page.clock.set_fixed_time(NOW)
    page.goto(f"/{locale}/history")
    page.evaluate(SEED, {"runs": RUNS, "notes": {"four-s.safe": "my own words"}})
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    # From the history, as a person would: the link near the top.
    page.reload()
    page.get_by_role("link", name=texts["heading"]).click()
    summary = page.locator("#summary")
    expect(summary).to_be_visible()
    expect(page.locator("#summary-heading")).to_be_focused()
    expect(page.locator("#history-runs")).to_be_hidden()
    expect(page.locator("#summary-period")).to_have_text(texts["period4"])
    totals = page.locator(".summary-total")
    expect(totals.nth(0)).to_have_text(texts["total"])
    expect(totals.nth(1)).to_have_text(texts["rated"])
    assert cells(page, 0, texts["protector"][0]) == texts["protector"]
    assert cells(page, 0, texts["grounding"][0]) == texts["grounding"]
    expect(page.locator(".summary-table").nth(0)).to_contain_text(texts["unknown"])
    assert cells(page, 1, texts["week"][0]) == texts["week"]
    expect(page.locator(".summary-table").nth(1).locator("tbody tr")).to_have_count(4)
    expect(summary).not_to_contain_text("my own words")
    page.screenshot(path=output_dir / f"summary-{locale}.png", full_page=True)
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()

    # Printed (or saved as PDF): one A4 page, without the way out, the menus or the buttons.
    pdf = page.pdf(format="A4", print_background=True)
    (output_dir / f"summary-{locale}.pdf").write_bytes(pdf)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1, "the summary is one A4 page"
    page.emulate_media(media="print")
    expect(page.locator(".way-out")).to_be_hidden()
    expect(page.locator("#summary-print")).to_be_hidden()
    page.emulate_media(media="null")  # back to the default: pdf() then prints

    # Twelve weeks of a busy history still print on one page.
    many = [
        {**RUNS[0], "id": f"many-{i}", "exercise": exercise, "startedAt": started}
        for i, (exercise, started) in enumerate(
            (exercise, f"2026-{month:02d}-{day:02d}T08:00:00.000Z")
            for exercise in (
                "grounding",
                "paced-breathing",
                "in-the-middle",
                "protector",
                "body-scan",
                "defensive-movement",
                "four-s",
                "welcome",
                "secure-traits",
                "core-themes",
                "stop-solo",
                "stop-partner",
            )
            for month, day in ((9, 3), (10, 8), (11, 12))
        )
    ]
    page.evaluate(SEED, {"runs": many, "notes": {}})
    page.reload()
    expect(summary).to_be_visible()
    page.select_option("#summary-weeks", "12")
    expect(page.locator(".summary-table").nth(0).locator("tbody tr")).to_have_count(13)
    pdf = page.pdf(format="A4", print_background=True)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1, "twelve weeks fit one page"

    page.select_option("#summary-weeks", "2")
    expect(page.locator("#summary-period")).to_have_text(texts["period2"])
    # Back to the history, with the browser's back button as well as the link.
    page.go_back()
    expect(page.locator("#history-runs")).to_be_visible()
    expect(summary).to_be_hidden()
    assert not [r.url for r in requests if r.method != "GET" or "/api/" in r.url]
    assert errors == []


def test_the_summary_of_a_locked_history_asks_for_the_pin_first(page: Page) -> None:
    page.clock.set_fixed_time(NOW)
    page.goto("/en/history")
    page.evaluate(SEED, {"runs": RUNS[:2], "notes": {}})
    page.evaluate(
        """async () => {
        const store = await import(new URL('store.js',
            document.querySelector('script[src$="/js/history.js"]').src).href);
        await store.setPin('2468');
    }"""
    )
    page.goto("/en/history#summary")
    page.reload()
    expect(page.locator("#summary")).to_be_hidden()
    pin = page.get_by_label("Your PIN, to see your history and the words you kept")
    pin.fill("2468")
    pin.press("Enter")
    expect(page.locator("#summary")).to_be_visible()
    expect(page.locator(".summary-total").first).to_have_text(
        "Exercises: 2 (completed 2, stopped 0), on 2 days."
    )


def test_a_summary_of_weeks_without_exercises_says_so(page: Page) -> None:
    page.clock.set_fixed_time(NOW)
    page.goto("/nl/history#summary")
    expect(page.locator("#summary-figures")).to_have_text(TEXTS["nl"]["none"])
