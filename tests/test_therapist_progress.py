"""Progress a client chose to share: opting in, sending runs (once each, never notes),
withdrawing, and what the therapist sees: runs per week, completed and stopped, the average
change before → after, as a chart and a table."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from starlette.testclient import TestClient

from server.settings import Settings
from server.therapist.progress import RUNS_PER_DAY
from server.therapist.tables import progress_links, progress_runs, shares
from tests.therapist import (
    any_database,
    count,
    create_set,
    make_therapist,
    open_client,
    share,
    side_of,
)

__all__ = ["any_database"]

# A Wednesday: the week of Monday 2026-11-23 is "this week" in these tests.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
# When the set was shared, in most tests: long enough ago for any run they send.
SHARED = NOW - timedelta(days=400)


def run(
    started: datetime,
    status: str = "completed",
    before: int | None = 6,
    after: int | None = 3,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "exercise": "grounding",
        "started": started.isoformat().replace("+00:00", "Z"),
        "seconds": 150,
        "status": status,
        "before": before,
        "after": after,
        **extra,
    }


def opted_in(client: TestClient, shared: datetime = SHARED) -> tuple[Any, str, str]:
    """A therapist with a set shared at ``shared`` whose client opted in, and it is NOW:
    (therapist, set id, secret)."""
    side = side_of(client)
    side.set_clock(lambda: NOW.timestamp())
    person = make_therapist(client, "a@example.org")
    set_id = create_set(person)
    _, token, _ = share(person, set_id)
    with side.engine.begin() as connection:
        connection.execute(update(shares).values(created_at=int(shared.timestamp())))
    response = client.post("/api/sets/progress", json={"token": token})
    assert response.status_code == 201
    return person, set_id, response.json()["secret"]


def send(client: TestClient, secret: str, runs: list[dict[str, Any]], **headers: str) -> Any:
    return client.post(
        "/api/progress/runs",
        json={"runs": runs},
        headers={"Authorization": f"Bearer {secret}", **headers},
    )


def test_opting_in_gives_a_new_secret_kept_as_a_hash(client: TestClient) -> None:
    person, set_id, secret = opted_in(client)
    _, token, _ = share(person, set_id)
    second = client.post("/api/sets/progress", json={"token": token}).json()["secret"]
    assert second != secret and len(secret) >= 43
    with side_of(client).engine.connect() as connection:
        hashes = {row.secret_hash for row in connection.execute(select(progress_links))}
    assert hashes == {hashlib.sha256(s.encode()).hexdigest() for s in (secret, second)}


def test_a_run_sent_twice_is_kept_once(any_database: Settings) -> None:
    with open_client(any_database) as client:
        _, _, secret = opted_in(client)
        first, second = run(NOW - timedelta(days=1)), run(NOW, "stopped", None, None)
        assert send(client, secret, [first]).json() == {"stored": 1}
        assert send(client, secret, [first, second, second]).json() == {"stored": 1}
        assert send(client, secret, [first, second]).json() == {"stored": 0}
        assert count(client, progress_runs) == 2


def test_runs_older_than_what_is_kept_are_not_stored(tmp_path: Any) -> None:
    from tests.conftest import isolated_settings

    with open_client(isolated_settings(tmp_path / "data", progress_days=28)) as client:
        _, _, secret = opted_in(client)
        old, recent = run(NOW - timedelta(days=29)), run(NOW - timedelta(days=27))
        assert send(client, secret, [old, recent]).json() == {"stored": 1}
        # Two days on, the kept one is past the limit too: gone once anyone looks.
        side_of(client).set_clock(lambda: (NOW + timedelta(days=2)).timestamp())
        side_of(client).progress.shared(1)
        assert count(client, progress_runs) == 0


def test_withdrawing_deletes_everything_shared_at_once(any_database: Settings) -> None:
    with open_client(any_database) as client:
        person, set_id, secret = opted_in(client)
        send(client, secret, [run(NOW), run(NOW)])
        assert count(client, progress_runs) == 2
        auth = {"Authorization": f"Bearer {secret}"}
        assert client.delete("/api/progress", headers=auth).status_code == 204
        assert count(client, progress_runs) == 0 and count(client, progress_links) == 0
        assert client.delete("/api/progress", headers=auth).status_code == 404
        assert send(client, secret, [run(NOW)]).status_code == 404
        assert "No client shares their progress" in person.get(f"/t/en/sets/{set_id}/progress").text


def test_runs_dated_in_the_future_or_before_the_share_are_refused(any_database: Settings) -> None:
    with open_client(any_database) as client:
        _, _, secret = opted_in(client, shared=NOW - timedelta(days=3))
        english = {"Accept-Language": "en"}
        ahead = send(client, secret, [run(NOW), run(NOW + timedelta(hours=23))], **english)
        assert ahead.status_code == 400
        assert ahead.json()["message"] == (
            "Exercise 2 sent starts in the future. Check the date and time on your phone."
        )
        early = send(client, secret, [run(NOW - timedelta(days=4))], **english)
        assert early.status_code == 400
        assert early.json()["message"] == (
            "Exercise 1 sent starts before this set was shared with you."
        )
        assert count(client, progress_runs) == 0
        # A phone's clock a few minutes off is no reason to refuse.
        skewed = [run(NOW + timedelta(minutes=5)), run(NOW - timedelta(days=3, minutes=5))]
        assert send(client, secret, skewed).json() == {"stored": 2}


def test_a_link_takes_no_more_runs_a_day_than_a_person_can_do(any_database: Settings) -> None:
    with open_client(any_database) as client:
        _, _, secret = opted_in(client)
        day = NOW - timedelta(days=1, hours=10)
        full = [run(day + timedelta(minutes=n)) for n in range(RUNS_PER_DAY)]
        assert send(client, secret, full).json() == {"stored": RUNS_PER_DAY}
        # The same runs again count once; one more that day is one too many.
        assert send(client, secret, full).json() == {"stored": 0}
        extra = send(client, secret, [run(day + timedelta(hours=5))], **{"Accept-Language": "en"})
        assert extra.status_code == 400
        assert extra.json()["message"] == (
            f"At most {RUNS_PER_DAY} exercises a day can be shared; "
            f"{day.date().isoformat()} would have more."
        )
        # In one batch too, and nothing of a refused batch is kept.
        other_day = NOW - timedelta(days=5)
        batch = [run(other_day + timedelta(minutes=n)) for n in range(RUNS_PER_DAY + 1)]
        assert send(client, secret, batch).status_code == 400
        assert count(client, progress_runs) == RUNS_PER_DAY
        assert send(client, secret, [run(NOW)]).json() == {"stored": 1}


def test_notes_and_unknown_fields_are_refused_and_nothing_is_stored(client: TestClient) -> None:
    _, _, secret = opted_in(client)
    response = send(
        client, secret, [run(NOW), run(NOW, note="my words")], **{"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Exercise 2 sent could not be read: note."
    assert count(client, progress_runs) == 0


def test_a_missing_or_unknown_secret_is_not_found(client: TestClient) -> None:
    opted_in(client)
    assert client.post("/api/progress/runs", json={"runs": []}).status_code == 404
    assert send(client, "x" * 43, [run(NOW)]).status_code == 404
    assert client.delete("/api/progress").status_code == 404
    assert count(client, progress_runs) == 0


RUN_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.uuids().map(str), st.text(max_size=40), st.integers()),
        "exercise": st.one_of(st.sampled_from(["grounding", "protector", "nope"]), st.none()),
        "started": st.one_of(
            st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
            st.datetimes().map(lambda d: d.isoformat()),
            st.text(max_size=30),
        ),
        "seconds": st.one_of(st.integers(-10, 100_000), st.floats(), st.booleans()),
        "status": st.sampled_from(["completed", "stopped", "done", ""]),
        "before": st.one_of(st.none(), st.integers(-3, 13), st.text(max_size=3)),
        "after": st.one_of(st.none(), st.integers(-3, 13)),
        "note": st.text(max_size=10),
    },
)


@hypothesis_settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(runs=st.lists(RUN_FIELDS, max_size=3), wrap=st.booleans())
def test_any_runs_get_a_clear_answer_and_a_refused_batch_stores_nothing(
    client: TestClient, runs: list[dict[str, Any]], wrap: bool
) -> None:
    side = side_of(client)
    side.throttle.reset()
    if not hasattr(client, "secret"):
        client.secret = opted_in(client)[2]  # type: ignore[attr-defined]
    side.set_clock(lambda: NOW.timestamp())
    before = count(client, progress_runs)
    body: Any = {"runs": runs} if wrap else runs
    response = client.post(
        "/api/progress/runs",
        content=json.dumps(body),
        headers={"Authorization": f"Bearer {client.secret}", "Content-Type": "application/json"},  # type: ignore[attr-defined]
    )
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.json()["message"] and count(client, progress_runs) == before
    else:
        assert count(client, progress_runs) == before + response.json()["stored"]


def table_rows(page: str, kind: str) -> list[list[str]]:
    """The body rows of the progress page's tables of a kind (weeks, runs, phones), each as
    the texts of its cells, the row's heading first, tags inside a cell dropped."""
    found = []
    for table in re.findall(rf'<table class="t-table t-{kind}".*?</table>', page, re.S):
        body = table.split("<tbody>", 1)[1]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            found.append([re.sub(r"<[^>]+>", "", cell).strip() for cell in cells])
    return found


