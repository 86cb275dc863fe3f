"""Several instances behind the shipped HAProxy configuration (deploy/haproxy-houvast.cfg,
Debian 12's haproxy 2.6): one instance loses its database; HAProxy's check of /readyz takes
it out, and meanwhile what it cannot answer is sent to the other: nobody sees a 5xx.

Only the addresses change for the test: the two instances (in this process, each with its own
path to one PostgreSQL schema, the first through a gate that can be closed), the ports, the
certificate and the log."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from server.app import create_app
from server.settings import PROJECT_ROOT
from tests.conftest import isolated_settings
from tests.live_server import LiveServer
from tests.postgres import postgres_schema
from tests.silent_proxy import SilentProxy
from tests.test_api import device, subscription
from tests.test_proxies import certificate, free_port

SHIPPED = PROJECT_ROOT / "deploy" / "haproxy-houvast.cfg"
DEADLINE = 60  # seconds for anything to happen, on a busy machine


def configure(folder: Path, a: int, b: int, http: int, https: int) -> Path:
    cert, key = certificate(folder)
    pem = folder / "houvast.pem"
    pem.write_bytes(cert.read_bytes() + key.read_bytes())
    text = SHIPPED.read_text()
    replacements = {
        "server a 10.0.0.11:8000 check": f"server a 127.0.0.1:{a} check",
        "server b 10.0.0.12:8000 check": f"server b 127.0.0.1:{b} check",
        "bind :80": f"bind 127.0.0.1:{http}",
        "bind :443 ssl crt /etc/haproxy/certs/houvast.pem": f"bind 127.0.0.1:{https} ssl crt {pem}",
    }
    for shipped, here in replacements.items():
        assert shipped in text, shipped
        text = text.replace(shipped, here)
    config = folder / "haproxy.cfg"
    config.write_text(text)
    return config


def haproxy() -> str:
    tool = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(tool).exists():
        pytest.fail("haproxy not found: `make test` installs it")
    return tool


def test_haproxy_takes_the_shipped_configuration(tmp_path: Path) -> None:
    config = configure(tmp_path, free_port(), free_port(), free_port(), free_port())
    checked = subprocess.run([haproxy(), "-c", "-f", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def call(url: str, context: ssl.SSLContext, body: object | None = None) -> int:
    """GET, or POST ``body`` as JSON; the status."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_an_instance_without_its_database_is_taken_out_and_nobody_sees_an_error(
    tmp_path: Path,
) -> None:
    """While the check has not yet taken the instance out, what may be asked again (a GET)
    and meets it is answered by the other; once out, everything goes to the other, a
    registration (a POST) too."""
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    with postgres_schema() as url, SilentProxy(("127.0.0.1", 5432)) as gate:
        through_gate = url.replace("127.0.0.1:5432", f"127.0.0.1:{gate.port}")
        first = create_app(
            isolated_settings(tmp_path / "a", database_url=through_gate), dispatch=False
        )
        second = create_app(isolated_settings(tmp_path / "b", database_url=url), dispatch=False)
        with LiveServer(first) as a, LiveServer(second) as b:
            https = free_port()
            config = configure(
                tmp_path, int(a.rsplit(":", 1)[1]), int(b.rsplit(":", 1)[1]), free_port(), https
            )
            log = tmp_path / "haproxy.log"
            with log.open("w") as out:
                proxy = subprocess.Popen(
                    [haproxy(), "-db", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT
                )
            base = f"https://127.0.0.1:{https}"
            ready, registered = [], []
            try:
                deadline = time.monotonic() + DEADLINE
                while True:  # until HAProxy listens and both instances answer through it
                    try:
                        if [call(f"{base}/readyz", unverified) for _ in range(2)] == [200, 200]:
                            break
                    except urllib.error.URLError:
                        pass
                    assert proxy.poll() is None, log.read_text()
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.1)
                # The first instance loses its database: no connection gets through any more.
                gate.close()
                deadline = time.monotonic() + DEADLINE
                while "Server houvast/a is DOWN" not in log.read_text():
                    ready.append(call(f"{base}/readyz", unverified))
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.05)
                for number in range(3):
                    push = subscription(f"https://fcm.googleapis.com/fcm/send/after{number}")
                    registered.append(call(f"{base}/api/devices", unverified, device(push)))
                secret = "d0e1c2b3a4f5e6d7c8b9a0f1e2d3c4b5"
                calendar = f"{base}/api/calendar/{secret}/{secret}.ics?from=query"
                assert call(f"{base}/metrics", unverified) == 404  # refused by the proxy
                assert call(calendar, unverified) == 404  # through to the app: no such device
                while "/api/calendar/" not in log.read_text():  # written once the answer left
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.05)
            finally:
                proxy.terminate()
                proxy.wait(timeout=30)
    said = log.read_text()
    # Its log, like the app's, holds no token and no query.
    assert '"GET /api/calendar/{device_id}/{token}.ics" 404' in said
    assert secret not in said and "from=query" not in said
    assert '"GET /metrics" 404' in said, "what the proxy refuses is logged by its path too"
    assert ready and set(ready) == {200}, ready
    assert registered == [201, 201, 201], registered
    print(f"{len(ready)} checks answered by the other instance before the first was taken out")
