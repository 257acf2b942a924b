"""Every printed equation, read back from the page in every format and re-evaluated (tests/explain/reread).

The corpus: every example, every problem in tests/explain/problems (batches, softmax + cross-entropy,
formula losses, momentum, Adam) and variants of every template, each in every style and every format
(text, Markdown, LaTeX, the HTML document, the interactive page's steps, JSON). Nothing is taken from the
derivation's data: the equations are found on the rendered page, parsed, and evaluated with interval
arithmetic over the printed numbers (each stands for what rounds to it). See reread/checker.py for the
kinds of failure.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from gradwork.explain.derive import STYLES, derive
from gradwork.explain.render import render, step_fragments
from gradwork.problem import ProblemError, load, solve
from tests.explain.reread.checker import KINDS, TABLES, Reader, Report
from tests.explain.reread.formats import READERS
from tests.sampling import sample

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PROBLEMS = Path(__file__).resolve().parent / "problems"
FILES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".toml", ".json") and "train" not in p.name) \
    + sorted(PROBLEMS.glob("*.yaml"))
FORMATS = ("text", "markdown", "latex", "html", "page", "json")
DIGITS = 4


TEMPLATES = sorted((EXAMPLES / "templates").glob("*.yaml"))
# Drawn variants of every template: the first in `make test`, two in `make test-full` (tests/sampling.py);
# benchmarks/reread_bench.py reads many more.
VARIANT_SEEDS = sample((1,), (1, 2))
CASES = [str(p) for p in FILES] + [f"{t}#{seed}" for t in TEMPLATES for seed in VARIANT_SEEDS]
KNOWN = Path(__file__).resolve().parent / "reread" / "known_failures.txt"


def _known() -> set[str]:
    """Cases that still fail, each a defect of the output being fixed (the list only shrinks)."""
    if not KNOWN.exists():
        return set()
    return {line.strip() for line in KNOWN.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}


@cache
def _solution(case: str):
    """The case's solution, solved once for every style (derive reads a solution and changes nothing in it)."""
    if case.endswith("@exact"):  # exact mode: fractions, checked exactly
        return solve(load(case.removesuffix("@exact")), mode="exact")
    if "#" in case:
        from gradwork.generate import draw, read_template

        template, seed = case.split("#")
        return draw(read_template(template), seed=int(seed), key=0).solution
    return solve(load(case))


@cache
def _derivation(case: str, style: str):
    return derive(_solution(case), style)


def _exact(path: Path) -> bool:
    try:
        solve(load(path), mode="exact")
        return True
    except ProblemError:  # exact mode stops at irrational values (sigmoid, exp); symbolic-only files
        return False


CASES += [f"{p}@exact" for p in FILES if _exact(p)]


def case_id(case: str) -> str:
    path, _, seed = case.partition("#")
    return Path(path).name + (f"#{seed}" if seed else "")


def page(derivation, fmt: str) -> tuple[str, str]:
    """The rendered page and the reader for it."""
    if fmt == "page":
        return "\n".join(html for _, _, html in step_fragments(derivation, DIGITS)), "html"
    return render(derivation, fmt, digits=DIGITS), fmt


_READ: dict[tuple, Report] = {}  # the last pages' readings, by what the Reader sees of them


def reread(derivation, fmt: str) -> Report:
    """The page's report. Two formats whose equations read the same (the HTML document and the interactive
    page's steps; Markdown and LaTeX often) share one reading: a Reader sees only each equation's text, its
    step label and whether it sits in a summary table (``where`` is in its messages alone), so the report is
    the same. A failing report is made again from this page, so that its messages say where."""
    text, reader = page(derivation, fmt)
    network = any(symbol.one_based for symbol in derivation.symbols.values())  # W⁽¹⁾[2]: after step 2
    equations = READERS[reader](text)
    key = (network, tuple((e.text, e.label, e.where.strip() in TABLES) for e in equations))
    report = _READ.get(key)
    if report is None or report.problems():
        report = Reader(DIGITS, steps_in_brackets=network).read(equations)
        if len(_READ) >= 8:
            _READ.pop(next(iter(_READ)))
        _READ[key] = report
    return report


COUNTS: dict[str, int] = {}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_every_printed_equation_is_true_as_printed(case: str, style: str, fmt: str, request) -> None:
    name = f"{case_id(case)}/{style}/{fmt}"
    if name in _known():
        request.applymarker(pytest.mark.xfail(strict=True, reason="a known defect of the output, being fixed"))
    report = reread(_derivation(case, style), fmt)
    COUNTS[name] = report.checked
    problems = report.problems()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])
    assert report.equations >= 5, "the page was not read"


def test_the_known_failures_are_cases_of_this_test() -> None:
    names = {f"{case_id(c)}/{s}/{f}" for c in CASES for s in STYLES for f in FORMATS}
    assert _known() <= names


def test_a_false_equation_is_caught_in_every_format() -> None:
    """The reader is not blind: a wrong number, a dropped 1/N and a column times a column are each found."""
    for text, kind in [("z = 1 + 2 = 4", "false"), ("g = (0.8 − 1) = −0.1", "false"),
                       ("s = (1, 2) (3, 4) = 11", "shape"), ("y = [1, 2]·[3, 4] = 11", None),
                       ("p = (1.670 · 0.2403) = 0.4013", None), ("q = 1.670·0.2403 = 0.4", "false")]:
        from tests.explain.reread.checker import Equation

        report = Reader(DIGITS).read([Equation(text)])
        found = [k for k in KINDS if report.failures[k]]
        assert found == ([kind] if kind else []), (text, report.failures)
