"""Rules said once. Those the phone checks too reach the scripts in app.json
(``script_rules``), so a limit raised here is raised on every phone with the next update."""

from __future__ import annotations

import re
from typing import Any

from .i18n import N_

# A time of day as a person types it: "08:30".
TIME_PATTERN = r"([01][0-9]|2[0-3]):([0-5][0-9])"

# What no text a person sends may hold: C0 and C1 control characters (PostgreSQL refuses a NUL
# outright), except a multi-line text's newlines and tabs; and the bidi overrides and isolates,
# which turn how a text reads around ("exe.RAALK" for KLAAR.exe).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
TEXT_MESSAGES = {
    "control": N_(
        "What you typed contains an invisible control character. Please remove it and try again."
    ),
    "bidi": N_(
        "What you typed contains an invisible character that changes the direction of the "
        "text. Please remove it and try again."
    ),
}


def text_problem(value: str, *, lines: bool = False) -> str | None:
    """Why ``value`` cannot be kept, as a key of TEXT_MESSAGES, or None when it can.
    ``lines``: a multi-line text, whose newlines and tabs are its own."""
    if (_CONTROL_IN_LINES if lines else _CONTROL).search(value):
        return "control"
    if _BIDI.search(value):
        return "bidi"
    return None


class SetLimits:
    """How much a therapist's set holds (a class, so a test can change one for both sides)."""

    title = 80
    note = 1000
    item_note = 280
    items = 12
    reminders = 7


def script_rules() -> dict[str, Any]:
    """The rules as the scripts read them (app.json's ``rules``)."""
    return {
        "time": f"^{TIME_PATTERN}$",
        "set": {
            "title": SetLimits.title,
            "note": SetLimits.note,
            "itemNote": SetLimits.item_note,
            "items": SetLimits.items,
            "reminders": SetLimits.reminders,
        },
    }
