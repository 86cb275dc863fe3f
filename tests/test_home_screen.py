"""The manifest's home-screen shortcuts and what iOS reads from a page's head, over HTTP; the
browser side is in tests/browser/test_home_screen.py."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.export import export_site
from tests.conftest import isolated_settings
from tests.test_offline import precache_of

SHORTCUTS = {
    "nl": [("Te veel? Hier en nu", "Hier en nu"), ("Hulp", None)],
    "en": [("Too much? Here and now", "Here and now"), ("Help", None)],
}


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_the_manifest_offers_grounding_and_help_in_its_language(
    client: TestClient, locale: str
) -> None:
    manifest = client.get(f"/manifest-{locale}.webmanifest").json()
    shortcuts = manifest["shortcuts"]
    assert [(s["name"], s.get("short_name")) for s in shortcuts] == SHORTCUTS[locale]
    ground, help_ = shortcuts
    assert ground["url"] == f"/{locale}/exercises/grounding#start"
    assert help_["url"] == f"/{locale}/help"
    stored = precache_of(client.get("/sw.js").text)["stored"]
    for shortcut in shortcuts:
        # In the app's scope, and there offline: the page and its icon are stored.
        page = client.get(shortcut["url"].split("#")[0])
        assert page.status_code == 200 and f'lang="{locale}"' in page.text
        assert shortcut["url"].split("#")[0] in stored
        (icon,) = shortcut["icons"]
        assert icon["src"] in stored and icon["type"] == "image/png"
        width, height = struct.unpack(">II", client.get(icon["src"]).content[16:24])
        assert f"{width}x{height}" == icon["sizes"]
    # No orientation of its own: the phone's rotation lock holds in the app too.
    assert "orientation" not in manifest


def test_the_shortcuts_of_an_export_live_under_its_base_path(tmp_path: Path) -> None:
    site = tmp_path / "site"
    export_site(isolated_settings(tmp_path / "data"), site, "/houvast/")
    for locale, ground_page, help_page in [
        ("nl", "/houvast/nl/exercises/grounding/", "/houvast/nl/help/"),
        ("en", "/houvast/en/exercises/grounding/", "/houvast/en/help/"),
    ]:
        manifest = json.loads((site / f"manifest-{locale}.webmanifest").read_text())
        ground, help_ = manifest["shortcuts"]
        assert ground["url"] == f"{ground_page}#start" and help_["url"] == help_page
        for shortcut in (ground, help_):
            path = shortcut["url"].split("#")[0].removeprefix("/houvast/")
            assert (site / path / "index.html").is_file()
            icon = shortcut["icons"][0]["src"]
            assert (
                icon.startswith("/houvast/") and (site / icon.removeprefix("/houvast/")).is_file()
            )


def test_the_head_gives_ios_the_name_icon_and_colours(client: TestClient) -> None:
    for path in ("/nl/", "/en/about", "/nl/exercises/grounding"):
        html = client.get(path).text
        assert '<meta name="apple-mobile-web-app-title" content="Houvast">' in html
        assert '<meta name="apple-mobile-web-app-capable" content="yes">' in html
        # Light and dark: the bar takes the page's own background in either.
        for colour, scheme in (("#f7f4ee", "light"), ("#14201d", "dark")):
            media = f"(prefers-color-scheme: {scheme})"
            assert f'<meta name="theme-color" content="{colour}" media="{media}">' in html
        # iOS's default status bar ("default": the page starts below it) is the one wanted.
        assert "apple-mobile-web-app-status-bar-style" not in html
        icon = html.split('<link rel="apple-touch-icon" href="')[1].split('"')[0]
        body = client.get(icon).content
        width, height, _, colour = struct.unpack(">IIBB", body[16:26])
        # 180 px, and opaque (iOS shows transparent corners black).
        assert (width, height, colour) == (180, 180, 2)
