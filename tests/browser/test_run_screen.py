"""The run on a small phone: Start in reach, notices wait, the offer of help, forced colours,
focus. What every step of every exercise shows is checked in test_large_text.py, at 100% and
200% text."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

from server.app import create_app
from server.assets import PWA_DIR
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, freeze_clock, one_language
from tests.browser.test_offline import controlled, read_notice, wait_until
from tests.browser.test_player import (
    START,
    choose_rating,
    kind,
    runs,
    seconds_left,
    set_prefs,
    wait_for_next,
)
from tests.client_pages import EXERCISE_IDS
from tests.conftest import isolated_settings
from tests.live_server import LiveServer

SMALL = {"width": 360, "height": 640}
# What a person may need during a run, whenever it is shown.
NEEDED = [
    "#player-stop",
    "#player-back",
    "#player-pause",
    "#player-next",
    ".action-button",
    ".rating input",
    ".rating button",
    ".note textarea",
    ".note button",
    ".scale input",
    ".scale button",
    ".way-out-ground",
    ".way-out-help",
]

# For each shown control: is it inside the viewport, and is it what a tap at its centre hits?
HIDDEN_OR_COVERED = """(selectors) => selectors.flatMap((selector) =>
  [...document.querySelectorAll(selector)]
    .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
    .map((el) => {
      const box = el.getBoundingClientRect();
      const inside = box.top >= 0 && box.left >= 0
        && box.bottom <= innerHeight + 0.5 && box.right <= innerWidth + 0.5;
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      const uncovered = hit !== null && (hit === el || el.contains(hit));
      const over = hit ? `${hit.tagName}.${hit.className}` : 'nothing';
      return { selector, text: el.textContent.trim() || el.value || '', inside, uncovered, over };
    })
    .filter((found) => !found.inside || !found.uncovered))"""


@pytest.fixture
def small(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=base_url, viewport=SMALL, is_mobile=True, has_touch=True, device_scale_factor=1
    )
    yield context
    context.close()


def problems(page: Page) -> list[dict[str, Any]]:
    return page.evaluate(HIDDEN_OR_COVERED, NEEDED)


def step_on(page: Page) -> None:
    """Do what the current step asks, as a person would."""
    step = kind(page)
    if step in ("timed", "breath"):
        page.clock.run_for(seconds_left(page) * 1000 + 50)
    elif step == "action":
        page.locator(".action-button").click()
    elif step == "rate":
        choose_rating(page, 3)
    elif step == "note":
        page.locator(".note textarea").fill("a few words")
        page.locator(".note button[type=submit]").click()
    elif step == "scale":
        page.locator(".scale-place").nth(1).click()
        page.locator(".scale button[type=submit]").click()
    else:
        wait_for_next(page)
        page.locator("#player-next").click()


# Every step of every exercise in both languages, the offer of help after a high rating and the
# end (each control a person may need on screen at 360×640 and what a tap hits, no notice, no
# two controls that share a name) are checked in the walk through every step at 100% and 200%
# text: test_large_text.py, test_every_step_of_every_exercise_at_200_and_100_percent_text.


def test_start_is_in_reach_on_every_exercise_page(small: BrowserContext) -> None:
    page = small.new_page()
    # On a first visit a notice says the app is stored for offline use: it leaves Start free.
    page.goto("/en/exercises/stop-partner")
    controlled(page)
    expect(page.locator("#offline-ready")).to_be_visible()
    assert problems(page) == []
    uncovered = page.locator("#start").evaluate(
        """(el) => { const box = el.getBoundingClientRect();
            return document.elementFromPoint(box.left + box.width / 2, box.bottom - 4) === el; }"""
    )
    assert uncovered, "the notice covers Start"
    for locale in ("nl", "en"):
        for exercise in EXERCISE_IDS:
            page.goto(f"/{locale}/exercises/{exercise}")
            start = page.locator("#start")
            expect(start).to_be_in_viewport(ratio=1)
            box = start.bounding_box()
            assert box is not None and box["height"] < 60, "the label wraps into an odd shape"


def test_a_notice_waits_until_the_run_ends(small: BrowserContext) -> None:
    """The first visit stores the app for offline use: its notice must not cover a run."""
    page = small.new_page()
    freeze_clock(page, START)
    page.goto("/en/exercises/grounding#start")
    expect(page.locator("#player")).to_be_visible()
    controlled(page)
    page.clock.run_for(2_000)
    expect(page.locator("#offline-ready")).to_be_hidden()
    page.locator("#player-stop").click()
    expect(page.locator("#offline-ready")).to_be_visible()
    expect(page.locator("#offline-ready").get_by_role("button", name="Close")).to_be_visible()


def test_an_update_is_never_hidden_behind_the_install_offer(
    profile: BrowserContext, tmp_path: Path
) -> None:
    pwa = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, pwa)
    settings = isolated_settings(tmp_path)
    server = LiveServer(create_app(settings, pwa_dir=pwa, dispatch=False))
    with server as url:
        port = server.server.servers[0].sockets[0].getsockname()[1]
        page = profile.new_page()
        page.goto(f"{url}/en/about")
        controlled(page)
    css = pwa / "css" / "app.css"
    css.write_text(css.read_text() + "\n.update-marker { display: none; }\n")
    with LiveServer(create_app(settings, pwa_dir=pwa, dispatch=False), port=port):
        page.evaluate(
            """() => {
                const offer = new Event('beforeinstallprompt', { cancelable: true });
                offer.prompt = () => {};
                offer.userChoice = Promise.resolve({ outcome: 'dismissed' });
                dispatchEvent(offer);
            }"""
        )
        read_notice(page, "Put Houvast on your home screen")
        # A new version arrives while the install offer shows: the update takes its place.
        page.evaluate("navigator.serviceWorker.ready.then((r) => r.update())")
        expect(page.locator("#update-banner")).to_be_visible(timeout=20_000)
        expect(page.locator("#install-offer")).to_be_hidden()
        # Every notice can be put away; the install offer then has its turn.
        page.get_by_role("button", name="Not now").first.click()
        expect(page.locator("#update-banner")).to_be_hidden()
        expect(page.locator("#install-offer")).to_be_visible()


@one_language("en")
def test_a_high_rating_before_gets_a_gentle_offer(page: Page, locale: str) -> None:
    freeze_clock(page, START)
    page.goto(f"/{locale}/exercises/four-s#start")
    choose_rating(page, 8)
    offer = page.locator(".help-offer")
    expect(page.locator("#player-title")).to_have_text(
        "Dat is veel spanning." if locale == "nl" else "That is a lot of tension."
    )
    expect(page.locator("#player-title")).to_be_focused()
    help_page = "Waar je hulp vindt" if locale == "nl" else "Where to find help"
    expect(offer.get_by_role("link", name=help_page)).to_have_attribute("href", f"/{locale}/help")
    # A "too much" moment says this is no crisis service and puts real help a tap away.
    expect(offer).to_contain_text(
        "geen therapie en geen crisisdienst" if locale == "nl" else "not a crisis service"
    )
    for number in ("113", "08000113", "112"):
        expect(offer.locator(f'a[href="tel:{number}"]')).to_be_visible()
    # Never a block: going on is one tap.
    offer.get_by_role("button").last.click()
    expect(page.locator("#player")).to_have_attribute("data-index", "1")
    assert page.locator(".help-offer").count() == 0


def test_grounding_from_the_offer_stops_the_run_and_grounds(page: Page) -> None:
    freeze_clock(page, START)
    page.goto("/en/exercises/body-scan#start")
    choose_rating(page, 9)
    page.get_by_role("button", name="Back to the here and now").click()
    expect(page).to_have_url(f"{page.url.split('/en/')[0]}/en/exercises/grounding#start")
    expect(page.locator("#player-title")).to_have_text("Feet on the floor")
    logged = runs(page)
    assert [(r["exercise"], r["status"], r["before"]) for r in logged] == [
        ("body-scan", "stopped", 9)
    ]


@pytest.mark.parametrize(("before", "after", "offered"), [(2, 5, True), (5, 6, False)])
def test_a_clear_rise_after_gets_an_offer_at_the_end(
    page: Page, before: int, after: int, offered: bool
) -> None:
    freeze_clock(page, START)
    page.goto("/en/exercises/stop-solo#start")
    choose_rating(page, before)
    while kind(page) != "rate":
        step_on(page)
    choose_rating(page, after)
    page.locator("#player-next").click()  # the closing
    expect(page.locator("#player-end")).to_be_visible()
    offer = page.locator("#player-end-offer")
    if offered:
        expect(offer).to_contain_text("Your tension went up")
        expect(offer.get_by_role("button", name="Back to the here and now")).to_be_visible()
        expect(offer).to_contain_text("not a crisis service")
        expect(offer.locator('a[href="tel:113"]')).to_be_attached()
    else:
        expect(offer).to_be_hidden()


def test_focus_follows_a_step_that_changes_by_itself(page: Page) -> None:
    freeze_clock(page, START)
    page.goto("/en/exercises/grounding#start")
    # The run starts when the page's scripts have run; the clock moves only after that.
    expect(page.locator("#player")).to_be_visible()
    page.locator("#player-pause").focus()
    page.clock.run_for(20_100)
    expect(page.locator("#player")).to_have_attribute("data-index", "1")
    expect(page.locator("#player-title")).to_be_focused()
    outline = page.locator("#player-title").evaluate("(el) => getComputedStyle(el).outlineStyle")
    assert outline != "none", "a focused heading shows where focus went"
    expect(page.locator("#player-announce")).to_contain_text("Name five things you can see")


def test_the_way_out_is_a_few_key_presses_away(page: Page) -> None:
    freeze_clock(page, START)
    # On any page: the skip link, then the way out.
    page.goto("/en/about")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator(".way-out-ground")).to_be_focused()
    # During a run, from the step's heading: Stop, Help, the way out.
    page.goto("/en/exercises/four-s#start")
    expect(page.locator("#player-title")).to_be_focused()
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
    expect(page.locator(".way-out-ground")).to_be_focused()


def test_the_pause_button_changes_its_label_only(page: Page) -> None:
    freeze_clock(page, START)
    page.goto("/en/exercises/grounding#start")
    expect(page.locator("#player")).to_be_visible()
    pause = page.locator("#player-pause")
    assert pause.get_attribute("aria-pressed") is None
    pause.click()
    expect(pause).to_have_text("Resume")
    assert pause.get_attribute("aria-pressed") is None, "its label says what it does, not a state"
    expect(page.locator("#player-paused")).to_have_attribute("role", "status")


def test_forced_colours_keep_the_big_button_and_the_pacer(page: Page) -> None:
    page.emulate_media(forced_colors="active")
    set_prefs(page, {"ratings": False})
    freeze_clock(page, START)
    page.goto("/en/exercises/stop-solo#start")
    expect(page.locator("#player")).to_be_visible()
    while kind(page) != "action":
        step_on(page)
    border = page.locator(".action-button").evaluate("(el) => getComputedStyle(el).borderTopWidth")
    assert border != "0px"
    page.goto("/en/exercises/grounding#start")
    expect(page.locator("#player")).to_be_visible()
    while kind(page) != "breath":
        step_on(page)
    shape = page.locator(".breath-shape").evaluate("(el) => getComputedStyle(el).borderTopWidth")
    assert shape != "0px"


# Large text on ordinary pages (no sideways scrolling, the way out whole, the page's end clear
# of the bar) is checked on every page in both languages in test_large_text.py.


def test_the_bell_sounds_after_the_way_out(playwright: Playwright, base_url: str) -> None:
    """With the browser's autoplay rule on (as on a phone), the way out starts grounding from
    the tap, so the bell's audio is allowed to run."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--autoplay-policy=user-gesture-required"]
    )
    context = browser.new_context(base_url=base_url, viewport=SMALL)
    page = context.new_page()
    page.add_init_script(
        """(() => {
            window.__audio = [];
            const Original = window.AudioContext;
            window.AudioContext = class extends Original {
                constructor(...args) { super(...args); window.__audio.push(this); }
            };
        })();"""
    )
    freeze_clock(page, START)
    page.goto("/en/exercises/protector")
    page.get_by_role("button", name="Start").click()
    choose_rating(page, 4)
    page.locator(".way-out-ground").click()
    expect(page.locator("h1")).to_have_text("Here and now")
    # The heading changes before grounding's step kinds have loaded; the run starts after.
    expect(page.locator("#player-title")).to_have_text("Feet on the floor")
    page.clock.run_for(20_100)
    expect(page.locator("#player")).to_have_attribute("data-index", "1")
    wait_until(
        page, "window.__audio.length > 0 && window.__audio.at(-1).state === 'running'", "audio"
    )
    browser.close()


