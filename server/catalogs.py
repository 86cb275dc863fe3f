"""Keeping the message catalogs complete: checks for the tests and a helper for `make extract`.

English is the source language, so its catalog translates every message to itself; Dutch is
translated by hand. ``python -m server.catalogs fill-english`` fills the English catalog after
an extraction; ``python -m server.catalogs check`` lists what is incomplete.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from .i18n import LOCALES, LOCALES_DIR

# Python named placeholders (%(name)s) and Jinja's, as Babel writes them into message ids.
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def po_path(locale: str, directory: Path = LOCALES_DIR) -> Path:
    return directory / locale / "LC_MESSAGES" / "messages.po"


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def write_catalog(catalog: Catalog, path: Path) -> None:
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)


def _texts(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def problems(locale: str, directory: Path = LOCALES_DIR) -> list[str]:
    """Everything that keeps a shipped catalog from being complete and correct."""
    catalog = read_catalog(po_path(locale, directory))
    found = []
    for message in catalog:
        if not message.id:
            continue
        ids, strings = _texts(message.id), _texts(message.string)
        label = f"{locale}: {ids[0][:60]!r}"
        if message.fuzzy:
            found.append(f"{label} is fuzzy")
        if not strings or not all(s.strip() for s in strings):
            found.append(f"{label} is untranslated")
            continue
        expected = set().union(*(placeholders(i) for i in ids))
        for string in strings:
            if placeholders(string) != expected:
                found.append(
                    f"{label} has placeholders {sorted(placeholders(string))}, "
                    f"expected {sorted(expected)}"
                )
    found.extend(f"{locale}: obsolete entry {m.id!r}" for m in catalog.obsolete.values())
    return found


def fill_english(directory: Path = LOCALES_DIR) -> int:
    """Translate every untranslated English message to its own id; return how many."""
    path = po_path("en", directory)
    catalog = read_catalog(path)
    filled = 0
    for message in catalog:
        if not message.id or (message.string and all(_texts(message.string))):
            continue
        message.string = tuple(_texts(message.id)) if message.pluralizable else message.id
        message.flags.discard("fuzzy")
        filled += 1
    write_catalog(catalog, path)
    return filled


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "fill-english":
        print(f"filled {fill_english()} English message(s)")
        return 0
    if command == "check":
        found = [problem for locale in LOCALES for problem in problems(locale)]
        print("\n".join(found) or "catalogs are complete")
        return 1 if found else 0
    print("usage: python -m server.catalogs fill-english|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
