"""Therapists' accounts: made by an operator (``houvast therapist add``), a password set through
a one-time link, an optional authenticator for two-step sign-in, and removal with everything
the account owns."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update

from ..i18n import DEFAULT_LOCALE, LOCALES
from ..rules import text_problem
from .audit import Actor, record
from .passwords import hash_password
from .tables import (
    password_links,
    progress_links,
    progress_runs,
    sessions,
    sets,
    shares,
    therapists,
)
from .tokens import new_token, token_hash

# How long the operator's link to set a password works.
LINK_SECONDS = 24 * 3600
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


class AccountError(ValueError):
    """An operator's command cannot be carried out; the message says why."""


def normalise_email(email: str) -> str | None:
    """An email address as accounts are kept (trimmed, lower case), or None when it is not one."""
    email = email.strip().lower()
    if len(email) > 254 or text_problem(email) or not _EMAIL.match(email):
        return None
    return email


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    password_hash: str | None
    totp_secret: str | None
    totp_pending: str | None
    # The language its password links open in (the operator's choice at ``add``).
    locale: str

    @property
    def has_totp(self) -> bool:
        return self.totp_secret is not None


@dataclass(frozen=True)
class Holdings:
    """What removing an account deletes, for the operator's confirmation."""

    sets: int
    shares: int
    runs: int


def _account(row: Any) -> Account:
    return Account(
        row.id, row.email, row.password_hash, row.totp_secret, row.totp_pending, row.locale
    )


@dataclass(frozen=True)
class Listed:
    """One account as ``houvast therapist list`` shows it: nothing secret."""

    email: str
    locale: str
    has_totp: bool
    created_at: int
    signed_in_at: int | None


