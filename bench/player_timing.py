"""How close to its schedule the player changes steps, on the real clock in headless Chromium.

Runs the grounding exercise stretched to five minutes (pace 2, first step 30 s), observes every
step change in the page and compares the moment the new step appeared with the moment the
schedule says it was due. In the middle of the run the page is frozen for a minute, as a locked
phone would freeze it (the page's main thread is kept busy, so no timer and no drawing can run;
headless Chromium driven by Playwright never reports a page as hidden, so this is the honest
stand-in): steps that fall due while it is frozen cannot be shown on time, so the
benchmark reports them apart, with how quickly the page caught up once it came back.

    .venv/bin/python bench/player_timing.py [--freeze-at 100] [--freeze-for 60]

Prints figures; asserts nothing. Target: no transition more than 50 ms off while the page runs,
including after it was frozen.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time

from _setup import bench_settings
from playwright.sync_api import sync_playwright

from server.app import create_app
from tests.live_server import LiveServer

PREFS = {"pace": 2, "overrides": {"grounding": {"1.duration": 30}}, "bell": True}
# Records, for every step change, when it appeared and when the schedule said it was due.
OBSERVE = """
(() => {
  window.__transitions = [];
  const start = () => {
    const player = document.getElementById('player');
    if (!player) return setTimeout(start, 10);
    new MutationObserver(() => {
      const state = JSON.parse(sessionStorage.getItem('houvast.run.grounding') || 'null');
      if (state) window.__transitions.push({
        index: Number(player.dataset.index), shown: Date.now(), due: state.segStart,
        kind: player.dataset.kind,
      });
    }).observe(player, { attributes: true, attributeFilter: ['data-index'] });
  };
  document.addEventListener('DOMContentLoaded', start);
})();
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--freeze-at", type=float, default=100, help="seconds into the run")
    parser.add_argument("--freeze-for", type=float, default=60, help="seconds frozen")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"

    with (
        LiveServer(create_app(bench_settings(), dispatch=False)) as url,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=[
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.add_init_script(
            f"localStorage.setItem('houvast.prefs', {json.dumps(json.dumps(PREFS))})"
        )
        page.add_init_script(OBSERVE)
        page.goto(f"{url}/en/exercises/grounding#start")
        page.wait_for_selector("#player:not([hidden])")
        started = time.monotonic()
        time.sleep(args.freeze_at)
        page.evaluate(
            "ms => { const end = Date.now() + ms; while (Date.now() < end) {} }",
            int(args.freeze_for * 1000),
        )
        page_time = page.evaluate("Date.now()")
        frozen_from = page_time - int(args.freeze_for * 1000)

        page.wait_for_selector('#player[data-kind="rate"]', timeout=400_000)
        transitions = page.evaluate("window.__transitions")
        started_at = transitions[0]["due"]
        total = time.monotonic() - started
        browser.close()

    # The first record is the page drawing the first step, not a change of step.
    changes = [t for t in transitions if t["index"] > 0]
    # A step due while the page was frozen is shown when it comes back ("catching up").
    caught_up = [t for t in changes if frozen_from <= t["due"] <= page_time + 1000]
    running = [t for t in changes if t not in caught_up]
    lateness = [t["shown"] - t["due"] for t in running]
    print(
        f"run: grounding at pace 2, {total:.0f} s, frozen {args.freeze_for:.0f} s "
        f"from {args.freeze_at:.0f} s"
    )
    for t in changes:
        print(
            f"  step {t['index']:>2} ({t['kind']:<6}) "
            f"due at {(t['due'] - started_at) / 1000:>5.0f} s,"
            f" shown {t['shown'] - t['due']:>6} ms after"
        )
    print(f"step changes while the page ran: {len(running)}")
    if lateness:
        print(f"  largest deviation from the schedule: {max(lateness, key=abs)} ms")
        print(f"  median deviation: {statistics.median(lateness):.0f} ms")
    after = [t["shown"] - t["due"] for t in running if t["due"] > page_time]
    if after:
        print(f"  after the freeze: largest {max(after, key=abs)} ms over {len(after)} change(s)")
    for t in caught_up:
        print(
            f"due while frozen: step {t['index']} ({t['kind']}), shown "
            f"{t['shown'] - page_time} ms after the page came back"
        )


if __name__ == "__main__":
    main()
