"""The scripts and styles as phones get them: minified by esbuild, each with a source map.

Every phone stores every script and stylesheet (server/offline.py), so their weight counts
against the offline budget; esbuild (an npm devDependency the Makefile installs) strips the
comments and whitespace and shortens local names. Each minified file ends with a
``sourceMappingURL`` pointing at ``<name>.map``, served beside it but not stored offline, with
the source inside: a browser's error or debugger still points at the line in pwa/.

A wheel carries them made (``premade``, run by setup.py when esbuild is in the checkout the
wheel is built from): an installed server has no esbuild, and serves the same bytes as a
checkout. Without either (a wheel built without ``npm ci``), the files go out with their
comments blanked instead; a warning says so at start-up.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import subprocess
import tempfile
from pathlib import Path

from .settings import CHECKOUT, PACKAGED_DIR, PROJECT_ROOT

ESBUILD = PROJECT_ROOT / "node_modules" / ".bin" / "esbuild"
# What esbuild made when the wheel was built, by a hash of its inputs (``premade``).
PREMADE = PACKAGED_DIR / "minified.json"
# pwa/sw.js's line for its configuration, which server/offline.py fills in.
WORKER_CONFIG_LINE = "const CONFIG = /* filled in by server/offline.py */ null;"
WORKER = "sw.js"
WORKER_OPTIONS = ("--format=iife",)
MINIFIED = (".js", ".css")
MAP_SUFFIX = ".map"
logger = logging.getLogger(__name__)


def minifiable(name: str) -> bool:
    return name.endswith(MINIFIED)


def minify(files: dict[str, bytes], folder: str) -> dict[str, bytes] | None:
    """Each script and stylesheet minified, and its source map as ``<name>.map``; None when
    esbuild is not installed. ``files`` maps a name under ``folder`` (as in the repository,
    ``pwa``) to its source."""
    sources = tuple(sorted(files.items()))
    if not ESBUILD.exists():
        made = _premade().get(_key(sources, folder, ()))
        if made is not None:
            return dict(made)
        missing = (
            f"{ESBUILD} is missing (make installs it)"
            if CHECKOUT
            else "this package was built without esbuild (make wheel minifies)"
        )
        logger.warning("%s: scripts are served unminified", missing)
        return None
    return dict(_minify(sources, folder))


def minify_script(name: str, body: bytes, folder: str) -> tuple[bytes, bytes] | None:
    """A classic script (the service worker, which imports nothing) minified, with its map;
    None when esbuild is not installed. It is wrapped in a function of its own, so that its
    own names are shortened too: it shares none with other scripts."""
    if not ESBUILD.exists():
        found = _premade().get(_key(((name, body),), folder, WORKER_OPTIONS))
        return None if found is None else (found[name], found[name + MAP_SUFFIX])
    found = dict(_minify(((name, body),), folder, WORKER_OPTIONS))
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


def _key(files: tuple[tuple[str, bytes], ...], folder: str, options: tuple[str, ...]) -> str:
    digest = hashlib.sha256(repr((folder, options)).encode())
    for name, body in files:
        digest.update(name.encode() + b"\0" + hashlib.sha256(body).digest())
    return digest.hexdigest()


@functools.cache
def _premade() -> dict[str, dict[str, bytes]]:
    if not PREMADE.is_file():
        return {}
    made = json.loads(PREMADE.read_text(encoding="utf-8"))
    return {
        key: {name: text.encode() for name, text in found.items()} for key, found in made.items()
    }


def premade(root: Path, folders: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """What esbuild makes of the files in ``folders`` under ``root`` (pwa/ and the therapist's
    server/therapist/static/), as server/assets.py and server/offline.py ask for it, by a hash
    of their inputs: setup.py writes it into the wheel (a test serves an installed wheel and
    finds the checkout's files, byte for byte)."""
    made: dict[str, dict[str, str]] = {}
    for folder in folders:
        for key, found in _premade_folder(root / folder, folder).items():
            made[key] = {name: body.decode() for name, body in found}
    return made


def _premade_folder(directory: Path, folder: str) -> dict[str, tuple[tuple[str, bytes], ...]]:
    files = {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    assets = tuple(
        (name, body)
        for name, body in sorted(files.items())
        if name != WORKER and not name.startswith(".") and minifiable(name)
    )
    made = {_key(assets, folder, ()): _minify(assets, folder)}
    if WORKER in files:
        worker = ((WORKER, files[WORKER].decode().replace(WORKER_CONFIG_LINE, "").encode()),)
        made[_key(worker, folder, WORKER_OPTIONS)] = _minify(worker, folder, WORKER_OPTIONS)
    return made
