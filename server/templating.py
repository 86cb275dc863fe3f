"""Rendering pages: one Jinja2 environment per locale, each with its own translations.

Two small environments instead of a per-request translation switch: templates stay plain
``{% trans %}`` and ``_()``, and nothing global changes while a request renders.
"""

from __future__ import annotations

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
    format_number,
    format_seconds,
    language_name,
)
from .settings import Settings

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def _environment(locale: str, catalogs: Catalogs, assets: StaticAssets) -> jinja2.Environment:
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
    env.globals["static"] = assets.url
    env.globals["locale"] = locale
    env.filters["minutes"] = lambda minutes: format_minutes(minutes, locale)
    env.filters["seconds"] = lambda seconds: format_seconds(seconds, locale)
    env.filters["number"] = lambda number: format_number(number, locale)
    return env


class Templates:
    """Renders a named template in a locale, with what every page needs."""

    def __init__(self, catalogs: Catalogs, assets: StaticAssets, settings: Settings) -> None:
        self.environments = {locale: _environment(locale, catalogs, assets) for locale in LOCALES}
        self.settings = settings

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
        base = str(request.base_url)
        alternates = [
            {"locale": other, "name": language_name(other), "url": f"{base}{other}/{page}"}
            for other in LOCALES
        ]
        html = template.render(
            {
                "request": request,
                "settings": self.settings,
                "page": page,
                "alternates": alternates,
                "switch": [alt for alt in alternates if alt["locale"] != locale],
                **(context or {}),
            }
        )
        return HTMLResponse(html, status_code=status_code)
