"""Exercises: their model, the loader that validates their files, and the Babel extractor."""

from .loader import ExerciseError, check_translations, load_exercises, parse_exercise
from .model import Exercise

__all__ = ["Exercise", "ExerciseError", "check_translations", "load_exercises", "parse_exercise"]
