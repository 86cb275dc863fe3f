"""Lighthouse (mobile) on the home page and an exercise page: performance, accessibility and
best practices.

    .venv/bin/python bench/lighthouse.py

Installs Lighthouse from npm into bench/.lighthouse/ on first use (Node is on the machine),
serves the app on 127.0.0.1 and runs Lighthouse against Debian's Chromium. Prints scores;
asserts nothing. Target: 100 in all three on both pages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from _setup import bench_settings

from server.app import create_app
from tests.live_server import LiveServer

HERE = Path(__file__).resolve().parent
TOOL = HERE / ".lighthouse"
LIGHTHOUSE = TOOL / "node_modules" / ".bin" / "lighthouse"
PAGES = {"home": "/nl/", "exercise": "/nl/exercises/stop-partner"}
CATEGORIES = ("performance", "accessibility", "best-practices")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
)


def install() -> None:
    if LIGHTHOUSE.exists():
        return
    print("installing lighthouse from npm into bench/.lighthouse/ ...", flush=True)
    subprocess.run(
        ["npm", "install", "--prefix", str(TOOL), "--no-audit", "--no-fund", "lighthouse@12"],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def audit(url: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        subprocess.run(
            [
                str(LIGHTHOUSE),
                url,
                f"--chrome-flags={CHROME_FLAGS}",
                "--output=json",
                f"--output-path={report}",
                "--form-factor=mobile",
                f"--only-categories={','.join(CATEGORIES)}",
                "--quiet",
            ],
            check=True,
            env={**os.environ, "CHROME_PATH": shutil.which("chromium") or "/usr/bin/chromium"},
        )
        data = json.loads(report.read_text())
    failing = [
        f"{audit['id']}: {audit['title']}"
        for audit in data["audits"].values()
        if audit.get("score") is not None
        and audit["score"] < 1
        and audit.get("scoreDisplayMode") in ("binary", "numeric")
    ]
    scores = {name: data["categories"][name]["score"] * 100 for name in CATEGORIES}
    return {**scores, "failing": failing}  # type: ignore[dict-item]


def main() -> None:
    install()
    with LiveServer(create_app(bench_settings(), dispatch=False)) as url:
        for name, path in PAGES.items():
            result = audit(url + path)
            scores = "  ".join(f"{c} {result[c]:.0f}" for c in CATEGORIES)
            print(f"{name:<9} {path:<28} {scores}")
            for item in result["failing"]:  # type: ignore[union-attr]
                print(f"          below full marks: {item}")


if __name__ == "__main__":
    main()
