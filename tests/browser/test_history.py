"""The history page on a phone: the runs kept on this device, the weekly chart, and export,
import and delete, in both languages.

"Now" is fixed with Playwright's clock and the browser runs in Amsterdam time, so the weeks
(Monday to Sunday, local time) and the dates on screen are the same on every machine.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Locator, Page, expect

from server.exercises import load_exercises
from server.settings import PROJECT_ROOT
from tests.browser.conftest import console_errors

pytestmark = pytest.mark.browser_context_args(timezone_id="Europe/Amsterdam")

AXE = Axe()
TITLES = {
    eid: exercise.title for eid, exercise in load_exercises(PROJECT_ROOT / "exercises").items()
}
# A Saturday; its week starts on Monday 16 November. The last eight weeks start on 28 September.
NOW = "2026-11-21T12:00:00+01:00"
WEEKS = [
    "2026-09-28",
    "2026-10-05",
    "2026-10-12",
    "2026-10-19",
    "2026-10-26",
    "2026-11-02",
    "2026-11-09",
    "2026-11-16",
]


def run(
    run_id: str,
    exercise: str,
    started: str,
    seconds: int,
    before: int | None,
    after: int | None,
    status: str = "completed",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": run_id,
        "exercise": exercise,
        "set": None,
        "startedAt": started,
        "seconds": seconds,
        "status": status,
        "before": before,
        "after": after,
        "notes": {},
        **extra,
    }


# Times are UTC; the comments give Amsterdam time, which decides the week.
RUNS = [
    run("run-a", "grounding", "2026-11-20T08:15:00.000Z", 300, 7, 4),  # Fri 20 Nov 09:15
    run(  # Mon 16 Nov 00:30 in Amsterdam, still Sunday in UTC: it belongs to the current week.
        "run-b",
        "four-s",
        "2026-11-15T23:30:00.000Z",
        185,
        6,
        5,
        set='Set "A", week 1',
        notes={"four-s.safe": "my own words"},
    ),
    run("run-c", "protector", "2026-11-18T19:00:00.000Z", 95, 8, None, "stopped"),  # Wed 20:00
    run("run-d", "body-scan", "2026-11-15T10:00:00.000Z", 600, 5, 5),  # Sun 15 Nov 11:00
    run("run-e", "stop-solo", "2026-10-27T17:45:00.000Z", 240, 6, 3),  # Tue 27 Oct 18:45
    run("run-f", "retired-exercise", "2026-10-30T07:00:00.000Z", 130, 3, 4),  # Fri 30 Oct 08:00
    run("run-g", "grounding", "2026-09-01T09:00:00.000Z", 200, None, None),  # before the chart
]
NEWEST_FIRST = ["run-a", "run-c", "run-b", "run-d", "run-f", "run-e", "run-g"]
# Runs per week in WEEKS, and the average of after - before over the runs rated both times.
COUNTS = [0, 0, 0, 0, 2, 0, 1, 3]
CHANGES = {"2026-10-26": -1, "2026-11-09": 0, "2026-11-16": -2}

STORE = "new URL('store.js', document.querySelector('script[src$=\"/js/history.js\"]').src).href"
SEED = f"""async ({{runs, notes}}) => {{
    const store = await import({STORE});
    await store.mergeRuns(runs);
    for (const [key, text] of Object.entries(notes)) await store.saveNote(key, text);
}}"""
STORED = f"""async () => {{
    const store = await import({STORE});
    return {{runs: await store.allRuns(), notes: await store.getNotes()}};
}}"""
BUTTONS = "#history .button"


def open_history(
    page: Page,
    locale: str = "en",
    runs: list[dict[str, Any]] | None = None,
    notes: dict[str, str] | None = None,
) -> list[str]:
    """Open the history at NOW with ``runs`` and ``notes`` on the device; return console errors."""
    errors = console_errors(page)
    page.clock.set_fixed_time(NOW)
    response = page.goto(f"/{locale}/history")
    assert response is not None and response.ok
    if runs or notes:
        page.evaluate(SEED, {"runs": runs or [], "notes": notes or {}})
        page.reload()
    expect(page.locator("#history")).to_be_visible()
    if runs:
        expect(page.locator(".history-run")).to_have_count(min(10, len(runs)))
    return errors


def stored(page: Page) -> dict[str, Any]:
    return page.evaluate(STORED)


def status(page: Page) -> Locator:
    return page.get_by_role("status")


def test_runs_are_listed_newest_first_with_local_dates(page: Page) -> None:
    errors = open_history(page, runs=RUNS)
    runs = page.locator(".history-run")
    by_id = {r["id"]: r for r in RUNS}
    titles = [
        TITLES.get(by_id[i]["exercise"], "An exercise that no longer exists") for i in NEWEST_FIRST
    ]
    assert titles[4] == "An exercise that no longer exists"
    expect(runs.locator(".history-run-title")).to_have_text(titles)
    expect(runs.locator("time")).to_have_text(
        [
            re.compile(r"^Nov 20, 2026,\s9:15\sAM$"),
            re.compile(r"^Nov 18, 2026,\s8:00\sPM$"),
            re.compile(r"^Nov 16, 2026,\s12:30\sAM$"),
            re.compile(r"^Nov 15, 2026,\s11:00\sAM$"),
            re.compile(r"^Oct 30, 2026,\s8:00\sAM$"),
            re.compile(r"^Oct 27, 2026,\s6:45\sPM$"),
            re.compile(r"^Sep 1, 2026,\s11:00\sAM$"),
        ]
    )
    expect(runs.nth(0)).to_contain_text("5 min · Completed")
    expect(runs.nth(0)).to_contain_text("Distress 7 → 4")
    expect(runs.nth(1)).to_contain_text("1 min 35 sec · Stopped")
    expect(runs.nth(1)).to_contain_text("Distress 8 → \u2013")
    expect(runs.nth(6)).to_contain_text("3 min 20 sec · Completed")
    expect(runs.nth(6).locator(".history-run-rating")).to_have_count(0)
    expect(page.get_by_text("No exercises yet")).to_be_hidden()
    assert errors == []


def test_the_chart_shows_eight_weeks_of_runs_and_the_change_in_distress(page: Page) -> None:
    open_history(page, runs=RUNS)
    chart = page.get_by_role("img", name="Exercises and change in distress over the last 8 weeks")
    expect(chart).to_be_visible()
    bars = page.locator(".history-chart-bar")
    expect(bars).to_have_count(8)
    drawn = bars.evaluate_all(
        "bars => bars.map(b => [b.dataset.week, Number(b.dataset.count), b.getBBox().height])"
    )
    assert [week for week, _, _ in drawn] == WEEKS
    assert [count for _, count, _ in drawn] == COUNTS
    tallest = max(height for _, _, height in drawn)
    assert tallest > 50
    for _, count, height in drawn:
        assert height == pytest.approx(tallest * count / max(COUNTS), abs=0.5)

    dots = page.locator(".history-chart-dot")
    plotted = dots.evaluate_all(
        "dots => dots.map(d => [d.dataset.week, Number(d.dataset.change), d.cy.baseVal.value])"
    )
    assert {week: change for week, change, _ in plotted} == CHANGES
    height_of = {week: y for week, _, y in plotted}
    zero = page.locator(".history-chart-zero").evaluate("line => line.y1.baseVal.value")
    # Less distress afterwards is drawn below the zero line, the larger drop lower still.
    assert height_of["2026-11-09"] == pytest.approx(zero)
    assert zero < height_of["2026-10-26"] < height_of["2026-11-16"]

    # The same figures as a table for screen readers.
    rows = page.locator("#history-chart-table tbody tr")
    expect(rows).to_have_count(8)
    expect(rows.nth(7).locator("th, td")).to_have_text(
        ["Week of Nov 16", "3", re.compile("^[-\u2212]2$")]
    )
    expect(rows.nth(4).locator("th, td")).to_have_text(
        ["Week of Oct 26", "2", re.compile("^[-\u2212]1$")]
    )
    expect(rows.nth(5).locator("th, td")).to_have_text(["Week of Nov 2", "0", "no ratings"])
    expect(page.locator(".history-legend")).to_contain_text("Exercises per week")


def test_a_week_later_the_chart_moves_on(page: Page) -> None:
    page.clock.set_fixed_time("2026-11-23T09:00:00+01:00")  # the next Monday
    page.goto("/en/history")
    page.evaluate(SEED, {"runs": RUNS, "notes": {}})
    page.reload()
    bars = page.locator(".history-chart-bar")
    expect(bars).to_have_count(8)
    counts = bars.evaluate_all("bars => bars.map(b => [b.dataset.week, Number(b.dataset.count)])")
    assert counts == [
        [week, count]
        for week, count in zip([*WEEKS[1:], "2026-11-23"], [*COUNTS[1:], 0], strict=True)
    ]


def test_export_delete_and_import_bring_the_same_runs_back(page: Page, tmp_path: Path) -> None:
    open_history(page, runs=RUNS, notes={"protector.name": "the lighthouse"})
    with page.expect_download() as info:
        page.get_by_role("button", name="Export as JSON").click()
    download = info.value
    assert download.suggested_filename == "houvast-history-2026-11-21.json"
    exported = tmp_path / download.suggested_filename
    download.save_as(exported)
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data["format"] == "houvast-history" and data["version"] == 1
    assert data["exportedAt"] == "2026-11-21T11:00:00.000Z"
    assert sorted(data["runs"], key=lambda r: r["id"]) == sorted(RUNS, key=lambda r: r["id"])
    expect(status(page)).to_contain_text("houvast-history-2026-11-21.json")

    # Cancelling keeps everything.
    delete = page.get_by_role("button", name="Delete everything", exact=True)
    delete.click()
    expect(delete).to_have_attribute("aria-expanded", "true")
    yes = page.get_by_role("button", name="Yes, delete everything")
    expect(yes).to_be_visible()
    page.get_by_role("button", name="Cancel").click()
    expect(yes).to_be_hidden()
    expect(delete).to_be_focused()
    expect(page.locator(".history-run")).to_have_count(len(RUNS))
    assert len(stored(page)["runs"]) == len(RUNS)

    delete.click()
    yes.click()
    expect(status(page)).to_have_text("Everything was deleted.")
    expect(page.locator(".history-run")).to_have_count(0)
    expect(page.get_by_text("No exercises yet. When you do one, it appears here.")).to_be_visible()
    expect(page.locator("#history-weeks")).to_be_hidden()
    expect(page.get_by_role("button", name="Export as JSON")).to_be_disabled()
    assert stored(page) == {"runs": [], "notes": {}}
    page.reload()
    expect(page.get_by_text("No exercises yet.")).to_be_visible()

    page.get_by_label("Import a JSON file").set_input_files(exported)
    expect(status(page)).to_have_text("Imported: 7. Already here: 0.")
    expect(page.locator(".history-run")).to_have_count(len(RUNS))
    ids = page.locator(".history-run").evaluate_all(
        "items => items.map(i => i.querySelector('time').getAttribute('datetime'))"
    )
    by_id = {r["id"]: r for r in RUNS}
    assert ids == [by_id[i]["startedAt"] for i in NEWEST_FIRST]
    assert sorted(stored(page)["runs"], key=lambda r: r["id"]) == sorted(
        RUNS, key=lambda r: r["id"]
    )
    expect(page.locator(".history-chart-bar")).to_have_count(8)

    page.get_by_label("Import a JSON file").set_input_files(exported)
    expect(status(page)).to_have_text("Imported: 0. Already here: 7.")
    expect(page.locator(".history-run")).to_have_count(len(RUNS))
    assert len(stored(page)["runs"]) == len(RUNS)


GOOD_EXTRA = run("run-new-1", "grounding", "2026-11-21T08:00:00.000Z", 60, 4, 3)
EXPORT = {"format": "houvast-history", "version": 1, "exportedAt": "2026-11-21T08:00:00.000Z"}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{this is not json", "it is not a Houvast export (not valid JSON)."),
        (b"", "it is not a Houvast export (not valid JSON)."),
        (json.dumps({"runs": [GOOD_EXTRA]}).encode(), "it is not a Houvast export."),
        (json.dumps([GOOD_EXTRA]).encode(), "it is not a Houvast export."),
        (
            json.dumps(
                {**EXPORT, "runs": [GOOD_EXTRA, {**GOOD_EXTRA, "id": "run-new-2", "before": 11}]}
            ).encode(),
            "entry 2 is incomplete or damaged.",
        ),
        (
            json.dumps({**EXPORT, "runs": [{**GOOD_EXTRA, "status": "abandoned"}]}).encode(),
            "entry 1 is incomplete or damaged.",
        ),
        (
            json.dumps({**EXPORT, "runs": [{**GOOD_EXTRA, "startedAt": "last Tuesday"}]}).encode(),
            "entry 1 is incomplete or damaged.",
        ),
        (
            json.dumps({**EXPORT, "runs": [GOOD_EXTRA, {**GOOD_EXTRA, "id": 3}]}).encode(),
            "entry 2 is incomplete or damaged.",
        ),
    ],
    ids=["not-json", "empty", "no-marker", "a-list", "rating-11", "status", "date", "id-number"],
)
def test_a_broken_file_changes_nothing_and_says_why(
    page: Page, content: bytes, reason: str
) -> None:
    open_history(page, runs=RUNS[:2])
    before = stored(page)
    page.get_by_label("Import a JSON file").set_input_files(
        {"name": "history.json", "mimeType": "application/json", "buffer": content}
    )
    expect(status(page)).to_have_text(
        f"This file could not be imported, so nothing changed: {reason}"
    )
    expect(page.locator(".history-run")).to_have_count(2)
    assert stored(page) == before


def test_csv_export_has_a_header_and_one_line_per_run(page: Page, tmp_path: Path) -> None:
    open_history(page, runs=RUNS)
    with page.expect_download() as info:
        page.get_by_role("button", name="Export as CSV").click()
    download = info.value
    assert download.suggested_filename == "houvast-history-2026-11-21.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    text = path.read_bytes().decode("utf-8")
    lines = text.split("\r\n")
    assert lines[0] == "id,exercise,set,startedAt,seconds,status,before,after"
    assert len(lines) == len(RUNS) + 2 and lines[-1] == ""
    assert "my own words" not in text, "notes stay out of the CSV"
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [row["id"] for row in rows] == NEWEST_FIRST
    by_id = {row["id"]: row for row in rows}
    assert by_id["run-b"]["set"] == 'Set "A", week 1'
    assert by_id["run-c"] == {
        "id": "run-c",
        "exercise": "protector",
        "set": "",
        "startedAt": "2026-11-18T19:00:00.000Z",
        "seconds": "95",
        "status": "stopped",
        "before": "8",
        "after": "",
    }


def test_an_empty_history_says_so_calmly(page: Page) -> None:
    errors = open_history(page)
    expect(page.get_by_text("No exercises yet. When you do one, it appears here.")).to_be_visible()
    expect(page.locator("#history-weeks")).to_be_hidden()
    expect(page.get_by_role("button", name="Export as JSON")).to_be_disabled()
    expect(page.get_by_role("button", name="Export as CSV")).to_be_disabled()
    expect(page.get_by_label("Import a JSON file")).to_be_enabled()
    assert errors == []


@pytest.mark.parametrize("with_runs", [False, True], ids=["empty", "with-runs"])
@pytest.mark.parametrize("locale", ["nl", "en"])
def test_axe_finds_nothing(page: Page, locale: str, with_runs: bool) -> None:
    errors = open_history(page, locale, RUNS if with_runs else None)
    if with_runs:
        page.locator("#delete-all").click()  # the confirmation open, too
        expect(page.locator("#delete-confirm")).to_be_visible()
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()
    assert errors == []


def test_axe_finds_nothing_in_dark_mode(browser: Browser, base_url: str, output_dir: Path) -> None:
    context = browser.new_context(
        base_url=base_url,
        color_scheme="dark",
        timezone_id="Europe/Amsterdam",
        viewport={"width": 390, "height": 844},
    )
    page = context.new_page()
    open_history(page, "nl", RUNS)
    page.screenshot(path=output_dir / "history-nl-dark-390x844.png", full_page=True)
    results = AXE.run(page)
    context.close()
    assert results.violations_count == 0, results.generate_report()


def test_dutch_page_speaks_dutch(page: Page, output_dir: Path) -> None:
    open_history(page, "nl", RUNS)
    expect(page.locator("h1")).to_have_text("Je geschiedenis")
    first = page.locator(".history-run").first
    expect(first.locator("time")).to_have_text("20 nov 2026, 09:15")
    expect(first).to_contain_text(re.compile(r"5 min\.? · Afgerond"))
    expect(first).to_contain_text("Spanning 7 → 4")
    expect(page.get_by_text("Een oefening die niet meer bestaat")).to_be_visible()
    expect(page.locator("#history-chart-table tbody tr").nth(7).locator("th")).to_have_text(
        "Week van 16 nov"
    )
    expect(page.get_by_role("button", name="Alles verwijderen", exact=True)).to_be_visible()
    page.get_by_label("Een JSON-bestand importeren").set_input_files(
        {"name": "kapot.json", "mimeType": "application/json", "buffer": b"nee"}
    )
    expect(status(page)).to_contain_text("niets veranderd")
    page.screenshot(path=output_dir / "history-nl-390x844.png", full_page=True)


def test_fits_320_pixels_and_every_control_is_big_enough(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    open_history(page, "nl", RUNS)
    page.locator("#delete-all").click()
    expect(page.locator("#delete-confirm")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the history scrolls sideways by {overflow}px"
    small = page.evaluate(
        """selector => [...document.querySelectorAll(selector)]
            .filter(el => el.offsetParent !== null)
            .map(el => [el.textContent.trim(), el.getBoundingClientRect()])
            .filter(([, box]) => box.width < 44 || box.height < 44)
            .map(([text, box]) => `${text}: ${box.width}x${box.height}`)""",
        BUTTONS,
    )
    assert small == []
    # export x2, import, delete, yes, cancel, and "show more" (hidden: only seven runs); the
    # summary's print and back (hidden until #summary, test_session_summary.py)
    assert page.locator(BUTTONS).count() == 9


def test_without_javascript_the_page_says_where_the_history_is(
    browser: Browser, base_url: str
) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/en/history")
    expect(page.locator("h1")).to_have_text("Your history")
    # Playwright's text search skips <noscript>; a browser without script shows it.
    notice = page.locator("noscript .notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Your history is kept on this device, not on a server.")
    expect(page.locator("#history")).to_be_hidden()
    context.close()


def test_import_keeps_only_what_a_run_is_made_of(page: Page) -> None:
    """An older or hand-made file may leave out what is empty; anything unknown is dropped."""
    open_history(page)
    checked = page.evaluate(
        """async () => {
            const src = document.querySelector('script[src$="/js/history.js"]').src;
            const data = await import(new URL('history-data.js', src).href);
            const run = {id: 'x', exercise: 'grounding', startedAt: '2026-11-20T08:15:00+01:00',
                         seconds: 12.5, status: 'completed', extra: '<img src=x>'};
            return [data.checkRun(run), data.checkRun({...run, seconds: -1}),
                    data.checkRun({...run, notes: {a: 3}}), data.checkRun({...run, before: 2.5})];
        }"""
    )
    assert checked == [
        {
            "id": "x",
            "exercise": "grounding",
            "set": None,
            "startedAt": "2026-11-20T08:15:00+01:00",
            "seconds": 12.5,
            "status": "completed",
            "before": None,
            "after": None,
            "notes": {},
        },
        None,
        None,
        None,
    ]


def many_runs(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"run-{i:04}",
            "exercise": "grounding",
            "set": None,
            "startedAt": f"2026-{1 + i // 300 % 11:02}-{1 + i % 28:02}T{i % 24:02}:00:00.000Z",
            "seconds": 101,
            "status": "completed",
            "before": None,
            "after": None,
            "notes": {},
        }
        for i in range(count)
    ]


def test_a_long_history_stays_usable(page: Page) -> None:
    """A thousand runs: ten at a time with "show more", the actions in reach, and the length
    read naturally."""
    open_history(page, "en", many_runs(1000))
    runs = page.locator(".history-run")
    expect(runs).to_have_count(10)
    expect(runs.first).to_contain_text("1 min 41 sec · Completed")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 6 * 844, f"the page is {height} px tall"
    more = page.get_by_role("button", name="Show 10 older (990 left)")
    more.click()
    expect(runs).to_have_count(20)
    expect(runs.nth(10)).to_be_focused()
    expect(page.get_by_role("button", name="Show 10 older (980 left)")).to_be_visible()
    page.get_by_role("link", name="Export, import or delete your history").click()
    expect(page.get_by_role("button", name="Export as JSON")).to_be_in_viewport()
