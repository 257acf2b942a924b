"""The class summary page in headless Chromium: a complete page, offline, with its charts drawn.

The screenshot goes to tests/artifacts/check_class_summary.png for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from gradwork.check import check_class, parse_answers
from gradwork.problem import load, solve
from tests.check.test_teacher_table import PROBLEM, TABLE
from tests.browser import NO_PLAYWRIGHT, select_all

pytestmark = NO_PLAYWRIGHT

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def test_the_class_summary_is_a_page_with_charts(tmp_path, chromium):
    problem = tmp_path / "exercise.yaml"
    problem.write_text(PROBLEM.replace("LOSS", "mse"))
    answers = [parse_answers(yaml.safe_load(yaml.safe_dump(make())), f"{name}.yaml") for name, make, _, _ in TABLE]
    book = check_class(solve(load(problem)), answers)
    page_file = tmp_path / "summary.html"
    page_file.write_text(book.to_html(), encoding="utf-8")
    page, log = chromium.open(page_file.as_uri(), width=1100, height=900)  # the run's tab (tests/browser.py)
    title, charset, stats = page.evaluate(
        "() => [document.title, document.characterSet, document.querySelector('.stats').innerText]")
    assert title == "Exercise 3 - a 3-2-1 network, tanh then sigmoid, squared error: class summary"
    assert charset == "UTF-8"
    assert "mean" in stats and "median" in stats and "12 / 13" in stats
    charts = select_all(page, "svg", "els => els.map(e => [e.getAttribute('aria-label'), "
                                              "e.getBoundingClientRect().width, e.getBoundingClientRect().height])")
    assert [label for label, _, _ in charts] == ["score histogram", "per-item results"]
    assert all(width > 200 and height > 100 for _, width, height in charts)
    bars = select_all(page, "svg[aria-label='score histogram'] rect", "els => els.length")
    assert bars == 14  # one per score 0..13
    assert select_all(page, "svg[aria-label='per-item results'] text", "els => els.length") > 11
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "check_class_summary.png"), full_page=True)
    chromium.done()
    assert log["requests"] == [page_file.as_uri()] and log["errors"] == []  # nothing fetched from anywhere else
