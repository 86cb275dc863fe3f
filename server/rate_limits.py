"""How often one address, and everyone together, may register or change a device.

Each registration is a promise to post to push services later; without a limit anyone could
make the server post at will. The counts live in this process (several instances each count
their own: the total is per instance).
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class ChangeLimits:
    """A moving window per client address and one for all addresses together."""

    def __init__(self, per_address: str, total: str) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.per_address: RateLimitItem = parse(per_address)
        self.total: RateLimitItem = parse(total)

    def hit(self, address: str) -> int | None:
        """Count one change from ``address``; ``None`` if allowed, else the seconds to wait
        (nothing is counted then)."""
        checks = ((self.per_address, ("address", address)), (self.total, ("all",)))
        for item, keys in checks:
            if not self.limiter.test(item, *keys):
                reset = self.limiter.get_window_stats(item, *keys).reset_time
                return max(1, math.ceil(reset - time.time()))
        for item, keys in checks:
            self.limiter.hit(item, *keys)
        return None
