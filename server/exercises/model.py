"""What an exercise is: its steps, their timing and the texts they show.

Texts are English gettext message ids; ``localized`` turns an exercise into plain data in one
language for the pages and the player.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

Gettext = Callable[[str], str]

CATEGORIES = ("grounding", "boundaries", "resources", "body", "connection")

# Reading pace for estimating untimed text: slow and calm, about 120 words a minute.
_WORDS_PER_SECOND = 2.0
# Rough time a person spends on steps that wait for them.
_RATE_SECONDS = 10
_NOTE_SECONDS = 45
_ACTION_SECONDS = 20


@dataclass(frozen=True)
class Bounded:
    """A default value (seconds or a count) and the range a person may choose from."""

    value: int
    low: int
    high: int

    def as_json(self) -> dict[str, int]:
        return {"value": self.value, "min": self.low, "max": self.high}


def reading_seconds(text: str) -> int:
    """Roughly how long a calm read of ``text`` takes."""
    return round(len(text.split()) / _WORDS_PER_SECOND) + 3


@dataclass(frozen=True)
class Step:
    """One step of an exercise; subclasses add the fields of their kind."""

    kind: ClassVar[str]
    title: str
    text: str

    def estimated_seconds(self) -> int:
        raise NotImplementedError

    def messages(self) -> Iterator[tuple[str, str]]:
        """Yield (field, message id) for every translatable text of this step."""
        yield "title", self.title
        yield "text", self.text

    def localized(self, gettext: Gettext) -> dict[str, Any]:
        return {"kind": self.kind, "title": gettext(self.title), "text": gettext(self.text)}


@dataclass(frozen=True)
class TextStep(Step):
    kind: ClassVar[str] = "text"
    min_pause: int = 0

    def estimated_seconds(self) -> int:
        return max(self.min_pause, reading_seconds(self.text))

    def localized(self, gettext: Gettext) -> dict[str, Any]:
        return {**super().localized(gettext), "min_pause": self.min_pause}


@dataclass(frozen=True)
class TimedStep(Step):
    kind: ClassVar[str] = "timed"
    duration: Bounded = field(default_factory=lambda: Bounded(30, 5, 120))

    def estimated_seconds(self) -> int:
        return self.duration.value

    def localized(self, gettext: Gettext) -> dict[str, Any]:
        return {**super().localized(gettext), "duration": self.duration.as_json()}


@dataclass(frozen=True)
class BreathStep(Step):
    kind: ClassVar[str] = "breath"
    inhale: Bounded = field(default_factory=lambda: Bounded(4, 2, 8))
    hold: Bounded = field(default_factory=lambda: Bounded(0, 0, 0))
    exhale: Bounded = field(default_factory=lambda: Bounded(6, 2, 10))
    cycles: Bounded = field(default_factory=lambda: Bounded(5, 1, 20))

    def estimated_seconds(self) -> int:
        return self.cycles.value * (self.inhale.value + self.hold.value + self.exhale.value)

    def localized(self, gettext: Gettext) -> dict[str, Any]:
        timings = {
            name: getattr(self, name).as_json() for name in ("inhale", "hold", "exhale", "cycles")
        }
        return {**super().localized(gettext), **timings}


@dataclass(frozen=True)
class ActionStep(Step):
    kind: ClassVar[str] = "action"
    button: str = "STOP"
    timeout: Bounded | None = None

    def estimated_seconds(self) -> int:
        return self.timeout.value if self.timeout else _ACTION_SECONDS

    def messages(self) -> Iterator[tuple[str, str]]:
        yield from super().messages()
        yield "button", self.button

    def localized(self, gettext: Gettext) -> dict[str, Any]:
        return {
            **super().localized(gettext),
            "button": gettext(self.button),
            "timeout": self.timeout.as_json() if self.timeout else None,
        }


@dataclass(frozen=True)
class RateStep(Step):
    kind: ClassVar[str] = "rate"
    moment: str = "before"

    def estimated_seconds(self) -> int:
        return _RATE_SECONDS

    def localized(self, gettext: Gettext) -> dict[str, Any]:
        return {**super().localized(gettext), "moment": self.moment}


@dataclass(frozen=True)
class NoteStep(Step):
    kind: ClassVar[str] = "note"
    key: str = ""

    def estimated_seconds(self) -> int:
        return _NOTE_SECONDS

    def localized(self, gettext: Gettext) -> dict[str, Any]:
        return {**super().localized(gettext), "key": self.key}


@dataclass(frozen=True)
class RoundsStep(Step):
    kind: ClassVar[str] = "rounds"
    rounds: Bounded = field(default_factory=lambda: Bounded(3, 1, 10))
    steps: tuple[Step, ...] = ()

    def estimated_seconds(self) -> int:
        return self.rounds.value * sum(step.estimated_seconds() for step in self.steps)

    def messages(self) -> Iterator[tuple[str, str]]:
        yield from super().messages()
        for number, step in enumerate(self.steps, 1):
            for name, message in step.messages():
                yield f"step {number} {name}", message

    def localized(self, gettext: Gettext) -> dict[str, Any]:
        return {
            **super().localized(gettext),
            "rounds": self.rounds.as_json(),
            "steps": [step.localized(gettext) for step in self.steps],
        }


# The timings of each kind a person (or a therapist) may change within the file's range.
_ADJUSTABLE = {
    "timed": ("duration",),
    "breath": ("inhale", "hold", "exhale", "cycles"),
    "rounds": ("rounds",),
    "action": ("timeout",),
}

STEP_KINDS: dict[str, type[Step]] = {
    cls.kind: cls
    for cls in (TextStep, TimedStep, BreathStep, RoundsStep, ActionStep, RateStep, NoteStep)
}


@dataclass(frozen=True)
class Exercise:
    """One exercise as loaded and validated from its file."""

    id: str
    order: int
    category: str
    title: str
    purpose: str
    intro: str
    closing: str
    steps: tuple[Step, ...]
    alone: str | None = None

    def estimated_seconds(self) -> int:
        """The length of a run at the default timings, closing included."""
        return sum(step.estimated_seconds() for step in self.steps) + reading_seconds(self.closing)

    def estimated_minutes(self) -> int:
        """The estimate rounded up to whole minutes (at least one)."""
        return max(1, -(-self.estimated_seconds() // 60))

    def adjustable(self) -> Iterator[tuple[str, Step, str, Bounded]]:
        """Yield (key, step, field, bounds) for every timing a person may change.

        The key ("3.duration", "2.1.timeout") names the step by its 1-based position, inside
        a rounds step too; settings and the player use the same keys for overrides.
        """

        def walk(steps: tuple[Step, ...], prefix: str) -> Iterator[tuple[str, Step, str, Bounded]]:
            for number, step in enumerate(steps, 1):
                path = f"{prefix}{number}"
                for name in _ADJUSTABLE.get(step.kind, ()):
                    bounds = getattr(step, name)
                    if bounds is not None and bounds.low < bounds.high:
                        yield f"{path}.{name}", step, name, bounds
                if isinstance(step, RoundsStep):
                    yield from walk(step.steps, f"{path}.")

        yield from walk(self.steps, "")

    def messages(self) -> Iterator[tuple[str, str]]:
        """Yield (field, message id) for every translatable text in the exercise."""
        for name in ("title", "purpose", "intro", "alone", "closing"):
            message = getattr(self, name)
            if message:
                yield name, message
        for number, step in enumerate(self.steps, 1):
            for name, message in step.messages():
                yield f"step {number} {name}", message

    def localized(self, gettext: Gettext) -> dict[str, Any]:
        """The exercise as plain data in one language, for templates and the player."""
        return {
            "id": self.id,
            "category": self.category,
            "title": gettext(self.title),
            "purpose": gettext(self.purpose),
            "intro": gettext(self.intro),
            "alone": gettext(self.alone) if self.alone else None,
            "closing": gettext(self.closing),
            "minutes": self.estimated_minutes(),
            "steps": [step.localized(gettext) for step in self.steps],
        }
