"""Run every benchmark (benchmarks/*_bench.py), one after another, each in its own process.

``make bench`` calls this. Extra arguments (``--quick``) are passed to every
script. Each script writes its own results file (train_bench.py: RESULTS.md).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    failed = []
    for script in sorted(here.glob("*_bench.py")):
        print(f"== {script.name}", flush=True)
        if subprocess.run([sys.executable, str(script), *argv]).returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
