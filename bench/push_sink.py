"""A minimal push-service sink for the dispatch benchmark, run in its own process.

It speaks just enough HTTP/1.1 over TLS to take a push message: reads the headers and the
body, answers 201, and notes when each message arrived. It checks nothing (the tests' fake
push service does that); it exists so the benchmark measures the sender, not a slow server.

    python bench/push_sink.py CERT KEY PORT_FILE STATS_FILE

Writes its port to PORT_FILE once it listens; on SIGTERM writes the arrival times (seconds
since the epoch) and the CPU seconds it used to STATS_FILE as JSON, and exits. It runs on
uvloop, as the server does: on this 2-core machine it shares the cores with the sender it
measures, and a push service's own work is not the sender's cost.
"""

from __future__ import annotations

import asyncio
import json
import signal
import ssl
import sys
import time
from pathlib import Path

import uvloop

RESPONSE = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\nLocation: /m\r\n\r\n"


class Sink:
    def __init__(self) -> None:
        self.arrivals: list[float] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                self.arrivals.append(time.time())
                writer.write(RESPONSE)
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()


async def main(cert: str, key: str, port_file: str, stats_file: str) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    sink = Sink()
    server = await asyncio.start_server(sink.handle, "127.0.0.1", 0, ssl=context, backlog=4096)
    Path(port_file).write_text(str(server.sockets[0].getsockname()[1]))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    server.close()
    stats = {"arrivals": sink.arrivals, "cpu": time.process_time()}
    Path(stats_file).write_text(json.dumps(stats))


if __name__ == "__main__":
    uvloop.run(main(*sys.argv[1:5]))
