"""How much the offline app weighs: every file the service worker stores on install.

    .venv/bin/python bench/precache_size.py

Prints the number of downloads and their size raw and gzip-compressed (level 9, as a server or
CDN would send them), with the icons counted apart: the worker fetches its texts in one bundle
(both languages' pages, the scripts and styles, server/bundles.py) and the icons one by one.
Then what each kind of content in the bundle adds to its gzip file (read from the bundle's
index), and the bundle under xz at its strongest: what a much stronger compressor, reaching
across the whole bundle, gets from the same bytes; a rule of thumb for how far reordering or
repacking them could go under gzip. Budget (README): the whole offline app, both languages and
every exercise, at most 100 KB gzip without the icons. Target (issue 20): at most 75 KB, set
when the app held 12 exercises and no plan for hard moments.
"""

from __future__ import annotations

import gzip
import json
import lzma
import re
import zlib
from collections import defaultdict
from typing import Any

from _setup import bench_settings
from starlette.testclient import TestClient

from server.app import create_app

BUDGET_KB = 100
TARGET_KB = 75


def kind(url: str) -> str:
    if "/icons/" in url:
        return "icons"
    return "bundle"  # both languages' pages, app.json, manifests, scripts and styles


def shares(bundle: bytes, settings: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Raw and gzip bytes of each kind of content in a bundle (its layout: server/bundles.py).
    A piece's share is what it adds to the bundle's gzip file given all before it."""
    newline = bundle.index(b"\n") + 1
    index = json.loads(bundle[:newline])
    pieces = [("index", bundle[:newline])]
    at = newline
    for shell in index["shells"].values():
        for length in shell["markup"].values():
            pieces.append(("pages", bundle[at : at + length]))
            at += length
    # One entry per stored URL the worker does not fetch on its own, in order.
    bundled = [url for url in settings["stored"] if url not in settings["files"]]
    for url, (_, length, *recipe) in zip(bundled, index["entries"], strict=True):
        if recipe and recipe[0][0] == "exercise":
            part = "exercise docs"
        elif url.endswith(".js"):
            part = "scripts"
        elif url.endswith(".css"):
            part = "styles"
        else:
            part = "pages"  # with app.json, the manifests and the icon's markup
        pieces.append((part, bundle[at : at + length]))
        at += length
    assert at == len(bundle), "the index accounts for every byte"
    # Each piece's share: how much longer the whole gzip file of everything up to it is than
    # that of everything before it (a copy of the stream, finished), so the shares add up to
    # the bundle's gzip size, less its 20 bytes of header and trailer.
    stream = zlib.compressobj(9, zlib.DEFLATED, 31)
    written, before = 0, len(stream.copy().flush())
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for part, piece in pieces:
        written += len(stream.compress(piece))
        total = written + len(stream.copy().flush())
        found[part][0] += len(piece)
        found[part][1] += total - before
        before = total
    return {part: (raw, packed) for part, (raw, packed) in found.items()}


def main() -> None:
    app = create_app(bench_settings(), dispatch=False)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    with TestClient(app) as client:
        # The list the browser really gets: the one inside the served worker.
        worker = client.get("/sw.js").text
        config = re.search(r"const CONFIG = (\{.*?\});", worker, re.DOTALL)
        assert config, "the service worker carries its precache list"
        # What a phone downloads to install it: the bundles of text and the files on their own.
        settings = json.loads(config.group(1))
        bundles: list[bytes] = []
        for url in [*settings["bundles"], *settings["files"], "/sw.js"]:
            body = client.get(url, headers={"Accept-Encoding": "identity"}).content
            if url in settings["bundles"]:
                bundles.append(body)
            row = totals["worker" if url == "/sw.js" else kind(url)]
            row[0] += 1
            row[1] += len(body)
            row[2] += len(gzip.compress(body, compresslevel=9))

    print(f"{'part':<10} {'files':>6} {'raw KB':>9} {'gzip KB':>9}")
    for name in ("bundle", "worker", "icons"):
        files, raw, packed = totals[name]
        print(f"{name:<10} {files:>6} {raw / 1024:>9.1f} {packed / 1024:>9.1f}")
    app = [totals[name] for name in totals if name != "icons"]
    files, raw, packed = (sum(column) for column in zip(*app, strict=True))
    print(f"{'app':<10} {files:>6} {raw / 1024:>9.1f} {packed / 1024:>9.1f}   (without icons)")
    for bundle in bundles:
        print("\nin the bundle    raw KB   gzip KB   (what each kind adds to the gzip file)")
        for part, (part_raw, part_packed) in shares(bundle, settings).items():
            print(f"{part:<15} {part_raw / 1024:>7.1f} {part_packed / 1024:>9.1f}")
        floor = len(lzma.compress(bundle, preset=9 | lzma.PRESET_EXTREME))
        print(f"the bundle under xz -9e: {floor / 1024:.1f} KB")
    for label, limit in (("budget", BUDGET_KB), ("target (issue 20)", TARGET_KB)):
        verdict = "met" if packed <= limit * 1024 else "MISSED"
        print(f"{label}: at most {limit} KB gzip without icons: {verdict}")


if __name__ == "__main__":
    main()
