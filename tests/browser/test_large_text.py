"""Text at 200%, as a phone's text-size setting makes it: every client page and every step of
every exercise, and the therapist's pages, at 360×640 and 320×568, in both languages.
The walk through every step also checks each step at ordinary (100%) text, as the run screen's
walk did (test_run_screen.py): one walk per exercise and language for both text sizes.

For each state, in one page.evaluate: nothing scrolls sideways (a table scrolls in its own box);
the way-out bar is wholly on screen and at most a fifth of its height; every control the page
or step needs can be scrolled into view and is what a tap at its centre hits; in the player, at
least three lines of a step's text show. Each page loads once; the sizes change with
set_viewport_size, and the player steps on with Playwright's clock, so no test waits on time.
The therapist's pages (which have no way-out bar) are reached as a therapist reaches them: the
operator's link, a password, two-step sign-in, a set built, shared and followed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from server.exercises import load_exercises
from server.settings import PROJECT_ROOT, Settings
from tests.browser.conftest import AXE, axe_on_frozen_clock, freeze_clock
from tests.browser.test_history import NOW, RUNS, SEED
from tests.browser.test_player import START
from tests.browser.test_run_screen import HIDDEN_OR_COVERED, NEEDED, SMALL
from tests.browser.test_screen_reader import duplicates
from tests.browser.test_therapist import PASSWORD, api, houvast_add, in_place, run
from tests.client_pages import EXERCISE_IDS
from tests.therapist import backdate_shares, served_on_known_port

SIZES = [{"width": 360, "height": 640}, {"width": 320, "height": 568}]
LOCALES = ["nl", "en"]
TAP = 3_000  # ms: a control on screen is tapped at once; one covered is not waited for
AXE_LOCALE = "nl"  # axe-core runs once per page state, in this language (the longer words)
# The root font size doubled before the first paint, as a phone's text-size setting does.
LARGE_TEXT = """(() => {
  const large = () => document.documentElement.style.setProperty('font-size', '200%');
  if (document.documentElement) { large(); return; }
  new MutationObserver((_, watch) => {
    if (document.documentElement) { large(); watch.disconnect(); }
  }).observe(document, { childList: true });
})();"""
# Whatever a person can use on an ordinary page (the skip link shows only with focus).
CONTROLS = [
    "a[href]:not(.skip-link)",
    "button",
    "input:not([type=hidden])",
    "select",
    "textarea",
    "summary",
    "label.button",
]

# Everything about one state of the screen, measured at once; returns what is wrong.
CHECK = """({ selectors, player, bar: wayOut, W, H }) => {
  const found = [];
  const name = (el) => {
    const text = (el.textContent || el.value || el.getAttribute('aria-label') || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 40);
    return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`
      + `${el.classList.length ? '.' + [...el.classList].join('.') : ''} "${text}"`;
  };
  const shown = (el) => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden';
  // Inside a box that scrolls sideways by itself (a table's): allowed to be wider.
  const ownBox = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(up).overflowX)) return true;
    }
    return false;
  };
  // On a phone a page wider than the screen is zoomed out to fit: innerWidth grows with it.
  const width = Math.max(document.documentElement.scrollWidth, innerWidth);
  if (width > W) {
    const wide = [...document.body.querySelectorAll('*')].filter((el) => {
      const box = el.getBoundingClientRect();
      // Fixed to the screen, the bar and the notices stretch with a page too wide: not a cause.
      return box.width > 0 && box.right > W + 0.5 && !ownBox(el)
        && !el.closest('.way-out, .app-notices');
    });
    const deepest = wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)));
    found.push(`the page is ${width}px wide: ${deepest.slice(0, 3).map((el) =>
      `${name(el)} to ${Math.round(el.getBoundingClientRect().right)}px`).join(', ')}`);
  }
  const bar = wayOut ? document.querySelector('nav.way-out') : null;
  let barTop = H;
  if (wayOut && (!bar || !shown(bar))) {
    found.push('no way-out bar');
  } else if (bar) {
    const box = bar.getBoundingClientRect();
    barTop = box.top;
    if (box.top < 0 || box.bottom > H + 0.5) {
      found.push(`the way-out bar is at ${box.top}–${box.bottom}px`);
    }
    if (box.height > H / 5) found.push(`the way-out bar is ${Math.round(box.height)}px tall`);
    for (const link of bar.querySelectorAll('a')) {
      if (!shown(link)) continue;
      const at = link.getBoundingClientRect();
      if (at.left < 0 || at.right > W + 0.5 || at.top < 0 || at.bottom > H + 0.5) {
        const from = Math.round(at.left), to = Math.round(at.right);
        found.push(`${name(link)} is off screen at x ${from}–${to}`);
      }
    }
  }
  if (player) {
    const text = document.getElementById('player-text');
    const scroll = document.getElementById('player-scroll');
    if (text && shown(text) && text.textContent.trim()) {
      text.scrollIntoView({ block: 'start' });
      const line = parseFloat(getComputedStyle(text).lineHeight);
      const at = text.getBoundingClientRect(), frame = scroll.getBoundingClientRect();
      const seen = Math.min(at.bottom, frame.bottom, barTop, H) - Math.max(at.top, frame.top, 0);
      const lines = Math.min(3, Math.round(at.height / line));
      if (seen < lines * line - 1) {
        found.push(`${(seen / line).toFixed(1)} lines of the step's text show, not ${lines}`);
      }
    }
  }
  for (const selector of selectors) {
    for (const el of document.querySelectorAll(selector)) {
      if (!shown(el) || el.closest('.visually-hidden, .history-sr-only')) continue;
      // In a closed <details>: not there until its summary is used.
      const closed = el.parentElement.closest('details:not([open])');
      if (closed && !(el.matches('summary') && el.parentElement === closed)) continue;
      const size = el.getBoundingClientRect();
      if (size.width < 2 || size.height < 2) continue; // a stand-in for its label (file input)
      if (!bar?.contains(el)) el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      // A link that wraps: its first line. Taller than the room above the bar: what shows.
      const box = el.getClientRects()[0];
      const bottom = box.height > barTop ? Math.min(box.bottom, barTop) : box.bottom;
      const top = Math.max(box.top, Math.min(0, bottom - 1));
      const x = box.left + box.width / 2, y = (top + bottom) / 2;
      if (x < 0 || x > W || y < 0 || y > H) {
        const at = `${Math.round(x)}, ${Math.round(y)}`;
        found.push(`${name(el)} cannot be scrolled on screen (centre at ${at})`);
        continue;
      }
      const hit = document.elementFromPoint(x, y);
      const label = el.labels?.[0];
      if (!hit || !(el === hit || el.contains(hit) || label?.contains(hit))) {
        found.push(`${name(el)} is covered by ${hit ? name(hit) : 'nothing'}`);
      }
    }
  }
  scrollTo(0, 0);
  return found;
}"""


class Checker:
    """Runs CHECK at both sizes and keeps every problem, with where it was found."""

    def __init__(self, *, axe: bool = False) -> None:
        self.run_axe = axe
        self.problems: list[str] = []
        self.states = 0
        self.axed = 0

    def check(
        self,
        page: Page,
        where: str,
        selectors: list[str],
        *,
        player: bool = False,
        bar: bool = True,
        audit: bool = True,
        frozen: bool = False,
    ) -> None:
        # The size the page has first, then the other: one change of size per state.
        for size in sorted(SIZES, key=lambda size: size != page.viewport_size):
            if page.viewport_size != size:
                page.set_viewport_size(size)
            found = page.evaluate(
                CHECK,
                {
                    "selectors": selectors,
                    "player": player,
                    "bar": bar,
                    "W": size["width"],
                    "H": size["height"],
                },
            )
            self.record(where, size, found)
        self.states += 1
        if self.run_axe and audit:
            self.axe(page, where, frozen=frozen)

    def record(self, where: str, size: dict[str, int], found: list[str]) -> None:
        """Keep what CHECK found at 200% text at ``size``."""
        at = f"200% text, {size['width']}×{size['height']}"
        self.problems += [f"{where} at {at}: {p}" for p in found]

    def axe(self, page: Page, where: str, *, frozen: bool = False) -> None:
        """axe-core on the page as it is now (with 200% text), its findings kept as problems."""
        results = axe_on_frozen_clock(page) if frozen else AXE.run(page)
        for violation in results.response["violations"]:
            nodes = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
            self.problems.append(f"{where}: axe {violation['id']} ({violation['impact']}): {nodes}")
        self.axed += 1

    def done(self, what: str) -> None:
        print(
            f"\n200% text: {self.states} {what} checked at {len(SIZES)} sizes, {self.axed} by axe"
        )
        assert not self.problems, "\n".join(self.problems)


def large_text_phone(browser: Browser, base_url: str, **options: Any) -> BrowserContext:
    """A small touch phone with its text at 200%, in Amsterdam."""
    context = browser.new_context(
        base_url=base_url,
        viewport=SIZES[0],
        is_mobile=True,
        has_touch=True,
        timezone_id="Europe/Amsterdam",
        **options,
    )
    context.add_init_script(LARGE_TEXT)
    return context


@pytest.fixture
def large(browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    context = large_text_phone(browser, base_url)
    yield context
    context.close()


@pytest.fixture
def large_full(full_browser: Browser, base_url: str) -> Iterator[BrowserContext]:
    """In the full Chromium: the reminders page shows its notification controls."""
    context = large_text_phone(full_browser, base_url)
    yield context
    context.close()


def set_link(page: Page, locale: str) -> str:
    """A set's link fragment, made by the builder's own code (the make-set page is open)."""
    return page.evaluate(
        """async (locale) => {
            const src = document.querySelector('script[src*="/js/online/make-set.js"]').src;
            const link = await import(new URL('./set-link.js', src).href);
            return link.encodeSet({ title: 'Tussen de sessies met een lange titel',
              note: 'Doe dit als het even te veel wordt.', locale,
              items: [{ exercise: 'grounding', values: {}, note: 'Elke ochtend' },
                      { exercise: 'protector', values: {}, note: '' }],
              reminders: [{ days: [1, 3], time: '08:30' }] });
        }""",
        locale,
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_every_page_at_200_percent_text(large_full: BrowserContext, locale: str) -> None:
    page = large_full.new_page()
    checker = Checker(axe=locale == AXE_LOCALE)
    pages = ["", "about", "help", "plan", "settings", "reminders", "offline", "make-set"]
    pages += ["no-such-page"]
    pages += [f"exercises/{exercise}" for exercise in EXERCISE_IDS]
    for path in pages:
        page.goto(f"/{locale}/{path}")
        checker.check(page, f"/{locale}/{path}", CONTROLS)
        if path == "make-set":
            fragment = set_link(page, locale)
    page.goto(f"/{locale}/set#s={fragment}")
    expect(page.locator("#set-page .set-items")).to_be_visible()
    checker.check(page, f"/{locale}/set#s=…", CONTROLS)
    # The history with runs: the list and chart, then the summary with its tables.
    page.clock.set_fixed_time(NOW)
    page.goto(f"/{locale}/history")
    page.evaluate(SEED, {"runs": RUNS, "notes": {}})
    page.reload()
    expect(page.locator(".history-run").first).to_be_visible()
    checker.check(page, f"/{locale}/history", CONTROLS)
    page.goto(f"/{locale}/history#summary")
    expect(page.locator(".summary-table").first).to_be_visible()
    checker.check(page, f"/{locale}/history#summary", CONTROLS)
    # A plan with every part filled in, as it shows and as its form.
    page.goto(f"/{locale}/plan")
    page.evaluate(PLAN, locale)
    page.reload()
    expect(page.locator("#plan-view .plan-part")).to_have_count(5)
    expect(page.locator(".way-out-plan")).to_be_visible()
    checker.check(page, f"/{locale}/plan (filled in)", CONTROLS)
    page.locator("#plan-change").click()
    expect(page.locator("#plan-form")).to_be_visible()
    checker.check(page, f"/{locale}/plan (its form)", CONTROLS)
    checker.done("pages")


# A plan with every part: long words, two people, every care contact.
PLAN = """async (locale) => {
  const src = document.querySelector('script[type=module]').src;
  const store = await import(new URL('plan-store.js', src).href);
  const contact = (name, number) => ({ name, number });
  await store.savePlan({
    signs: { tooMuch: 'Mijn hart gaat tekeer, ik snauw, ik kan niet meer helder denken en wil weg',
             tooLittle: 'Alles wordt wazig en ver weg' },
    helps: 'Koud water over mijn handen, even naar buiten, mijn hond aaien',
    exercises: ['grounding', 'orienting', 'paced-breathing'],
    people: [contact('Sanne van der Berg-Huizinga', '06 1234 5678'),
             contact('Ahmed', '+31 6 87654321')],
    care: { therapist: contact('Praktijk De Linde', '020 123 4567'),
            gp: contact('', '020 765 4321'),
            gpPost: contact('Huisartsenpost Amsterdam', '088 003 0600') },
    open: { signs: false, helps: false, exercises: true, people: true, care: true },
  });
}"""


# What the walk needs to know of the player, read in one go (each look is a round trip to
# the browser, and a walk makes hundreds): the step, its kind and time, whether Next is still
# held back, whether the end shows, whether a notice shows.
PLAYER_STATE = """() => {
  const shown = (el) => {
    if (!el) return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const player = document.getElementById('player');
  const time = document.getElementById('player-time');
  const clock = /(\\d+):(\\d\\d)/.exec(time ? time.innerText : '');
  return {
    index: player.getAttribute('data-index') || '',
    kind: player.getAttribute('data-kind') || '',
    held: shown(document.getElementById('player-next-soon')) && !(time && time.innerText),
    seconds: clock ? Number(clock[1]) * 60 + Number(clock[2]) : null,
    end: shown(document.getElementById('player-end')),
    notice: [...document.querySelectorAll('.app-notices .banner')].some(shown),
  };
}"""


def player_state(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(PLAYER_STATE)
    return state


def act(page: Page, state: dict[str, Any], *, rating: int = 3) -> None:
    """Do what the current step asks, as a person would: a tap where it is covered fails."""
    step = state["kind"]
    if step in ("timed", "breath"):
        assert state["seconds"] is not None, f"no time shown on a {step} step"
        page.clock.run_for(state["seconds"] * 1000 + 50)
    elif step == "action":
        page.locator(".action-button").click(timeout=TAP)
    elif step == "rate":
        page.locator(".rating-choice", has_text=str(rating)).first.click(timeout=TAP)
        page.locator(".rating button[type=submit]").click(timeout=TAP)
    elif step == "note":
        page.locator(".note textarea").fill("a few words", timeout=TAP)
        page.locator(".note button[type=submit]").click(timeout=TAP)
    elif step == "scale":
        page.locator(".scale-place").nth(1).click(timeout=TAP)
        page.locator(".scale button[type=submit]").click(timeout=TAP)
    else:
        page.locator("#player-next").click(timeout=TAP)


# axe-core looks at the first step of each kind in the Dutch walk, in the exercise (in their
# order) where that kind first comes: a rounds step's inner steps count, and the closing is text.
AXE_HOME: dict[str, str] = {}
for _exercise in load_exercises(PROJECT_ROOT / "exercises").values():
    for _kind in [s.kind.name for step in _exercise.steps for s in step.walk()] + ["text"]:
        AXE_HOME.setdefault(_kind, _exercise.id)

# The root font size set, and the page laid out again as the app does it: its rules for large
# text and for a part that scrolls run on resize, and the way-out bar's height reaches the CSS
# through a ResizeObserver, whose callbacks come before those of one made after it.
TEXT_SIZE = """async (size) => {
  const root = document.documentElement;
  root.style.setProperty('font-size', size);
  dispatchEvent(new Event('resize'));
  await new Promise((done) => {
    const watch = new ResizeObserver(() => { watch.disconnect(); done(); });
    watch.observe(root);
  });
}"""

# At 360×640, in one go: the run screen's checks at ordinary (100%) text (every control a
# person may need on screen and what a tap hits), then the text large again and CHECK.
ORDINARY_THEN_LARGE = f"""async ({{ placed, check }}) => {{
  const textSize = {TEXT_SIZE};
  const hiddenOrCovered = {HIDDEN_OR_COVERED};
  await textSize('100%');
  let ordinary;
  try {{
    ordinary = placed ? hiddenOrCovered({NEEDED!r}) : [];
  }} finally {{
    await textSize('200%');
  }}
  return {{ ordinary, large: ({CHECK})(check) }};
}}"""


class Walk:
    """The checks of one walk through a run, each state at 200% text at both sizes, at 100%
    text at 360×640, and its controls' names as a screen reader hears them (one DevTools
    session for the whole walk)."""

    def __init__(self, page: Page, checker: Checker) -> None:
        self.page = page
        self.checker = checker
        self.cdp = page.context.new_cdp_session(page)

    def check(
        self,
        where: str,
        selectors: list[str],
        *,
        player: bool,
        placed: bool = True,
        audit: bool = False,
    ) -> None:
        page, checker = self.page, self.checker
        # Whichever size the screen has first, then the other: one change of size per state.
        for size in sorted(SIZES, key=lambda size: size != page.viewport_size):
            if page.viewport_size != size:
                page.set_viewport_size(size)
            check = {
                "selectors": selectors,
                "player": player,
                "bar": True,
                "W": size["width"],
                "H": size["height"],
            }
            if size != SMALL:
                checker.record(where, size, page.evaluate(CHECK, check))
                continue
            found = page.evaluate(ORDINARY_THEN_LARGE, {"placed": placed, "check": check})
            checker.record(where, size, found["large"])
            at = f"{where} at 100% text, {SMALL['width']}×{SMALL['height']}"
            checker.problems += [
                f"{at}: {p['selector']} {p['text'][:40]!r} "
                + ("off screen" if not p["inside"] else f"covered by {p['over']}")
                for p in found["ordinary"]
            ]
        checker.states += 1
        if shared := duplicates(page, self.cdp):
            checker.problems.append(f"{where}: controls that share a name: {shared}")
        if audit and checker.run_axe:
            checker.axe(page, where, frozen=True)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("exercise", EXERCISE_IDS)
def test_every_step_of_every_exercise_at_200_and_100_percent_text(
    large: BrowserContext, exercise: str, locale: str
) -> None:
    """Every step, the offer of help after a high rating, and the end: at 200% text at both
    sizes (and axe, in Dutch), and at 100% text as the run screen's walk checked them; no
    notice shows during a run."""
    page = large.new_page()
    freeze_clock(page, START)
    checker = Checker(axe=locale == AXE_LOCALE)
    walk = Walk(page, checker)
    audited: set[str] = set()
    path = f"/{locale}/exercises/{exercise}"
    page.goto(f"{path}#start")
    player = page.locator("#player")
    expect(player).to_be_visible()
    state = player_state(page)
    for _ in range(300):
        where = f"{path} step {int(state['index'] or 0) + 1} ({state['kind']})"
        if state["notice"]:
            checker.problems.append(f"{where}: a notice showed during the run")
        if state["held"]:
            # Next comes after a minimum pause: let it pass, then check with Next shown.
            page.clock.run_for(180_000)
            expect(page.locator("#player-next")).to_be_visible()
        # axe on the first step of each kind (its clock held still, as axe needs timers).
        first = state["kind"] not in audited and AXE_HOME.get(state["kind"], exercise) == exercise
        audited.add(state["kind"])
        walk.check(where, NEEDED, player=True, audit=first)
        try:
            if state["kind"] == "rate" and state["index"] == "0":
                # A high rating before offers grounding and help first; low ones afterwards.
                act(page, state, rating=9)
                expect(page.locator(".help-offer")).to_be_visible()
                walk.check(f"{where}: the offer of help", NEEDED, player=True)
                page.locator(".help-offer button").last.click(timeout=TAP)
            else:
                act(page, state)
        except PlaywrightError as error:
            checker.problems.append(f"{where}: the step cannot be done: {error.message}")
            break
        step, state = state["index"], player_state(page)
        if state["end"]:
            break
        if state["index"] == step:
            expect(player).not_to_have_attribute("data-index", step)
            state = player_state(page)
    if state["end"]:
        end = f"{path} end"
        audit = exercise == EXERCISE_IDS[0]
        walk.check(end, CONTROLS, player=False, placed=False, audit=audit)
    elif not checker.problems:
        checker.problems.append(f"{path}: the run never reached its end")
    checker.done("steps and end panels")


@pytest.fixture(scope="module")
def therapist_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    with served_on_known_port(tmp_path_factory.mktemp("large-text-therapist")) as served:
        yield served


def submit(page: Page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_therapist_page_at_200_percent_text(
    browser: Browser, therapist_server: tuple[str, Settings], locale: str
) -> None:
    """Every page of the therapist side, in the states it has, reached as a therapist reaches
    them: the operator's link, a password, two-step sign-in, a set built, shared and followed."""
    url, settings = therapist_server
    email = f"large-{locale}@example.org"
    link = houvast_add(settings, email, locale)
    context = browser.new_context(viewport=SIZES[0], is_mobile=True, has_touch=True, locale=locale)
    context.add_init_script(LARGE_TEXT)
    page = context.new_page()
    checker = Checker(axe=locale == AXE_LOCALE)

    def check(where: str) -> None:
        checker.check(page, f"/t/{locale}/{where}", CONTROLS, bar=False)

    def sign_in() -> None:
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        submit(page, "main form button[type=submit]")

    page.goto(link)
    expect(page.locator("#password-needs-script")).to_be_hidden()
    check("password")
    page.fill("#password", PASSWORD)
    page.fill("#repeat", PASSWORD)
    submit(page, "#password-form button[type=submit]")
    check("?ended=password")
    sign_in()
    check("sets (none yet)")
    page.goto(f"{url}/t/{locale}/account")
    check("account")
    submit(page, "main form button.primary")
    check("account (setting up two-step sign-in)")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.fill("#code", "000000")
    submit(page, "main form button.primary")
    check("account (a wrong code)")
    page.fill("#code", pyotp.TOTP(secret).now())
    submit(page, "main form button.primary")
    expect(page.locator("#code")).to_be_visible()
    check("account?done=on")

    # The set builder: empty, with two exercises and a time, with a value out of range.
    page.goto(f"{url}/t/{locale}/sets/new")
    check("sets/new")
    page.fill("#title", "Tussen de sessies met een lange titel")
    page.fill("#note", "Doe dit als het even te veel wordt.")
    for exercise in ("grounding", "protector"):
        page.select_option("#new-exercise", exercise)
        in_place(page, "#add-item", key=None)
    in_place(page, "#add-reminder", key=None)
    page.check("#reminders-0-day-1")
    page.fill("#reminders-0-time", "20:00")
    page.fill("#items-0-what-see-duration", "999")
    submit(page, "#save")
    expect(page.locator("#error-summary")).to_be_visible()
    check("sets/new (an error)")
    page.fill("#items-0-what-see-duration", "45")
    submit(page, "#save")
    set_url = page.url.split("?")[0]
    set_path = set_url.split(f"/t/{locale}/")[1]
    check(f"{set_path}?saved")
    page.goto(set_url + "/edit")
    check(f"{set_path}/edit")
    page.goto(set_url + "/progress")
    check(f"{set_path}/progress (nothing shared)")
    page.goto(set_url)
    page.fill("#label", "dossier 2024-117")
    submit(page, 'form[action$="/share"] button')
    check(f"{set_path}/shares/…")
    token = page.locator("#share-link").input_value().split("#t=")[1]
    page.goto(page.url + "/replace")
    check(f"{set_path}/shares/…/replace")
    page.goto(set_url)
    check(f"{set_path} (with its links)")

    # Progress a client shared, through the client's API.
    status, body = api(url, "/api/sets/progress", {"token": token})
    assert status == 201
    backdate_shares(settings, 60)
    now = datetime.now(UTC)
    # Never in the future, whenever the test runs.
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0)
    runs = [
        run(monday - timedelta(days=7 * weeks, hours=hour), status, before, after)
        for weeks in range(6)
        for hour, (status, before, after) in enumerate(
            [("completed", 7, 4), ("completed", 5, 4), ("stopped", 8, None)]
        )
    ]
    assert api(url, "/api/progress/runs", {"runs": runs}, body["secret"])[0] == 200
    page.goto(set_url + "/progress")
    expect(page.locator("table.t-table").first).to_be_visible()
    check(f"{set_path}/progress")
    page.goto(set_url + "/delete")
    check(f"{set_path}/delete")
    page.goto(f"{url}/t/{locale}/sets")
    check("sets")
    page.goto(f"{url}/t/{locale}/sets?q=nothing-like-it")
    check("sets?q=… (nothing found)")
    # Archived: the set's page says so, and the archive lists it.
    page.goto(set_url)
    submit(page, 'form[action$="/archive"] button')
    check(f"{set_path}?done=archived")
    page.goto(f"{url}/t/{locale}/sets?archived=1")
    expect(page.locator(".t-sets li")).to_have_count(1)
    check("sets?archived=1")
    page.goto(f"{url}/t/{locale}/no-such-page")
    check("no-such-page")
    page.goto(f"{url}/t/{locale}/sets/no-such-set")
    check("sets/no-such-set")

    # Signed out, in again: the code page, then a form sent with a stale token is refused.
    submit(page, ".t-nav button")
    check("?ended=out")
    sign_in()
    check("code")
    page.fill("#code", "000000")
    submit(page, "main form button[type=submit]")
    check("code (a wrong code)")
    page.evaluate("document.querySelector('input[name=csrf]').value = 'stale'")
    page.fill("#code", "000000")
    submit(page, "main form button[type=submit]")
    check("code (refused)")
    context.close()
    checker.done("therapist pages")


