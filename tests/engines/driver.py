"""One small way to drive a browser, whichever engine runs it: the flows are written once against
``Engine`` and run in WebKit (Selenium and WebKitWebDriver) and in Firefox (puppeteer-core over
WebDriver BiDi, through bridge.mjs).

Scripts are JavaScript function sources (``"(a, b) => ..."``), called with JSON arguments in the
page; a promise they return is awaited. They come through the automation protocol, so the
pages' policy (no eval) does not apply to them.
"""

from __future__ import annotations

import itertools
import json
import os
import select
import subprocess
import time
import warnings
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import WebDriverException

WAIT_SECONDS = 20
# Marks the element a text search found, so it can be clicked with a real pointer.
_MARK = """(selector, text, mark) => {
    const visible = (node) => node.getClientRects().length > 0
        && getComputedStyle(node).visibility !== 'hidden';
    const found = [...document.querySelectorAll(selector)]
        .find((node) => visible(node) && node.textContent.replace(/\\s+/g, ' ').includes(text));
    if (!found) return false;
    found.dataset.engineTarget = mark;
    return true;
}"""


class EngineError(AssertionError):
    """The browser refused a command, or a wait ran out."""


class Engine(ABC):
    """A browser with one page, as the flows use it."""

    name: str

    @abstractmethod
    def fresh(self) -> None:
        """Start a flow on a blank page, with nothing of the flow before it left running."""

    @abstractmethod
    def goto(self, url: str) -> None:
        """Open ``url`` and wait for its load event."""

    @abstractmethod
    def reload(self) -> None:
        """Reload the page and wait for its load event."""

    @abstractmethod
    def evaluate(self, script: str, *args: Any) -> Any:
        """Call the function ``script`` in the page with ``args``; its (awaited) result."""

    @abstractmethod
    def click(self, selector: str) -> None:
        """A real click (pointer input, as a person's) on the first element ``selector`` finds."""

    @abstractmethod
    def type(self, selector: str, text: str) -> None:
        """Empty a field, then type ``text`` into it key by key."""

    @abstractmethod
    def screenshot(self, path: Path) -> None:
        """A picture of the page, for a person to look at."""

    @abstractmethod
    def close(self) -> None:
        """End the browser."""

    # Built on the above, the same in every engine ------------------------------------------

    def wait_for(self, script: str, *args: Any, what: str, seconds: float = WAIT_SECONDS) -> Any:
        """Call ``script`` until it returns something truthy, and return that; fail, never
        hang, after ``seconds``. A page that is navigating may refuse a call: that is retried."""
        deadline = time.monotonic() + seconds
        problem = ""
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(script, *args)
            except EngineError as error:
                value, problem = None, str(error)
            if value:
                return value
            time.sleep(0.05)
        detail = f" ({problem})" if problem else ""
        raise EngineError(f"{self.name}: timed out waiting for {what}{detail}")

    def wait_visible(self, selector: str, text: str = "") -> None:
        """Wait until an element ``selector`` finds (with ``text`` in it) is on the page."""
        self.wait_for(_MARK, selector, text, "", what=f"{selector} {text!r}".strip() + " to show")

    def click_text(self, selector: str, text: str) -> None:
        """Click the visible element ``selector`` finds that says ``text``."""
        mark = str(next(_marks))
        self.wait_for(_MARK, selector, text, mark, what=f"{selector} saying {text!r}")
        self.click(f'[data-engine-target="{mark}"]')

    def text(self, selector: str) -> str:
        found = self.evaluate(
            "(selector) => document.querySelector(selector)?.innerText ?? null", selector
        )
        if found is None:
            raise EngineError(f"{self.name}: nothing matches {selector}")
        return str(found)

    @property
    def url(self) -> str:
        return str(self.evaluate("() => location.href"))


_marks = itertools.count(1)


