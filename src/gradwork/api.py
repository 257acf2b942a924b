"""The public, typed Python API that the CLI and notebooks share.

    >>> import gradwork
    >>> solved = gradwork.load("examples/seed002_exam4a_row.yaml").solve()
    >>> solved.loss, solved.gradients["output.W"]
    >>> print(solved.render("text", style="chain"))

``Solved`` also displays itself in Jupyter: the graph and the derivation together (an HTML
fragment), Markdown with LaTeX, and the SVG graph alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from gradwork.documents.errors import GradworkError
from gradwork.documents.json_text import indented_json
from gradwork.mark import mark_work
from gradwork.numbers.tolerance import Tolerance, ToleranceError
from gradwork.problem import Solution, load as load_problem, solve as solve_problem
from gradwork.problem.notation import notation

if TYPE_CHECKING:  # the report types, for the annotations only: check and the marker are imported when used
    from gradwork.check.report import Report
    from gradwork.explain.steps import Derivation
    from gradwork.mark.report import MarkReport

Format = Literal["text", "markdown", "latex", "html", "json"]
Style = Literal["chain", "delta", "matrix"]
Mode = Literal["float", "exact", "symbolic"]


class Problem:
    """A loaded problem file, ready to solve."""

    def __init__(self, parsed: Any) -> None:
        self.parsed = parsed

    @property
    def title(self) -> str:
        return getattr(self.parsed, "title", "") or ""

    def solve(self, mode: Mode | None = None) -> Solved:
        """Forward pass, loss, every gradient and the optimizer step(s)."""
        return Solved(solve_problem(self.parsed, mode=mode))


def load(source: str | Path) -> Problem:
    """Read a problem file (YAML, TOML or JSON; ``"-"`` for stdin). Raises ``ProblemError`` on bad input."""
    return Problem(load_problem(source))


class Solved:
    """A solved problem: its numbers, and its derivation in any style and format."""

    def __init__(self, solution: Solution, style: Style = "chain", digits: int = 4) -> None:
        self.solution = solution
        self.style = style
        self.digits = digits

    # The docs/format.md sections, ready for JSON.
    @property
    def title(self) -> str:
        return self.solution.title

    @property
    def mode(self) -> str:
        return self.solution.mode

    @property
    def loss(self) -> Any:
        return self._json["loss"]

    @property
    def values(self) -> dict[str, Any]:
        return self._json["values"]

    @property
    def gradients(self) -> dict[str, Any]:
        return self._json["gradients"]

    @property
    def updated(self) -> dict[str, Any]:
        return self._json["updated"]

    @property
    def _json(self) -> dict[str, Any]:
        # The solution keeps native numbers; this is the JSON edge (made once).
        cache = self.__dict__.setdefault("_json_cache", {})
        if not cache:
            cache.update(self.solution.json())
        return cache

    def derivation(self, style: Style | None = None, notes: bool = False) -> Derivation:
        """The worked solution as steps; ``notes``: with the teacher's implementation remarks (docs/explain.md)."""
        return self._derivations(style or self.style, notes)

    @property
    def steps(self) -> list:
        """The derivation's steps (data) in this object's style."""
        return self.derivation().steps()

    def _derivations(self, style: str, notes: bool = False) -> Derivation:
        cache = self.__dict__.setdefault("_derivation_cache", {})
        if (style, notes) not in cache:
            # lazy (start-up): the explainer loads when a derivation is first asked for (mark, check never ask)
            from gradwork.explain.derive import derive

            cache[style, notes] = derive(self.solution, style, notes)  # type: ignore[arg-type]
        return cache[style, notes]

    def to_dict(self, style: Style | None = None, digits: int | None = None) -> dict[str, Any]:
        """The docs/format.md JSON object, ``steps`` included."""
        # lazy (start-up): loaded when first used
        from gradwork.explain.render import steps_to_json

        return {
            "title": self.title,
            "mode": self.mode,
            "loss": self.loss,
            "values": self.values,
            "gradients": self.gradients,
            "updated": self.updated,
            "steps": steps_to_json(self.derivation(style), digits=digits or self.digits),
        }

    def render(self, format: Format = "text", style: Style | None = None, digits: int | None = None,
               color: bool = False, width: int = 100, notes: bool = False) -> str:
        """The worked solution as text, Markdown, LaTeX, HTML (the interactive page) or JSON.

        ``width``: the columns text wraps at (the CLI passes the terminal's, 100 when piped). ``notes``: the
        teacher's view, with implementation remarks a student's page leaves out (docs/explain.md).
        """
        if format == "json":
            return indented_json(self.to_dict(style, digits)) + "\n"
        if format == "html":
            return self.page(style, digits)
        # lazy (start-up): loaded when first used
        from gradwork.explain.render import render as render_steps

        return render_steps(self.derivation(style, notes), format, digits=digits or self.digits, color=color,
                            width=width)

    def page_steps(self, style: Style | None = None, digits: int | None = None) -> list:
        """The derivation as the interactive page's steps (viz.PageStep), one per derivation step."""
        # lazy (start-up): loaded when first used
        from gradwork.explain.render import step_fragments, step_titles
        from gradwork.viz import PageStep

        derivation = self.derivation(style)
        digits = digits or self.digits
        kinds = [type(step).__name__ for step in derivation.steps()]
        return [PageStep(node, phase, title, html, kind) for (node, phase, html), title, kind
                in zip(step_fragments(derivation, digits), step_titles(derivation, digits), kinds)]

    def graph_labels(self, style: Style | None = None) -> dict[str, str]:
        """Node name -> how the derivation writes it (W⁽¹⁾, or the problem's ``names:``), for the drawings."""
        # lazy (start-up): loaded when first used
        from gradwork.explain.render.text import TextPrinter

        printer = TextPrinter(digits=self.digits)
        labels = {name: printer.print(symbol) for name, symbol in self.derivation(style).symbols.items()}
        # The problem's own symbol for a whole node wins (names: {hidden.W: W1}).
        written = notation(self.solution)  # a name as printed (\\hat{y}: ŷ), never its raw text
        labels.update({ref.name: written.symbol(ref.name).text() for ref in self.solution.names if ref.index is None})
        if self.solution.loss is not None and self.solution.loss.name and "loss" in labels:
            labels.setdefault(self.solution.loss.name, labels["loss"])
        return labels

    def page(self, style: Style | None = None, digits: int | None = None) -> str:
        """One self-contained HTML page: the graph, and the derivation to step through.

        Without Graphviz the page still holds the whole derivation, with a note where
        the drawing would be.
        """
        # lazy (start-up): loaded when first used
        from gradwork.viz import build_page

        digits = digits or self.digits
        return build_page(self.solution, self.page_steps(style, digits), labels=self.graph_labels(style),
                          digits=digits, missing_graphviz="note")

    def check(self, answers: str | Path, tolerance: Tolerance | dict[str, Any] | None = None,
              allow_answer_tolerance: bool = False) -> Report:
        """Check a student's answers file against this solution: its :class:`~gradwork.check.Report`.

        The problem's ``marking:`` applies; ``tolerance`` (a Tolerance or {sigfigs: 4}) overrides it, as the
        command-line flags do; the answers file's own tolerance counts only with ``allow_answer_tolerance``.
        """
        # lazy (start-up): loaded when first used
        from gradwork.check import check_answers, read_answers

        spec = _tolerance(tolerance, Tolerance)
        return check_answers(self.solution, read_answers(answers), spec, allow_answer_tolerance=allow_answer_tolerance)

    def mark(self, text: str, source: str = "<work>",
             tolerance: Tolerance | dict[str, Any] | None = None) -> MarkReport:
        """Mark a worked solution (Markdown with LaTeX maths) line by line: its :class:`~gradwork.mark.MarkReport`."""
        if not isinstance(text, str) or not isinstance(source, str):
            raise TypeError(f"mark() takes the worked solution's text and its name as str, not "
                            f"{type(text).__name__} and {type(source).__name__}")
        spec = _tolerance(tolerance, Tolerance)
        return mark_work(self.solution, text, source, spec)

    # Jupyter display
    def _repr_markdown_(self) -> str:
        return self.render("markdown")

    def _repr_html_(self) -> str:
        """The graph and the derivation together, as an HTML fragment (static: notebooks run no page scripts)."""
        # lazy (start-up): loaded when first used
        from gradwork.explain.render import render as render_steps
        from gradwork.viz import notebook_html

        document = render_steps(self.derivation(), "html", digits=self.digits)
        # The derivation's body only: a notebook cell takes a fragment, never a whole document.
        start, end = document.find("<main>"), document.rfind("</main>")
        body = document[start + len("<main>"):end].strip() if 0 <= start < end else document
        return notebook_html(self.solution, body, labels=self.graph_labels(), digits=self.digits)

    def _repr_svg_(self) -> str | None:
        """The computation graph for Jupyter; None (no drawing) where Graphviz is missing."""
        # lazy (start-up): loaded when first used
        from gradwork.viz import repr_svg

        return repr_svg(self.solution, digits=self.digits, labels=self.graph_labels())


def _tolerance(tolerance: Any, kind: Any) -> Any:
    """A tolerance argument as a Tolerance (None: the problem's); anything else is a TypeError that says so."""
    if tolerance is None or isinstance(tolerance, kind):
        return tolerance
    if isinstance(tolerance, dict):
        try:
            return kind.parse(tolerance)
        except ToleranceError as error:  # numbers/ sits below the error types: the API's own error here
            raise GradworkError(str(error)) from None
    raise TypeError(f"tolerance must be a Tolerance or a mapping such as {{'sigfigs': 3}}, "
                    f"not {type(tolerance).__name__} {tolerance!r:.40}")


def solve(source: str | Path, mode: Mode | None = None, style: Style = "chain") -> Solved:
    """Load and solve in one call."""
    solved = load(source).solve(mode)
    solved.style = style
    return solved