class Accounts:
    """The accounts table and the one-time password links."""

    def __init__(self, engine: Engine, clock: Callable[[], float]) -> None:
        self.engine = engine
        self.clock = clock

    def _now(self) -> int:
        return int(self.clock())

    def by_email(self, email: str) -> Account | None:
        address = normalise_email(email)
        if address is None:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(
                select(therapists).where(therapists.c.email == address)
            ).first()
        return _account(row) if row else None

    def by_id(self, account_id: int) -> Account | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(therapists).where(therapists.c.id == account_id)
            ).first()
        return _account(row) if row else None

    def add(self, email: str, locale: str = DEFAULT_LOCALE) -> str:
        """Make an account without a password, its links in ``locale``; returns the token of
        its one-time link."""
        address = normalise_email(email)
        if address is None:
            raise AccountError(f"{email!r} is not an email address")
        if locale not in LOCALES:
            raise AccountError(f"no language {locale!r}; one of {', '.join(LOCALES)}")
        with self.engine.begin() as connection:
            exists = connection.execute(
                select(therapists.c.id).where(therapists.c.email == address)
            ).first()
            if exists:
                raise AccountError(
                    f"{address} already has an account; `houvast therapist reset` makes a new link"
                )
            made = connection.execute(
                insert(therapists).values(
                    email=address, locale=locale, totp_last_step=0, created_at=self._now()
                )
            ).inserted_primary_key
            assert made is not None
            account_id = int(made[0])
            record(connection, _operator(account_id, address), "account.added", self._now())
            return self._new_link(connection, account_id)

    def reset(self, email: str, *, totp: bool = False) -> tuple[Account, str]:
        """A new one-time link; the old password stops working and every session ends.
        ``totp`` also turns two-step sign-in off (a lost phone). Returns the account (as it
        was) and the link's token."""
        account = self.by_email(email)
        if account is None:
            raise AccountError(f"no account for {email!r}")
        values: dict[str, Any] = {"password_hash": None}
        if totp:
            values.update(totp_secret=None, totp_pending=None)
        with self.engine.begin() as connection:
            connection.execute(
                update(therapists).where(therapists.c.id == account.id).values(**values)
            )
            connection.execute(delete(sessions).where(sessions.c.therapist_id == account.id))
            event = "account.reset_totp" if totp else "account.reset"
            record(connection, _operator(account.id, account.email), event, self._now())
            return account, self._new_link(connection, account.id)

    def listing(self) -> list[Listed]:
        """Every account, by email address, for the operator."""
        query = select(
            therapists.c.email,
            therapists.c.locale,
            therapists.c.totp_secret.is_not(None).label("has_totp"),
            therapists.c.created_at,
            therapists.c.signed_in_at,
        ).order_by(therapists.c.email)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            Listed(row.email, row.locale, bool(row.has_totp), row.created_at, row.signed_in_at)
            for row in rows
        ]

    def _new_link(self, connection: Any, account_id: int) -> str:
        # One link at a time: a new one replaces any earlier one.
        connection.execute(
            delete(password_links).where(password_links.c.therapist_id == account_id)
        )
        token = new_token()
        connection.execute(
            insert(password_links).values(
                token_hash=token_hash(token),
                therapist_id=account_id,
                expires_at=self._now() + LINK_SECONDS,
            )
        )
        return token

    def holdings(self, account_id: int) -> Holdings:
        with self.engine.connect() as connection:
            owned = select(sets.c.id).where(sets.c.therapist_id == account_id)
            shared = select(shares.c.id).where(shares.c.set_id.in_(owned))
            linked = select(progress_links.c.id).where(progress_links.c.share_id.in_(shared))

            def count(table: Any, where: Any) -> int:
                query = select(func.count()).select_from(table).where(where)
                return int(connection.execute(query).scalar() or 0)

            return Holdings(
                count(sets, sets.c.therapist_id == account_id),
                count(shares, shares.c.set_id.in_(owned)),
                count(progress_runs, progress_runs.c.link_id.in_(linked)),
            )

    def remove(self, account_id: int) -> None:
        """Delete the account and, through the foreign keys, everything it owns."""
        with self.engine.begin() as connection:
            email = connection.execute(
                delete(therapists)
                .where(therapists.c.id == account_id)
                .returning(therapists.c.email)
            ).scalar()
            if email is not None:
                record(connection, _operator(account_id, email), "account.removed", self._now())

    def link_account(self, token: str) -> Account | None:
        """The account a one-time link is for, while the link works."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(therapists)
                .join(password_links, password_links.c.therapist_id == therapists.c.id)
                .where(
                    password_links.c.token_hash == token_hash(token),
                    password_links.c.expires_at > self._now(),
                )
            ).first()
        return _account(row) if row else None

    def set_password(self, token: str, password: str, address: str) -> Account | None:
        """Use a one-time link (from ``address``): the password is set, the link is gone,
        earlier sessions end. None when the link does not work (used, expired or never
        made)."""
        account = self.link_account(token)
        if account is None:
            return None
        hashed = hash_password(password)
        with self.engine.begin() as connection:
            used = connection.execute(
                delete(password_links).where(
                    password_links.c.token_hash == token_hash(token),
                    password_links.c.expires_at > self._now(),
                )
            ).rowcount
            if used != 1:  # another request used it first
                return None
            connection.execute(
                update(therapists).where(therapists.c.id == account.id).values(password_hash=hashed)
            )
            connection.execute(delete(sessions).where(sessions.c.therapist_id == account.id))
            actor = Actor(account.id, account.email, address)
            record(connection, actor, "password.set", self._now())
        return account

    def store_hash(self, account_id: int, hashed: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(therapists).where(therapists.c.id == account_id).values(password_hash=hashed)
            )

    def start_totp(self, account_id: int, secret: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(therapists).where(therapists.c.id == account_id).values(totp_pending=secret)
            )

    def confirm_totp(self, actor: Actor, step: int) -> None:
        """The pending secret becomes the account's (a code for it was just accepted)."""
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(therapists)
                .where(therapists.c.id == actor.account_id, therapists.c.totp_pending.is_not(None))
                .values(
                    totp_secret=therapists.c.totp_pending, totp_pending=None, totp_last_step=step
                )
            ).rowcount
            if changed == 1:
                record(connection, actor, "totp.on", self._now())

    def stop_totp(self, actor: Actor) -> None:
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(therapists)
                .where(therapists.c.id == actor.account_id, therapists.c.totp_secret.is_not(None))
                .values(totp_secret=None, totp_pending=None)
            ).rowcount
            if changed == 1:
                record(connection, actor, "totp.off", self._now())

    def use_totp_step(self, account_id: int, step: int) -> bool:
        """Accept a code's time step once: False when it, or a later one, was used before."""
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(therapists)
                .where(therapists.c.id == account_id, therapists.c.totp_last_step < step)
                .values(totp_last_step=step)
            ).rowcount
        return changed == 1

    def prune_links(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                delete(password_links).where(password_links.c.expires_at <= self._now())
            )


def _operator(account_id: int, email: str) -> Actor:
    """The operator, at the server's command line (no address), acting on an account."""
    return Actor(account_id, email, None)
