"""The database: tables (SQLAlchemy Core), the engine, and migrations with Alembic.

SQLite in WAL mode in the data folder by default; PostgreSQL through ``DATABASE_URL`` when several
processes or hosts share the work. Times are whole seconds since the epoch (UTC): they compare
the same way on every database and need no time zone handling in SQL.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    false,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from .settings import RESOURCES_DIR, Settings

MIGRATIONS_DIR = RESOURCES_DIR / "migrations"

metadata = MetaData()


def belongs_to(
    name: str, parent: str, kind: Any = Integer, *, primary_key: bool = False
) -> Column[Any]:
    """The column that ties a row to the row it belongs to (``parent``, as ``"table.id"``): never
    empty, indexed (as part of the key, if it is one), and the row goes when that one does."""
    return Column(
        name,
        kind,
        ForeignKey(parent, ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
        index=None if primary_key else True,
    )


# A device that keeps reminders with us: a phone with a push subscription, or only a calendar.
devices = Table(
    "devices",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("locale", String(8), nullable=False),
    Column("endpoint", Text, nullable=True, unique=True),
    Column("p256dh", String(128), nullable=True),
    Column("auth", String(64), nullable=True),
    Column("created_at", Integer, nullable=False),
    Column("updated_at", Integer, nullable=False),
    # The calendar feed's own token (sha256), which can only read: the device's token changes.
    Column("calendar_token_hash", String(64), nullable=True),
    # Reminder texts that do not say what the app is for.
    Column("neutral", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("calendar_token_hash", name="uq_devices_calendar_token_hash"),
)

reminders = Table(
    "reminders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    belongs_to("device_id", "devices.id", String(32)),
    Column("days", Integer, nullable=False),  # bit 0 = Monday ... bit 6 = Sunday
    Column("time", String(5), nullable=False),  # "08:30", local to the device's time zone
    Column("target", String(100), nullable=False),  # "exercise:grounding"
    Column("next_fire_at", Integer, nullable=True),  # null when the device has no push
    Index("ix_reminders_next_fire_at", "next_fire_at"),
)

# One row per occurrence: inserting it is how a dispatcher claims the occurrence, and the
# primary key makes a second send of the same occurrence impossible. A claim is a lease: its
# ``owner`` (one dispatcher in one process) has it until ``lease_until``, and renews it while it
# works; after that any instance may take it back (server/reminders/claims.py).
deliveries = Table(
    "deliveries",
    metadata,
    belongs_to("reminder_id", "reminders.id", primary_key=True),
    Column("occurrence", Integer, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("updated_at", Integer, nullable=False),
    Column("owner", String(32), nullable=True),
    Column("lease_until", Integer, nullable=True),
    Index("ix_deliveries_status_lease", "status", "lease_until"),
)

# Secrets every instance must share (the VAPID key): made once, by whichever instance is first.
shared_secrets = Table(
    "shared_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", Integer, nullable=False),
)

# The hashed files of recent releases (assets, the worker's bundles), so that during a rolling
# upgrade every instance serves every release's files (server/releases.py).
release_files = Table(
    "release_files",
    metadata,
    Column("path", String(300), primary_key=True),
    Column("release", String(40), nullable=False, index=True),
    Column("media_type", String(100), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("stored_at", Integer, nullable=False),
)


def _sqlite_pragmas(connection: Any, record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (see _sqlite_transactions).
    connection.isolation_level = None
    cursor = connection.cursor()
    # WAL lets the web app read while the dispatcher writes; the busy timeout makes several
    # processes wait for each other instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    record.info[_QUERY_ONLY] = False


# One lock per SQLite file in this process. SQLite lets one transaction write at a time; a
# second one waiting in SQLite's busy handler sleeps in growing steps (up to 100 ms each), which
# stalls the dispatcher's short writes behind a long claim. Waiting on a lock here hands over at
# once; other processes still wait in the busy handler. Reads never take it.
_WRITE_LOCKS: dict[str, threading.RLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()

# Marks on a pooled connection's ``info``: a statement is about to begin a transaction (so it
# only reads), and whether the connection is in SQLite's query-only mode.
_READING = "houvast_reading"
_QUERY_ONLY = "houvast_query_only"
_WRITING = "houvast_writing"  # holds the write lock


def _write_lock(path: str) -> threading.RLock:
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(path, threading.RLock())


def _sqlite_transactions(engine: Engine, path: str) -> None:
    """Reads and writes begin differently on SQLite.

    A transaction begun by a statement (``engine.connect()``, then ``execute``) reads: it
    commits nothing, so it is a plain deferred ``BEGIN``, which under WAL reads a snapshot and
    never waits for a writer; SQLite's query-only mode makes a write in it fail loudly. A
    transaction begun explicitly (``engine.begin()``, ``connection.begin()``) writes: it takes
    the write lock at once (``BEGIN IMMEDIATE``, under this process's lock), because two that
    both read and then write would otherwise deadlock, and one would fail instead of waiting.
    """
    lock = _write_lock(path)

    def statement_begins(connection: Connection, *args: Any) -> None:
        if not connection.in_transaction():
            connection.info[_READING] = connection

    def failed(context: ExceptionContext) -> None:
        # A statement that failed before it began its transaction marks nothing.
        if context.connection is not None:
            context.connection.info.pop(_READING, None)

    def begin(connection: Connection) -> None:
        reading = connection.info.pop(_READING, None) is connection
        if connection.info.get(_QUERY_ONLY) != reading:
            connection.exec_driver_sql(f"PRAGMA query_only={int(reading)}")
            connection.info[_QUERY_ONLY] = reading
        if reading:
            connection.exec_driver_sql("BEGIN")
            return
        lock.acquire()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            lock.release()
            raise
        connection.info[_WRITING] = True

    def end(connection: Connection) -> None:
        if connection.info.pop(_WRITING, False):
            lock.release()

    event.listen(engine, "before_execute", statement_begins)
    event.listen(engine, "handle_error", failed)
    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", end)
    event.listen(engine, "rollback", end)


# What every PostgreSQL session is told, so that what a dead client (a host that lost power, a
# cut network) leaves is ended long before a reminder it held is too late (ten minutes): the
# server probes an idle client after 30 s and gives up after three unanswered probes, or after
# data it sent goes unacknowledged for a minute; a transaction left idle ends after 30 s (its
# row locks with it), a statement after a minute. A DATABASE_URL's own ``options`` come after
# these, so an operator can change any of them there.
POSTGRES_SESSION = (
    "-c tcp_keepalives_idle=30 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=3 "
    "-c tcp_user_timeout=60000 -c idle_in_transaction_session_timeout=30000 "
    "-c statement_timeout=60000"
)
# The client side (libpq): it notices a server that vanished in the same time.
POSTGRES_CLIENT = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 60000,
    "connect_timeout": 10,
}


def _postgres_connect_args(url: str) -> dict[str, Any]:
    query = make_url(url).query
    own = query.get("options", "")
    options = f"{POSTGRES_SESSION} {own if isinstance(own, str) else ' '.join(own)}"
    client = {name: value for name, value in POSTGRES_CLIENT.items() if name not in query}
    return {**client, "options": options.strip()}


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL (its query, if any, left out); None for another
    database or one in memory."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def _private_file(path: Path) -> None:
    """``path`` made empty (a valid SQLite database) and its owner's alone, with the folder it
    is in, unless it is there already. The database holds the VAPID private key, password
    hashes and TOTP secrets; SQLite would make it readable by all, and gives the -wal and -shm
    files beside it the database's mode. Not a umask: that is the whole process's, threads too.
    A folder or file that exists keeps its mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite gets WAL, a busy timeout, enforced foreign keys and reads
    that never wait; PostgreSQL gets keepalives and timeouts (``POSTGRES_SESSION``).

    Parameters never appear in error messages: they hold endpoints and token hashes, and an
    error may end up in a log.
    """
    if url.startswith("sqlite"):
        file = sqlite_file(url)
        if file is not None:
            _private_file(file)
        engine = create_engine(url, connect_args={"timeout": 10}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        _sqlite_transactions(engine, str(file.resolve()) if file else url)
        return engine
    return create_engine(
        url,
        connect_args=_postgres_connect_args(url),
        pool_pre_ping=True,
        hide_parameters=True,
    )


class epoch_now(FunctionElement[int]):
    """The database's clock in whole seconds since the epoch, in SQL: leases are stamped and
    compared by it, so instances whose own clocks disagree still agree on a lease."""

    type = Integer()
    inherit_cache = True


@compiles(epoch_now, "postgresql")
def _epoch_now_postgresql(element: epoch_now, compiler: Any, **options: Any) -> str:
    return "CAST(FLOOR(EXTRACT(EPOCH FROM now())) AS INTEGER)"


@compiles(epoch_now, "sqlite")
def _epoch_now_sqlite(element: epoch_now, compiler: Any, **options: Any) -> str:
    return "CAST(strftime('%s', 'now') AS INTEGER)"


def insert_for(engine: Engine) -> Callable[..., Any]:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING."""
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert


class SchemaError(RuntimeError):
    """The database's schema is not the one this release needs (an operator's step is due)."""


# Any number that is the same for every instance: the advisory lock that migrations hold.
_MIGRATION_LOCK = 0x486F7576  # "Houv"


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest migration this release knows."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "migrations/ holds no migration"
    return head


def known_revisions() -> frozenset[str]:
    script = ScriptDirectory.from_config(_alembic_config())
    return frozenset(revision.revision for revision in script.walk_revisions())


def current_revision(connection: Connection) -> str | None:
    """The migration the database is at (``None``: a new, empty database)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> str:
    """Bring the schema to the newest migration, once, however many instances try at the same
    time: on PostgreSQL under an advisory lock held until the transaction ends, on SQLite under
    the write lock every writing transaction begins with. Returns the revision reached."""
    config = _alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # SQLite changes a table's constraints by building a new table and dropping the old
            # one; with foreign keys on, that drop deletes every row that refers to it (ON
            # DELETE CASCADE: a device's reminders and deliveries). Off while migrating (it can
            # only be switched outside a transaction), checked before committing, on again
            # before the connection goes back to the pool.
            _foreign_keys(connection, on=False)
        try:
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    # Waiting for another instance's migration, and migrating, may take longer
                    # than a statement may.
                    connection.execute(text("SET LOCAL statement_timeout = 0"))
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                    )
                current = current_revision(connection)
                if current is not None and current not in known_revisions():
                    # A newer release migrated already; its migrations only add, so this one
                    # runs on.
                    return current
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite and (
                    broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                ):
                    raise SchemaError(f"a migration left rows that refer to nothing: {broken[:5]}")
                return current_revision(connection) or ""
        finally:
            if sqlite:
                _foreign_keys(connection, on=True)


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    """Switch SQLite's foreign keys on the driver's connection, outside any transaction."""
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def schema_is_current(connection: Connection) -> bool:
    """Whether the database has this release's migrations: at its head, or at a newer release's
    (which only add to it)."""
    current = current_revision(connection)
    return current == head_revision() or (current is not None and current not in known_revisions())


def open_database(settings: Settings) -> Engine:
    """The engine, with the schema brought up to date when ``HOUVAST_MIGRATE`` allows it; else
    a schema that is behind stops the server with what to do."""
    engine = make_engine(settings.database)
    if settings.migrate_on_start:
        upgrade(engine)
        return engine
    with engine.connect() as connection:
        current = schema_is_current(connection)
    if not current:
        engine.dispose()
        raise SchemaError(
            "the database is not up to date with this release: run `houvast migrate` first "
            "(or set HOUVAST_MIGRATE=start)"
        )
    return engine
