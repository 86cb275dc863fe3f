"""Every URL comes from the route table: moving the pages under a prefix needs no other change."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from starlette.routing import BaseRoute, Mount
from starlette.testclient import TestClient

from server.app import create_app
from server.routes import page_routes, routes
from tests.conftest import isolated_settings
from tests.test_offline import precache_of


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.add(value.split("#")[0])


def links_of(html: str) -> set[str]:
    parser = _Links()
    parser.feed(html)
    return {link for link in parser.found if link.startswith("/")}


def crawl(client: TestClient, start: str) -> set[str]:
    """Follow every link on our own pages from ``start``; return the pages seen."""
    seen: set[str] = set()
    queue = [start]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, f"{path} answered {response.status_code}"
        if response.headers["content-type"].startswith("text/html"):
            queue += sorted(links_of(response.text) - seen)
    return seen


def with_pages_under(prefix: str) -> list[BaseRoute]:
    """The route table with the client's pages moved under ``prefix``."""
    others = [route for route in routes if getattr(route, "path", "") != "/{locale:locale}"]
    assert len(others) == len(routes) - 1
    return [*others, Mount(f"{prefix}/{{locale:locale}}", routes=page_routes)]


@pytest.mark.parametrize("prefix", ["", "/app"])
def test_every_link_and_stored_url_follows_the_route_table(tmp_path: Path, prefix: str) -> None:
    app = create_app(
        isolated_settings(tmp_path / "data"), routes=with_pages_under(prefix), dispatch=False
    )
    with TestClient(app) as client:
        assert client.get("/", headers={"Accept-Language": "en"}).url.path == f"{prefix}/en/"
        pages = crawl(client, "/")
        assert f"{prefix}/nl/exercises/grounding" in pages
        assert f"{prefix}/en/reminders" in pages
        config = precache_of(client.get("/sw.js").text)
        assert config["homes"] == {"nl": f"{prefix}/nl/", "en": f"{prefix}/en/"}
        for url in [*config["stored"], *config["offline"].values()]:
            assert client.get(url).status_code == 200, url
        # The scripts' URL templates, and the reminders page's API templates.
        templates = client.get(f"{prefix}/nl/app.json").json()["urls"]
        assert client.get(templates["exercise"].replace("{id}", "grounding")).status_code == 200
        for name in ("home", "history", "help", "settings", "worker"):
            assert client.get(templates[name]).status_code == 200, name
        page = client.get(f"{prefix}/en/reminders").text
        data = re.search(r'id="page-data">(.*?)</script>', page)
        assert data
        assert client.get(json.loads(data.group(1))["api"]["pushKey"]).status_code == 200
        # The language switch lands on the same page in the other language.
        switched = client.get("/lang/en/about")
        assert switched.status_code == 200 and switched.url.path == f"{prefix}/en/about"
        missing = client.get(f"{prefix}/en/nowhere")
        assert missing.status_code == 404 and 'lang="en"' in missing.text


def test_links_never_come_from_the_host_header(tmp_path: Path) -> None:
    settings = isolated_settings(tmp_path / "data", public_url="https://houvast.example.org")
    with TestClient(create_app(settings, dispatch=False)) as client:
        html = client.get("/nl/", headers={"Host": "evil.test"}).text
        assert "evil.test" not in html
        assert 'hreflang="en" href="https://houvast.example.org/en/"' in html
