"""Marking worked solutions: one seed-length document, and a folder of 200, timed.

    .venv/bin/python benchmarks/mark_bench.py [--students 200] [--quick] [--keep DIR]

1. **One document**: seed 002's transcribed solution (../shared/seeds when present, else the
   longest fixture of tests/mark/fixtures repeated to the seed's length), marked against
   examples/seed002_exam4a_row.yaml. "After start-up" = after ``import gradwork``, loading and
   solving the problem (timed separately, as is the CLI's wall time for the same command).
   The mark itself is timed best-of-5 on a fresh marker each time (nothing cached between runs
   except the parsed sides, which a second student repeats in a class too; the first run is
   reported as well).
2. **A folder**: ``--students`` worked solutions written from the seed 002 fixtures (right work and
   each common mistake), every file with its own numbers perturbed in the last digit so that no two
   documents are the same text; ``gradwork.mark.mark_folder`` reads and marks all of them and the
   CSV gradebook is built (timed).

Run it on one core: ``taskset -c 0 python benchmarks/mark_bench.py``. Results: RESULTS-mark.md.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "mark" / "fixtures"
PROBLEM = ROOT / "examples" / "seed002_exam4a_row.yaml"


def seed_document() -> tuple[str, str]:
    # ../shared/seeds beside the checkout (or beside the folder of worktrees)
    seeds = next((p / "shared" / "seeds" for p in (ROOT.parent, ROOT.parent.parent)
                  if (p / "shared" / "seeds").is_dir()), ROOT.parent / "shared" / "seeds")
    found = sorted(seeds.glob("002_*.txt")) if seeds.is_dir() else []
    if found:
        return found[0].read_text(encoding="utf-8"), f"seed 002 ({found[0].name})"
    fixture = (FIXTURES / "seed002_correct.md").read_text(encoding="utf-8")
    return "\n\n".join([fixture] * 4), "seed002_correct.md x4 (the seeds are not here)"


def class_folder(folder: Path, students: int, rng: random.Random) -> None:
    sources = sorted(FIXTURES.glob("seed002_*.md"))
    texts = [p.read_text(encoding="utf-8") for p in sources]
    for k in range(students):
        text = texts[k % len(texts)]

        def nudge(match: re.Match[str]) -> str:  # a different last digit now and then: every file its own text
            digits = match.group(0)
            return digits[:-1] + str(rng.randrange(10)) if rng.random() < 0.05 and len(digits) > 5 else digits

        (folder / f"student{k:03d}.md").write_text(re.sub(r"\d\.\d{3,}", nudge, text), encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="20 students")
    parser.add_argument("--keep", type=Path, help="write the class folder here and keep it")
    args = parser.parse_args(argv)
    students = 20 if args.quick else args.students
    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    start = time.perf_counter()
    import gradwork
    from gradwork.mark import mark_folder, work_files
    from gradwork.mark.marker import WorkMarker

    imported = time.perf_counter()
    solution = gradwork.load(PROBLEM).solve().solution
    solved = time.perf_counter()
    text, what = seed_document()
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        report = WorkMarker(solution).mark(text, "seed")
        times.append(time.perf_counter() - t0)
    say(f"document: {what}, {len(text.splitlines())} lines, {len(report.lines)} marked lines")
    say(f"start-up: import {imported - start:.3f} s, load+solve {solved - imported:.3f} s")
    say(f"mark one document: first {times[0]:.3f} s, best of 5 {min(times):.3f} s (target < 1 s)")
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False, encoding="utf-8") as handle:
        handle.write(text)
    try:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "gradwork.cli", "mark", str(PROBLEM), handle.name],
                       capture_output=True, env=env, check=False)
        say(f"CLI `gradwork mark` on it, wall time incl. start-up: {time.perf_counter() - t0:.3f} s")
    finally:
        os.unlink(handle.name)

    folder_context = tempfile.TemporaryDirectory() if args.keep is None else None
    folder = args.keep or Path(folder_context.name)  # type: ignore[union-attr]
    folder.mkdir(parents=True, exist_ok=True)
    class_folder(folder, students, random.Random(16))
    t0 = time.perf_counter()
    reports, gradebook = mark_folder(solution, work_files(folder))
    csv = gradebook.to_csv()
    elapsed = time.perf_counter() - t0
    wrong = sum(report.counts()["wrong"] for report in reports.values())
    say(f"folder: {students} documents marked and the gradebook built in {elapsed:.2f} s "
        f"({elapsed / students * 1000:.0f} ms each; target < 60 s); {wrong} wrong lines, "
        f"{len(csv.splitlines()) - 1} gradebook rows")
    if folder_context is not None:
        folder_context.cleanup()
    try:
        load = os.getloadavg()[0]
        say(f"load average while running: {load:.2f} (other processes share the cores)")
    except OSError:
        pass
    if not args.quick:
        (ROOT / "benchmarks" / "RESULTS-mark.md").write_text(
            "# gradwork mark: measured\n\n`python benchmarks/mark_bench.py` (CPU, see the load average):\n\n"
            + "\n".join(f"- {line}" for line in lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
