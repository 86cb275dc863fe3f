"""How much the offline app weighs: every file the service worker stores on install.

    .venv/bin/python bench/precache_size.py

Prints the number of downloads and their size raw and gzip-compressed (level 9, as a server or
CDN would send them), with the icons counted apart: the worker fetches its texts in one bundle
(both languages' pages, the scripts and styles, server/bundles.py) and the icons one by one.
Budget (README): the whole offline app, both languages and every exercise, at most 100 KB gzip
without the icons. Target for what it holds today (issue 20): at most 75 KB, so that five more
exercises and the plan for hard moments fit in the budget.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import defaultdict

from _setup import bench_settings
from starlette.testclient import TestClient

from server.app import create_app

BUDGET_KB = 100
TARGET_KB = 75


def kind(url: str) -> str:
    if "/icons/" in url:
        return "icons"
    return "bundle"  # both languages' pages, app.json, manifests, scripts and styles


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
        for url in [*settings["bundles"], *settings["files"], "/sw.js"]:
            body = client.get(url, headers={"Accept-Encoding": "identity"}).content
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
    for label, limit in (("budget", BUDGET_KB), ("target for today's app", TARGET_KB)):
        verdict = "met" if packed <= limit * 1024 else "MISSED"
        print(f"{label}: at most {limit} KB gzip without icons: {verdict}")


if __name__ == "__main__":
    main()
