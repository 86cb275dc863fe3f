"""A claimer and nothing else, for tests/test_crash.py: it claims a batch of the reminders due
now on ``DATABASE_URL`` and stops inside the claim's transaction, holding its row locks, until
the test kills it.

    DATABASE_URL=... FAULT_FILE=path python -m tests.fault_claimer

Lighter than a whole server (tests/fault_server.py): no app to build.
"""

from __future__ import annotations

import os
import time
from typing import Any

from tests.fault_server import BATCH, _stop_here


def main() -> None:
    from server.db import make_engine
    from server.reminders import claims

    claims.BATCH = BATCH
    claimer = claims.Claims(make_engine(os.environ["DATABASE_URL"]), 60, time.time)
    insert = claimer._insert_deliveries

    def insert_then_stop(*args: Any) -> Any:
        insert(*args)
        _stop_here("claiming")  # inside the claim's transaction, before it commits

    claimer._insert_deliveries = insert_then_stop  # type: ignore[method-assign]
    claimer.claim(int(time.time()), take_back=True)


if __name__ == "__main__":
    main()
