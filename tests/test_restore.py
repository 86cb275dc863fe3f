"""``houvast restore`` keeps the audit trail (NEN 7513: only the retention purge deletes an
entry) and records itself; it refuses while a server serves the database, and works once the
server stopped or died. SQLite only: PostgreSQL is restored with pg_restore."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from alembic import command
from sqlalchemy import text

from server import backup as backup_module
from server.db import _alembic_config, head_revision, make_engine
from server.settings import PROJECT_ROOT, Settings
from tests.conftest import isolated_settings
from tests.test_cli import HOUVAST
from tests.test_operations import houvast

REFUSED = (
    "houvast: a server is running on this data folder: stop it first (systemctl stop 'houvast@*')\n"
)


def ok(settings: Settings, *args: str) -> str:
    done = houvast(settings, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def trail(settings: Settings) -> list[list[str]]:
    """Every entry `houvast audit` lists, without the header."""
    return list(csv.reader(io.StringIO(ok(settings, "audit", "--csv"))))[1:]


def accounts(settings: Settings) -> list[str]:
    rows = csv.DictReader(io.StringIO(ok(settings, "therapist", "list", "--csv")))
    return sorted(row["email"] for row in rows)


def restored_entry(row: list[str]) -> bool:
    return row[1:] == ["database.restored", "", "", "", ""]


def test_a_restore_keeps_every_audit_entry_and_records_itself(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / "data")
    ok(settings, "therapist", "add", "anna@example.org")
    saved = tmp_path / "backups" / "before.db"
    ok(settings, "backup", str(saved))
    # After the backup: what a restore of it must not make disappear from the trail.
    ok(settings, "therapist", "add", "bob@example.org")
    ok(settings, "therapist", "reset", "anna@example.org")
    ok(settings, "therapist", "remove", "bob@example.org", "--yes")
    before = trail(settings)
    assert [row[1] for row in before] == [
        "account.added",
        "account.added",
        "account.reset",
        "account.removed",
    ]

    said = ok(settings, "restore", str(saved))
    assert said == (
        "restored 0 devices and 0 reminders (keeping 3 audit trail entries the backup lacks) "
        f"from {saved}\n"
    )
    after = trail(settings)
    assert after[:-1] == before, "every entry, with its time, account and address"
    assert restored_entry(after[-1]), "the restore's own entry: no account, no address"
    assert accounts(settings) == ["anna@example.org"], "the backup's accounts"

    # Again: nothing is carried twice, and each restore is recorded.
    assert "keeping 4 audit trail entries" in ok(settings, "restore", str(saved))
    again = trail(settings)
    assert again[:-1] == after and restored_entry(again[-1])
    # The carried entries kept their ids: a new entry comes after them.
    ok(settings, "therapist", "add", "carla@example.org")
    assert trail(settings)[-1][1:3] == ["account.added", "carla@example.org"]
    assert (settings.data_dir / "houvast.db").stat().st_mode & 0o077 == 0, "private"
    assert not list(settings.data_dir.glob(".houvast.db.restoring*")), "nothing left behind"


def test_a_backup_of_another_database_hides_no_entry(tmp_path: Path) -> None:
    """Another database has other entries under the same ids: they are kept all the same,
    under new ids, after the backup's own."""
    here = isolated_settings(tmp_path / "here")
    there = isolated_settings(tmp_path / "there")
    ok(here, "therapist", "add", "anna@example.org")
    ok(there, "therapist", "add", "bob@example.org")
    saved = tmp_path / "there.db"
    ok(there, "backup", str(saved))
    ours = trail(here)

    assert "keeping 1 audit trail entries" in ok(here, "restore", str(saved))
    after = trail(here)
    assert sorted(after[:2]) == sorted([*ours, *trail(there)]) and restored_entry(after[2])
    with closing(sqlite3.connect(here.data_dir / "houvast.db")) as connection:
        rows = connection.execute("SELECT id, email FROM audit_events ORDER BY id").fetchall()
    assert rows == [(1, "bob@example.org"), (2, "anna@example.org"), (3, None)]


