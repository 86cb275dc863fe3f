"""The database: tables (SQLAlchemy Core), the engine, and migrations with Alembic.

SQLite in WAL mode in the data folder by default; PostgreSQL through ``DATABASE_URL`` when several
processes or hosts share the work. Times are whole seconds since the epoch (UTC): they compare
the same way on every database and need no time zone handling in SQL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Column,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)

from .settings import PROJECT_ROOT, Settings

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"

metadata = MetaData()

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
)

reminders = Table(
    "reminders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "device_id",
        String(32),
        ForeignKey("devices.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("days", Integer, nullable=False),  # bit 0 = Monday ... bit 6 = Sunday
    Column("time", String(5), nullable=False),  # "08:30", local to the device's time zone
    Column("target", String(100), nullable=False),  # "exercise:grounding"
    Column("next_fire_at", Integer, nullable=True),  # null when the device has no push
    Index("ix_reminders_next_fire_at", "next_fire_at"),
)

# One row per occurrence: inserting it is how a dispatcher claims the occurrence, and the
# primary key makes a second send of the same occurrence impossible.
deliveries = Table(
    "deliveries",
    metadata,
    Column(
        "reminder_id",
        Integer,
        ForeignKey("reminders.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("occurrence", Integer, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("updated_at", Integer, nullable=False),
)


def _sqlite_pragmas(connection: Any, record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (see _sqlite_begin).
    connection.isolation_level = None
    cursor = connection.cursor()
    # WAL lets the web app read while the dispatcher writes; the busy timeout makes several
    # processes wait for each other instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Take the write lock at the start: two processes that both read and then write would
    # otherwise deadlock on SQLite, and one would fail instead of waiting.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and enforced foreign keys."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (run at start-up; safe to run again)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_database(settings: Settings) -> Engine:
    engine = make_engine(settings.database)
    upgrade(engine)
    return engine
