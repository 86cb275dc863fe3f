from __future__ import annotations

import hashlib
import json
import re
import shutil
import struct
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.assets import PWA_DIR
from server.bundles import Documents
from server.export import ExportError, export_site, normalise_base_path
from server.settings import Settings
from tests.conftest import isolated_settings
from tests.worker import install


def precache_of(service_worker: str) -> dict:
    match = re.search(r"const CONFIG = (\{.*?\});", service_worker, re.DOTALL)
    assert match, "the service worker carries its configuration"
    return json.loads(match.group(1))


def test_the_service_worker_is_served_from_the_root_uncached(client: TestClient) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    config = precache_of(response.text)
    assert config["scope"] == "/" and len(config["version"]) == 16


def test_every_precached_url_answers_200(client: TestClient) -> None:
    """A URL that 404s would make the browser's install fail (and a browser test hang)."""
    config = precache_of(client.get("/sw.js").text)
    urls = config["stored"]
    for locale in ("nl", "en"):
        assert f"/{locale}/" in urls and f"/{locale}/exercises/grounding" in urls
        assert f"/{locale}/app.json" in urls
        assert f"/{locale}/offline" in urls
    assert any(url.endswith("/css/app.css") for url in urls)
    assert "/manifest-nl.webmanifest" in urls
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_the_worker_stores_the_servers_very_bytes_from_one_bundle(client: TestClient) -> None:
    """The worker's install (run under Node) fetches one bundle (the pages of both languages,
    the scripts and styles) and the icons one by one, and stores for every URL the bytes and
    headers the server sends: those it builds (every page, app.json) too, byte for byte."""
    config = precache_of(client.get("/sw.js").text)
    assert len(config["bundles"]) == 1
    response = client.get(config["bundles"][0])
    assert response.status_code == 200 and "immutable" in response.headers["cache-control"]
    index = json.loads(response.content.split(b"\n", 1)[0])
    headers = index["headers"]
    assert len(headers) == len({json.dumps(h) for h in headers}), "each set of headers once"
    assert "content-security-policy" in index["common"], "headers all share, once"
    assert not [h for h in headers if set(h) & set(index["common"])]
    assert all("/icons/" in url and url.endswith(".png") for url in config["files"])
    installed = install(client)
    assert installed.fetched == [*config["bundles"], *config["files"]], "nothing fetched again"
    assert set(installed.stored) == set(config["stored"])
    for url in config["stored"]:
        direct = client.get(url, headers={"Accept-Encoding": "identity"})
        headers, body = installed.stored[url]
        assert body == direct.content, url
        assert headers["content-type"] == direct.headers["content-type"], url
        if url not in config["files"]:  # (the stand-in network sends the icons' type only)
            for name in ("content-security-policy", "x-content-type-options"):
                assert headers[name] == direct.headers[name], (url, name)
    other = config["bundles"][0].replace(config["version"], "0" * 16)
    assert client.get(other).status_code == 404, "an old version's bundle is not made up"


