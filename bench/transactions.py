"""A page read while a 2,000-row claim is in progress, on SQLite and on PostgreSQL.

    .venv/bin/python bench/transactions.py [--database sqlite|postgresql] [--rounds 5]

For each database (PostgreSQL on 127.0.0.1:5432, a schema of its own): 2,000 devices with one
reminder each, all due, and the app (create_app, its dispatcher off) in this process, as
`houvast serve` runs it. Each round claims the 2,000 in a thread (``Claims.claim``: one
transaction) while another thread asks the app for a device's calendar feed (GET
/api/calendar/....ics: one read transaction) again and again, and times the reads that started
while the claim was under way. Then the same with the claim held open 0.5 s inside its
transaction (a slower disk, a larger batch): a read that waits for the claim waits that long.

Prints the claim's duration and the reads' median and longest latency; asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from _setup import bench_settings
from sqlalchemy import Engine, delete, insert, update
from starlette.testclient import TestClient

from server.app import create_app
from server.db import deliveries, devices, open_database, reminders
from server.reminders.claims import BATCH, Claims
from tests.postgres import postgres_schema

HOLD = 0.5  # seconds a held claim stays open inside its transaction


def fill(engine: Engine, due: int) -> str:
    """``BATCH`` devices with a reminder due at ``due``; returns a calendar feed's path."""
    device_rows = [
        {
            "id": f"d{number}",
            "token_hash": "0" * 64,
            "timezone": "Europe/Amsterdam",
            "locale": "nl",
            "endpoint": f"https://fcm.googleapis.com/fcm/send/bench-{number}",
            "p256dh": "p" * 87,
            "auth": "a" * 22,
            "created_at": due,
            "updated_at": due,
        }
        for number in range(BATCH)
    ]
    reader, calendar_token = secrets.token_urlsafe(16), secrets.token_urlsafe(32)
    calendar_device = {
        "id": reader,
        "token_hash": "0" * 64,
        "calendar_token_hash": hashlib.sha256(calendar_token.encode()).hexdigest(),
        "timezone": "Europe/Amsterdam",
        "locale": "nl",
        "created_at": due,
        "updated_at": due,
    }
    reminder_rows: list[dict[str, Any]] = [
        {
            "device_id": f"d{number}",
            "days": 0b1111111,
            "time": "08:30",
            "target": "exercise:grounding",
            "next_fire_at": due,
        }
        for number in range(BATCH)
    ]
    calendar_reminder = {
        "device_id": reader,
        "days": 0b0011111,
        "time": "09:00",
        "target": "exercise:grounding",
        "next_fire_at": None,
    }
    with engine.begin() as connection:
        connection.execute(insert(devices), device_rows)
        connection.execute(insert(reminders), reminder_rows)
        connection.execute(insert(devices), [calendar_device])
        connection.execute(insert(reminders), [calendar_reminder])
    return f"/api/calendar/{reader}/{calendar_token}.ics"


def make_due(engine: Engine, due: int) -> None:
    """The claimable reminders due again, with no claim on them."""
    with engine.begin() as connection:
        connection.execute(delete(deliveries))
        connection.execute(
            update(reminders).where(reminders.c.time == "08:30").values(next_fire_at=due)
        )


@contextmanager
def held(claims: Claims, hold: float) -> Iterator[None]:
    """Claims that stay ``hold`` seconds inside their transaction, after inserting."""
    original = claims._insert_deliveries

    def slow(*args: Any) -> Any:
        found = original(*args)
        time.sleep(hold)
        return found

    claims._insert_deliveries = slow  # type: ignore[method-assign]
    try:
        yield
    finally:
        claims._insert_deliveries = original  # type: ignore[method-assign]


def one_round(client: TestClient, path: str, claims: Claims, now: int) -> tuple[float, list[float]]:
    """Claim in a thread while reading in this one; the claim's seconds and the reads' that
    started during it."""
    started = threading.Event()
    timing: dict[str, float] = {}

    def claim() -> None:
        timing["start"] = time.perf_counter()
        started.set()
        claimed, _, _ = claims.claim(now, take_back=False)
        timing["end"] = time.perf_counter()
        assert len(claimed) == BATCH, len(claimed)

    thread = threading.Thread(target=claim)
    thread.start()
    started.wait()
    latencies = []
    while "end" not in timing:
        begun = time.perf_counter()
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        if "end" not in timing or begun < timing["end"]:
            latencies.append(time.perf_counter() - begun)
    thread.join()
    return timing["end"] - timing["start"], latencies


def measure(database_url: str, rounds: int) -> None:
    settings = bench_settings()
    if database_url:
        settings = type(settings).from_env(
            {}, data_dir=settings.data_dir, database_url=database_url
        )
    engine = open_database(settings)
    now = int(time.time())
    path = fill(engine, now - 30)
    claims = Claims(engine, 60, time.time)
    name = "PostgreSQL" if database_url else "SQLite"
    with TestClient(create_app(settings, dispatch=False)) as client:
        client.get(path)  # warm: the first request builds what the app caches
        for label, hold in (("a claim", 0.0), (f"a claim held {HOLD} s", HOLD)):
            durations, reads = [], []
            for _ in range(rounds):
                make_due(engine, now - 30)
                with held(claims, hold):
                    duration, latencies = one_round(client, path, claims, now)
                durations.append(duration)
                reads.extend(latencies)
            reads_ms = [value * 1000 for value in reads]
            print(
                f"{name:10} {label:20}: claim of {BATCH} {statistics.median(durations) * 1000:6.0f}"
                f" ms; {len(reads):4} page reads during it, median"
                f" {statistics.median(reads_ms):6.1f} ms, longest {max(reads_ms):6.1f} ms",
                flush=True,
            )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    for database in options.database or ["sqlite", "postgresql"]:
        if database == "sqlite":
            measure("", options.rounds)
        else:
            with postgres_schema() as url:
                measure(url, options.rounds)


if __name__ == "__main__":
    main()