def test_the_therapist_sees_weeks_of_runs_and_the_change_in_distress(client: TestClient) -> None:
    person, set_id, secret = opted_in(client)
    this_week = [
        run(NOW - timedelta(days=1), before=7, after=4),
        run(NOW - timedelta(days=2), before=5, after=4),
        run(NOW - timedelta(hours=3), "stopped", before=8, after=None),
    ]
    last_week = [run(NOW - timedelta(days=8), before=6, after=6)]
    assert send(client, secret, this_week + last_week).json() == {"stored": 4}
    page = person.get(f"/t/en/sets/{set_id}/progress")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    # Runs, completed, stopped, average before, after, change (after − before, rated runs only);
    # the ten weeks before them without a run are one row, not ten.
    assert table_rows(page.text, "weeks") == [
        ["Sep 7\u2009–\u2009Nov 15, 2026", "10 weeks without exercises"],
        ["Nov 16, 2026", "1", "1", "0", "6.0", "6.0", "+0.0"],
        ["Nov 23, 2026", "3", "2", "1", "6.7", "4.0", "−2.0"],
    ]
    chart = re.search(r'<svg class="t-chart t-chart-runs".*?</svg>', page.text, re.S)
    assert chart
    assert len(re.findall(r'class="t-chart-completed"', chart.group(0))) == 2
    assert len(re.findall(r'class="t-chart-stopped"', chart.group(0))) == 1
    heights = [
        float(h)
        for h in re.findall(r'class="t-chart-completed"[^>]*height="([\d.]+)"', chart.group(0))
    ]
    assert heights[1] == 2 * heights[0], "two completed runs stand twice as tall as one"
    change = re.search(r'<svg class="t-chart t-chart-change".*?</svg>', page.text, re.S)
    assert change and len(re.findall(r'class="t-chart-dot"', change.group(0))) == 2
    assert 'class="t-why" id=' not in page.text, "no chart or column is empty: nothing to explain"
    dutch = person.get(f"/t/nl/sets/{set_id}/progress").text
    assert "23 nov 2026" in dutch and "Gestopt" in dutch


