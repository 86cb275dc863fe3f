"""Dispatching reminders: N reminders due in the same minute, sent to a push service on loopback.

    .venv/bin/python bench/dispatch.py [--counts 10000 100000] [--no-node] [--processes K]
        [--database sqlite|postgresql]

With no options: 10,000 and 100,000 on one SQLite server process (with the npm comparison),
then 100,000 on two server processes sharing PostgreSQL (127.0.0.1:5432, a schema of its own).

For each N: a fresh database gets N devices with real P-256 subscription keys and one
reminder each, all due at the same whole minute. The real server (bench/dispatch_server.py:
create_app under uvicorn, as `houvast serve` runs it) sends them when its scheduler's job
comes round on that minute: claims, pywebpush encryption in its worker process, VAPID, one
pooled aiohttp client. The push service is a minimal TLS sink in a process of its own
(bench/push_sink.py). Prints messages per second, p50/p99 lateness (arrival at the push
service minus the due minute), the server's peak memory (its process and the worker
processes it starts) and CPU time per message, and, where Node is present, the rate of the
npm `web-push` library sending the same N to the same sink, with the ratio between the two.

Targets on a 2-core machine: 100,000 delivered within 30 s of their minute, at least 3 times
the npm library's rate, server memory under 250 MB. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from _setup import bench_settings
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Engine, func, insert, select

from server.db import deliveries, devices, make_engine, open_database, reminders
from server.settings import Settings
from tests.fake_push_service import PUSH_HOSTS, _make_certificates
from tests.postgres import postgres_schema

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / ".node"
LEAD = 3  # seconds at least between starting the server and the minute everything is due
CONCURRENCY = 64


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def fill(settings: Settings, count: int) -> list[dict[str, object]]:
    """N devices with one daily reminder each (not due yet); returns their subscriptions."""
    engine = open_database(settings)
    subscriptions = []
    device_rows, reminder_rows = [], []
    later = int(time.time()) + 86400
    for number in range(count):
        point = (
            ec.generate_private_key(ec.SECP256R1())
            .public_key()
            .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        )
        keys = {"p256dh": b64(point), "auth": b64(os.urandom(16))}
        endpoint = f"https://fcm.googleapis.com/fcm/send/bench-{number}"
        subscriptions.append({"endpoint": endpoint, "keys": keys})
        device_rows.append(
            {
                "id": f"d{number}",
                "token_hash": "0" * 64,
                "timezone": "Europe/Amsterdam",
                "locale": "nl" if number % 2 else "en",
                "endpoint": endpoint,
                "created_at": later,
                "updated_at": later,
                **keys,
            }
        )
        reminder_rows.append(
            {
                "device_id": f"d{number}",
                "days": 0b1111111,
                "time": "08:30",
                "target": "exercise:grounding",
                "next_fire_at": later,
            }
        )
    with engine.begin() as connection:
        connection.execute(insert(devices), device_rows)
        connection.execute(insert(reminders), reminder_rows)
    engine.dispose()
    return subscriptions


def make_due(settings: Settings, due: int) -> None:
    """Every reminder falls due at ``due``, a whole minute (as its time of day says)."""
    local = datetime.fromtimestamp(due, ZoneInfo("Europe/Amsterdam")).strftime("%H:%M")
    engine = open_database(settings)
    with engine.begin() as connection:
        connection.execute(reminders.update().values(next_fire_at=due, time=local))
    engine.dispose()


def settled(engine: Engine) -> int:
    """How many deliveries the servers have finished with (read beside them)."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count())
                .select_from(deliveries)
                .where(deliveries.c.status.not_in(("claimed", "posting")))
            ).scalar_one()
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(settings: Settings, sink_port: int, ca: Path) -> subprocess.Popen[bytes]:
    """Start the real server on a free port and wait until it answers."""
    port = free_port()
    arguments = [str(settings.data_dir), str(port), str(sink_port), str(ca), settings.database_url]
    server = subprocess.Popen([sys.executable, str(HERE / "dispatch_server.py"), *arguments])
    deadline = time.time() + 60
    while time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server did not start (its error is above)")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/push/key", timeout=1):
                return server
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not answer within a minute")


def process_figures(pid: int) -> tuple[float, float]:
    """A process's peak resident memory (MB) and the CPU seconds it has used, from /proc.

    VmHWM rather than getrusage's ru_maxrss: a process started with fork and exec inherits
    its parent's ru_maxrss, which would report the benchmark's own size.
    """
    status = Path(f"/proc/{pid}/status").read_text()
    peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return peak / 1024, cpu


def child_processes(pid: int) -> list[int]:
    """The processes ``pid`` started: the encryption worker and multiprocessing's helper."""
    tasks = Path(f"/proc/{pid}/task")
    return [
        int(child) for task in tasks.iterdir() for child in (task / "children").read_text().split()
    ]