# What a phone with a notch reports (viewport-fit=cover): upright, then on its side.
NOTCHES = [
    ({"width": 360, "height": 640}, {"top": 47, "bottom": 34, "left": 0, "right": 0}),
    ({"width": 640, "height": 360}, {"top": 0, "bottom": 21, "left": 47, "right": 47}),
]
# Where the header, the way out and the page's text are, against the insets.
CLEAR = """({ top, bottom, left, right }) => {
  const found = [], W = innerWidth, H = innerHeight;
  const name = (el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
  const shown = (el) => el.getClientRects().length > 0;
  scrollTo(0, 0);
  // The header's links (or, in a run, the player's first line) below the notch.
  const first = document.querySelector('.running #player-stop, .running main > h1')
    ? [...document.querySelectorAll('.running main > h1, #player-stop')].filter(shown)
    : [...document.querySelectorAll('.site-header a')].filter(shown);
  if (!first.length) found.push('nothing at the top to check');
  for (const el of first) {
    const box = el.getBoundingClientRect();
    if (box.top < top) found.push(`${name(el)} is under the notch (top ${box.top}px)`);
  }
  // The way out above the home indicator, its background down to the edge.
  const bar = document.querySelector('nav.way-out');
  const barBox = bar.getBoundingClientRect();
  if (Math.abs(barBox.bottom - H) > 0.5) found.push(`the bar ends at ${barBox.bottom}px`);
  for (const link of [...bar.querySelectorAll('a')].filter(shown)) {
    const box = link.getBoundingClientRect();
    if (box.bottom > H - bottom + 0.5) found.push(`${name(link)} is over the home indicator`);
    if (box.left < left || box.right > W - right + 0.5) {
      found.push(`${name(link)} is at the sides' edge (${box.left}–${box.right}px)`);
    }
  }
  // Every word and control on the page in from the rounded sides.
  const content = (el) => el.matches('a, button, input, select, textarea, img, svg')
    || [...el.childNodes].some((node) => node.nodeType === 3 && node.textContent.trim());
  for (const el of document.querySelectorAll('main *, .site-header *, .site-footer *')) {
    if (!shown(el) || !content(el)) continue;
    if (el.closest('.visually-hidden, .skip-link, [class*="sr-only"]')) continue;
    const box = el.getBoundingClientRect();
    if (box.width && (box.left < left - 0.5 || box.right > W - right + 0.5)) {
      found.push(`${name(el)} reaches the side (${box.left}–${box.right}px)`);
      break;
    }
  }
  return found;
}"""


def test_the_notch_and_home_indicator_leave_the_header_and_way_out_clear(
    large: BrowserContext,
) -> None:
    """Safe areas, as Chromium emulates them: the header below the notch, the way-out bar's
    links above the home indicator (its background to the edge), the page in from the sides;
    at 200% text, on two pages and in a run, upright and on its side."""
    page = large.new_page()
    freeze_clock(page, START)
    cdp = large.new_cdp_session(page)
    problems: list[str] = []
    for size, insets in NOTCHES:
        page.set_viewport_size(size)
        cdp.send("Emulation.setSafeAreaInsetsOverride", {"insets": insets})
        for path in ["/nl/", "/en/settings", "/nl/exercises/grounding#start"]:
            page.goto(path)
            if path.endswith("#start"):
                expect(page.locator("#player")).to_be_visible()
            found = page.evaluate(CLEAR, insets)
            problems += [f"{path} at {size['width']}×{size['height']}: {p}" for p in found]
    assert not problems, "\n".join(problems)
