"""Whole-process start-up cost of the CLI: `gradwork --help` and a seed-size solve.

Targets (issue 4): --help under 0.3 s, a solve of the seed 002 example under
0.6 s on the 2-core CI machine. Run: `.venv/bin/python benchmarks/cli_bench.py`.
Prints a Markdown table; median of N runs after one warm-up (the OS file cache
is warm, as for a user who runs gradwork twice).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRADWORK = str(Path(sys.executable).parent / "gradwork")
CASES = {
    "gradwork --help": [GRADWORK, "--help"],
    "gradwork solve seed 002 (text)": [GRADWORK, "solve", "examples/seed002_exam4a_row.yaml"],
    "gradwork solve seed 002 (json)": [GRADWORK, "solve", "examples/seed002_exam4a_row.yaml", "--format", "json"],
}


def measure(command: list[str], runs: int) -> list[float]:
    subprocess.run(command, cwd=ROOT, capture_output=True)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, capture_output=True)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed: {result.stderr.decode()}")
    return times


def main(runs: int = 15) -> str:
    lines = ["| command | median s | min s | max s |", "|---|---|---|---|"]
    for label, command in CASES.items():
        times = measure(command, runs)
        lines.append(f"| {label} | {statistics.median(times):.3f} | {min(times):.3f} | {max(times):.3f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    table = main(5 if "--quick" in sys.argv else 15)
    load = " ".join(f"{x:.2f}" for x in __import__("os").getloadavg())
    (ROOT / "benchmarks" / "RESULTS-cli.md").write_text(
        "# CLI start-up (whole process)\n\nTargets: `--help` under 0.3 s, a seed-size solve under 0.6 s.\n"
        f"Load average while measuring: {load} (2-core machine).\n\n{table}\n", encoding="utf-8")
    print(table)
