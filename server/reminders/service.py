"""The reminder service's long-lived parts, opened in the app's lifespan: the database, the
VAPID keys, the push sender's HTTP pool, and the scheduler that runs the dispatcher."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import anyio
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from ..db import open_database
from ..exercises import Exercise
from ..i18n import Catalogs
from ..push import PAYLOAD_SIZE, PushSender, VapidKeys
from ..push.vapid import KEY_FILE, new_pem
from ..settings import Settings
from ..shared_secrets import shared_secret
from ..urls import Urls
from .devices import DeviceStore
from .dispatcher import Dispatcher
from .messages import reminder_messages
from .metrics import DispatchMetrics

log = logging.getLogger("houvast.reminders")

VAPID_SECRET = "vapid_private_key"


def load_vapid(settings: Settings, engine: Engine) -> VapidKeys:
    """The VAPID key every instance shares: from HOUVAST_VAPID_KEY_FILE, else the database's
    (made by the first instance; a key file left in the data folder by an earlier release
    becomes the database's key, so phones that subscribed with it keep working)."""
    if settings.vapid_key_file is not None:
        return VapidKeys.load_file(settings.vapid_key_file)
    legacy = settings.data_dir / KEY_FILE

    made: list[str] = []

    def make() -> str:
        made.append(legacy.read_text() if legacy.exists() else new_pem().decode())
        return made[0]

    pem = shared_secret(engine, VAPID_SECRET, make)
    # Said only by the instance whose key was kept: two that start at once may both make one.
    if made and pem == made[0]:
        if legacy.exists():
            log.info("the VAPID key in %s is kept in the database from now on", legacy)
        else:
            log.info("made a new VAPID key, kept in the database for every instance")
    return VapidKeys.from_pem(pem.encode(), "the database's VAPID key")


def warn_about_settings(settings: Settings) -> None:
    """Say loudly what an operator must fix before phones rely on this server."""
    if settings.public_url and settings.vapid_placeholder:
        log.warning(
            "HOUVAST_VAPID_SUBJECT is still the placeholder %s: push services may refuse every "
            "reminder (Apple's is reported to answer 403 BadJwtToken). Set it to a real "
            "mailto: or https: address where the push services can reach you.",
            settings.vapid_subject,
        )


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
    resolver, TLS context and allowed networks to the sender, so tests reach a fake push
    service.
    """
    warn_about_settings(settings)
    engine = await anyio.to_thread.run_sync(open_database, settings)
    vapid = await anyio.to_thread.run_sync(load_vapid, settings, engine)
    messages = reminder_messages(catalogs, exercises, urls, PAYLOAD_SIZE)
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
    metrics = DispatchMetrics()
    dispatcher = Dispatcher(engine, sender, messages, lease=settings.claim_lease, metrics=metrics)
    scheduler = AsyncIOScheduler(timezone="UTC")
    if dispatch:
        # One job per process; the database makes sure each occurrence is sent once. Runs
        # fall on whole minutes (the interval divides a minute or is whole minutes), when
        # reminders fall due, so they go out at once rather than up to an interval later.
        interval = settings.dispatch_interval
        first = (int(time.time()) // interval + 1) * interval
        scheduler.add_job(
            dispatcher.scheduled_run,
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
        yield {
            "vapid": vapid,
            "devices": DeviceStore(engine),
            "scheduler": scheduler,
            "engine": engine,
            "metrics": metrics,
            "dispatching": dispatch,
        }
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        # A run under way gives back what it has not sent before its connections close.
        await dispatcher.stop()
        await sender.close()
        engine.dispose()
