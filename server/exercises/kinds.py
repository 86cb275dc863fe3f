"""Every step kind, declared once: its keys, which are required, their limits, and which values
a person (in settings) or a therapist (in a set) may change.

The loader validates exercise files against this table, the extractor finds their texts through
it, the pages summarise steps with it, ``docs/exercise-format.md`` is generated from it
(``python -m server.exercises.docs``), and the player gets each step's values as the table
shapes them. Adding a kind means one declaration here and one renderer in ``pwa/js/kinds/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeGuard

from ..i18n import N_, NP_

Who = Literal["person", "therapist"]
BOTH: frozenset[Who] = frozenset({"person", "therapist"})

# Reading pace for estimating untimed text: slow and calm, about 120 words a minute.
_WORDS_PER_SECOND = 2.0
# Rough time a person spends on steps that wait for them.
_RATE_SECONDS = 10
_NOTE_SECONDS = 45
_SCALE_SECONDS = 20
_ACTION_SECONDS = 20
# A breath step's and a rounds step's count on the exercise page, said again there by the page's
# script when a person's own values or a set's change it (pwa/js/kinds/breath.js, rounds.js).
_BREATHS = NP_("%(count)s breath", "%(count)s breaths")
_ROUNDS = NP_("%(count)s round", "%(count)s rounds")


def reading_seconds(text: str) -> int:
    """Roughly how long a calm read of ``text`` takes."""
    return round(len(text.split()) / _WORDS_PER_SECOND) + 3


class Problems(Protocol):
    """Where a spec reports what is wrong (the loader collects them per file)."""

    def add(self, where: str, problem: str) -> None: ...


class Language(Protocol):
    """What summarising a step, and its texts for the player, need in one language."""

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, count: int) -> str: ...

    def plural_forms(self, singular: str, plural: str) -> dict[str, str]: ...

    def seconds(self, seconds: int) -> str: ...

    def minutes(self, minutes: int) -> str: ...


def _integer(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Bounded:
    """A default value (seconds or a count) and the range a person may choose from."""

    value: int
    low: int
    high: int

    def as_json(self) -> dict[str, int]:
        return {"value": self.value, "min": self.low, "max": self.high}


# The kinds of value a step's key can hold. Each reads its key from a file's table, reports
# what is wrong, and describes itself for the generated docs.


@dataclass(frozen=True)
class Text:
    """A text the person reads: an English message id, translated through the catalogs."""

    max_length: int | None = None

    def keys(self, name: str) -> tuple[str, ...]:
        return (name,)

    def read(self, data: Mapping[str, Any], name: str, where: str, problems: Problems) -> Any:
        return read_text(data, name, where, problems, self.max_length)

    def describe(self) -> str:
        limit = f", at most {self.max_length} characters" if self.max_length else ""
        return f"a text{limit}"


@dataclass(frozen=True)
class Timing:
    """A whole number with a range of its own in the file (``<name>_range = [min, max]``) that
    must lie within these outer limits; who is named in ``changed_by`` may choose a value within
    the file's range."""

    low: int
    high: int
    unit: Literal["seconds", "count"]
    # What the value is called where a person changes it ("seconds breathing in").
    label: str
    changed_by: frozenset[Who] = BOTH

    def keys(self, name: str) -> tuple[str, ...]:
        return (name, f"{name}_range")

    def read(self, data: Mapping[str, Any], name: str, where: str, problems: Problems) -> Any:
        value, span = data.get(name), data.get(f"{name}_range")
        if not _integer(value):
            problems.add(where, f"'{name}' must be a whole number")
            return Bounded(self.low, self.low, self.low)
        if not (isinstance(span, list) and len(span) == 2 and all(_integer(v) for v in span)):
            problems.add(where, f"'{name}_range' must be [min, max] with whole numbers")
            return Bounded(value, value, value)
        low, high = int(span[0]), int(span[1])
        if not self.low <= low <= high <= self.high:
            problems.add(
                where,
                f"'{name}_range' {span} must lie within [{self.low}, {self.high}] with min <= max",
            )
        elif not low <= value <= high:
            problems.add(where, f"'{name}' {value} is outside its range [{low}, {high}]")
        return Bounded(value, low, high)

    def describe(self) -> str:
        unit = "seconds" if self.unit == "seconds" else "a count"
        who = " and ".join(sorted(f"a {w}" for w in self.changed_by)) or "nobody"
        return (
            f"{unit}, {self.low}–{self.high}, with `_range` = [min, max] within that; "
            f"{who} may change it within the range"
        )


@dataclass(frozen=True)
class Whole:
    """A whole number within fixed limits that nobody changes."""

    low: int
    high: int

    def keys(self, name: str) -> tuple[str, ...]:
        return (name,)

    def read(self, data: Mapping[str, Any], name: str, where: str, problems: Problems) -> Any:
        value = data.get(name)
        if not _integer(value) or not self.low <= value <= self.high:
            problems.add(where, f"'{name}' must be a whole number from {self.low} to {self.high}")
            return self.low
        return value

    def describe(self) -> str:
        return f"a whole number, {self.low}–{self.high}"


