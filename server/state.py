"""What the app's lifespan hands every request, typed.

Starlette's ``request.state`` answers ``Any`` for every name; views read it through
``app_state(request)``, so a misspelt name or a wrong type is a mypy error, not a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, cast

from starlette.requests import Request

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from sqlalchemy import Engine

    from .assets import StaticAssets
    from .exercises import Exercise
    from .i18n import Catalogs
    from .offline import OfflineBundle
    from .push import VapidKeys
    from .rate_limits import ChangeLimits
    from .releases import ReleaseFiles
    from .reminders.devices import DeviceStore
    from .reminders.metrics import DispatchMetrics
    from .settings import Settings
    from .templating import Templates
    from .therapist.service import TherapistSide
    from .urls import Urls


class AppState(Protocol):
    """The parts of ``request.state`` that views read: put there by ``create_app`` (app.py)
    and, except in a static export, by the reminder service (reminders/service.py)."""

    settings: Settings
    catalogs: Catalogs
    exercises: Mapping[str, Exercise]
    assets: StaticAssets
    urls: Urls
    templates: Templates
    offline: OfflineBundle
    manifests: Mapping[str, bytes]
    limits: ChangeLimits
    releases: ReleaseFiles | None  # None in a static export
    vapid: VapidKeys  # reminder service
    devices: DeviceStore  # reminder service
    therapist: TherapistSide  # the therapist side (server/therapist/service.py)
    engine: Engine  # reminder service
    metrics: DispatchMetrics  # reminder service
    scheduler: AsyncIOScheduler  # reminder service
    dispatching: bool  # reminder service: whether this instance runs the dispatcher


def app_state(request: Request) -> AppState:
    """``request.state`` as what the lifespan put there."""
    return cast("AppState", request.state)
