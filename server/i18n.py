"""The two languages: choosing one, loading the catalogs, formatting numbers and durations."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.dates import format_timedelta
from babel.messages.mofile import read_mo
from babel.support import Translations
from babel.units import format_unit

from .settings import RESOURCES_DIR

LOCALES = ("nl", "en")
DEFAULT_LOCALE = "nl"
LOCALES_DIR = RESOURCES_DIR / "locales"
LOCALE_COOKIE = "houvast_locale"

# One entry of an Accept-Language header: a language range and an optional quality.
_RANGE = re.compile(
    r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$"
)


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown, in that language."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with a plural form (``%(count)s``) for extraction."""
    return singular, plural


class CatalogError(RuntimeError):
    """A message catalog is missing or stale: the server cannot show a complete language."""


def parse_accept_language(header: str) -> list[str]:
    """The language ranges of an Accept-Language header, most preferred first.

    Malformed entries are skipped rather than rejected: a browser's odd header must never
    break a page.
    """
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:32]):
        match = _RANGE.match(part)
        if not match:
            continue
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if 0 < quality <= 1:
            ranked.append((-quality, position, match.group(1)))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(header: str | None) -> str:
    """Pick the locale for an Accept-Language header, Dutch when nothing fits."""
    preferred = [tag.lower() for tag in parse_accept_language(header or "")]
    chosen = negotiate_locale(preferred, LOCALES, sep="-")
    return chosen if chosen in LOCALES else DEFAULT_LOCALE


def format_minutes(minutes: int, locale: str) -> str:
    """A duration in whole minutes as people write it ("5 minuten", "5 minutes")."""
    return format_timedelta(
        timedelta(minutes=minutes), granularity="minute", threshold=3, locale=locale
    )


def format_seconds(seconds: int, locale: str) -> str:
    """A step's duration: "45 seconden", or whole minutes from two minutes on."""
    if seconds >= 120 and seconds % 60 == 0:
        return format_minutes(seconds // 60, locale)
    return format_unit(seconds, "duration-second", locale=locale)


@dataclass(frozen=True)
class Catalogs:
    """The compiled translations of every shipped locale."""

    translations: dict[str, Translations]
    messages: dict[str, dict[str, str]]

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR) -> Catalogs:
        """Load the compiled .mo files; refuse missing or stale ones with the fix named."""
        translations: dict[str, Translations] = {}
        messages: dict[str, dict[str, str]] = {}
        for locale in LOCALES:
            folder = directory / locale / "LC_MESSAGES"
            po, mo = folder / "messages.po", folder / "messages.mo"
            if not mo.exists():
                raise CatalogError(f"{mo} is missing: run `make catalogs`")
            found = mo.stat()
            if po.exists() and po.stat().st_mtime > found.st_mtime:
                raise CatalogError(f"{mo} is older than {po.name}: run `make catalogs`")
            translations[locale], messages[locale] = _compiled(mo, found.st_mtime_ns, found.st_size)
        return cls(translations, messages)

    def lookup(self, locale: str, message: str) -> str | None:
        """The translation of ``message``, or None when the catalog lacks it."""
        return self.messages[locale].get(message)

    def gettext(self, locale: str, message: str) -> str:
        return self.translations[locale].gettext(message)

    def language(self, locale: str) -> Language:
        """Texts and formats in one locale, for code that renders in it."""
        return Language(locale, self.translations[locale])


@functools.lru_cache(maxsize=8)
def _compiled(mo: Path, changed: int, size: int) -> tuple[Translations, dict[str, str]]:
    """One compiled catalog and its messages by id, read once per process for the same file
    (``changed`` and ``size`` tell a rewritten one): for a process that builds many apps (the
    test suite), reading them was over a quarter of building one. Neither is changed after this."""
    with mo.open("rb") as handle:
        catalog = read_mo(handle)
    # The header (id "") and plural entries (tuples) are never looked up by one id.
    messages = {
        message.id: message.string
        for message in catalog
        if isinstance(message.id, str)
        and message.id
        and isinstance(message.string, str)
        and message.string
    }
    with mo.open("rb") as handle:
        return Translations(handle), messages


@dataclass(frozen=True)
class Language:
    """One locale's translations and formats (server/exercises/kinds.py summarises with it)."""

    locale: str
    translations: Translations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """The form for ``count``, with ``%(count)s`` filled in."""
        return self.translations.ngettext(singular, plural, count) % {"count": count}

    def plural_forms(self, singular: str, plural: str) -> dict[str, str]:
        """The message's form for each of this locale's plural categories (CLDR's "one",
        "other", …), with ``%(count)s`` left in: pwa/js/i18n.js chooses one by the browser's
        Intl.PluralRules, which has the same categories."""
        return {
            category: self.translations.ngettext(singular, plural, count)
            for category, count in _plural_samples(self.locale).items()
        }

    def seconds(self, seconds: int) -> str:
        return format_seconds(seconds, self.locale)

    def minutes(self, minutes: int) -> str:
        return format_minutes(minutes, self.locale)


@functools.cache
def _plural_samples(locale: str) -> dict[str, int]:
    """A whole count in each plural category of ``locale`` that has one below 1,000 (the
    smallest). A category only fractions or millions reach is left out: pwa/js/i18n.js then
    says another form."""
    rule = Locale.parse(locale).plural_form
    samples: dict[str, int] = {}
    for count in range(1000):
        samples.setdefault(rule(count), count)
    return samples


def language_name(locale: str) -> str:
    """A language's own name ("Nederlands", "English") from Babel's locale data."""
    name = Locale.parse(locale).get_display_name(locale)
    if name is None:
        raise ValueError(f"Babel has no name for the locale {locale!r}")
    return name.capitalize()
