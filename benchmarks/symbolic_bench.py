"""Symbolic mode's cost: a 2-2-1 network with every weight, bias, input and target a symbol.

Target (issue 6): solving the problem file (forward, backward, the SGD update,
the JSON-ready readable formulas), deriving the chain-style explanation and
rendering it to text together take under 2 s. Each part is timed in a fresh
Python process (SymPy's cache starts empty, as for a user running the CLI),
median of N runs after one warm-up; the whole `gradwork solve FILE` process is
timed as well.

Run: `.venv/bin/python benchmarks/symbolic_bench.py [RUNS | --quick]` (5 runs; 3 with --quick, as
`benchmarks/run.py --quick` passes it); prints a Markdown table and the load average. The figures and
their reading are kept by hand in benchmarks/RESULTS-symbolic.md.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRADWORK = str(Path(sys.executable).parent / "gradwork")

NETWORK_221 = """\
title: 2-2-1, every number a symbol ({hidden} hidden, sigmoid output, BCE)
mode: symbolic
convention: row
input: [x1, x2]
target: y
layers:
  - name: hidden
    weights: [[w1, w3], [w2, w4]]
    bias: [b1, b2]
    activation: {hidden}
  - name: output
    weights: [w5, w6]
    bias: b3
    activation: sigmoid
loss: bce
optimizer: {{name: sgd, lr: eta}}
"""

LINEAR_221 = """\
title: 2-2-1 linear, every number a symbol (half_sse)
mode: symbolic
convention: column
input: [x1, x2]
target: t
layers:
  - {name: hidden, weights: [[w1, w2], [w3, w4]], bias: [b1, b2], activation: identity}
  - {name: output, weights: [w5, w6], bias: b3, activation: identity}
loss: half_sse
optimizer: {name: sgd, lr: eta}
"""

CASES = {
    "2-2-1 symbols, sigmoid/sigmoid, BCE (the target)": ("text", NETWORK_221.format(hidden="sigmoid")),
    "2-2-1 symbols, relu/sigmoid, BCE (seed 002's network)": ("text", NETWORK_221.format(hidden="relu")),
    "2-2-1 symbols, linear, half_sse": ("text", LINEAR_221),
    "Mazur 2-2-2 numbers, sigmoid, symbolic mode": ("file", "examples/mazur_step_by_step.yaml"),
    "seed 003 7.3c (symbols, upstream d0..d4)": ("file", "examples/seed003_7_3c_scaled_gather.yaml"),
}

CHILD = """
import json, sys, time
start = time.perf_counter()
from gradwork.problem import load, solve
from gradwork.explain.derive import derive
from gradwork.explain.render import render
import sympy
imported = time.perf_counter()
problem = load(sys.argv[1])
loaded = time.perf_counter()
solution = solve(problem, "symbolic")
solved = time.perf_counter()
derivation = derive(solution, "chain")
derived = time.perf_counter()
text = render(derivation, "text")
rendered = time.perf_counter()
print(json.dumps({"import": imported - start, "load": loaded - imported, "solve": solved - loaded,
                  "derive": derived - solved, "render": rendered - derived, "chars": len(text)}))
"""

PARTS = ("import", "load", "solve", "derive", "render")


def child(path: str) -> dict:
    result = subprocess.run([sys.executable, "-c", CHILD, path], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{path}: {result.stderr}")
    return json.loads(result.stdout)


def whole_process(path: str) -> float:
    start = time.perf_counter()
    result = subprocess.run([GRADWORK, "solve", path, "--mode", "symbolic"], cwd=ROOT, capture_output=True)
    if result.returncode != 0:
        raise SystemExit(f"gradwork solve {path}: {result.stderr.decode()}")
    return time.perf_counter() - start


def main(runs: int = 5) -> str:
    header = ["case", *PARTS, "solve+derive+render", "CLI process", "text chars"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    with tempfile.TemporaryDirectory() as directory:
        for label, (kind, source) in CASES.items():
            path = source
            if kind == "text":
                path = str(Path(directory) / "problem.yaml")
                Path(path).write_text(source)
            child(path)  # warm-up (OS file cache, .pyc files)
            samples = [child(path) for _ in range(runs)]
            medians = {part: statistics.median(s[part] for s in samples) for part in PARTS}
            work = statistics.median(s["solve"] + s["derive"] + s["render"] for s in samples)
            process = statistics.median(whole_process(path) for _ in range(runs))
            cells = [label, *(f"{medians[p]:.3f}" for p in PARTS), f"**{work:.3f}**", f"{process:.3f}",
                     str(samples[0]["chars"])]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    numbers = [int(arg) for arg in sys.argv[1:] if arg.isdigit()]
    print(main(numbers[0] if numbers else 3 if "--quick" in sys.argv else 5))
    print("\nLoad average after measuring: " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + " (2 cores)")
