"""Progress a client chose to share: their runs of a set's exercises, sent by the app under a
secret made at opt-in, and what the therapist sees of them (runs per week, completed or
stopped, the average change in distress from before to after).

What is kept of a run: its id (so a run sent twice is kept once), the exercise, when it
started, how long it took, completed or stopped, and the two ratings. Never a note, never a
name. Runs older than HOUVAST_PROGRESS_DAYS are deleted; withdrawing deletes them at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .tables import progress_links, progress_runs, shares
from .tokens import new_token, token_hash

# The therapist's view shows this many weeks, the current one last.
WEEKS = 12


@dataclass(frozen=True)
class Run:
    """One run as the client sent it, checked (server/therapist/api.py)."""

    id: str
    exercise: str
    started_at: int
    seconds: int
    completed: bool
    before: int | None
    after: int | None


@dataclass(frozen=True)
class Link:
    id: int
    revoked: bool


@dataclass(frozen=True)
class Week:
    """One week's figures for the therapist."""

    start: date
    runs: int
    completed: int
    stopped: int
    before: float | None
    after: float | None
    # The average of (after − before) over the runs that have both ratings.
    change: float | None
    rated: int


class Progress:
    def __init__(self, engine: Engine, clock: Callable[[], float], keep_days: int) -> None:
        self.engine = engine
        self.clock = clock
        self.keep_days = keep_days

    def opt_in(self, share_id: int) -> str:
        """A new secret for the client to send runs with (the server keeps its hash)."""
        secret = new_token()
        with self.engine.begin() as connection:
            connection.execute(
                insert(progress_links).values(
                    share_id=share_id,
                    secret_hash=token_hash(secret),
                    created_at=int(self.clock()),
                )
            )
        return secret

    def link(self, secret: str) -> Link | None:
        if not secret:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(
                select(progress_links.c.id, shares.c.revoked_at)
                .join(shares, shares.c.id == progress_links.c.share_id)
                .where(progress_links.c.secret_hash == token_hash(secret))
            ).first()
        return Link(row.id, row.revoked_at is not None) if row else None

    def oldest_kept(self) -> int:
        return int(self.clock()) - self.keep_days * 24 * 3600

    def store(self, link_id: int, runs: Sequence[Run]) -> int:
        """Keep the runs not kept before (by id) and not older than what is kept at all;
        returns how many were new."""
        oldest = self.oldest_kept()
        rows = [
            {
                "link_id": link_id,
                "run_id": run.id,
                "exercise": run.exercise,
                "started_at": run.started_at,
                "seconds": run.seconds,
                "completed": run.completed,
                "rating_before": run.before,
                "rating_after": run.after,
            }
            for run in {run.id: run for run in runs}.values()
            if run.started_at >= oldest
        ]
        if not rows:
            return 0
        dialect = self.engine.dialect.name
        statement: Any = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(
            progress_runs
        )
        # A run that is already there (sent before, or by a request at the same moment) is
        # left alone.
        statement = statement.on_conflict_do_nothing(index_elements=["link_id", "run_id"])
        counted = (
            select(func.count())
            .select_from(progress_runs)
            .where(progress_runs.c.link_id == link_id)
        )
        with self.engine.begin() as connection:
            before = int(connection.execute(counted).scalar() or 0)
            connection.execute(statement, rows)
            after = int(connection.execute(counted).scalar() or 0)
        self.prune()
        return after - before

    def prune(self) -> None:
        """Delete runs older than what is kept (at start-up, when runs come in, when a
        therapist looks)."""
        with self.engine.begin() as connection:
            connection.execute(
                delete(progress_runs).where(progress_runs.c.started_at < self.oldest_kept())
            )

    def withdraw(self, secret: str) -> bool:
        """Delete the link and everything sent under it."""
        with self.engine.begin() as connection:
            deleted = connection.execute(
                delete(progress_links).where(progress_links.c.secret_hash == token_hash(secret))
            ).rowcount
        return deleted == 1

    def weeks(self, share_id: int) -> list[Week]:
        """The last WEEKS weeks (Monday to Sunday, UTC) of what was shared under a share."""
        self.prune()
        now = datetime.fromtimestamp(self.clock(), UTC)
        this_monday = now.date() - timedelta(days=now.weekday())
        first = this_monday - timedelta(weeks=WEEKS - 1)
        since = int(datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp())
        links = select(progress_links.c.id).where(progress_links.c.share_id == share_id)
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(progress_runs).where(
                    progress_runs.c.link_id.in_(links), progress_runs.c.started_at >= since
                )
            ).all()
        buckets: dict[date, list[Any]] = {first + timedelta(weeks=n): [] for n in range(WEEKS)}
        for row in rows:
            day = datetime.fromtimestamp(row.started_at, UTC).date()
            monday = day - timedelta(days=day.weekday())
            if monday in buckets:
                buckets[monday].append(row)
        return [_week(start, runs) for start, runs in buckets.items()]


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _week(start: date, runs: list[Any]) -> Week:
    completed = sum(1 for run in runs if run.completed)
    both = [run for run in runs if run.rating_before is not None and run.rating_after is not None]
    return Week(
        start,
        len(runs),
        completed,
        len(runs) - completed,
        _mean([run.rating_before for run in runs if run.rating_before is not None]),
        _mean([run.rating_after for run in runs if run.rating_after is not None]),
        _mean([run.rating_after - run.rating_before for run in both]),
        len(both),
    )
