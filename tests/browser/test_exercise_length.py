"""The exercise page says how long the run it starts takes: the server writes the defaults, and
the page's script says it again with the person's pace and own timings, or a set's values."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from server.exercises.loader import load_exercises
from server.i18n import Catalogs
from server.settings import PROJECT_ROOT
from tests.engines.flows import set_link

EXERCISES = load_exercises(PROJECT_ROOT / "exercises")
CATALOGS = Catalogs.load()
# The player's script has run once Start is a button.
READY = "#start[role=button]"


def shown(page: Page) -> tuple[str, list[str]]:
    """The length and each step's few words, as the page shows them."""
    length = page.locator("#exercise-info .meta").inner_text()
    return length, page.locator("#steps .step > .step-detail").all_inner_texts()


def written(source: str) -> tuple[str, list[str]]:
    """The same, as the server wrote them (the page without its script)."""
    texts = [
        html.unescape(re.sub(r"\s+", " ", found)).strip()
        for found in re.findall(r'<p class="(?:meta|step-detail)">(.*?)</p>', source, re.S)
    ]
    return texts[0], texts[1:]


def with_prefs(page: Page, prefs: dict[str, Any]) -> None:
    page.add_init_script(f"localStorage.setItem('houvast.prefs', {json.dumps(json.dumps(prefs))})")


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_at_the_defaults_the_page_says_what_the_server_wrote(
    page: Page, base_url: str, locale: str
) -> None:
    # The script computes the length and words the server writes, in both languages' formats:
    # with nothing changed, every exercise page reads the same before and after it ran.
    for exercise in EXERCISES:
        url = f"{base_url}/{locale}/exercises/{exercise}"
        expected = written(page.request.get(url).text())
        page.goto(url)
        page.wait_for_selector(READY, state="attached")
        assert shown(page) == expected, exercise


def test_a_sets_values_are_what_its_exercise_page_says(page: Page, base_url: str) -> None:
    values = {"breathe-along.cycles": 6, "own-rhythm.duration": 120}
    page.goto(f"{base_url}/nl/set" + set_link("Ademen", [["paced-breathing", values, ""]]))
    page.locator("#set-keep").click()
    expect(page.locator("#set-status")).to_contain_text("Bewaard")
    page.locator(".set-items > li a").first.click()
    page.wait_for_selector(READY, state="attached")
    length, details = shown(page)
    dutch = CATALOGS.language("nl")
    minutes = EXERCISES["paced-breathing"].with_values(values).estimated_minutes()
    assert length == f"Ongeveer {dutch.minutes(minutes)}"
    assert length != written(page.request.get(page.url).text())[0], "the set makes it shorter"
    assert "6 ademhalingen" in details and "2 minuten" in details, details


def test_a_persons_pace_and_own_timings_are_what_the_page_says(page: Page, base_url: str) -> None:
    url = f"{base_url}/en/exercises/stop-solo"
    default_length, default_details = written(page.request.get(url).text())
    assert "3 rounds" in default_details and "30 seconds" in default_details
    rating = page.locator("#steps .step").filter(has_text="a rating, if you like")
    prefs = {"pace": 2, "ratings": False, "overrides": {"stop-solo": {"practise-stop.rounds": 1}}}
    with_prefs(page, prefs)
    page.goto(url)
    page.wait_for_selector(READY, state="attached")
    length, details = shown(page)
    assert "1 round" in details and "3 rounds" not in details, details
    # Twice as slow: a step of 30 seconds takes a minute.
    assert "60 seconds" in details and "30 seconds" not in details, details
    minutes = int(re.sub(r"\D", "", length))
    assert minutes > int(re.sub(r"\D", "", default_length)), (length, default_length)
    # With ratings turned off, the list leaves out the ratings the run leaves out.
    assert "a rating, if you like" in default_details
    expect(rating.first).to_be_hidden()
    assert rating.count() == default_details.count("a rating, if you like")
    assert "a rating, if you like" not in page.locator("#steps").inner_text()
