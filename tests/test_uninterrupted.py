"""Winding down runs to its end however often the task doing it is cancelled."""

from __future__ import annotations

import asyncio

import pytest

from server.uninterrupted import uninterrupted
from tests.conftest import run_async


def test_the_work_ends_and_the_cancel_comes_after() -> None:
    steps: list[str] = []

    async def wind_down() -> str:
        for step in ("recorded", "released"):
            await asyncio.sleep(0.05)
            steps.append(step)
        return "done"

    async def main() -> None:
        stopping = asyncio.create_task(uninterrupted(wind_down()))
        for _ in range(3):  # stopped, and stopped again
            await asyncio.sleep(0.02)
            stopping.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stopping
        assert steps == ["recorded", "released"]

    run_async(main())


def test_without_a_cancel_it_is_a_plain_await() -> None:
    async def work() -> int:
        await asyncio.sleep(0)
        return 7

    async def failing() -> None:
        raise LookupError("the database")

    async def main() -> None:
        assert await uninterrupted(work()) == 7
        with pytest.raises(LookupError):
            await uninterrupted(failing())

    run_async(main())