def test_a_backup_from_before_the_audit_trail_keeps_it_too(tmp_path: Path) -> None:
    """A backup made before migration 0006 has no trail's table: it is brought up to this
    release, and the trail goes into it."""
    old = isolated_settings(tmp_path / "old")
    engine = make_engine(old.database)
    config = _alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0005")
    finally:
        engine.dispose()
    saved = tmp_path / "old.db"
    ok(old, "backup", str(saved))
    settings = isolated_settings(tmp_path / "data")
    ok(settings, "therapist", "add", "anna@example.org")

    assert "keeping 1 audit trail entries" in ok(settings, "restore", str(saved))
    after = trail(settings)
    assert after[0][1:3] == ["account.added", "anna@example.org"] and restored_entry(after[1])
    engine = make_engine(settings.database)
    try:
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert revision.scalar() == head_revision()
    finally:
        engine.dispose()


def test_an_unreadable_database_is_not_replaced_without_its_trail(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / "data")
    ok(settings, "therapist", "add", "anna@example.org")
    saved = tmp_path / "saved.db"
    ok(settings, "backup", str(saved))
    broken = b"this is no database " * 1000
    (settings.data_dir / "houvast.db").write_bytes(broken)
    refused = houvast(settings, "restore", str(saved))
    assert refused.returncode == 2
    assert "cannot be read" in refused.stderr and "move that file aside" in refused.stderr
    assert (settings.data_dir / "houvast.db").read_bytes() == broken, "left as it was"


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def serving(settings: Settings) -> Iterator[subprocess.Popen[str]]:
    """The real `houvast serve`, ready (its /readyz answers 200); stopped afterwards unless the
    test stopped it."""
    port = _port()
    env = {
        **os.environ,
        "HOUVAST_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": "",
        "HOUVAST_PORT": str(port),
    }
    server = subprocess.Popen(
        [HOUVAST, "serve"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1):
                    break
            except OSError:
                assert server.poll() is None, server.communicate()[1]
                assert time.monotonic() < deadline, "the server did not get ready"
                time.sleep(0.1)
        yield server
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)


def _devices(settings: Settings) -> int:
    with closing(sqlite3.connect(settings.data_dir / "houvast.db")) as connection:
        count: int = connection.execute("SELECT count(*) FROM devices").fetchone()[0]
    return count


def _add_device(settings: Settings, number: int) -> None:
    """A device made after the backup (a restore would take it away)."""
    with closing(sqlite3.connect(settings.data_dir / "houvast.db")) as connection, connection:
        connection.execute(
            "INSERT INTO devices (id, token_hash, timezone, locale, created_at, updated_at) "
            "VALUES (?, ?, 'Europe/Amsterdam', 'nl', 1, 1)",
            (f"d{number}", "0" * 64),
        )


def test_a_restore_is_refused_while_a_server_serves_and_done_once_it_is_gone(
    tmp_path: Path,
) -> None:
    settings = isolated_settings(tmp_path / "data")
    saved = tmp_path / "saved.db"
    with serving(settings) as server:
        ok(settings, "backup", str(saved))  # a backup is fine while it serves
        _add_device(settings, 1)
        ok(settings, "therapist", "add", "anna@example.org")
        entries = trail(settings)
        refused = houvast(settings, "restore", str(saved))
        assert (refused.returncode, refused.stderr, refused.stdout) == (2, REFUSED, "")
        assert _devices(settings) == 1 and trail(settings) == entries, "nothing changed"
        assert not list(settings.data_dir.glob(".houvast.db.restoring*"))
        # A second server on the same database holds the lock alongside the first.
        with serving(settings):
            assert houvast(settings, "restore", str(saved)).stderr == REFUSED
        assert houvast(settings, "restore", str(saved)).stderr == REFUSED
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)

    # Stopped: the restore goes ahead.
    ok(settings, "restore", str(saved))
    assert _devices(settings) == 0
    assert trail(settings)[:-1] == entries and restored_entry(trail(settings)[-1])

    # Killed: the lock went with the process.
    with serving(settings) as server:
        _add_device(settings, 2)
        assert houvast(settings, "restore", str(saved)).stderr == REFUSED
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
    ok(settings, "restore", str(saved))
    assert _devices(settings) == 0


def test_a_server_started_during_a_restore_waits_for_it(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / "data")
    entered = threading.Event()

    async def serve() -> None:
        async with backup_module.serving(settings):
            entered.set()

    with backup_module._no_server(settings.data_dir / "houvast.db"):
        waiting = threading.Thread(target=asyncio.run, args=(serve(),))
        waiting.start()
        assert not entered.wait(0.5), "it waits while the restore holds the lock"
    assert entered.wait(10), "and serves once the restore is done"
    waiting.join(10)