def test_start_is_a_button_that_space_presses(page: Page) -> None:
    freeze_clock(page, START)
    page.goto("/en/exercises/grounding")
    start = page.get_by_role("button", name="Start")
    start.focus()
    page.keyboard.press("Space")
    expect(page.locator("#player")).to_be_visible()
    expect(page.locator("#player-title")).to_be_focused()


def test_breath_phases_are_told_politely(page: Page) -> None:
    set_prefs(page, {"ratings": False})
    freeze_clock(page, START)
    page.goto("/en/exercises/grounding#start")
    expect(page.locator("#player")).to_be_visible()
    while kind(page) != "breath":
        step_on(page)
    label = page.locator(".breath-label")
    expect(label).to_have_attribute("aria-live", "polite")
    expect(label).to_contain_text("Breathe in")
    page.clock.run_for(4_100)
    expect(label).to_contain_text("Breathe out")


def test_the_timings_per_exercise_open_with_a_visible_arrow(page: Page) -> None:
    page.emulate_media(reduced_motion="reduce")  # the arrow turns at once
    page.goto("/en/settings")
    summary = page.locator("details.timings summary").first
    arrow = summary.evaluate("(el) => getComputedStyle(el, '::before').borderRightWidth")
    assert arrow != "0px"
    closed = summary.evaluate("(el) => getComputedStyle(el, '::before').transform")
    summary.click()
    expect(page.locator("details.timings").first).to_have_attribute("open", "")
    # The turn is a transition (0.01 ms with reduced motion), and it starts at the frame's
    # time: read before the next frame, it is still where it began (on a busy machine, the
    # read can come first). Finished at once, the arrow is where it ends, without waiting.
    turned = page.locator("details.timings[open] > summary").first.evaluate(
        """(el) => {
            getComputedStyle(el, '::before').transform;
            document.getAnimations().forEach((animation) => animation.finish());
            return getComputedStyle(el, '::before').transform;
        }"""
    )
    assert closed != turned, "the arrow turns when the section opens"


