"""The self-marking corpus: 1,000 generated worked solutions marked back, rates by notation, style and mistake.

    .venv/bin/python benchmarks/mark_corpus_bench.py [--documents 1000] [--first 0] [--write] [--examples 0]

Each document (tests/mark/corpus) is a worked solution of a problem drawn from generate's templates (seed 000,
002, 003 7.1 and 004) or a random network (1-3 inputs, 1-2 hidden layers of 1-3 units, sigmoid / tanh / ReLU /
leaky ReLU / softplus / identity, half_sse / mse / sse / bce), written by a student with their own symbols
(layered w^(l)_ji, numbered w_1 ... w_n, or letters w/v, b/c, h/y), rounding (4 or 5 significant figures),
notation (heavy LaTeX, plain Unicode, ASCII, OCR-noisy LaTeX with broken numbers) and style (chain: local
derivatives and the chain rule per unit; delta: δ per unit; matrix: whole layers). One of check's mistake models
is planted at a random site (a quarter of the documents are left correct); the truth of every line follows from
check's replay of the solve with that mistake. Rates:

* recall: planted mistakes marked ✗ at their first line with their code (a bias never updated: missing with
  bias_not_updated);
* false flags: correct lines marked ✗ or →;
* not read: lines holding a result that mark could not read;
* full marks: correct documents with every point and no ✗;
* broken numbers: lines with an OCR-broken number (``0.5 939``) that say "not read".

``--write`` puts the tables in benchmarks/RESULTS-mark-corpus.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.mark.corpus.document import make_document  # noqa: E402
from tests.mark.corpus.score import Tally, score, summary, table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--first", type=int, default=0, help="first seed")
    parser.add_argument("--write", action="store_true", help="write benchmarks/RESULTS-mark-corpus.md")
    parser.add_argument("--examples", type=int, default=0, help="print this many misses")
    args = parser.parse_args()
    generated = marked = 0.0
    outcomes = []
    for seed in range(args.first, args.first + args.documents):
        start = time.perf_counter()
        document = make_document(seed)
        generated += time.perf_counter() - start
        start = time.perf_counter()
        outcomes.append(score(document))
        marked += time.perf_counter() - start
    result = summary(outcomes)
    total: Tally = result["total"]
    rates = total.rates()
    by_origin: dict[str, Tally] = defaultdict(Tally)
    for outcome in outcomes:
        by_origin[outcome.doc.origin.split(" ")[0]].add(outcome.tally)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        "# The self-marking corpus (benchmarks/mark_corpus_bench.py)",
        "",
        f"    python benchmarks/mark_corpus_bench.py --documents {args.documents} --first {args.first} --write",
        "",
        f"{args.documents} documents (seeds {args.first}-{args.first + args.documents - 1}); "
        f"{sum(bool(o.doc.planted) for o in outcomes)} with a planted mistake, "
        f"{total.correct_documents} correct. Python {platform.python_version()}, load {load}.",
        "",
        f"* **recall**: {total.found}/{total.planted} = {_pct(rates['recall'])} of planted mistakes found at their "
        f"line with their code (of them {total.as_specific} generic slips, a sign or a factor, that check "
        "diagnoses as the specific mistake giving the very same number, as it prefers)",
        f"* **false flags**: {total.flagged}/{total.correct_lines} = {_pct(rates['false_flags'], 2)} of correct "
        "lines marked ✗ or →",
        f"* **full marks**: {total.full_marks}/{total.correct_documents} correct documents",
        f"* **not read**: {total.unread}/{total.lines} = {_pct(rates['not_read'], 2)} of result lines",
        f"* lines after a mistake carried forward (→): {total.after_carried}/{total.after} = "
        f"{_pct(rates['carried'])}; OCR-broken numbers reported unread: {total.broken_reported}/{total.broken}",
        f"* errors (a document mark refused): {total.errors}",
        f"* time: generating {generated:.1f} s, marking {marked:.1f} s ({1000 * marked / len(outcomes):.0f} ms a "
        "document, start-up excluded)",
        "",
        "## By notation", "", table(result["notation"], "notation"), "",
        "## By style", "", table(result["style"], "style"), "",
        "## By planted mistake", "", table(result["code"], "mistake"), "",
        "## By problem", "", table(dict(by_origin), "problem"), "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.examples:
        misses = [p for o in outcomes for p in o.problems]
        print("\n".join(["", "## Misses", ""] + misses[:args.examples]))
    if args.write:
        (ROOT / "benchmarks" / "RESULTS-mark-corpus.md").write_text(text, encoding="utf-8")


def _pct(value: float | None, places: int = 1) -> str:
    return "-" if value is None else f"{100 * value:.{places}f} %"


if __name__ == "__main__":
    main()
