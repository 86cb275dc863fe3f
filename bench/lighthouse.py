"""Lighthouse (mobile) on every page of the client in both languages: performance,
accessibility and best practices; with ``--therapist``, accessibility on every page of the
therapist's side (desktop), signed in, with a set shared, kept and followed.

    .venv/bin/python bench/lighthouse.py [--quick] [--therapist]

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
PAGES = [
    "",
    "about",
    "help",
    "plan",
    "settings",
    "history",
    "reminders",
    "offline",
    "set",
    "make-set",
]
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


def audit(
    url: str,
    categories: tuple[str, ...] = CATEGORIES,
    extra: tuple[str, ...] = ("--form-factor=mobile",),
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        subprocess.run(
            [
                str(LIGHTHOUSE),
                url,
                f"--chrome-flags={CHROME_FLAGS}",
                "--output=json",
                f"--output-path={report}",
                *extra,
                f"--only-categories={','.join(categories)}",
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
    scores = {name: data["categories"][name]["score"] * 100 for name in categories}
    return {**scores, "failing": failing}  # type: ignore[dict-item]


def therapist_pages() -> None:
    """Every page of the therapist's side, signed in as a therapist with a set that was
    shared, kept on a phone and whose progress came in; the sign-in page signed out."""
    from server.therapist.sessions import COOKIE
    from tests.therapist import create_set, make_therapist, open_client, share_page

    settings = bench_settings()
    with open_client(settings) as client:
        person = make_therapist(client, "lighthouse@example.org")
        set_id = create_set(person)
        kept = create_set(person, title="Kept and followed")
        _, _, shown = share_page(person, set_id, label="D-0412")
        link = share_page(person, kept)[0]
        opened = client.post("/api/sets/open", json={"token": link.split("#t=")[1]}).json()
        mine = {"token": opened["token"]}  # the phone's own token
        assert client.post("/api/sets/open", json=mine).status_code == 200  # kept
        assert client.post("/api/sets/progress", json=mine).status_code == 201
        cookie = person.cookies[COOKIE]
    signed_in = (
        "--preset=desktop",
        f"--extra-headers={json.dumps({'Cookie': f'{COOKIE}={cookie}'})}",
    )
    with LiveServer(create_app(settings, dispatch=False)) as url:
        for locale in LOCALES:
            base = f"/t/{locale}"
            shown_path = shown.replace("/t/en/", f"{base}/")
            pages = [
                (f"{base}/", ("--preset=desktop",)),
                *(
                    (f"{base}/{path}", signed_in)
                    for path in (
                        "sets",
                        "sets?archived=1",
                        "sets/new",
                        f"sets/{set_id}",
                        f"sets/{set_id}/edit",
                        f"sets/{kept}",
                        f"sets/{kept}/progress",
                        f"sets/{set_id}/delete",
                        "account",
                        "account/activity",
                    )
                ),
                (shown_path, signed_in),
                (f"{shown_path}/replace", signed_in),
            ]
            for path, extra in pages:
                result = audit(url + path, ("accessibility",), extra)
                print(f"{path:<60} accessibility {result['accessibility']:.0f}", flush=True)
                for item in result["failing"]:  # type: ignore[union-attr]
                    print(f"    below full marks: {item}", flush=True)


def main() -> None:
    install()
    if "--therapist" in sys.argv:
        therapist_pages()
        return
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
