"""The scripts and styles are served minified, each with a source map that leads a browser's
error back to the line in pwa/ (server/minify.py)."""

from __future__ import annotations

import json
import subprocess

import pytest
from starlette.testclient import TestClient

from server.assets import StaticAssets
from server.minify import ESBUILD
from tests.worker import config_of as precache_of

pytestmark = pytest.mark.skipif(not ESBUILD.exists(), reason="make installs esbuild")

# Node's own source-map reader (the one behind --enable-source-maps) maps a place in the
# minified file back to the source, as a browser's developer tools would.
_ORIGIN = """
const { SourceMap } = require('node:module');
const [minified, map, needle] = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const lines = minified.split('\\n');
const line = lines.findIndex((text) => text.includes(needle));
const entry = new SourceMap(map).findEntry(line, lines[line].indexOf(needle));
process.stdout.write(JSON.stringify(entry));
"""


def test_a_script_is_minified_and_names_its_map() -> None:
    assets = StaticAssets()
    source = (assets.directory / "js" / "player.js").read_bytes()
    served = assets.files["js/player.js"].body
    assert len(served) < len(source) * 0.7
    assert b"// " not in served.splitlines()[0]  # the comments written for people are gone
    assert served.rstrip().endswith(b"//# sourceMappingURL=player.js.map")
    assert (
        assets.files["css/app.css"].body.rstrip().endswith(b"/*# sourceMappingURL=app.css.map */")
    )
    assert assets.files["js/player.js.map"].media_type == "application/json"


def test_a_place_in_the_minified_script_maps_to_its_source_line() -> None:
    assets = StaticAssets()
    source = (assets.directory / "js" / "player.js").read_text().splitlines()
    source_map = json.loads(assets.files["js/player.js.map"].body)
    assert source_map["sources"] == ["/pwa/js/player.js"]
    assert source_map["sourcesContent"] == ["\n".join(source) + "\n"]
    needle = "the kept notes could not be read"
    found = subprocess.run(
        ["node", "-e", _ORIGIN],
        input=json.dumps([assets.files["js/player.js"].body.decode(), source_map, needle]),
        capture_output=True,
        text=True,
        check=True,
    )
    entry = json.loads(found.stdout)
    assert entry["originalSource"] == "/pwa/js/player.js"
    assert needle in source[entry["originalLine"]]


def test_maps_are_served_but_not_stored_offline(client: TestClient) -> None:
    worker = client.get("/sw.js").text
    config = json.loads(worker.split("const CONFIG = ", 1)[1].split(";\n", 1)[0])
    stored = [url for url in config["stored"] if url.endswith(".js")]
    assert stored
    assert not [url for url in config["stored"] if url.endswith(".map")]
    answer = client.get(stored[0] + ".map")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert json.loads(answer.content)["sourcesContent"]


def test_the_worker_is_minified_and_maps_to_its_source(client: TestClient) -> None:
    """The worker goes out minified, its configuration on a first line of its own, with a map
    (served, never stored) that leads a place in it back to the line in pwa/sw.js."""
    worker = client.get("/sw.js").text
    first, script = worker.split("\n", 1)
    assert first.startswith("const CONFIG = {") and first.endswith("};")
    assert script.rstrip().endswith("//# sourceMappingURL=sw.js.map")
    source = (StaticAssets().directory / "sw.js").read_text()
    assert len(script) < len(source) * 0.7
    answer = client.get("/sw.js.map")
    assert answer.headers["content-type"].startswith("application/json")
    source_map = answer.json()
    assert source_map["sources"] == ["/pwa/sw.js"]
    needle = "skip-waiting"
    found = subprocess.run(
        ["node", "-e", _ORIGIN],
        input=json.dumps([worker, source_map, needle]),
        capture_output=True,
        text=True,
        check=True,
    )
    entry = json.loads(found.stdout)
    assert entry["originalSource"] == "/pwa/sw.js"
    assert needle in source.splitlines()[entry["originalLine"]]
    assert "/sw.js.map" not in precache_of(worker)["stored"]
