"""The headless Chromium the page tests drive (Debian's /usr/bin/chromium through Playwright).

One browser serves every page test of a run (the ``chromium`` fixture in tests/conftest.py): starting it costs
~2 s of wall time and ~1 s of CPU, and the files that use it run on one xdist worker (tests/conftest.py).

Each test loads its page in the run's one tab (``Chromium.open``): a new document, with the test's own listeners and
window size, every time. Measured with cgtime (Chromium 156, these pages): a new tab per test cost ~0.25 CPU-s more
per page, ~1 CPU-s more again while no other tab was open (the run's first tab pays that once), and a browsing
context per page (Playwright's ``browser.new_page``) ~0.45 CPU-s more again. The pages keep no state that one test
could leave to another: no storage, cookies or history that they read, and loading a page replaces the document
and its scripts. Should a test close the tab, the next test opens another.

The context asks for reduced motion (``prefers-reduced-motion: reduce``), as a person can: the page then shows each
stop at once, without its fade (page.css), so a key press does not set off 0.2 s of animation frames and a
screenshot shows the stop settled.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from tests.viz.helpers import require

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
# for the files' pytestmark: the browser tests skip, saying why, without the test extra
NO_PLAYWRIGHT = pytest.mark.skipif(find_spec("playwright") is None, reason="pip install playwright (the test extra)")


class Chromium:
    """The run's browser, its one browsing context and its one tab."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.context = browser.new_context(reduced_motion="reduce")
        self.tab = self.context.new_page()
        self.listening: list[tuple[str, Any]] = []

    def open(self, uri: str, *, width: int, height: int) -> tuple[Any, dict[str, list[str]]]:
        """The page at ``uri`` in a window of the size given, and what it logs as it goes: console errors and
        warnings, uncaught errors, every request (the page's own included)."""
        self.done()  # whatever the test before left (done() is not reached when a test fails)
        if self.tab.is_closed():
            self.tab = self.context.new_page()
        log: dict[str, list[str]] = {"console": [], "errors": [], "requests": []}
        self.listening = [
            ("console", lambda message: log["console"].append(f"{message.type}: {message.text}")
             if message.type in ("error", "warning") else None),
            ("pageerror", lambda error: log["errors"].append(str(error))),
            ("request", lambda request: log["requests"].append(request.url)),
        ]
        for event, listener in self.listening:
            self.tab.on(event, listener)
        if self.tab.viewport_size != {"width": width, "height": height}:
            self.tab.set_viewport_size({"width": width, "height": height})
        self.tab.goto(uri)
        return self.tab, log

    def done(self) -> None:
        """The test's listeners removed (its page stays until the next test loads its own)."""
        if not self.listening:
            return
        for event, listener in self.listening:
            self.tab.remove_listener(event, listener)
        self.listening = []


@contextmanager
def launched() -> Iterator[Chromium]:
    if not Path(CHROMIUM).exists():
        require("chromium", "chromium")
    from playwright.sync_api import sync_playwright  # imported by the first browser test, not at collection

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield Chromium(browser)
        finally:
            browser.close()


# Stepping inside the page: the keydown events the page's handler listens for, sent from one script instead of one
# Playwright round trip (and one rendered frame) per key. The tests still press real keys (Home, End, the arrows)
# and click nodes: the keyboard is how a person steps, and what these scripts stand in for.
_PRESS = """key => (document.activeElement || document.body).dispatchEvent(
    new KeyboardEvent('keydown', {key, bubbles: true, cancelable: true}))"""


def step_on(page: Any, presses: int) -> None:
    """``presses`` ArrowRight key events in one script (the page's handler moves one stop each)."""
    if presses > 0:
        page.evaluate(f"n => {{ const press = {_PRESS}; for (let i = 0; i < n; i++) press('ArrowRight'); }}", presses)


def every_stop(page: Any, measure: str) -> list[Any]:
    """``measure`` (a JavaScript function of no arguments) at each stop in turn, from the first (Home) to the last
    (one ArrowRight each), all in one script: the same stops, read in the same state, as one key press and one
    read per stop."""
    return page.evaluate(f"""() => {{
        const press = {_PRESS}, measure = {measure};
        const stops = document.querySelectorAll('.gw-step').length, found = [];
        press('Home');
        for (let stop = 0; stop < stops; stop++) {{
            if (stop) press('ArrowRight');
            found.push(measure());
        }}
        return found;
    }}""")


def select_all(page: Any, selector: str, function: str) -> Any:
    """``function`` (JavaScript) of the list of elements ``selector`` matches, as ``page.eval_on_selector_all`` gives
    it, read by a plain script: Playwright's selector engine is a script of its own that each new document compiles."""
    return page.evaluate(f"selector => ({function})(Array.from(document.querySelectorAll(selector)))", selector)


def select(page: Any, selector: str, function: str) -> Any:
    """``function`` of the first element ``selector`` matches, as ``page.eval_on_selector`` (an error if none)."""
    return page.evaluate(f"""selector => {{
        const e = document.querySelector(selector);
        if (e === null) throw new Error(`no element matches ${{selector}}`);
        return ({function})(e);
    }}""", selector)
