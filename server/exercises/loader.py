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

from .model import (
    CATEGORIES,
    STEP_KINDS,
    ActionStep,
    Bounded,
    BreathStep,
    Exercise,
    NoteStep,
    RateStep,
    RoundsStep,
    Step,
    TextStep,
    TimedStep,
)

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NOTE_KEY = re.compile(r"^[a-z]+(?:-[a-z]+)*$")

_TOP_REQUIRED = {"id", "order", "category", "title", "purpose", "intro", "closing", "steps"}
_TOP_OPTIONAL = {"alone"}
_STEP_COMMON = {"kind", "title", "text"}
# Per kind: (required keys, optional keys) besides kind, title and text.
_STEP_KEYS: dict[str, tuple[set[str], set[str]]] = {
    "text": (set(), {"min_pause"}),
    "timed": ({"duration", "duration_range"}, set()),
    "breath": (
        {"inhale", "inhale_range", "exhale", "exhale_range", "cycles", "cycles_range"},
        {"hold", "hold_range"},
    ),
    "rounds": ({"rounds", "rounds_range", "steps"}, set()),
    "action": ({"button"}, {"timeout", "timeout_range"}),
    "rate": ({"moment"}, set()),
    "note": ({"key"}, set()),
}
# The outer limits a file's own ranges must stay within.
_LIMITS = {
    "duration": (5, 1800),
    "inhale": (1, 15),
    "hold": (0, 15),
    "exhale": (1, 15),
    "cycles": (1, 60),
    "rounds": (1, 20),
    "timeout": (5, 600),
    "min_pause": (0, 120),
}
_MAX_LENGTH = {"title": 60, "purpose": 160, "button": 20}

assert set(_STEP_KEYS) == set(STEP_KINDS)


class ExerciseError(ValueError):
    """An exercise file is wrong; the message names the file and the problems."""


class _Problems:
    """Collects what is wrong with one file, so the author sees everything at once."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, problem: str) -> None:
        self.items.append(f"{where}: {problem}" if where else problem)


def _text(data: dict[str, Any], key: str, where: str, problems: _Problems) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.add(where, f"'{key}' must be a non-empty text")
        return ""
    if "%" in value:
        problems.add(where, f"'{key}' must not contain '%'")
    limit = _MAX_LENGTH.get(key)
    if limit and len(value) > limit:
        problems.add(where, f"'{key}' is {len(value)} characters long, at most {limit} allowed")
    return value


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bounded(data: dict[str, Any], key: str, where: str, problems: _Problems) -> Bounded:
    """Read ``key`` and ``key_range`` and check the default lies within the range."""
    value, span = data.get(key), data.get(f"{key}_range")
    low_limit, high_limit = _LIMITS[key]
    if not _integer(value):
        problems.add(where, f"'{key}' must be a whole number")
        return Bounded(low_limit, low_limit, low_limit)
    if not (isinstance(span, list) and len(span) == 2 and all(_integer(v) for v in span)):
        problems.add(where, f"'{key}_range' must be [min, max] with whole numbers")
        return Bounded(value, value, value)
    low, high = span
    if not low_limit <= low <= high <= high_limit:
        problems.add(
            where,
            f"'{key}_range' {span} must lie within [{low_limit}, {high_limit}] with min <= max",
        )
    elif not low <= value <= high:
        problems.add(where, f"'{key}' {value} is outside its range [{low}, {high}]")
    return Bounded(value, low, high)


def _step(data: Any, where: str, problems: _Problems, *, nested: bool = False) -> Step | None:
    if not isinstance(data, dict):
        problems.add(where, "a step must be a table")
        return None
    kind = data.get("kind")
    if kind not in STEP_KINDS:
        known = ", ".join(STEP_KINDS)
        problems.add(where, f"unknown step kind {kind!r} (known: {known})")
        return None
    where = f"{where} ({kind})"
    known_problems = len(problems.items)
    if nested and kind == "rounds":
        problems.add(where, "rounds cannot be nested inside rounds")
        return None
    required, optional = _STEP_KEYS[kind]
    for key in sorted(set(data) - _STEP_COMMON - required - optional):
        problems.add(where, f"unknown key '{key}'")
    for key in sorted(required - set(data)):
        problems.add(where, f"missing key '{key}'")
    title = _text(data, "title", where, problems)
    text = _text(data, "text", where, problems)
    if len(problems.items) > known_problems:
        return None

    if kind == "text":
        pause = data.get("min_pause", 0)
        low, high = _LIMITS["min_pause"]
        if not _integer(pause) or not low <= pause <= high:
            problems.add(where, f"'min_pause' must be a whole number from {low} to {high}")
        return TextStep(title, text, min_pause=pause if _integer(pause) else 0)
    if kind == "timed":
        return TimedStep(title, text, duration=_bounded(data, "duration", where, problems))
    if kind == "breath":
        hold = Bounded(0, 0, 0)
        if "hold" in data or "hold_range" in data:
            hold = _bounded(data, "hold", where, problems)
        return BreathStep(
            title,
            text,
            inhale=_bounded(data, "inhale", where, problems),
            hold=hold,
            exhale=_bounded(data, "exhale", where, problems),
            cycles=_bounded(data, "cycles", where, problems),
        )
    if kind == "rounds":
        children = data["steps"]
        if not isinstance(children, list) or not children:
            problems.add(where, "'steps' must hold at least one step")
            children = []
        steps = [
            _step(child, f"{where} step {number}", problems, nested=True)
            for number, child in enumerate(children, 1)
        ]
        return RoundsStep(
            title,
            text,
            rounds=_bounded(data, "rounds", where, problems),
            steps=tuple(step for step in steps if step),
        )
    if kind == "action":
        timeout = None
        if "timeout" in data or "timeout_range" in data:
            timeout = _bounded(data, "timeout", where, problems)
        return ActionStep(
            title, text, button=_text(data, "button", where, problems), timeout=timeout
        )
    if kind == "rate":
        if data["moment"] not in ("before", "after"):
            problems.add(where, "'moment' must be 'before' or 'after'")
        return RateStep(title, text, moment=data["moment"])
    if not isinstance(data["key"], str) or not _NOTE_KEY.match(data["key"]):
        problems.add(where, "'key' must be lower-case letters and dashes")
    return NoteStep(title, text, key=str(data["key"]))


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
        key: _text(data, key, "", problems) for key in ("title", "purpose", "intro", "closing")
    }
    alone = _text(data, "alone", "", problems) if "alone" in data else None
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.add("", "'steps' must hold at least one step")
        raw_steps = []
    steps = [_step(raw, f"step {number}", problems) for number, raw in enumerate(raw_steps, 1)]
    if problems.items:
        raise ExerciseError(f"{path}:\n  " + "\n  ".join(problems.items))
    return Exercise(
        id=exercise_id,
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
