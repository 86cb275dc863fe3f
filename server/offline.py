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
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp

from .assets import StaticAssets, lean
from .bundles import BUNDLE_TYPE, Documents, Packer
from .i18n import LOCALES, N_, Catalogs
from .in_process import Answer, get
from .minify import WORKER_CONFIG_LINE, minify_script
from .prerendered import Prerendered, gzipped_once
from .security import SECURITY_HEADERS
from .urls import CLIENT_PAGES, Page, Urls

if TYPE_CHECKING:
    from .exercises.model import Exercise

SERVICE_WORKER = "sw.js"
# The bundle's name in its URL (offline/<version>/<name>.txt).
BUNDLE = "app"
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
# A long press on the home-screen icon (Android; iOS shows none): the way out, straight from
# the home screen. Grounding starts at once (#start, pwa/js/player.js), as the way-out bar does.
# (name, short name, page, fragment, icon)
SHORTCUTS = [
    (
        N_("Too much? Here and now"),
        N_("Here and now"),
        Page.of("exercise", exercise_id="grounding"),
        "#start",
        "shortcut-ground",
    ),
    (N_("Help"), N_("Help"), Page("help"), "", "shortcut-help"),
]


def precache_urls(urls: Urls, assets: StaticAssets, exercise_ids: Iterable[str]) -> list[str]:
    """The URLs the service worker stores on install: both languages' pages and every file.

    In the order of its bundle, which gzip compresses as a whole but reaching back only 32 KB:
    each page beside the same page in the other language (their markup is the same), then
    every exercise's document in the first language (their data is alike), then the texts
    the second puts over them, then the files: the step kinds' scripts just after the
    stylesheet, whose rules style the markup they build."""
    exercise_ids = list(exercise_ids)
    found = [urls.page(page, locale) for page in CLIENT_PAGES for locale in LOCALES]
    found += [urls.path("manifest", locale=locale) for locale in LOCALES]
    found += [urls.path("app_json", locale=locale) for locale in LOCALES]
    found += [urls.exercise(i, locale) for locale in LOCALES for i in exercise_ids]
    files = sorted(name for name in assets.files if assets.stored(name))
    files.sort(key=lambda name: name.startswith("js/") and not name.startswith("js/kinds/"))
    found += [assets.url(name, urls) for name in files]
    return found


# Kept with a stored response, so the worker serves it as the server would.
_KEPT_HEADERS = ("content-type", *(name.lower() for name in SECURITY_HEADERS))
# Text travels in the bundle (server/bundles.py, pwa/sw.js); anything else is fetched on its own.
_TEXT_TYPES = ("text/", "application/json", "application/manifest+json", "image/svg+xml")


@dataclass(frozen=True)
class OfflineBundle:
    """The service worker, what it stores, and the bundle it fetches them in.

    A phone stores every page of both languages. Fetched one by one, each page would carry the
    markup all pages share; gzip compresses that away only within one file. So the worker
    fetches the text it stores in one bundle (server/bundles.py): the pages of both languages,
    the scripts and the styles. The pages travel as their values over their language's layout,
    exercise pages and app.json as each exercise's document, from which the worker builds them
    (server/shells.py, server/exercise_documents.py). Binary files (the icons) are fetched on
    their own.
    """

    version: str
    stored: list[str]
    bundles: dict[str, bytes]
    # Each bundle gzipped once (by name): every phone's install fetches one, and compressing
    # its 320 KB on each request cost about 17 ms of the server's processor.
    gzipped: dict[str, bytes | None]
    files: list[str]
    service_worker: bytes
    # Its source map (None without esbuild): served, never stored.
    worker_map: bytes | None
    # Every stored URL's response as rendered: the server sends these very bytes to browsers
    # too, compressed once (server/prerendered.py), as rendered once per process.
    prerendered: Prerendered = field(repr=False, compare=False)

    @classmethod
    async def render(cls, app: ASGIApp, state: Mapping[str, Any], source: bytes) -> OfflineBundle:
        """Render every stored response in process and build the bundle and worker from them.

        ``state`` is what the app's requests see; ``source`` is pwa/sw.js.
        """
        urls: Urls = state["urls"]
        exercises: Mapping[str, Exercise] = state["exercises"]
        stored = precache_urls(urls, state["assets"], exercises)
        documents = Documents(state["templates"], state["catalogs"], exercises, urls)
        digest = hashlib.sha256()
        packer = Packer()
        files: list[str] = []
        answers: dict[str, Answer] = {}
        for index, url in enumerate(stored):
            answer = answers[url] = await get(app, state, urls.app_path(url))
            if answer.status != 200:
                # The browser's install would fail on it: a programmer's mistake.
                raise RuntimeError(f"{url} answered {answer.status}; the service worker stores it")
            digest.update(url.encode() + b"\0" + answer.body + b"\0")
            kind = answer.headers.get("content-type", "")
            if not kind.startswith(_TEXT_TYPES):
                files.append(url)
                continue
            kept = {k: v for k, v in answer.headers.items() if k in _KEPT_HEADERS}
            packer.add(url, kept, answer.body, documents.recipe(index, url, answer.body))
        version = digest.hexdigest()[:16]
        bundles = {BUNDLE: packer.packed(documents)}
        bundle_urls = [urls.path("offline_bundle", version=version, part=n) for n in bundles]
        script, worker_map = worker_script(source, state["assets"].folder)
        worker = service_worker(script, version, stored, bundle_urls, files, urls)
        gzipped = {name: gzipped_once(body, BUNDLE_TYPE) for name, body in bundles.items()}
        return cls(
            version,
            stored,
            bundles,
            gzipped,
            files,
            worker,
            worker_map,
            Prerendered(answers, urls),
        )


