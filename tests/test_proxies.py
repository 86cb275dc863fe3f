"""The proxy configurations an operator installs for one machine, loaded by Debian's own:
nginx (deploy/nginx-houvast.conf): `nginx -t` accepts it, and requests through it reach the app
while its access log, like the app's, names the route instead of a path that holds a token,
and logs no query; Caddy (deploy/Caddyfile): `caddy validate` accepts it, requests through it
reach the app, /metrics stays inside, and nothing it writes holds a token.

Only the addresses change for the test: the instances' (one app on loopback), the ports to
listen on, the certificate (made here) and the log's place."""

from __future__ import annotations

import datetime
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from server.app import create_app
from server.settings import PROJECT_ROOT
from tests.conftest import isolated_settings
from tests.live_server import LiveServer

SHIPPED = PROJECT_ROOT / "deploy" / "nginx-houvast.conf"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "houvast.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "fullchain.pem", folder / "privkey.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def configure(folder: Path, upstream: int, https: int, http: int) -> Path:
    """The shipped configuration with this machine's addresses, inside a main configuration
    that keeps everything nginx writes in ``folder``."""
    cert, key = certificate(folder)
    text = SHIPPED.read_text()
    replacements = {
        "server 10.0.0.11:8000 max_fails=2 fail_timeout=10s;": (
            f"server 127.0.0.1:{upstream} max_fails=2 fail_timeout=10s;"
        ),
        "server 10.0.0.12:8000 max_fails=2 fail_timeout=10s;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "/etc/letsencrypt/live/houvast.example.org/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/houvast.example.org/privkey.pem": str(key),
        "/var/log/nginx/houvast.log": str(folder / "houvast.log"),
    }
    for shipped, here in replacements.items():
        assert shipped in text, shipped
        text = text.replace(shipped, here)
    (folder / "houvast.conf").write_text(text)
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = folder / "nginx.conf"
    main.write_text(
        f"""{"user root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"};
events {{}}
http {{
{temp}
    include {folder / "houvast.conf"};
}}
"""
    )
    return main


def nginx(*args: str) -> list[str]:
    tool = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(tool).exists():
        pytest.fail("nginx not found: `make test` installs it")
    return [tool, "-e", "stderr", *args]


def test_nginx_takes_the_shipped_configuration(tmp_path: Path) -> None:
    main = configure(tmp_path, free_port(), free_port(), free_port())
    checked = subprocess.run(
        nginx("-t", "-p", str(tmp_path), "-c", str(main)), capture_output=True, text=True
    )
    assert checked.returncode == 0 and "test is successful" in checked.stderr, checked.stderr


def test_through_nginx_the_log_holds_no_token(tmp_path: Path) -> None:
    with LiveServer(create_app(isolated_settings(tmp_path / "data"), dispatch=False)) as app:
        upstream = int(app.rsplit(":", 1)[1])
        https = free_port()
        main = configure(tmp_path, upstream, https, free_port())
        said = tmp_path / "nginx.err"
        with said.open("w") as errors:
            server = subprocess.Popen(
                nginx("-p", str(tmp_path), "-c", str(main)),
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
        unverified = ssl.create_default_context()
        unverified.check_hostname = False
        unverified.verify_mode = ssl.CERT_NONE
        base = f"https://127.0.0.1:{https}"
        secret = "d0e1c2b3a4f5e6d7c8b9a0f1e2d3c4b5"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/nl/", context=unverified, timeout=5):
                        break
                except (urllib.error.URLError, ConnectionError):
                    assert server.poll() is None, said.read_text()
                    assert time.monotonic() < deadline, "nginx never answered"
                    time.sleep(0.05)
            for path in (
                f"/api/calendar/{secret}/{secret}.ics?from=query",
                f"/api/devices/{secret}",
            ):
                request = urllib.request.Request(base + path, method="GET")
                try:
                    urllib.request.urlopen(request, context=unverified, timeout=5)
                except urllib.error.HTTPError as error:
                    assert error.code in (
                        404,
                        405,
                    )  # through to the app, which knows no such device
        finally:
            server.send_signal(signal.SIGQUIT)
            server.wait(timeout=30)
    log = (tmp_path / "houvast.log").read_text()
    assert '"GET /nl/" 200' in log
    assert '"GET /api/calendar/{device_id}/{token}.ics" 404' in log
    assert '"GET /api/devices/{device_id}"' in log
    assert secret not in log and "from=query" not in log, log


CADDYFILE = PROJECT_ROOT / "deploy" / "Caddyfile"


def caddy(folder: Path, **addresses: str) -> tuple[list[str], dict[str, str]]:
    """Debian's caddy on the shipped Caddyfile: the command, and an environment that keeps its
    state in ``folder`` and puts ``addresses`` (HOUVAST_SITE, ...) in."""
    tool = shutil.which("caddy") or "/usr/bin/caddy"
    if not Path(tool).exists():
        pytest.fail("caddy not found: `make test` installs it")
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_CONFIG_HOME": str(folder / "config"),
        **addresses,
    }
    return [tool, "--config", str(CADDYFILE), "--adapter", "caddyfile"], env


def test_caddy_takes_the_shipped_configuration(tmp_path: Path) -> None:
    command, env = caddy(tmp_path)
    checked = subprocess.run(
        [command[0], "validate", *command[1:]], capture_output=True, text=True, env=env, timeout=60
    )
    assert checked.returncode == 0 and "Valid configuration" in checked.stdout + checked.stderr, (
        checked.stderr
    )


def test_through_caddy_the_app_answers_and_nothing_logs_a_token(tmp_path: Path) -> None:
    with LiveServer(create_app(isolated_settings(tmp_path / "data"), dispatch=False)) as app:
        port = free_port()
        command, env = caddy(
            tmp_path,
            HOUVAST_SITE=f"http://127.0.0.1:{port}",
            HOUVAST_UPSTREAM=app.removeprefix("http://"),
            CADDY_ADMIN=f"127.0.0.1:{free_port()}",
        )
        said = tmp_path / "caddy.log"
        with said.open("w") as out:
            server = subprocess.Popen(
                [command[0], "run", *command[1:]], stdout=out, stderr=subprocess.STDOUT, env=env
            )
        base = f"http://127.0.0.1:{port}"
        secret = "d0e1c2b3a4f5e6d7c8b9a0f1e2d3c4b5"
        statuses = {}
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/nl/", timeout=5) as answer:
                        statuses["/nl/"] = answer.status
                        break
                except (urllib.error.URLError, ConnectionError):
                    assert server.poll() is None, said.read_text()
                    assert time.monotonic() < deadline, "caddy never answered"
                    time.sleep(0.05)
            for path in ("/metrics", f"/api/calendar/{secret}/{secret}.ics?from=query"):
                try:
                    with urllib.request.urlopen(base + path, timeout=5) as answer:
                        statuses[path] = answer.status
                except urllib.error.HTTPError as error:
                    statuses[path] = error.code
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    assert statuses == {
        "/nl/": 200,
        "/metrics": 404,  # refused by the proxy: for your own scraper only
        f"/api/calendar/{secret}/{secret}.ics?from=query": 404,  # the app knows no such device
    }
    log = said.read_text()
    assert secret not in log and "from=query" not in log, log
