"""Progress a client chose to share: their runs of a set's exercises, sent by the app under a
secret made at opt-in, and what the therapist sees of them (runs per week, completed or
stopped, the average change in distress from before to after).

What is kept of a run: its id (so a run sent twice is kept once), the exercise, when it
started, how long it took, completed or stopped, and the two ratings. Never a note, never a
name. Runs older than HOUVAST_PROGRESS_DAYS are deleted; withdrawing deletes them at once.

What a secret can send is bounded by what a person can do: no run dated in the future or
before the set was shared (CLOCK_SKEW aside), and at most RUNS_PER_DAY runs a day under a link.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from ..db import insert_for
from .tables import progress_links, progress_runs, shares
from .tokens import new_token, token_hash

# The therapist's view shows this many weeks, the current one last.
WEEKS = 12
# More runs on one day (UTC) than anyone does in a waking day, even of one-minute exercises
# back to back: a batch that would pass it is made up, and refused whole.
RUNS_PER_DAY = 50
# How far a phone's clock may be off from the server's.
CLOCK_SKEW = 10 * 60


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
    # When the share was made: the client cannot have run the set before.
    shared_at: int


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
                select(progress_links.c.id, shares.c.revoked_at, shares.c.created_at)
                .join(shares, shares.c.id == progress_links.c.share_id)
                .where(progress_links.c.secret_hash == token_hash(secret))
            ).first()
        return Link(row.id, row.revoked_at is not None, row.created_at) if row else None

    def oldest_kept(self) -> int:
        return int(self.clock()) - self.keep_days * 24 * 3600

    def crowded_day(self, link_id: int, runs: Sequence[Run]) -> date | None:
        """The first day (UTC) on which ``runs`` would make more than RUNS_PER_DAY kept under
        the link, counting each run once however often it is sent; None if there is none."""
        oldest = self.oldest_kept()
        new = {run.id: _day(run.started_at) for run in runs if run.started_at >= oldest}
        if not new:
            return None
        days = set(new.values())
        first, last = min(days), max(days) + timedelta(days=1)
        with self.engine.connect() as connection:
            kept = connection.execute(
                select(progress_runs.c.run_id, progress_runs.c.started_at).where(
                    progress_runs.c.link_id == link_id,
                    progress_runs.c.started_at >= _epoch(first),
                    progress_runs.c.started_at < _epoch(last),
                )
            ).all()
        per_day = Counter(new.values())
        per_day.update(_day(row.started_at) for row in kept if row.run_id not in new)
        crowded = sorted(day for day in days if per_day[day] > RUNS_PER_DAY)
        return crowded[0] if crowded else None

    def store(self, link_id: int, runs: Sequence[Run]) -> int | None:
        """Keep the runs not kept before (by id) and not older than what is kept at all;
        returns how many were new, or None when the link is gone (nothing is kept)."""
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
        # A run that is already there (sent before, or by a request at the same moment) is
        # left alone; only the rows this statement wrote come back, so of requests sending the
        # same run at once exactly one counts it.
        statement = (
            insert_for(self.engine)(progress_runs)
            .on_conflict_do_nothing(index_elements=["link_id", "run_id"])
            .returning(progress_runs.c.run_id)
        )
        try:
            with self.engine.begin() as connection:
                stored = len(connection.execute(statement, rows).all())
        except IntegrityError:
            # The link was deleted since it was looked up: the client withdrew meanwhile.
            return None
        self.prune()
        return stored

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


def _day(moment: int) -> date:
    return datetime.fromtimestamp(moment, UTC).date()


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


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
