from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from server.catalogs import placeholders, problems
from server.exercises.loader import load_exercises
from server.i18n import (
    LOCALES,
    CatalogError,
    Catalogs,
    format_minutes,
    format_seconds,
    negotiate,
    parse_accept_language,
)
from server.settings import PROJECT_ROOT


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        ("en-US,en;q=0.9", "en"),
        ("nl-NL,nl;q=0.9,en;q=0.8", "nl"),
        ("de-DE,de;q=0.9,en;q=0.5", "en"),
        ("fr-FR", "nl"),
        ("en;q=0.2, nl;q=0.8", "nl"),
        ("EN-gb", "en"),
        ("", "nl"),
        (None, "nl"),
        (";;;,,,q=", "nl"),
        ("en;q=abc", "nl"),
        ("en;q=1.5", "nl"),
        ("x" * 5000, "nl"),
        ("*", "nl"),
        ("\u00e9n, en;q=0.1", "en"),
    ],
)
def test_accept_language_picks_a_supported_locale_or_dutch(header: str | None, locale: str) -> None:
    assert negotiate(header) == locale


def test_accept_language_is_ordered_by_quality() -> None:
    assert parse_accept_language("fr;q=0.1, en, nl;q=0.5") == ["en", "nl", "fr"]


def test_durations_are_formatted_for_the_language() -> None:
    assert format_minutes(5, "nl") == "5 minuten"
    assert format_minutes(1, "nl") == "1 minuut"
    assert format_minutes(5, "en") == "5 minutes"
    assert format_minutes(45, "en") == "45 minutes"
    assert format_seconds(30, "nl") == "30 seconden"
    assert format_seconds(180, "en") == "3 minutes"


@pytest.mark.parametrize("locale", LOCALES)
def test_shipped_catalogs_are_complete(locale: str) -> None:
    assert problems(locale) == []


def test_placeholders_are_recognised() -> None:
    assert placeholders("About %(duration)s, %(count)d times") == {"duration", "count"}


def test_catalogs_are_up_to_date_with_the_sources(tmp_path: Path) -> None:
    """Every text in templates, code and exercises is in the template and in both catalogs."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "--quiet",
            "extract",
            "--mapping-file",
            "babel.cfg",
            "--output-file",
            str(pot),
            ".",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )

    def ids(path: Path) -> set[str]:
        with path.open("rb") as handle:
            return {str(m.id) for m in read_po(handle) if m.id}

    fresh = ids(pot)
    assert fresh, "extraction found no messages"
    assert ids(PROJECT_ROOT / "locales" / "messages.pot") == fresh, "run `make extract`"
    for locale in LOCALES:
        po = PROJECT_ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po"
        assert ids(po) == fresh, f"{locale} catalog is out of date: run `make extract`"


def test_exercise_texts_reach_the_template() -> None:
    with (PROJECT_ROOT / "locales" / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    sources = {location[0] for message in template for location in message.locations}
    assert any(source.startswith("exercises/") for source in sources)


def test_a_missing_compiled_catalog_stops_the_server(tmp_path: Path) -> None:
    for locale in LOCALES:
        (tmp_path / locale / "LC_MESSAGES").mkdir(parents=True)
    with pytest.raises(CatalogError, match="make catalogs"):
        Catalogs.load(tmp_path)


def test_a_counted_text_travels_in_each_plural_form_the_browser_chooses_from() -> None:
    # pwa/js/i18n.js picks a form by Intl.PluralRules' category, CLDR's as Babel's.
    catalogs = Catalogs.load()
    dutch = catalogs.language("nl").plural_forms("%(count)s breath", "%(count)s breaths")
    assert dutch == {"one": "%(count)s ademhaling", "other": "%(count)s ademhalingen"}
    english = catalogs.language("en").plural_forms("%(count)s round", "%(count)s rounds")
    assert english == {"one": "%(count)s round", "other": "%(count)s rounds"}
    exercises = load_exercises(PROJECT_ROOT / "exercises")
    grounding = exercises["grounding"].player_data(catalogs.language("nl"))
    assert grounding["texts"]["breaths"] == dutch
    assert grounding["closing_estimate"] > 0 and all(s["estimate"] > 0 for s in grounding["steps"])