# Each word of the labels of the controls ``selector`` finds that shows on more than one line
# (a word split inside itself, "Volgen-de").
SPLIT_WORDS = """(selector) => {
  const split = [];
  for (const control of document.querySelectorAll(selector)) {
    if (!control.getClientRects().length) continue;
    const texts = document.createTreeWalker(control, NodeFilter.SHOW_TEXT);
    for (let node = texts.nextNode(); node; node = texts.nextNode()) {
      for (const word of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()].map((box) => Math.round(box.top)));
        if (lines.size > 1) split.push(word[0]);
      }
    }
  }
  return split;
}"""


def test_no_control_of_a_run_splits_a_word(small: BrowserContext) -> None:
    """Back, Pause and Next side by side on a 360-pixel phone, in Dutch (the longer words):
    each label whole, as wide as its word."""
    page = small.new_page()
    freeze_clock(page, START)
    page.goto("/nl/exercises/grounding#start")
    expect(page.locator("#player")).to_be_visible()
    step_on(page)
    for control in ("#player-back", "#player-pause", "#player-next"):
        expect(page.locator(control)).to_be_visible()
    assert page.evaluate(SPLIT_WORDS, ".player-top .button, .player-controls .button") == []


# The mean brightness of a band of rows at the top or bottom edge of the step's text part,
# its text made invisible, from a screenshot: a shadow there is darker than the page.
def edge_brightness(page: Page, edge: str) -> float:
    box = page.locator("#player-scroll").bounding_box()
    assert box is not None
    top = box["y"] + 1 if edge == "top" else box["y"] + box["height"] - 7
    shot = page.screenshot(clip={"x": box["x"], "y": top, "width": box["width"], "height": 6})
    image = Image.open(io.BytesIO(shot)).convert("L")
    return float(ImageStat.Stat(image).mean[0])


