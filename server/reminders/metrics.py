"""Counters an operator can scrape (Prometheus text format at /metrics): what the dispatcher of
this instance did since it started. Counts and times only, never anything about a person."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Seconds after its minute that a reminder reached the push service; the limit is 600.
LATENESS_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600)

FAILURE_CAUSES = ("database", "push", "other")

_COUNTERS = {
    "due": "Reminders found due by this instance (claimed, skipped or claimed elsewhere).",
    "claimed": "Reminders this instance claimed to send (taken back ones included).",
    "delivered": "Reminders a push service accepted.",
    "gone": "Reminders whose subscription had ended (the device was deleted).",
    "failed": "Reminders given up after the tries ran out or a refusal.",
    "unknown": "Reminders a dead instance was posting, found too late (or push off) to resend.",
    "skipped": "Reminders more than ten minutes late after downtime, moved to their next time.",
    "taken_back": "Claims of a stopped instance that this one took over and sent.",
    "resent": "Of those, the ones it was posting: sent again as the same occurrence.",
    "expired": "Claims of a stopped instance found too late to send.",
    "released": "Claims given back unsent or unanswered when this instance stopped.",
}


class DispatchMetrics:
    """The dispatcher's counters in a registry of their own (one per app, so tests and several
    apps in one process never share them)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._counters = {
            name: Counter(f"houvast_reminders_{name}", text, registry=self.registry)
            for name, text in _COUNTERS.items()
        }
        self._runs = Counter(
            "houvast_dispatch_runs", "Runs of the dispatch job.", registry=self.registry
        )
        self._last_run = Gauge(
            "houvast_dispatch_last_run_timestamp_seconds",
            "When the dispatch job last finished (seconds since the epoch).",
            registry=self.registry,
        )
        self._failures = Counter(
            "houvast_dispatch_failures",
            "Runs of the dispatch job that failed, by cause: database (it could not be read or "
            "written), push (the push stack itself broke) or other (a programming error).",
            ["cause"],
            registry=self.registry,
        )
        for cause in FAILURE_CAUSES:
            self._failures.labels(cause=cause)  # shown at 0 from the start, for the alerts
        self._lateness = Histogram(
            "houvast_reminder_lateness_seconds",
            "Seconds after its time that a delivered reminder was accepted by the push service.",
            buckets=LATENESS_BUCKETS,
            registry=self.registry,
        )

        self._release = Info(
            "houvast_release",
            "The release this instance serves (the hashes of its files and of what its worker "
            "stores): during a rolling upgrade, which instances have the new one.",
            registry=self.registry,
        )

    def serving(self, release: str) -> None:
        self._release.info({"release": release})

    def count(self, counts: Mapping[str, int]) -> None:
        """Add one run's counts (DispatchReport.counts)."""
        self._runs.inc()
        self._last_run.set_to_current_time()
        for name, count in counts.items():
            self._counters[name].inc(count)

    def failed(self, cause: str) -> None:
        """A run that failed (its error is logged as well)."""
        self._failures.labels(cause=cause if cause in FAILURE_CAUSES else "other").inc()

    def lateness(self, seconds: float) -> None:
        self._lateness.observe(max(0.0, seconds))

    def exposition(self) -> bytes:
        """The counters in Prometheus text format."""
        return generate_latest(self.registry)
