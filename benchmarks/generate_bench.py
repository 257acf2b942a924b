"""Generating variants with keys: the time for 100 variants of each bundled template (target: under 5 s).

A variant "with its key" is everything `gradwork generate` writes for it: the
problem file, the student sheet in Markdown, LaTeX and HTML, the worked
solution and the answers file (``variant_files``), with every constraint of the
template checked while drawing. Files are built in memory (the disk is not
what is measured). Writes benchmarks/RESULTS-generate.md.

    python benchmarks/generate_bench.py              # 3 rounds per template
    python benchmarks/generate_bench.py --quick      # 1 round
    python benchmarks/generate_bench.py --quick --variants 1000 --check --output RESULTS-generate-1000.md
        # also: 1,000 variants per template solve without NaN/Inf and meet every constraint
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

from gradwork.generate import draw, read_template
from gradwork.generate.constraints import CONSTRAINTS
from gradwork.generate.write import variant_files

HERE = Path(__file__).resolve().parent
TEMPLATES = sorted((HERE.parent / "examples" / "templates").glob("*.yaml"))
TARGET = 5.0


def generate(template, count: int, seed: int) -> tuple[float, int]:
    start = time.perf_counter()
    tries = 0
    for k in range(count):
        variant = draw(template, seed, k)
        variant_files(variant)
        tries += variant.tries
    return time.perf_counter() - start, tries


def check(template, count: int, seed: int) -> tuple[int, int]:
    """(variants failing a check, NaN/Inf seen) over ``count`` variants."""
    bad = non_finite = 0
    for k in range(count):
        variant = draw(template, seed, k)
        s = variant.candidate.float
        finite = all(np.all(np.isfinite(np.asarray(v, dtype=float))) for section in (s.values, s.gradients, s.updated)
                     for v in section.values()) and np.isfinite(float(s.loss_value))
        non_finite += not finite
        if not finite or not all(CONSTRAINTS[name][1](variant.candidate) for name in template.constraints):
            bad += 1
    return bad, non_finite


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--variants", type=int, default=100)
    parser.add_argument("--check", action="store_true", help="also verify every variant (NaN/Inf, constraints)")
    parser.add_argument("--output", default="RESULTS-generate.md", help="results file, in benchmarks/")
    args = parser.parse_args()
    rounds = 1 if args.quick else 3
    load = os.getloadavg()[0]
    rows = []
    for path in TEMPLATES:
        template = read_template(path)
        times, tries = [], 0
        for r in range(rounds):
            elapsed, tries = generate(template, args.variants, seed=r)
            times.append(elapsed)
        median = statistics.median(times)
        row = [path.stem, f"{median:.2f} s", f"{min(times):.2f}-{max(times):.2f} s",
               f"{1000 * median / args.variants:.1f} ms", f"{tries / args.variants:.2f}",
               "yes" if median < TARGET * args.variants / 100 else "no"]
        if args.check:
            bad, non_finite = check(template, args.variants, seed=2026)
            row += [str(non_finite), str(bad)]
        rows.append(row)
        print(" | ".join(row), flush=True)
    head = ["template", f"{args.variants} variants with keys (median)", "range", "per variant",
            "candidates per variant", f"under {TARGET * args.variants / 100:g} s"]
    if args.check:
        head += ["NaN/Inf", "constraint failures"]
    lines = ["# Generating variants with keys", "",
             "Written by `benchmarks/generate_bench.py`. Each variant: drawn with its template's constraints checked, "
             "then its problem file, student sheet (Markdown, LaTeX, HTML), worked solution and answers file built "
             f"in memory. Median of {rounds} round(s) (seeds 0..{rounds - 1}). Load average (1 min) at the start: "
             f"{load:.2f} on {os.cpu_count()} cores.", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    if not args.check:  # the checked 1,000-variant run is its own file
        lines += ["", "1,000 variants per template, each verified (no NaN/Inf, every asked constraint holds): see",
                  "`RESULTS-generate-1000.md` (`--quick --variants 1000 --check --output RESULTS-generate-1000.md`)."]
    (HERE / args.output).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
