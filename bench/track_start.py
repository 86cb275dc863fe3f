"""The bells' audio track: its size and how fast it starts, on a slowed-down CPU.

Runs Sensing the body in headless Chromium with its timed steps stretched to 10 and to 30
minutes, with the CPU slowed down (Chrome DevTools Protocol, Emulation.setCPUThrottlingRate) as
on a mid-range phone. For each: how long the bell takes to render before the tap; how long the
tap that starts the timed steps takes to handle (the player draws the step and makes the track
within it); how long until the track plays; the first track's length and bytes, and what the
whole stretch comes to; every bell's onset in the decoded track against its step change; and,
on the real clock for a few seconds, how far the playing track is from the run's clock, also
after the page's script was held for five seconds (as a locked phone holds it).

    .venv/bin/python bench/track_start.py [--rates 1,4,6] [--listen 12] [--repeat 3]

Prints figures; asserts nothing. Target: a 30-minute run starts within a second; bells within
20 ms of their step change; track and clock within 50 ms.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time

from _setup import bench_settings
from playwright.sync_api import Page, sync_playwright

from server.app import create_app
from tests.live_server import LiveServer

# Sensing the body: eleven timed steps and a breathing step of 50 s after a text; by default
# they last 410 s. Stretched by the pace to 10 minutes, and at their longest (1640 s) to 30.
RUNS = {
    "10 min": {"ratings": False, "pace": 600 / 410},
    "30 min": {
        "ratings": False,
        "pace": 1800 / 1640,
        "overrides": {
            "body-scan": {
                **{
                    f"{step}.duration": 180
                    for step in (
                        "points-contact",
                        "breath",
                        "feet-legs",
                        "belly-back",
                        "chest-shoulders",
                        "arms-neck-head",
                    )
                },
                **{f"{step}.duration": 120 for step in ("resting-place", "whole-body")},
                **{f"{step}.duration": 90 for step in ("pause-legs", "pause-belly", "pause-chest")},
            }
        },
    },
}
# Notes when the bell is rendered, each track made, the tap handled and the track playing.
OBSERVE = """
(() => {
  const t = window.__timing = { tracks: [] };
  const render = OfflineAudioContext.prototype.startRendering;
  OfflineAudioContext.prototype.startRendering = async function () {
    const start = performance.now();
    const rendered = await render.call(this);
    t.bell = performance.now() - start;
    return rendered;
  };
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = (blob) => {
    const url = createObjectURL(blob);
    if (blob.type === 'audio/wav') t.tracks.push({ url, blob, at: performance.now() });
    return url;
  };
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    if (!t.audio) {
      t.audio = this;
      this.addEventListener('playing', () => { t.playing ??= performance.now(); });
    }
    return play.call(this);
  };
  document.addEventListener('click', () => { t.tap = performance.now(); }, true);
  window.addEventListener('click', () => { t.handled = performance.now(); });
})();
"""
ONSETS = """async (index) => {
  const blob = window.__timing.tracks[index].blob;
  const bytes = await blob.arrayBuffer();
  const buffer = await new OfflineAudioContext(1, 1, 8000).decodeAudioData(bytes);
  const data = buffer.getChannelData(0);
  const onsets = [];
  let quiet = 4000;
  for (let i = 0; i < data.length; i += 1) {
    if (Math.abs(data[i]) < 1e-4) { quiet += 1; continue; }
    if (quiet >= 4000) onsets.push(i / 8);
    quiet = 0;
  }
  return { onsets, ms: buffer.duration * 1000, bytes: blob.size };
}"""
# Where the playing track is against the run's clock, in ms (positive: the track is behind).
LAG = """() => {
  const run = JSON.parse(sessionStorage.getItem('houvast.run.body-scan'));
  const track = window.__timing.tracks.at(-1);
  const audio = window.__timing.audio;
  return { lag: (Date.now() - run.segStart) - audio.currentTime * 1000, index: run.index };
}"""


def step_changes(page: Page) -> list[float]:
    """When the steps of the stretch change, in ms from its start, from the run's segments."""
    return page.evaluate(
        """async () => {
          const src = document.querySelector('script[src*="/js/player"]').src;
          const { buildTimeline, kindsOf } = await import(new URL('timeline.js', src));
          const { loadPrefs } = await import(new URL('prefs.js', src));
          const exercise = JSON.parse(document.getElementById('exercise-data').textContent);
          const kinds = {};
          for (const name of kindsOf(exercise)) {
            kinds[name] = await import(new URL(`kinds/${name}.js`, src));
          }
          const segments = buildTimeline(exercise, loadPrefs(), '', kinds);
          const first = segments.findIndex((s) => s.ms !== null);
          const changes = [];
          let at = 0;
          for (const s of segments.slice(first)) {
            if (s.ms === null) break;
            at += s.ms;
            changes.push(at);
          }
          return changes;
        }"""
    )


