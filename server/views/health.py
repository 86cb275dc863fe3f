"""What a load balancer and an operator ask: is the process alive, is it ready for traffic, and
what has the dispatcher done (counters in Prometheus text format). Nothing personal in any."""

from __future__ import annotations

import anyio
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from ..db import schema_is_current
from ..releases import release_of
from ..reminders.metrics import CONTENT_TYPE
from ..state import app_state

NO_STORE = {"Cache-Control": "no-store"}


async def alive(request: Request) -> Response:
    """The process answers: nothing else is checked (restart it if this fails)."""
    return PlainTextResponse("ok", headers=NO_STORE)


def _schema(engine: Engine) -> str:
    try:
        with engine.connect() as connection:
            return "ok" if schema_is_current(connection) else "behind"
    except Exception:
        return "unreachable"


async def ready(request: Request) -> Response:
    """Whether to send this instance traffic: the database answers and has this release's
    migrations, and the dispatcher's scheduler runs (where this instance dispatches); and which
    release it is."""
    state = app_state(request)
    schema = await anyio.to_thread.run_sync(_schema, state.engine)
    checks = {
        "database": "unreachable" if schema == "unreachable" else "ok",
        "migrations": "ok" if schema == "ok" else schema,
        "scheduler": ("ok" if state.scheduler.running else "stopped")
        if state.dispatching
        else "off",
    }
    healthy = all(value in ("ok", "off") for value in checks.values())
    # Which release answers: during a rolling upgrade, which instances have the new one.
    body = {**checks, "release": release_of(state.assets, state.offline)}
    return JSONResponse(body, status_code=200 if healthy else 503, headers=NO_STORE)


async def metrics(request: Request) -> Response:
    """The dispatcher's counters since this process started."""
    body = app_state(request).metrics.exposition()
    return Response(body, media_type=CONTENT_TYPE, headers=NO_STORE)
