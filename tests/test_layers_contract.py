"""The one-way import rule of docs/engine.md ("Layers"), enforced by import-linter."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.source_tree import Module, modules

ROOT = Path(__file__).resolve().parents[1]


def test_imports_point_one_way():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------- LaTeX and HTML only in the renderers

LATEX = re.compile(r"\\(frac|operatorname|sum|sigma|partial|cdot|mathbf|mathrm|left|right|begin|end|sqrt|top|odot"
                   r"|times|quad|hline)\b")
HTML = re.compile(r"(?<!\?P)<\s*/?\s*(div|span|table|tr|td|th|p|br|html|body|head|style|script|svg|a|b|i|em"
                  r"|strong|code|pre|ul|ol|li|h[1-6]|math|details|summary|section|figure|img|sup|sub)\b[^>]*>",
                  re.IGNORECASE)
# (A regex's named group, (?P<sub>...), is not a tag.)
# Where LaTeX and HTML text may be written (docs/engine.md, principle 4), and the ops, whose derivative rules
# are LaTeX templates held as data (principle 1).
RENDERERS = ("explain/render/", "viz/", "ops/")
# Modules outside the renderers that hold such text today, each for a reason; the test fails when one of
# them no longer needs its entry, so the list only shrinks.
KNOWN = {
    # HTML of their own reports, to move into the renderers (reported to the lead; owned by other areas).
    "check/render.py": "check's report as HTML",
    "check/summary_html.py": "the class summary page (HTML, inline SVG charts)",
    "generate/export.py": "exported question banks (HTML feedback for LMS formats)",
    "generate/prairielearn.py": "PrairieLearn question HTML",
    "mark/render.py": "the marked-solution page",
    # Readers, not writers: they recognise LaTeX in a student's worked solution.
    "mark/document.py": "reads students' LaTeX",
    "mark/parse.py": "reads students' LaTeX",
    "mark/cursor.py": "reads students' LaTeX (a symbol's labels)",
    "mark/normalise.py": "reads students' LaTeX",
    "mark/scan.py": "finds students' LaTeX",
    "mark/plain.py": "reads students' plain maths into the reader's LaTeX",
    "mark/functions.py": "reads the function names students write (\\operatorname{ReLU})",
}


def _markup_literals(module: Module) -> list[int]:
    """Lines of string literals (not docstrings) that look like LaTeX commands or HTML tags."""
    return [node.lineno for node in module.strings if LATEX.search(node.value) or HTML.search(node.value)]


def test_latex_and_html_are_written_only_by_the_renderers():
    found = {}
    for module in modules():
        if not module.name.startswith(RENDERERS):
            lines = _markup_literals(module)
            if lines:
                found[module.name] = lines
    unexpected = {name: lines for name, lines in found.items() if name not in KNOWN}
    assert not unexpected, f"LaTeX or HTML text outside explain/render and viz (file: lines): {unexpected}"
    stale = sorted(set(KNOWN) - set(found))
    assert not stale, f"no longer writes LaTeX/HTML, drop from KNOWN: {stale}"
