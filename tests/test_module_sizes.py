"""Every module of src/gradwork is at most 600 lines and states its one job in its docstring (#22 item 8).

A module that grows past the bound is split along a seam of its own (a phase, a back end, a kind of model),
not cut at line 600: see how nn/compile.py, check/mistakes/, explain/derive.py and explain/render/latex.py were.
"""

from __future__ import annotations

import ast

from tests.source_tree import modules

MAX_LINES = 600


def test_no_module_is_over_600_lines():
    long = {module.name: n for module in modules() if (n := len(module.lines)) > MAX_LINES}
    assert long == {}, f"modules over {MAX_LINES} lines (split them along a seam): {long}"


def test_every_module_states_its_job_in_a_docstring():
    missing = [module.name for module in modules() if not (ast.get_docstring(module.tree) or "").strip()]
    assert missing == [], f"modules without a docstring stating their job: {missing}"
