"""The therapist side's long-lived parts, opened in the app's lifespan."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
from sqlalchemy import Engine

from ..assets import StaticAssets
from ..exercises import Exercise
from ..i18n import Catalogs
from ..rate_limits import Throttle
from ..settings import Settings
from ..urls import Urls
from .accounts import Accounts
from .audit import Trail
from .drafts import Drafts
from .overview import Overview
from .progress import Progress
from .sessions import Sessions
from .sets import Sets
from .sharing import Shares
from .templating import TherapistTemplates


@dataclass
class TherapistSide:
    """What the therapist's pages and the sets API reach through ``app_state(request)``.

    ``clock`` gives the time for sessions, links, codes and progress; tests set their own
    (``side.set_clock``) instead of waiting. ``pause`` holds back an answer (a wrong
    password's) without blocking a thread; tests set their own (``side.set_pause``) to see the
    delays asked for without waiting them out.
    """

    engine: Engine
    settings: Settings
    catalogs: Catalogs
    exercises: Mapping[str, Exercise]
    urls: Urls
    templates: TherapistTemplates
    clock: Callable[[], float] = time.time
    throttle: Throttle = field(default_factory=Throttle)
    pause: Callable[[float], Awaitable[None]] = asyncio.sleep

    def __post_init__(self) -> None:
        self.accounts = Accounts(self.engine, self.now)
        self.sessions = Sessions(
            self.engine, self.accounts, self.now, self.settings.session_idle_minutes * 60
        )
        self.sets = Sets(self.engine, self.now)
        self.overview = Overview(self.engine)
        self.drafts = Drafts(self.engine, self.now)
        self.shares = Shares(self.engine, self.now)
        self.progress = Progress(self.engine, self.now, self.settings.progress_days)
        self.audit = Trail(self.engine, self.now, self.settings.audit_days)

    def tidy(self) -> None:
        """Delete what has run out: old shared runs, unused password links, audit entries
        older than kept (at start-up; the scheduler purges the trail from then on)."""
        self.progress.prune()
        self.accounts.prune_links()
        self.audit.purge()

    def now(self) -> float:
        return self.clock()

    def set_clock(self, clock: Callable[[], float]) -> None:
        self.clock = clock

    def set_pause(self, pause: Callable[[float], Awaitable[None]]) -> None:
        self.pause = pause


@asynccontextmanager
async def therapist_side(
    engine: Engine,
    settings: Settings,
    catalogs: Catalogs,
    exercises: Mapping[str, Exercise],
    urls: Urls,
    site_assets: StaticAssets,
) -> AsyncIterator[TherapistSide]:
    templates = TherapistTemplates(catalogs, site_assets, urls, settings)
    side = TherapistSide(engine, settings, catalogs, exercises, urls, templates)
    await anyio.to_thread.run_sync(side.tidy)
    yield side
