"""What requests reach through ``request.state``, typed.

The app's lifespan (server/app.py) hands its long-lived parts to every request as state;
``app_state`` gives handlers a typed view of them instead of ``Any``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, cast

from starlette.requests import Request

if TYPE_CHECKING:
    from .assets import StaticAssets
    from .exercises import Exercise
    from .i18n import Catalogs
    from .offline import OfflineBundle
    from .settings import Settings
    from .templating import Templates
    from .urls import Urls


class AppState(Protocol):
    """The parts every request may use (the reminder service adds its own)."""

    settings: Settings
    catalogs: Catalogs
    exercises: Mapping[str, Exercise]
    assets: StaticAssets
    urls: Urls
    templates: Templates
    offline: OfflineBundle
    manifests: Mapping[str, bytes]


def app_state(request: Request) -> AppState:
    return cast("AppState", request.state)
