"""Transactions on both databases: reads never wait for a writer, PostgreSQL sessions that a
dead client leaves are ended, leases follow the database's clock, and registrations that race
end in one device."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Engine, func, insert, select, text, update
from sqlalchemy.exc import OperationalError

from server.db import deliveries, devices, epoch_now, make_engine, open_database, reminders
from server.reminders.claims import Claims
from server.settings import Settings
from tests.postgres import postgres_schema

DEADLINE = 30  # seconds for anything to happen, on a busy machine


@pytest.fixture
def engine(db_settings: Settings) -> Iterator[Engine]:
    engine = open_database(db_settings)
    yield engine
    engine.dispose()


def add_device(engine: Engine, number: int, due: int | None = None) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(devices).values(
                id=f"device{number}",
                token_hash="0" * 64,
                timezone="Europe/Amsterdam",
                locale="nl",
                endpoint=f"https://fcm.googleapis.com/fcm/send/t{number}",
                p256dh="p",
                auth="a",
                created_at=0,
                updated_at=0,
            )
        )
        connection.execute(
            insert(reminders).values(
                device_id=f"device{number}",
                days=0b1111111,
                time="08:30",
                target="exercise:grounding",
                next_fire_at=due,
            )
        )


def device_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(devices)).scalar_one())


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """``work`` started in a thread; its result (or error) lands in the dict."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_a_read_does_not_wait_for_a_writing_transaction(engine: Engine) -> None:
    """A page reads while the dispatcher holds a claim open: it sees what was committed before,
    at once, not after the claim."""
    add_device(engine, 1)
    inside, release = threading.Event(), threading.Event()

    def write() -> None:
        with engine.begin() as connection:
            connection.execute(update(devices).values(locale="en"))
            inside.set()
            assert release.wait(DEADLINE)

    writer, written = in_thread(write)
    try:
        assert inside.wait(DEADLINE)

        def read_locales() -> list[str]:
            with engine.connect() as connection:
                return list(connection.execute(select(devices.c.locale)).scalars())

        reader, read = in_thread(read_locales)
        reader.join(DEADLINE)
        assert read == {"result": ["nl"]}, "read the committed state while the write was open"
    finally:
        release.set()
        writer.join(DEADLINE)
    assert written == {"result": None}
    with engine.connect() as connection:
        assert connection.execute(select(devices.c.locale)).scalar_one() == "en"


def test_writes_still_take_turns(engine: Engine) -> None:
    """Read-then-write transactions in several threads at once: each waits its turn, none
    fails, none loses another's change."""
    add_device(engine, 1)
    start = threading.Barrier(6)

    def bump() -> None:
        start.wait(DEADLINE)
        for _ in range(5):
            with engine.begin() as connection:
                query = select(devices.c.updated_at).where(devices.c.id == "device1")
                if engine.dialect.name == "postgresql":
                    query = query.with_for_update()
                seen = connection.execute(query).scalar_one()
                connection.execute(update(devices).values(updated_at=seen + 1))

    threads = [in_thread(bump) for _ in range(6)]
    for thread, outcome in threads:
        thread.join(DEADLINE)
        assert outcome == {"result": None}
    with engine.connect() as connection:
        assert connection.execute(select(devices.c.updated_at)).scalar_one() == 30


def test_a_write_in_a_read_transaction_fails_on_sqlite(settings: Settings) -> None:
    """A transaction a statement began only reads (it never commits): on SQLite a write in it
    fails at once instead of waiting as a reader, and the connection writes again later."""
    engine = open_database(settings)
    with engine.connect() as connection:
        connection.execute(select(devices.c.id)).all()
        with pytest.raises(OperationalError, match="readonly"):
            connection.execute(update(devices).values(locale="en"))
    add_device(engine, 1)  # the same pooled connection, writing
    assert device_count(engine) == 1
    engine.dispose()


