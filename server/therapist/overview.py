"""A therapist's list of sets: found by title or by a link's label, sorted by last activity,
title or label, the archived ones apart.

Last activity is what a busy therapist looks for: the set changed, or one of its links opened
or kept, or a phone that keeps it checking back. Everything is read for one therapist only
(the owner's id is in every query); the search runs over their own few hundred sets at most.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from .sets import StoredSet, stored_set
from .tables import sets, share_tokens, shares

SORTS = ("activity", "title", "label")
QUERY_LENGTH = 100


@dataclass(frozen=True)
class Listed:
    set: StoredSet
    # The labels of its links, newest first, each once.
    labels: tuple[str, ...]
    active_at: int


@dataclass(frozen=True)
class Overview:
    engine: Engine

    def listed(
        self, owner: int, *, query: str = "", sort: str = "activity", archived: bool = False
    ) -> tuple[list[Listed], int]:
        """The owner's sets (archived or not) that match ``query``, in the order ``sort``
        names, and how many sets the other group (not archived, or archived) holds."""
        seen = (
            select(share_tokens.c.share_id, func.max(share_tokens.c.seen_at).label("seen_at"))
            .group_by(share_tokens.c.share_id)
            .subquery()
        )
        with self.engine.connect() as connection:
            rows = connection.execute(select(sets).where(sets.c.therapist_id == owner)).all()
            links = connection.execute(
                select(
                    shares.c.set_id,
                    shares.c.label,
                    shares.c.created_at,
                    shares.c.opened_at,
                    shares.c.kept_at,
                    seen.c.seen_at,
                )
                .join(sets, sets.c.id == shares.c.set_id)
                .outerjoin(seen, seen.c.share_id == shares.c.id)
                .where(sets.c.therapist_id == owner)
                .order_by(shares.c.created_at.desc(), shares.c.id.desc())
            ).all()
        labels: dict[int, list[str]] = defaultdict(list)
        active: dict[int, int] = defaultdict(int)
        for link in links:
            if link.label and link.label not in labels[link.set_id]:
                labels[link.set_id].append(link.label)
            moments = (link.created_at, link.opened_at, link.kept_at, link.seen_at)
            active[link.set_id] = max(active[link.set_id], *(m or 0 for m in moments))
        wanted = query.strip().casefold()
        found, others = [], 0
        for row in rows:
            if (row.archived_at is not None) != archived:
                others += 1
                continue
            item = Listed(
                stored_set(row), tuple(labels[row.id]), max(row.updated_at, active[row.id])
            )
            if wanted and not any(wanted in text.casefold() for text in (row.title, *item.labels)):
                continue
            found.append(item)
        if sort == "title":
            found.sort(key=lambda item: item.set.data.title.casefold())
        elif sort == "label":
            # Sets with a labelled link first, by their newest label; the others by title.
            found.sort(
                key=lambda item: (
                    not item.labels,
                    (item.labels[0] if item.labels else item.set.data.title).casefold(),
                )
            )
        else:
            found.sort(key=lambda item: -item.active_at)
        return found, others
