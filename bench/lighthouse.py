"""Lighthouse (mobile) on every page of the client in both languages: performance,
accessibility and best practices.

    .venv/bin/python bench/lighthouse.py

Installs Lighthouse from npm into bench/.lighthouse/ on first use (Node is on the machine),
serves the app on 127.0.0.1 and runs Lighthouse against Debian's Chromium. Prints scores;
asserts nothing. Target: 100 in all three on every page. ``--quick`` audits one exercise page
per language instead of all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _setup import bench_settings

from server.app import create_app
from server.exercises import load_exercises
from server.i18n import LOCALES
from tests.live_server import LiveServer

HERE = Path(__file__).resolve().parent
TOOL = HERE / ".lighthouse"
LIGHTHOUSE = TOOL / "node_modules" / ".bin" / "lighthouse"
PAGES = ["", "about", "help", "settings", "history", "reminders", "offline", "set", "make-set"]
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
    app = create_app(bench_settings(), dispatch=False)
    exercises = [f"exercises/{e}" for e in load_exercises(bench_settings().exercises_dir)]
    if "--quick" in sys.argv:
        exercises = exercises[1:2]
    with LiveServer(app) as url:
        for locale in LOCALES:
            for page in [*PAGES, *exercises]:
                path = f"/{locale}/{page}"
                try:
                    result = audit(url + path)
                except subprocess.CalledProcessError:
                    # Lighthouse sometimes loses its trace on a busy machine: once more.
                    result = audit(url + path)
                scores = "  ".join(f"{c} {result[c]:.0f}" for c in CATEGORIES)
                print(f"{path:<34} {scores}", flush=True)
                for item in result["failing"]:  # type: ignore[union-attr]
                    print(f"    below full marks: {item}", flush=True)


if __name__ == "__main__":
    main()