def test_the_bundle_goes_out_compressed_to_a_browser_that_takes_gzip(client: TestClient) -> None:
    (bundle,) = precache_of(client.get("/sw.js").text)["bundles"]
    plain = client.get(bundle, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"
    # (``*`` is one that GZipMiddleware, which compresses other responses, does not take.)
    for accepted in ("gzip, deflate, br", "br;q=1, gzip;q=0.5", "*"):
        packed = client.get(bundle, headers={"Accept-Encoding": accepted})
        assert packed.headers["content-encoding"] == "gzip", accepted
        assert int(packed.headers["content-length"]) < len(plain.content) / 3
        assert packed.content == plain.content, "the same bytes, unpacked"
        assert packed.headers["vary"] == "Accept-Encoding"


def test_what_shows_exercises_travels_as_their_documents(client: TestClient) -> None:
    """No page travels whole, nor an exercise's step list: the worker builds every page over
    its language's layout, and both languages' exercise pages, home, settings and app.json
    from one document per exercise and language, the second language's as its texts over the
    first's (server/shells.py)."""
    config = precache_of(client.get("/sw.js").text)
    pages = client.get(config["bundles"][0]).content
    index = json.loads(pages.split(b"\n", 1)[0])
    bundled = [url for url in config["stored"] if url not in config["files"]]
    recipes = {url: how for url, (_, _, *how) in zip(bundled, index["entries"], strict=True)}
    for exercise_id in ("grounding", "stop-partner"):
        assert recipes[f"/nl/exercises/{exercise_id}"] == [["exercise", "nl"]]
        [[how, locale, twin]] = recipes[f"/en/exercises/{exercise_id}"]
        assert (how, locale, config["stored"][twin]) == (
            "exercise",
            "en",
            f"/nl/exercises/{exercise_id}",
        )
    assert recipes["/nl/app.json"] == [["app", "nl", "grounding"]]
    assert recipes["/en/"] == [["home", "en"]] and recipes["/en/settings"] == [["settings", "en"]]
    assert recipes["/nl/about"] == [["page", "nl"]], "a page of its own over the layout"
    assert all(recipes[url] for url in config["stored"] if url.startswith(("/nl/", "/en/")))
    # The markup every page shares once per language: in its layout.
    assert pages.count(b'<footer class="site-footer">') == 2
    assert b'class="step-text"' not in pages, "the worker writes the steps"
    assert pages.count(b'<li class="exercise-card') == 2, "home's card once per language"
    # A Dutch text once: not in its page beside the player's data, nor in app.json.
    assert pages.count(b"Zet allebei je voeten plat op de vloer.") == 1
    # An exercise's title once: not on home, in settings nor in app.json.
    assert pages.count(b'"title":"Hier en nu"') == 1 and b">Hier en nu<" not in pages


def test_a_page_the_worker_would_build_otherwise_stops_the_server(client: TestClient) -> None:
    """At start-up each response the worker builds is built here too and must be the bytes
    served: a template change the shells cannot express fails loudly, naming the page."""
    state = client.app_state
    documents = Documents(state["templates"], state["catalogs"], state["exercises"], state["urls"])
    for url in ("/en/exercises/four-s", "/nl/", "/en/settings", "/nl/app.json", "/en/help"):
        served = client.get(url, headers={"Accept-Encoding": "identity"}).content
        assert documents.recipe(0, url, served) is not None, url
        if url.endswith(".json"):  # the same data, written otherwise
            changed = json.dumps(json.loads(served), ensure_ascii=False, indent=1).encode()
        elif url.endswith("/help"):  # a page of its own, beyond what its layout lets it say
            changed = served.replace(b"</footer>", b"</footer><p>changed</p>")
        else:
            changed = served.replace(b"</main>", b"<p>changed</p></main>")
        with pytest.raises(RuntimeError, match=url):
            documents.recipe(0, url, changed)


def test_what_the_worker_builds_wrongly_it_fetches_from_the_server(client: TestClient) -> None:
    """Should the worker ever build a page otherwise than the server renders it, the hash in
    the bundle tells, and it stores the server's own responses instead."""
    config = precache_of(client.get("/sw.js").text)
    pages = config["bundles"][0]

    def spoil(path: str, body: bytes) -> bytes:
        # One step's summary changed, its length kept: the bundle still reads.
        return body.replace(b'"30 seconden"', b'"31 seconden"', 1) if path == pages else body

    installed = install(client, spoil)
    refetched = [
        url for url in installed.fetched if "/offline/" not in url and url not in config["files"]
    ]
    assert {"/nl/exercises/grounding", "/en/app.json", "/nl/", "/en/settings"} <= set(refetched)
    for url in refetched:
        direct = client.get(url, headers={"Accept-Encoding": "identity"})
        assert installed.stored[url][1] == direct.content, url


def test_the_offline_page_is_in_both_languages(client: TestClient) -> None:
    assert "Je bent offline" in client.get("/nl/offline").text
    assert "You are offline" in client.get("/en/offline").text


def test_a_changed_file_changes_the_worker(tmp_path: Path) -> None:
    pwa = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, pwa)
    settings = isolated_settings(tmp_path / "data")

    def worker() -> str:
        with TestClient(create_app(settings, pwa_dir=pwa, dispatch=False)) as client:
            return client.get("/sw.js").text

    first = worker()
    assert worker() == first, "the same files give the same worker"
    css = pwa / "css" / "app.css"
    css.write_text(css.read_text() + "\n/* changed */\n")
    second = worker()
    assert precache_of(second)["version"] != precache_of(first)["version"]
    assert precache_of(second)["stored"] != precache_of(first)["stored"]


def test_the_version_is_the_hash_of_what_the_worker_stores(client: TestClient) -> None:
    config = precache_of(client.get("/sw.js").text)
    digest = hashlib.sha256()
    for url in config["stored"]:
        body = client.get(url, headers={"Accept-Encoding": "identity"}).content
        digest.update(url.encode() + b"\0" + body + b"\0")
    assert config["version"] == digest.hexdigest()[:16]


def test_a_server_only_change_offers_no_update(tmp_path: Path) -> None:
    """Another instance (its own data folder) with other server-only settings serves the very
    same worker and manifests, so no phone is offered an update for it."""

    def served(settings: Settings) -> list[bytes]:
        with TestClient(create_app(settings, dispatch=False)) as client:
            paths = ["/sw.js", "/manifest-nl.webmanifest", "/manifest-en.webmanifest"]
            return [client.get(path).content for path in paths]

    first = served(isolated_settings(tmp_path / "one"))
    other = isolated_settings(tmp_path / "two", max_reminders=5, push_ttl=600, dispatch_interval=30)
    assert served(other) == first
    # A setting that shows on a stored page (the crisis line on the help page) is an update.
    changed = isolated_settings(tmp_path / "three", crisis_phone="0800-1234")
    assert served(changed)[0] != first[0]


