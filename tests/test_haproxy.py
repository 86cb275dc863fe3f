"""Several instances behind the shipped HAProxy configuration (deploy/haproxy-houvast.cfg,
Debian 12's haproxy 2.6): one instance loses its database; HAProxy's check of /readyz takes
it out, and meanwhile what it cannot answer is sent to the other: nobody sees a 5xx. Only what
may be asked again (a GET) is sent again, never a POST that reached an instance (stub instances
count what they are asked); and /metrics stays inside however its path is spelled.

Only the addresses change for the test: the two instances (in this process, each with its own
path to one PostgreSQL schema, the first through a gate that can be closed; or stubs), the ports,
the certificate and the log."""

from __future__ import annotations

import contextlib
import http.client
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


def unverified_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def fetch(
    port: int, target: str, method: str = "GET", body: bytes | None = None, tls: bool = True
) -> tuple[int, bytes]:
    """``target`` sent exactly as written (no quoting, no dot segments removed), the request
    with its body in one write, as a browser's small request arrives: status, body."""
    head = [f"{method} {target} HTTP/1.1", "Host: houvast.example.org", "Connection: close"]
    if body is not None:
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    request = "\r\n".join([*head, "", ""]).encode() + (body or b"")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as plain:
        connection = unverified_context().wrap_socket(plain) if tls else plain
        with connection:
            connection.sendall(request)
            answer = http.client.HTTPResponse(connection, method=method)
            answer.begin()
            return answer.status, answer.read()


