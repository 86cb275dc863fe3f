"""The served service worker's install, run under Node (tests/worker_install.mjs): what a
browser's cache would hold, byte for byte, for tests that compare it with what the server sends.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

HARNESS = Path(__file__).with_name("worker_install.mjs")
ORIGIN = "http://testserver"


def config_of(service_worker: str) -> dict[str, Any]:
    """The configuration the server filled into the worker."""
    match = re.search(r"const CONFIG = (\{.*?\});", service_worker, re.DOTALL)
    assert match, "the service worker carries its configuration"
    return dict(json.loads(match.group(1)))


@dataclass(frozen=True)
class Installed:
    """What the worker stored on install (by path: headers and body), and what it fetched."""

    stored: dict[str, tuple[dict[str, str], bytes]]
    fetched: list[str]


def install(
    client: TestClient, change: Callable[[str, bytes], bytes] = lambda path, body: body
) -> Installed:
    """Install the worker ``client``'s server serves, its network being that server; ``change``
    may alter what the network answers (path, body) on the way."""
    worker = client.get("/sw.js").text
    config = config_of(worker)
    network = {}
    for path in [*config["bundles"], *config["stored"]]:
        response = client.get(path, headers={"Accept-Encoding": "identity"})
        body = base64.b64encode(change(path, response.content)).decode()
        network[path] = [{"content-type": response.headers["content-type"]}, body]
    done = subprocess.run(
        ["node", str(HARNESS)],
        input=json.dumps({"worker": worker, "origin": ORIGIN, "network": network}),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    found = json.loads(done.stdout)
    stored = {
        url.removeprefix(ORIGIN): (entry["headers"], base64.b64decode(entry["body"]))
        for url, entry in found["stored"].items()
    }
    return Installed(stored, found["fetched"])


# For a page in a browser: the SHA-256 of what its caches hold for each URL (null: nothing).
CACHED_DIGESTS = """async (urls) => {
    const hex = (buffer) => [...new Uint8Array(buffer)]
        .map((byte) => byte.toString(16).padStart(2, '0')).join('');
    const found = {};
    for (const url of urls) {
        const response = await caches.match(url);
        found[url] = response
            ? hex(await crypto.subtle.digest('SHA-256', await response.arrayBuffer())) : null;
    }
    return found;
}"""


def served_digests(origin: str, worker: str) -> dict[str, str]:
    """Each URL the worker at ``origin + worker`` stores, with the SHA-256 of what the server
    there sends for it: to compare with CACHED_DIGESTS in a browser."""
    with urllib.request.urlopen(origin + worker) as response:
        stored = config_of(response.read().decode())["stored"]
    digests = {}
    for url in stored:
        with urllib.request.urlopen(origin + url) as response:
            digests[url] = hashlib.sha256(response.read()).hexdigest()
    return digests
