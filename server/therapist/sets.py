"""A therapist's sets: what a set holds, storing it, and the set as the client app gets it.

Every query names the account it is for: a set is found only by its owner (``owner`` is the
therapist's id in every method; ``actor`` in those that change a set, which record it in the
audit trail), so another therapist's set is simply not found.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from ..exercises import Exercise
from ..rules import SetLimits
from .audit import Actor, record
from .tables import sets
from .tokens import new_id


@dataclass(frozen=True)
class Item:
    """One exercise in a set: the therapist's values (by "<step id>.<field>"), a note, and
    whether the therapist suggests it for the client's plan for hard moments (issue 22)."""

    exercise: str
    values: Mapping[str, int]
    note: str = ""
    plan: bool = False


@dataclass(frozen=True)
class Reminder:
    """A suggested time to practise: days (1 = Monday ... 7 = Sunday) and "HH:MM"."""

    days: tuple[int, ...]
    time: str


@dataclass(frozen=True)
class SetData:
    title: str
    note: str
    locale: str
    items: tuple[Item, ...]
    reminders: tuple[Reminder, ...] = ()


@dataclass(frozen=True)
class StoredSet:
    id: int
    public_id: str
    data: SetData
    version: int
    updated_at: int
    archived_at: int | None = None


def _items_json(data: SetData) -> str:
    return json.dumps([_item_json(i) for i in data.items])


def _item_json(item: Item) -> dict[str, Any]:
    kept: dict[str, Any] = {"exercise": item.exercise, "values": dict(item.values)}
    kept["note"] = item.note
    # Written only when suggested: an item kept before suggestions existed has no "plan" and
    # reads back as not suggested, the same as one written now.
    if item.plan:
        kept["plan"] = True
    return kept


def _reminders_json(data: SetData) -> str:
    return json.dumps([{"days": list(r.days), "time": r.time} for r in data.reminders])


def stored_set(row: Any) -> StoredSet:
    """A set from its table row."""
    items = tuple(
        Item(
            i["exercise"],
            {k: int(v) for k, v in i["values"].items()},
            i["note"],
            i.get("plan") is True,
        )
        for i in json.loads(row.items)
    )
    reminders = tuple(Reminder(tuple(r["days"]), r["time"]) for r in json.loads(row.reminders))
    data = SetData(row.title, row.note, row.locale, items, reminders)
    return StoredSet(row.id, row.public_id, data, row.version, row.updated_at, row.archived_at)


class Sets:
    def __init__(self, engine: Engine, clock: Callable[[], float]) -> None:
        self.engine = engine
        self.clock = clock

    def list(self, owner: int) -> list[StoredSet]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(sets)
                .where(sets.c.therapist_id == owner)
                .order_by(sets.c.updated_at.desc(), sets.c.id.desc())
            ).all()
        return [stored_set(row) for row in rows]

    def get(self, owner: int, public_id: str) -> StoredSet | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(sets).where(sets.c.therapist_id == owner, sets.c.public_id == public_id)
            ).first()
        return stored_set(row) if row else None

    def create(self, actor: Actor, data: SetData) -> str:
        owner = _owner(actor)
        public_id = new_id()
        now = int(self.clock())
        with self.engine.begin() as connection:
            connection.execute(
                insert(sets).values(
                    public_id=public_id,
                    therapist_id=owner,
                    title=data.title,
                    note=data.note,
                    locale=data.locale,
                    items=_items_json(data),
                    reminders=_reminders_json(data),
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            record(connection, actor, "set.made", now, set_id=public_id)
        return public_id

    def change(self, actor: Actor, public_id: str, data: SetData) -> bool:
        """Save a new version; False when the owner has no such set."""
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(sets)
                .where(sets.c.therapist_id == _owner(actor), sets.c.public_id == public_id)
                .values(
                    title=data.title,
                    note=data.note,
                    locale=data.locale,
                    items=_items_json(data),
                    reminders=_reminders_json(data),
                    version=sets.c.version + 1,
                    updated_at=int(self.clock()),
                )
            ).rowcount
            if changed == 1:
                record(connection, actor, "set.edited", self.clock(), set_id=public_id)
        return changed == 1

    def duplicate(self, actor: Actor, public_id: str, title: Callable[[str], str]) -> str | None:
        """A copy under a new id, not shared with anyone; ``title`` names the copy."""
        found = self.get(_owner(actor), public_id)
        if found is None:
            return None
        copy_title = title(found.data.title)[: SetLimits.title]
        return self.create(actor, replace(found.data, title=copy_title))

    def archive(self, actor: Actor, public_id: str, *, archived: bool) -> bool:
        """Put a set away from the list, or back; False unless the actor owns it and it was
        not already so. Its links and shared progress are not touched."""
        state = sets.c.archived_at.is_(None) if archived else sets.c.archived_at.is_not(None)
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(sets)
                .where(sets.c.therapist_id == _owner(actor), sets.c.public_id == public_id, state)
                .values(archived_at=int(self.clock()) if archived else None)
            ).rowcount
            if changed == 1:
                event = "set.archived" if archived else "set.restored"
                record(connection, actor, event, self.clock(), set_id=public_id)
        return changed == 1

    def delete(self, actor: Actor, public_id: str) -> bool:
        """Delete a set with its links and shared progress (through the foreign keys)."""
        with self.engine.begin() as connection:
            deleted = connection.execute(
                delete(sets).where(
                    sets.c.therapist_id == _owner(actor), sets.c.public_id == public_id
                )
            ).rowcount
            if deleted == 1:
                record(connection, actor, "set.deleted", self.clock(), set_id=public_id)
        return deleted == 1


def _owner(actor: Actor) -> int:
    assert actor.account_id is not None, "a set is changed by a signed-in therapist"
    return actor.account_id


def client_set(found: StoredSet, exercises: Mapping[str, Exercise]) -> dict[str, Any]:
    """The set as the client app gets it (docs/sets.md, "SET").

    Checked against the exercises as they are now: an exercise that left the catalogue is
    left out, a value that is no longer adjustable is dropped, one outside a changed range
    is brought within it.
    """
    items = []
    for item in found.data.items:
        exercise = exercises.get(item.exercise)
        if exercise is None:
            continue
        bounds = {key: b for key, _, _, b in exercise.adjustable("therapist")}
        values = {
            key: min(max(value, bounds[key].low), bounds[key].high)
            for key, value in item.values.items()
            if key in bounds
        }
        items.append(
            {"exercise": item.exercise, "values": values, "note": item.note, "plan": item.plan}
        )
    return {
        "id": found.public_id,
        "version": found.version,
        "title": found.data.title,
        "note": found.data.note,
        "locale": found.data.locale,
        "items": items,
        "reminders": [{"days": list(r.days), "time": r.time} for r in found.data.reminders],
        "updated": datetime.fromtimestamp(found.updated_at, UTC).isoformat(),
    }
