"""Reminders end to end: the API stores them, the dispatcher sends what is due to a fake push
service (the only stand-in: for Google's and Apple's servers), which checks the VAPID header
and decrypts every message."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import OperationalError
from starlette.routing import Router
from starlette.testclient import TestClient

from server.app import create_app
from server.db import deliveries, devices, make_engine, open_database, reminders
from server.exercises import load_exercises
from server.i18n import Catalogs
from server.push import PAYLOAD_SIZE, PushSender, PushTarget
from server.push import _batch as batch_module
from server.reminders import claims as claims_module
from server.reminders import dispatcher as dispatcher_module
from server.reminders.claims import LATE_LIMIT, Claims
from server.reminders.devices import DeviceStore, parse_device
from server.reminders.dispatcher import Dispatcher, DispatchReport
from server.reminders.messages import reminder_messages
from server.reminders.metrics import DispatchMetrics
from server.reminders.service import load_vapid
from server.routes import routes
from server.settings import Settings
from server.urls import Urls
from tests.conftest import delivery_status, run_async
from tests.fake_push_service import FakePushService

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Monday 23 November 2026, 08:30 in Amsterdam (CET): 07:30 UTC.
MONDAY_0830 = datetime(2026, 11, 23, 7, 30, tzinfo=UTC).timestamp()
EXERCISES = load_exercises(Settings.from_env({}).exercises_dir)
CATALOGS = Catalogs.load()


@pytest.fixture(scope="module")
def service() -> Iterator[FakePushService]:
    with FakePushService() as fake:
        yield fake


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def dispatcher(
    engine: Engine, settings: Settings, service: FakePushService, clock: Clock, **options: Any
) -> AsyncIterator[Dispatcher]:
    """A dispatcher built from the real parts, with its clock in the test's hand."""
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    vapid = load_vapid(settings, engine)
    sender = PushSender(
        vapid, settings.vapid_subject, settings.push_ttl, **service.edge(), sleep=no_wait
    )
    async with sender:
        yield Dispatcher(
            engine,
            sender,
            reminder_messages(CATALOGS, EXERCISES, Urls(Router(routes)), PAYLOAD_SIZE),
            clock=clock,
            **options,
        )


def register(
    store: DeviceStore,
    subscription: dict[str, Any],
    *,
    locale: str = "nl",
    days: list[int] | None = None,
    time: str = "08:30",
    exercise: str = "grounding",
    neutral: bool = False,
) -> str:
    body = {
        "timezone": "Europe/Amsterdam",
        "locale": locale,
        "reminders": [
            {
                "days": days or [1, 2, 3, 4, 5, 6, 7],
                "time": time,
                "target": {"type": "exercise", "id": exercise},
            }
        ],
        "push": subscription,
        "neutral": neutral,
    }
    data = parse_device(
        body,
        exercise_ids=EXERCISES.keys(),
        limit=20,
        validate_push=lambda push: PushTarget(
            push["endpoint"], push["keys"]["p256dh"], push["keys"]["auth"]
        ),
    )
    return store.create(data).device_id


@pytest.fixture
def settings(db_settings: Settings) -> Settings:
    return db_settings


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = open_database(settings)
    yield engine
    engine.dispose()


