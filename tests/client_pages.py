"""The client's pages, as the path after /<locale>/, for tests that visit them all."""

from __future__ import annotations

from server.exercises import load_exercises
from server.settings import PROJECT_ROOT

EXERCISE_IDS = list(load_exercises(PROJECT_ROOT / "exercises"))
PAGES = [
    "",
    "about",
    "help",
    "plan",
    "settings",
    "history",
    "reminders",
    *(f"exercises/{i}" for i in EXERCISE_IDS),
]
