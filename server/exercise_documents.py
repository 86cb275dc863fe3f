"""Each exercise's document: what the service worker builds the responses that show exercises
from (server/shells.py), each text once.

Every phone stores every exercise page in both languages, both languages' app.json, home and
settings. Whole, each exercise page would repeat the page's markup and carry each step's texts
twice (the list a person reads without script, and the player's JSON); app.json would repeat
the grounding exercise and every step's title and timings; home and settings each exercise's
title. The worker's bundle holds instead one document per exercise and language: the player's
data and what only the pages show. The second language's document travels as the texts it
puts over the first's (``texts_over``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .exercises.kinds import KINDS, Timing

if TYPE_CHECKING:
    from .exercises.model import Exercise
    from .i18n import Language

# What a person may change, per step kind: [[name, what it is called], ...] (``adjustable``).
Kinds = dict[str, list[list[str]]]


def document(exercise: Exercise, language: Language) -> dict[str, Any]:
    """What the pages show of an exercise beyond their shells, each text once: the player's
    data (title, steps, closing, the texts its kinds show) and what only the pages say."""
    return {
        "data": exercise.player_data(language),
        "category": exercise.category,
        "purpose": language.gettext(exercise.purpose),
        "intro": language.gettext(exercise.intro),
        "alone": language.gettext(exercise.alone) if exercise.alone else None,
        "length": language.minutes(exercise.estimated_minutes()),
        # Each step's line under its title, in the order of the file (inner steps after their
        # round), as the step list shows them.
        "summaries": [step.kind.summary(step, language) for step in exercise.all_steps()],
    }


def texts_over(twin: Any, doc: Any) -> list[str | int] | None:
    """``doc`` as the texts it puts over ``twin`` (the same exercise's document in another
    language): each string of ``twin`` in order, ``doc``'s where it differs and 0 where it is
    the same; None when ``doc`` differs from ``twin`` in more than strings."""
    texts: list[str | int] = []

    def over(a: Any, b: Any) -> bool:
        if isinstance(a, str) and isinstance(b, str):
            texts.append(0 if a == b else b)
            return True
        if isinstance(a, dict) and isinstance(b, dict):
            return list(a) == list(b) and all(over(a[k], b[k]) for k in a)
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(over(x, y) for x, y in zip(a, b, strict=True))
        return type(a) is type(b) and a == b

    return texts if over(twin, doc) else None


def adjustable(language: Language) -> Kinds:
    """Per step kind, the timings a person may change (settings, through app.json), each as
    [name, what it is called], in the kind's order."""
    found: Kinds = {}
    for kind in KINDS.values():
        fields = [
            [f.name, language.gettext(f.spec.label)]
            for f in kind.fields
            if isinstance(f.spec, Timing) and "person" in f.spec.changed_by
        ]
        if fields:
            found[kind.name] = fields
    return found


def timings(data: dict[str, Any], kinds: Kinds) -> list[list[Any]]:
    """The timings a person may change in the exercise ``data`` (the player's), as app.json
    lists them: [key, step title, what it is, default, min, max]; as Exercise.adjustable finds
    them, a step offers each whose range holds more than one value."""
    return [
        [f"{step['id']}.{name}", step["title"], label, *(step[name][k] for k in _BOUNDS)]
        for step in walk(data["steps"])
        for name, label in kinds.get(step["kind"], [])
        if isinstance(step.get(name), dict) and step[name]["min"] < step[name]["max"]
    ]


def walk(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps and the steps inside them, in the order of the file."""
    return [found for step in steps for found in (step, *walk(step.get("steps", [])))]


_BOUNDS = ("value", "min", "max")
