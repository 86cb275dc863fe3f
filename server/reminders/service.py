"""The reminder service's long-lived parts, opened in the app's lifespan: the database, the
VAPID keys, the push sender's HTTP pool, and the scheduler that runs the dispatcher."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import anyio
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from ..db import open_database
from ..exercises import Exercise
from ..i18n import Catalogs
from ..push import PushSender, VapidKeys
from ..settings import Settings
from ..urls import Urls
from .devices import DeviceStore
from .dispatcher import Dispatcher
from .messages import reminder_messages


@asynccontextmanager
async def reminder_service(
    settings: Settings,
    catalogs: Catalogs,
    exercises: Mapping[str, Exercise],
    urls: Urls,
    *,
    dispatch: bool = True,
    push_edge: Mapping[str, Any] | None = None,
) -> AsyncIterator[dict[str, Any]]:
    """Open everything reminders need; yields what requests reach through ``request.state``.

    ``dispatch`` False leaves the scheduler off (tests of the API); ``push_edge`` passes a
    resolver and TLS context to the sender, so tests reach a fake push service.
    """
    engine = await anyio.to_thread.run_sync(open_database, settings)
    vapid = await anyio.to_thread.run_sync(VapidKeys.load_or_create, settings.data_dir)
    # A dispatcher must not wait long on one busy push service: later batches would turn late.
    # Encryption runs in a worker process so the event loop only does the HTTP.
    sender = PushSender(
        vapid,
        settings.vapid_subject,
        settings.push_ttl,
        max_retry_after=60,
        encrypt_workers=1 if dispatch else 0,
        **(push_edge or {}),
    )
    await sender.start()
    dispatcher = Dispatcher(engine, sender, reminder_messages(catalogs, exercises, urls))
    scheduler = AsyncIOScheduler(timezone="UTC")
    if dispatch:
        # One job per process; the database makes sure each occurrence is sent once. Runs
        # fall on whole minutes (the interval divides a minute or is whole minutes), when
        # reminders fall due, so they go out at once rather than up to an interval later.
        interval = settings.dispatch_interval
        first = (int(time.time()) // interval + 1) * interval
        scheduler.add_job(
            dispatcher.run,
            IntervalTrigger(
                seconds=interval, start_date=datetime.fromtimestamp(first, UTC), timezone=UTC
            ),
            id="dispatch",
            max_instances=1,
            coalesce=True,
            # A busy event loop may start a run a little late; it should still run.
            misfire_grace_time=interval,
        )
        scheduler.add_job(dispatcher.prune, "interval", hours=6, id="prune")
        scheduler.start()
    try:
        yield {"vapid": vapid, "devices": DeviceStore(engine), "scheduler": scheduler}
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        # A run under way gives back what it has not sent before its connections close.
        await dispatcher.stop()
        await sender.close()
        engine.dispose()