def test_the_therapist_sees_each_run_newest_first(any_database: Settings) -> None:
    with open_client(any_database) as client:
        person, set_id, secret = opted_in(client)
        runs = [
            run(NOW - timedelta(days=20, hours=2), before=None, after=2),
            run(NOW - timedelta(hours=3), "stopped", before=8, after=None, exercise="protector"),
            run(NOW - timedelta(days=1), before=None, after=None, exercise="paced-breathing"),
        ]
        assert send(client, secret, runs).json() == {"stored": 3}
        page = person.get(f"/t/en/sets/{set_id}/progress").text
        # When (in Amsterdam, an hour ahead of UTC in November), exercise, completed or
        # stopped, before, after; an empty rating says whether the exercise asks for it.
        assert table_rows(page, "runs") == [
            ["Wed, Nov 25, 2026, 10:00", "Your protector", "Stopped", "8", "not given"],
            [
                "Tue, Nov 24, 2026, 13:00",
                "Breathing with a longer out-breath",
                "Completed",
                "not given",
                "not given",
            ],
            ["Thu, Nov 5, 2026, 11:00", "Here and now", "Completed", "not asked", "2"],
        ]
        assert "Phone" not in page, "one phone: no column to tell phones apart"
        dutch = table_rows(person.get(f"/t/nl/sets/{set_id}/progress").text, "runs")
        assert dutch[0] == [
            "wo 25 nov 2026, 10:00",
            "Je beschermer",
            "Gestopt",
            "8",
            "niet gegeven",
        ]
        assert dutch[2][1:] == ["Hier en nu", "Afgerond", "niet gevraagd", "2"]


