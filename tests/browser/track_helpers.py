"""What the tests of the bells' audio track share: the page's audio clock held to Playwright's,
the track decoded in the page, and the lock screen's handlers.

The one double is the device's audio clock. A real <audio> element plays in real time, while the
tests hold the page's clock still and move it on by hand; so an element's playhead (`currentTime`,
`paused`, `play`, `pause`, a new `src` starting from the beginning) follows the page's clock here,
as a playing element follows the device's. The element still loads the real track, and the track
is decoded from the very bytes the page made.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import freeze_clock

START = datetime(2026, 11, 20, 9, 0, 0)
SMALL_PHONE = {"width": 360, "height": 640}
# Grounding: five timed steps (20, 30, 20, 20, 20 s), 30 s of breathing, then a rating that waits.
GROUNDING_BELLS = [20_000, 50_000, 70_000, 90_000, 110_000, 140_000]

AUDIO_CLOCK = """
(() => {
  const clocks = new WeakMap();
  const clock = (el) => {
    if (!clocks.has(el)) clocks.set(el, { base: 0, since: null });
    return clocks.get(el);
  };
  // The device's clock: a playing track goes on while the page's timers are held.
  const now = () => Date.now();
  window.__audio = [];
  window.__blobs = new Map();
  window.__refusePlay ??= false;
  window.__bellReady = false;
  const render = OfflineAudioContext.prototype.startRendering;
  // A test may hold the bell back (a slow phone), and let it go with __releaseBell().
  const held = new Promise((resolve) => { window.__releaseBell = resolve; });
  OfflineAudioContext.prototype.startRendering = async function () {
    window.__bellAsked = true;
    const rendered = await render.call(this);
    if (window.__holdBell) await held;
    window.__bellReady = true;
    return rendered;
  };
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = (blob) => {
    const url = createObjectURL(blob);
    window.__blobs.set(url, blob);
    return url;
  };
  const proto = HTMLMediaElement.prototype;
  Object.defineProperty(proto, 'currentTime', {
    configurable: true,
    get() {
      const c = clock(this);
      return c.base + (c.since === null ? 0 : Math.max(0, now() - c.since) / 1000);
    },
    // A playing element moved elsewhere takes a moment (__seekStall ms) to play on.
    set(value) {
      const c = clock(this);
      c.base = value;
      if (c.since !== null) c.since = now() + (window.__seekStall ?? 0);
    },
  });
  Object.defineProperty(proto, 'paused', {
    configurable: true, get() { return clock(this).since === null; },
  });
  proto.play = function () {
    if (!window.__audio.includes(this)) window.__audio.push(this);
    if (window.__refusePlay) {
      return Promise.reject(new DOMException('no tap yet', 'NotAllowedError'));
    }
    const c = clock(this);
    if (c.since === null) c.since = now();
    return Promise.resolve();
  };
  proto.pause = function () {
    const c = clock(this);
    if (c.since !== null) {
      c.base = this.currentTime;
      c.since = null;
    }
  };
  // A new source starts at its beginning, paused (the media element's load algorithm).
  const src = Object.getOwnPropertyDescriptor(proto, 'src');
  Object.defineProperty(proto, 'src', {
    configurable: true,
    get() { return src.get.call(this); },
    set(value) {
      clocks.set(this, { base: 0, since: null });
      src.set.call(this, value);
    },
  });
})();
"""

# The lock screen: the handlers the page gave the Media Session, for the test to call.
LOCK_SCREEN = """
(() => {
  window.__media = {};
  const set = MediaSession.prototype.setActionHandler;
  MediaSession.prototype.setActionHandler = function (action, handler) {
    window.__media[action] = handler;
    return set.call(this, action, handler);
  };
})();
"""

# The track now playing, decoded from its bytes: where each bell starts (the first sound after
# half a second of silence), where the playhead is, all in ms of the track.
TRACK = """async () => {
  const audio = window.__audio.at(-1);
  if (!audio || !audio.src) return null;
  const blob = window.__blobs.get(audio.src);
  const bytes = await blob.arrayBuffer();
  const buffer = await new OfflineAudioContext(1, 1, 8000).decodeAudioData(bytes.slice(0));
  const data = buffer.getChannelData(0);
  const onsets = [];
  let quiet = 4000;
  for (let i = 0; i < data.length; i += 1) {
    if (Math.abs(data[i]) < 1e-4) {
      quiet += 1;
    } else {
      if (quiet >= 4000) onsets.push(i / 8);
      quiet = 0;
    }
  }
  return {
    at: audio.currentTime * 1000, paused: audio.paused, onsets, type: blob.type,
    bytes: blob.size, ms: buffer.duration * 1000, rate: buffer.sampleRate,
    elements: window.__audio.length,
  };
}"""


def set_prefs(page: Page, prefs: dict[str, Any]) -> None:
    page.add_init_script(f"localStorage.setItem('houvast.prefs', {json.dumps(json.dumps(prefs))})")


def start_run(
    page: Page,
    locale: str,
    exercise: str,
    prefs: dict[str, Any] | None = None,
    *,
    expect_track: bool = True,
    tap: bool = False,
) -> None:
    """Open an exercise and tap Start, on a phone-sized screen with a frozen clock; with no
    track expected, open it started (without waiting for a bell), unless `tap`."""
    freeze_clock(page, START)
    page.set_viewport_size(SMALL_PHONE)
    page.add_init_script(AUDIO_CLOCK)
    page.add_init_script(LOCK_SCREEN)
    if prefs is not None:
        set_prefs(page, prefs)
    if not expect_track and not tap:
        page.goto(f"/{locale}/exercises/{exercise}#start")
        expect(page.locator("#player")).to_be_visible()
        return
    page.goto(f"/{locale}/exercises/{exercise}")
    # The player renders its bell once it is ready for the tap, and makes the track within
    # the tap: tap Start once the bell is there (or, with `tap`, as soon as it is asked for).
    page.wait_for_function("() => window.__bellAsked" if tap else "() => window.__bellReady")
    page.locator("#start").click()
    expect(page.locator("#player")).to_be_visible()


def track(page: Page) -> dict[str, Any]:
    found = page.evaluate(TRACK)
    assert found is not None, "no track is playing"
    return found


def upcoming(page: Page) -> list[float]:
    """The bells still to sound in the track, in ms from now (a bell sounding now is 0)."""
    now = track(page)
    return [onset - now["at"] for onset in now["onsets"] if onset >= now["at"] - 30]


def assert_bells(found: list[float], expected: list[int], within: float = 20) -> None:
    assert len(found) == len(expected), f"bells at {found}, expected {expected}"
    for seen, due in zip(found, expected, strict=True):
        assert abs(seen - due) <= within, f"a bell at {seen:.1f} ms, due at {due} ms: {found}"


def index(page: Page) -> int:
    return int(page.locator("#player").get_attribute("data-index") or -1)
