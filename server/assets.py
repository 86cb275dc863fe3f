"""Static assets under content-hashed URLs.

All files under pwa/ (stylesheets, ES modules, icons) are read once at start-up and served under
``/static/<digest>/<path>``, where the digest is a hash of every file's path and bytes. One digest
for the whole set, not one per file, because ES modules import each other by relative path: a
per-file hash in the name would break ``import "./timer.js"`` without a build step. Any change
to any file gives new URLs, so a browser never mixes old and new files, and the responses can
be cached for a year.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from .minify import MAP_SUFFIX, minifiable, minify
from .settings import PROJECT_ROOT, RESOURCES_DIR

if TYPE_CHECKING:
    from .urls import Urls

PWA_DIR = RESOURCES_DIR / "pwa"
# Served from the site root, not under /static/ (a service worker's scope is its own folder).
ROOT_FILES = frozenset({"sw.js"})
_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".svg": "image/svg+xml"}
# Files under an online/ folder belong to pages that need the server (reminders): they are
# not stored for offline use.
ONLINE_ONLY = "online/"
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str


# Comments are for the people reading pwa/, not for phones: whole-line comments are blanked
# (not removed, so line numbers in a browser's error messages still match the source).
_JS_LINE_COMMENT = re.compile(r"^[ \t]*//.*$", re.MULTILINE)
_JS_DOC_COMMENT = re.compile(r"^[ \t]*/\*\*.*?\*/[ \t]*$", re.MULTILINE | re.DOTALL)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def _blank(match: re.Match[str]) -> str:
    return "\n" * match.group(0).count("\n")


def lean(name: str, body: bytes) -> bytes:
    """The file as phones get it: without the comments written for people."""
    if name.endswith(".js"):
        text = _JS_DOC_COMMENT.sub(_blank, body.decode("utf-8"))
        return _JS_LINE_COMMENT.sub("", text).encode("utf-8")
    if name.endswith(".css"):
        return _CSS_COMMENT.sub(_blank, body.decode("utf-8")).encode("utf-8")
    return body


def folder_name(directory: Path) -> str:
    """A folder of files as a checkout names it (``pwa``, ``server/therapist/static``), in a
    checkout and an installed package alike: source maps name their sources by it."""
    for root in (RESOURCES_DIR, PROJECT_ROOT):
        try:
            return directory.resolve().relative_to(root).as_posix()
        except ValueError:
            pass
    return directory.name


class StaticAssets:
    """The front-end files and the hashed URLs they are served under."""

    def __init__(self, directory: Path = PWA_DIR) -> None:
        self.directory = directory
        self.files: dict[str, Asset] = {}
        sources = {
            path.relative_to(directory).as_posix(): path.read_bytes()
            for path in sorted(p for p in directory.rglob("*") if p.is_file())
        }
        sources = {
            name: body
            for name, body in sources.items()
            if name not in ROOT_FILES and not name.startswith(".")
        }
        self.folder = folder_name(directory)
        minified = minify({n: b for n, b in sources.items() if minifiable(n)}, self.folder)
        if minified is None:
            minified = {name: lean(name, body) for name, body in sources.items()}
        digest = hashlib.sha256()
        for name in sorted({*sources, *minified}):
            body = minified.get(name, sources.get(name, b""))
            digest.update(name.encode() + b"\0" + body + b"\0")
            suffix = Path(name).suffix
            media_type = (
                "application/json"
                if name.endswith(MAP_SUFFIX)
                else _TYPES.get(suffix) or mimetypes.guess_type(name)[0]
            )
            self.files[name] = Asset(body, media_type or "application/octet-stream")
        self.version = digest.hexdigest()[:12]

    def stored(self, name: str) -> bool:
        """Whether a phone stores the file for offline use: not a source map (for people
        debugging), nor a file of a page that needs the server (under an online/ folder)."""
        return not name.endswith(MAP_SUFFIX) and f"/{ONLINE_ONLY}" not in f"/{name}"

    def url(self, name: str, urls: Urls) -> str:
        """The hashed URL of a file under pwa/.

        An unknown name is a programmer's mistake and fails the page loudly.
        """
        if name not in self.files:
            raise KeyError(f"no static file pwa/{name}")
        return urls.static(self.version, name)

    async def serve(self, request: Request) -> Response:
        """Serve a file of the current version; anything else is not found."""
        asset = self.files.get(request.path_params["path"])
        if request.path_params["version"] != self.version or asset is None:
            return Response("Not found", status_code=404, media_type="text/plain")
        return Response(
            asset.body, media_type=asset.media_type, headers={"Cache-Control": IMMUTABLE}
        )
