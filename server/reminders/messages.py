"""What a reminder says when it arrives: a short, inviting text in the person's language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..exercises import Exercise
from ..i18n import N_, Catalogs
from ..urls import Urls

BODY = N_("A moment for “%(title)s”, if it suits you now.")


def reminder_messages(
    catalogs: Catalogs, exercises: Mapping[str, Exercise], urls: Urls
) -> Callable[[str, str, int], dict[str, Any]]:
    """A function giving the push payload for (locale, target, reminder id).

    The notification opens the exercise's page, not the player: whether to start is still the
    person's choice.
    """

    def message(locale: str, target: str, reminder_id: int) -> dict[str, Any]:
        exercise_id = target.removeprefix("exercise:")
        exercise = exercises.get(exercise_id) or exercises["grounding"]
        title = catalogs.gettext(locale, exercise.title)
        return {
            "title": "Houvast",
            "body": catalogs.gettext(locale, BODY) % {"title": title},
            "url": urls.exercise(exercise.id, locale),
            "tag": f"houvast-reminder-{reminder_id}",
            "lang": locale,
        }

    return message