@dataclass(frozen=True)
class Choice:
    """One of a few fixed words."""

    options: tuple[str, ...]

    def keys(self, name: str) -> tuple[str, ...]:
        return (name,)

    def read(self, data: Mapping[str, Any], name: str, where: str, problems: Problems) -> Any:
        value = data.get(name)
        if value not in self.options:
            quoted = " or ".join(f"'{option}'" for option in self.options)
            problems.add(where, f"'{name}' must be {quoted}")
            return self.options[0]
        return value

    def describe(self) -> str:
        return "one of " + ", ".join(f"`{option}`" for option in self.options)


_NAME = re.compile(r"^[a-z]+(?:-[a-z]+)*$")
_NAME_WITH_DIGITS = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Name:
    """A lower-case name with dashes, such as a step's id or the key a note is kept under."""

    digits: bool = False

    def keys(self, name: str) -> tuple[str, ...]:
        return (name,)

    def read(self, data: Mapping[str, Any], name: str, where: str, problems: Problems) -> Any:
        value = data.get(name)
        pattern = _NAME_WITH_DIGITS if self.digits else _NAME
        if not isinstance(value, str) or not pattern.match(value):
            problems.add(where, f"'{name}' must be {self._allowed()}")
            return ""
        return value

    def _allowed(self) -> str:
        return (
            "lower-case letters, digits and dashes"
            if self.digits
            else ("lower-case letters and dashes")
        )

    def describe(self) -> str:
        return "lower-case letters, digits and `-`" if self.digits else "lower-case letters and `-`"


@dataclass(frozen=True)
class Steps:
    """Steps inside a step, repeated by it; they cannot hold steps of their own."""

    def keys(self, name: str) -> tuple[str, ...]:
        return (name,)

    def read(self, data: Mapping[str, Any], name: str, where: str, problems: Problems) -> Any:
        # The loader reads nested steps itself (they are steps, with ids and kinds).
        return None

    def describe(self) -> str:
        return "nested steps (`[[steps.steps]]`), which cannot hold steps themselves"


Spec = Text | Timing | Whole | Choice | Name | Steps


def read_text(
    data: Mapping[str, Any],
    name: str,
    where: str,
    problems: Problems,
    max_length: int | None = None,
) -> str:
    """A non-empty text without ``%`` (it would break the catalogs' placeholders)."""
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        problems.add(where, f"'{name}' must be a non-empty text")
        return ""
    if "%" in value:
        problems.add(where, f"'{name}' must not contain '%'")
    if max_length and len(value) > max_length:
        problems.add(
            where, f"'{name}' is {len(value)} characters long, at most {max_length} allowed"
        )
    return value


@dataclass(frozen=True)
class Field:
    """One key of a step kind."""

    name: str
    spec: Spec
    doc: str
    required: bool = True
    # The value when an optional key is left out.
    default: Any = None


class StepShape(Protocol):
    """What a kind reads of a step (model.Step, which holds its kind: no import back)."""

    @property
    def values(self) -> Mapping[str, Any]: ...
    @property
    def text(self) -> str: ...
    @property
    def steps(self) -> Sequence[StepShape]: ...
    def estimated_seconds(self) -> int: ...


@dataclass(frozen=True)
class Kind:
    """A kind of step: what the person sees, its keys, and how long it roughly takes."""

    name: str
    shows: str
    timing: str
    fields: tuple[Field, ...]
    # A few words on the exercise page: how long the step takes, or what it asks.
    summary: Callable[[StepShape, Language], str]
    estimate: Callable[[StepShape], int]
    # Texts its renderer shows (pwa/js/kinds/<kind>.js asks player.t for them by these keys);
    # they travel translated with each exercise that uses the kind.
    texts: Mapping[str, str] = field(default_factory=dict)
    # Texts with a count, travelling the same way in each plural form: the exercise page's
    # script says them (player.js, describe).
    counted: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def nests(self) -> bool:
        return any(isinstance(f.spec, Steps) for f in self.fields)

    def keys(self) -> set[str]:
        return {key for f in self.fields for key in f.spec.keys(f.name)}

    def required_keys(self) -> set[str]:
        return {key for f in self.fields if f.required for key in f.spec.keys(f.name)}


def _bounded(step: StepShape, name: str) -> Bounded:
    value = step.values[name]
    assert isinstance(value, Bounded)
    return value


