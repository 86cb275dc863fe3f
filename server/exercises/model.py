"""What an exercise is: its steps, their values and the texts they show.

A step's kind (server/exercises/kinds.py) says which values it holds; the model itself knows no
kind by name. Texts are English gettext message ids; ``localized`` turns an exercise into plain
data in one language for the pages and the player.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..i18n import N_
from .kinds import Bounded, Kind, Language, Text, Timing, Who, reading_seconds

Gettext = Callable[[str], str]

# The home page's sections, in this order: what steadies first, practice with someone else last.
CATEGORIES = {
    "grounding": N_("To steady yourself"),
    "resources": N_("Inner resources"),
    "body": N_("Sensing your body"),
    "connection": N_("Safe connection"),
    "boundaries": N_("Boundaries"),
}


@dataclass(frozen=True)
class Step:
    """One step of an exercise: its id, kind, texts and the values its kind declares."""

    id: str
    kind: Kind
    title: str
    text: str
    values: Mapping[str, Any]
    steps: tuple[Step, ...] = ()

    def estimated_seconds(self) -> int:
        return self.kind.estimate(self)

    def walk(self) -> Iterator[Step]:
        """This step and the steps inside it."""
        yield self
        for inner in self.steps:
            yield from inner.walk()

    def messages(self) -> Iterator[tuple[str, str]]:
        """Yield (field, message id) for every translatable text of this step."""
        yield "title", self.title
        yield "text", self.text
        for f in self.kind.fields:
            if isinstance(f.spec, Text) and self.values.get(f.name):
                yield f.name, self.values[f.name]

    def localized(self, language: Language) -> dict[str, Any]:
        """The step in one language: texts translated, ranges as {value, min, max}."""
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind.name,
            "title": language.gettext(self.title),
            "text": language.gettext(self.text),
        }
        for f in self.kind.fields:
            value = self.values.get(f.name)
            if isinstance(f.spec, Text):
                data[f.name] = language.gettext(value) if value else value
            elif isinstance(value, Bounded):
                data[f.name] = value.as_json()
            elif f.name != "steps":
                data[f.name] = value
        if self.steps:
            data["steps"] = [inner.localized(language) for inner in self.steps]
        # How long the step takes at its defaults, for the steps that wait for the person: the
        # page says how long a run with the person's own timings takes (pwa/js/timeline.js).
        data["estimate"] = self.estimated_seconds()
        return data


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

    def with_values(self, values: Mapping[str, int]) -> Exercise:
        """The exercise with chosen values (a set's, keyed "<step id>.<field>") in place of
        the file's defaults, so its estimated length is the length of the run it gives."""

        def changed(step: Step) -> Step:
            chosen = {
                name: replace(value, value=values[f"{step.id}.{name}"])
                if isinstance(value, Bounded) and f"{step.id}.{name}" in values
                else value
                for name, value in step.values.items()
            }
            return replace(step, values=chosen, steps=tuple(changed(s) for s in step.steps))

        return replace(self, steps=tuple(changed(step) for step in self.steps))

    def all_steps(self) -> Iterator[Step]:
        """Every step, the ones inside rounds too, in the order of the file."""
        for step in self.steps:
            yield from step.walk()

    def step(self, step_id: str) -> Step | None:
        return next((step for step in self.all_steps() if step.id == step_id), None)

    def adjustable(self, who: Who = "person") -> Iterator[tuple[str, Step, str, Bounded]]:
        """Yield (key, step, field, bounds) for every value ``who`` may change.

        The key ("arrive.duration") names the step by its id, so a saved value stays with its
        step when the file changes; settings, sets and the player use the same keys.
        """
        for step in self.all_steps():
            for f in step.kind.fields:
                bounds = step.values.get(f.name)
                if (
                    isinstance(f.spec, Timing)
                    and who in f.spec.changed_by
                    and isinstance(bounds, Bounded)
                    and bounds.low < bounds.high
                ):
                    yield f"{step.id}.{f.name}", step, f.name, bounds

    def messages(self) -> Iterator[tuple[str, str]]:
        """Yield (field, message id) for every translatable text in the exercise."""
        texts = {
            "title": self.title,
            "purpose": self.purpose,
            "intro": self.intro,
            "alone": self.alone,
            "closing": self.closing,
        }
        for name, message in texts.items():
            if message:
                yield name, message
        for step in self.all_steps():
            for name, message in step.messages():
                yield f"step '{step.id}' {name}", message

    def player_data(self, language: Language) -> dict[str, Any]:
        """What the player needs to run the exercise, in one language (one JSON document):
        its steps, and the texts their kinds' renderers show."""
        kinds = {step.kind.name: step.kind for step in self.all_steps()}
        return {
            "id": self.id,
            "title": language.gettext(self.title),
            "closing": language.gettext(self.closing),
            "closing_estimate": reading_seconds(self.closing),
            "steps": [step.localized(language) for step in self.steps],
            "texts": {
                key: language.gettext(text)
                for kind in kinds.values()
                for key, text in kind.texts.items()
            }
            | {
                key: language.plural_forms(*forms)
                for kind in kinds.values()
                for key, forms in kind.counted.items()
            },
        }

    def localized(self, language: Language) -> dict[str, Any]:
        """The exercise as plain data in one language, for the pages."""

        def summarised(step: Step) -> dict[str, Any]:
            return {
                "id": step.id,
                "kind": step.kind.name,
                "title": language.gettext(step.title),
                "text": language.gettext(step.text),
                "summary": step.kind.summary(step, language),
                "steps": [summarised(inner) for inner in step.steps],
            }

        return {
            "id": self.id,
            "category": self.category,
            "title": language.gettext(self.title),
            "purpose": language.gettext(self.purpose),
            "intro": language.gettext(self.intro),
            "alone": language.gettext(self.alone) if self.alone else None,
            "closing": language.gettext(self.closing),
            # How long it takes, as the pages say it ("5 minuten"): "About %(duration)s".
            "length": language.minutes(self.estimated_minutes()),
            "steps": [summarised(step) for step in self.steps],
        }
