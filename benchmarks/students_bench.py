"""Random students with one planted mistake each: is it charged once, at its first item, with its code?

    .venv/bin/python benchmarks/students_bench.py [--students 2000] [--seed 7] [--sparse 0.4] [--quick]

Each student gets a random two-layer exercise (either convention, one sample or a batch of two, ReLU,
leaky ReLU, sigmoid or tanh hidden units, sigmoid/identity/softmax outputs with BCE, MSE, SSE, half SSE or
cross-entropy, 3 to 5 significant figures written, a sheet that asks every item or, with probability
``--sparse``, about half of them) and one mistake of tests/check/students.py, made in a NumPy working of
its own (σ′ for tanh′, the 2 of a square dropped, log10, W read transposed, the update's sign, η left out
or misread by a decimal, biases not updated, the batch's 1/n dropped, every number rounded to 2 figures,
an input copied differently, an arithmetic slip carried through, ...). The truth is known: the first asked
item the mistake moves beyond the tolerance. Measured per mistake:

- found: that item is wrong with the mistake's code (a slip: wrong);
- after: every later item is correct or carried forward (and every earlier one correct);
- points: the score is the total minus that first item's points;
- alone: the first item names that code and no other (with a batch of two, the batch's 1/n and a factor 2 of a
  squared error are the same number: both are named).

Writes benchmarks/RESULTS-students.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from gradwork.check import Checker, parse_answers  # noqa: E402
from gradwork.numbers.tolerance import DEFAULT  # noqa: E402
from gradwork.problem import load, solve  # noqa: E402
from tests.check.students import answers_file, expected, random_exercise, slips, work  # noqa: E402


def run(students: int, seed: int, sparse: float) -> tuple[dict[str, Counter], list[tuple], float]:
    rng = np.random.default_rng(seed)
    stats: dict[str, Counter] = defaultdict(Counter)
    misses: list[tuple] = []
    start = time.process_time()
    for k in range(students):
        exercise = random_exercise(rng, sparse)
        choices = slips(exercise, rng)
        slip = choices[int(rng.integers(len(choices)))]
        mine = work(exercise, slip)
        truth = expected(exercise, work(exercise), mine, DEFAULT, slip)
        report = Checker(solve(load(yaml.safe_dump(exercise.problem())))).check(
            parse_answers(answers_file(exercise, mine, slip)))
        row = stats[slip.name]
        row["students"] += 1
        if truth.first is None:
            row["invisible"] += 1
            row["invisible_full"] += report.points == exercise.total()
            continue
        row["visible"] += 1
        first = report.item(truth.first)
        found = first.status == "wrong" and (not slip.code or slip.code in first.diagnosis)
        after = all(report.item(key).status in ("correct", "carried_forward") for key in truth.later) and \
            all(report.item(key).status == "correct" for key in truth.before)
        points = report.points == truth.points
        row["found"] += found
        row["alone"] += found and (first.diagnosis == (slip.code,) if slip.code else not first.diagnosis)
        row["after"] += after
        row["points"] += points
        if not (found and after and points):
            misses.append((k, slip.name, exercise.hidden, exercise.loss, exercise.convention, truth.first,
                           first.status, first.diagnosis,
                           [(i.key, i.diagnosis) for i in report.items
                            if i.status == "wrong" and i.key != truth.first]))
    return stats, misses, time.process_time() - start


def table(stats: dict[str, Counter]) -> str:
    lines = ["| planted mistake | students | visible | found at its first item with its code | that code alone "
             "| later items credited | points = total - first item |", "|---|---:|---:|---:|---:|---:|---:|"]
    total: Counter = Counter()
    for name in sorted(stats):
        row = stats[name]
        total.update(row)
        lines.append(f"| {name} | {row['students']} | {row['visible']} | {row['found']} | {row['alone']} | "
                     f"{row['after']} | {row['points']} |")
    v = max(total["visible"], 1)
    lines.append(f"| **all** | {total['students']} | {total['visible']} | {total['found']} "
                 f"({100 * total['found'] / v:.1f} %) | {total['alone']} ({100 * total['alone'] / v:.1f} %) | "
                 f"{total['after']} ({100 * total['after'] / v:.1f} %) | "
                 f"{total['points']} ({100 * total['points'] / v:.1f} %) |")
    lines.append("")
    lines.append(f"Invisible (the mistake moves no asked number beyond the tolerance): {total['invisible']}, "
                 f"of which {total['invisible_full']} got full marks.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sparse", type=float, default=0.4)
    parser.add_argument("--quick", action="store_true", help="200 students")
    args = parser.parse_args()
    students = 200 if args.quick else args.students
    stats, misses, seconds = run(students, args.seed, args.sparse)
    text = (f"# Random students, one planted mistake each\n\n`python benchmarks/students_bench.py --students "
            f"{students} --seed {args.seed} --sparse {args.sparse}` ({seconds:.0f} s CPU)\n\n{table(stats)}\n")
    if misses:
        text += "\nMisses (student, mistake, hidden, loss, convention, first item, its verdict and codes, " \
                "other wrong items):\n\n" + "\n".join(f"- {m}" for m in misses[:40]) + "\n"
    print(text)
    (ROOT / "benchmarks" / "RESULTS-students.md").write_text(text)


if __name__ == "__main__":
    main()
