from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.i18n import LOCALE_COOKIE
from server.settings import Settings
from tests.client_pages import EXERCISE_IDS, PAGES


def lang_of(html: str) -> str:
    match = re.search(r'<html lang="([a-z]+)"', html)
    assert match
    return match.group(1)


@pytest.mark.parametrize("locale", ["nl", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_both_languages(client: TestClient, locale: str, page: str) -> None:
    response = client.get(f"/{locale}/{page}")
    assert response.status_code == 200
    html = response.text
    assert lang_of(html) == locale
    assert f'href="/{locale}/exercises/grounding#start"' in html, "the way out is missing"
    assert f'href="/{locale}/help"' in html
    other = "en" if locale == "nl" else "nl"
    assert f'href="/lang/{other}/{page}"' in html, "the switch must keep the same page"
    for hreflang in ("nl", "en"):
        # Absolute, on the configured address (never the request's Host).
        assert f'hreflang="{hreflang}" href="http://127.0.0.1:8000/{hreflang}/{page}"' in html
    assert "<script>" not in html and " style=" not in html


def test_home_lists_every_exercise_with_purpose_and_length(client: TestClient) -> None:
    nl = client.get("/nl/").text
    en = client.get("/en/").text
    for exercise_id in EXERCISE_IDS:
        assert f'href="/nl/exercises/{exercise_id}"' in nl
    assert "Ongeveer 3 minuten" in nl and "About 3 minutes" in en
    assert nl.count('class="exercise-purpose"') == len(EXERCISE_IDS)
    assert "Te veel?" in nl and "Too much?" in en


def test_exercise_page_shows_overview_and_start(client: TestClient) -> None:
    html = client.get("/nl/exercises/stop-partner").text
    assert "Wanneer je dit beter met steun doet" in html
    assert 'id="start" href="#steps"' in html, "without script, Start leads to the steps"
    data = re.search(r'<script type="application/json" id="exercise-data">(.*?)</script>', html)
    assert data, "the player gets the exercise as one JSON document"
    exercise = json.loads(data.group(1))
    practise = next(step for step in exercise["steps"] if step["id"] == "practise-stop")
    action = practise["steps"][0]
    assert action["kind"] == "action" and action["button"] == "STOP"
    assert action["timeout"] == {"value": 60, "min": 15, "max": 300}
    assert re.search(r"\d+ rondes", html), "the rounds are not in the overview"
    assert "seconden" in html
    english = client.get("/en/exercises/stop-partner").text
    assert "When to do this with support" in english and re.search(r"\d+ rounds", english)


def test_help_shows_the_crisis_numbers_from_settings(client: TestClient) -> None:
    html = client.get("/nl/help").text
    assert 'href="tel:113"' in html and 'href="tel:08000113"' in html
    assert 'href="tel:112"' in html and "huisarts" in html
    assert "113 Zelfmoordpreventie" in html


def test_crisis_numbers_are_deployment_settings(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "HOUVAST_DATA_DIR": str(tmp_path),
            "HOUVAST_CRISIS_NAME": "Tele-Onthaal",
            "HOUVAST_CRISIS_PHONE": "106",
            "HOUVAST_CRISIS_PHONE_FREE": "1813",
            "HOUVAST_EMERGENCY_PHONE": "+32 112",
        }
    )
    with TestClient(create_app(settings, dispatch=False)) as client:
        html = client.get("/en/help").text
        # What a "too much" offer in an exercise shows (base.html's template of help lines).
        exercise = client.get("/nl/exercises/grounding").text
    assert "Tele-Onthaal" in html and 'href="tel:106"' in html and 'href="tel:+32112"' in html
    assert 'href="tel:113"' not in html
    lines = exercise[exercise.index('<template id="help-lines">') :]
    assert "Tele-Onthaal" in lines and 'href="tel:1813"' in lines and 'href="tel:+32112"' in lines
    assert 'href="tel:113"' not in exercise


def test_about_says_it_is_not_therapy(client: TestClient) -> None:
    assert "geen therapie" in client.get("/nl/about").text
    assert "not therapy" in client.get("/en/about").text


@pytest.mark.parametrize(
    ("path", "locale", "text"),
    [
        ("/en/exercises/no-such-thing", "en", "Page not found"),
        ("/nl/exercises/no-such-thing", "nl", "Pagina niet gevonden"),
        ("/en/nothing-here", "en", "Page not found"),
        ("/fr/", "nl", "Pagina niet gevonden"),
        ("/xx/exercises/grounding", "nl", "Pagina niet gevonden"),
        ("/nothing", "nl", "Pagina niet gevonden"),
        ("/static/0000/css/app.css", "nl", "Not found"),
    ],
)
def test_unknown_pages_get_a_404_in_the_right_language(
    client: TestClient, path: str, locale: str, text: str
) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert text in response.text
    if "static" not in path:
        assert lang_of(response.text) == locale


@pytest.mark.parametrize(
    ("header", "target"),
    [
        ("en-GB,en;q=0.9", "/en/"),
        ("nl-BE", "/nl/"),
        ("fr", "/nl/"),
        ("\x00;;q=,", "/nl/"),
        ("", "/nl/"),
    ],
)
def test_root_follows_accept_language(client: TestClient, header: str, target: str) -> None:
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 302
    assert response.headers["location"] == target


def test_an_explicit_choice_is_remembered(client: TestClient) -> None:
    response = client.get("/lang/en/exercises/protector")
    assert response.status_code == 303
    assert response.headers["location"] == "/en/exercises/protector"
    assert f"{LOCALE_COOKIE}=en" in response.headers["set-cookie"]
    again = client.get("/", headers={"Accept-Language": "nl"})
    assert again.headers["location"] == "/en/"


def test_the_switch_only_goes_to_a_known_language_on_this_site(client: TestClient) -> None:
    assert client.get("/lang/fr/").status_code == 404
    response = client.get("/lang/en//evil.example/")
    assert response.headers["location"] == "/en/evil.example/"


def test_security_headers_on_every_response(client: TestClient) -> None:
    for path in ("/nl/", "/nope", "/"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"
        assert "camera=()" in headers["permissions-policy"]


def test_pages_are_compressed(client: TestClient) -> None:
    response = client.get("/nl/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    raw = client.get("/nl/exercises/four-s", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert len(gzip.compress(raw.content)) < len(raw.content)


def test_static_assets_have_content_hashed_urls(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/en/").text
    match = re.search(r'href="(/static/([0-9a-f]{12})/css/app\.css)"', html)
    assert match
    response = client.get(match.group(1))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert "immutable" in response.headers["cache-control"]
    assert client.get("/static/000000000000/css/app.css").status_code == 404
    assert client.get(f"/static/{match.group(2)}/../server/app.py").status_code == 404


def test_home_puts_stabilising_exercises_before_the_boundary_practice(client: TestClient) -> None:
    html = client.get("/en/").text
    order = [html.index(f'href="/en/exercises/{e}"') for e in EXERCISE_IDS]
    positions = dict(zip(EXERCISE_IDS, order, strict=True))
    for calm in ("grounding", "protector", "body-scan", "four-s"):
        for boundary in ("stop-solo", "stop-partner"):
            assert positions[calm] < positions[boundary], (calm, boundary)


def test_the_help_page_speaks_as_dutch_health_care_does(client: TestClient) -> None:
    html = client.get("/nl/help").text
    for words in (
        "Levensgevaar? Bel 112",
        "Snel hulp nodig, maar geen levensgevaar?",
        "Bel je huisarts; 's avonds, 's nachts en in het weekend de huisartsenpost.",
        "Ben je al in behandeling?",
        "Bel de crisisdienst of het nummer van je behandelaar.",
    ):
        assert words in html.replace("&#39;", "'"), words


def test_home_groups_the_exercises_calm_first(client: TestClient) -> None:
    html = client.get("/nl/").text
    headings = re.findall(r'<h2 class="list-heading" id="section-([a-z]+)">', html)
    assert headings == ["grounding", "resources", "body", "connection", "boundaries"]
    first = html.index('id="section-grounding"')
    assert (
        first < html.index('href="/nl/exercises/grounding"') < html.index('id="section-resources"')
    )
