"""What the app needs to work offline: the precache list, the service worker and the web app
manifests.

The service worker's version is a hash of the very responses it stores: every precached URL is
rendered in process at start-up (or export) and its bytes hashed. A change that alters no stored
byte (the API, reminders, an instance's server-only setting) offers no update to anyone, and two
instances with the same code and settings serve byte-identical workers. Nothing is listed by
hand.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp

from .assets import StaticAssets, lean
from .i18n import LOCALES, Catalogs
from .in_process import Answer, get
from .security import SECURITY_HEADERS
from .urls import CLIENT_PAGES, Page, Urls

SERVICE_WORKER = "sw.js"
# Files under an online/ folder belong to pages that need the server (reminders): they are
# not stored for offline use.
ONLINE_ONLY = "online/"
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


def client_pages(exercise_ids: Iterable[str]) -> list[Page]:
    """Every page of the client app (each in every locale)."""
    return [*CLIENT_PAGES, *(Page.of("exercise", exercise_id=i) for i in exercise_ids)]


def precache_urls(urls: Urls, assets: StaticAssets, exercise_ids: Iterable[str]) -> list[str]:
    """The URLs the service worker stores on install: both languages' pages and every file."""
    pages = client_pages(exercise_ids)
    found = [urls.page(page, locale) for locale in LOCALES for page in pages]
    found += [urls.path("app_json", locale=locale) for locale in LOCALES]
    found += [
        assets.url(name, urls)
        for name in sorted(assets.files)
        if f"/{ONLINE_ONLY}" not in f"/{name}"
    ]
    found += [urls.path("manifest", locale=locale) for locale in LOCALES]
    return found


# Kept with a stored response, so the worker serves it as the server would.
_KEPT_HEADERS = ("content-type", *(name.lower() for name in SECURITY_HEADERS))
# Text travels in bundles (server/offline.py, pwa/sw.js); anything else is fetched on its own.
_TEXT_TYPES = ("text/", "application/json", "application/manifest+json", "image/svg+xml")


@dataclass(frozen=True)
class OfflineBundle:
    """The service worker, what it stores, and the bundles it fetches them in.

    A phone stores every page of both languages. Fetched one by one, each page would carry the
    markup all pages share; gzip compresses that away only within one file. So the worker
    fetches the text it stores in a few bundles (a JSON object of URL → headers and body): one
    per language with its pages, and one with the scripts and styles. Binary files (the icons)
    are fetched on their own.
    """

    version: str
    stored: list[str]
    bundles: dict[str, bytes]
    files: list[str]
    service_worker: bytes
    # Every stored URL's response as rendered: the server sends these very bytes to browsers
    # too (server/prerendered.py).
    answers: dict[str, Answer] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    async def render(cls, app: ASGIApp, state: Mapping[str, Any], source: bytes) -> OfflineBundle:
        """Render every stored response in process and build the bundles and worker from them.

        ``state`` is what the app's requests see; ``source`` is pwa/sw.js.
        """
        urls: Urls = state["urls"]
        stored = precache_urls(urls, state["assets"], state["exercises"])
        digest = hashlib.sha256()
        groups: dict[str, dict[str, Any]] = {}
        files: list[str] = []
        answers: dict[str, Answer] = {}
        for url in stored:
            answer = answers[url] = await get(app, state, urls.app_path(url))
            if answer.status != 200:
                # The browser's install would fail on it: a programmer's mistake.
                raise RuntimeError(f"{url} answered {answer.status}; the service worker stores it")
            digest.update(url.encode() + b"\0" + answer.body + b"\0")
            kind = answer.headers.get("content-type", "")
            if not kind.startswith(_TEXT_TYPES):
                files.append(url)
                continue
            group = _bundle_of(url, urls)
            groups.setdefault(group, {})[url] = {
                "headers": {k: v for k, v in answer.headers.items() if k in _KEPT_HEADERS},
                "body": answer.body.decode("utf-8"),
            }
        version = digest.hexdigest()[:16]
        bundles = {
            name: json.dumps(entries, ensure_ascii=False, separators=(",", ":")).encode()
            for name, entries in groups.items()
        }
        bundle_urls = [urls.path("offline_bundle", version=version, part=n) for n in bundles]
        worker = service_worker(
            lean(SERVICE_WORKER, source).decode(), version, stored, bundle_urls, files, urls
        )
        return cls(version, stored, bundles, files, worker, answers)


def _bundle_of(url: str, urls: Urls) -> str:
    """Which bundle a stored text goes in: its language's, or the shared files'."""
    homes = urls.homes()
    in_locale = [locale for locale, home in homes.items() if url.startswith(home)]
    if in_locale:
        return in_locale[0]
    for locale in LOCALES:
        if url == urls.path("manifest", locale=locale):
            return locale
    return "files"


def service_worker(
    source: str,
    version: str,
    stored: list[str],
    bundles: list[str],
    files: list[str],
    urls: Urls,
) -> bytes:
    """The service worker: its source with the version, URLs and what to store filled in."""
    config = {
        "version": version,
        "scope": urls.base,
        "root": urls.path("root"),
        "homes": urls.homes(),
        "offline": {locale: urls.page(Page("offline"), locale) for locale in LOCALES},
        # The language switch remembers a choice on the server; offline it goes straight on.
        "switch": {
            locale: urls.path("switch_language", locale=locale, page="") for locale in LOCALES
        },
        "api": {} if urls.static_site else urls.for_api(),
        "stored": stored,
        "bundles": bundles,
        "files": files,
    }
    marker = "const CONFIG = /* filled in by server/offline.py */ null;"
    if marker not in source:
        raise RuntimeError(f"pwa/{SERVICE_WORKER} lacks the line {marker!r}")
    return source.replace(marker, f"const CONFIG = {json.dumps(config)};").encode()


def manifest(locale: str, catalogs: Catalogs, urls: Urls, assets: StaticAssets) -> bytes:
    """The web app manifest in one language; both share one id, so it is one app."""
    description = catalogs.gettext(
        locale,
        "Grounding and attachment exercises to practise between therapy sessions, "
        "at your own pace.",
    )
    data: dict[str, Any] = {
        "id": urls.base,
        "name": "Houvast",
        "short_name": "Houvast",
        "description": description,
        "lang": locale,
        "dir": "ltr",
        "start_url": urls.page(Page("home"), locale),
        "scope": urls.base,
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "categories": ["health", "lifestyle"],
        "icons": [{**icon, "src": assets.url(icon["src"], urls)} for icon in MANIFEST_ICONS],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