def test_a_step_text_that_goes_on_shows_a_shadow_where_more_is(small: BrowserContext) -> None:
    """A step's text too long for its part on a small phone: a shadow at the bottom edge while
    more is below, at the top once the start is scrolled away, and none at an end."""
    page = small.new_page()
    freeze_clock(page, START)
    page.goto("/nl/exercises/stop-solo#start")
    expect(page.locator("#player")).to_be_visible()
    while kind(page) != "action":
        step_on(page)
    scroll = page.locator("#player-scroll")
    assert scroll.evaluate("(el) => el.scrollHeight > el.clientHeight + 10"), "the text fits"
    scroll.evaluate(
        "(el) => { for (const part of el.querySelectorAll('*')) part.style.color = 'transparent'; }"
    )
    page_colour = edge_brightness(page, "top")  # at the text's start: no shadow above
    assert edge_brightness(page, "bottom") < page_colour - 8, "no sign that the text goes on"
    scroll.evaluate("(el) => { el.scrollTop = el.scrollHeight; }")
    assert edge_brightness(page, "bottom") == pytest.approx(page_colour, abs=2)
    assert edge_brightness(page, "top") < page_colour - 8, "no sign of the text above"


def test_the_crisis_line_is_at_hand_in_a_grounding_the_way_out_started(page: Page) -> None:
    """The way out grounds in the page it is on, replacing its main part: the crisis line a
    "too much" offer shows is kept outside it, on every page."""
    freeze_clock(page, START)
    page.goto("/en/about")
    page.locator(".way-out-ground").click()
    expect(page.locator("#player")).to_be_visible()
    expect(page.locator("#player-title")).to_have_text("Feet on the floor")
    lines = page.evaluate(
        "() => document.getElementById('help-lines')?.content.textContent.replace(/\\s+/g, ' ')"
    )
    assert lines is not None, "the crisis line went with the page's main part"
    assert "Call 113" in lines and "Call 0800-0113 (free)" in lines and "Call 112" in lines