@contextlib.contextmanager
def running(config: Path, log: Path, https: int) -> Iterator[None]:
    """HAProxy on ``config``, once it answers /readyz through ``https``."""
    with log.open("w") as out:
        proxy = subprocess.Popen(
            [haproxy(), "-db", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                if fetch(https, "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            assert proxy.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield
    finally:
        proxy.terminate()
        proxy.wait(timeout=30)


# Spellings of /metrics. The first ones the app itself routes to its metrics (it decodes
# percent-escapes before it routes); the rest it answers 404 or sends on to /metrics, and the
# proxy refuses them as well or lets the app say 404.
ROUTED_TO_METRICS = (
    "/metrics",
    "/%6detrics",
    "/%6Detrics",
    "/metric%73",
    "/%6d%65%74%72%69%63%73",
    "/metrics?name=value",
)
OTHER_SPELLINGS = (
    "/metrics/",
    "/metrics//",
    "/metrics%2f",
    "/%6detrics/",
    "//metrics",
    "///metrics",
    "/%2fmetrics",
    "/METRICS",
    "/Metrics",
    "/./metrics",
    "/healthz/../metrics",
    "/metrics;name",
    "https://houvast.example.org/metrics",  # the absolute form
    "https://houvast.example.org/%6detrics",
)


def test_no_spelling_of_metrics_gets_through_haproxy(tmp_path: Path) -> None:
    with LiveServer(create_app(isolated_settings(tmp_path / "data"), dispatch=False)) as app:
        instance = int(app.rsplit(":", 1)[1])
        for spelling in ROUTED_TO_METRICS:  # what the proxy must refuse: the app would answer it
            status, body = fetch(instance, spelling, tls=False)
            assert status == 200 and b"# TYPE" in body, spelling
        https = free_port()
        config = configure(tmp_path, instance, instance, free_port(), https)
        log = tmp_path / "haproxy.log"
        answers = {}
        with running(config, log, https):
            for spelling in (*ROUTED_TO_METRICS, *OTHER_SPELLINGS):
                status, body = fetch(https, spelling)
                assert b"# TYPE" not in body and b"# HELP" not in body, spelling
                answers[spelling] = status
            around = {path: fetch(https, path)[0] for path in ("/healthz", "/readyz", "/nl/")}
            around["/%68ealthz"] = fetch(https, "/%68ealthz")[0]  # decoded by the app: /healthz
    assert answers == dict.fromkeys((*ROUTED_TO_METRICS, *OTHER_SPELLINGS), 404), answers
    assert around == {"/healthz": 200, "/readyz": 200, "/nl/": 200, "/%68ealthz": 200}
    lines = log.read_text().splitlines()
    for spelling in ROUTED_TO_METRICS[1:5]:  # refused by the proxy, not answered by an instance
        logged = [line for line in lines if f'"GET {spelling}" 404 ' in line]
        assert logged and logged[0].endswith(" houvast/<NOSRV>"), lines


class Stub:
    """An instance that is ready (/readyz answers 200) and answers everything else with
    ``status``, or, with ``status`` None, reads the request and closes without a word. It notes
    each request it is asked (but /readyz): method, path and body."""

    def __init__(self, status: int | None) -> None:
        self.asked: list[tuple[str, str, bytes]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.path == "/readyz":
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                stub.asked.append((self.command, self.path, body))
                if status is None:
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])

    def __enter__(self) -> Stub:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("failing", [500, None], ids=["answers 500", "closes without answer"])
def test_haproxy_sends_again_what_may_be_asked_again_and_never_a_post(
    tmp_path: Path, failing: int | None
) -> None:
    """One instance fails every request (with 500, or by closing without an answer); the other
    answers 200. A POST, PUT or DELETE that met the failing one is not sent again: it reached
    that instance once and nowhere else, and the person sees the error. A GET that met it is
    answered by the other."""
    with Stub(failing) as bad, Stub(200) as good:
        https = free_port()
        config = configure(tmp_path, bad.port, good.port, free_port(), https)
        with running(config, tmp_path / "haproxy.log", https):
            # Round robin: two of each in a row, so one of each meets each instance.
            unsafe = {}
            for number in range(6):
                method = ("POST", "PUT", "DELETE")[number // 2]
                unsafe[f"/api/write/{number}"] = fetch(
                    https, f"/api/write/{number}", method, b'{"n": %d}' % number
                )[0]
            safe = {
                f"/api/read/{number}": fetch(https, f"/api/read/{number}")[0] for number in range(4)
            }
        asked = [(method, path) for method, path, _ in bad.asked + good.asked]
        for path in unsafe:
            assert len([seen for seen in asked if seen[1] == path]) == 1, (path, asked)
        failed = {path for method, path, _ in bad.asked if path in unsafe}
        assert {method for method, path, _ in bad.asked if path in unsafe} == {
            "POST",
            "PUT",
            "DELETE",
        }, bad.asked
        assert all(body for method, path, body in bad.asked + good.asked if path in unsafe)
        expected = 500 if failing == 500 else 502
        assert unsafe == {path: expected if path in failed else 200 for path in unsafe}, unsafe
        # Each GET answered, by the good instance; those that met the failing one first too.
        assert safe == dict.fromkeys(safe, 200), safe
        assert sorted(path for _, path, _ in good.asked if path in safe) == sorted(safe)
        assert any(path in safe for _, path, _ in bad.asked), bad.asked


def test_haproxy_sends_a_post_to_another_instance_when_it_could_not_reach_one(
    tmp_path: Path,
) -> None:
    """One instance takes no connection (its health check, elsewhere, still passes): a POST
    meant for it never reached it, and is sent to the other, once."""
    with Stub(201) as good, Stub(200) as checked:
        refused = free_port()  # nothing listens there
        https = free_port()
        config = configure(tmp_path, good.port, refused, free_port(), https)
        text = config.read_text()
        server = f"server b 127.0.0.1:{refused} check"
        assert server in text
        config.write_text(text.replace(server, f"{server} port {checked.port}"))
        with running(config, tmp_path / "haproxy.log", https):
            statuses = [
                fetch(https, f"/api/devices/{number}", "POST", b"{}")[0] for number in range(4)
            ]
    assert statuses == [201] * 4, statuses
    assert [path for _, path, _ in good.asked] == [f"/api/devices/{number}" for number in range(4)]
