"""Fixtures shared by every test: settings, an app built by the factory, a client."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.app import create_app
from server.db import deliveries, devices, reminders
from server.settings import PROJECT_ROOT, Settings
from tests.postgres import postgres_schema

EXERCISES_DIR = PROJECT_ROOT / "exercises"
T = TypeVar("T")


def delivery_status(engine: Engine) -> dict[str, str]:
    """Each delivery row's status, by its device's push endpoint (one reminder per device)."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(devices.c.endpoint, deliveries.c.status).select_from(
                deliveries.join(reminders).join(devices)
            )
        ).all()
    return {endpoint: status for endpoint, status in rows}


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end in a thread of its own.

    Once a browser test has run, pytest-playwright keeps an event loop running in the main
    thread, and asyncio.run refuses to start inside it.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def isolated_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Default settings with the database and keys in ``data_dir``, never in the project."""
    return Settings.from_env({}, data_dir=data_dir, **overrides)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return isolated_settings(tmp_path / "data")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test that touches the database runs on both: SQLite in the test's folder (the
    empty setting) and PostgreSQL in a schema of its own (tests/postgres.py)."""
    if request.param == "sqlite":
        yield ""
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture
def db_settings(tmp_path: Path, database_url: str) -> Settings:
    """Settings for a test that touches the database: it runs on SQLite and on PostgreSQL."""
    return isolated_settings(tmp_path / "data", database_url=database_url)


@pytest.fixture
def app(settings: Settings) -> Starlette:
    # The dispatcher stays off: tests of pages and the API must not send anything.
    return create_app(settings, dispatch=False)


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as client:
        yield client


@pytest.fixture
def exercise_copy(tmp_path: Path) -> Path:
    """A writable copy of the real exercises, for tests that break one."""
    folder = tmp_path / "exercises"
    folder.mkdir()
    for path in EXERCISES_DIR.glob("*.toml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return folder
