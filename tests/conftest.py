"""Suite-wide hooks: heavy libraries load only on the worker that runs their tests (tests/lazy.py), and the
files that share a costly set-up run on one worker."""

from __future__ import annotations

import gc
import os
import sys
from functools import cache
from typing import Any

import pytest
import typer.testing

from tests.lazy import COLLECTING

# Files that import PyTorch or onnxruntime (directly or through gradwork's exporters) run on one xdist worker, as one
# --dist loadfile unit: the other worker never pays for importing them. Each file's module fixtures are unchanged.
HEAVY = "torch and onnxruntime"
HEAVY_FILES = {
    "tests/cli/test_train.py", "tests/nn/test_optim.py", "tests/ops/test_gradients.py",
    "tests/ops/test_new_activation.py", "tests/problem/test_examples.py", "tests/problem/test_solve.py",
    "tests/problem/test_training.py", "tests/train/test_example_digits.py", "tests/train/test_export.py",
    "tests/train/test_loop.py", "tests/train/test_params.py",
    "tests/cli/test_output_faults.py",  # exports to ONNX and PyTorch in-process
}
# The two files that drive Chromium through Playwright, likewise.
BROWSER = "playwright"
BROWSER_FILES = {"tests/check/test_summary_browser.py", "tests/viz/test_page_browser.py"}
# The files that scan src/gradwork's own source share one parse of it (tests/source_tree.py), likewise.
SOURCE = "source scans"
SOURCE_FILES = {"tests/test_import_graph.py", "tests/test_layers_contract.py", "tests/test_module_sizes.py",
                "tests/test_op_knowledge.py"}


# typer's CliRunner builds the Click command from the Typer app on every invoke (~10 ms: it reads every
# command's signature again); the app does not change during a run, so each worker builds it once.
typer.testing._get_command = cache(typer.testing._get_command)


def pytest_collection_finish(session: Any) -> None:
    COLLECTING[0] = False
    # Python's cyclic collector ran ~2,500 times in 1,750 tests (3.7 of 63 CPU-s: SymPy and the renderers make
    # millions of short-lived objects, and each full pass walks torch's and SymPy's caches); collecting less
    # often took 1.6 s. Only the test process is tuned; gradwork itself keeps Python's defaults.
    gc.set_threshold(50_000, 20, 100)


@pytest.fixture(scope="session")
def chromium() -> Any:
    """One headless Chromium for every page test of the run (tests/browser.py)."""
    from tests.browser import launched

    with launched() as browser:
        yield browser


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: Any) -> None:
    """An xdist worker has sent every report and its "finished" message by now (pytest_sessionfinish), so it ends
    here. What would follow only held the run's end while the controller waited for the worker to exit: pytest's
    last full garbage collection (for unraisable-exception warnings, which a worker could no longer send) and the
    interpreter's own shutdown (freeing torch, SymPy's caches, thousands of solved graphs): 3-5 s in all."""
    if hasattr(config, "workerinput"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: the suite also runs without xdist (-p no:xdist)
def pytest_xdist_make_scheduler(config: Any, log: Any) -> Any:
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling  # lazy: only the xdist controller schedules

    class Scheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            units = ((HEAVY_FILES, HEAVY), (BROWSER_FILES, BROWSER), (SOURCE_FILES, SOURCE))
            return next((unit for files, unit in units if scope in files), scope)

    return Scheduling(config, log)
