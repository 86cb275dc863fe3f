"""PostgreSQL for the tests: the server on 127.0.0.1:5432 that every machine here runs (database
``test``, trust auth). Each use gets a schema of its own, so tests and test runs never meet."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A database URL whose tables live in a new, empty schema, dropped afterwards.

    Fails with a plain message when the server is not there, rather than deep in a driver.
    """
    admin = create_engine(POSTGRES)
    schema = f"houvast_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        admin.dispose()
        pytest.fail(
            "PostgreSQL is not reachable at 127.0.0.1:5432 (database 'test', user postgres); "
            "these tests need it. Start it with: pg_ctlcluster --skip-systemctl-redirect "
            f"$(ls /etc/postgresql) main start\n({error.orig})",
            pytrace=False,
        )
    try:
        yield POSTGRES + f"?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
