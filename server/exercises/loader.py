"""Read exercise files and refuse any that are wrong.

A broken exercise file is a programmer's mistake: the loader names the file and every problem it
found, and the server does not start. The format is described in docs/exercise-format.md.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .kinds import COMMON, KINDS, Name, read_text
from .model import CATEGORIES, Exercise, Step

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

_TOP_REQUIRED = {"id", "order", "category", "title", "purpose", "intro", "closing", "steps"}
_TOP_OPTIONAL = {"alone"}
_STEP_COMMON = {f.name for f in COMMON}
_MAX_LENGTH = {"title": 60, "purpose": 160}


class ExerciseError(ValueError):
    """An exercise file is wrong; the message names the file and the problems."""


class _Problems:
    """Collects what is wrong with one file, so the author sees everything at once."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, problem: str) -> None:
        self.items.append(f"{where}: {problem}" if where else problem)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _step(
    data: Any, where: str, problems: _Problems, seen: set[str], *, nested: bool = False
) -> Step | None:
    """Read one step as its kind (server/exercises/kinds.py) declares it."""
    if not isinstance(data, dict):
        problems.add(where, "a step must be a table")
        return None
    name = data.get("kind")
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        problems.add(where, f"unknown step kind {data.get('kind')!r} (known: {', '.join(KINDS)})")
        return None
    where = f"{where} ({kind.name})"
    known_problems = len(problems.items)
    if nested and kind.nests:
        problems.add(where, f"{kind.name} cannot be nested inside {kind.name}")
        return None
    for key in sorted(set(data) - _STEP_COMMON - kind.keys()):
        problems.add(where, f"unknown key '{key}'")
    for key in sorted((_STEP_COMMON | kind.required_keys()) - set(data)):
        problems.add(where, f"missing key '{key}'")
    step_id = Name(digits=True).read(data, "id", where, problems)
    if step_id and step_id in seen:
        problems.add(where, f"the id {step_id!r} is used by another step of this exercise")
    seen.add(step_id)
    title = read_text(data, "title", where, problems, _MAX_LENGTH["title"])
    text = read_text(data, "text", where, problems)
    if len(problems.items) > known_problems:
        return None
    values: dict[str, Any] = {}
    for f in kind.fields:
        present = [key for key in f.spec.keys(f.name) if key in data]
        values[f.name] = f.spec.read(data, f.name, where, problems) if present else f.default
    inner: list[Step | None] = []
    if kind.nests:
        children = data.get("steps")
        if not isinstance(children, list) or not children:
            problems.add(where, "'steps' must hold at least one step")
            children = []
        inner = [
            _step(child, f"{where} step {number}", problems, seen, nested=True)
            for number, child in enumerate(children, 1)
        ]
    return Step(
        step_id, kind, title, text, values, tuple(step for step in inner if step is not None)
    )


def parse_exercise(path: Path, source: str | None = None) -> Exercise:
    """Read and validate one exercise file; raise ExerciseError naming every problem.

    ``source`` is the file's text when the caller has already read it.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8") if source is None else source)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ExerciseError(f"{path}: cannot be read as TOML: {error}") from None
    problems = _Problems()
    for key in sorted(set(data) - _TOP_REQUIRED - _TOP_OPTIONAL):
        problems.add("", f"unknown key '{key}'")
    for key in sorted(_TOP_REQUIRED - set(data)):
        problems.add("", f"missing key '{key}'")
    exercise_id = data.get("id")
    if not isinstance(exercise_id, str) or not _ID.match(exercise_id):
        problems.add("", "'id' must be lower-case letters, digits and dashes")
    elif exercise_id != path.stem:
        problems.add("", f"'id' {exercise_id!r} differs from the file name {path.stem!r}")
    if not _integer(data.get("order")):
        problems.add("", "'order' must be a whole number")
    if data.get("category") not in CATEGORIES:
        problems.add("", f"'category' must be one of {', '.join(CATEGORIES)}")
    texts = {
        key: read_text(data, key, "", problems, _MAX_LENGTH.get(key))
        for key in ("title", "purpose", "intro", "closing")
    }
    alone = read_text(data, "alone", "", problems) if "alone" in data else None
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.add("", "'steps' must hold at least one step")
        raw_steps = []
    seen: set[str] = set()
    steps = [
        _step(raw, f"step {number}", problems, seen) for number, raw in enumerate(raw_steps, 1)
    ]
    if problems.items:
        raise ExerciseError(f"{path}:\n  " + "\n  ".join(problems.items))
    return Exercise(
        id=str(exercise_id),
        order=data["order"],
        category=data["category"],
        steps=tuple(step for step in steps if step),
        alone=alone,
        **texts,
    )


def load_exercises(directory: Path) -> dict[str, Exercise]:
    """Load every ``*.toml`` in ``directory``, ordered for the home page."""
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise ExerciseError(f"{directory}: no exercise files (*.toml) found")
    exercises = sorted((parse_exercise(path) for path in paths), key=lambda e: (e.order, e.id))
    if "grounding" not in {exercise.id for exercise in exercises}:
        # Every page links to it as the way out when things get too much.
        raise ExerciseError(f"{directory}: the 'grounding' exercise is required")
    return {exercise.id: exercise for exercise in exercises}


def check_translations(
    exercises: Iterable[Exercise], catalogs: dict[str, Callable[[str], str | None]]
) -> None:
    """Fail when an exercise text has no translation in a shipped language.

    ``catalogs`` maps a locale to a function that returns the translation of a message id, or
    None when the catalog lacks it.
    """
    problems = [
        f"exercises/{exercise.id}.toml: {where} has no {locale} translation: {message[:60]!r}"
        for exercise in exercises
        for where, message in exercise.messages()
        for locale, lookup in catalogs.items()
        if not lookup(message)
    ]
    if problems:
        raise ExerciseError("missing translations:\n  " + "\n  ".join(problems))