def test_postgresql_sessions_end_what_a_dead_client_leaves() -> None:
    """Every connection tells the server to probe an idle client (TCP keepalives both ways), to
    end a transaction left idle and a statement that runs too long; a DATABASE_URL's own
    options come on top."""
    with postgres_schema() as url:
        engine = make_engine(url + "%20-cstatement_timeout%3D45s")
        with engine.connect() as connection:
            shown = {
                name: connection.execute(text(f"SHOW {name}")).scalar_one()
                for name in (
                    "tcp_keepalives_idle",
                    "tcp_keepalives_interval",
                    "tcp_keepalives_count",
                    "tcp_user_timeout",
                    "idle_in_transaction_session_timeout",
                    "statement_timeout",
                    "search_path",
                )
            }
            dsn = connection.connection.dbapi_connection.info.dsn  # type: ignore[union-attr]
        engine.dispose()
    assert shown["idle_in_transaction_session_timeout"] == "30s"
    assert shown["statement_timeout"] == "45s", "the URL's own option wins"
    assert shown["search_path"].startswith("houvast_"), "the URL's options are kept"
    # Over a Unix socket the server reports 0 for these; the tests connect over TCP.
    assert (shown["tcp_keepalives_idle"], shown["tcp_keepalives_count"]) == ("30", "3")
    assert shown["tcp_keepalives_interval"] == "10"
    assert shown["tcp_user_timeout"] == "60000"
    assert "keepalives=1" in dsn and "keepalives_idle=30" in dsn


def test_a_statement_that_runs_too_long_is_ended_on_postgresql() -> None:
    with postgres_schema() as url:
        engine = make_engine(url + "%20-cstatement_timeout%3D100ms")
        with engine.connect() as connection, pytest.raises(OperationalError, match="timeout"):
            connection.execute(text("SELECT pg_sleep(5)"))
        engine.dispose()


def test_leases_follow_the_database_clock(engine: Engine) -> None:
    """A host whose clock runs an hour ahead stamps its leases by the database's clock, and
    takes back nothing another instance still holds."""
    with engine.connect() as connection:
        database_now = connection.execute(select(epoch_now())).scalar_one()
    assert abs(database_now - time.time()) < 5
    due = int(time.time()) - 30
    for number in range(3):
        add_device(engine, number, due)
    ahead = Claims(engine, 60, lambda: time.time() + 3600)
    claimed, _, _ = ahead.claim(due + 1, take_back=False)
    assert len(claimed) == 3
    with engine.connect() as connection:
        leases = connection.execute(select(deliveries.c.lease_until)).scalars().all()
    assert all(abs(lease - (time.time() + 60)) < 10 for lease in leases), leases
    assert ahead.renew() == 3
    # Another instance, its clock an hour ahead, finds the leases alive.
    other = Claims(engine, 60, lambda: time.time() + 3600)
    taken, counts, _ = other.claim(int(time.time()) + 3600, take_back=True)
    assert (taken, counts.taken_back) == ([], 0)


def test_many_identical_registrations_at_once_make_one_device(db_settings: Settings) -> None:
    """A page that registers again and again at the same moment (taps, tabs, retries): every
    answer is 201, and one device with one set of reminders remains."""
    from starlette.testclient import TestClient

    from server.app import create_app
    from tests.test_api import at_once, device, subscription

    unlimited = replace(db_settings, rate_limit="1000/minute", rate_limit_total="1000/minute")
    with TestClient(create_app(unlimited, dispatch=False)) as client:
        for round_ in range(4):
            body = device(subscription(f"https://fcm.googleapis.com/fcm/send/many{round_}"))

            def register(body: Any = body) -> int:
                return client.post("/api/devices", json=body).status_code

            assert at_once(*[register] * 8) == [201] * 8
    engine = make_engine(db_settings.database)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(devices)).scalar_one() == 4
        assert connection.execute(select(func.count()).select_from(reminders)).scalar_one() == 4
    engine.dispose()
