"""docs/ops.md is the registry written out: every registered op, its rule, options and names, from the Op itself.

The page is generated from :data:`gradwork.ops.OPS` by :func:`reference`, so it cannot drift from the code;
after registering an op, rewrite it with ``PYTHONPATH=src python -m tests.ops.test_ops_doc``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gradwork.ops import OPS, Op

DOC = Path(__file__).resolve().parents[2] / "docs" / "ops.md"

SECTIONS = (
    ("activation", "Activations", "`activation: NAME` (or `{name: NAME, option: value}`) on a layer, `NAME(x)` in a "
                                  "formula, `activation:` in a training config."),
    ("function", "Functions", "`NAME(x)` in a formula (`graph:`, a formula activation or loss)."),
    ("loss", "Losses", "`loss: NAME` (or `{name: NAME, option: value}`) in a problem file or a training config, "
                       "`NAME(y, t)` in a formula. `y` is the output, `t` the target; a batch is averaged over "
                       "its samples (`batch_reduction: mean`, the default) or summed."),
    ("fused", "Fused ops", "Several ops as one, for the training fast path; the explanations name the same patterns."),
    ("arithmetic", "Arithmetic", "`+ - * / ** @` and `max(a, b)`/`min(a, b)` in a formula."),
    ("reduction", "Reductions", "`sum`, `mean`, `max`, `min` of one operand in a formula (an `axis` option)."),
    ("shape", "Shape ops", "`.T`, indexing `x[0]`, `x[1:3]`, `x[[2, 0]]`, and the engine's own reshape and "
                           "concatenate."),
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _row(op: Op) -> str:
    definition = _cell(op.definition_text or op.notation.text.replace("$", ""))
    options = ", ".join(f"`{o.name}` = {o.default}" for o in op.options) or "—"
    names = ", ".join(f"`{name}`" for name in op.written_names)
    notes = []
    if op.piecewise:
        notes.append("piecewise")
    notes += [f"pitfall `{p.code}`" for p in op.pitfalls]
    if op.export is not None:
        onnx = op.export.onnx or ("composed: " + " → ".join(n.op_type for n in op.export.onnx_nodes)
                                  if op.export.onnx_nodes else None)
        notes.append(f"ONNX {onnx or '—'}, PyTorch {op.export.torch or '—'}")
    return f"| `{op.name}` | {definition} | {_cell(op.sentence)} | {options} | {names} | {'; '.join(notes) or '—'} |"


def reference() -> str:
    """The whole page, from the registry."""
    lines = [
        "# Ops",
        "",
        "Every op gradwork knows, as the op registry (`src/gradwork/ops/`) defines it: this page is generated",
        "from the registry (`tests/ops/test_ops_doc.py` fails when it is out of date). Each op is one",
        "`register(Op(...))` call; docs/engine.md says how to add one. \"Names\" are the names a student may",
        "write for it in a worked solution (mark), \"notes\" its piecewise rule, its pitfall records (the",
        "warnings an explanation prints and the mistakes check diagnoses, by code: docs/check.md) and its",
        "ONNX / PyTorch export.",
    ]
    for kind, title, where in SECTIONS:
        ops = [op for op in OPS.values() if op.kind == kind]
        if not ops:
            continue
        lines += ["", f"## {title}", "", where, "",
                  "| op | definition | derivative rule | options | names | notes |",
                  "|---|---|---|---|---|---|"]
        lines += [_row(op) for op in ops]
    return "\n".join(lines) + "\n"


def test_docs_ops_md_is_the_registry_written_out():
    assert DOC.read_text(encoding="utf-8") == reference(), (
        "docs/ops.md is out of date: PYTHONPATH=src python -m tests.ops.test_ops_doc")


if __name__ == "__main__":
    DOC.write_text(reference(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOC}\n")
