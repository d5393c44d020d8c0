"""Drives the real app: ``main.py`` served on loopback, headless Debian Chromium.

Flutter draws on a canvas; its accessibility tree (turned on by clicking the semantics
placeholder) is what these helpers find controls by, the same names a screen reader
reads out. Nothing leaves the machine: every non-loopback request is blocked.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from playwright.sync_api import ViewportSize

ROOT = Path(__file__).resolve().parent.parent
APP_ARTIFACTS = ROOT / "artifacts"
PHONE: ViewportSize = {"width": 390, "height": 844}
TABLET: ViewportSize = {"width": 1024, "height": 768}
EXPECT_TIMEOUT_MS = 15_000  # a save includes an fsync; a busy CI disk can take seconds
CHROME_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AppServer:
    """``python main.py --data DIR`` in a child process; restartable on the same data."""

    def __init__(self, data: Path, *, idle_minutes: float = 30) -> None:
        self.data = data
        self.idle_minutes = idle_minutes
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.extra: list[str] = []  # more arguments for main.py, e.g. ["--today", ...]
        self.log: IO[bytes] | None = None
        self.started_in = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> None:
        env = dict(os.environ, FLET_FORCE_WEB_SERVER="1", FLET_WEB_NO_CDN="1")
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - kept open across restarts
        began = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "--data", str(self.data),
             "--port", str(self.port), "--idle-minutes", str(self.idle_minutes),
             *self.day(), *self.extra],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url, timeout=1).read()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    output = self.output()
                    self.stop()
                    raise RuntimeError(f"the app did not start:\n{output}") from None
                time.sleep(0.1)
        self.started_in = time.perf_counter() - began

    def day(self) -> list[str]:
        """The tests' day for the app, unless a test chose its own."""
        from tests.clock import TODAY

        return [] if "--today" in self.extra else ["--today", TODAY.isoformat()]

    def output(self) -> str:
        if self.log is None:
            return ""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        self.stop()
        if self.log is not None:
            self.log.close()
        self.start()


class Browser:
    def __init__(self, context: Any) -> None:
        self.context = context

    @classmethod
    @contextlib.contextmanager
    def launch(cls, executable: str) -> Iterator[Browser]:
        from playwright.sync_api import expect, sync_playwright

        expect.set_options(timeout=EXPECT_TIMEOUT_MS)
        with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
            context = p.chromium.launch_persistent_context(
                profile, executable_path=executable, headless=True, args=CHROME_ARGS,
                viewport=PHONE,
                env={**os.environ, "XDG_CONFIG_HOME": profile, "XDG_CACHE_HOME": profile},
            )
            context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda r: r.abort())
            try:
                yield cls(context)
            finally:
                context.close()

    @contextlib.contextmanager
    def page(self, url: str, viewport: ViewportSize = PHONE, *,
             text_percent: int = 100) -> Iterator[Any]:
        """A new page (a new app session). ``text_percent`` is the browser's text size,
        as a person sets it: Flutter's web engine scales text by the page's root font
        size."""
        page = self.context.new_page()
        page.set_viewport_size(viewport)
        if text_percent != 100:
            page.add_init_script(TEXT_SIZE_SCRIPT % text_percent)
        try:
            open_app(page, url)
            yield page
        except Exception:
            # What the person saw when the test gave up, for whoever mends it.
            APP_ARTIFACTS.mkdir(exist_ok=True)
            with contextlib.suppress(Exception):
                page.screenshot(path=str(APP_ARTIFACTS / f"failed-{time.time_ns()}.png"))
            raise
        finally:
            page.close()


TEXT_SIZE_SCRIPT = """document.addEventListener('DOMContentLoaded', () => {
  const style = document.createElement('style');
  style.textContent = 'html { font-size: %d%% !important; }';
  document.head.appendChild(style);
});"""

# Each control's box as the accessibility tree has it; one that ends beyond the screen's
# right edge is cut off (a horizontal scroller is left out: it scrolls on purpose).
BEYOND_RIGHT_EDGE = """() => {
  const width = document.documentElement.clientWidth;
  const inScroller = e => { for (let p = e.parentElement; p; p = p.parentElement) {
    if (p.scrollWidth > p.clientWidth + 1 && getComputedStyle(p).overflowX !== 'visible')
      return true; } return false; };
  return [...document.querySelectorAll('flt-semantics')]
    .filter(e => e.getBoundingClientRect().right > width + 1 && !inScroller(e))
    .map(e => (e.getAttribute('aria-label') || e.textContent || e.getAttribute('role') || '?')
      .trim().slice(0, 60));
}"""