def test_a_reminder_due_now_arrives_once_readable_in_its_language(
    settings: Settings, service: FakePushService
) -> None:
    """Through the API, as the reminders page does it, then the dispatcher at 08:30."""
    app = create_app(settings, dispatch=False)
    with TestClient(app) as client:
        key = client.get("/api/push/key").json()["publicKey"]
        subscription = service.subscribe(application_server_key=key)
        body = {
            "timezone": "Europe/Amsterdam",
            "locale": "nl",
            "reminders": [
                {"days": [1], "time": "08:30", "target": {"type": "exercise", "id": "protector"}}
            ],
            "push": subscription,
        }
        assert client.post("/api/devices", json=body).status_code == 201

    engine = make_engine(settings.database)
    with engine.begin() as connection:
        # The API computed the next Monday 08:30 from the real clock; put it at our Monday.
        connection.execute(update(reminders).values(next_fire_at=int(MONDAY_0830)))

    async def run() -> None:
        clock = Clock(MONDAY_0830 + 3)
        async with dispatcher(engine, settings, service, clock) as sending:
            first = await sending.run()
            again = await sending.run()
        assert (first.claimed, first.delivered) == (1, 1)
        assert (again.claimed, again.delivered) == (0, 0)

    run_async(run())
    received = service.subscription(subscription["endpoint"]).messages
    assert len(received) == 1, "arrives once"
    message = received[0].data
    assert message["title"] == "Houvast"
    assert message["body"] == "Een moment voor “Je beschermer”, als het je nu uitkomt."
    assert message["url"] == "/nl/exercises/protector"
    assert received[0].ttl == settings.push_ttl and received[0].topic
    with engine.begin() as connection:
        status = connection.execute(select(deliveries.c.status)).scalars().all()
        following = connection.execute(select(reminders.c.next_fire_at)).scalar()
    assert status == ["delivered"]
    assert following == int(MONDAY_0830 + 7 * 24 * 3600), "next Monday, same time"
    engine.dispose()


def test_discreet_texts_and_one_size_for_every_message(
    engine: Engine, settings: Settings, service: FakePushService
) -> None:
    """A discreet reminder does not name the exercise; and on the wire every reminder has the
    same length, whatever its language, exercise or text (decrypted by the fake)."""
    store = DeviceStore(engine, clock=Clock(MONDAY_0830 - 3600))
    sent = {}
    for locale in ("nl", "en"):
        for exercise in ("grounding", "four-s"):
            for neutral in (False, True):
                subscription = service.subscribe()
                register(store, subscription, locale=locale, exercise=exercise, neutral=neutral)
                sent[subscription["endpoint"]] = (locale, exercise, neutral)

    async def run() -> None:
        async with dispatcher(engine, settings, service, Clock(MONDAY_0830 + 1)) as sending:
            assert (await sending.run()).delivered == 8

    run_async(run())
    sizes = set()
    for endpoint, (locale, exercise, neutral) in sent.items():
        (message,) = service.subscription(endpoint).messages
        title = CATALOGS.gettext(locale, EXERCISES[exercise].title)
        if neutral:
            assert (
                message.data["body"]
                == {
                    "nl": "Tijd voor jouw moment",
                    "en": "Time for your moment",
                }[locale]
            )
        else:
            assert title in message.data["body"]
        assert message.data["url"] == f"/{locale}/exercises/{exercise}", "it opens the exercise"
        assert message.plaintext_size == PAYLOAD_SIZE
        sizes.add(message.body_size)
    assert len(sizes) == 1, f"the encrypted lengths differ: {sizes}"


def test_a_restart_after_two_hours_down_sends_no_burst(
    engine: Engine, settings: Settings, service: FakePushService
) -> None:
    store = DeviceStore(engine, clock=Clock(MONDAY_0830 - 24 * 3600))
    endpoints = []
    for minute in ("06:30", "07:00", "08:00", "08:30"):  # all due during the downtime
        subscription = service.subscribe()
        endpoints.append(subscription["endpoint"])
        register(store, subscription, time=minute)

    async def run() -> None:
        clock = Clock(MONDAY_0830 + 2 * 3600)  # back up at 10:30
        async with dispatcher(engine, settings, service, clock) as sending:
            report = await sending.run()
            assert (report.skipped, report.claimed) == (4, 0)
            # The next day's reminders go out as usual.
            clock.now = MONDAY_0830 + 24 * 3600 + 30
            report = await sending.run()
            assert report.delivered == 1  # 08:30 Tuesday; the others passed without a server

    run_async(run())
    counts = [len(service.subscription(endpoint).messages) for endpoint in endpoints]
    assert counts == [0, 0, 0, 1]
    with engine.begin() as connection:
        upcoming = connection.execute(select(reminders.c.next_fire_at)).scalars().all()
    assert all(moment > MONDAY_0830 + 24 * 3600 for moment in upcoming)


