"""Finishing clean-up work even when the task doing it is cancelled again meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def uninterrupted(awaitable: Awaitable[T]) -> T:
    """Await ``awaitable`` to its end, even if the caller is cancelled meanwhile.

    For winding down: recording what was sent and giving back what was not must not be cut
    short by a second cancel (a server stopped twice, say). A cancel that arrives meanwhile is
    raised once the work is done; an error of the work is then dropped, since the caller is
    stopping anyway.
    """
    work = asyncio.ensure_future(awaitable)
    cancelled = False
    while not work.done():
        try:
            # Unlike a plain await, wait() leaves the work running when this task is cancelled.
            await asyncio.wait([work])
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        if not work.cancelled():
            work.exception()  # looked at, so asyncio does not report it as never retrieved
        raise asyncio.CancelledError
    return work.result()