def cut_off(page: Any) -> list[str]:
    """Names of what sticks out past the right edge of the screen."""
    return list(page.evaluate(BEYOND_RIGHT_EDGE))


def open_app(page: Any, url: str) -> None:
    page.goto(url)
    placeholder = page.locator("flt-semantics-placeholder")
    placeholder.wait_for(state="attached", timeout=60_000)
    placeholder.dispatch_event("click")


FOCUSED_FIELD = "() => ['INPUT', 'TEXTAREA'].includes(document.activeElement?.tagName)"
FIELD_ENDS_WITH = "text => (document.activeElement?.value ?? '').endsWith(text)"


def type_into(page: Any, name: str | re.Pattern[str], text: str, *,
              exact: bool = False) -> None:
    """Types into the text field named ``name`` like a person (see ``type_into_field``)."""
    type_into_field(page, page.get_by_role("textbox", name=name, exact=exact), text)


def type_into_field(page: Any, field: Any, text: str) -> None:
    """Types like a person: tap, wait until the field has the cursor, type, and look at
    what arrived. Flutter gives the field focus a moment before its text input listens,
    so on a busy machine the first key can be lost: then the person selects what is
    there and types it again, as anyone would."""
    from playwright.sync_api import Error as PlaywrightError

    # Once focused, a field's accessible name may change (Flutter adds the hint), so
    # after the tap the test follows the focus, as the person's eyes follow the cursor.
    field.click()
    page.wait_for_function(FOCUSED_FIELD)
    for attempt in range(3):
        if attempt:
            page.keyboard.press("ControlOrMeta+a")
        page.keyboard.type(text, delay=15)
        try:  # a PIN field holds the typed text too (only the screen hides it)
            page.wait_for_function(FIELD_ENDS_WITH, arg=text, timeout=3_000)
            return
        except PlaywrightError:
            if attempt == 2:
                raise


def tap(locator: Any) -> None:
    """Taps like a person. The app is one page and never navigates, so the test does not
    wait for a navigation Chromium sometimes thinks a tap scheduled (once in the soak
    runs that stalled a test for 30 s after the tap had been delivered)."""
    locator.click(no_wait_after=True)


def expect_field_holds(page: Any, field: Any, text: str) -> None:
    """A field holds ``text``, read as a screen reader does: Flutter fills a field's
    accessible value once it has focus, so tap it, wait for the cursor, then for the
    text."""
    from playwright.sync_api import Error as PlaywrightError

    field.click()
    page.wait_for_function(FOCUSED_FIELD)
    try:
        page.wait_for_function("t => document.activeElement?.value === t", arg=text,
                               timeout=5_000)
    except PlaywrightError:
        held = page.evaluate("() => document.activeElement?.value")
        raise AssertionError(f"the field holds {held!r}, not {text!r}") from None


def painted(page: Any) -> None:
    """Waits until the browser has drawn two more frames: the canvas paints just after
    the accessibility tree that the expectations look at."""
    page.evaluate("() => new Promise(done => requestAnimationFrame("
                  "() => requestAnimationFrame(() => done(null))))")


def screenshot(page: Any, path: Path) -> None:
    painted(page)
    page.screenshot(path=str(path))


def first_load_bytes(browser: Browser, url: str) -> tuple[int, int]:
    """What a browser with an empty cache fetches until the first screen can be used:
    (bytes over the wire, bytes once unpacked), counted by Chromium itself."""
    page = browser.context.new_page()
    cdp = browser.context.new_cdp_session(page)
    wire: dict[str, int] = {}
    unpacked: dict[str, int] = {}
    cdp.on("Network.loadingFinished",
           lambda e: wire.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    cdp.on("Network.dataReceived", lambda e: unpacked.__setitem__(
        e["requestId"], unpacked.get(e["requestId"], 0) + int(e["dataLength"])))
    try:
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        open_app(page, url)
        page.get_by_role("button").first.wait_for(timeout=60_000)
        page.wait_for_load_state("networkidle")
        return sum(wire.values()), sum(unpacked.values())
    finally:
        cdp.detach()
        page.close()
