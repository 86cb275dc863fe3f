"""The core flows in the other two browser engines: WebKit (the engine of every iPhone browser)
and Firefox's Gecko. Each engine is launched once per pytest process and reused; each flow gets
a blank page and the app on an origin no flow used before, so nothing (storage, service worker,
caches) carries over from one flow to the next.

WebKitGTK's MiniBrowser needs an X display even when nothing watches it: each process starts
its own Xvfb (``-displayfd`` picks a free display), so it works in CI and under pytest-xdist.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.app import create_app
from server.settings import PROJECT_ROOT, Settings
from tests.conftest import isolated_settings
from tests.engines.driver import Engine, Firefox, WebKit
from tests.live_server import LiveServer, Recording

ENGINES = ["webkit", "firefox"]
# A phone's width; WebKitGTK's window keeps its toolbar's minimum width (about 450 px).
SIZE = (390, 844)
OUTPUT_DIR = PROJECT_ROOT / "test-output" / "engines"
MISSING = "not found: run `make test`, which installs it"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/engines/" in str(item.path):
            item.add_marker(pytest.mark.engines)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Iterator[None]:
    # The outcome, for the engine fixture to take a screenshot of a failed flow.
    report = yield
    item.stash.setdefault(_FAILED, False)
    if report.failed:  # type: ignore[attr-defined]
        item.stash[_FAILED] = True
    return report  # type: ignore[return-value]


_FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    """An X display of this process's own (Xvfb), for WebKitGTK."""
    if not shutil.which("Xvfb"):
        pytest.fail(f"Xvfb {MISSING}")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    number = b""
    with os.fdopen(read, "rb") as said:
        while not number.endswith(b"\n"):
            chunk = said.read(1)
            if not chunk:
                pytest.fail(f"Xvfb ended before it chose a display ({server.wait()})")
            number += chunk
    yield f":{number.decode().strip()}"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="session")
def webkit(display: str) -> Iterator[Engine]:
    for path in (WebKit.DRIVER, WebKit.BROWSER):
        if not Path(path).exists():
            pytest.fail(f"{path} {MISSING} (webkit2gtk-driver)")
    browser = WebKit(display, SIZE)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def firefox() -> Iterator[Engine]:
    if not Path(Firefox.BROWSER).exists():
        pytest.fail(f"{Firefox.BROWSER} {MISSING} (firefox-esr)")
    if not (PROJECT_ROOT / "node_modules" / "puppeteer-core").is_dir():
        pytest.fail(f"puppeteer-core {MISSING} (npm ci)")
    browser = Firefox(SIZE)
    yield browser
    browser.close()


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """Each flow runs once in WebKit and once in Firefox, on a blank page."""
    browser: Engine = request.getfixturevalue(request.param)
    browser.fresh()
    yield browser
    if request.node.stash.get(_FAILED, False):
        OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
        name = request.node.name.replace("/", "_")
        # A browser that no longer answers has nothing to show.
        with contextlib.suppress(AssertionError):
            browser.screenshot(OUTPUT_DIR / f"{name}.png")
        with contextlib.suppress(AssertionError):
            print(f"{browser.name} at the failure: {browser.evaluate(PROBE)}")


# What a failed flow's page was doing, printed with the failure: which of the app's scripts ran,
# and whether the worker, the cache and the store answer (each given three seconds).
PROBE = """async () => {
    const within = (promise) => Promise.race([
        Promise.resolve(promise).then((value) => value, (error) => `failed: ${error}`),
        new Promise((resolve) => setTimeout(() => resolve('no answer in 3 s'), 3000)),
    ]);
    const registration = await within(navigator.serviceWorker?.getRegistration());
    const worker = (which) => registration?.[which]?.state ?? null;
    return {
        url: location.href,
        shown: [...document.querySelectorAll('.banner')].filter((b) => !b.hidden).map((b) => b.id),
        dismissed: localStorage.getItem('houvast.dismissed'),
        ready: document.readyState,
        appRan: document.querySelector('.app-notices') !== null,
        pageClasses: document.documentElement.className,
        controlled: Boolean(navigator.serviceWorker?.controller),
        registration: typeof registration === 'string' ? registration : {
            installing: worker('installing'), waiting: worker('waiting'), active: worker('active'),
        },
        caches: await within(caches.keys()),
        store: await within(new Promise((resolve, reject) => {
            const request = indexedDB.open('houvast-probe');
            request.onsuccess = () => { request.result.close(); resolve('opens'); };
            request.onerror = () => reject(request.error);
        })),
    };
}"""

_used_ports: set[int] = set()


def unused_port() -> int:
    """A free loopback port this process has not served on before: a new origin, so the
    browser has nothing stored for it."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in _used_ports:
            _used_ports.add(port)
            return port


class Site:
    """The app served on an origin of its own; ``stop`` takes it off the network, as a phone
    that has lost its connection sees it."""

    def __init__(self, folder: Path) -> None:
        port = unused_port()
        self.url = f"http://127.0.0.1:{port}"
        self.settings: Settings = isolated_settings(folder, port=port, public_url=self.url)
        # The paths the server was asked, the service worker's requests included.
        self.app = Recording(create_app(self.settings, dispatch=False))
        self.server = LiveServer(self.app, port=port)
        assert self.server.__enter__() == self.url
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.server.__exit__(None, None, None)
            self.running = False


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    served = Site(tmp_path / "data")
    yield served
    served.stop()
