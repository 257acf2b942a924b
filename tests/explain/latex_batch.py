"""Compile many rendered LaTeX documents in one pdflatex run (tests only).

Every document gradwork renders has the same preamble, and pdflatex's start-up (loading the format and the
packages) is most of the cost of a small document. So the bodies go into one document, each preceded by a
marker written to the log, and each document's share of the log is what follows its marker. A document that
breaks the batch is compiled on its own, so its failure is reported against it alone. Preambles that differ only
in amsmath's MaxMatrixCols (each document asks for its widest matrix) share the batch at the largest: the limit
sets nothing, it only lets a wider matrix through (``widen=False`` batches only documents whose preambles are the
same as written). ``draft=False`` writes the PDF (pdflatex reads the fonts' files only then).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

BEGIN = r"\begin{document}"
END = r"\end{document}"
MARK = "@@gradwork-batch-document "
COLUMNS = re.compile(r"\\setcounter\{MaxMatrixCols\}\{(\d+)\}")


@dataclass(frozen=True)
class Compiled:
    """One document's outcome: pdflatex's return code, its part of the log, the whole run's log (where the
    end-of-run notes such as "Rerun" are) and the tail of pdflatex's output."""

    returncode: int
    log: str
    run_log: str
    output: str


def _run(tex: str, directory: Path, draft: bool = True) -> tuple[int, str, str]:
    (directory / "doc.tex").write_text(tex, encoding="utf-8")
    result = subprocess.run(["pdflatex", *(["-draftmode"] if draft else []), "-halt-on-error",
                             "-interaction=nonstopmode", "-no-shell-escape", "doc.tex"], cwd=directory,
                            capture_output=True, text=True, timeout=600)
    log_path = directory / "doc.log"
    log = log_path.read_text(encoding="latin-1") if log_path.exists() else ""
    return result.returncode, log, result.stdout[-3000:]


def _with_columns(tex: str, columns: int) -> str:
    """``tex`` with its preamble's MaxMatrixCols set to ``columns``."""
    preamble, begin, rest = tex.partition(BEGIN)
    return COLUMNS.sub(rf"\\setcounter{{MaxMatrixCols}}{{{columns}}}", preamble, count=1) + begin + rest


def compile_each(documents: dict[str, str], directory: Path, *, draft: bool = True,
                 widen: bool = True) -> dict[str, Compiled]:
    """Compile every document (name -> full LaTeX source); one pdflatex run when they share a preamble."""
    widest = max((int(match.group(1)) for tex in documents.values()
                  for match in COLUMNS.finditer(tex.partition(BEGIN)[0])), default=0)
    batched = {name: _with_columns(tex, widest) if widen else tex for name, tex in documents.items()}
    preambles = {tex.split(BEGIN, 1)[0] for tex in batched.values()}
    if len(preambles) == 1 and all(tex.count(BEGIN) == 1 and tex.rstrip().endswith(END)
                                   for tex in batched.values()):
        bodies = []
        for name, tex in batched.items():
            body = tex.split(BEGIN, 1)[1].rstrip().removesuffix(END)
            bodies.append(f"\\typeout{{{MARK}{name}}}\n{body}\n\\clearpage\n")
        code, log, output = _run(preambles.pop() + BEGIN + "\n" + "".join(bodies) + END + "\n", directory, draft)
        if code == 0:
            parts = log.split(MARK)
            shares = {part.split("\n", 1)[0].strip(): part for part in parts[1:]}
            if set(shares) == set(documents):
                return {name: Compiled(0, share, log, output) for name, share in shares.items()}
    results = {}
    for index, (name, tex) in enumerate(documents.items()):  # a document broke the batch: each alone
        own = directory / f"single{index}"
        own.mkdir(exist_ok=True)
        code, log, output = _run(tex, own, draft)
        results[name] = Compiled(code, log, log, output)
    return results
