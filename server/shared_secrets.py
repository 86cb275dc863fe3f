"""Secrets that every instance must share, kept in the database: made once by whichever instance
asks first, then read by all (the VAPID key: a different key per host would break push for the
phones that subscribed through another host)."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine, select

from .db import insert_for, shared_secrets


def shared_secret(engine: Engine, name: str, make: Callable[[], str]) -> str:
    """The secret called ``name``; if there is none yet, ``make()`` one and keep it. When two
    instances start at once both insert, one wins, and both read the winner's."""
    with engine.connect() as connection:
        found = connection.execute(
            select(shared_secrets.c.value).where(shared_secrets.c.name == name)
        ).scalar()
        if found is not None:
            return str(found)
    value = make()
    with engine.begin() as connection:
        connection.execute(
            insert_for(engine)(shared_secrets)
            .values(name=name, value=value, created_at=int(time.time()))
            .on_conflict_do_nothing()
        )
        kept = connection.execute(
            select(shared_secrets.c.value).where(shared_secrets.c.name == name)
        ).scalar_one()
    return str(kept)
