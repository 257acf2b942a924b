"""Op knowledge lives on the Op (ops/ registry): outside ops/, modules read the registry, not op names.

An op-name literal is a string constant (not a docstring) equal to the name of a registered op, in a module
of src/gradwork outside ops/. The count per module may only shrink: :data:`CEILING` holds today's counts,
and the test fails both when a module names more ops than its entry allows and when it names fewer (lower
the entry then, so the ratchet holds). Some literals left are not op knowledge at all: the engine's own
wrappers (``tensor.py`` and ``functional.py`` call ``apply("add", ...)``), a reduction mode ("mean") that
shares a name with an op, the words of a problem file's formula language.

When #22 started (main at bb5ab06) the count was 307 literals in 37 modules; the modules #22 names (the
explanation's definitions and pitfalls, the text renderer's display table, train's loss list and ONNX
composition, explain/graph's mse -> sse substitution) are held at 0 by :data:`NONE`. mark's function
tables (mark/latex.py, mark/evaluate.py) are being rewritten by the mark engineer to read the registry's
``Op.written_names`` and ``Op.options``; their entries drop to 0 with that rewrite.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

from gradwork.ops import OPS
from tests.source_tree import modules


CEILING = {
    "backends/exact.py": 4,
    "check/answers.py": 1,
    "check/summary_html.py": 1,
    "explain/gates.py": 10,
    "explain/math.py": 2,
    "explain/optimizer.py": 2,
    "explain/render/json.py": 1,
    "explain/render/notation.py": 1,
    "functional.py": 36,
    "generate/constraints.py": 5,
    "nn/activations.py": 2,
    "nn/losses.py": 1,
    "nn/tape.py": 7,
    "problem/expressions.py": 26,
    "problem/quantities.py": 1,
    "problem/schema.py": 3,
    "problem/spec.py": 3,  # schema.py's defaults again (batch_reduction "mean"/"sum", activation "identity")
    "problem/solution.py": 3,
    "tensor.py": 29,
    "train/data.py": 1,
    "train/loop.py": 5,
    "train/params.py": 2,
    "viz/fragments.py": 1,
}

# The modules issue #22 names: no op name at all (they read Op fields: defined, piecewise, pitfalls, call,
# term_rule, inner, export.onnx_nodes, ...).
NONE = ("explain/derive.py", "explain/setup.py", "explain/forward.py", "explain/summary.py", "explain/wording.py",
        "explain/render/text.py", "explain/render/latex.py", "explain/render/latex_text.py", "explain/graph.py",
        "explain/chain.py", "explain/matrix.py", "train/config.py", "train/export.py")


@cache
def op_name_literals() -> Counter[str]:
    names = set(OPS)
    found: Counter[str] = Counter()
    for module in modules():
        if module.name.startswith("ops/"):
            continue
        for node in module.strings:
            if node.value in names:
                found[module.name] += 1
    return found


def test_op_name_literals_only_shrink():
    found = op_name_literals()
    grown = {module: (count, CEILING.get(module, 0)) for module, count in found.items()
             if count > CEILING.get(module, 0)}
    assert not grown, ("modules naming ops outside ops/ (found, allowed); read the registry instead "
                       f"(an Op field, ops_of_kind, pitfalls_of): {grown}")
    shrunk = {module: (found.get(module, 0), allowed) for module, allowed in CEILING.items()
              if found.get(module, 0) < allowed}
    assert not shrunk, f"fewer op names than CEILING allows (found, allowed): lower the entries {shrunk}"


def test_the_modules_issue_22_names_hold_no_op_name():
    found = op_name_literals()
    assert {module: found[module] for module in NONE if found[module]} == {}
    assert all(module not in CEILING for module in NONE)
    assert sum(CEILING.values()) < 307  # where #22 started