def test_gone_subscriptions_are_deleted_and_busy_services_retried(
    engine: Engine, settings: Settings, service: FakePushService
) -> None:
    store = DeviceStore(engine, clock=Clock(MONDAY_0830 - 3600))
    gone, busy, broken = service.subscribe(), service.subscribe(), service.subscribe()
    service.script(gone["endpoint"], [410])
    service.script(busy["endpoint"], [(429, {"Retry-After": "7"}), 503, 201])
    service.script(broken["endpoint"], [503, 503, 503])
    for subscription in (gone, busy, broken):
        register(store, subscription)

    async def run() -> None:
        async with dispatcher(engine, settings, service, Clock(MONDAY_0830 + 1)) as sending:
            report = await sending.run()
            assert (report.delivered, report.gone, report.failed) == (1, 1, 1)

    run_async(run())
    assert len(service.subscription(busy["endpoint"]).messages) == 1
    with engine.begin() as connection:
        endpoints = connection.execute(select(devices.c.endpoint)).scalars().all()
        records = dict(connection.execute(select(deliveries.c.status, deliveries.c.attempts)).all())
    assert gone["endpoint"] not in endpoints, "410: our copy is deleted"
    assert busy["endpoint"] in endpoints and broken["endpoint"] in endpoints
    assert records == {"delivered": 3, "failed": 3}


