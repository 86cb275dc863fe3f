"""Handing a set over: a share is a link (a token of 256 bits) and a short code for the same
set, until the therapist revokes or replaces it; an app that opens it by the code gets a token
of its own. Lookups go by hashes of tokens and codes; the link and code themselves are kept
sealed (encrypted under a key of the instance's, server/therapist/sealing.py), so that the
therapist can show a link again while it works, without making another. The link and the
code stop once a phone keeps the set, when revoked or replaced, or with the set; if nobody keeps
it, the code after CODE_DAYS and the link after LINK_DAYS.

A share carries a private label (a file number or initials, never a name: the form says so),
shown only to the set's therapist."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..shared_secrets import shared_secret
from .audit import Actor, record
from .sealing import Sealer
from .sets import StoredSet, stored_set
from .tables import progress_links, sets, share_tokens, shares
from .tokens import code_hash, new_code, new_code_key, new_id, new_token, token_hash

CODE_DAYS = 14
# Days a link opens its set if no phone keeps it first (a link sent but never opened, or left
# in a browser's history, does not work for ever). Once a phone keeps the set, it opens
# nothing more either way; the therapist makes another link for another phone.
LINK_DAYS = 28
# A phone that checks back is counted as seen at most this often (one write an hour, not one
# every time the app starts).
SEEN_EVERY = 3600
# The name of the key codes are kept under, in shared_secrets.
CODE_KEY = "share_code_key"


LABEL_LENGTH = 40


@dataclass(frozen=True)
class Share:
    id: int
    public_id: str
    created_at: int
    code_expires_at: int
    revoked_at: int | None
    # Whether the client chose to share progress under this link.
    progress: bool
    label: str
    # Whether the link can be shown again: it still opens the set, and was made since links
    # are kept sealed.
    showable: bool
    code_works: bool
    opened_at: int | None
    kept_at: int | None
    link_expires_at: int | None
    # How many phones keep the set through this link, and when one last checked back.
    phones: int
    seen_at: int | None
    # "stopped", "kept" (it opens nothing more), "expired" or "works".
    link: str


@dataclass(frozen=True)
class NewShare:
    """A share with its link's token and code, as made or shown again (the code is None once
    it has expired: it opens nothing then)."""

    public_id: str
    token: str
    code: str | None
    code_expires_at: int
    label: str
    link_expires_at: int


@dataclass(frozen=True)
class Opened:
    """What a token or code opens: the share and its set. ``kind``: "link" for the link's own
    token, "app" for one an app follows the set with, "code" for the short code."""

    share_id: int
    revoked: bool
    set: StoredSet
    kind: str
    # The link and code open nothing more: a phone keeps the set, or the link's days are over.
    used: bool
    expired: bool


class Shares:
    def __init__(self, engine: Engine, clock: Callable[[], float]) -> None:
        self.engine = engine
        self.clock = clock

    @functools.cached_property
    def _code_key(self) -> str:
        # Read (or made) at the first code, in the worker thread that needs it.
        return shared_secret(self.engine, CODE_KEY, new_code_key)

    @functools.cached_property
    def _sealer(self) -> Sealer:
        return Sealer.of(self.engine)

    def create(self, actor: Actor, found: StoredSet, label: str = "") -> NewShare:
        """A new link and code for a set the actor owns (the caller found it as theirs)."""

        def make(connection: Connection, key: str, sealer: Sealer) -> NewShare:
            made = self._insert(connection, found.id, label, key, sealer)
            record(
                connection,
                actor,
                "share.made",
                self.clock(),
                set_id=found.public_id,
                share_id=made.public_id,
            )
            return made

        made = self._with_unique_code(make)
        assert made is not None
        return made

    def _with_unique_code(
        self, make: Callable[[Connection, str, Sealer], NewShare | None]
    ) -> NewShare | None:
        """Run ``make`` in a transaction of its own, again should the code it drew be one made
        before (a chance of 1 in 10^12)."""
        key, sealer = self._code_key, self._sealer  # read before SQLite's write lock
        for _ in range(5):
            try:
                with self.engine.begin() as connection:
                    return make(connection, key, sealer)
            except IntegrityError:
                continue
        raise RuntimeError("could not make a unique code")

    def _insert(
        self, connection: Any, set_id: int, label: str, key: str, sealer: Sealer
    ) -> NewShare:
        now = int(self.clock())
        token, code, public_id = new_token(), new_code(), new_id()
        expires, link_expires = now + CODE_DAYS * 24 * 3600, now + LINK_DAYS * 24 * 3600
        made = connection.execute(
            insert(shares).values(
                public_id=public_id,
                set_id=set_id,
                code_hash=code_hash(key, code),
                code_expires_at=expires,
                created_at=now,
                label=label,
                token_sealed=sealer.seal(token),
                code_sealed=sealer.seal(code),
                link_expires_at=link_expires,
            )
        ).inserted_primary_key
        assert made is not None
        self._add_token(connection, int(made[0]), token, "link")
        return NewShare(public_id, token, code, expires, label, link_expires)

    def _owned(self, actor: Actor, set_public_id: str, share_public_id: str) -> Any:
        """Where-clauses for one share of a set the actor owns."""
        owned = select(sets.c.id).where(
            sets.c.therapist_id == actor.account_id, sets.c.public_id == set_public_id
        )
        return (shares.c.public_id == share_public_id, shares.c.set_id.in_(owned.scalar_subquery()))

    def shown(
        self, actor: Actor, set_public_id: str, share_public_id: str, *, seen: bool = True
    ) -> NewShare | None:
        """The link and code of a share; None unless the actor owns it and it still works (and
        was made since links are kept sealed). ``seen``: they are shown to the therapist, and
        the audit trail says so."""
        sealer, now = self._sealer, self.clock()
        # A transaction that writes only when the showing is recorded (a read never takes
        # SQLite's write lock).
        with self.engine.begin() if seen else self.engine.connect() as connection:
            row = connection.execute(
                select(shares).where(
                    *self._owned(actor, set_public_id, share_public_id),
                    shares.c.revoked_at.is_(None),
                    shares.c.kept_at.is_(None),
                    shares.c.token_sealed.is_not(None),
                )
            ).first()
            if row is None or _past(row.link_expires_at, now):
                return None
            if seen:
                record(
                    connection,
                    actor,
                    "share.shown",
                    now,
                    set_id=set_public_id,
                    share_id=share_public_id,
                )
        code = sealer.open(row.code_sealed) if row.code_expires_at > now else None
        return NewShare(
            row.public_id,
            sealer.open(row.token_sealed),
            code,
            row.code_expires_at,
            row.label,
            row.link_expires_at,
        )

    def replace(self, actor: Actor, set_public_id: str, share_public_id: str) -> NewShare | None:
        """Stop a working link and make a new one with the same label, at once; None unless
        the actor owns it and it still works. What the client kept stays kept, but updates and
        shared progress follow the new link only once it is opened."""

        def make(connection: Connection, key: str, sealer: Sealer) -> NewShare | None:
            old = connection.execute(
                update(shares)
                .where(
                    *self._owned(actor, set_public_id, share_public_id),
                    shares.c.revoked_at.is_(None),
                )
                .values(revoked_at=int(self.clock()), token_sealed=None, code_sealed=None)
                .returning(shares.c.set_id, shares.c.label)
            ).first()
            if old is None:
                return None
            made = self._insert(connection, old.set_id, old.label, key, sealer)
            for event, share_id in (
                ("share.replaced", share_public_id),
                ("share.made", made.public_id),
            ):
                record(
                    connection, actor, event, self.clock(), set_id=set_public_id, share_id=share_id
                )
            return made

        return self._with_unique_code(make)

    def set_label(self, actor: Actor, set_public_id: str, share_public_id: str, label: str) -> bool:
        """Change a share's label; False unless the actor owns it."""
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(shares)
                .where(*self._owned(actor, set_public_id, share_public_id))
                .values(label=label)
            ).rowcount
        return changed == 1

    def _add_token(self, connection: Any, share_id: int, token: str, kind: str) -> None:
        connection.execute(
            insert(share_tokens).values(
                token_hash=token_hash(token),
                share_id=share_id,
                created_at=int(self.clock()),
                kind=kind,
            )
        )

    def hand_out(self, share_id: int) -> str:
        """A token of its own for an app that opened the share by its link or code: the app
        follows the set with it. The share counts as opened from now."""
        token, now = new_token(), int(self.clock())
        with self.engine.begin() as connection:
            self._add_token(connection, share_id, token, "app")
            connection.execute(
                update(shares)
                .where(shares.c.id == share_id, shares.c.opened_at.is_(None))
                .values(opened_at=now)
            )
        return token

    def followed(self, token: str) -> None:
        """An app checked back with its token: the set is kept on that phone (the first time,
        the link and code stop opening it, and their sealed copies go), and it was seen now."""
        now = int(self.clock())
        hashed = token_hash(token)
        with self.engine.begin() as connection:
            row = connection.execute(
                select(
                    share_tokens.c.share_id, share_tokens.c.kept_at, share_tokens.c.seen_at
                ).where(share_tokens.c.token_hash == hashed, share_tokens.c.kind == "app")
            ).first()
            if row is None or (row.kept_at is not None and (row.seen_at or 0) > now - SEEN_EVERY):
                return
            connection.execute(
                update(share_tokens)
                .where(share_tokens.c.token_hash == hashed)
                .values(kept_at=row.kept_at or now, seen_at=now)
            )
            connection.execute(
                update(shares)
                .where(shares.c.id == row.share_id, shares.c.kept_at.is_(None))
                .values(kept_at=now, token_sealed=None, code_sealed=None)
            )

    def for_set(self, set_id: int) -> list[Share]:
        now = self.clock()
        progress = exists().where(progress_links.c.share_id == shares.c.id)
        apps = (
            select(
                share_tokens.c.share_id,
                func.count(share_tokens.c.kept_at).label("phones"),
                func.max(share_tokens.c.seen_at).label("seen_at"),
            )
            .where(share_tokens.c.kind == "app")
            .group_by(share_tokens.c.share_id)
            .subquery()
        )
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(shares, progress.label("progress"), apps.c.phones, apps.c.seen_at)
                .outerjoin(apps, apps.c.share_id == shares.c.id)
                .where(shares.c.set_id == set_id)
                .order_by(shares.c.created_at.desc(), shares.c.id.desc())
            ).all()
        return [_share(row, now) for row in rows]

    def revoke(self, actor: Actor, set_public_id: str, share_public_id: str) -> bool:
        """Stop a link and its code; False unless the actor owns the set and the share is of
        it and still works. Its sealed link and code go: nobody can show them again."""
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(shares)
                .where(
                    *self._owned(actor, set_public_id, share_public_id),
                    shares.c.revoked_at.is_(None),
                )
                .values(revoked_at=int(self.clock()), token_sealed=None, code_sealed=None)
            ).rowcount
            if changed == 1:
                record(
                    connection,
                    actor,
                    "share.revoked",
                    self.clock(),
                    set_id=set_public_id,
                    share_id=share_public_id,
                )
        return changed == 1

    def by_token(self, token: str) -> Opened | None:
        kinds = select(share_tokens.c.share_id, share_tokens.c.kind).where(
            share_tokens.c.token_hash == token_hash(token)
        )
        with self.engine.connect() as connection:
            found = connection.execute(kinds).first()
        if found is None:
            return None
        return self._open(found.kind, shares.c.id == found.share_id)

    def by_code(self, code: str) -> Opened | None:
        return self._open(
            "code",
            shares.c.code_hash == code_hash(self._code_key, code),
            shares.c.code_expires_at > int(self.clock()),
        )

    def _open(self, kind: str, *where: Any) -> Opened | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(
                    sets,
                    shares.c.id.label("share_id"),
                    shares.c.revoked_at.label("revoked_at"),
                    shares.c.kept_at.label("kept_at"),
                    shares.c.link_expires_at.label("link_expires_at"),
                )
                .join(shares, shares.c.set_id == sets.c.id)
                .where(*where)
            ).first()
        if row is None:
            return None
        return Opened(
            row.share_id,
            row.revoked_at is not None,
            stored_set(row),
            kind,
            used=row.kept_at is not None,
            expired=kind == "link" and _past(row.link_expires_at, self.clock()),
        )


def _past(moment: int | None, now: float) -> bool:
    return moment is not None and moment <= now


def _share(row: Any, now: float) -> Share:
    """A share as its set's page lists it: what shows follows from the link's state."""
    link = _link_state(row, now)
    return Share(
        row.id,
        row.public_id,
        row.created_at,
        row.code_expires_at,
        row.revoked_at,
        bool(row.progress),
        row.label,
        showable=link == "works" and row.token_sealed is not None,
        code_works=link in ("works", "expired") and row.code_expires_at > now,
        opened_at=row.opened_at,
        kept_at=row.kept_at,
        link_expires_at=row.link_expires_at,
        phones=int(row.phones or 0),
        seen_at=row.seen_at,
        link=link,
    )


def _link_state(row: Any, now: float) -> str:
    if row.revoked_at is not None:
        return "stopped"
    if row.kept_at is not None:
        return "kept"
    if _past(row.link_expires_at, now):
        return "expired"
    return "works"
