"""Dispatching reminders: N reminders due in the same minute, sent to a push service on loopback.

    .venv/bin/python bench/dispatch.py [--counts 10000 100000] [--no-node]

For each N: a fresh SQLite database gets N devices with real P-256 subscription keys and one
reminder each, all due at the same moment. A separate process runs the real dispatcher (the
one the server runs: claims, pywebpush encryption, VAPID, one pooled aiohttp client) as soon
as that moment comes, against a minimal TLS sink in a third process (bench/push_sink.py).
Prints messages per second, p50/p99 lateness (arrival at the push service minus the due
time), the server's peak memory (the dispatching process and the encryption worker it
starts) and CPU time per message, and, where Node is present, the rate of the npm `web-push`
library sending the same N to the same sink, with the ratio between the two.

Targets on a 2-core machine: 100,000 delivered within 30 s of their minute, at least 3 times
the npm library's rate, peak memory under 250 MB. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import bench_settings
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import insert

from server.db import devices, open_database, reminders
from server.settings import Settings
from tests.fake_push_service import PUSH_HOSTS, _make_certificates

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE / ".node"
LEAD = 5.0  # seconds between setting up and the moment everything is due
CONCURRENCY = 64


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def fill(settings: Settings, count: int, due: int) -> list[dict[str, object]]:
    """N devices with one daily reminder each, all due at ``due``; returns subscriptions."""
    engine = open_database(settings)
    subscriptions = []
    device_rows, reminder_rows = [], []
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
                "created_at": due,
                "updated_at": due,
                **keys,
            }
        )
        reminder_rows.append(
            {
                "device_id": f"d{number}",
                "days": 0b1111111,
                "time": time.strftime("%H:%M", time.localtime(due)),
                "target": "exercise:grounding",
                "next_fire_at": due,
            }
        )
    with engine.begin() as connection:
        connection.execute(insert(devices), device_rows)
        connection.execute(insert(reminders), reminder_rows)
    engine.dispose()
    return subscriptions


def process_figures(pid: int | str) -> tuple[float, float]:
    """A process's peak resident memory (MB) and the CPU seconds it has used, from /proc.

    VmHWM, not getrusage's ru_maxrss: a child started with fork+exec inherits its parent's
    ru_maxrss, which would report the benchmark's own size (it holds N subscriptions).
    """
    status = Path(f"/proc/{pid}/status").read_text()
    peak = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return peak / 1024, cpu


def child_processes() -> list[str]:
    """The processes this one started (the encryption worker, multiprocessing's helper)."""
    tasks = Path("/proc/self/task")
    return [pid for task in tasks.iterdir() for pid in (task / "children").read_text().split()]


def dispatch_process(data_dir: str, port: int, ca: str, due: float) -> None:
    """The server's side, in its own process: wait for the moment, then dispatch."""
    import ssl

    from server.exercises import load_exercises
    from server.i18n import Catalogs
    from server.push import PushSender, VapidKeys
    from server.reminders.dispatcher import Dispatcher
    from server.reminders.messages import reminder_messages
    from tests.fake_push_service import FakeResolver

    settings = Settings.from_env({}, data_dir=Path(data_dir))

    async def run() -> dict[str, object]:
        engine = open_database(settings)
        vapid = VapidKeys.load_or_create(settings.data_dir)
        sender = PushSender(
            vapid,
            settings.vapid_subject,
            settings.push_ttl,
            resolver=FakeResolver(port, PUSH_HOSTS),
            ssl=ssl.create_default_context(cafile=ca),
            max_retry_after=60,
            encrypt_workers=1,  # as the server runs it
        )
        messages = reminder_messages(Catalogs.load(), load_exercises(settings.exercises_dir))
        async with sender:
            dispatcher = Dispatcher(engine, sender, messages)
            await asyncio.sleep(max(0.0, due - time.time()))
            started = time.time()
            report = await dispatcher.run()
            finished = time.time()
            # Measured while the worker is still there to ask.
            own = process_figures("self")
            children = [process_figures(pid) for pid in child_processes()]

        return {
            "delivered": report.delivered,
            "failed": report.failed,
            "seconds": finished - started,
            "peak_mb": own[0],
            "children_peak_mb": [peak for peak, _ in children],
            "cpu_seconds": own[1],
            "children_cpu_seconds": sum(cpu for _, cpu in children),
        }

    print(json.dumps(asyncio.run(run())))


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


def measure(count: int, with_node: bool, processes: int) -> None:
    settings = bench_settings()
    work = Path(tempfile.mkdtemp())
    cert, key, ca = _make_certificates(work, PUSH_HOSTS)
    port_file, stats_file = work / "port", work / "arrivals.json"
    sink, port = start_sink(cert, key, port_file, stats_file)

    print(f"\nN = {count:,}: setting up ...", flush=True)
    due = int(time.time() + 60)  # placeholder; fixed below once the rows exist
    subscriptions = fill(settings, count, due)
    due = time.time() + LEAD
    engine = open_database(settings)
    with engine.begin() as connection:
        connection.execute(reminders.update().values(next_fire_at=int(due)))
    engine.dispose()
    due = int(due)

    # Every process of a server runs the dispatch job; the database splits the work.
    command = [sys.executable, __file__, "--worker", str(settings.data_dir), str(port), str(ca)]
    workers = [
        subprocess.Popen([*command, str(due)], stdout=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    outputs = [worker.communicate()[0] for worker in workers]
    if any(worker.returncode for worker in workers):
        raise SystemExit("a dispatcher process failed (its error is above)")
    results = [json.loads(output.strip().splitlines()[-1]) for output in outputs]
    if processes > 1:
        print(f"  delivered per process: {[r['delivered'] for r in results]}")
    result = {
        "delivered": sum(r["delivered"] for r in results),
        "failed": sum(r["failed"] for r in results),
        "seconds": max(r["seconds"] for r in results),
    }
    sink.send_signal(signal.SIGTERM)
    sink.wait(timeout=30)
    arrivals = json.loads(stats_file.read_text())
    lateness = [arrival - due for arrival in arrivals]
    # The rate as the push service saw it: first arrival to last.
    rate = len(arrivals) / max(1e-9, max(arrivals) - min(arrivals))
    print(
        f"  ours ({processes} process{'es' if processes > 1 else ''}): "
        f"{result['delivered']:,} delivered, {result['failed']} failed, "
        f"{result['seconds']:.1f} s, {rate:,.0f} messages/s"
    )
    print(
        f"  lateness after the due time: p50 {statistics.median(lateness):.1f} s, "
        f"p99 {percentile(lateness, 0.99):.1f} s, last {max(lateness):.1f} s"
    )
    for number, figures in enumerate(results, 1):
        helpers = " + ".join(f"{peak:.0f}" for peak in figures["children_peak_mb"])
        total = figures["peak_mb"] + sum(figures["children_peak_mb"])
        per_message = 1e6 / max(1, figures["delivered"])
        print(
            f"  server process {number}: peak memory {figures['peak_mb']:.0f} MB, its worker "
            f"processes {helpers or 'none'} MB, together at most {total:.0f} MB; CPU per "
            f"message {figures['cpu_seconds'] * per_message:.0f} µs + "
            f"{figures['children_cpu_seconds'] * per_message:.0f} µs in the workers"
        )

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
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        dispatch_process(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--no-node", action="store_true", help="skip the npm comparison")
    parser.add_argument(
        "--processes", type=int, default=1, help="server processes dispatching (default 1)"
    )
    args = parser.parse_args()
    for count in args.counts:
        measure(count, not args.no_node, args.processes)


if __name__ == "__main__":
    main()