# Every step has these, whatever its kind.
COMMON = (
    Field(
        "id",
        Name(digits=True),
        "unique within the exercise; settings and sets keep their values by it",
    ),
    Field("kind", Choice(()), "one of the kinds below"),
    Field("title", Text(max_length=60), "a few words, for the overview on the exercise page"),
    Field("text", Text(), "what the person reads or hears during the step"),
)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "text",
            shows="a short paragraph; “Next” when the person is ready",
            timing="until “Next”, which appears after `min_pause` seconds",
            fields=(
                Field(
                    "min_pause",
                    Whole(0, 120),
                    "seconds before “Next” appears (a calm hint says it is coming)",
                    required=False,
                    default=0,
                ),
            ),
            summary=lambda step, say: say.gettext(N_("at your own pace")),
            estimate=lambda step: max(step.values["min_pause"], reading_seconds(step.text)),
        ),
        Kind(
            "timed",
            shows="the text with a calm countdown ring; the bell at the end",
            timing="`duration` seconds",
            fields=(
                Field("duration", Timing(5, 1800, "seconds", N_("seconds")), "the step's length"),
            ),
            summary=lambda step, say: say.seconds(_bounded(step, "duration").value),
            estimate=lambda step: _bounded(step, "duration").value,
        ),
        Kind(
            "breath",
            shows="a shape that grows and shrinks: breathe in, (hold), breathe out",
            timing="`cycles` × (`inhale` + `hold` + `exhale`) seconds",
            fields=(
                Field(
                    "inhale",
                    Timing(1, 15, "seconds", N_("seconds breathing in")),
                    "seconds breathing in",
                ),
                Field(
                    "hold",
                    Timing(0, 15, "seconds", N_("seconds holding")),
                    "seconds holding the breath (0 when left out)",
                    required=False,
                    default=Bounded(0, 0, 0),
                ),
                Field(
                    "exhale",
                    Timing(1, 15, "seconds", N_("seconds breathing out")),
                    "seconds breathing out",
                ),
                Field(
                    "cycles", Timing(1, 60, "count", N_("number of breaths")), "how many breaths"
                ),
            ),
            summary=lambda step, say: say.ngettext(*_BREATHS, _bounded(step, "cycles").value),
            estimate=lambda step: (
                _bounded(step, "cycles").value
                * sum(_bounded(step, name).value for name in ("inhale", "hold", "exhale"))
            ),
            counted={"breaths": _BREATHS},
        ),
        Kind(
            "rounds",
            shows="its steps, repeated, with “round 2 of 5”",
            timing="`rounds` × its steps",
            fields=(
                Field("rounds", Timing(1, 20, "count", N_("number of rounds")), "how many rounds"),
                Field("steps", Steps(), "the steps of one round"),
            ),
            summary=lambda step, say: say.ngettext(*_ROUNDS, _bounded(step, "rounds").value),
            estimate=lambda step: (
                _bounded(step, "rounds").value
                * sum(inner.estimated_seconds() for inner in step.steps)
            ),
            counted={"rounds": _ROUNDS},
        ),
        Kind(
            "action",
            shows="one big button to tap (“STOP”, “GA TERUG”)",
            timing="until the tap, or `timeout` seconds when it has one",
            fields=(
                Field("button", Text(max_length=20), "the word on the big button"),
                Field(
                    "timeout",
                    Timing(5, 600, "seconds", N_("seconds before it goes on by itself")),
                    "seconds after which the run goes on without a tap",
                    required=False,
                ),
            ),
            summary=lambda step, say: say.gettext(N_("a button to tap")),
            estimate=lambda step: (
                _bounded(step, "timeout").value if step.values["timeout"] else _ACTION_SECONDS
            ),
        ),
        Kind(
            "rate",
            shows="a 0–10 rating of distress, chosen with taps; skippable",
            timing="until the person goes on",
            fields=(Field("moment", Choice(("before", "after")), "before or after the exercise"),),
            summary=lambda step, say: say.gettext(N_("a rating, if you like")),
            estimate=lambda step: _RATE_SECONDS,
        ),
        Kind(
            "note",
            shows="a few words kept on the device, shown again next time",
            timing="until the person goes on",
            fields=(Field("key", Name(), "notes with the same key are shown again next time"),),
            summary=lambda step, say: say.gettext(N_("a few words, if you like")),
            estimate=lambda step: _NOTE_SECONDS,
        ),
        Kind(
            "scale",
            shows="a row of places between two named ends, one chosen with taps (never by "
            "dragging); kept on the device and shown again next time; skippable",
            timing="until the person goes on",
            fields=(
                Field(
                    "key",
                    Name(),
                    "the chosen place is kept under this key and shown again next time",
                ),
                Field("left", Text(max_length=40), "the name of the end on the left"),
                Field("right", Text(max_length=40), "the name of the end on the right"),
                Field(
                    "places",
                    Whole(3, 7),
                    "how many places to choose from, both ends included (an odd number has a "
                    "middle; at most 7, so that each is a 44 px target on a 360 px screen)",
                    required=False,
                    default=7,
                ),
            ),
            summary=lambda step, say: say.gettext(N_("a place on a scale, if you like")),
            estimate=lambda step: _SCALE_SECONDS,
            texts={
                "scale_label": N_("Your place between the two ends (it stays on this device)"),
                "scale_middle": N_("In the middle"),
                # Translators: end is the name of one end of a scale, such as "All black".
                "scale_near": N_("A little towards “%(end)s”"),
                # Translators: the place right beside an end ("A little towards" is one further).
                "scale_close": N_("Close to “%(end)s”"),
                "scale_was": N_("last time"),
                "scale_last_time": N_("The small dot shows where you were last time."),
            },
        ),
    )
}
