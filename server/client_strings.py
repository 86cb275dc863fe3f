"""Texts the browser's scripts show, translated on the server and embedded as JSON.

The scripts never carry their own copy of a language: each page hands them these strings in
its language, so one catalog per language stays the single source. Placeholders are Python's
named ones (``%(n)s``); pwa/js/i18n.js fills them in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .exercises import Exercise
from .i18n import N_

STRINGS: dict[str, str] = {
    # The player.
    "step_of": N_("Step %(n)s of %(total)s"),
    "round_of": N_("Round %(n)s of %(total)s"),
    "breath_of": N_("Breath %(n)s of %(total)s"),
    "time_left": N_("%(time)s left"),
    "pause": N_("Pause"),
    "resume": N_("Resume"),
    "paused": N_("Paused. Take all the time you need."),
    "back": N_("Back"),
    "next": N_("Next"),
    "stop": N_("Stop"),
    "breathe_in": N_("Breathe in"),
    "hold": N_("Hold"),
    "breathe_out": N_("Breathe out"),
    "skip": N_("Skip"),
    "rate_low": N_("0: calm, no distress"),
    "rate_high": N_("10: the most distress you can imagine"),
    "rate_label": N_("Distress from 0 to 10"),
    "rate_save": N_("Save and go on"),
    "note_label": N_("Your words (they stay on this device)"),
    "note_save": N_("Keep and go on"),
    "note_last_time": N_("Your words from last time"),
    "taps": N_("Times you said it: %(count)s."),
    "closing": N_("Closing"),
    "finished": N_("The exercise is over. Take your time before you go on."),
    "finish": N_("Finish"),
    "stopped": N_("You stopped the exercise. That is fine: you decide."),
    "to_exercises": N_("Back to the exercises"),
    "to_history": N_("See your history"),
    "resumed": N_("Picking up where you left off."),
    # The app itself: updates, offline, installing.
    "update_ready": N_("A new version of Houvast is ready."),
    "update_now": N_("Update now"),
    "offline_ready": N_("Houvast is now saved on this device and works without a connection."),
    "close": N_("Close"),
    "install_offer": N_("Put Houvast on your home screen to open it like an app, also offline."),
    "install": N_("Install"),
    "not_now": N_("Not now"),
    "ios_install": N_(
        'To put Houvast on your home screen: tap the Share button, then "Add to Home Screen".'
    ),
    "got_it": N_("Got it"),
    # Settings.
    "field_duration": N_("seconds"),
    "field_inhale": N_("seconds breathing in"),
    "field_hold": N_("seconds holding"),
    "field_exhale": N_("seconds breathing out"),
    "field_cycles": N_("number of breaths"),
    "field_rounds": N_("number of rounds"),
    "field_timeout": N_("seconds before it goes on by itself"),
    "error_number": N_("Enter a whole number."),
    "error_range": N_("Choose a value from %(min)s to %(max)s."),
    "error_pace": N_("Choose a pace from 0.5 to 2."),
    "error_volume": N_("Choose a volume from 0 to 100."),
    "saved": N_("Saved. The changes apply to your next exercise."),
    "not_saved": N_("Nothing was saved. Please correct the marked fields."),
    "reset_done": N_("Back to the default timings."),
    # History.
    "completed": N_("Completed"),
    "stopped_short": N_("Stopped"),
    "no_runs": N_("No exercises yet. When you do one, it appears here."),
    "before_after": N_("Distress %(before)s → %(after)s"),
    "chart_runs": N_("Exercises per week"),
    "chart_change": N_("Average change in distress (after minus before)"),
    "week_of": N_("Week of %(date)s"),
    "imported": N_("Imported: %(count)s. Already here: %(skipped)s."),
    "import_error": N_("This file could not be imported, so nothing changed: %(reason)s"),
    "import_not_json": N_("it is not a Houvast export (not valid JSON)."),
    "import_wrong_shape": N_("it is not a Houvast export."),
    "import_bad_run": N_("entry %(n)s is incomplete or damaged."),
    "deleted": N_("Everything was deleted."),
    "unknown_exercise": N_("An exercise that no longer exists"),
    "chart_title": N_("Exercises and change in distress over the last %(weeks)s weeks"),
    "chart_desc": N_(
        "Exercises in these weeks: %(count)s. The table after the chart gives the figures "
        "for each week."
    ),
    "chart_week": N_("Week"),
    "chart_no_change": N_("no ratings"),
    "exported": N_("Saved as %(name)s. You will find it with your downloads."),
    "storage_error": N_("Something went wrong on this device. Please try again."),
    "storage_unavailable": N_(
        "This browser does not let Houvast keep a history here, for example in a private window."
    ),
}


def translated_strings(gettext: Callable[[str], str]) -> dict[str, str]:
    """Every client string in one language."""
    return {key: gettext(message) for key, message in STRINGS.items()}


def app_data(exercises: Iterable[Exercise], gettext: Callable[[str], str]) -> dict[str, Any]:
    """What the scripts of every page share, in one language: the strings, and each exercise's
    title and the timings a person may change (for settings and history)."""
    return {
        "strings": translated_strings(gettext),
        "exercises": [
            {
                "id": exercise.id,
                "title": gettext(exercise.title),
                "timings": [
                    {
                        "key": key,
                        "step": gettext(step.title),
                        "field": field,
                        "value": bounds.value,
                        "min": bounds.low,
                        "max": bounds.high,
                    }
                    for key, step, field, bounds in exercise.adjustable()
                ],
            }
            for exercise in exercises
        ],
    }