_CONFIG_LINE = WORKER_CONFIG_LINE


def worker_script(source: bytes, folder: str) -> tuple[bytes, bytes | None]:
    """pwa/sw.js as phones run it, without its configuration (which ``service_worker`` puts
    on a first line of its own): minified, with its source map, or else its comments blanked.

    The map points a browser's errors in the worker at pwa/sw.js; a phone never stores it.
    """
    text = source.decode()
    if _CONFIG_LINE not in text:
        raise RuntimeError(f"pwa/{SERVICE_WORKER} lacks the line {_CONFIG_LINE!r}")
    body = text.replace(_CONFIG_LINE, "").encode()
    minified = minify_script(SERVICE_WORKER, body, folder)
    if minified is None:
        return lean(SERVICE_WORKER, body), None
    script, source_map = minified
    # The configuration comes first, one line: the map's lines start one further down.
    mapped = json.loads(source_map)
    mapped["mappings"] = ";" + mapped["mappings"]
    mapped["sources"] = [f"/{folder}/{SERVICE_WORKER}"]
    return script, json.dumps(mapped, separators=(",", ":")).encode()


def service_worker(
    script: bytes,
    version: str,
    stored: list[str],
    bundles: list[str],
    files: list[str],
    urls: Urls,
) -> bytes:
    """The service worker: its configuration (the version, URLs and what to store) on the
    first line, then the script (``worker_script``)."""
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
    return f"const CONFIG = {json.dumps(config)};\n".encode() + script


def manifest(locale: str, catalogs: Catalogs, urls: Urls, assets: StaticAssets) -> bytes:
    """The web app manifest in one language; both share one id, so it is one app."""
    description = catalogs.gettext(
        locale,
        "Exercises for the here and now and for attachment, to practise between therapy "
        "sessions at your own pace.",
    )
    # No orientation: the app turns as the phone's own setting says (rotation lock included).
    # Every member costs bytes on every phone (the manifests are stored offline).
    data: dict[str, Any] = {
        "id": urls.base,
        "name": "Houvast",
        "short_name": "Houvast",
        "description": description,
        "lang": locale,
        "start_url": urls.page(Page("home"), locale),
        "scope": urls.base,
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [{**icon, "src": assets.url(icon["src"], urls)} for icon in MANIFEST_ICONS],
        "shortcuts": [
            {
                "name": catalogs.gettext(locale, name),
                **({"short_name": catalogs.gettext(locale, short)} if short != name else {}),
                "url": urls.page(page, locale) + fragment,
                "icons": [
                    {
                        "src": assets.url(f"icons/{icon}-96.png", urls),
                        "sizes": "96x96",
                        "type": "image/png",
                    }
                ],
            }
            for name, short, page, fragment, icon in SHORTCUTS
        ],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
