"""Several instances on one PostgreSQL, as docs/deployment.md sets them up: `houvast migrate`
once, then two real `houvast serve` processes with data folders of their own, started together.
They agree on everything a phone or a load balancer may ask either of them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.settings import PROJECT_ROOT
from tests.postgres import postgres_schema
from tests.test_api import REMINDER, device, subscription
from tests.test_cli import HOUVAST, call

PUBLIC = "https://houvast.example.org"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""  # not listening yet


@pytest.fixture
def database() -> Iterator[str]:
    with postgres_schema() as url:
        yield url


def test_two_instances_on_one_postgresql_act_as_one(tmp_path: Path, database: str) -> None:
    common = {
        **os.environ,
        "DATABASE_URL": database,
        "HOUVAST_PUBLIC_URL": PUBLIC,
        "HOUVAST_VAPID_SUBJECT": "mailto:ops@houvast.example.org",
        "HOUVAST_MIGRATE": "manual",
    }
    migrate = subprocess.run(
        [HOUVAST, "migrate"],
        env={**common, "HOUVAST_DATA_DIR": str(tmp_path / "ops")},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr
    servers: list[tuple[str, subprocess.Popen[str]]] = []
    try:
        for name in ("a", "b"):
            port = free_port()
            env = {**common, "HOUVAST_DATA_DIR": str(tmp_path / name), "HOUVAST_PORT": str(port)}
            process = subprocess.Popen(
                [HOUVAST, "serve"],
                env=env,
                cwd=PROJECT_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            servers.append((f"http://127.0.0.1:{port}", process))
        for base, _ in servers:
            deadline = time.time() + 60
            while get(f"{base}/readyz")[0] != 200:
                assert time.time() < deadline, f"{base} is not ready"
                time.sleep(0.2)
        (a, _), (b, _) = servers
        for path in ("/api/push/key", "/sw.js", "/manifest-nl.webmanifest", "/nl/", "/healthz"):
            assert get(a + path) == get(b + path), f"{path} differs between the instances"
        # A device registered through one instance is the other's to change and to read.
        made: Any = call(a, "POST", "/api/devices", device(subscription(), locale="en"))
        path = f"/api/devices/{made['id']}"
        two = device(subscription(), locale="en", reminders=[REMINDER] * 2)
        assert call(b, "PUT", path, two, token=made["token"]) == {"id": made["id"]}
        status, feed = get(b + made["calendar"])
        assert status == 200 and feed.count(b"BEGIN:VEVENT") == 2
        assert f"{PUBLIC}/en/exercises/grounding".encode() in feed.replace(b"\r\n ", b"")
        assert call(a, "DELETE", path, token=made["token"]) == b""
        assert get(b + made["calendar"])[0] == 404
    finally:
        logs = []
        for _, process in servers:
            process.send_signal(signal.SIGINT)
            logs.append(process.communicate(timeout=30)[0])
    for log in logs:
        assert "ERROR" not in log and "Traceback" not in log, log
    assert sum("made a new VAPID key" in log for log in logs) <= 1, "one key for both"