def test_weeks_without_runs_are_folded_into_one_row(client: TestClient) -> None:
    person, set_id, secret = opted_in(client)
    runs = [
        run(NOW - timedelta(weeks=11)),
        run(NOW - timedelta(weeks=7)),
        run(NOW - timedelta(weeks=5)),
    ]
    assert send(client, secret, runs).json() == {"stored": 3}
    weeks = table_rows(person.get(f"/t/en/sets/{set_id}/progress").text, "weeks")
    assert [row[:2] for row in weeks] == [
        ["Sep 7, 2026", "1"],
        ["Sep 14\u2009–\u2009Oct 4, 2026", "3 weeks without exercises"],
        ["Oct 5, 2026", "1"],
        ["Oct 12\u2009–\u200918, 2026", "1 week without exercises"],
        ["Oct 19, 2026", "1"],
        ["Oct 26\u2009–\u2009Nov 29, 2026", "5 weeks without exercises"],
    ]


def test_phones_sharing_through_one_link_get_a_row_each(any_database: Settings) -> None:
    with open_client(any_database) as client:
        person, set_id, first = opted_in(client)
        # A second phone opened the same link and chose to share too: a secret of its own.
        with side_of(client).engine.connect() as connection:
            share_id = connection.execute(select(shares.c.id)).scalar_one()
        second = side_of(client).progress.opt_in(share_id)
        assert send(client, first, [run(NOW - timedelta(days=1)), run(NOW - timedelta(days=9))])
        assert send(client, second, [run(NOW - timedelta(hours=2), "stopped", 5, None)])
        page = person.get(f"/t/en/sets/{set_id}/progress").text
        assert "2 phones share through this link" in page
        phones = table_rows(page, "phones")
        assert [row[0] for row in phones] == ["Phone 1", "Phone 2"]
        assert [row[2:] for row in phones] == [
            ["2", "Tue, Nov 24, 2026, 13:00"],
            ["1", "Wed, Nov 25, 2026, 11:00"],
        ]
        assert [row[1] for row in table_rows(page, "runs")] == ["Phone 2", "Phone 1", "Phone 1"]
        # This week: a row per phone; last week only the first phone ran.
        assert table_rows(page, "weeks")[1:] == [
            ["Nov 16, 2026", "Phone 1", "1", "1", "0", "6.0", "3.0", "−3.0"],
            ["Nov 23, 2026", "Phone 1", "1", "1", "0", "6.0", "3.0", "−3.0"],
            ["Nov 23, 2026", "Phone 2", "1", "0", "1", "5.0", "–", "–"],
        ]


def test_dates_are_in_the_practices_time_zone(any_database: Settings, tmp_path: Any) -> None:
    from tests.conftest import isolated_settings

    late = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # a Sunday night in UTC
    with open_client(any_database) as client:
        person, set_id, secret = opted_in(client, shared=late - timedelta(hours=1))
        assert send(client, secret, [run(late)]).json() == {"stored": 1}
        page = person.get(f"/t/en/sets/{set_id}/progress").text
        # In Amsterdam it is half past midnight on Monday: the run belongs to the new week.
        assert table_rows(page, "runs")[0][0] == "Mon, Nov 23, 2026, 00:30"
        assert table_rows(page, "weeks")[-1][:2] == ["Nov 23, 2026", "1"]
        assert "Link made November 22, 2026" in page  # 23:10 in Amsterdam
    with open_client(isolated_settings(tmp_path / "utc", time_zone=ZoneInfo("UTC"))) as client:
        person, set_id, secret = opted_in(client, shared=late - timedelta(hours=1))
        assert send(client, secret, [run(late)]).json() == {"stored": 1}
        page = person.get(f"/t/en/sets/{set_id}/progress").text
        assert table_rows(page, "runs")[0][0] == "Sun, Nov 22, 2026, 23:30"
        assert table_rows(page, "weeks")[-2:] == [
            ["Nov 16, 2026", "1", "1", "0", "6.0", "3.0", "−3.0"],
            ["Nov 23\u2009–\u200929, 2026", "1 week without exercises"],
        ]


