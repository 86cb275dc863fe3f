"""A Babel extractor for exercise files, so their texts land in locales/messages.pot.

Registered in babel.cfg (and as the ``houvast_exercises`` entry point). It validates the file with
the same loader the server uses, so a broken exercise fails extraction too.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from .loader import parse_exercise


def _line_of(source: str, message: str) -> int:
    """The 1-based line where ``message`` starts in the file, for the catalog's references."""
    head = message.strip().splitlines()[0][:40]
    index = source.find(head)
    return source.count("\n", 0, index) + 1 if index >= 0 else 1


def extract_exercises(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Yield Babel's (line, function, message, comments) for each text in an exercise file."""
    path = Path(fileobj.name)  # Babel hands over the file it opened
    source = fileobj.read().decode("utf-8")
    exercise = parse_exercise(path, source)
    for where, message in exercise.messages():
        comment = f"Exercise '{exercise.id}', {where}."
        yield _line_of(source, message), None, message, [comment]
