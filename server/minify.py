"""The scripts and styles as phones get them: minified by esbuild, each with a source map.

Every phone stores every script and stylesheet (server/offline.py), so their weight counts
against the offline budget; esbuild (an npm devDependency the Makefile installs) strips the
comments and whitespace and shortens local names. Each minified file ends with a
``sourceMappingURL`` pointing at ``<name>.map``, served beside it but not stored offline, with
the source inside: a browser's error or debugger still points at the line in pwa/.

Without esbuild (a bare ``pip install``), the files go out with their comments blanked instead,
as before; a warning says so at start-up.
"""

from __future__ import annotations

import functools
import json
import logging
import subprocess
import tempfile
from pathlib import Path

from .settings import PROJECT_ROOT

ESBUILD = PROJECT_ROOT / "node_modules" / ".bin" / "esbuild"
MINIFIED = (".js", ".css")
MAP_SUFFIX = ".map"
logger = logging.getLogger(__name__)


def minifiable(name: str) -> bool:
    return name.endswith(MINIFIED)


def minify(files: dict[str, bytes], folder: str) -> dict[str, bytes] | None:
    """Each script and stylesheet minified, and its source map as ``<name>.map``; None when
    esbuild is not installed. ``files`` maps a name under ``folder`` (as in the repository,
    ``pwa``) to its source."""
    if not ESBUILD.exists():
        logger.warning("%s is missing (make installs it): scripts are served unminified", ESBUILD)
        return None
    return dict(_minify(tuple(sorted(files.items())), folder))


def minify_script(name: str, body: bytes, folder: str) -> tuple[bytes, bytes] | None:
    """A classic script (the service worker, which imports nothing) minified, with its map;
    None when esbuild is not installed. It is wrapped in a function of its own, so that its
    own names are shortened too: it shares none with other scripts."""
    if not ESBUILD.exists():
        return None
    found = dict(_minify(((name, body),), folder, ("--format=iife",)))
    return found[name], found[name + MAP_SUFFIX]


@functools.cache
def _minify(
    files: tuple[tuple[str, bytes], ...], folder: str, options: tuple[str, ...] = ()
) -> tuple[tuple[str, bytes], ...]:
    # Once per process per set of sources: tests build many apps from the same files.
    found: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as scratch:
        source, out = Path(scratch, "src"), Path(scratch, "out")
        for name, body in files:
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes(body)
        subprocess.run(
            [
                str(ESBUILD),
                *(name for name, _ in files),
                "--minify",
                "--sourcemap",
                "--legal-comments=inline",
                "--log-level=warning",
                *options,
                f"--outdir={out}",
                "--outbase=.",
            ],
            cwd=source,
            check=True,
        )
        for name, _ in files:
            found[name] = (out / name).read_bytes()
            source_map = (out / (name + MAP_SUFFIX)).read_bytes()
            found[name + MAP_SUFFIX] = _named(f"/{folder}/{name}", source_map)
    return tuple(found.items())


def _named(source: str, source_map: bytes) -> bytes:
    """The map with its source named as in the repository (esbuild names it by the scratch
    folder); its text is inside the map, so nothing else is served for it."""
    data = json.loads(source_map)
    data["sources"] = [source]
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
