"""Coverage-guided fuzzing of every reader with atheris: ``make fuzz`` (not part of `make test` or CI).

Each input is tried as a problem file (YAML, TOML and JSON), an answers file,
a training config and a formula. The contract is the command line's: accept,
or raise the project's error type. Anything else is a crash that atheris
reports with the input that caused it (saved as crash-*).

    python tests/fuzz/atheris_harness.py CORPUS_DIR -max_total_time=300

The corpus starts from examples/ (the Makefile copies it to .fuzz-corpus/).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["gradwork"]):
    from gradwork.check import AnswersError, read_answers
    from gradwork.documents import limits
    from gradwork.problem import ProblemError, load
    from gradwork.problem.expressions import ExpressionError, bounded_formula, parse_expression
    from gradwork.train import ConfigError, load_config

# Small limits: an accepted input is also solved, and must be solved quickly.
SMALL = {"steps": 5, "elements": 2_000, "list_length": 500, "values": 20_000, "file_size": 50_000}
CONFIG = Path(tempfile.mkdtemp(prefix="gradwork-fuzz-")) / "config.yaml"


def test_one_input(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return  # the readers get text; bytes that are not UTF-8 are refused before (tested elsewhere)
    with limits.using(**SMALL):
        for form in ("yaml", "toml", "json"):
            try:
                load(text if "\n" in text or text.lstrip().startswith("{") else text + "\n", format=form).solve()
            except ProblemError:
                pass
        try:
            read_answers("answers.yaml", text=text)
        except AnswersError:
            pass
        CONFIG.write_text(text, encoding="utf-8")
        try:
            load_config(CONFIG)
        except ConfigError:
            pass
        if len(text) < 500:
            for parse in (parse_expression, bounded_formula):
                try:
                    parse(text)
                except ExpressionError:
                    pass


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