def test_an_empty_chart_or_column_says_why(client: TestClient) -> None:
    person, set_id, secret = opted_in(client)
    url = f"/t/en/sets/{set_id}/progress"

    def why(page: str, part: str) -> str:
        found = re.search(rf'class="t-why" id="{part}-1">(.*?)</(p|div|dl)>\s', page, re.S)
        assert found, part
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()

    page = person.get(url).text
    assert "<svg" not in page.split("<main", 1)[1]
    assert why(page, "runs-why") == "No exercises have come in yet."
    assert why(page, "change-why") == "No exercises have come in yet."
    assert why(page, "list-why") == "No exercises have come in yet."
    assert table_rows(page, "weeks") == [
        ["Sep 7\u2009–\u2009Nov 29, 2026", "12 weeks without exercises"]
    ]

    # A run older than the weeks shown: the chart says there was none in those weeks.
    send(client, secret, [run(NOW - timedelta(weeks=13), before=None, after=3)])
    page = person.get(url).text
    assert why(page, "runs-why") == "No exercises in the last 12 weeks."
    assert len(table_rows(page, "runs")) == 1, "the list shows every run kept"

    # Here and now asks for a rating only afterwards: no change to show, no column before.
    send(client, secret, [run(NOW - timedelta(days=1), before=None, after=3)])
    page = person.get(url).text
    assert 'class="t-chart t-chart-runs"' in page and "t-chart-change" not in page
    assert why(page, "change-why") == "Here and now asks for a rating only afterwards."
    # Each reason once on the page: the columns with the same reason under one heading, which
    # points up to the chart's.
    assert why(page, "columns-why") == (
        "Columns “Before” and “After − before” are empty For the same reason as above."
    )
    assert page.count("Here and now asks for a rating only afterwards.") == 1

    # An exercise that asks both, its ratings skipped: the reasons add up.
    send(
        client,
        secret,
        [run(NOW - timedelta(days=2), before=None, after=None, exercise="paced-breathing")],
    )
    page = person.get(url).text
    assert why(page, "change-why") == (
        "Here and now asks for a rating only afterwards. No ratings given: a rating can be "
        "skipped, and an exercise that was stopped may end before the rating is asked."
    )
    assert why(page, "columns-why") == (
        "Columns “Before” and “After − before” are empty For the same reason as above."
    )
    assert page.count("No ratings given") == 1, "said once, not under every column"
    dutch = person.get(f"/t/nl/sets/{set_id}/progress").text
    assert "Hier en nu vraagt alleen achteraf om een cijfer." in dutch
    assert dutch.count("Geen cijfers gegeven") == 1


def test_nothing_is_shown_without_an_opt_in(client: TestClient) -> None:
    side_of(client).set_clock(lambda: NOW.timestamp())
    person = make_therapist(client, "a@example.org")
    set_id = create_set(person)
    share(person, set_id)
    page = person.get(f"/t/en/sets/{set_id}/progress").text
    assert "No client shares their progress with this set." in page
    assert "<svg" not in page.split("<main", 1)[1] and "<table" not in page


def test_runs_sent_as_the_client_withdraws_are_not_found_and_nothing_is_stored(
    any_database: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_client(any_database) as client:
        _, _, secret = opted_in(client)
        progress = side_of(client).progress
        look_up = progress.link

        def withdrawn_meanwhile(sent: str) -> Any:
            found = look_up(sent)
            progress.withdraw(sent)  # the client's other request, between lookup and storing
            return found

        monkeypatch.setattr(progress, "link", withdrawn_meanwhile)
        response = send(client, secret, [run(NOW)], **{"Accept-Language": "en"})
        assert response.status_code == 404 and response.json()["error"] == "secret"
        assert count(client, progress_runs) == 0 and count(client, progress_links) == 0


def test_of_identical_posts_at_once_exactly_one_reports_the_run_stored(
    any_database: Settings,
) -> None:
    with open_client(any_database) as client:
        _, _, secret = opted_in(client)

        def post(same: list[dict[str, Any]], ready: threading.Barrier) -> int:
            ready.wait()
            return int(send(client, secret, same).json()["stored"])

        for _ in range(5):
            same, ready = [run(NOW)], threading.Barrier(8)
            with ThreadPoolExecutor(8) as pool:
                answers = list(pool.map(post, [same] * 8, [ready] * 8))
            assert sorted(answers) == [0] * 7 + [1]
        assert count(client, progress_runs) == 5


def test_each_link_s_progress_is_headed_by_its_label(client: TestClient) -> None:
    """Two links made the same day for two clients: the label tells them apart."""
    person, set_id, _ = opted_in(client)
    _, token, _ = share(person, set_id, label="D-1042 b")
    assert client.post("/api/sets/progress", json={"token": token}).status_code == 201
    page = person.get(f"/t/en/sets/{set_id}/progress").text
    headings = re.findall(r'<h2 id="progress-\d">([^<]+)</h2>', page)
    assert headings == [
        "Link “D-1042 b”, made November 25, 2026",
        "Link made October 21, 2025",
    ]