@pytest.mark.parametrize(("locale", "word"), [("nl", "therapiesessies"), ("en", "therapy")])
def test_the_manifest_makes_an_installable_app(client: TestClient, locale: str, word: str) -> None:
    response = client.get(f"/manifest-{locale}.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    assert response.headers["cache-control"] == "no-cache"
    manifest = response.json()
    assert manifest["name"] == "Houvast" and manifest["short_name"] == "Houvast"
    assert manifest["id"] == "/" and manifest["scope"] == "/"
    assert manifest["start_url"] == f"/{locale}/" and manifest["display"] == "standalone"
    assert word in manifest["description"] and manifest["lang"] == locale
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        body = client.get(icon["src"]).content
        if icon["type"] == "image/png":
            width, height = struct.unpack(">II", body[16:24])
            assert f"{width}x{height}" == icon["sizes"]


def test_pages_link_the_manifest_and_the_ios_icon(client: TestClient) -> None:
    html = client.get("/en/").text
    assert '<link rel="manifest" href="/manifest-en.webmanifest">' in html
    assert re.search(r'<link rel="apple-touch-icon" href="/static/\w+/icons/apple-touch', html)
    assert '<meta name="apple-mobile-web-app-capable" content="yes">' in html


def test_export_writes_a_static_site_under_a_sub_path(tmp_path: Path) -> None:
    site = tmp_path / "site"
    written = export_site(isolated_settings(tmp_path / "data"), site, "/houvast")
    assert (site / "nl" / "index.html").exists()
    assert (site / "en" / "exercises" / "protector" / "index.html").exists()
    assert (site / "en" / "app.json").exists()
    assert (site / "sw.js").exists() and (site / "404.html").exists()
    home = (site / "nl" / "index.html").read_text()
    assert 'href="/houvast/nl/exercises/grounding/"' in home
    assert 'href="/houvast/en/"' in home, "the language switch goes straight to the page"
    assert "/lang/" not in home
    assert 'http-equiv="Content-Security-Policy"' in home
    config = precache_of((site / "sw.js").read_text())
    assert config["scope"] == "/houvast/" and config["api"] == {}
    for url in config["stored"]:
        path = site / url.removeprefix("/houvast/")
        assert path.is_file() or (path / "index.html").is_file(), url
    assert len(written) > 50
    manifest = json.loads((site / "manifest-nl.webmanifest").read_text())
    assert manifest["start_url"] == "/houvast/nl/" and manifest["scope"] == "/houvast/"


def test_export_refuses_a_bad_base_path_or_a_full_folder(tmp_path: Path) -> None:
    assert normalise_base_path("houvast") == "/houvast/"
    assert normalise_base_path("/") == "/"
    with pytest.raises(ExportError, match="base-path"):
        normalise_base_path("/a b/")
    with pytest.raises(ExportError, match="base-path"):
        normalise_base_path("https://evil.example/")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty"):
        export_site(isolated_settings(tmp_path / "data"), tmp_path / "full")
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"


def test_therapist_pages_change_nothing_a_phone_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The therapist's pages, templates and files are never stored by the worker, and changing
    them offers no update: the worker is the same byte for byte."""
    import server.therapist.templating as therapist_templating

    def worker() -> str:
        with TestClient(create_app(isolated_settings(tmp_path / "data"), dispatch=False)) as client:
            assert client.get("/t/nl/").headers["cache-control"] == "no-store"
            return client.get("/sw.js").text

    first = worker()
    stored = precache_of(first)["stored"]
    assert not [url for url in stored if url.startswith(("/t/", "/api/"))]
    changed = tmp_path / "therapist"
    shutil.copytree(therapist_templating.HERE / "templates", changed / "templates")
    shutil.copytree(therapist_templating.STATIC_DIR, changed / "static")
    base = changed / "templates" / "t_base.html"
    base.write_text(base.read_text().replace("</main>", "<p>changed</p></main>"))
    css = changed / "static" / "therapist.css"
    css.write_text(css.read_text() + "\n.changed { color: red; }\n")
    monkeypatch.setattr(therapist_templating, "TEMPLATES_DIR", changed / "templates")
    monkeypatch.setattr(therapist_templating, "STATIC_DIR", changed / "static")
    with TestClient(create_app(isolated_settings(tmp_path / "data"), dispatch=False)) as client:
        assert "<p>changed</p>" in client.get("/t/nl/").text
        assert client.get("/sw.js").text == first


def test_export_holds_the_set_builder_and_its_files_which_the_worker_does_not_store(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    export_site(isolated_settings(tmp_path / "data"), site, "/")
    config = precache_of((site / "sw.js").read_text())
    for locale in ("nl", "en"):
        page = site / locale / "make-set" / "index.html"
        assert page.is_file() and (site / locale / "set" / "index.html").is_file()
        assert f"/{locale}/make-set/" not in config["stored"]
        for src in re.findall(r'src="(/static/[^"]+)"', page.read_text()):
            assert (site / src.lstrip("/")).is_file(), src
    vendor = next(site.glob("static/*/js/online/vendor/qrcode-generator.js"))
    assert "Kazuhiko Arase" in vendor.read_text()[:300]
    assert not [url for url in config["stored"] if "/online/" in url]
