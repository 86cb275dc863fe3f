"""Alembic's environment: migrations run on the connection the app hands over (server/db.py),
or on DATABASE_URL / the default SQLite file when run from the command line."""

from __future__ import annotations

from alembic import context

import server.therapist.tables  # noqa: F401  (puts its tables on the metadata)
from server.db import make_engine, metadata
from server.settings import Settings

target_metadata = metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(Settings.from_env().database)
    with engine.begin() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()


run()
