"""Browser tests: Playwright drives Debian's Chromium against the app served by uvicorn.

Most tests run in Chromium's headless shell (Debian's chromium-headless-shell, the browser
Playwright itself uses headless): the same Blink, V8 and service workers, without the
windows and browser interface the full Chromium builds for every page, so a page costs about
half the processor time. What only the full browser has (notifications and the Push API,
installing, a persistent profile) runs in the full Chromium: the ``full_browser`` and
``profile`` fixtures.

The server runs in a thread on a free loopback port for the whole session; screenshots go to
test-output/ (ignored by git) for a person to look at.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright
from playwright.sync_api import Error as PlaywrightError

from server.app import create_app
from server.settings import PROJECT_ROOT
from tests.conftest import isolated_settings
from tests.live_server import LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_SHELL = shutil.which("chromium-headless-shell") or "/usr/bin/chromium-headless-shell"
OUTPUT_DIR = PROJECT_ROOT / "test-output"
PHONE = {"width": 390, "height": 844}
AXE = Axe()
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def in_turns(names: list[str]) -> list[Any]:
    """Each name once, in Dutch and English by turns: for a test whose subject is not the
    language, so that both languages are still seen."""
    languages = ("nl", "en")
    return [
        pytest.param(name, languages[i % 2], id=f"{name}-{languages[i % 2]}")
        for i, name in enumerate(names)
    ]


def one_language(locale: str) -> pytest.MarkDecorator:
    """For a test whose subject is not the language (a bell's timing, where the focus goes):
    run in ``locale`` only. Such tests take turns between the languages, so both are seen;
    the pages and every step are checked in both by test_large_text.py and test_pages_in_browser.py,
    and both catalogs are complete by their own check."""
    return pytest.mark.parametrize("locale", [locale])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The live app; also pytest-base-url's fixture, so page.goto("/nl/") works."""
    settings = isolated_settings(tmp_path_factory.mktemp("data"))
    with LiveServer(create_app(settings, dispatch=False)) as url:
        yield url


def _installed(path: str) -> str:
    if not Path(path).exists():
        pytest.fail(f"{path} not found: run `make test`, which installs it")
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's ``browser`` (and so ``page``): the headless shell."""
    shell = _installed(CHROMIUM_SHELL)
    return {**browser_type_launch_args, "executable_path": shell, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def full_browser(playwright: Playwright) -> Iterator[Browser]:
    """The full Chromium, for notifications, the Push API and installing, which the headless
    shell lacks."""
    browser = playwright.chromium.launch(executable_path=_installed(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "viewport": PHONE,
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    }


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR


@pytest.fixture
def profile(playwright: Playwright, tmp_path: Path) -> Iterator[BrowserContext]:
    """A persistent browser profile, as an installed app has: service workers, push events and
    installability need one (an ordinary context is incognito)."""
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=_installed(CHROMIUM),
        args=CHROMIUM_ARGS,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        timezone_id="Europe/Amsterdam",
    )
    yield context
    context.close()


def console_errors(page: Page) -> list[str]:
    """A list that fills with the errors the page logs or throws from now on."""
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def freeze_clock(page: Page, time: datetime | None = None) -> None:
    """Fake the page's clock and hold it still: time moves only when the test says so
    (``page.clock.run_for``), so a busy machine cannot make a run a second longer."""
    # Installed a minute early: the fake clock runs until it is paused, and pausing can only
    # move it forward, so the pause lands exactly at ``time`` however busy the machine is.
    at = time or datetime.now()
    page.clock.install(time=at - timedelta(minutes=1))
    page.clock.pause_at(at)


def axe_on_frozen_clock(page: Page) -> AxeResults:
    """Run axe-core on a page whose clock is frozen (freeze_clock): axe waits on timers of its
    own, so the clock runs while it checks and is held still again after."""
    page.clock.resume()
    try:
        return AXE.run(page)
    finally:
        # The running clock moves on between reading it and pausing it, and a pause in its past
        # is refused: pause a little ahead, and read again should even that have passed.
        for _ in range(10):
            try:
                page.clock.pause_at((page.evaluate("Date.now()") + 50) / 1000)
                break
            except PlaywrightError as error:
                if "to the past" not in error.message:
                    raise


# The stores named, as anyone with the phone's files would see them: per record its keys and
# its JSON, sealed bytes shown as characters (they must hold nothing readable).
STORED = """async (names) => {
    const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open('houvast');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
    });
    const all = (name) => new Promise((resolve) => {
        const request = db.transaction(name).objectStore(name).getAll();
        request.onsuccess = () => resolve(request.result);
    });
    const show = (record) => JSON.stringify(record, (key, value) =>
        ArrayBuffer.isView(value) || value instanceof ArrayBuffer
            ? String.fromCharCode(...new Uint8Array(value.buffer ?? value)) : value);
    const found = {};
    for (const name of names) {
        found[name] = (await all(name)).map((r) => ({keys: Object.keys(r).sort(), text: show(r)}));
    }
    db.close();
    return found;
}"""
