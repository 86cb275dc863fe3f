"""What a reminder says when it arrives: a short, inviting text in the person's language.

A person may choose neutral texts ("Time for your moment") that do not say what the app is for,
for a phone others may see. Every message is padded to one size by the sender
(server/push/sender.py), so its encrypted length does not tell the language or the exercise.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ..exercises import Exercise
from ..i18n import LOCALES, N_, Catalogs
from ..urls import Urls

BODY = N_("A moment for “%(title)s”, if it suits you now.")
NEUTRAL_BODY = N_("Time for your moment")
TITLE = "Houvast"
# The largest reminder id a database hands out (a 64-bit integer): the longest tag.
_LARGEST_ID = 2**63 - 1
_LATEST_OCCURRENCE = 2**40  # epoch seconds, in the year 36812

MessageFor = Callable[[str, str, int, bool, int], dict[str, Any]]


def reminder_messages(
    catalogs: Catalogs, exercises: Mapping[str, Exercise], urls: Urls, size: int
) -> MessageFor:
    """A function giving the push payload for (locale, target, reminder id, neutral,
    occurrence).

    The notification opens the exercise's page, not the player: whether to start is still the
    person's choice. ``tag`` names the reminder (a newer notification replaces an older one),
    ``at`` the occurrence (epoch seconds): a copy sent again after a crash has the same ``at``,
    and the service worker shows it without a second alert (pwa/sw.js).

    Every message must fit ``size`` bytes (the padded size): one that cannot
    is a programmer's mistake (a long new title), found here at start-up.
    """

    # Worked out once: a dispatch builds 100,000 messages a minute from a few dozen texts.
    texts: dict[tuple[str, str, bool], tuple[str, str]] = {}
    for locale in LOCALES:
        for exercise in exercises.values():
            url = urls.exercise(exercise.id, locale)
            title = catalogs.gettext(locale, exercise.title)
            named = catalogs.gettext(locale, BODY) % {"title": title}
            texts[(locale, exercise.id, False)] = (named, url)
            texts[(locale, exercise.id, True)] = (catalogs.gettext(locale, NEUTRAL_BODY), url)

    def message(
        locale: str, target: str, reminder_id: int, neutral: bool, occurrence: int
    ) -> dict[str, Any]:
        exercise_id = target.removeprefix("exercise:")
        if exercise_id not in exercises:
            exercise_id = "grounding"
        body, url = texts[(locale, exercise_id, neutral)]
        return {
            "title": TITLE,
            "body": body,
            "url": url,
            "tag": f"houvast-reminder-{reminder_id}",
            "at": occurrence,
            "lang": locale,
        }

    longest = max(
        len(_compact(message(locale, f"exercise:{e}", _LARGEST_ID, n, _LATEST_OCCURRENCE)))
        for locale in LOCALES
        for e in exercises
        for n in (False, True)
    )
    if longest > size:
        raise RuntimeError(f"a reminder message takes {longest} bytes; at most {size} fit")
    return message


def _compact(payload: dict[str, Any]) -> bytes:
    # As the sender serialises it.
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
