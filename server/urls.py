"""Every URL the app links to, built from the route table (server/routes.py).

Templates, the service worker, the scripts (through URL templates in app.json), push messages,
calendar files and the static export all ask this one object, never build paths by hand, so a
route that moves or a prefix that is added changes in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute, Mount, Route, Router

from .i18n import LOCALES


@dataclass(frozen=True)
class Page:
    """A page (client or therapist), by route name and path parameters (the locale apart)."""

    name: str
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, name: str, **params: str) -> Page:
        return cls(name, tuple(sorted(params.items())))


# The pages of the client app that every exercise has besides its own (pwa/sw.js stores them).
CLIENT_PAGES = (
    Page("home"),
    Page("about"),
    Page("help"),
    # The plan for hard moments: reached from the way out, so offline above all.
    Page("plan"),
    Page("settings"),
    Page("history"),
    Page("offline"),
    # A therapist's set, received and kept: it must open offline like the rest.
    Page("set"),
)
# What the scripts may link to or fetch: name → (route, parameters, placeholder names).
_SCRIPT_PAGES = ("home", "history", "help", "plan", "settings", "set", "reminders")


def _names(routes: list[BaseRoute]) -> set[str]:
    found: set[str] = set()
    for route in routes:
        if isinstance(route, Mount):
            found |= _names(route.routes)
        elif isinstance(route, Route):
            found.add(route.name)
    return found


@dataclass(frozen=True)
class Urls:
    """The URLs of one site: the app as served, or a static export under a base path.

    ``base`` is the path the site lives under ("/" or an export's "/houvast/"); a static host
    serves ``nl/about/index.html`` at ``nl/about/``, so a static site's page URLs end in a
    slash. ``origin`` ("https://houvast.example.org") makes the absolute links that leave the
    site: calendar files, hreflang alternates.
    """

    router: Router = field(repr=False, compare=False)
    base: str = "/"
    static_site: bool = False
    origin: str = ""

    def path(self, name: str, **params: Any) -> str:
        """The path of route ``name``, under the site's base."""
        return self.base.rstrip("/") + str(self.router.url_path_for(name, **params))

    def mount_of(self, name: str) -> str:
        """The path of the top-level mount that holds route ``name`` (a cookie's path)."""
        for route in self.router.routes:
            if isinstance(route, Mount) and name in _names(route.routes):
                return self.base.rstrip("/") + route.path
        raise LookupError(name)

    def page(self, page: Page, locale: str) -> str:
        """A client page in ``locale``."""
        path = self.path(page.name, locale=locale, **dict(page.params))
        return path if path.endswith("/") or not self.static_site else f"{path}/"

    def exercise(self, exercise_id: str, locale: str) -> str:
        return self.page(Page.of("exercise", exercise_id=exercise_id), locale)

    def grounding_started(self, locale: str) -> str:
        """Grounding, started at once: the way out on every page (pwa/js/player.js)."""
        return self.exercise("grounding", locale) + "#start"

    def shared_set(self, token: str, locale: str) -> str:
        """A therapist's link to a set: the token rides in the fragment, never sent here."""
        return self.absolute(self.page(Page("set"), locale)) + f"#t={token}"

    def set_in_link(self, locale: str) -> str:
        """The start of a link that carries a set whole: the link text follows (#s=...)."""
        return self.page(Page("set"), locale) + "#s="

    def static(self, version: str, name: str) -> str:
        return self.path("static", version=version, path=name)

    def absolute(self, path: str) -> str:
        """``path`` as a full URL on the public origin (a path alone when none is known)."""
        return f"{self.origin}{path}"

    def switch(self, page: Page, locale: str) -> str:
        """The language switch to ``page`` in ``locale``: straight there on a static site (no
        server to remember the choice), else through the route that remembers it."""
        target = self.page(page, locale)
        if self.static_site:
            return target
        home = self.page(Page("home"), locale)
        return self.path("switch_language", locale=locale, page=target.removeprefix(home))

    def app_path(self, url: str) -> str:
        """The path the app answers ``url`` at: the base only shapes an export's links."""
        return "/" + url.removeprefix(self.base)

    def file_of(self, url: str) -> str:
        """Where an exported file for ``url`` lives, relative to the export's folder."""
        relative = url.removeprefix(self.base)
        return f"{relative}index.html" if relative.endswith("/") or not relative else relative

    def for_scripts(self, locale: str) -> dict[str, str]:
        """URL templates for the scripts: pages in ``locale`` and the service worker's place.

        ``{id}`` in a template stands for an exercise's id.
        """
        templates = {name: self.page(Page(name), locale) for name in _SCRIPT_PAGES}
        templates["exercise"] = self.exercise("{id}", locale)
        templates["grounding_started"] = self.grounding_started(locale)
        # A kept set opens in its own language, whatever the page that links to it.
        templates["set_in"] = self.page(Page("set"), "{locale}")
        templates["worker"] = self.path("service_worker")
        # The sets API (docs/sets.md): kept sets are checked from home and the set page. A
        # static export has no server, so no API: its sets come from links only.
        if not self.static_site:
            for name in ("sets_open", "sets_progress", "progress_runs", "progress_withdraw"):
                templates[name] = self.path(name)
        templates["scope"] = self.base
        return templates

    def for_api(self) -> dict[str, str]:
        """URL templates of the reminders API, for the page that uses it and the worker."""
        return {
            "pushKey": self.path("push_key"),
            "devices": self.path("devices"),
            "device": self.path("device_update", device_id="{id}"),
            "calendar": self.path("calendar"),
        }

    def homes(self) -> dict[str, str]:
        """Each locale's home page: a path under one of these is in that language."""
        return {locale: self.page(Page("home"), locale) for locale in LOCALES}
