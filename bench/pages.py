"""Serving pages: requests per second for `/nl/` and a hashed stylesheet from `houvast serve`, and
from nginx serving `houvast export` of the same pages, side by side, with the ratio.

    .venv/bin/python bench/pages.py [--seconds 10] [--connections 32]

Both on loopback, one process each: `houvast serve` as shipped (uvicorn, its access log on) and
one nginx worker with gzip on (Debian's nginx, its access log on), measured with Debian's wrk
asking for gzip, one thread. `make bench` installs nginx and wrk with apt-get where they are
missing. Target: `/nl/` at 0.3 times nginx's rate or more. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HOUVAST = Path(sys.executable).parent / "houvast"

NGINX_CONF = """
daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    types {{ application/manifest+json webmanifest; }}
    default_type application/octet-stream;
    access_log {work}/access.log;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    gzip on;
    gzip_types text/css application/javascript application/json application/manifest+json
               image/svg+xml;
    server {{
        listen 127.0.0.1:{port};
        root {site};
        index index.html;
        location / {{ try_files $uri $uri/ =404; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within a minute")


def wrk(url: str, seconds: int, connections: int) -> float:
    """Requests per second that wrk measured, asking for gzip as browsers do."""
    result = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "-H",
            "Accept-Encoding: gzip, deflate, br",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    if "Non-2xx" in result.stdout:
        raise SystemExit(f"{url} answered errors:\n{result.stdout}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    assert found, result.stdout
    return float(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    for tool in ("nginx", "wrk"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is missing: apt-get install -y nginx wrk")

    work = Path(tempfile.mkdtemp(prefix="houvast-pages-"))
    work.chmod(0o755)  # nginx's worker runs as an unprivileged user and reads the site
    site, data = work / "site", work / "data"
    env = {**os.environ, "HOUVAST_DATA_DIR": str(data)}
    subprocess.run([str(HOUVAST), "export", str(site)], check=True, env=env, cwd=ROOT)
    stylesheet = next(site.glob("static/*/css/app.css")).relative_to(site).as_posix()

    nginx_port, ours_port = free_port(), free_port()
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF.format(work=work, port=nginx_port, site=site))
    nginx_binary = shutil.which("nginx") or "/usr/sbin/nginx"
    nginx = subprocess.Popen([nginx_binary, "-c", str(conf), "-p", str(work)])
    ours = subprocess.Popen(
        [str(HOUVAST), "serve", "--port", str(ours_port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,  # the access log, as a service would write it somewhere
        stderr=subprocess.DEVNULL,
    )
    try:
        servers = {
            "houvast serve": f"http://127.0.0.1:{ours_port}",
            "nginx": f"http://127.0.0.1:{nginx_port}",
        }
        for base in servers.values():
            wait_until_up(f"{base}/nl/")
        print(
            f"wrk, 1 thread, {args.connections} connections, {args.seconds} s each, gzip asked "
            f"for; one process each, on loopback (load average {os.getloadavg()[0]:.1f})"
        )
        for name, path in (("/nl/", "/nl/"), ("hashed CSS", f"/{stylesheet}")):
            rates = {}
            for server, base in servers.items():
                wrk(base + path, 1, args.connections)  # warm up
                rates[server] = wrk(base + path, args.seconds, args.connections)
            ratio = rates["houvast serve"] / rates["nginx"]
            print(
                f"  {name:<11} houvast serve {rates['houvast serve']:>9,.0f} requests/s, "
                f"nginx {rates['nginx']:>9,.0f} requests/s: {ratio:.2f}x"
            )
    finally:
        ours.send_signal(signal.SIGINT)
        nginx.send_signal(signal.SIGQUIT)
        ours.wait(timeout=30)
        nginx.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
