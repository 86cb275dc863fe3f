"""The hashed files of recent releases, kept in the shared database, so that during a rolling
upgrade every instance serves every release's files.

A phone that got a page from an instance of the old release may ask the next instance (already
the new one) for the old release's scripts or the old worker's bundles, or the other way round.
Their URLs carry their release's hash, so any instance can answer them from the database: each
instance stores its own release's files when it starts, and the newest few releases are kept.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine, delete, func, select

from .bundles import BUNDLE_TYPE
from .db import insert_for, release_files
from .prerendered import gzipped_once

if TYPE_CHECKING:
    from .assets import StaticAssets
    from .offline import OfflineBundle
    from .urls import Urls

KEEP = 3  # releases: this one and the two before it (HOUVAST_RELEASES_KEPT)
MAX_PATH = 300  # the longest path the table holds


@dataclass(frozen=True)
class ReleaseFile:
    media_type: str
    body: bytes
    # Gzipped once, when found (server/prerendered.py): a rollout's phones fetch the same few
    # files, the old worker's 320 KB bundle among them.
    gzipped: bytes | None = None


def release_of(assets: StaticAssets, offline: OfflineBundle) -> str:
    """A release's name: the hashes of its files and of what its worker stores."""
    return f"{assets.version}-{offline.version}"


def files_of(assets: StaticAssets, offline: OfflineBundle, urls: Urls) -> dict[str, ReleaseFile]:
    """Every file of this release that lives under a hashed URL: the assets and the worker's
    bundles, by URL path."""
    found = {
        urls.static(assets.version, name): ReleaseFile(asset.media_type, asset.body)
        for name, asset in assets.files.items()
    }
    for part, body in offline.bundles.items():
        path = urls.path("offline_bundle", version=offline.version, part=part)
        found[path] = ReleaseFile(BUNDLE_TYPE, body)
    return found


def store_release(
    engine: Engine, release: str, files: Mapping[str, ReleaseFile], keep: int = KEEP
) -> None:
    """Keep this release's files (once: another instance of it may have been first) and
    forget those of all but the newest ``keep`` releases."""
    with engine.begin() as connection:
        latest = connection.execute(select(func.max(release_files.c.stored_at))).scalar()
        # A new release comes after every release before it, even one stored in the same
        # second (a quick rollback, a test): which are the newest must not depend on a clock's
        # resolution.
        now = max(int(time.time()), (latest or 0) + 1)
        rows = [
            {
                "path": path,
                "release": release,
                "media_type": file.media_type,
                "body": file.body,
                "stored_at": now,
            }
            for path, file in files.items()
        ]
        connection.execute(insert_for(engine)(release_files).on_conflict_do_nothing(), rows)
        newest = (
            select(release_files.c.release)
            .group_by(release_files.c.release)
            .order_by(func.min(release_files.c.stored_at).desc(), release_files.c.release.desc())
            .limit(keep)
        )
        kept = set(connection.execute(newest).scalars()) | {release}
        connection.execute(delete(release_files).where(release_files.c.release.not_in(kept)))


class ReleaseFiles:
    """Files of other releases, looked up by URL path (and remembered: they never change)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._found: dict[str, ReleaseFile] = {}

    def find(self, path: str) -> ReleaseFile | None:
        """The file at ``path`` of any release kept, or ``None``. A miss is not remembered:
        an instance of a newer release may store the file a moment later."""
        if path in self._found:
            return self._found[path]
        if len(path) > MAX_PATH or "\x00" in path:
            return None  # no file was ever stored under such a path
        with self.engine.connect() as connection:
            row = connection.execute(
                select(release_files.c.media_type, release_files.c.body).where(
                    release_files.c.path == path
                )
            ).first()
        if row is None:
            return None
        body = bytes(row.body)
        found = ReleaseFile(row.media_type, body, gzipped_once(body, row.media_type))
        self._found[path] = found
        return found
