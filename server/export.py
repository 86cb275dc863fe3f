"""``houvast export``: the client app as static files for any static host.

Every page is rendered by the app itself (in process, through ASGI), with links for a static
site under a base path: ``nl/about/index.html`` served at ``<base>nl/about/``. The service
worker and the manifests are generated for that base, so the export works offline after the
first visit, at the root of a host or under a sub-path.
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .app import create_app
from .assets import StaticAssets
from .i18n import DEFAULT_LOCALE, LOCALES
from .in_process import get
from .offline import OfflineBundle
from .settings import Settings
from .urls import Page, Urls

# Pages an export holds that the worker does not store: the set builder (not for a person in
# distress, so not worth a phone's space) and the page a set's link opens (a set inside its
# link needs no server). With them, the files under online/ that such pages use.
EXPORTED_PAGES = ("make_set", "set")

_BASE_PATH = re.compile(r"^/(?:[A-Za-z0-9._~-]+/)*$")


class ExportError(ValueError):
    """The export cannot be written as asked."""


def normalise_base_path(base_path: str) -> str:
    """``houvast/`` and ``/houvast`` both mean ``/houvast/``; refuse anything that is no path."""
    path = "/" + base_path.strip("/") + "/" if base_path.strip("/") else "/"
    if not _BASE_PATH.match(path):
        raise ExportError(f"--base-path {base_path!r} is not a plain URL path like /houvast/")
    return path


async def _export(settings: Settings, directory: Path, base_path: str) -> list[Path]:
    app = create_app(settings, base_path=base_path, static_site=True)
    written: list[Path] = []

    async with app.router.lifespan_context(app) as state:
        assert state is not None
        urls: Urls = state["urls"]
        offline: OfflineBundle = state["offline"]
        # What the worker stores is what the export holds, with the bundles it fetches them
        # in, and what a static host needs besides: its start page, the worker itself and the
        # page for unknown paths.
        bundles = [
            urls.path("offline_bundle", version=offline.version, part=name)
            for name in offline.bundles
        ]
        assets: StaticAssets = state["assets"]
        extra = [urls.page(Page(name), locale) for name in EXPORTED_PAGES for locale in LOCALES]
        extra += [
            assets.url(name, urls) for name in sorted(assets.files) if not assets.stored(name)
        ]
        stored = set(offline.stored)
        wanted = [(url, 200) for url in [*offline.stored, *bundles]]
        wanted += [(url, 200) for url in extra if url not in stored]
        wanted += [(urls.path("root"), 200), (urls.path("service_worker"), 200)]
        if offline.worker_map is not None:
            wanted.append((urls.path("service_worker_map"), 200))
        wanted.append((urls.page(Page.of("exercise", exercise_id="-"), DEFAULT_LOCALE), 404))
        for url, expect in wanted:
            status, _, body = await get(app, state, urls.app_path(url))
            if status != expect:
                raise ExportError(f"{url} answered {status}, expected {expect}")
            target = directory / (urls.file_of(url) if expect == 200 else "404.html")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
            written.append(target)
    return written


def export_site(settings: Settings, directory: Path, base_path: str = "/") -> list[Path]:
    """Write the static client app into ``directory``; return the files written."""
    base = normalise_base_path(base_path)
    if directory.exists() and any(directory.iterdir()):
        raise ExportError(f"{directory} is not empty; export into a new or empty folder")
    directory.mkdir(parents=True, exist_ok=True)
    # The app runs in its own event loop; a caller that already runs one (a notebook, a test
    # driving a browser) gets it in a thread, where asyncio.run is allowed.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _export(settings, directory, base)).result()