def test_many_batches_stream_through_and_are_all_recorded(
    engine: Engine, settings: Settings, service: FakePushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small batches and short IN lists, so one run claims, sends and records many batches at
    once; reminders on different schedules move on to their own next times."""
    monkeypatch.setattr(claims_module, "BATCH", 7)
    monkeypatch.setattr(claims_module, "IN_LIMIT", 3)
    store = DeviceStore(engine, clock=Clock(MONDAY_0830 - 3600))
    daily, mondays, gone = [], [], []
    for number in range(45):
        subscription = service.subscribe()
        if number % 9 == 4:
            service.script(subscription["endpoint"], [410])
            gone.append(subscription["endpoint"])
        elif number % 2:
            mondays.append(subscription["endpoint"])
        else:
            daily.append(subscription["endpoint"])
        register(store, subscription, days=[1] if number % 2 else None)

    async def run() -> None:
        async with dispatcher(engine, settings, service, Clock(MONDAY_0830 + 5)) as sending:
            report = await sending.run()
        assert (report.claimed, report.delivered, report.gone) == (45, 45 - len(gone), len(gone))
        assert report.latest == 5

    run_async(run())
    for endpoint in daily + mondays:
        assert len(service.subscription(endpoint).messages) == 1
    with engine.begin() as connection:
        statuses = connection.execute(select(deliveries.c.status)).scalars().all()
        following = dict(
            connection.execute(
                select(devices.c.endpoint, reminders.c.next_fire_at).select_from(
                    reminders.join(devices)
                )
            ).all()
        )
    # A gone subscription's device goes, and its reminders and records with it.
    assert statuses == ["delivered"] * (45 - len(gone))
    assert set(following) == set(daily + mondays)
    assert {following[e] for e in daily} == {int(MONDAY_0830 + 24 * 3600)}
    assert {following[e] for e in mondays} == {int(MONDAY_0830 + 7 * 24 * 3600)}


def test_when_claiming_fails_what_was_claimed_is_still_sent(
    engine: Engine, settings: Settings, service: FakePushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database fails on the third claim: the first two batches still go out and are
    recorded, the error is raised, and the rest go out with the next run."""
    monkeypatch.setattr(claims_module, "BATCH", 7)
    store = DeviceStore(engine, clock=Clock(MONDAY_0830 - 3600))
    endpoints = []
    for _ in range(21):
        subscription = service.subscribe()
        endpoints.append(subscription["endpoint"])
        register(store, subscription)
    claim = Claims.claim
    calls = 0

    def failing_claim(self: Claims, now: int, **options: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OperationalError("UPDATE", {}, Exception("database is locked"))
        return claim(self, now, **options)

    metrics = DispatchMetrics()

    async def run() -> None:
        async with dispatcher(
            engine, settings, service, Clock(MONDAY_0830 + 5), metrics=metrics
        ) as sending:
            with pytest.raises(OperationalError):
                await sending.run()
            assert sum(len(service.subscription(e).messages) for e in endpoints) == 14
            report = await sending.run()
            assert (report.claimed, report.delivered) == (7, 7)

    monkeypatch.setattr(Claims, "claim", failing_claim)
    run_async(run())
    assert [len(service.subscription(e).messages) for e in endpoints] == [1] * 21
    with engine.begin() as connection:
        statuses = connection.execute(select(deliveries.c.status)).scalars().all()
    assert statuses == ["delivered"] * 21
    # The failed run is counted with its cause, for the alert (deploy/prometheus-rules.yml).
    scraped = metrics.exposition().decode()
    assert 'houvast_dispatch_failures_total{cause="database"} 1.0' in scraped
    assert 'houvast_dispatch_failures_total{cause="push"} 0.0' in scraped
    assert "houvast_dispatch_runs_total 2.0" in scraped


@pytest.mark.parametrize("stops", [1, 2])
def test_a_stopped_run_gives_back_what_it_did_not_send(
    engine: Engine,
    settings: Settings,
    service: FakePushService,
    monkeypatch: pytest.MonkeyPatch,
    stops: int,
) -> None:
    """The server stops in the middle of a dispatch (and, the second time, is stopped again
    while it winds down): what was under way is answered before the run ends, what never left
    is sent by the next run (within the ten minutes): each exactly once, nothing stays
    claimed, nothing hangs."""
    # Small chunks and batches: the run is stopped while it waits to add a claimed batch.
    monkeypatch.setattr(batch_module, "CHUNK", 2)
    monkeypatch.setattr(claims_module, "BATCH", 20)
    store = DeviceStore(engine, clock=Clock(MONDAY_0830 - 3600))
    endpoints = []
    for _ in range(40):
        subscription = service.subscribe(script=[(201, {}, 0.2)])  # a slow push service
        endpoints.append(subscription["endpoint"])
        register(store, subscription)

    async def run() -> DispatchReport:
        clock = Clock(MONDAY_0830 + 5)
        async with dispatcher(engine, settings, service, clock, concurrency=4) as sending:
            running = asyncio.create_task(sending.run())
            await asyncio.sleep(0.3)  # some sent, some under way, most still waiting
            for _ in range(stops - 1):
                running.cancel()
                await asyncio.sleep(0)
            await asyncio.wait_for(sending.stop(), timeout=10)
            assert running.cancelled()
            clock.now += 60  # the server is back a minute later
            return await asyncio.wait_for(sending.run(), timeout=10)

    again = run_async(run())
    assert again.claimed >= 20, "most were given back and sent now"
    assert again.delivered == again.claimed
    status = delivery_status(engine)
    with engine.begin() as connection:
        upcoming = set(connection.execute(select(reminders.c.next_fire_at)).scalars())
    received = {e: len(service.subscription(e).messages) for e in endpoints}
    assert set(status) == set(endpoints)
    assert not {"claimed", "posting"} & set(status.values()), "nothing left in between"
    assert set(status.values()) == {"delivered"}
    assert set(received.values()) == {1}, "each arrived, once"
    assert upcoming == {int(MONDAY_0830 + 24 * 3600)}, "all moved on to Tuesday"


def test_a_request_unanswered_when_the_server_stops_is_sent_again_as_the_same_occurrence(
    engine: Engine,
    settings: Settings,
    service: FakePushService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The push service took the message but had not answered when the stop's grace ran out:
    the run gives the claim back instead of guessing, the next run sends it again, and both
    copies are the same occurrence (the phone shows the second in the first one's place)."""
    monkeypatch.setattr(dispatcher_module, "STOP_GRACE", 0.1)
    store = DeviceStore(engine, clock=Clock(MONDAY_0830 - 3600))
    subscription = service.subscribe(script=[(201, {}, 3.0)])  # the first answer comes late
    endpoint = subscription["endpoint"]
    register(store, subscription)

    async def run() -> tuple[DispatchReport, DispatchReport | None]:
        clock = Clock(MONDAY_0830 + 5)
        async with dispatcher(engine, settings, service, clock) as sending:
            running = asyncio.create_task(sending.run())
            async with asyncio.timeout(10):
                while not service.subscription(endpoint).messages:  # taken, not answered
                    await asyncio.sleep(0.01)
            await asyncio.wait_for(sending.stop(), timeout=10)
            stopped = None if running.cancelled() else running.result()
            clock.now += 60
            return await asyncio.wait_for(sending.run(), timeout=10), stopped

    again, _ = run_async(run())
    assert (again.claimed, again.delivered) == (1, 1)
    first, second = service.subscription(endpoint).messages
    assert first.data == second.data and first.topic == second.topic
    assert first.data["at"] == MONDAY_0830
    with engine.begin() as connection:
        assert connection.execute(select(deliveries.c.status)).scalars().all() == ["delivered"]


def test_outcomes_are_written_as_they_settle_not_held_back_by_a_slow_one(
    engine: Engine,
    settings: Settings,
    service: FakePushService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One push service answers late: the others' outcomes are in the database before it
    answers, so a crash meanwhile would not send them again."""
    monkeypatch.setattr(dispatcher_module, "RECORD_WAIT", 0.1)
    store = DeviceStore(engine, clock=Clock(MONDAY_0830 - 3600))
    answer = threading.Event()
    slow = service.subscribe(script=[(201, {}, answer)])  # it answers when the test says
    register(store, slow)
    for _ in range(5):
        register(store, service.subscribe())

    async def run() -> tuple[dict[str, str], DispatchReport]:
        async with dispatcher(engine, settings, service, Clock(MONDAY_0830 + 5)) as sending:
            running = asyncio.create_task(sending.run())
            async with asyncio.timeout(10):
                while (
                    list((await asyncio.to_thread(delivery_status, engine)).values()).count(
                        "delivered"
                    )
                    < 5
                ):
                    await asyncio.sleep(0.05)
            meanwhile = await asyncio.to_thread(delivery_status, engine)
            answer.set()
            return meanwhile, await running

    meanwhile, report = run_async(run())
    assert meanwhile[slow["endpoint"]] == "posting", "the slow one had not answered yet"
    assert report.delivered == 6
    assert set(delivery_status(engine).values()) == {"delivered"}


def test_what_a_dead_instance_was_posting_is_sent_again_in_time_and_given_up_after(
    engine: Engine, settings: Settings, service: FakePushService
) -> None:
    """Delivery rows left ``posting`` by an instance that died: sent again once the lease has
    been over for a second lease (an owner that is only slow has finished with them by then),
    recorded ``unknown`` when found past the ten minutes, left alone while the lease only just
    ran out."""
    now = int(MONDAY_0830) + 5
    lease = 60
    store = DeviceStore(engine, clock=Clock(MONDAY_0830 - 3600))
    endpoints = []
    for _ in range(3):
        subscription = service.subscribe()
        endpoints.append(subscription["endpoint"])
        register(store, subscription)
    with engine.begin() as connection:
        ids = dict(
            connection.execute(
                select(devices.c.endpoint, reminders.c.id).select_from(reminders.join(devices))
            ).all()
        )
        connection.execute(update(reminders).values(next_fire_at=now + 24 * 3600))
        # Leases go by the database's clock (the real time), occurrences by the dispatcher's.
        clock = int(time.time())
        left = [  # (occurrence, lease_until) of each dead instance's row
            (now - 120, clock - 2 * lease - 1),  # in time, lease long over: sent again
            (now - LATE_LIMIT - 60, clock - 2 * lease - 1),  # too late: may have arrived
            (now - 30, clock - 1),  # lease only just over: its owner may still be at it
        ]
        connection.execute(
            insert(deliveries),
            [
                {
                    "reminder_id": ids[endpoint],
                    "occurrence": occurrence,
                    "status": "posting",
                    "attempts": 0,
                    "updated_at": occurrence,
                    "owner": "dead",
                    "lease_until": lease_until,
                }
                for endpoint, (occurrence, lease_until) in zip(endpoints, left, strict=True)
            ],
        )

    async def run() -> DispatchReport:
        async with dispatcher(engine, settings, service, Clock(now), lease=lease) as sending:
            return await sending.run()

    report = run_async(run())
    assert (report.taken_back, report.resent, report.unknown) == (1, 1, 1)
    status = delivery_status(engine)
    assert [status[e] for e in endpoints] == ["delivered", "unknown", "posting"]
    (resent,) = service.subscription(endpoints[0]).messages
    assert resent.data["at"] == now - 120, "as the occurrence it was"
    assert not service.subscription(endpoints[1]).messages
    assert not service.subscription(endpoints[2]).messages


def run_two_dispatchers(
    make: Callable[[], Engine], settings: Settings, service: FakePushService, count: int
) -> list[str]:
    """``count`` reminders due at once, two dispatchers with their own connections racing."""
    setup = make()
    store = DeviceStore(setup, clock=Clock(MONDAY_0830 - 3600))
    endpoints = []
    for _ in range(count):
        subscription = service.subscribe()
        endpoints.append(subscription["endpoint"])
        register(store, subscription)
    setup.dispose()

    async def run() -> tuple[Any, Any]:
        first, second = make(), make()
        clock = Clock(MONDAY_0830 + 2)
        async with (
            dispatcher(first, settings, service, clock) as one,
            dispatcher(second, settings, service, clock) as two,
        ):
            reports = await asyncio.gather(one.run(), two.run(), one.run(), two.run())
        first.dispose()
        second.dispose()
        return reports

    reports = run_async(run())
    assert sum(report.claimed for report in reports) == count
    assert sum(report.delivered for report in reports) == count
    return endpoints


def test_two_dispatchers_on_one_database_send_each_once(
    engine: Engine, settings: Settings, service: FakePushService
) -> None:
    """Two processes' dispatchers race for the same 60 reminders (on PostgreSQL claims use
    FOR UPDATE SKIP LOCKED; on SQLite the write lock takes turns)."""
    endpoints = run_two_dispatchers(lambda: make_engine(settings.database), settings, service, 60)
    assert [len(service.subscription(e).messages) for e in endpoints] == [1] * 60


def test_old_delivery_records_are_pruned(
    engine: Engine, settings: Settings, service: FakePushService
) -> None:
    store = DeviceStore(engine, clock=Clock(MONDAY_0830 - 3600))
    register(store, service.subscribe())

    async def run() -> int:
        clock = Clock(MONDAY_0830 + 1)
        async with dispatcher(engine, settings, service, clock) as sending:
            await sending.run()
            clock.now += 9 * 24 * 3600
            return sending.prune()

    assert run_async(run()) == 1
    with engine.begin() as connection:
        assert connection.execute(select(deliveries)).all() == []


def test_the_app_runs_the_dispatcher_in_its_lifespan(settings: Settings) -> None:
    app = create_app(settings)

    async def run() -> None:
        async with app.router.lifespan_context(app) as state:
            scheduler = state["scheduler"]
            job = scheduler.get_job("dispatch")
            assert scheduler.running and job is not None
            assert job.trigger.interval == timedelta(seconds=settings.dispatch_interval)
            # Runs fall on whole minutes, when reminders are due: 15 s means :00 :15 :30 :45.
            first = job.next_run_time.timestamp()
            assert first % settings.dispatch_interval == 0
            assert 0 < first - time.time() <= settings.dispatch_interval
        assert not scheduler.running, "stopped with the app"

    run_async(run())
