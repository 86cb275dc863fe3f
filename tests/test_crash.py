"""A crash loses no reminder: a real server process is killed with SIGKILL in the middle of a
dispatch, another is started on the same database, and the fake push service counts what
arrived and decrypts it.

Whether a request under way at the kill reached the push service cannot be known, so the second
server sends it again: such a reminder may arrive twice, as the same occurrence (same topic,
same ``tag`` and ``at``), which the phone shows in the first one's place, without a second
alert where the browser honours ``silent`` (tests/browser/test_reminders.py). Only the messages
marked ``posting`` when the first server died can arrive twice.

The server (tests/fault_server.py) is the real app under uvicorn with small batches, stopped at
a chosen point: inside a claim's transaction, while an encryption worker works on a chunk, while
requests are under way at the push service (killed once the fake has seen a number of them),
or with the outcomes of a batch known but not written. Then SIGKILL, for the server and its
worker processes, as the kernel's out-of-memory killer or a power cut would end them.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text, update

from server.db import deliveries, devices, make_engine, open_database, reminders
from server.reminders.claims import LATE_LIMIT, OWNED
from server.settings import PROJECT_ROOT
from tests.conftest import delivery_status, isolated_settings
from tests.fake_push_service import FakePushService
from tests.postgres import postgres_schema
from tests.silent_proxy import SilentProxy

COUNT = 200  # reminders due in the same minute: four batches of 50, twenty chunks of 10
LEASE = 30  # seconds (the default is 60): the dead server's run out at once (run_out)
HELD = 0.25  # seconds the fake push service takes to answer: requests stay under way
DEADLINE = 60  # seconds for any one step, on a busy machine


@pytest.fixture(scope="module")
def service() -> Iterator[FakePushService]:
    with FakePushService() as fake:
        yield fake


@dataclass
class Server:
    """One server process and where it writes its log."""

    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """SIGKILL for the server and the worker processes it started."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=DEADLINE)

    def stop(self) -> None:
        """As Ctrl-C or systemd stops it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=DEADLINE)

    def taken_back(self) -> tuple[int, int]:
        """How many claims this server took back from a dead one, and how many of those the
        dead one had been posting (sent again)."""
        found = re.findall(r"\((\d+) taken back, (\d+) of them resent\)", self.log.read_text())
        return sum(int(n) for n, _ in found), sum(int(m) for _, m in found)


def start(
    env: dict[str, str], log: Path, module: str = "tests.fault_server", **fault: str
) -> Server:
    out = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", module],
        cwd=PROJECT_ROOT,
        env={**env, **{key.upper(): value for key, value in fault.items()}},
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: killed together with its workers
    )
    out.close()
    return Server(process, log)


def fill(url: str, service: FakePushService, due: int) -> list[str]:
    """``COUNT`` devices subscribed at the fake, one reminder each, all due at ``due``."""
    engine = make_engine(url)
    endpoints, device_rows, reminder_rows = [], [], []
    for number in range(COUNT):
        subscription = service.subscribe(script=[(201, {}, HELD)])
        endpoints.append(subscription["endpoint"])
        device_rows.append(
            {
                "id": f"device{number}",
                "token_hash": "0" * 64,
                "timezone": "Europe/Amsterdam",
                "locale": "nl",
                "endpoint": subscription["endpoint"],
                "p256dh": subscription["keys"]["p256dh"],
                "auth": subscription["keys"]["auth"],
                "created_at": due,
                "updated_at": due,
            }
        )
        reminder_rows.append(
            {
                "device_id": f"device{number}",
                "days": 0b1111111,
                "time": "08:30",
                "target": "exercise:grounding",
                "next_fire_at": due,
            }
        )
    with engine.begin() as connection:
        connection.execute(insert(devices), device_rows)
        connection.execute(insert(reminders), reminder_rows)
    engine.dispose()
    return endpoints


def wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def named(database_url: str, name: str) -> str:
    """``database_url`` whose sessions carry ``name`` (PostgreSQL's application_name)."""
    return f"{database_url}{'&' if '?' in database_url else '?'}application_name={name}"


def sessions_named(url: str, name: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
            {"name": name},
        ).scalar_one()
    engine.dispose()
    return int(found)


def statuses(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
        ).all()
    engine.dispose()
    return {status: count for status, count in rows}


def prepare(
    tmp_path: Path, service: FakePushService, database_url: str
) -> tuple[str, int, list[str], dict[str, str]]:
    """A database with ``COUNT`` reminders due now; its URL, the due time, the endpoints and
    the environment for a server."""
    settings = isolated_settings(tmp_path / "data", database_url=database_url)
    open_database(settings).dispose()
    due = int(time.time()) // 60 * 60  # this minute's start: due now
    endpoints = fill(settings.database, service, due)
    ca = tmp_path / "ca.pem"
    ca.write_text(service.ca_pem)
    env = {
        **os.environ,
        "HOUVAST_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": database_url,
        "HOUVAST_DISPATCH_INTERVAL": "1",
        "HOUVAST_CLAIM_LEASE": str(LEASE),
        "FAULT_PUSH_PORT": str(service.port),
        "FAULT_PUSH_CA": str(ca),
    }
    return settings.database, due, endpoints, env


def run_out(url: str) -> None:
    """The dead server's leases as they are once they have run out, the margin for what it was
    posting included: their ends moved back, so that no test waits for the clock to get there."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            update(deliveries)
            .where(deliveries.c.status.in_(OWNED))
            .values(lease_until=deliveries.c.lease_until - 2 * LEASE - 1)
        )
    engine.dispose()


def settled(url: str) -> bool:
    found = statuses(url)
    return sum(found.values()) == COUNT and not {"claimed", "posting"} & set(found)


def final_status(url: str) -> dict[str, str]:
    engine = make_engine(url)
    try:
        return delivery_status(engine)
    finally:
        engine.dispose()


@pytest.mark.parametrize("point", ["claiming", "encrypting", "posting", "recording"])
def test_a_server_killed_mid_dispatch_loses_nothing(
    tmp_path: Path, service: FakePushService, database_url: str, point: str
) -> None:
    url, due, endpoints, env = prepare(tmp_path, service, database_url)
    reached = tmp_path / "fault"
    received = lambda: sum(len(service.subscription(e).messages) for e in endpoints)  # noqa: E731
    after = {"claiming": "2", "encrypting": "6", "posting": "0", "recording": "2"}[point]
    # On PostgreSQL a session of the killed server may still be finishing what it sent before
    # the kill (a COMMIT on its way): its sessions are named, to wait for the last to end.
    name = f"first-{tmp_path.name}"[-60:]
    first = start(
        {**env, "DATABASE_URL": named(database_url, name)} if database_url else env,
        tmp_path / "first.log",
        fault=point if point != "posting" else "",
        fault_after=after,
        fault_file=str(reached),
    )
    try:
        if point == "posting":
            # Killed once the push service has seen 60 requests, with more under way.
            wait_for(lambda: received() >= 60, "the first requests")
        else:
            wait_for(reached.exists, f"the server to stop while {point}")
    finally:
        first.kill()
    if database_url:
        wait_for(lambda: sessions_named(url, name) == 0, "the killed server's sessions to end")
    before = statuses(url)
    assert before.get("claimed", 0) + before.get("posting", 0) > 0, "it died holding claims"
    assert received() < COUNT
    run_out(url)

    second = start(env, tmp_path / "second.log")
    try:
        wait_for(lambda: settled(url), "every claim to be settled")
    finally:
        second.stop()

    outcome = statuses(url)
    arrived = {e: service.subscription(e).messages for e in endpoints}
    assert outcome == {"delivered": COUNT}, "every reminder sent, none given up"
    assert all(arrived.values()), "every reminder arrived"
    twice = [e for e in endpoints if len(arrived[e]) > 1]
    for endpoint in twice:
        first_copy, *copies = arrived[endpoint]
        for copy in copies:
            # The same occurrence: the push service replaces a waiting copy (topic), the
            # phone's worker shows it without a second alert (tag and at).
            assert copy.topic == first_copy.topic
            assert (copy.data["tag"], copy.data["at"]) == (first_copy.data["tag"], due)
    taken_back, resent = second.taken_back()
    assert taken_back > 0, "the second server sent what the first had claimed"
    assert len(twice) <= resent <= before.get("posting", 0), (
        "only what the first server was posting can arrive twice"
    )
    assert max(len(messages) for messages in arrived.values()) <= 2
    arrivals = [message.at - due for messages in arrived.values() for message in messages]
    assert max(arrivals) <= LATE_LIMIT, "none later than the limit"
    print(
        f"{point} on {'PostgreSQL' if database_url else 'SQLite'}: before the kill {before}; "
        f"after {outcome}; all {COUNT} arrived, {len(twice)} of them twice (same occurrence); "
        f"{taken_back} taken back, {resent} of them resent"
    )


def test_a_server_stopped_mid_dispatch_gives_back_what_never_left(
    tmp_path: Path, service: FakePushService, database_url: str
) -> None:
    """A normal stop (Ctrl-C, systemd) while requests are under way: no error in the log,
    what was under way is answered before the server ends and recorded as it went, what never
    left is given back at once and sent by the next server: each reminder exactly once."""
    url, _, endpoints, env = prepare(tmp_path, service, database_url)
    received = lambda: sum(len(service.subscription(e).messages) for e in endpoints)  # noqa: E731
    first = start(env, tmp_path / "first.log")
    try:
        wait_for(lambda: received() >= 60, "the first requests")
    finally:
        first.stop()
    log = first.log.read_text()
    assert "ERROR" not in log and "Traceback" not in log, log
    assert first.process.returncode == 0
    given_back = statuses(url)
    assert "claimed" not in given_back and "posting" not in given_back, "nothing left held"
    second = start(env, tmp_path / "second.log")
    try:
        wait_for(lambda: settled(url), "every reminder to be sent")
    finally:
        second.stop()
    counts = {e: len(service.subscription(e).messages) for e in endpoints}
    assert set(counts.values()) == {1}, "each arrived, once"
    assert set(final_status(url).values()) == {"delivered"}
    assert second.taken_back() == (0, 0), "given back on the stop, not taken back after a lease"


def test_a_claimer_cut_off_mid_claim_loses_nothing(
    tmp_path: Path, service: FakePushService
) -> None:
    """A host loses power (or its network) inside a claim's transaction, holding row locks on
    PostgreSQL: its connection goes silent and is never closed (a proxy that stops forwarding),
    the process is killed. PostgreSQL ends the session once its transaction has been idle too
    long (here 1 s; 30 s by default), the locks go with it, and another instance sends every
    reminder, none given up as too late."""
    with postgres_schema() as direct, SilentProxy(("127.0.0.1", 5432)) as proxy:
        url, due, endpoints, env = prepare(tmp_path, service, direct)
        proxied = direct.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        quick = "%20-cidle_in_transaction_session_timeout%3D1000"
        reached = tmp_path / "fault"
        first = start(
            {**env, "DATABASE_URL": proxied + quick, "FAULT_FILE": str(reached)},
            tmp_path / "first.log",
            module="tests.fault_claimer",
        )
        try:
            wait_for(reached.exists, "the server to stop inside its claim")
        finally:
            proxy.cut()
            first.kill()
        assert statuses(url) == {}, "its claim never committed"

        second = start(env, tmp_path / "second.log")
        try:
            wait_for(lambda: settled(url), "every reminder to be sent")
        finally:
            second.stop()
        outcome = statuses(url)
        arrived = [service.subscription(e).messages for e in endpoints]
    assert outcome == {"delivered": COUNT}, "every reminder sent, none given up"
    assert {len(messages) for messages in arrived} == {1}, "each once: the cut claim sent none"
    assert max(messages[0].at - due for messages in arrived) <= LATE_LIMIT
