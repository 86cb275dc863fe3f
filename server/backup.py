"""``houvast backup FILE`` and ``houvast restore FILE`` for a SQLite database.

The database holds everything the server keeps: devices, reminders, delivery records, the
audit trail, and the VAPID key and the key short codes are kept under (in ``shared_secrets``; a
key from HOUVAST_VAPID_KEY_FILE is the operator's file to keep). The backup uses SQLite's online
backup API, so it is a consistent copy while the server runs and writes.

Restoring puts a backup in place of the data folder's database, but keeps the audit trail
(NEN 7513: only the retention purge deletes entries): the entries made after the backup are
carried into the restored database, and the restore itself is recorded. A server must not run
meanwhile (it would go on with the old database's state, its VAPID key among it): every
serving app holds a shared lock (``serving``) that a restore needs exclusively.
PostgreSQL has pg_dump and pg_restore for this (README).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

from .db import make_engine, sqlite_file, upgrade
from .settings import Settings
from .therapist.audit import EVENTS

_NEEDED = {"alembic_version", "devices", "reminders", "deliveries"}
# The trail's columns (server/therapist/tables.py), and the entry a restore adds: the operator's
# command, so no account and no address, like `houvast therapist add`'s.
_TRAIL = ("id", "at", "event", "therapist_id", "email", "address", "set_id", "share_id")
RESTORED = "database.restored"
assert RESTORED in EVENTS, "the restore's entry is one the trail knows"

logger = logging.getLogger("houvast.backup")


class BackupError(Exception):
    """A backup or restore that cannot be done, said plainly for the operator."""


@dataclass(frozen=True)
class Contents:
    devices: int
    reminders: int
    # A restore's: the audit trail's entries the backup lacked, carried into it.
    kept: int | None = None

    def __str__(self) -> str:
        said = f"{self.devices} devices and {self.reminders} reminders"
        if self.kept:
            said += f" (keeping {self.kept} audit trail entries the backup lacks)"
        return said


def _sqlite_path(settings: Settings) -> Path:
    found = sqlite_file(settings.database)
    if found is None:
        raise BackupError(
            "the database is PostgreSQL: back it up with pg_dump and restore it with "
            "pg_restore (README, 'Backup and restore')"
        )
    return found


def _contents(connection: sqlite3.Connection, what: str) -> Contents:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if not tables >= _NEEDED:
        raise BackupError(f"{what} is not a Houvast database")
    devices = connection.execute("SELECT count(*) FROM devices").fetchone()[0]
    reminders = connection.execute("SELECT count(*) FROM reminders").fetchone()[0]
    return Contents(devices, reminders)


# The serving lock. A server keeps some of the database's state in memory (the VAPID public key
# it hands out, among others), so a restore under a running server would leave it serving a
# database that is gone. So every serving app holds a shared flock on a file beside the database
# (shared: several processes may serve one SQLite file), and a restore takes it exclusively or
# refuses. The kernel drops a flock with its process, so a killed server leaves no stale lock.
# Beside the database rather than in HOUVAST_DATA_DIR: instances with data folders of their own
# may share one database file.


def _lock_file(database: Path) -> int:
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    name = database.with_name(f"{database.name}.serving.lock")
    return os.open(name, os.O_RDWR | os.O_CREAT, 0o600)


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[None]:
    """Held by the app from start-up to shut-down. A server started while a restore runs waits
    for it, and then serves the restored database."""
    database = sqlite_file(settings.database)
    if database is None:
        yield
        return
    import anyio.to_thread

    held = _lock_file(database)
    try:
        try:
            fcntl.flock(held, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            logger.warning("waiting for `houvast restore` to finish with %s", database)
            await anyio.to_thread.run_sync(fcntl.flock, held, fcntl.LOCK_SH)
        yield
    finally:
        os.close(held)  # and with it the lock


@contextlib.contextmanager
def _no_server(database: Path) -> Iterator[None]:
    """The serving lock, exclusively, for as long as a restore takes."""
    try:
        held = _lock_file(database)
    except OSError as error:
        raise BackupError(f"cannot write beside {database}: {error.strerror}") from None
    try:
        try:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(
                "a server is running on this data folder: stop it first "
                "(systemctl stop 'houvast@*')"
            ) from None
        yield
    finally:
        os.close(held)


def backup(settings: Settings, target: Path) -> Contents:
    """Copy the database to ``target`` (a new file, readable by its owner only)."""
    source = _sqlite_path(settings)
    if not source.exists():
        raise BackupError(f"there is no database at {source} yet")
    if target.exists():
        raise BackupError(f"{target} exists already; choose a new file")
    partial = target.with_name(f".{target.name}.partial")
    try:
        # A folder for backups is made on the first; both private: the backup holds the VAPID
        # key and every device's subscription.
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    except OSError as error:
        raise BackupError(f"cannot write {target}: {error.strerror}") from None
    try:
        with (
            contextlib.closing(sqlite3.connect(source, timeout=10)) as live,
            contextlib.closing(sqlite3.connect(partial)) as copy,
        ):
            live.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            found = _contents(copy, str(source))
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return found


def restore(settings: Settings, source: Path) -> Contents:
    """Put a backup in place of the data folder's database, keeping its audit trail; refused
    while a server serves it.

    The new database is made beside the old one first (the backup, the trail's entries the
    backup lacks, the restore's own entry), then copied into it with SQLite's backup API, which
    replaces the pages in one transaction: a crash leaves the old database or the whole new one,
    never a mix (a ``.NAME.restoring`` file a crash leaves is overwritten by the next restore).
    """
    target = _sqlite_path(settings)
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    made = target.with_name(f".{target.name}.restoring")
    with _no_server(target):
        try:
            found = _copy(source, made)
            if not _has_trail(made):
                # Made before the audit trail (migration 0006): brought up to this release, as
                # its next start would, so that the trail has a table to be kept in.
                _migrate(made)
            with contextlib.closing(sqlite3.connect(made, isolation_level=None)) as new:
                kept = _keep_trail(new, target)
                try:
                    with contextlib.closing(sqlite3.connect(target, timeout=10)) as live:
                        new.backup(live)
                except sqlite3.DatabaseError as error:
                    raise BackupError(f"cannot write {target}: {error}") from None
        finally:
            for end in ("", "-journal", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    made.with_name(made.name + end).unlink()
    os.chmod(target, 0o600)
    return Contents(found.devices, found.reminders, kept)


def _copy(source: Path, made: Path) -> Contents:
    """The backup, copied to a new private file ``made``."""
    try:
        os.close(os.open(made, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    except OSError as error:
        raise BackupError(f"cannot write {made}: {error.strerror}") from None
    try:
        with (
            contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup,
            contextlib.closing(sqlite3.connect(made)) as new,
        ):
            found = _contents(backup, str(source))
            backup.backup(new)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source} cannot be read as a database: {error}") from None
    return found


def _has_trail(database: Path) -> bool:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return bool(
            connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_events'"
            ).fetchone()
        )


def _migrate(database: Path) -> None:
    engine = make_engine(f"sqlite:///{database}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    # Out of WAL mode again (the engine's): one file, as the backup was.
    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")


def _keep_trail(new: sqlite3.Connection, current: Path) -> int:
    """Add to ``new`` (the backup's copy) the entries of the database at ``current`` that the
    backup lacks, and an entry for the restore itself, in one transaction; returns how many
    were carried.

    An entry is the backup's when the backup has a row with the same id *and* the same content.
    Ids alone would do for a backup of this very database (AUTOINCREMENT never gives an id twice,
    and a restore keeps the ids it carries), but a backup of another database (another server,
    a fresh start) holds other entries under the same ids, which would hide these. Time and
    content alone would take two real entries that look alike (two failed sign-ins from one
    address in one second) for one. An entry the backup lacks keeps its id when that is free
    there, or gets a new one (after all others) when the backup has another entry under it.
    """
    attached = current.exists()
    try:
        if attached:
            new.execute("ATTACH DATABASE ? AS current", (str(current),))
        new.execute("BEGIN IMMEDIATE")
        kept = 0
        if (
            attached
            and new.execute(
                "SELECT 1 FROM current.sqlite_master WHERE type = 'table' AND name = 'audit_events'"
            ).fetchone()
        ):
            every = ", ".join(_TRAIL)
            but_id = ", ".join(_TRAIL[1:])
            same = " AND ".join(f"mine.{column} IS theirs.{column}" for column in _TRAIL)
            lacking = (
                "FROM current.audit_events AS theirs WHERE NOT EXISTS "
                f"(SELECT 1 FROM main.audit_events AS mine WHERE {same})"
            )
            taken = "EXISTS (SELECT 1 FROM main.audit_events AS mine WHERE mine.id = theirs.id)"
            for columns, which in ((every, f"NOT {taken}"), (but_id, taken)):
                kept += new.execute(
                    f"INSERT INTO main.audit_events ({columns}) "
                    f"SELECT {columns} {lacking} AND {which} ORDER BY theirs.id"
                ).rowcount
        new.execute(
            "INSERT INTO main.audit_events (at, event) VALUES (?, ?)", (int(time.time()), RESTORED)
        )
        new.execute("COMMIT")
    except sqlite3.DatabaseError as error:
        # Moving the database aside throws its trail away: advice only for one that cannot be
        # read as a database, never for a full disk or a lock another command holds.
        if error.sqlite_errorname in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
            raise BackupError(
                f"the audit trail in {current} cannot be read ({error}), so a restore would "
                "lose it: move that file aside (and keep it) to restore without it"
            ) from None
        raise BackupError(
            f"the restore could not be prepared ({error}); the database is as it was"
        ) from None
    finally:
        if new.in_transaction:
            new.execute("ROLLBACK")
        if attached:
            with contextlib.suppress(sqlite3.DatabaseError):
                new.execute("DETACH DATABASE current")
    return kept
