"""The application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import BaseRoute, Mount, Router

from .assets import PWA_DIR, StaticAssets
from .backup import serving
from .exercises import check_translations, load_exercises
from .i18n import LOCALES, Catalogs
from .offline import SERVICE_WORKER, manifest
from .offline_memo import render_once
from .prerendered import PrerenderedMiddleware
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
    state = _content(settings, pwa_dir)
    worker_source = (pwa_dir / SERVICE_WORKER).read_bytes()
    app = Starlette(
        routes=default_routes if routes is None else routes,
        middleware=_middleware(settings),
        exception_handlers={
            404: errors.not_found,
            HTTPException: errors.http_error,
            500: errors.server_error(hsts=settings.hsts_on),
        },
        lifespan=_lifespan(state, worker_source, static_site, dispatch, push_edge),
    )
    _without_host_redirects(app.router)
    origin = "" if static_site else settings.origin
    _add_urls(state, Urls(app.router, base=base_path, static_site=static_site, origin=origin))
    return app


def _without_host_redirects(router: Router) -> None:
    """Starlette's routers (a mount's too) answer a slash too many or too few with a redirect
    built from the request's Host header; views/errors.py answers it with a relative one."""
    router.redirect_slashes = False
    for route in router.routes:
        if isinstance(route, Mount) and isinstance(route.app, Router):
            _without_host_redirects(route.app)


def _content(settings: Settings, pwa_dir: Path) -> dict[str, Any]:
    """Exercises, catalogs and files, checked against each other: the state every app has."""
    catalogs = Catalogs.load()
    exercises = load_exercises(settings.exercises_dir)
    check_translations(
        exercises.values(),
        {locale: partial(catalogs.lookup, locale) for locale in LOCALES},
    )
    return {
        "settings": settings,
        "catalogs": catalogs,
        "exercises": exercises,
        "assets": StaticAssets(pwa_dir),
        "limits": ChangeLimits(settings.rate_limit, settings.rate_limit_total),
        # Other releases' files: none in a static export, the database's once it is open.
        "releases": None,
    }


def _middleware(settings: Settings) -> list[Middleware]:
    return [
        Middleware(PrerenderedMiddleware),
        Middleware(SecurityHeadersMiddleware, hsts=settings.hsts_on),
        Middleware(GZipMiddleware, minimum_size=500),
    ]


def _add_urls(state: dict[str, Any], urls: Urls) -> None:
    """What needs the app's URLs: the templates and the manifests."""
    catalogs, assets = state["catalogs"], state["assets"]
    state["urls"] = urls
    state["templates"] = Templates(catalogs, assets, state["settings"], urls)
    state["manifests"] = {locale: manifest(locale, catalogs, urls, assets) for locale in LOCALES}


def _lifespan(
    state: dict[str, Any],
    worker_source: bytes,
    static_site: bool,
    dispatch: bool,
    push_edge: Mapping[str, Any] | None,
) -> Callable[[Starlette], AbstractAsyncContextManager[dict[str, Any]]]:
    """Render the offline bundle, then (unless static) open the reminders and therapist side."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        # The worker's version is the hash of what it stores, rendered here (or reused from an
        # app this process built from the same inputs).
        state["offline"] = await render_once(app, state, worker_source)
        if static_site:
            yield state
            return
        # While it serves, `houvast restore` refuses to replace its database (server/backup.py).
        async with serving(state["settings"]), _services(state, dispatch, push_edge) as served:
            yield served

    return lifespan


@asynccontextmanager
async def _services(
    state: dict[str, Any], dispatch: bool, push_edge: Mapping[str, Any] | None
) -> AsyncIterator[dict[str, Any]]:
    """The reminder service and the therapist side, sharing one database engine."""
    settings, catalogs, exercises = state["settings"], state["catalogs"], state["exercises"]
    urls, assets, offline = state["urls"], state["assets"], state["offline"]
    async with reminder_service(
        settings, catalogs, exercises, urls, dispatch=dispatch, push_edge=push_edge
    ) as service:
        # This release's hashed files go to the shared database, for the other instances.
        files = files_of(assets, offline, urls)
        release = release_of(assets, offline)
        service["metrics"].serving(release)
        await anyio.to_thread.run_sync(
            store_release, service["engine"], release, files, settings.releases_kept
        )
        # The therapist side shares the reminders' database engine (one pool, one migration
        # at start-up).
        async with therapist_side(
            service["engine"], settings, catalogs, exercises, urls, assets
        ) as therapist:
            if service["dispatching"]:
                # The trail's retention, beside the dispatcher's own housekeeping.
                service["scheduler"].add_job(
                    therapist.audit.purge, "interval", hours=6, id="audit_purge"
                )
            yield {
                **state,
                **service,
                "releases": ReleaseFiles(service["engine"]),
                # Browsers get the pages the worker stores as rendered for it, compressed once.
                "prerendered": offline.prerendered,
                "therapist": therapist,
            }
