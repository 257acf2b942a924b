"""The headless Chromium the page tests drive (Debian's /usr/bin/chromium through Playwright).

One browser serves every page test of a run (the ``chromium`` fixture in tests/conftest.py): starting it costs
~2 s of wall time and ~1 s of CPU, and the files that use it run on one xdist worker (tests/conftest.py).
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


@contextmanager
def launched() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        require("chromium", "chromium")
    from playwright.sync_api import sync_playwright  # imported by the first browser test, not at collection

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
