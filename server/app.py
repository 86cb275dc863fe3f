"""The application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import BaseRoute

from .assets import PWA_DIR, StaticAssets
from .exercises import check_translations, load_exercises
from .i18n import LOCALES, Catalogs
from .offline import SERVICE_WORKER, OfflineBundle, manifest
from .prerendered import Prerendered, PrerenderedMiddleware
from .rate_limits import ChangeLimits
from .releases import ReleaseFiles, files_of, release_of, store_release
from .reminders.service import reminder_service
from .routes import routes as default_routes
from .security import SecurityHeadersMiddleware
from .settings import Settings
from .templating import Templates
from .therapist.service import therapist_side
from .urls import Urls
from .views import errors


def create_app(
    settings: Settings | None = None,
    *,
    base_path: str = "/",
    static_site: bool = False,
    pwa_dir: Path = PWA_DIR,
    routes: list[BaseRoute] | None = None,
    dispatch: bool = True,
    push_edge: Mapping[str, Any] | None = None,
) -> Starlette:
    """Build the app. Exercises and catalogs are loaded and checked here, so a broken exercise
    file or an incomplete translation stops the server before it serves anything.

    ``base_path`` and ``static_site`` describe a static export (``houvast export`` renders a
    site without a reminder service under a base path); ``pwa_dir`` holds the front-end files;
    ``routes`` replaces the route table (tests move it under a prefix); ``dispatch`` and
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
    worker_source = (pwa_dir / SERVICE_WORKER).read_bytes()
    state: dict[str, Any] = {
        "settings": settings,
        "catalogs": catalogs,
        "exercises": exercises,
        "assets": assets,
        "limits": ChangeLimits(settings.rate_limit, settings.rate_limit_total),
    }

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        # The worker's version is the hash of what it stores, rendered here, once.
        state["offline"] = await OfflineBundle.render(app, state, worker_source)
        if static_site:
            yield state
            return
        async with reminder_service(
            settings, catalogs, exercises, state["urls"], dispatch=dispatch, push_edge=push_edge
        ) as service:
            # This release's hashed files go to the shared database, for the other instances.
            files = files_of(assets, state["offline"], state["urls"])
            release = release_of(assets, state["offline"])
            await anyio.to_thread.run_sync(store_release, service["engine"], release, files)
            # Browsers get the pages the worker stores as rendered for it, compressed once.
            prerendered = Prerendered(state["offline"].answers, state["urls"])
            # The therapist side shares the reminders' database engine (one pool, one
            # migration at start-up).
            async with therapist_side(
                service["engine"], settings, catalogs, exercises, state["urls"], assets
            ) as therapist:
                yield {
                    **state,
                    **service,
                    "releases": ReleaseFiles(service["engine"]),
                    "prerendered": prerendered,
                    "therapist": therapist,
                }

    app = Starlette(
        routes=default_routes if routes is None else routes,
        middleware=[
            Middleware(PrerenderedMiddleware),
            Middleware(SecurityHeadersMiddleware, hsts=settings.hsts_on),
            Middleware(GZipMiddleware, minimum_size=500),
        ],
        exception_handlers={
            404: errors.not_found,
            HTTPException: errors.http_error,
            500: errors.server_error,
        },
        lifespan=lifespan,
    )
    urls = Urls(
        app.router,
        base=base_path,
        static_site=static_site,
        origin="" if static_site else settings.origin,
    )
    state["urls"] = urls
    state["templates"] = Templates(catalogs, assets, settings, urls)
    state["manifests"] = {locale: manifest(locale, catalogs, urls, assets) for locale in LOCALES}
    return app
