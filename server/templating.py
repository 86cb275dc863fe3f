"""Rendering pages: one Jinja2 environment per locale, each with its own translations.

Two small environments instead of a per-request translation switch: templates stay plain
``{% trans %}`` and ``_()``, and nothing global changes while a request renders.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from .assets import StaticAssets
from .i18n import (
    LOCALES,
    Catalogs,
    format_minutes,
    format_seconds,
    language_name,
)
from .security import META_CONTENT_SECURITY_POLICY
from .settings import Settings

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class SiteLinks:
    """How the site's own URLs look: served by the app, or exported as static files.

    A static host serves ``nl/about/index.html`` at ``nl/about/``, so exported links end in a
    slash, and the language switch goes straight to the other page (no server to remember it).
    """

    base: str = "/"
    static_site: bool = False

    def page(self, locale: str, page: str = "") -> str:
        path = f"{self.base}{locale}/{page}"
        return path if path.endswith("/") or not self.static_site else f"{path}/"

    def app_data(self, locale: str) -> str:
        """The URL of the strings and timings the scripts share (server/client_strings.py)."""
        return f"{self.base}{locale}/app.json"

    def switch(self, locale: str, page: str = "") -> str:
        if self.static_site:
            return self.page(locale, page)
        return f"{self.base}lang/{locale}/{page}"


def _environment(locale: str, catalogs: Catalogs) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(catalogs.translations[locale], newstyle=True)  # type: ignore[attr-defined]
    env.globals["locale"] = locale
    env.filters["minutes"] = lambda minutes: format_minutes(minutes, locale)
    env.filters["seconds"] = lambda seconds: format_seconds(seconds, locale)
    return env


class Templates:
    """Renders a named template in a locale, with what every page needs."""

    def __init__(
        self,
        catalogs: Catalogs,
        assets: StaticAssets,
        settings: Settings,
        links: SiteLinks | None = None,
    ) -> None:
        self.environments = {locale: _environment(locale, catalogs) for locale in LOCALES}
        self.assets = assets
        self.settings = settings
        self.links = links or SiteLinks()

    def render(
        self,
        request: Request,
        name: str,
        locale: str,
        context: dict[str, Any] | None = None,
        *,
        page: str = "",
        status_code: int = 200,
    ) -> HTMLResponse:
        """Render ``name`` in ``locale``; ``page`` is the path after ``/<locale>/``.

        ``page`` gives the language switch and the hreflang alternates the same page in the
        other language.
        """
        template = self.environments[locale].get_template(name)
        links = self.links
        # hreflang wants absolute URLs; an export does not know its host, so it gives paths.
        origin = "" if links.static_site else str(request.base_url).rstrip("/")
        alternates = [
            {
                "locale": other,
                "name": language_name(other),
                "url": origin + links.page(other, page),
                "switch": links.switch(other, page),
            }
            for other in LOCALES
        ]
        html = template.render(
            {
                "request": request,
                "settings": self.settings,
                "page": page,
                "href": lambda target="", to=locale: links.page(to, target),
                "static": lambda asset: links.base + self.assets.path(asset),
                "static_site": links.static_site,
                "base": links.base,
                "app_data": links.app_data(locale),
                "meta_csp": META_CONTENT_SECURITY_POLICY,
                "alternates": alternates,
                "switch": [alt for alt in alternates if alt["locale"] != locale],
                **(context or {}),
            }
        )
        return HTMLResponse(html, status_code=status_code)
