"""The set builder (/<locale>/make-set) and what the client needs to read a set inside its link:
served in both languages, never stored by the worker, with the values a set may carry."""

from __future__ import annotations

import json
import re

import pytest
from starlette.testclient import TestClient

from server.exercises import load_exercises
from server.settings import PROJECT_ROOT


def page_data(html: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    assert found
    data: dict[str, object] = json.loads(found.group(1))
    return data


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_the_builder_offers_every_exercise_with_what_a_therapist_may_set(
    client: TestClient, locale: str
) -> None:
    response = client.get(f"/{locale}/make-set")
    assert response.status_code == 200
    assert f'lang="{locale}"' in response.text
    data = page_data(response.text)
    exercises = load_exercises(PROJECT_ROOT / "exercises")
    offered = {e["id"]: e["timings"] for e in data["exercises"]}  # type: ignore[attr-defined]
    assert set(offered) == set(exercises)
    for exercise_id, exercise in exercises.items():
        expected = [
            [key, bounds.value, bounds.low, bounds.high]
            for key, _, _, bounds in exercise.adjustable("therapist")
        ]
        assert [[t[0], *t[3:]] for t in offered[exercise_id]] == expected
    assert data["setLinks"] == {"nl": "/nl/set#s=", "en": "/en/set#s="}
    strings = data["strings"]
    assert isinstance(strings, dict) and "%(min)s" in strings["ms_bad_value"]


def test_the_builder_and_its_files_are_not_stored_offline(client: TestClient) -> None:
    worker = client.get("/sw.js").text
    assert "make-set" not in worker
    assert "qrcode-generator" not in worker and "tiny-inflate" not in worker
    assert "set-link.js" not in worker, "a set is read from its link once, online"


def test_the_client_reads_a_link_set_against_the_same_ranges_a_therapist_has(
    client: TestClient,
) -> None:
    """pwa/js/online/set-link.js checks a set's values against app.json's timings, which are what a
    person may change; a set carries what a therapist may. Should they ever differ, app.json
    must carry the therapist's ranges too."""
    for exercise in load_exercises(PROJECT_ROOT / "exercises").values():
        person = [(k, b) for k, _, _, b in exercise.adjustable("person")]
        therapist = [(k, b) for k, _, _, b in exercise.adjustable("therapist")]
        assert person == therapist, exercise.id
