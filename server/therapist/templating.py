"""The therapist side's pages: its own templates (server/therapist/templates/, every page
extends t_base.html) and its own static files, served under /t/static/.

The site's stylesheet is shared; the therapist's own files live outside pwa/, so a change to
them changes no URL the client app stores and offers no update to any phone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import jinja2
from babel.dates import format_date, format_datetime
from markupsafe import Markup
from starlette.responses import HTMLResponse

from ..assets import StaticAssets
from ..i18n import LOCALES, Catalogs, language_name
from ..settings import Settings
from ..templating import translated_environment
from ..urls import Page, Urls

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"


def _environment(locale: str, catalogs: Catalogs, zone: tzinfo) -> jinja2.Environment:
    """Dates and times in the practice's time zone (HOUVAST_TIME_ZONE), not the server's."""
    env = translated_environment(TEMPLATES_DIR, locale, catalogs)
    env.filters["date"] = lambda moment: format_date(
        datetime.fromtimestamp(moment, zone), "long", locale=locale
    )
    env.filters["datetime"] = lambda moment: format_datetime(
        datetime.fromtimestamp(moment, UTC), "medium", tzinfo=zone, locale=locale
    )
    return env


class TherapistTemplates:
    """Renders the therapist's pages in a locale, with what every one of them needs."""

    def __init__(
        self, catalogs: Catalogs, site_assets: StaticAssets, urls: Urls, settings: Settings
    ) -> None:
        self.environments = {
            locale: _environment(locale, catalogs, settings.time_zone) for locale in LOCALES
        }
        self.catalogs = catalogs
        self.site_assets = site_assets
        self.assets = StaticAssets(STATIC_DIR)
        self.urls = urls
        self.settings = settings

    def static(self, name: str) -> str:
        if name not in self.assets.files:
            raise KeyError(f"no static file server/therapist/static/{name}")
        return self.urls.path("t_static", version=self.assets.version, path=name)

    def url_maker(self, locale: str) -> Callable[..., str]:
        def url(route: str, **params: Any) -> str:
            return self.urls.path(route, locale=locale, **params)

        return url

    def fragment(self, name: str, locale: str, context: dict[str, Any]) -> Markup:
        """A part of a page in another language (a handout in the language of the set)."""
        template = self.environments[locale].get_template(name)
        return Markup(template.render({"static": self.static, **context}))

    def render(
        self,
        name: str,
        locale: str,
        context: dict[str, Any],
        *,
        page: Page,
        status_code: int = 200,
    ) -> HTMLResponse:
        """Render ``name`` in ``locale`` as ``page``, which gives the language switch the same
        page in the other language (as the client side's Templates.render does)."""
        urls = self.urls
        switch = [
            {
                "locale": other,
                "name": language_name(other),
                "url": urls.path(page.name, locale=other, **dict(page.params)),
            }
            for other in LOCALES
            if other != locale
        ]
        html = (
            self.environments[locale]
            .get_template(name)
            .render(
                {
                    "url": self.url_maker(locale),
                    "site_static": lambda asset: self.site_assets.url(asset, urls),
                    "static": self.static,
                    "switch": switch,
                    "settings": self.settings,
                    **context,
                }
            )
        )
        return HTMLResponse(html, status_code=status_code)