def node_rate(job: dict[str, object], ca: Path) -> dict[str, float] | None:
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        return None
    if not (NODE_DIR / "node_modules" / "web-push").exists():
        print("installing web-push from npm into bench/.node/ ...", flush=True)
        subprocess.run(
            ["npm", "install", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund", "web-push"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    job_file = Path(tempfile.mkstemp(suffix=".json")[1])
    job_file.write_text(json.dumps(job))
    result = subprocess.run(
        [node, str(HERE / "webpush_node.js"), str(job_file)],
        check=True,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "NODE_EXTRA_CA_CERTS": str(ca),
            "NODE_PATH": str(NODE_DIR / "node_modules"),
        },
    )
    job_file.unlink()
    return json.loads(result.stdout.strip().splitlines()[-1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def start_sink(
    cert: Path, key: Path, port_file: Path, stats_file: Path
) -> tuple[subprocess.Popen[bytes], int]:
    """Start bench/push_sink.py and wait until it listens; returns it and its port."""
    port_file.write_text("")
    sink = subprocess.Popen(
        [sys.executable, str(HERE / "push_sink.py"), *map(str, (cert, key, port_file, stats_file))]
    )
    while not port_file.read_text():
        time.sleep(0.05)
    return sink, int(port_file.read_text())


def measure(count: int, with_node: bool, processes: int, database: str) -> None:
    if database == "postgresql":
        with postgres_schema() as url:
            run(count, with_node, processes, replace(bench_settings(), database_url=url))
    else:
        run(count, with_node, processes, bench_settings())


def run(count: int, with_node: bool, processes: int, settings: Settings) -> None:
    work = Path(tempfile.mkdtemp())
    cert, key, ca = _make_certificates(work, PUSH_HOSTS)
    port_file, stats_file = work / "port", work / "arrivals.json"
    sink, port = start_sink(cert, key, port_file, stats_file)

    where = "PostgreSQL" if settings.database_url else "SQLite"
    print(f"\nN = {count:,} on {where}: setting up ...", flush=True)
    subscriptions = fill(settings, count)
    watch = make_engine(settings.database)
    # Every process of a server runs the dispatch job; the database splits the work.
    servers = [start_server(settings, port, ca) for _ in range(processes)]
    due = (int(time.time()) + LEAD) // 60 * 60 + 60  # the next whole minute with time to spare
    make_due(settings, due)
    time.sleep(max(0.0, due - 1 - time.time()))
    cpu_before = [process_figures(server.pid)[1] for server in servers]
    deadline = due + 600
    while settled(watch) < count and time.time() < deadline:
        time.sleep(0.25)
    watch.dispose()
    figures = []
    for server, before in zip(servers, cpu_before, strict=True):
        own = process_figures(server.pid)
        children = [process_figures(pid) for pid in child_processes(server.pid)]
        figures.append((own[0], [peak for peak, _ in children], own[1] - before, children))
    for server in servers:
        server.send_signal(signal.SIGINT)  # as Ctrl-C or systemd would stop it
        server.wait(timeout=60)
    sink.send_signal(signal.SIGTERM)
    sink.wait(timeout=30)
    stats = json.loads(stats_file.read_text())
    arrivals = stats["arrivals"]
    lateness = [arrival - due for arrival in arrivals]
    # The rate as the push service saw it: first arrival to last.
    rate = len(arrivals) / max(1e-9, max(arrivals) - min(arrivals))
    print(
        f"  ours ({processes} server process{'es' if processes > 1 else ''}): "
        f"{len(arrivals):,} of {count:,} arrived, the last {max(lateness):.1f} s after their "
        f"minute; {rate:,.0f} messages/s"
    )
    print(
        f"  lateness after the due minute: p50 {statistics.median(lateness):.1f} s, "
        f"p99 {percentile(lateness, 0.99):.1f} s"
    )
    for number, (peak, helpers, cpu, children) in enumerate(figures, 1):
        total = peak + sum(helpers)
        per_message = 1e6 / max(1, len(arrivals))
        helper_cpu = sum(seconds for _, seconds in children)
        print(
            f"  server process {number}: peak memory {peak:.0f} MB, its helper processes "
            f"{' + '.join(f'{mb:.0f}' for mb in helpers) or 'none'} MB: at most {total:.0f} MB "
            f"together. CPU per message: {cpu * per_message:.0f} µs in the server, "
            f"{helper_cpu * per_message:.0f} µs in its helpers"
        )
    sink_cpu = stats["cpu"] * 1e6 / len(arrivals)
    print(f"  the push sink (on the same cores): {sink_cpu:.0f} µs per message")

    if with_node:
        sink, node_port = start_sink(cert, key, port_file, stats_file)
        from server.push import VapidKeys

        vapid = VapidKeys.load_or_create(settings.data_dir)
        # The same key the server signs with, in the raw form web-push wants.
        pem = (settings.data_dir / "vapid_private.pem").read_bytes()
        loaded = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(loaded, ec.EllipticCurvePrivateKey)
        private = loaded.private_numbers().private_value.to_bytes(32, "big")
        job = {
            "subscriptions": subscriptions,
            "publicKey": vapid.public_key,
            "privateKey": b64(private),
            "subject": settings.vapid_subject,
            "ttl": settings.push_ttl,
            "port": node_port,
            "concurrency": CONCURRENCY,
            "payload": {
                "title": "Houvast",
                "body": "A moment for “Here and now”.",
                "url": "/en/exercises/grounding",
            },
        }
        node = node_rate(job, ca)
        sink.send_signal(signal.SIGTERM)
        sink.wait(timeout=30)
        if node:
            node_per_second = node["sent"] / node["seconds"]
            print(
                f"  npm web-push: {node['sent']:,} sent, {node['seconds']:.1f} s, "
                f"{node_per_second:,.0f} messages/s; ours is {rate / node_per_second:.1f}x"
            )
    shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+")
    parser.add_argument("--no-node", action="store_true", help="skip the npm comparison")
    parser.add_argument("--processes", type=int, help="server processes sharing the work")
    parser.add_argument("--database", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    if args.counts is None and args.processes is None and args.database is None:
        for count in (10_000, 100_000):
            measure(count, not args.no_node, 1, "sqlite")
        measure(100_000, False, 2, "postgresql")
        return
    for count in args.counts or [10_000, 100_000]:
        measure(count, not args.no_node, args.processes or 1, args.database or "sqlite")


if __name__ == "__main__":
    main()
