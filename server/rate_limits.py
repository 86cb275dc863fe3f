"""Rate limits (the ``limits`` library), for every part of the server: device changes per
address and in total, sign-in attempts per account and address, per account and per address
(with a growing delay on each wrong answer), lookups of shared sets
(by a short code: per address and in total).

Each registration is a promise to post to push services later, and a password or a short code
must not be guessable. The counts live in this process's memory: each instance counts for
itself, so behind a load balancer with N instances an address gets up to N times the allowance
(README, "Therapists").
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

# Failed sign-ins (a wrong password or authenticator code). Counted per account at one
# address, so wrong guesses elsewhere never lock the owner out at their own; per account from
# every address together, high enough that only a guess spread over many addresses meets it;
# and per address, whatever accounts it tries.
SIGN_IN_PER_ACCOUNT_AT_ADDRESS = parse("5/15 minutes")
SIGN_IN_PER_ACCOUNT = parse("100/hour")
SIGN_IN_PER_ADDRESS = parse("20/15 minutes")
# Each wrong answer waits this much longer than the one before it for the same account (in
# the per-account window), up to the cap: a person who mistypes barely notices, a guesser
# slows down.
SIGN_IN_DELAY_STEP = 0.5
SIGN_IN_DELAY_CAP = 4.0
# Opening a shared set by its short code: 40 bits would take centuries at this pace.
CODE_PER_ADDRESS = parse("10/10 minutes")
# The same for every address together, so many addresses guess no faster than a few: a busy
# practice's clients type a handful of codes an hour.
CODE_TOTAL = parse("60/10 minutes")
# Anything else the client app asks with a token or secret (checking for a newer version,
# sending runs): generous for a phone, far too slow to guess 256 bits.
TOKEN_PER_ADDRESS = parse("120/minute")


def sign_in_delay(failures: int) -> float:
    """Seconds to hold back the answer to a wrong sign-in, ``failures`` being the account's
    count in its window including this one: none for the first."""
    return min(SIGN_IN_DELAY_CAP, SIGN_IN_DELAY_STEP * max(0, failures - 1))


@dataclass(frozen=True)
class Limit:
    """One rule applied to one key (an account's address, a client's IP address)."""

    rule: RateLimitItem
    key: str


class Throttle:
    """Counts attempts and says how long to wait once a limit is reached."""

    def __init__(self) -> None:
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def wait(self, *limits: Limit) -> int:
        """Seconds until every limit allows another attempt (0: go ahead)."""
        longest = 0.0
        for limit in limits:
            if not self.limiter.test(limit.rule, limit.key):
                reset = self.limiter.get_window_stats(limit.rule, limit.key).reset_time
                longest = max(longest, reset - time.time())
        return max(1, math.ceil(longest)) if longest > 0 else 0

    def hit(self, *limits: Limit) -> None:
        """Count one attempt against every limit."""
        for limit in limits:
            self.limiter.hit(limit.rule, limit.key)

    def count(self, limit: Limit) -> int:
        """Attempts counted against ``limit`` in its current window."""
        stats = self.limiter.get_window_stats(limit.rule, limit.key)
        return limit.rule.amount - stats.remaining

    def take(self, *limits: Limit) -> int:
        """Count an attempt if every limit allows it; else the seconds to wait."""
        wait = self.wait(*limits)
        if not wait:
            self.hit(*limits)
        return wait

    def reset(self) -> None:
        self.limiter.storage.reset()


class ChangeLimits:
    """Device changes: a moving window per client address and one for everyone together."""

    def __init__(self, per_address: str, total: str) -> None:
        self.throttle = Throttle()
        self.per_address = parse(per_address)
        self.total = parse(total)

    def hit(self, address: str) -> int | None:
        """Count one change from ``address``; ``None`` if allowed, else the seconds to wait
        (nothing is counted then)."""
        wait = self.throttle.take(
            Limit(self.per_address, f"address:{address}"), Limit(self.total, "all")
        )
        return wait or None
