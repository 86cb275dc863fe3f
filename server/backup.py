"""``houvast backup FILE`` and ``houvast restore FILE`` for a SQLite database.

The database holds everything the server keeps: devices, reminders, delivery records, and the
VAPID key and the key short codes are kept under (in ``shared_secrets``; a key from
HOUVAST_VAPID_KEY_FILE is the operator's file to keep). The backup uses SQLite's online backup
API, so it is a consistent copy while the server runs and writes. Restoring copies a backup
into the data folder's database the same way; the server should be stopped meanwhile.
PostgreSQL has pg_dump and pg_restore for this (README).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .settings import Settings

_NEEDED = {"alembic_version", "devices", "reminders", "deliveries"}


class BackupError(Exception):
    """A backup or restore that cannot be done, said plainly for the operator."""


@dataclass(frozen=True)
class Contents:
    devices: int
    reminders: int

    def __str__(self) -> str:
        return f"{self.devices} devices and {self.reminders} reminders"


def _sqlite_path(settings: Settings) -> Path:
    url = settings.database
    if not url.startswith("sqlite"):
        raise BackupError(
            "the database is PostgreSQL: back it up with pg_dump and restore it with "
            "pg_restore (README, 'Backup and restore')"
        )
    return Path(url.split("///", 1)[1])


def _contents(connection: sqlite3.Connection, what: str) -> Contents:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if not tables >= _NEEDED:
        raise BackupError(f"{what} is not a Houvast database")
    devices = connection.execute("SELECT count(*) FROM devices").fetchone()[0]
    reminders = connection.execute("SELECT count(*) FROM reminders").fetchone()[0]
    return Contents(devices, reminders)


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
    """Put a backup in place of the data folder's database (stop the server first)."""
    target = _sqlite_path(settings)
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup:
            found = _contents(backup, str(source))
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with contextlib.closing(sqlite3.connect(target, timeout=10)) as live:
                backup.backup(live)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{source} cannot be read as a database: {error}") from None
    os.chmod(target, 0o600)
    return found
