"""What the app needs to work offline: the client's pages, the precache list, the service worker
and the web app manifests.

The precache list and the version are derived at start-up (or export) from the files that make
the client: front-end files, templates, catalogs, exercises, the server's code and the settings.
Nothing is listed by hand, and changing any of those files changes the worker's bytes, so
browsers see an update.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

from .assets import StaticAssets, lean
from .i18n import LOCALES, LOCALES_DIR, Catalogs
from .settings import PROJECT_ROOT, Settings
from .templating import TEMPLATES_DIR, SiteLinks

SERVICE_WORKER = "sw.js"
# Files under an online/ folder belong to pages that need the server (reminders): they are
# not stored for offline use.
ONLINE_ONLY = "online/"
SERVER_DIR = PROJECT_ROOT / "server"
THEME_COLOUR = "#2d6a63"
# The manifest's colours show on the splash screen and the title bar, in light and dark alike.
BACKGROUND_COLOUR = "#2d6a63"
MANIFEST_ICONS = [
    {"src": "icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
    {"src": "icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
    {
        "src": "icons/icon-maskable-512.png",
        "sizes": "512x512",
        "type": "image/png",
        "purpose": "maskable",
    },
    {"src": "icons/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
]


@dataclass(frozen=True)
class OfflineBundle:
    """What the server hands out so the client works offline."""

    version: str
    precache: list[str]
    service_worker: bytes
    manifests: dict[str, bytes]

    @classmethod
    def build(
        cls,
        settings: Settings,
        catalogs: Catalogs,
        assets: StaticAssets,
        links: SiteLinks,
        exercise_ids: Iterable[str],
    ) -> OfflineBundle:
        version = client_version(settings, links, assets)
        urls = precache_urls(links, assets, exercise_ids)
        source = lean(SERVICE_WORKER, (assets.directory / SERVICE_WORKER).read_bytes()).decode()
        return cls(
            version=version,
            precache=urls,
            service_worker=service_worker(source, version, urls, links),
            manifests={locale: manifest(locale, catalogs, links, assets) for locale in LOCALES},
        )


def client_pages(exercise_ids: Iterable[str]) -> list[str]:
    """Every page of the client app, as the path after ``/<locale>/``."""
    ids = list(exercise_ids)
    return [
        "",
        "about",
        "help",
        "settings",
        "history",
        "offline",
        *(f"exercises/{i}" for i in ids),
    ]


def manifest_path(locale: str) -> str:
    return f"manifest-{locale}.webmanifest"


def precache_urls(links: SiteLinks, assets: StaticAssets, exercise_ids: Iterable[str]) -> list[str]:
    """The URLs the service worker stores on install: both languages' pages and every file."""
    pages = client_pages(exercise_ids)
    urls = [links.page(locale, page) for locale in LOCALES for page in pages]
    urls += [links.app_data(locale) for locale in LOCALES]
    urls += [
        links.base + assets.path(name)
        for name in sorted(assets.files)
        if f"/{ONLINE_ONLY}" not in f"/{name}"
    ]
    urls += [links.base + manifest_path(locale) for locale in LOCALES]
    return urls


def _files(*folders: Path, pattern: str = "*") -> list[Path]:
    return sorted(p for folder in folders for p in folder.rglob(pattern) if p.is_file())


def client_version(settings: Settings, links: SiteLinks, assets: StaticAssets) -> str:
    """A hash of everything that shapes what the client receives."""
    digest = hashlib.sha256(assets.version.encode())
    sources = [
        assets.directory / SERVICE_WORKER,
        *_files(TEMPLATES_DIR),
        *_files(LOCALES_DIR, pattern="*.mo"),
        *_files(settings.exercises_dir, pattern="*.toml"),
        *_files(SERVER_DIR, pattern="*.py"),
    ]
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(repr(astuple(settings)).encode())
    digest.update(repr(links).encode())
    return digest.hexdigest()[:16]


def service_worker(source: str, version: str, urls: list[str], links: SiteLinks) -> bytes:
    """The service worker: its source with the version, base and precache list filled in."""
    config = {
        "version": version,
        "base": links.base,
        "locales": list(LOCALES),
        "staticSite": links.static_site,
        "precache": urls,
    }
    marker = "const CONFIG = /* filled in by server/offline.py */ null;"
    if marker not in source:
        raise RuntimeError(f"pwa/{SERVICE_WORKER} lacks the line {marker!r}")
    return source.replace(marker, f"const CONFIG = {json.dumps(config)};").encode()


def manifest(locale: str, catalogs: Catalogs, links: SiteLinks, assets: StaticAssets) -> bytes:
    """The web app manifest in one language; both share one id, so it is one app."""
    description = catalogs.gettext(
        locale,
        "Grounding and attachment exercises to practise between therapy sessions, "
        "at your own pace.",
    )
    data: dict[str, Any] = {
        "id": links.base,
        "name": "Houvast",
        "short_name": "Houvast",
        "description": description,
        "lang": locale,
        "dir": "ltr",
        "start_url": links.page(locale),
        "scope": links.base,
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "categories": ["health", "lifestyle"],
        "icons": [
            {**icon, "src": links.base + assets.path(icon["src"])} for icon in MANIFEST_ICONS
        ],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
