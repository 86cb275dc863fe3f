"""The PIN that locks the history: warned about before it is set, asked for by the history,
never by practising or the way out; what is kept is unreadable in IndexedDB without it, and
export and import still work. At 360x640, in both languages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import AXE, STORED, freeze_clock, one_language
from tests.browser.track_helpers import SMALL_PHONE, START

PIN = "2468"
RUNS = [
    {
        "id": "run-protector",
        "exercise": "protector",
        "set": None,
        "startedAt": "2026-11-19T08:15:00.000Z",
        "seconds": 300,
        "status": "completed",
        "before": 7,
        "after": 4,
        "notes": {"protector": "a big calm bear"},
    },
    {
        "id": "run-grounding",
        "exercise": "grounding",
        "set": None,
        "startedAt": "2026-11-20T08:15:00.000Z",
        "seconds": 180,
        "status": "stopped",
        "before": None,
        "after": None,
        "notes": {},
    },
]
NOTES = {"safe-place": "a cabin by the lake"}
# What must not be readable in the database once the PIN is set.
SECRETS = ["protector", "grounding", "calm bear", "cabin by the lake", "2026-11", '"before"', PIN]
TEXT = {
    "nl": {
        "choose": "Kies een pincode",
        "warning": "als je je pincode vergeet, kan niemand je geschiedenis nog openen",
        "save": "Vergrendel met deze pincode",
        "new": "Een pincode van minstens 4 cijfers",
        "again": "Dezelfde pincode nog een keer",
        "short": "Kies minstens 4 cijfers.",
        "mismatch": "De twee pincodes zijn niet hetzelfde. Typ ze nog een keer.",
        "saved": "Je geschiedenis is nu vergrendeld.",
        "enter": "Je pincode, om je geschiedenis en je bewaarde woorden te zien",
        "open": "Openen",
        "wrong": "Die pincode klopt niet. Neem je tijd en probeer het nog eens.",
        "way_out": "Te veel? Terug naar het hier en nu",
    },
    "en": {
        "choose": "Choose a PIN",
        "warning": "if you forget your PIN, nobody can open your history again",
        "save": "Lock with this PIN",
        "new": "A PIN of at least 4 digits",
        "again": "The same PIN again",
        "short": "Choose at least 4 digits.",
        "mismatch": "The two PINs are not the same. Please type them again.",
        "saved": "Your history is now locked.",
        "enter": "Your PIN, to see your history and the words you kept",
        "open": "Open",
        "wrong": "That is not the PIN. Take your time and try again.",
        "way_out": "Too much? Back to the here and now",
    },
}

STORE = "new URL('store.js', document.querySelector('script[type=module]').src).href"
SEED = f"""async ({{runs, notes, pin}}) => {{
    const store = await import({STORE});
    await store.mergeRuns(runs);
    for (const [key, text] of Object.entries(notes)) await store.saveNote(key, text);
    if (pin) await store.setPin(pin);
}}"""


def seed(page: Page, locale: str = "en", *, pin: str | None = PIN) -> None:
    page.set_viewport_size(SMALL_PHONE)
    page.goto(f"/{locale}/settings")
    page.evaluate(SEED, {"runs": RUNS, "notes": NOTES, "pin": pin})


def raw(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(STORED, ["runs", "notes"])
    found["lock"] = page.evaluate("localStorage.getItem('houvast.lock')")
    return found


def assert_sealed(page: Page, runs: int) -> None:
    found = raw(page)
    assert len(found["runs"]) == runs and len(found["notes"]) == len(NOTES)
    assert all(r["keys"] == ["id", "sealed"] for r in found["runs"]), found["runs"]
    assert all(n["keys"] == ["key", "sealed"] for n in found["notes"]), found["notes"]
    everything = json.dumps(found["runs"]) + json.dumps(found["notes"]) + found["lock"]
    for secret in SECRETS:
        assert secret not in everything.replace("run-protector", "").replace("run-grounding", "")


def open_history(page: Page, locale: str = "en", pin: str = PIN) -> None:
    page.goto(f"/{locale}/history")
    page.get_by_label(TEXT[locale]["enter"]).fill(pin)
    page.get_by_role("button", name=TEXT[locale]["open"], exact=True).click()
    expect(page.locator("#history")).to_be_visible()


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_choosing_a_pin_warns_first_then_locks_everything(
    page: Page, locale: str, output_dir: Path
) -> None:
    text = TEXT[locale]
    seed(page, locale, pin=None)
    page.reload()
    page.get_by_text(text["choose"]).click()
    warning = page.locator(".pin-choose .notice")
    expect(warning).to_contain_text(text["warning"])
    # The warning is read before any field.
    assert warning.evaluate(
        "w => Boolean(w.compareDocumentPosition(document.getElementById('pin-new')) & 4)"
    )
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()
    page.screenshot(path=output_dir / f"pin-choose-{locale}.png", full_page=True)

    pin, again = page.get_by_label(text["new"]), page.get_by_label(text["again"])
    pin.fill("12")
    page.get_by_role("button", name=text["save"]).click()
    expect(page.locator("#pin-new-error")).to_have_text(text["short"])
    expect(pin).to_be_focused()
    pin.fill(PIN)
    again.fill("2469")
    page.get_by_role("button", name=text["save"]).click()
    expect(page.locator("#pin-again-error")).to_have_text(text["mismatch"])
    assert raw(page)["lock"] is None, "nothing is locked while a field is wrong"
    again.fill(PIN)
    page.get_by_role("button", name=text["save"]).click()
    expect(page.locator("#pin-status")).to_contain_text(text["saved"], timeout=15_000)
    assert_sealed(page, runs=len(RUNS))


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_the_history_asks_for_the_pin_and_refuses_a_wrong_one_kindly(
    page: Page, locale: str, output_dir: Path
) -> None:
    text = TEXT[locale]
    seed(page, locale)
    page.set_viewport_size({"width": 360, "height": 640})
    page.goto(f"/{locale}/history")
    field = page.get_by_label(text["enter"])
    expect(field).to_be_focused()
    # On a small phone the form comes into view whole: its button clear of the way-out bar.
    uncovered = page.get_by_role("button", name=text["open"], exact=True).evaluate(
        """(el) => { const box = el.getBoundingClientRect();
            const hit = document.elementFromPoint(box.x + box.width / 2, box.bottom - 2);
            return el.contains(hit); }"""
    )
    assert uncovered, "the way-out bar covers the button that opens the history"
    expect(page.locator("#history")).to_be_hidden()
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()
    page.screenshot(path=output_dir / f"pin-ask-{locale}.png", full_page=True)
    field.fill("1357")
    page.get_by_role("button", name=text["open"], exact=True).click()
    expect(page.locator("#pin-enter-error")).to_have_text(text["wrong"])
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#history")).to_be_hidden()
    field.fill(PIN)
    page.get_by_role("button", name=text["open"], exact=True).click()
    expect(page.locator(".history-run")).to_have_count(len(RUNS))
    expect(page.locator("#pin-enter")).to_have_count(0)
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()


def test_export_and_import_still_work_and_keep_things_sealed(page: Page, tmp_path: Path) -> None:
    seed(page)
    open_history(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Export as JSON").click()
    exported = tmp_path / "export.json"
    info.value.save_as(exported)
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert sorted(data["runs"], key=lambda r: r["id"]) == sorted(RUNS, key=lambda r: r["id"])
    page.get_by_role("button", name="Delete everything", exact=True).click()
    page.get_by_role("button", name="Yes, delete everything").click()
    expect(page.locator(".history-run")).to_have_count(0)
    page.get_by_label("Import a JSON file").set_input_files(exported)
    expect(page.get_by_role("status").last).to_have_text("Imported: 2. Already here: 0.")
    expect(page.locator(".history-run")).to_have_count(len(RUNS))
    found = raw(page)
    assert [r["keys"] for r in found["runs"]] == [["id", "sealed"]] * len(RUNS)
    assert "calm bear" not in json.dumps(found["runs"])


@one_language("en")
def test_practising_and_the_way_out_never_ask_for_the_pin(page: Page, locale: str) -> None:
    seed(page, locale)
    freeze_clock(page, START)
    page.goto(f"/{locale}/history")
    expect(page.get_by_label(TEXT[locale]["enter"])).to_be_visible()
    # The way out is right there, and leads straight into grounding: no PIN on the way.
    page.get_by_role("link", name=TEXT[locale]["way_out"]).click()
    expect(page.locator("#player")).to_be_visible()
    expect(page.locator("#player-title")).not_to_be_empty()
    assert page.locator("#pin-enter").count() == 0
    page.clock.run_for(25_000)
    expect(page.locator("#player")).to_have_attribute("data-index", "1")
    # From grounding itself, the way out leads to help; the stopped run is kept, sealed.
    page.locator(".way-out-ground").click()
    expect(page).to_have_url(f"{page.url.split('/' + locale + '/')[0]}/{locale}/help")
    page.wait_for_function("() => sessionStorage.getItem('houvast.unsaved-runs') === null")
    assert_sealed(page, runs=len(RUNS) + 1)
    # The protector's words of last time are locked: the player goes on without them.
    page.goto(f"/{locale}/exercises/protector#start")
    expect(page.locator("#player-title")).not_to_be_empty()
    expect(page.locator("#player-last-time")).to_be_hidden()
    assert page.locator("#pin-enter").count() == 0


def test_a_forgotten_pin_means_starting_fresh(page: Page) -> None:
    seed(page)
    page.goto("/en/history")
    page.get_by_text("Forgot your PIN?").click()
    expect(page.locator(".pin-forgot")).to_contain_text(
        "deletes your history, the words you kept, your sets and the PIN"
    )
    expect(page.locator(".pin-forgot")).to_contain_text(
        "What you shared from a set is deleted from the server too."
    )
    page.get_by_role("button", name="Delete everything and start fresh").click()
    expect(page.get_by_role("status").first).to_have_text(
        "Everything locked with your PIN is deleted. You start fresh, without a PIN."
    )
    expect(page.get_by_text("No exercises yet.")).to_be_visible()
    assert raw(page) == {"runs": [], "notes": [], "lock": None}
    page.reload()
    expect(page.locator("#history")).to_be_visible()
    assert page.locator("#pin-enter").count() == 0


def test_removing_the_pin_takes_the_pin_and_unseals_everything(page: Page) -> None:
    seed(page)
    page.reload()
    expect(page.get_by_text("Your history is locked with a PIN.")).to_be_visible()
    field = page.get_by_label("Your PIN", exact=True)
    field.fill("0000")
    page.get_by_role("button", name="Remove the PIN").click()
    expect(page.locator("#pin-current-error")).to_have_text(
        "That is not the PIN. Take your time and try again."
    )
    assert raw(page)["lock"] is not None
    field.fill(PIN)
    page.get_by_role("button", name="Remove the PIN").click()
    expect(page.locator("#pin-status")).to_have_text(
        "The PIN is removed. Your history opens without it again."
    )
    found = raw(page)
    assert found["lock"] is None
    assert "calm bear" in json.dumps(found["runs"])
    page.goto("/en/history")
    expect(page.locator(".history-run")).to_have_count(len(RUNS))