class WebKit(Engine):
    """WebKitGTK's MiniBrowser through WebKitWebDriver (Debian's webkit2gtk-driver)."""

    name = "webkit"
    BROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser"
    DRIVER = "/usr/bin/WebKitWebDriver"

    def __init__(self, display: str, size: tuple[int, int]) -> None:
        options = webdriver.WebKitGTKOptions()
        options.binary_location = self.BROWSER
        options.add_argument("--automation")
        service = webdriver.WebKitGTKService(
            executable_path=self.DRIVER, env={**os.environ, "DISPLAY": display}
        )
        with warnings.catch_warnings():
            # Selenium's own WebKitGTK class still sets up its connection the deprecated way.
            warnings.filterwarnings("ignore", "setting remote_server_addr", DeprecationWarning)
            self.driver = webdriver.WebKitGTK(options=options, service=service)
        self.driver.set_window_size(*size)
        self.driver.set_script_timeout(WAIT_SECONDS)

    def fresh(self) -> None:
        self.driver.get("about:blank")

    def goto(self, url: str) -> None:
        self._call(self.driver.get, url)

    def reload(self) -> None:
        self._call(self.driver.refresh)

    def evaluate(self, script: str, *args: Any) -> Any:
        # WebDriver awaits a promise the script returns.
        return self._call(self.driver.execute_script, f"return ({script})(...arguments)", *args)

    def click(self, selector: str) -> None:
        # A page builds some controls by script after its load event: wait for it, as a person does.
        self.wait_for("(s) => document.querySelector(s) !== null", selector, what=selector)

        def clicking() -> None:
            target = self.driver.find_element("css selector", selector)
            # WebDriver scrolls a target only to the screen's bottom edge, under the way-out
            # bar, and then refuses the click; a person scrolls it well into view first.
            self.driver.execute_script(
                "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'})", target
            )
            target.click()

        self._call(clicking)

    def type(self, selector: str, text: str) -> None:
        def typing() -> None:
            field = self.driver.find_element("css selector", selector)
            field.clear()
            field.send_keys(text)

        self._call(typing)

    def screenshot(self, path: Path) -> None:
        self.driver.save_screenshot(str(path))

    def close(self) -> None:
        self.driver.quit()

    def _call(self, call: Any, *args: Any) -> Any:
        try:
            return call(*args)
        except WebDriverException as error:
            raise EngineError(f"webkit: {error.msg or error}") from None


class Firefox(Engine):
    """Debian's firefox-esr, driven by puppeteer-core in a Node process (bridge.mjs)."""

    name = "firefox"
    BROWSER = "/usr/bin/firefox-esr"
    BRIDGE = Path(__file__).with_name("bridge.mjs")
    COMMAND_SECONDS = 60

    def __init__(self, size: tuple[int, int]) -> None:
        self.process = subprocess.Popen(
            ["node", str(self.BRIDGE), self.BROWSER, *map(str, size)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        self.ids = itertools.count(1)
        self.buffer = b""
        self.version = self._answer(0)

    def fresh(self) -> None:
        self._send("fresh")

    def goto(self, url: str) -> None:
        self._send("goto", url=url)

    def reload(self) -> None:
        self._send("reload")

    def evaluate(self, script: str, *args: Any) -> Any:
        return self._send("evaluate", script=script, args=list(args))

    def click(self, selector: str) -> None:
        self._send("click", selector=selector)

    def type(self, selector: str, text: str) -> None:
        self._send("type", selector=selector, text=text)

    def screenshot(self, path: Path) -> None:
        self._send("screenshot", path=str(path))

    def close(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()  # the bridge closes the browser and ends
        self.process.stdout.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _send(self, op: str, **args: Any) -> Any:
        assert self.process.stdin is not None
        command_id = next(self.ids)
        self.process.stdin.write(json.dumps({"id": command_id, "op": op, **args}).encode() + b"\n")
        return self._answer(command_id)

    def _answer(self, command_id: int) -> Any:
        """The bridge's answer to one command; never waits for ever on a stuck browser."""
        assert self.process.stdout is not None
        deadline = time.monotonic() + self.COMMAND_SECONDS
        message: dict[str, Any] = {}
        # A late answer to a command that timed out earlier is skipped.
        while message.get("id") != command_id:
            while b"\n" not in self.buffer:
                left = deadline - time.monotonic()
                ready, _, _ = select.select([self.process.stdout], [], [], max(0, left))
                if not ready:
                    raise EngineError(f"firefox: no answer in {self.COMMAND_SECONDS} s")
                chunk = os.read(self.process.stdout.fileno(), 65536)
                if not chunk:
                    raise EngineError(f"firefox: the bridge ended ({self.process.wait()})")
                self.buffer += chunk
            line, self.buffer = self.buffer.split(b"\n", 1)
            message = json.loads(line)
        if "error" in message:
            raise EngineError(f"firefox: {message['error']}")
        return message["value"]
