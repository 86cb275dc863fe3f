"""The responses the service worker builds from the exercises' documents
(server/exercise_documents.py), each from its shell: the exercise pages, home, settings and
app.json; and every page's markup over its language's layout (what all pages share).

A shell is the response rendered by the server's own template (or serialiser) for a probe
whose texts are slots: a name between two characters of Unicode's private use area, which no
text of ours holds and which escaping leaves alone. A list (the steps, the exercises on home)
is found by rendering it empty and with one probe item: what the longer has beyond the shorter
is the item's pattern, and where they part is the list's slot. pwa/sw.js fills the slots as
the builders here do; before anything is served, each response is built here and must be the
very bytes the server sends (server/bundles.py), so a template change that a shell cannot
express stops the server at start-up, naming the response.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, NamedTuple

from markupsafe import escape
from starlette.responses import JSONResponse

from .exercise_documents import Kinds, adjustable, timings
from .exercises.model import CATEGORIES
from .i18n import LOCALES, language_name
from .templating import script_json
from .urls import Page

if TYPE_CHECKING:
    from .i18n import Language
    from .templating import Templates

_SLOT = re.compile("\ue000(\\w+)\ue001")
# Between a page's values over its layout: private use too, so no text of ours holds it.
SEPARATOR = "\ue002"
# The level of the steps' headings, under the exercise page's h2 (exercise.html).
STEP_LEVEL = 3
Doc = dict[str, Any]


def slot(name: str) -> str:
    return f"\ue000{name}\ue001"


def fill(pattern: str, values: dict[str, str], *, keep: bool = False) -> str:
    """``pattern`` with each slot replaced by its value (with ``keep``, a slot without one
    stays)."""
    return _SLOT.sub(lambda m: values.get(m[1], m[0]) if keep else values[m[1]], pattern)


class Layout(NamedTuple):
    """What every page of a language shares (base.html): ``page``, with the slots title,
    description, path (the page's own after its language's home, in the hreflang alternates
    and the language switch), main and scripts. A page travels as its values for them, in the
    order the slots first come, with SEPARATOR between them."""

    page: str

    @classmethod
    def render(cls, templates: Templates, locale: str) -> Layout:
        """_layout.html (base.html with its blocks made slots) for a probe page whose path is a
        slot, linked as Templates.render links a page: the same page in every language."""
        urls, home = templates.urls, Page("home")
        alternates = [
            {
                "locale": other,
                "name": language_name(other),
                "url": urls.absolute(urls.page(home, other)) + slot("path"),
                "switch": urls.switch(home, other) + slot("path"),
            }
            for other in LOCALES
        ]
        names = ("title", "description", "main", "scripts")
        context = {
            "layout": {name: slot(name) for name in names},
            "alternates": alternates,
            "switch": [alternate for alternate in alternates if alternate["locale"] != locale],
        }
        return cls(_render(templates, "_layout.html", locale, context, home))

    def names(self) -> list[str]:
        """The slots, in the order they first come."""
        return list(dict.fromkeys(match[1] for match in _SLOT.finditer(self.page)))

    def over(self, page: str, url: str) -> str:
        """``page`` (``url``'s markup) as its values over this layout; a page the layout cannot
        give (one with styles of its own, say) stops the server at start-up, naming it."""
        found = None if SEPARATOR in page else re.fullmatch(self._pattern(), page, re.DOTALL)
        values = SEPARATOR.join(found[name] for name in self.names()) if found else ""
        if not found or self.build(values) != page:
            raise RuntimeError(f"{url} is not a page of its language's layout (base.html)")
        return values

    def build(self, values: str) -> str:
        """The page whose values over this layout are ``values``."""
        return fill(self.page, dict(zip(self.names(), values.split(SEPARATOR), strict=True)))

    def _pattern(self) -> str:
        """The layout as a regular expression: each slot a group, matched again where it
        comes again."""
        parts, seen = _SLOT.split(self.page), set()
        pattern = ""
        for at, part in enumerate(parts):
            if at % 2 == 0:
                pattern += re.escape(part)
            elif part in seen:
                pattern += f"(?P={part})"
            else:
                seen.add(part)
                pattern += f"(?P<{part}>.*?)"
        return pattern


class ExercisePage(NamedTuple):
    """An exercise page: ``page`` (slots id, title, purpose, length, intro, aside, steps,
    closing and data) and ``aside``, the note on doing it with support (slot alone)."""

    page: str
    aside: str

    @classmethod
    def render(cls, templates: Templates, locale: str) -> ExercisePage:
        """exercise.html for a probe exercise with one step; with and without its note."""
        probe_step = {"title": "", "summary": "", "text": "", "steps": []}
        steps = step_list(templates, locale, [probe_step])
        data = json.dumps(slot("data"), ensure_ascii=False)  # as script_json writes it
        exercise_page = Page.of("exercise", exercise_id=slot("id"))

        def probe(alone: str | None) -> str:
            texts = ("title", "purpose", "intro", "closing", "length")
            exercise: dict[str, Any] = {name: slot(name) for name in texts}
            exercise |= {"alone": alone, "steps": [probe_step]}
            context = {"exercise": exercise, "player_data": slot("data")}
            page = _render(templates, "exercise.html", locale, context, exercise_page)
            return _cut(_cut(page, steps, "steps"), data, "data")

        page, aside = _one_more(probe(None), probe(slot("alone")), "aside")
        return cls(page, aside)

    def build(self, templates: Templates, locale: str, doc: Doc) -> bytes:
        """The page of the exercise ``doc`` describes (the step list by the template's own
        macro, which pwa/sw.js writes the same way)."""
        data = doc["data"]
        texts = {"id": data["id"], "title": data["title"], "closing": data["closing"]}
        texts |= {name: doc[name] for name in ("purpose", "intro", "length")}
        summaries = iter(doc["summaries"])
        steps = step_list(templates, locale, [_listed(step, summaries) for step in data["steps"]])
        aside = fill(self.aside, {"alone": _html(doc["alone"])}) if doc["alone"] else ""
        values = {name: _html(text) for name, text in texts.items()}
        values |= {"aside": aside, "steps": steps, "data": str(script_json(data))}
        return fill(self.page, values).encode()


class HomePage(NamedTuple):
    """Home: ``page`` (slot sections), ``section`` (slots section, heading, cards), ``card``
    (an exercise: slots category, id, title, purpose, length) and ``headings``, each category's
    [id, heading] in order."""

    page: str
    section: str
    card: str
    headings: list[list[str]]

    @classmethod
    def render(cls, templates: Templates, locale: str, language: Language) -> HomePage:
        """home.html with no section, a probe section, and that section with a probe card."""
        texts = ("category", "id", "title", "purpose", "length")
        card = {name: slot(name) for name in texts}

        def probe(*sections: list[dict[str, str]]) -> str:
            listed = [
                {"id": slot("section"), "heading": slot("heading"), "exercises": exercises}
                for exercises in sections
            ]
            return _render(templates, "home.html", locale, {"sections": listed}, Page("home"))

        one_section, card_pattern = _one_more(probe([]), probe([card]), "cards")
        page, section = _one_more(probe(), one_section, "sections")
        headings = [[key, language.gettext(heading)] for key, heading in CATEGORIES.items()]
        return cls(page, section, card_pattern, headings)

    def build(self, docs: list[Doc]) -> bytes:
        sections = []
        for category, heading in self.headings:
            cards = [
                fill(self.card, {name: _html(text) for name, text in _card(doc).items()})
                for doc in docs
                if doc["category"] == category
            ]
            if cards:
                values = {"section": _html(category), "heading": _html(heading)}
                sections.append(fill(self.section, values | {"cards": "".join(cards)}))
        return fill(self.page, {"sections": "".join(sections)}).encode()


class SettingsPage(NamedTuple):
    """Settings: ``page`` (slot exercises) and ``item``, an exercise whose timings a person
    may change (slots id, title)."""

    page: str
    item: str

    @classmethod
    def render(cls, templates: Templates, locale: str) -> SettingsPage:
        """settings.html with no exercise, and with a probe exercise."""

        def probe(*exercises: dict[str, str]) -> str:
            context = {"exercises": list(exercises)}
            return _render(templates, "settings.html", locale, context, Page("settings"))

        item = {"id": slot("id"), "title": slot("title")}
        return cls(*_one_more(probe(), probe(item), "exercises"))

    def build(self, docs: list[Doc], kinds: Kinds) -> bytes:
        listed = [doc["data"] for doc in docs if timings(doc["data"], kinds)]
        items = [fill(self.item, {k: _html(data[k]) for k in ("id", "title")}) for data in listed]
        return fill(self.page, {"exercises": "".join(items)}).encode()


class AppJson(NamedTuple):
    """app.json with slots for its exercises' part: the grounding exercise's data and each
    exercise's timings."""

    shell: str

    @classmethod
    def of(cls, body: bytes) -> AppJson:
        """The shell of app.json as served (``body``, client_strings.app_data)."""
        probe = {**json.loads(body), "grounding": slot("grounding"), "exercises": slot("exercises")}
        shell = bytes(JSONResponse(probe).body).decode()
        for name in ("grounding", "exercises"):
            shell = _cut(shell, json.dumps(slot(name), ensure_ascii=False), name)
        return cls(shell)

    def build(self, docs: list[Doc], grounding: str, kinds: Kinds) -> bytes:
        exercises = [
            {
                "id": doc["data"]["id"],
                "title": doc["data"]["title"],
                "timings": timings(doc["data"], kinds),
            }
            for doc in docs
        ]
        data = next(doc["data"] for doc in docs if doc["data"]["id"] == grounding)
        values = {"grounding": _compact(data), "exercises": _compact(exercises)}
        return fill(self.shell, values).encode()


class Shells(NamedTuple):
    """One language's shells, and which timings each step kind lets a person change."""

    layout: Layout
    exercise: ExercisePage
    home: HomePage
    settings: SettingsPage
    kinds: Kinds

    @classmethod
    def render(cls, templates: Templates, locale: str, language: Language) -> Shells:
        return cls(
            Layout.render(templates, locale),
            ExercisePage.render(templates, locale),
            HomePage.render(templates, locale, language),
            SettingsPage.render(templates, locale),
            adjustable(language),
        )

    def markup(self) -> dict[str, str]:
        """The shells' markup, by name, as a bundle holds it (pwa/sw.js): the exercise page
        as its values over the layout. (Home's and settings' pages travel as their bodies.)"""
        return {
            "layout": self.layout.page,
            "exercise": self.layout.over(self.exercise.page, "the exercise page's shell"),
            "aside": self.exercise.aside,
            "section": self.home.section,
            "card": self.home.card,
            "item": self.settings.item,
        }

    def data(self) -> dict[str, Any]:
        """What a bundle's index holds of them besides their markup."""
        return {"headings": self.home.headings, "kinds": self.kinds}


def step_list(templates: Templates, locale: str, steps: list[dict[str, Any]]) -> str:
    """The steps as exercise.html lists them (the macro in _steps.html)."""
    macros = templates.environments[locale].get_template("_steps.html").module
    return "".join(str(macros.step_item(step, STEP_LEVEL)) for step in steps)  # type: ignore[attr-defined]


def _render(
    templates: Templates, name: str, locale: str, context: dict[str, Any], page: Page
) -> str:
    return bytes(templates.render(name, locale, context, page=page).body).decode()


def _one_more(without: str, with_one: str, name: str) -> tuple[str, str]:
    """A list's slot and its item's pattern, from the response rendered with the list empty
    (``without``) and with one probe item (``with_one``): ``without`` with the slot ``name``
    where the two part, and what the longer has beyond the shorter. (Where an item's pattern
    begins as what follows the list does, it is found turned round by those characters; the
    slot is filled as well with any number of such items.)"""
    start = next(
        (i for i, (a, b) in enumerate(zip(with_one, without, strict=False)) if a != b),
        len(without),
    )
    item = with_one[start : start + len(with_one) - len(without)]
    shell = without[:start] + slot(name) + without[start:]
    if fill(shell, {name: item}, keep=True) != with_one or not _SLOT.search(item):
        raise RuntimeError(f"a template's {name} are not one piece of the page")
    return shell, item


def _cut(page: str, part: str, name: str) -> str:
    """``page`` with the one place that holds ``part`` made the slot ``name``."""
    if page.count(part) != 1:
        raise RuntimeError(f"expected {part!r} once in a probe page")
    return page.replace(part, slot(name))


def _listed(step: dict[str, Any], summaries: Any) -> dict[str, Any]:
    """A step of the player's data as the step list takes it: with its summary."""
    summary = next(summaries)
    inner = [_listed(each, summaries) for each in step.get("steps", [])]
    return {"title": step["title"], "summary": summary, "text": step["text"], "steps": inner}


def _card(doc: Doc) -> dict[str, str]:
    data = doc["data"]
    texts = {"category": doc["category"], "id": data["id"], "title": data["title"]}
    return texts | {"purpose": doc["purpose"], "length": doc["length"]}


def _html(text: str) -> str:
    """Text in HTML, escaped as the templates escape it."""
    return str(escape(text))


def _compact(data: Any) -> str:
    """As Starlette's JSONResponse writes it."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
