from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from server.app import create_app
from server.exercises import ExerciseError, check_translations, docs, load_exercises, parse_exercise
from server.exercises.kinds import KINDS
from server.i18n import LOCALES, Catalogs
from server.settings import PROJECT_ROOT, Settings

EXERCISES_DIR = PROJECT_ROOT / "exercises"

CORE = {"grounding", "stop-partner", "stop-solo", "protector", "four-s", "body-scan"}

MINIMAL = """\
id = "sample"
order = 1
category = "grounding"
title = "Sample"
purpose = "A sample."
intro = "An intro."
closing = "Look around the room."
"""


def write(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_the_core_exercises_load_in_home_page_order() -> None:
    exercises = load_exercises(EXERCISES_DIR)
    assert set(exercises) >= CORE
    orders = [exercise.order for exercise in exercises.values()]
    assert orders == sorted(orders)
    assert next(iter(exercises)) == "grounding"


def test_every_core_exercise_has_what_a_person_needs_to_choose_it() -> None:
    for exercise in load_exercises(EXERCISES_DIR).values():
        assert exercise.purpose and exercise.intro and exercise.closing
        if exercise.id != "grounding":
            assert exercise.alone, f"{exercise.id} says nothing about doing it alone"
            moments = [step.values["moment"] for step in exercise.steps if step.kind.name == "rate"]
            assert moments[0] == "before" and moments[-1] == "after"


def test_grounding_is_short_and_asks_nothing_first() -> None:
    grounding = load_exercises(EXERCISES_DIR)["grounding"]
    assert 2 <= grounding.estimated_minutes() <= 3
    assert grounding.steps[0].kind.name != "rate", "an overwhelmed person is not asked to rate"


def test_the_boundary_exercises_have_the_big_button() -> None:
    exercises = load_exercises(EXERCISES_DIR)
    for name in ("stop-partner", "stop-solo"):
        buttons = {
            step.values["button"]
            for step in exercises[name].all_steps()
            if step.kind.name == "action"
        }
        assert "STOP" in buttons


def test_the_protector_keeps_notes() -> None:
    protector = load_exercises(EXERCISES_DIR)["protector"]
    assert {step.values["key"] for step in protector.steps if step.kind.name == "note"} == {
        "protector",
        "safe-place",
    }


def test_paced_breathing_keeps_the_breath_out_longer_and_holds_short() -> None:
    """Whatever a person or a therapist chooses within the ranges: never a long hold, never a
    breath in longer than the breath out, never a breath out more than 2.5 times the breath in
    (the shortest in against the longest out), and light-headedness named as the sign to stop."""
    exercise = load_exercises(EXERCISES_DIR)["paced-breathing"]
    (pacer,) = [step for step in exercise.steps if step.kind.name == "breath"]
    inhale, hold, exhale = (pacer.values[name] for name in ("inhale", "hold", "exhale"))
    assert inhale.high <= exhale.low
    assert exhale.high <= 2.5 * inhale.low
    assert hold.high <= 3
    before = exercise.steps[exercise.steps.index(pacer) - 1 :: -1]
    assert any("light-headed" in step.text for step in before)
    assert 3 <= exercise.estimated_minutes() <= 6


def test_the_defensive_movement_is_marked_for_therapy_first_and_stays_gentle() -> None:
    exercise = load_exercises(EXERCISES_DIR)["defensive-movement"]
    first = next(step for step in exercise.steps if step.kind.name != "rate")
    for text in (exercise.purpose, exercise.alone or "", first.text):
        assert "your therapist first" in text or "first with your therapist" in text, text
    # It says what the body may do, and what to do then; it claims no method.
    assert all(word in exercise.intro for word in ("numb", "shake", "tears", "stop"))
    assert "follow" not in exercise.intro
    # The most activating exercise comes after both STOP exercises on home.
    exercises = load_exercises(EXERCISES_DIR)
    assert exercise.order > max(exercises[name].order for name in ("stop-solo", "stop-partner"))
    words = " ".join(message for _, message in exercise.messages()).lower()
    harm = re.search(r"\b(strik|hit|kick|punch|stab|bite|biting|bitten)\w*", words)
    assert harm is None, f"the movement stays a push, not {harm and harm.group()}"
    pushes = [step for step in exercise.all_steps() if step.id == "push"]
    assert pushes and pushes[0].values["duration"].high <= 40, "pushing is short, with rests"


ISSUE_22 = ("orienting", "then-and-now", "your-window", "receiving-support", "protective-part")


def test_the_five_newer_exercises_are_short_and_end_back_in_the_room() -> None:
    """Short enough for between sessions, rated before and after, every timing adjustable,
    and the body's reactions named with what to do then."""
    exercises = load_exercises(EXERCISES_DIR)
    for exercise in (exercises[name] for name in ISSUE_22):
        assert len(exercise.steps) <= 12, exercise.id
        assert [exercise.steps[0].kind.name, exercise.steps[-1].kind.name] == ["rate", "rate"]
        assert all(
            "duration" in step.values and step.values["duration"].low < step.values["duration"].high
            for step in exercise.all_steps()
            if step.kind.name == "timed"
        ), exercise.id
        assert exercise.estimated_minutes() <= 10, exercise.id
        assert "room" in exercise.closing and "Take your time" in exercise.closing
    # The steadying ones sit with grounding on home; the parts work comes after the protector.
    assert {exercises[name].category for name in ("orienting", "then-and-now")} == {"grounding"}
    for name in ("then-and-now", "your-window", "receiving-support", "protective-part"):
        intro = exercises[name].intro
        assert all(word in intro for word in ("tears", "shak", "numb", "stop")), name


def test_your_window_keeps_the_signs_the_plan_for_hard_moments_reads() -> None:
    """The plan shows these notes by their keys: a renamed key would leave the plan empty."""
    exercise = load_exercises(EXERCISES_DIR)["your-window"]
    notes = [step for step in exercise.steps if step.kind.name == "note"]
    assert [step.values["key"] for step in notes] == [
        "window-too-much",
        "window-too-little",
        "window-helps",
    ]
    # The window is explained before the first question, kindly: it can grow.
    explained = exercise.steps.index(next(s for s in exercise.steps if s.id == "the-window"))
    assert explained < exercise.steps.index(notes[0])
    assert "grow" in exercise.steps[explained].text
    # Between too much and too little, a way back into the room first.
    between = exercise.steps[exercise.steps.index(notes[0]) + 1]
    assert between.kind.name == "timed" and "room" in between.text


def test_the_protective_part_is_marked_for_therapy_first() -> None:
    exercise = load_exercises(EXERCISES_DIR)["protective-part"]
    first = next(step for step in exercise.steps if step.kind.name != "rate")
    assert first.title == "First with your therapist"
    for text in (exercise.purpose, exercise.alone or "", first.text):
        assert "your therapist first" in text or "first with your therapist" in text, text
    assert "pleaser" in exercise.purpose
    # It stays with the part in daily life, not with what happened back then.
    assert "you do not go into what happened back then" in first.text


def test_the_secure_traits_are_read_one_at_a_time_and_briefly() -> None:
    """Short enough to read several times a day, with a calm pause on every trait."""
    exercise = load_exercises(EXERCISES_DIR)["secure-traits"]
    traits = [
        step for step in exercise.steps if step.kind.name == "text" and step.id != "how-to-read"
    ]
    assert 6 <= len(traits) <= 10
    assert all(step.values["min_pause"] >= 5 for step in traits)
    assert exercise.estimated_minutes() <= 5
    assert [step.kind.name for step in exercise.steps][-2] == "note", "which one spoke to you"


def test_each_core_theme_keeps_its_own_words_and_repair_has_its_place() -> None:
    exercise = load_exercises(EXERCISES_DIR)["core-themes"]
    notes = [step for step in exercise.steps if step.kind.name == "note"]
    assert [step.values["key"] for step in notes] == [
        "theme-trust",
        "theme-attunement",
        "theme-autonomy",
        "theme-connection",
    ]
    # The words from last time are listed under these titles, so each says its theme.
    assert len({step.title for step in notes}) == 4
    good_enough = exercise.step("good-enough")
    assert good_enough is not None and "repaired" in good_enough.text
    # Repair is about small misses, never about someone who keeps hurting you.
    assert "not about someone who keeps hurting you" in good_enough.text
    # Short enough to do between sessions, still rated before and after.
    assert len(exercise.steps) <= 12
    assert [exercise.steps[0].kind.name, exercise.steps[-1].kind.name] == ["rate", "rate"]


def test_the_length_is_computed_from_the_steps(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sample",
        MINIMAL
        + """
        [[steps]]
        id = "s1"
        kind = "timed"
        title = "Wait"
        text = "Wait."
        duration = 120
        duration_range = [10, 300]

        [[steps]]
        id = "s2"
        kind = "breath"
        title = "Breathe"
        text = "Breathe."
        inhale = 4
        inhale_range = [2, 6]
        exhale = 6
        exhale_range = [4, 8]
        cycles = 6
        cycles_range = [1, 10]

        [[steps]]
        id = "s3"
        kind = "rounds"
        title = "Rounds"
        text = "Rounds."
        rounds = 3
        rounds_range = [1, 5]
          [[steps.steps]]
          id = "s4"
          kind = "timed"
          title = "Notice"
          text = "Notice."
          duration = 40
          duration_range = [10, 90]
    """,
    )
    exercise = parse_exercise(path)
    timed_seconds = 120 + 6 * (4 + 6) + 3 * 40
    assert timed_seconds < exercise.estimated_seconds() < timed_seconds + 60
    assert exercise.estimated_minutes() == 6


def test_every_step_kind_in_the_design_is_known() -> None:
    assert set(KINDS) >= {"text", "timed", "breath", "rounds", "action", "rate", "note", "scale"}


class Shouting:
    """A language that translates every text into capitals, to see which texts are translated."""

    def gettext(self, message: str) -> str:
        return message.upper()

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return (singular if count == 1 else plural).upper() % {"count": count}

    def plural_forms(self, singular: str, plural: str) -> dict[str, str]:
        return {"one": singular.upper(), "other": plural.upper()}

    def seconds(self, seconds: int) -> str:
        return f"{seconds} S"

    def minutes(self, minutes: int) -> str:
        return f"{minutes} MIN"


def test_a_scale_names_its_ends_in_the_persons_language(tmp_path: Path) -> None:
    exercise = parse_exercise(write(tmp_path, "sample", MINIMAL + SCALE))
    (step,) = exercise.steps
    assert step.values["places"] == 7, "seven places when the file does not say"
    assert ("left", "All black") in step.messages() and ("right", "All white") in step.messages()
    assert exercise.player_data(Shouting())["steps"][0] == {
        "id": "a",
        "kind": "scale",
        "title": "S",
        "text": "S",
        "key": "place",
        "left": "ALL BLACK",
        "right": "ALL WHITE",
        "places": 7,
        "estimate": 20,
    }
    assert list(exercise.adjustable("person")) == [], "nobody changes a scale's places"
    assert list(exercise.adjustable("therapist")) == []
    assert exercise.estimated_seconds() < 60


SCALE = (
    '[[steps]]\nid = "a"\nkind = "scale"\ntitle = "S"\ntext = "S"\nkey = "place"\n'
    'left = "All black"\nright = "All white"\n'
)

BROKEN = [
    (
        "unknown top-level key",
        MINIMAL + 'colour = "red"\n[[steps]]\nid = "a"\nkind = "text"\ntitle = "T"\ntext = "T"\n',
        "unknown key 'colour'",
    ),
    (
        "unknown step kind",
        MINIMAL + '[[steps]]\nid = "a"\nkind = "dance"\ntitle = "T"\ntext = "T"\n',
        "unknown step kind 'dance'",
    ),
    (
        "unknown step key",
        MINIMAL + '[[steps]]\nid = "a"\nkind = "text"\ntitle = "T"\ntext = "T"\nspeed = 2\n',
        "step 1 (text): unknown key 'speed'",
    ),
    (
        "default out of its range",
        MINIMAL + '[[steps]]\nid = "a"\nkind = "timed"\ntitle = "T"\n'
        'text = "T"\nduration = 500\nduration_range = [10, 120]\n',
        "'duration' 500 is outside its range [10, 120]",
    ),
    (
        "range beyond the limits",
        MINIMAL + '[[steps]]\nid = "a"\nkind = "timed"\ntitle = "T"\n'
        'text = "T"\nduration = 3\nduration_range = [1, 120]\n',
        "must lie within [5, 1800]",
    ),
    (
        "missing range",
        MINIMAL + '[[steps]]\nid = "a"\nkind = "timed"\ntitle = "T"\ntext = "T"\nduration = 30\n',
        "missing key 'duration_range'",
    ),
    (
        "nested rounds",
        MINIMAL + '[[steps]]\nid = "a"\nkind = "rounds"\ntitle = "R"\ntext = "R"\n'
        'rounds = 2\nrounds_range = [1, 3]\n[[steps.steps]]\nid = "b"\nkind = "rounds"\n'
        'title = "R"\n'
        'text = "R"\nrounds = 2\nrounds_range = [1, 3]\nsteps = []\n',
        "cannot be nested",
    ),
    ("no steps", MINIMAL, "missing key 'steps'"),
    (
        "bad rating moment",
        MINIMAL
        + '[[steps]]\nid = "a"\nkind = "rate"\ntitle = "R"\ntext = "R"\nmoment = "during"\n',
        "'moment' must be 'before' or 'after'",
    ),
    ("not TOML", "id = ", "cannot be read as TOML"),
    (
        "scale without an end",
        MINIMAL + '[[steps]]\nid = "a"\nkind = "scale"\ntitle = "S"\ntext = "S"\n'
        'key = "place"\nleft = "All black"\n',
        "step 1 (scale): missing key 'right'",
    ),
    (
        "scale with too many places",
        MINIMAL + SCALE + "places = 9\n",
        "'places' must be a whole number from 3 to 7",
    ),
    (
        "scale with too few places",
        MINIMAL + SCALE + "places = 2\n",
        "'places' must be a whole number from 3 to 7",
    ),
    (
        "scale places as text",
        MINIMAL + SCALE + 'places = "7"\n',
        "'places' must be a whole number from 3 to 7",
    ),
    (
        "scale end too long",
        MINIMAL + SCALE.replace("All white", "Completely and utterly white, without any doubt"),
        "'right' is 47 characters long, at most 40 allowed",
    ),
    (
        "scale end empty",
        MINIMAL + SCALE.replace('"All black"', '" "'),
        "'left' must be a non-empty text",
    ),
    (
        "scale key with capitals",
        MINIMAL + SCALE.replace('key = "place"', 'key = "My Place"'),
        "'key' must be lower-case letters and dashes",
    ),
    (
        "scale with an unknown key",
        MINIMAL + SCALE + "default = 4\n",
        "step 1 (scale): unknown key 'default'",
    ),
]


@pytest.mark.parametrize(("problem", "body", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_file_is_refused_with_the_file_and_problem_named(
    tmp_path: Path, problem: str, body: str, message: str
) -> None:
    path = write(tmp_path, "sample", body)
    with pytest.raises(ExerciseError) as raised:
        parse_exercise(path)
    assert str(path) in str(raised.value)
    assert message in str(raised.value)


def test_the_id_must_match_the_file_name(tmp_path: Path) -> None:
    path = write(
        tmp_path, "other", MINIMAL + '[[steps]]\nid = "a"\nkind = "text"\ntitle = "T"\ntext = "T"\n'
    )
    with pytest.raises(ExerciseError, match="differs from the file name 'other'"):
        parse_exercise(path)


def test_a_text_without_translation_is_refused() -> None:
    exercises = load_exercises(EXERCISES_DIR)
    catalogs = Catalogs.load()
    lookups = {locale: (lambda m, loc=locale: catalogs.lookup(loc, m)) for locale in LOCALES}
    check_translations(exercises.values(), lookups)  # the shipped ones are complete
    lookups["nl"] = lambda message: None if message.startswith("Feel") else message
    with pytest.raises(ExerciseError, match="has no nl translation"):
        check_translations(exercises.values(), lookups)


def test_the_server_refuses_to_start_with_a_broken_exercise(exercise_copy: Path) -> None:
    broken = exercise_copy / "protector.toml"
    broken.write_text(broken.read_text(encoding="utf-8") + '\nmood = "calm"\n', encoding="utf-8")
    with pytest.raises(ExerciseError) as raised:
        create_app(Settings.from_env({}, exercises_dir=exercise_copy, data_dir=exercise_copy))
    assert "protector.toml" in str(raised.value)
    assert "unknown key 'mood'" in str(raised.value)


def test_the_server_refuses_to_start_with_an_untranslated_exercise(exercise_copy: Path) -> None:
    path = exercise_copy / "grounding.toml"
    source = path.read_text(encoding="utf-8")
    title = next(line for line in source.splitlines() if line.startswith("title"))
    path.write_text(source.replace(title, 'title = "A title nobody translated"'), "utf-8")
    with pytest.raises(ExerciseError, match="A title nobody translated"):
        create_app(Settings.from_env({}, exercises_dir=exercise_copy, data_dir=exercise_copy))


def test_grounding_is_required_as_the_way_out(exercise_copy: Path) -> None:
    (exercise_copy / "grounding.toml").unlink()
    with pytest.raises(ExerciseError, match="'grounding' exercise is required"):
        load_exercises(exercise_copy)


def step_ids_file(tmp_path: Path, first: str, second: str, nested: str = "c") -> Path:
    return write(
        tmp_path,
        "sample",
        MINIMAL
        + f"""
        [[steps]]
        id = "{first}"
        kind = "text"
        title = "T"
        text = "T"

        [[steps]]
        id = "{second}"
        kind = "rounds"
        title = "R"
        text = "R"
        rounds = 2
        rounds_range = [1, 3]
          [[steps.steps]]
          id = "{nested}"
          kind = "timed"
          title = "N"
          text = "N"
          duration = 20
          duration_range = [10, 60]
        """,
    )


def test_every_step_has_an_id_unique_in_its_exercise(tmp_path: Path) -> None:
    assert [s.id for s in parse_exercise(step_ids_file(tmp_path, "a", "b")).all_steps()] == [
        "a",
        "b",
        "c",
    ]
    with pytest.raises(ExerciseError, match="the id 'a' is used by another step"):
        parse_exercise(step_ids_file(tmp_path, "a", "b", nested="a"))
    with pytest.raises(ExerciseError, match="'id' must be lower-case letters, digits and dashes"):
        parse_exercise(step_ids_file(tmp_path, "Step One", "b"))
    no_id = MINIMAL + '[[steps]]\nkind = "text"\ntitle = "T"\ntext = "T"\n'
    with pytest.raises(ExerciseError, match="missing key 'id'"):
        parse_exercise(write(tmp_path, "sample", no_id))


def test_the_shipped_exercises_have_unique_step_ids() -> None:
    for exercise in load_exercises(EXERCISES_DIR).values():
        ids = [step.id for step in exercise.all_steps()]
        assert len(ids) == len(set(ids)), exercise.id


def test_adjustable_values_are_keyed_by_step_id(tmp_path: Path) -> None:
    exercise = parse_exercise(step_ids_file(tmp_path, "intro", "practise", nested="wait"))
    keys = [key for key, *_ in exercise.adjustable("person")]
    assert keys == ["practise.rounds", "wait.duration"]
    assert keys == [key for key, *_ in exercise.adjustable("therapist")]


def test_the_format_documentation_is_generated_from_the_kinds() -> None:
    """docs/exercise-format.md says what the loader checks: run
    `python -m server.exercises.docs` after changing server/exercises/kinds.py."""
    assert docs.DOC_PATH.read_text(encoding="utf-8") == docs.render()
    for name in KINDS:
        assert f"| `{name}` |" in docs.render()


def test_every_kind_has_one_renderer_in_the_player() -> None:
    renderers = {path.stem for path in (PROJECT_ROOT / "pwa" / "js" / "kinds").glob("*.js")}
    assert renderers == set(KINDS)
