"""The set form: what the therapist typed, kept as typed so a refused form loses nothing, and
checked against the exercise contract (``Exercise.adjustable("therapist")``) before anything
is saved.

The form works without script: adding, removing and moving an exercise or a reminder time are
buttons that send the form back with what was typed, and the page comes back with the change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from ..exercises import Exercise
from ..i18n import LOCALES, N_
from ..rules import TEXT_MESSAGES, TIME_PATTERN, SetLimits, text_problem
from .sets import Item, Reminder, SetData

MESSAGES = {
    "title": N_("Give the set a title."),
    "length": N_("At most %(max)s characters."),
    "locale": N_("Choose a language."),
    "exercise": N_("Choose an exercise from the list."),
    "no_items": N_("Add at least one exercise."),
    "too_many": N_("A set holds at most %(max)s exercises."),
    "number": N_("Enter a whole number."),
    "range": N_("Choose a value from %(min)s to %(max)s."),
    "time": N_("Choose a time such as 08:30."),
    "days": N_("Choose at least one day of the week."),
    **TEXT_MESSAGES,
}
_TIME = re.compile(f"^{TIME_PATTERN}$")
_INTEGER = re.compile(r"^[+-]?[0-9]{1,9}$")


@dataclass
class DraftItem:
    exercise: str
    note: str = ""
    # "<step id>.<field>" → what was typed ("" keeps the exercise's own value).
    values: dict[str, str] = field(default_factory=dict)
    # Suggested for the client's plan for hard moments.
    plan: bool = False


@dataclass
class DraftReminder:
    time: str = ""
    days: list[str] = field(default_factory=list)


@dataclass
class Draft:
    """The form as typed."""

    title: str = ""
    note: str = ""
    locale: str = ""
    items: list[DraftItem] = field(default_factory=list)
    reminders: list[DraftReminder] = field(default_factory=list)

    @classmethod
    def of(cls, data: SetData) -> Draft:
        return cls(
            data.title,
            data.note,
            data.locale,
            [
                DraftItem(i.exercise, i.note, {k: str(v) for k, v in i.values.items()}, i.plan)
                for i in data.items
            ],
            [DraftReminder(r.time, [str(d) for d in r.days]) for r in data.reminders],
        )


# Messages: field name → (message id, values), translated where the page is rendered.
Errors = dict[str, tuple[str, dict[str, Any]]]


def read_form(form: FormData, exercises: Mapping[str, Exercise]) -> Draft:
    """The draft from a submitted form."""

    def text(name: str, limit: int) -> str:
        value = form.get(name)
        return value.replace("\r\n", "\n")[:limit] if isinstance(value, str) else ""

    draft = Draft(text("title", 400), text("note", 4000), text("locale", 8))
    for i in range(SetLimits.items + 1):
        exercise = text(f"items-{i}-exercise", 100)
        if not exercise:
            break
        # A checkbox is sent only when ticked.
        plan = form.get(f"items-{i}-plan") is not None
        item = DraftItem(exercise, text(f"items-{i}-note", 1000), plan=plan)
        found = exercises.get(exercise)
        if found is not None:
            for key, *_ in found.adjustable("therapist"):
                item.values[key] = text(f"items-{i}-{key}", 20).strip()
        draft.items.append(item)
    for j in range(SetLimits.reminders):
        if f"reminders-{j}-time" not in form:
            break
        days = [d for d in form.getlist(f"reminders-{j}-day") if isinstance(d, str)]
        draft.reminders.append(DraftReminder(text(f"reminders-{j}-time", 10).strip(), days[:7]))
    return draft


def apply_action(
    draft: Draft, action: str, new_exercise: str, exercises: Mapping[str, Exercise]
) -> bool:
    """Carry out a button other than Save; True when the action was one of them."""
    name, _, index_text = action.partition(":")
    index = int(index_text) if index_text.isdigit() else -1
    items, reminders = draft.items, draft.reminders
    if name == "add-item":
        if new_exercise in exercises and len(items) < SetLimits.items:
            items.append(DraftItem(new_exercise))
    elif name == "remove-item" and 0 <= index < len(items):
        items.pop(index)
    elif name == "up" and 0 < index < len(items):
        items[index - 1], items[index] = items[index], items[index - 1]
    elif name == "down" and 0 <= index < len(items) - 1:
        items[index + 1], items[index] = items[index], items[index + 1]
    elif name == "add-reminder":
        if len(reminders) < SetLimits.reminders:
            reminders.append(DraftReminder())
    elif name == "remove-reminder" and 0 <= index < len(reminders):
        reminders.pop(index)
    else:
        return False
    return True


def check(draft: Draft, exercises: Mapping[str, Exercise]) -> tuple[SetData | None, Errors]:
    """The set to save, or the messages for what keeps it from being saved."""
    errors: Errors = {}
    title = draft.title.strip()
    if not title:
        errors["title"] = (MESSAGES["title"], {})
    elif len(title) > SetLimits.title:
        errors["title"] = (MESSAGES["length"], {"max": SetLimits.title})
    elif problem := text_problem(title):
        errors["title"] = (MESSAGES[problem], {})
    if len(draft.note) > SetLimits.note:
        errors["note"] = (MESSAGES["length"], {"max": SetLimits.note})
    elif problem := text_problem(draft.note, lines=True):
        errors["note"] = (MESSAGES[problem], {})
    if draft.locale not in LOCALES:
        errors["locale"] = (MESSAGES["locale"], {})
    if not draft.items:
        errors["items"] = (MESSAGES["no_items"], {})
    elif len(draft.items) > SetLimits.items:
        errors["items"] = (MESSAGES["too_many"], {"max": SetLimits.items})
    items = []
    for i, drafted in enumerate(draft.items):
        exercise = exercises.get(drafted.exercise)
        if exercise is None:
            errors[f"items-{i}-exercise"] = (MESSAGES["exercise"], {})
            continue
        if len(drafted.note) > SetLimits.item_note:
            errors[f"items-{i}-note"] = (MESSAGES["length"], {"max": SetLimits.item_note})
        elif problem := text_problem(drafted.note, lines=True):
            errors[f"items-{i}-note"] = (MESSAGES[problem], {})
        values: dict[str, int] = {}
        for key, _, _, bounds in exercise.adjustable("therapist"):
            typed = drafted.values.get(key, "")
            if not typed:
                continue
            name = f"items-{i}-{key}"
            if not _INTEGER.match(typed):
                errors[name] = (MESSAGES["number"], {})
            elif not bounds.low <= int(typed) <= bounds.high:
                errors[name] = (MESSAGES["range"], {"min": bounds.low, "max": bounds.high})
            elif int(typed) != bounds.value:
                # Only what differs from the exercise's own value is kept, so the set follows
                # a later change to the exercise wherever the therapist changed nothing.
                values[key] = int(typed)
        items.append(Item(drafted.exercise, values, drafted.note.strip(), drafted.plan))
    reminders = []
    for j, drafted_reminder in enumerate(draft.reminders):
        if not _TIME.match(drafted_reminder.time):
            errors[f"reminders-{j}-time"] = (MESSAGES["time"], {})
        days = sorted({int(d) for d in drafted_reminder.days if d in "1234567" and len(d) == 1})
        if not days:
            errors[f"reminders-{j}-days"] = (MESSAGES["days"], {})
        reminders.append(Reminder(tuple(days), drafted_reminder.time))
    if errors:
        return None, errors
    return SetData(title, draft.note.strip(), draft.locale, tuple(items), tuple(reminders)), {}
