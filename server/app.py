"""The application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware

from .assets import PWA_DIR, StaticAssets
from .exercises import check_translations, load_exercises
from .i18n import LOCALES, Catalogs
from .offline import OfflineBundle
from .reminders.service import reminder_service
from .routes import routes
from .security import SecurityHeadersMiddleware
from .settings import Settings
from .templating import SiteLinks, Templates
from .views import errors


def create_app(
    settings: Settings | None = None,
    *,
    links: SiteLinks | None = None,
    pwa_dir: Path = PWA_DIR,
    dispatch: bool = True,
    push_edge: Mapping[str, Any] | None = None,
) -> Starlette:
    """Build the app. Exercises and catalogs are loaded and checked here, so a broken exercise
    file or an incomplete translation stops the server before it serves anything.

    ``links`` describes the URLs pages link to (``houvast export`` renders a static site,
    which has no reminder service); ``pwa_dir`` holds the front-end files; ``dispatch`` and
    ``push_edge`` go to the reminder service (server/reminders/service.py).
    """
    settings = settings or Settings.from_env()
    catalogs = Catalogs.load()
    exercises = load_exercises(settings.exercises_dir)
    check_translations(
        exercises.values(),
        {locale: partial(catalogs.lookup, locale) for locale in LOCALES},
    )
    assets = StaticAssets(pwa_dir)
    links = links or SiteLinks()
    state: dict[str, Any] = {
        "settings": settings,
        "catalogs": catalogs,
        "exercises": exercises,
        "assets": assets,
        "templates": Templates(catalogs, assets, settings, links),
        "offline": OfflineBundle.build(settings, catalogs, assets, links, exercises),
    }

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        if links.static_site:
            yield state
            return
        async with reminder_service(
            settings, catalogs, exercises, dispatch=dispatch, push_edge=push_edge
        ) as service:
            yield {**state, **service}

    return Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeadersMiddleware),
            Middleware(GZipMiddleware, minimum_size=500),
        ],
        exception_handlers={404: errors.not_found, HTTPException: errors.http_error},
        lifespan=lifespan,
    )
