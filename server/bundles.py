"""The bundle the service worker fetches what it stores in (pwa/sw.js, ``unpack``).

A bundle is UTF-8 text: a line of JSON (the index), then the shells' markup, then the bodies,
back to back, as they are (no quoting, as JSON would need, which would also hide from gzip
that the markup is the pages'). The index:

- ``common``: the headers every response has; ``headers``: each set of the others once (most
  responses share one);
- ``entries``: ``[h, length]`` for each stored URL (the worker's ``CONFIG.stored``) that it
  does not fetch on its own (``CONFIG.files``), in order: its response has the headers
  ``common`` and ``h`` and the next ``length`` bytes as its body; or ``[h, length, recipe]``
  for a response the worker builds (server/shells.py) in a language's ``shells``:

  - ``["page", locale]``: a page, from its values over the language's layout (the body);
  - ``["exercise", locale]``: an exercise page, from the exercise's document (the body,
    server/exercise_documents.py) and the exercise page's shell;
  - ``["exercise", locale, m]``: the same, from the texts (the body) that this document puts
    over that of stored URL ``m``, the same exercise in another language;
  - ``["home", locale]``, ``["settings", locale]``: those pages, from their shell (the body,
    as its values over the layout), the home's section and card, or the settings' item, and
    that language's documents;
  - ``["app", locale, grounding]``: app.json from its shell (the body), that language's
    documents, the grounding exercise's id and the ``kinds`` that say which timings a person
    may change;

- ``shells``: per language, ``markup``: the length of each shell's markup by name (``layout``;
  ``exercise``, the exercise page as its values over the layout, and ``aside``; home's
  ``section`` and ``card``; settings' ``item``), which follows the index in that order,
  language after language; ``headings``, each category's [id, heading] on home; and ``kinds``;
- ``hash``: the hash of what the worker is to build, as the version hashes what it stores
  (URL and body of each), for the worker to check what it built by.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from .exercise_documents import document, texts_over
from .i18n import LOCALES
from .shells import AppJson, ExercisePage, Shells
from .urls import CLIENT_PAGES, Page

if TYPE_CHECKING:
    from .exercises.model import Exercise
    from .i18n import Catalogs
    from .templating import Templates
    from .urls import Urls

# Text, but not JSON: a static host compresses text/plain as it compresses JSON.
BUNDLE_TYPE = "text/plain; charset=utf-8"


class Recipe(NamedTuple):
    """How the worker builds a response (the entry's recipe) from the ``payload`` the bundle
    holds for it, and in which language's shells."""

    how: list[Any]
    payload: bytes


class Documents:
    """Which stored responses the worker builds from the exercises' documents, and how."""

    def __init__(
        self,
        templates: Templates,
        catalogs: Catalogs,
        exercises: Mapping[str, Exercise],
        urls: Urls,
    ) -> None:
        self.templates = templates
        self.languages = {locale: catalogs.language(locale) for locale in LOCALES}
        self.docs = {
            locale: {i: document(e, language) for i, e in exercises.items()}
            for locale, language in self.languages.items()
        }
        self.built: dict[str, tuple[str, str]] = {}
        for locale in LOCALES:
            # Every page over its language's layout; those that show exercises from their shells.
            self.built |= {urls.page(page, locale): ("page", locale) for page in CLIENT_PAGES}
            self.built |= {urls.exercise(i, locale): ("exercise", locale) for i in exercises}
            self.built[urls.page(Page("home"), locale)] = ("home", locale)
            self.built[urls.page(Page("settings"), locale)] = ("settings", locale)
            self.built[urls.path("app_json", locale=locale)] = ("app", locale)
        self.exercise_of = {urls.exercise(i, loc): i for i in exercises for loc in LOCALES}
        # Each exercise's first page in a bundle: its stored URL's index, its language.
        self.first: dict[str, tuple[int, str]] = {}
        self._shells: dict[str, Shells] = {}

    def shells(self, locale: str) -> Shells:
        """One language's shells, rendered once."""
        if locale not in self._shells:
            language = self.languages[locale]
            self._shells[locale] = Shells.render(self.templates, locale, language)
        return self._shells[locale]

    def recipe(self, index: int, url: str, body: bytes) -> Recipe | None:
        """How the worker builds ``url``, its stored URL ``index``, or None for a response it
        stores as it is. What it builds must be the very ``body`` the server sends: a change
        the shells cannot express stops the server at start-up, naming the URL."""
        if url not in self.built:
            return None
        what, locale = self.built[url]
        shells, docs = self.shells(locale), list(self.docs[locale].values())
        layout = shells.layout
        if what == "page":
            values = layout.over(body.decode(), url)
            recipe, built = Recipe([what, locale], values.encode()), layout.build(values).encode()
        elif what == "exercise":
            recipe, built = self._exercise_page(index, url, locale, shells.exercise)
        elif what == "home":
            recipe = Recipe([what, locale], layout.over(shells.home.page, url).encode())
            built = shells.home.build(docs)
        elif what == "settings":
            recipe = Recipe([what, locale], layout.over(shells.settings.page, url).encode())
            built = shells.settings.build(docs, shells.kinds)
        else:
            app = AppJson.of(body)
            grounding = json.loads(body)["grounding"]["id"]
            recipe = Recipe([what, locale, grounding], app.shell.encode())
            built = app.build(docs, grounding, shells.kinds)
        if built != body:
            raise RuntimeError(f"{url} differs from what the service worker would build of it")
        return recipe

    def _exercise_page(
        self, index: int, url: str, locale: str, page: ExercisePage
    ) -> tuple[Recipe, bytes]:
        exercise_id = self.exercise_of[url]
        doc = self.docs[locale][exercise_id]
        how: list[Any] = ["exercise", locale]
        payload: Any = doc
        # After its first language, an exercise's document is its texts over the first one.
        if exercise_id in self.first:
            twin, twin_locale = self.first[exercise_id]
            texts = texts_over(self.docs[twin_locale][exercise_id], doc)
            if texts is not None:
                how, payload = [*how, twin], texts
        else:
            self.first[exercise_id] = (index, locale)
        return Recipe(how, _json(payload)), page.build(self.templates, locale, doc)


@dataclass
class Packer:
    """The bundle, put together response by response."""

    headers: list[dict[str, str]] = field(default_factory=list)
    entries: list[list[Any]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    locales: set[str] = field(default_factory=set)
    built: Any = field(default_factory=hashlib.sha256)

    def add(self, url: str, headers: dict[str, str], body: bytes, recipe: Recipe | None) -> None:
        """The response for ``url``, the next stored URL the worker does not fetch on its own:
        its ``body`` as it is, or what the worker builds it from."""
        if headers not in self.headers:
            self.headers.append(headers)
        entry: list[Any] = [self.headers.index(headers)]
        if recipe is None:
            self.entries.append([*entry, len(body)])
            self.bodies.append(body)
            return
        self.locales.add(recipe.how[1])
        self.entries.append([*entry, len(recipe.payload), recipe.how])
        self.bodies.append(recipe.payload)
        self.built.update(url.encode() + b"\0" + body + b"\0")

    def packed(self, documents: Documents) -> bytes:
        """The bundle's bytes, with the shells of the languages its recipes build in."""
        shared = set.intersection(*(set(headers.items()) for headers in self.headers))
        common = {k: v for k, v in self.headers[0].items() if (k, v) in shared}
        index: dict[str, Any] = {
            "common": common,
            "headers": [{k: v for k, v in h.items() if k not in common} for h in self.headers],
            "entries": self.entries,
        }
        markup: list[bytes] = []
        if self.locales:
            shells: dict[str, Any] = {}
            for locale in (locale for locale in LOCALES if locale in self.locales):
                texts = {k: v.encode() for k, v in documents.shells(locale).markup().items()}
                shells[locale] = {"markup": {k: len(v) for k, v in texts.items()}}
                shells[locale] |= documents.shells(locale).data()
                markup += texts.values()
            index |= {"shells": shells, "hash": self.built.hexdigest()[:16]}
        return _json(index) + b"\n" + b"".join(markup) + b"".join(self.bodies)


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
