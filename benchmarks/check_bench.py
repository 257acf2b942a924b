"""Marking a class: 1,000 answers files for one problem (seed 002, row reading), timed.

    .venv/bin/python benchmarks/check_bench.py [--students 1000] [--keep DIR]

The files are written first (not timed), then ``gradwork.check.gradebook.check_folder``
reads and marks all of them under a teacher's policy (``ask:`` of 12 items with
points, carried-forward credit at 50 %) and the CSV gradebook and the Markdown
class summary are built (timed). The class is a seeded mix of what students
hand in: right answers, the seed's own mistakes (log10 loss, biases not
updated, W1 read transposed), a slip in z carried through consistently, sign
and learning-rate slips in the update, random wrong numbers (the slowest case:
every mistake model is tried), blanks, and a file that sets its own
``tolerance: {rtol: 100}`` (ignored, with a warning). Every student's numbers
are computed here with NumPy.

Run it on one core: ``taskset -c 0 python benchmarks/check_bench.py``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
X, T, LR = np.array([1.0, 2.0]), 0.0, 0.01
W1, B1 = np.array([[0.5, -0.6], [-0.4, 0.8]]), np.array([0.2, -0.2])
W2, B2 = np.array([0.3, -0.5]), 0.0
KINDS = ("correct", "log10", "no_bias", "transposed", "slip", "update_sign", "learning_rate", "random", "blank",
         "own_tolerance")
ASK = ("values.hidden.z", "values.hidden.a", "values.output.a", "loss", "gradients.output.W", "gradients.output.b",
       "gradients.hidden.W", "updated.output.W", "updated.output.b", "updated.hidden.W", "updated.hidden.b",
       "values.output.z")
POINTS = {"loss": 2.0, "gradients.hidden.W": 3.0, "updated.hidden.W": 2.0}


def solution():
    """The example problem solved by gradwork, with the teacher's ask: and marking: of this benchmark."""
    from dataclasses import replace

    from gradwork.problem import MarkingPolicy, Quantity, load, solve

    solved = solve(load(ROOT / "examples" / "seed002_exam4a_row.yaml"))
    return replace(solved, ask=tuple(Quantity.parse(key) for key in ASK),
                   marking=MarkingPolicy(points=POINTS, carried_forward=0.5))


def student(kind: str, rng: np.random.Generator) -> dict:
    """One student's answers, computed by hand (row convention: z = x W + b)."""
    w1 = W1.T if kind == "transposed" else W1
    z1 = X @ w1 + B1
    if kind == "slip":
        z1 = z1 + np.array([0.0, rng.choice([-0.2, 0.1, 0.3])])
    a1 = np.maximum(z1, 0)
    z2 = a1 @ W2 + B2
    a2 = 1 / (1 + np.exp(-z2))
    loss = -np.log10(1 - a2) if kind == "log10" else -np.log(1 - a2)
    dz2 = a2 - T
    gw2, gb2 = dz2 * a1, dz2
    dz1 = dz2 * W2 * (z1 > 0)
    gw1, gb1 = np.outer(X, dz1), dz1
    if kind == "transposed":  # the gradient of the matrix they used, written back in the given layout
        gw1 = gw1.T
    lr = {"update_sign": -LR, "learning_rate": 1.0}.get(kind, LR)
    new = {"hidden.W": W1 - lr * gw1, "hidden.b": B1 - lr * gb1, "output.W": W2 - lr * gw2, "output.b": B2 - lr * gb2}
    if kind == "no_bias":
        new["hidden.b"], new["output.b"] = B1, B2
    answers = {
        "values": {"hidden.z": z1, "hidden.a": a1, "output.z": z2, "output.a": a2},
        "loss": loss,
        "gradients": {"hidden.W": gw1, "output.W": gw2, "output.b": gb2},
        "updated": new,
    }
    if kind == "random":
        answers["gradients"]["hidden.W"] = rng.normal(size=(2, 2))
        answers["updated"]["output.W"] = rng.normal(size=2)
    plain = _rounded(answers, rng)
    if kind == "blank":
        plain["values"]["output.a"] = None
        del plain["updated"]
    if kind == "own_tolerance":  # with the log10 loss: the file's tolerance would hide it if it counted
        plain["loss"] = float(f"{-np.log10(1 - a2):.4g}")
        plain["tolerance"] = {"rtol": 100}
    return plain


def _rounded(value, rng):
    """Numbers as students write them: each answer to 3, 4 or 5 significant figures."""
    if isinstance(value, dict):
        return {k: _rounded(v, rng) for k, v in value.items()}
    figures = int(rng.integers(3, 6))
    array = np.asarray(value, dtype=float)
    write = np.vectorize(lambda v: float(f"{v:.{figures}g}"))
    return write(array).tolist() if array.ndim else float(write(array))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="write the answers files and gradebook here and keep them")
    parser.add_argument("--quick", action="store_true", help="100 students (what `benchmarks/run.py --quick` passes)")
    args = parser.parse_args(argv)
    if args.quick:
        args.students = min(args.students, 100)

    from gradwork.check.gradebook import check_folder

    rng = np.random.default_rng(2024)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="gradwork-check-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    kinds = Counter()
    for number in range(args.students):
        kind = KINDS[number % len(KINDS)]
        kinds[kind] += 1
        (folder / f"student{number:04d}.yaml").write_text(yaml.safe_dump(student(kind, rng), sort_keys=False))
    problem = solution()

    start, cpu_start = time.perf_counter(), time.process_time()
    book = check_folder(problem, folder)
    csv = book.to_csv()
    summary = book.to_markdown()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start

    if args.keep:
        (folder.parent / f"{folder.name}-gradebook.csv").write_text(csv)
        (folder.parent / f"{folder.name}-summary.md").write_text(summary)
    statuses = Counter(item.status for report in book.reports.values() for item in report.items)
    result = {"students": args.students, "seconds": round(seconds, 3), "cpu_seconds": round(cpu, 3),
              "per_student_ms": round(1000 * seconds / args.students, 3),
              "errors": len(book.errors), "statuses": dict(statuses), "kinds": dict(kinds),
              "points": round(sum(r.points for r in book.reports.values()), 2),
              "diagnoses": {d.code: d.students for d in book.diagnosis_counts()},
              "warnings": sum(bool(r.warnings) for r in book.reports.values())}
    print(f"marked {args.students} answers files in {seconds:.2f} s wall, {cpu:.2f} s CPU "
          f"({result['per_student_ms']:.2f} ms each); verdicts {dict(statuses)}; unreadable {len(book.errors)}; "
          f"students per diagnosis {result['diagnoses']}; files whose own tolerance was ignored {result['warnings']}")
    return result


if __name__ == "__main__":
    main()
