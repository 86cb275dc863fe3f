"""Progress a client chose to share: their runs of a set's exercises, sent by the app under a
secret made at opt-in, and what the therapist sees of them (each run, runs per week, completed
or stopped, the average change in distress from before to after).

Each phone that opts in gets a secret of its own, so a link (a row of progress_links) is one
phone: two phones that opened the same share send under two links, and the therapist sees them
apart, as "phone 1" and "phone 2" in the order they began to share. Nothing else tells phones
apart, and nothing needs to.

What is kept of a run: its id (so a run sent twice is kept once), the exercise, when it
started, how long it took, completed or stopped, and the two ratings. Never a note, never a
name. Runs older than HOUVAST_PROGRESS_DAYS are deleted; withdrawing deletes them at once.

What a secret can send is bounded by what a person can do: no run dated in the future or
before the set was shared (CLOCK_SKEW aside), and at most RUNS_PER_DAY runs a day under a link.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

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
class Phone:
    """One phone sharing under a share: its link, numbered in the order phones opted in."""

    link_id: int
    number: int
    since: int


@dataclass(frozen=True)
class Kept(Run):
    """A run as kept, for the therapist: what it was, and which phone sent it."""

    phone: int


@dataclass(frozen=True)
class Shared:
    """Everything kept under a share: its phones, and their runs newest first."""

    phones: list[Phone]
    runs: list[Kept]


@dataclass(frozen=True)
class Week:
    """One week's figures for the therapist (of one phone, or of all when phone is None)."""

    start: date
    runs: int
    completed: int
    stopped: int
    before: float | None
    after: float | None
    # The average of (after − before) over the runs that have both ratings.
    change: float | None
    rated: int
    phone: int | None = None


@dataclass(frozen=True)
class Gap:
    """Weeks in a row without a run, shown as one row: from ``first`` to ``last`` (Mondays)."""

    first: date
    last: date
    weeks: int


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

    def shared(self, share_id: int) -> Shared:
        """The phones sharing under a share and every run they sent that is still kept."""
        self.prune()
        with self.engine.connect() as connection:
            links = connection.execute(
                select(progress_links.c.id, progress_links.c.created_at)
                .where(progress_links.c.share_id == share_id)
                .order_by(progress_links.c.created_at, progress_links.c.id)
            ).all()
            rows = connection.execute(
                select(progress_runs)
                .where(progress_runs.c.link_id.in_([link.id for link in links]))
                .order_by(progress_runs.c.started_at.desc(), progress_runs.c.run_id)
            ).all()
        phones = [Phone(link.id, n, link.created_at) for n, link in enumerate(links, start=1)]
        number = {phone.link_id: phone.number for phone in phones}
        runs = [
            Kept(
                row.run_id,
                row.exercise,
                row.started_at,
                row.seconds,
                row.completed,
                row.rating_before,
                row.rating_after,
                phone=number[row.link_id],
            )
            for row in rows
        ]
        return Shared(phones, runs)


def weeks(runs: Iterable[Kept], now: float, zone: tzinfo, phone: int | None = None) -> list[Week]:
    """The last WEEKS weeks, Monday to Sunday in ``zone`` (the practice's time zone), oldest
    first: of one phone's runs, or of all of them when ``phone`` is None."""
    today = datetime.fromtimestamp(now, zone).date()
    first = today - timedelta(days=today.weekday(), weeks=WEEKS - 1)
    buckets: dict[date, list[Kept]] = {first + timedelta(weeks=n): [] for n in range(WEEKS)}
    for run in runs:
        if phone is not None and run.phone != phone:
            continue
        day = datetime.fromtimestamp(run.started_at, zone).date()
        monday = day - timedelta(days=day.weekday())
        if monday in buckets:
            buckets[monday].append(run)
    return [_week(start, found, phone) for start, found in buckets.items()]


def fold(rows: Iterable[Week]) -> list[Week | Gap]:
    """Weeks without runs in a row become one Gap; weeks with runs stay as they are."""
    folded: list[Week | Gap] = []
    for row in rows:
        last = folded[-1] if folded else None
        if row.runs:
            folded.append(row)
        elif isinstance(last, Gap):
            folded[-1] = Gap(last.first, row.start, last.weeks + 1)
        else:
            folded.append(Gap(row.start, row.start, 1))
    return folded


def _day(moment: int) -> date:
    return datetime.fromtimestamp(moment, UTC).date()


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _week(start: date, runs: list[Kept], phone: int | None) -> Week:
    completed = sum(1 for run in runs if run.completed)
    both = [(run.before, run.after) for run in runs if run.before is not None]
    changes = [after - before for before, after in both if after is not None]
    return Week(
        start,
        len(runs),
        completed,
        len(runs) - completed,
        _mean([run.before for run in runs if run.before is not None]),
        _mean([run.after for run in runs if run.after is not None]),
        _mean(changes),
        len(changes),
        phone,
    )
