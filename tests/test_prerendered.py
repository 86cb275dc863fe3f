"""The client's pages reach browsers as the bytes the service worker stores: rendered once per
release, compressed once, with an ETag that a second visit turns into a 304."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.prerendered import accepts_gzip
from server.security import SECURITY_HEADERS
from tests.conftest import isolated_settings
from tests.worker import install


def stored_copy(client: TestClient, url: str) -> bytes:
    """What the worker keeps for ``url``, from its bundles (its install run under Node)."""
    return install(client).stored[url][1]


@pytest.mark.parametrize("path", ["/nl/", "/en/exercises/grounding", "/nl/app.json"])
def test_a_page_is_the_workers_bytes_compressed_once(client: TestClient, path: str) -> None:
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert zipped.content == stored_copy(client, path)  # httpx unzips it
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.content == zipped.content
    assert plain.headers["etag"] == zipped.headers["etag"]
    for name, value in SECURITY_HEADERS.items():
        assert zipped.headers[name] == value


def test_a_second_visit_with_the_etag_gets_304(client: TestClient) -> None:
    first = client.get("/nl/about")
    again = client.get("/nl/about", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    other = client.get("/nl/about", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_head_and_query_strings(client: TestClient) -> None:
    head = client.head("/nl/", headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) > 0
    # A query string goes through the app, which answers the same page.
    assert client.get("/nl/?from=home").text == client.get("/nl/").text


def test_assets_are_compressed_once_and_cached_for_good(client: TestClient) -> None:
    worker = client.get("/sw.js").text
    css = next(
        url
        for url in json.loads(worker.split("const CONFIG = ", 1)[1].split(";\n", 1)[0])["stored"]
        if url.endswith("css/app.css")
    )
    response = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "immutable" in response.headers["cache-control"]


def test_two_instances_send_the_same_bytes_and_etags(tmp_path: Path) -> None:
    answers = []
    for name in ("a", "b"):
        with TestClient(create_app(isolated_settings(tmp_path / name), dispatch=False)) as client:
            response = client.get("/nl/", headers={"Accept-Encoding": "gzip"})
            answers.append((response.headers["etag"], gzip.compress(response.content, mtime=0)))
    assert answers[0] == answers[1]


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        (b"gzip, deflate, br", True),
        (b"br;q=1.0, gzip;q=0.8", True),
        (b"*", True),
        (b"gzip;q=0", False),
        (b"gzip;q=0.0", False),
        (b"identity", False),
        (b"", False),
        (b"GZIP", True),
        (b"*;q=1, gzip;q=0", False),
        (b"gzip;q=0, *", False),
        (b"br, *;q=0.1", True),
        (b"br, *;q=0", False),
    ],
)
def test_accept_encoding_is_read_with_its_qualities(header: bytes, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted
