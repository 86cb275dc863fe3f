"""Rules the server and the phone both check, declared once: the scripts get them in app.json
(``script_rules``), so a limit raised here is raised on every phone with the next update."""

from __future__ import annotations

from typing import Any

# A time of day as a person types it: "08:30".
TIME_PATTERN = r"([01][0-9]|2[0-3]):([0-5][0-9])"


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
