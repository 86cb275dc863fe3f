"""The offline bundle, rendered once per process for the same inputs.

Rendering is deterministic by design (the worker's version is a hash of the bytes it stores,
and instances with the same code and settings serve the same worker), and it is most of what
building an app costs. A process that builds many apps from the same files and settings (the
test suite, ``houvast export`` beside a server) renders them once.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from .offline import OfflineBundle, precache_urls
from .rules import script_rules

# A few differing inputs at a time (each bundle holds every stored page, about 2 MB).
_KEEP = 8
_rendered: OrderedDict[str, OfflineBundle] = OrderedDict()

# Where an instance keeps its own things; they are never part of a page the worker stores.
_PER_INSTANCE = ("data_dir", "database_url", "vapid_key_file", "exercises_dir")


def _route_shapes(routes: Sequence[BaseRoute], prefix: str = "") -> list[str]:
    """Every route's path, name and endpoint: a test may move pages or replace an endpoint."""
    shapes: list[str] = []
    for route in routes:
        if isinstance(route, Mount):
            shapes += _route_shapes(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            endpoint = f"{route.endpoint.__module__}.{route.endpoint.__qualname__}"
            shapes.append(f"{prefix}{route.path} {route.name} {endpoint}")
        else:
            shapes.append(f"{prefix}{route!r}")
    return shapes


def inputs_digest(state: Mapping[str, Any], source: bytes) -> str:
    """A hash of everything a render reads: the worker's source, the URLs it stores (the route
    table and base path), the files, the exercises, both catalogs and every setting but the
    instance's own paths (the exercises are hashed by content instead of by folder)."""
    urls, catalogs = state["urls"], state["catalogs"]
    settings = dataclasses.replace(state["settings"], **dict.fromkeys(_PER_INSTANCE))
    digest = hashlib.sha256(source)
    for part in (
        precache_urls(urls, state["assets"], state["exercises"]),
        _route_shapes(urls.router.routes),
        (urls.base, urls.static_site, urls.origin),
        state["assets"].version,
        sorted(state["exercises"].items()),
        sorted((locale, sorted(found.items())) for locale, found in catalogs.messages.items()),
        settings,
        script_rules(),
    ):
        digest.update(repr(part).encode() + b"\0")
    return digest.hexdigest()


async def render_once(app: ASGIApp, state: Mapping[str, Any], source: bytes) -> OfflineBundle:
    """The bundle for these inputs: rendered now, or the one this process rendered before."""
    key = inputs_digest(state, source)
    if key in _rendered:
        _rendered.move_to_end(key)
        return _rendered[key]
    bundle = await OfflineBundle.render(app, state, source)
    _rendered[key] = bundle
    while len(_rendered) > _KEEP:
        _rendered.popitem(last=False)
    return bundle
