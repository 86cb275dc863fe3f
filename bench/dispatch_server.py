"""The server for bench/dispatch.py: the real app run as ``houvast serve`` runs it (create_app
under uvicorn; the lifespan starts the scheduler, the dispatcher and its encryption worker),
with the push hosts pointed at the benchmark's sink.

    python bench/dispatch_server.py DATA_DIR PORT SINK_PORT CA_FILE [DATABASE_URL]

The imports live in ``main``, as the houvast command keeps them out of its module: a worker
process imports the main module again when it starts, and should pay only for what it uses.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(data_dir: str, port: str, sink_port: str, ca: str, database_url: str = "") -> None:
    import ssl

    import uvicorn

    from server.app import create_app
    from server.cli import log_config, settle_garbage_collector
    from server.settings import Settings
    from tests.fake_push_service import LOOPBACK, PUSH_HOSTS, FakeResolver

    settings = Settings.from_env({}, data_dir=Path(data_dir), database_url=database_url)
    edge = {
        "resolver": FakeResolver(int(sink_port), PUSH_HOSTS),
        "ssl": ssl.create_default_context(cafile=ca),
        "allowed_networks": LOOPBACK,
    }
    app = create_app(settings, push_edge=edge)
    settle_garbage_collector()
    # As `houvast serve` logs, less uvicorn's start-up lines: the dispatch's summary shows.
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(port),
        log_level="warning",
        log_config=log_config(),
        server_header=False,
    )


if __name__ == "__main__":
    main(*sys.argv[1:6])
