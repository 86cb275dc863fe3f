"""The audit trail (NEN 7513): who did what on the therapist side, when, and from where.

An entry names the event, the account (its id and email address as they were), the address
the request came from (as rate limits see it; none for the operator's commands) and, where
the event is about one, the set's and the link's public ids. Never a client's content: no
title, no note, no token, no code.

``record`` writes an entry on the connection of the action it records, so both commit or
neither does. The app only ever adds rows: ``Trail.purge``, run by the scheduler, deletes
those older than HOUVAST_AUDIT_DAYS, and nothing else changes or deletes one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, func, insert, or_, select

from ..i18n import N_
from .tables import audit_events

# Each event, with what the therapist's page calls it.
EVENTS: dict[str, str] = {
    "sign_in": N_("Signed in"),
    "sign_in.wrong_password": N_("Sign-in failed: wrong email address or password"),
    "sign_in.wrong_code": N_("Sign-in failed: wrong code"),
    "sign_in.used_code": N_("Sign-in refused: a code that was used already"),
    "password.set": N_("Password set"),
    "totp.on": N_("Two-step sign-in turned on"),
    "totp.off": N_("Two-step sign-in turned off"),
    "totp.off_refused": N_("Turning off two-step sign-in failed: wrong password or code"),
    "set.made": N_("Set made"),
    "set.edited": N_("Set changed"),
    "set.deleted": N_("Set deleted"),
    "set.archived": N_("Set archived"),
    "set.restored": N_("Set taken out of the archive"),
    "share.made": N_("Link made"),
    "share.shown": N_("Link shown"),
    "share.replaced": N_("Link replaced"),
    "share.revoked": N_("Link stopped"),
    "progress.viewed": N_("Shared progress viewed"),
    "account.added": N_("Account made by the operator"),
    "account.reset": N_("Password reset by the operator"),
    "account.reset_totp": N_("Password and two-step sign-in reset by the operator"),
    "account.removed": N_("Account removed by the operator"),
    "database.restored": N_("Database restored from a backup by the operator"),
}


@dataclass(frozen=True)
class Actor:
    """Who does something: the account (when known) and the address the request came from
    (None for the operator's commands on the server)."""

    account_id: int | None
    email: str | None
    address: str | None


def record(
    connection: Connection,
    actor: Actor,
    event: str,
    at: float,
    *,
    set_id: str | None = None,
    share_id: str | None = None,
) -> None:
    """Add one entry, in ``connection``'s transaction: it commits with the action or not at
    all. ``set_id`` and ``share_id`` are public ids, never titles or secrets."""
    if event not in EVENTS:
        raise ValueError(f"no such audit event: {event!r}")
    connection.execute(
        insert(audit_events).values(
            at=int(at),
            event=event,
            therapist_id=actor.account_id,
            email=actor.email,
            address=actor.address[:64] if actor.address else None,
            set_id=set_id,
            share_id=share_id,
        )
    )


@dataclass(frozen=True)
class Entry:
    id: int
    at: int
    event: str
    email: str | None
    address: str | None
    set_id: str | None
    share_id: str | None


def _entry(row: Any) -> Entry:
    return Entry(row.id, row.at, row.event, row.email, row.address, row.set_id, row.share_id)


class Trail:
    """Reading the trail, entries that are an action of their own, and the retention purge."""

    def __init__(self, engine: Engine, clock: Callable[[], float], days: int) -> None:
        self.engine = engine
        self.clock = clock
        self.days = days

    def add(self, actor: Actor, event: str, **ids: str | None) -> None:
        """An entry that is all its transaction holds: a failed sign-in, a page viewed."""
        with self.engine.begin() as connection:
            record(connection, actor, event, self.clock(), **ids)

    def query(
        self,
        *,
        email: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[Entry]:
        """Entries oldest first, for the operator: of one account's address, from the start
        of ``since`` to the end of ``until`` (UTC days), both included."""
        where = []
        if email is not None:
            where.append(audit_events.c.email == email.strip().lower())
        if since is not None:
            where.append(audit_events.c.at >= _epoch(since))
        if until is not None:
            where.append(audit_events.c.at < _epoch(until) + 24 * 3600)
        query = select(audit_events).where(*where).order_by(audit_events.c.at, audit_events.c.id)
        with self.engine.connect() as connection:
            return [_entry(row) for row in connection.execute(query)]

    def of_account(self, account_id: int, limit: int, before: int | None = None) -> list[Entry]:
        """An account's own entries, newest first, ``limit`` of them, older than entry
        ``before`` when given.

        Only from the operator's making of this account on: an id a removed account had may
        be given again (SQLite does), and its trail is not the new account's.
        """
        made = (
            select(func.max(audit_events.c.id))
            .where(
                audit_events.c.therapist_id == account_id,
                audit_events.c.event == "account.added",
            )
            .scalar_subquery()
        )
        where = [
            audit_events.c.therapist_id == account_id,
            or_(made.is_(None), audit_events.c.id >= made),
        ]
        if before is not None:
            where.append(audit_events.c.id < before)
        query = (
            select(audit_events).where(and_(*where)).order_by(audit_events.c.id.desc()).limit(limit)
        )
        with self.engine.connect() as connection:
            return [_entry(row) for row in connection.execute(query)]

    def purge(self) -> int:
        """Delete entries older than the retention period; returns how many (the scheduler's
        job, and once at start-up)."""
        oldest = int(self.clock()) - self.days * 24 * 3600
        with self.engine.begin() as connection:
            return connection.execute(
                delete(audit_events).where(audit_events.c.at < oldest)
            ).rowcount


def _epoch(day: date) -> int:
    return (day - date(1970, 1, 1)).days * 24 * 3600
