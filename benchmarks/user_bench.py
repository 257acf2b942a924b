"""The user-level figures of issue #26, each a whole command in its own process, timed in CPU and wall seconds.

    python benchmarks/user_bench.py            # 1,000 of each (several minutes)
    python benchmarks/user_bench.py --quick    # 100 of each

* check: 1,000 answers files for seed 002 marked and the gradebook built
  (benchmarks/check_bench.py; target: 2x faster than 3.1 s, i.e. <= 1.55 s);
* generate: 1,000 variants of the seed002 template with their keys (problem file,
  sheets, worked solution, answers file) built in memory (target <= 20 s);
* ``gradwork test TEMPLATE --count 1000`` for every bundled template (target <= 20 s each).

CPU time is the child process's user + system time (``os.wait4``), which
leaves out the time other processes held the cores: this machine is shared,
and wall time depends on the neighbours. The load average before and after is
written with the figures. Writes the table at the top of benchmarks/RESULTS-user.md; the sections
below it (from the first ``## `` heading) are kept.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TEMPLATES = sorted((ROOT / "examples" / "templates").glob("*.yaml"))
GENERATE = """
from gradwork.generate import draw, read_template
from gradwork.generate.write import variant_files
template = read_template({path!r})
for k in range({count}):
    variant_files(draw(template, 0, k))
"""


def timed(command: list[str]) -> tuple[float, float, int, str]:
    """(CPU seconds, wall seconds, exit status, what it printed) of ``command`` run to its end."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as printed:
        child = subprocess.Popen(command, cwd=ROOT, stdout=printed, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        printed.seek(0)
        output = printed.read()
    return usage.ru_utime + usage.ru_stime, time.perf_counter() - started, os.waitstatus_to_exitcode(status), output


def main(argv: list[str]) -> int:
    count = 100 if "--quick" in argv else 1000
    python = sys.executable
    gradwork = str(Path(python).with_name("gradwork"))
    load_before = os.getloadavg()
    rows: list[tuple[str, str, float, float, float, int]] = []
    notes: list[str] = []

    def run(what: str, command: list[str], target: float, shown: str, timed_part: str | None = None) -> None:
        cpu, wall, status, output = timed(command)
        if timed_part is not None:  # the command times its own part (check_bench: not writing the files)
            found = re.search(timed_part, output)
            if found:
                wall, cpu = float(found.group(1)), float(found.group(2))
        rows.append((what, shown, cpu, wall, target * count / 1000, status))
        print(f"{what}: {cpu:.2f} s CPU, {wall:.2f} s wall (exit {status})", flush=True)
        if status:
            notes.append(f"- `{shown}` exited {status}: " + " / ".join(output.strip().splitlines()[:4]))

    run(f"check: {count} answers files (seed 002)", [python, str(HERE / "check_bench.py"), "--students", str(count)],
        1.55, f"python benchmarks/check_bench.py --students {count}",
        r"in ([\d.]+) s wall, ([\d.]+) s CPU")
    seed002 = ROOT / "examples" / "templates" / "seed002_exam4a.yaml"
    script = GENERATE.format(path=str(seed002), count=count)
    run(f"generate: {count} seed002 variants with keys", [python, "-c", script], 20.0,
        f"draw + variant_files for k in 0..{count - 1} (seed 0)")
    for template in TEMPLATES:
        run(f"gradwork test {template.stem} --count {count}",
            [gradwork, "test", str(template), "--count", str(count)], 20.0,
            f"gradwork test examples/templates/{template.name} --count {count}")
    load_after = os.getloadavg()
    lines = ["# User-level figures (benchmarks/user_bench.py)", "",
             f"Each row is one command in its own process (start-up and imports included). Load average (1, 5, 15 min) "
             f"before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, after: {load_after[0]:.2f} "
             f"{load_after[1]:.2f} {load_after[2]:.2f} on {os.cpu_count()} cores. CPU time leaves out the time other "
             "processes held the cores; wall time does not.", "",
             "| what | command | CPU s | wall s | target (CPU) | met | exit |", "|---|---|---|---|---|---|---|"]
    for what, shown, cpu, wall, target, status in rows:
        lines.append(f"| {what} | `{shown}` | {cpu:.2f} | {wall:.2f} | <= {target:g} s | "
                     f"{'yes' if cpu <= target else 'no'} | {status} |")
    lines += ["", "The check row is check_bench's own timing (reading and marking the files, the gradebook; writing "
              "them first is not timed); every other row is the whole process. The target for check is half of "
              "the 3.1 s the issue measured."]
    if notes:
        lines += ["", "Commands that exited non-zero (`gradwork test` exits 1 when an expect case fails):", "", *notes]
    output = HERE / ("RESULTS-user-quick.md" if count != 1000 else "RESULTS-user.md")
    # The table replaces the previous one; the sections below it (each pass's A/B figures, from "## " on) stay.
    previous = output.read_text(encoding="utf-8") if output.exists() else ""
    kept = previous[previous.find("\n## ") + 1:] if "\n## " in previous else ""
    output.write_text("\n".join(lines) + "\n" + ("\n" + kept if kept else ""), encoding="utf-8")
    print(f"wrote {output}")
    return 0 if all(status == 0 for *_, status in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