def measure(page: Page, url: str, prefs: dict[str, object], rate: float) -> dict[str, float]:
    """One start: the timings of the tap, the first track and its onsets' errors."""
    page.add_init_script(f"localStorage.setItem('houvast.prefs', {json.dumps(json.dumps(prefs))})")
    page.add_init_script(OBSERVE)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
    page.goto(f"{url}/en/exercises/body-scan")
    page.wait_for_function("() => window.__timing.bell !== undefined", timeout=60_000)
    page.locator("#start").click()
    page.wait_for_function("() => !document.getElementById('player-next').hidden", timeout=60_000)
    page.locator("#player-next").click()  # the tap that starts the timed steps, and the track
    page.wait_for_function("() => window.__timing.playing !== undefined", timeout=60_000)
    found = page.evaluate(
        "(({bell, tap, handled, playing, tracks}) => ({bell, handle: handled - tap,"
        " start: playing - tap, built: tracks.at(-1).at - tap}))(window.__timing)"
    )
    track = page.evaluate(ONSETS, 0)
    changes = step_changes(page)
    in_track = [c for c in changes if c < track["ms"]]
    # The first bell is the tap's own, at 0; then one at each step change.
    errors = [abs(o - c) for o, c in zip(track["onsets"][1:], in_track, strict=True)]
    return {
        **found,
        "ms": track["ms"],
        "bytes": track["bytes"],
        "whole": changes[-1] + 3000,
        "bells": len(errors),
        "error": max(errors),
    }


def listen(page: Page, seconds: float) -> list[float]:
    """How far the playing track is behind the run's clock, sampled on the real clock."""
    lags = []
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        lags.append(page.evaluate(LAG)["lag"])
        time.sleep(0.25)
    return lags


def frozen(page: Page, seconds: float) -> float:
    """Hold the page's main thread (as a locked phone holds a page), then see how far the
    track is from the run's clock: it plays on by itself, with no script to help it."""
    page.evaluate(
        "ms => { const end = Date.now() + ms; while (Date.now() < end) {} }", seconds * 1000
    )
    return page.evaluate(LAG)["lag"]


def report(name: str, rate: float, runs: list[dict[str, float]], lags: list[float]) -> None:
    first = runs[0]
    starts = sorted(run["start"] for run in runs)
    print(f"  CPU {rate:g}x slower, {len(runs)} starts:")
    print(f"    bell rendered before the tap: {max(r['bell'] for r in runs):.0f} ms at most")
    print(
        f"    tap handled (step drawn, track made): {max(r['handle'] for r in runs):.0f} ms at "
        f"most; track playing after the tap: median {starts[len(starts) // 2]:.0f} ms, "
        f"largest {starts[-1]:.0f} ms"
    )
    print(
        f"    first track: {first['ms'] / 60_000:.1f} min, {first['bytes'] / 1e6:.2f} MB "
        f"(8 kB a second); the whole stretch, {first['whole'] / 60_000:.1f} min, comes to "
        f"{first['whole'] * 8 / 1e6:.1f} MB over the run, one track held at a time"
    )
    print(
        f"    onsets in the decoded track: {first['bells']} bells, largest error "
        f"{max(r['error'] for r in runs):.1f} ms from their step change"
    )
    settled = lags[len(lags) // 2 :]
    print(
        f"    playing track behind the run's clock: {lags[0]:.0f} ms at first (the tap's bell "
        f"plays from its start), then within {max(map(abs, settled)):.0f} ms "
        f"(last {len(settled) / 4:.0f} s of {len(lags) / 4:.0f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="1,4,6", help="CPU slow-down factors")
    parser.add_argument("--listen", type=float, default=12, help="seconds on the real clock")
    parser.add_argument("--repeat", type=int, default=3, help="starts for each run and CPU")
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
        for name, prefs in RUNS.items():
            print(f"{name} of timed steps (Sensing the body):")
            for rate in (float(r) for r in args.rates.split(",")):
                runs, lags = [], []
                for n in range(args.repeat):
                    context = browser.new_context(viewport={"width": 360, "height": 640})
                    page = context.new_page()
                    runs.append(measure(page, url, prefs, rate))
                    if n == 0:
                        lags = listen(page, args.listen)
                        after = frozen(page, 5)
                    context.close()
                report(name, rate, runs, lags)
                print(
                    f"    after the page's script was held for 5 s: the track {after:.0f} ms "
                    "behind the clock (it played on by itself)"
                )
        browser.close()


if __name__ == "__main__":
    main()
