"""The real server, run as ``houvast serve`` runs it, with a fault point: for tests/test_crash.py.

    FAULT=claiming|encrypting|recording FAULT_AFTER=N FAULT_FILE=path \\
        FAULT_PUSH_PORT=port FAULT_PUSH_CA=file python -m tests.fault_server

The settings come from the environment as for ``houvast serve``. At the chosen point (the Nth
claim, the Nth chunk an encryption worker takes, the Nth recording of outcomes) the server
writes FAULT_FILE and stops right there, holding what it was doing, until the test kills it
with SIGKILL. Without FAULT it simply runs. Small batches and chunks make a few hundred
reminders pass through every stage many times.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

BATCH = 50
CHUNK = 10


def _stop_here(point: str) -> None:
    """Say where the server stopped, then wait to be killed."""
    Path(os.environ["FAULT_FILE"]).write_text(point)
    while True:
        time.sleep(60)


class _Counter:
    def __init__(self, point: str) -> None:
        self.point = point
        self.after = int(os.environ.get("FAULT_AFTER", "1"))
        self.calls = 0

    def tick(self) -> None:
        if os.environ.get("FAULT") != self.point:
            return
        self.calls += 1
        if self.calls == self.after:
            _stop_here(self.point)


_ENCRYPTING = _Counter("encrypting")


def encrypt_then_stop(jobs: Any) -> Any:
    """What the encryption worker runs instead of ``encrypt_batch`` (importable by name, so the
    worker process finds it)."""
    from server.push import encryption

    _ENCRYPTING.tick()
    # In the worker process the module is as shipped; in the server it is hooked.
    original = getattr(encryption, "_encrypt_batch_unhooked", encryption.encrypt_batch)
    return original(jobs)


def install_faults() -> None:
    from server.push import _batch, encryption
    from server.reminders import claims

    claims.BATCH = BATCH
    _batch.CHUNK = _batch.GATE_GROUP = _batch.GATE_AHEAD = CHUNK
    encryption._encrypt_batch_unhooked = encryption.encrypt_batch  # type: ignore[attr-defined]
    encryption.encrypt_batch = encrypt_then_stop  # type: ignore[assignment]

    claiming, recording = _Counter("claiming"), _Counter("recording")
    insert, record = claims.Claims._insert_deliveries, claims.Claims.record

    def insert_then_stop(self: claims.Claims, *args: Any) -> Any:
        found = insert(self, *args)
        claiming.tick()  # inside the claim's transaction, before it commits
        return found

    def stop_then_record(self: claims.Claims, *args: Any) -> Any:
        recording.tick()  # the outcomes are known, not yet written
        return record(self, *args)

    claims.Claims._insert_deliveries = insert_then_stop  # type: ignore[method-assign]
    claims.Claims.record = stop_then_record  # type: ignore[method-assign]


def main() -> None:
    import ssl

    import uvicorn

    from server.app import create_app
    from server.cli import log_config, settle_garbage_collector
    from server.settings import Settings
    from tests.fake_push_service import LOOPBACK, FakeResolver

    install_faults()
    edge = {
        "resolver": FakeResolver(int(os.environ["FAULT_PUSH_PORT"])),
        "ssl": ssl.create_default_context(cafile=os.environ["FAULT_PUSH_CA"]),
        "allowed_networks": LOOPBACK,
    }
    app = create_app(Settings.from_env(), push_edge=edge)
    settle_garbage_collector()
    uvicorn.run(app, host="127.0.0.1", port=0, log_config=log_config(), log_level="warning")


if __name__ == "__main__":
    main()
