"""The headless Chromium the page tests drive (Debian's /usr/bin/chromium through Playwright).

One browser serves every page test of a run (the ``chromium`` fixture in tests/conftest.py): starting it costs
~2 s of wall time and ~1 s of CPU, and the files that use it run on one xdist worker (tests/conftest.py). Its pages
open in one browsing context: a context of their own each cost ~0.45 CPU-s more per page (a new profile in the
browser and its network service), and the pages keep no state (no storage, no cookies) that one test could leave to
another. The context asks for reduced motion (``prefers-reduced-motion: reduce``), as a person can: the page then
shows each stop at once, without its fade (page.css), so a key press does not set off 0.2 s of animation frames
and a screenshot shows the stop as it settles.
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
    """The run's browser: each test opens its pages here (``new_page``) and closes them when it ends.

    A blank tab stays open for the whole run. While the context has a page open, a new one costs ~0.45 CPU-s
    (tab, renderer and the page's load together); once the last is closed, the next costs ~1.4 CPU-s, as the first
    did (measured with cgtime, tests/browser.py's pages, Chromium 156).
    """

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.context = browser.new_context(reduced_motion="reduce")
        self.blank = self.context.new_page()

    def new_page(self, *, viewport: dict[str, int]) -> Any:
        """A new tab of the window size given, showing nothing yet."""
        page = self.context.new_page()
        page.set_viewport_size(viewport)
        return page

    def close_pages(self) -> None:
        """Close every tab the tests opened (not the blank one)."""
        for page in self.context.pages:
            if page is not self.blank:
                page.close()


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
