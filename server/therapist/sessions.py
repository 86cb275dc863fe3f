"""Signed-in sessions, kept in the database: the cookie holds a random id, the database only
its hash, so every instance shares the sessions and there is no signing key to keep.

A session ends after HOUVAST_SESSION_IDLE_MINUTES without a request, after MAX_SECONDS in
any case, at sign-out, and when the password is reset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, or_, select, update

from .accounts import Account, Accounts
from .audit import Actor, record
from .tables import sessions, therapists
from .tokens import new_token, token_hash

COOKIE = "houvast_session"
# A working day at most, however active.
MAX_SECONDS = 12 * 3600
# seen_at is written at most once a minute, not on every request.
TOUCH_SECONDS = 60


@dataclass(frozen=True)
class Session:
    id_hash: str
    account: Account
    # False between the password and the authenticator code.
    verified: bool
    csrf: str


@dataclass(frozen=True)
class Expired:
    """A session that ended by itself (idle or too old): the person is told so, and a form
    it sent (its CSRF token proves it) can be kept for the account until they sign in."""

    account_id: int
    verified: bool
    csrf: str
    # Ended for want of requests, not for being older than MAX_SECONDS.
    idle: bool


class Sessions:
    def __init__(
        self, engine: Engine, accounts: Accounts, clock: Callable[[], float], idle_seconds: int
    ) -> None:
        self.engine = engine
        self.accounts = accounts
        self.clock = clock
        self.idle_seconds = idle_seconds

    def _now(self) -> int:
        return int(self.clock())

    def create(self, actor: Actor, *, verified: bool) -> str:
        """A new session for the actor's account; returns the cookie's value (never stored).
        A verified one is a sign-in, in the audit trail."""
        assert actor.account_id is not None
        account_id = actor.account_id
        cookie = new_token()
        now = self._now()
        with self.engine.begin() as connection:
            connection.execute(
                insert(sessions).values(
                    id_hash=token_hash(cookie),
                    therapist_id=account_id,
                    verified=verified,
                    csrf=new_token(),
                    created_at=now,
                    seen_at=now,
                )
            )
            if verified:  # fully signed in (a session waiting for the code is not yet)
                connection.execute(
                    update(therapists).where(therapists.c.id == account_id).values(signed_in_at=now)
                )
                record(connection, actor, "sign_in", now)
            # Ended sessions of anyone are cleared now and then, here, where one starts.
            connection.execute(
                delete(sessions).where(
                    or_(
                        sessions.c.seen_at < now - self.idle_seconds,
                        sessions.c.created_at < now - MAX_SECONDS,
                    )
                )
            )
        return cookie

    def load(self, cookie: str | None) -> Session | Expired | None:
        """The live session for a cookie; Expired when it ended by itself (ended now); None
        when there is none (no cookie, signed out, or made up)."""
        if not cookie:
            return None
        id_hash = token_hash(cookie)
        now = self._now()
        with self.engine.connect() as connection:
            row = connection.execute(select(sessions).where(sessions.c.id_hash == id_hash)).first()
        if row is None:
            return None
        too_old = now - row.created_at > MAX_SECONDS
        if now - row.seen_at > self.idle_seconds or too_old:
            self.end(cookie)
            return Expired(row.therapist_id, bool(row.verified), row.csrf, idle=not too_old)
        account = self.accounts.by_id(row.therapist_id)
        if account is None:
            return None
        if now - row.seen_at >= TOUCH_SECONDS:
            with self.engine.begin() as connection:
                connection.execute(
                    update(sessions).where(sessions.c.id_hash == id_hash).values(seen_at=now)
                )
        return Session(id_hash, account, bool(row.verified), row.csrf)

    def end(self, cookie: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(sessions).where(sessions.c.id_hash == token_hash(cookie)))
