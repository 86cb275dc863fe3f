"""Rendering pages: one Jinja2 environment per locale, each with its own translations.

Two small environments instead of a per-request translation switch: templates stay plain
``{% trans %}`` and ``_()``, and nothing global changes while a request renders.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from starlette.responses import HTMLResponse

from .assets import StaticAssets
from .i18n import LOCALES, Catalogs, language_name
from .security import META_CONTENT_SECURITY_POLICY
from .settings import Settings
from .urls import Page, Urls

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def script_json(data: Any) -> Markup:
    """``data`` as JSON to put inside a <script type="application/json">: letters as they are
    (Jinja's tojson spells out every accent, which a phone stores twice over), with only
    what could end the script element escaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    for character, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(character, escape)
    return Markup(text)


def tel(number: str) -> str:
    """The ``tel:`` link that dials ``number``: without the spaces and dashes it is written
    with for reading ("0800-0113")."""
    return "tel:" + re.sub(r"[\s-]", "", number)


def translated_environment(folder: Path, locale: str, catalogs: Catalogs) -> jinja2.Environment:
    """A Jinja2 environment for the templates in ``folder``, in ``locale``: autoescaped, strict
    about undefined names, ``{% trans %}`` trimmed. The client's and the therapist's pages
    each add their own filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(catalogs.translations[locale], newstyle=True)  # type: ignore[attr-defined]
    env.globals["locale"] = locale
    return env


def _environment(locale: str, catalogs: Catalogs) -> jinja2.Environment:
    env = translated_environment(TEMPLATES_DIR, locale, catalogs)
    env.filters["script_json"] = script_json
    env.filters["tel"] = tel
    return env


class Templates:
    """Renders a named template in a locale, with what every page needs."""

    def __init__(
        self, catalogs: Catalogs, assets: StaticAssets, settings: Settings, urls: Urls
    ) -> None:
        self.environments = {locale: _environment(locale, catalogs) for locale in LOCALES}
        self.assets = assets
        self.settings = settings
        self.urls = urls

    def render(
        self,
        name: str,
        locale: str,
        context: dict[str, Any] | None = None,
        *,
        page: Page,
        status_code: int = 200,
    ) -> HTMLResponse:
        """Render ``name`` in ``locale`` as ``page``, which gives the language switch and the
        hreflang alternates the same page in the other language.

        Nothing in a page depends on the request: the client's pages are the same bytes for
        every visitor, so the service worker's version is a hash of them (server/offline.py).
        """
        template = self.environments[locale].get_template(name)
        urls = self.urls
        alternates = [
            {
                "locale": other,
                "name": language_name(other),
                "url": urls.absolute(urls.page(page, other)),
                "switch": urls.switch(page, other),
            }
            for other in LOCALES
        ]

        def url(route: str, **params: str) -> str:
            return urls.page(Page.of(route, **params), locale)

        html = template.render(
            {
                "settings": self.settings,
                "url": url,
                "grounding_started": urls.grounding_started(locale),
                "static": lambda asset: self.assets.url(asset, urls),
                "static_site": urls.static_site,
                "app_data": urls.path("app_json", locale=locale),
                "manifest": urls.path("manifest", locale=locale),
                "meta_csp": META_CONTENT_SECURITY_POLICY,
                "alternates": alternates,
                "switch": [alt for alt in alternates if alt["locale"] != locale],
                **(context or {}),
            }
        )
        return HTMLResponse(html, status_code=status_code)
