"""Coverage-guided fuzzing of every reader with atheris: ``make fuzz`` (not part of `make test` or CI).

Each input is tried as a problem file (YAML, TOML and JSON), an answers file
(read, then checked against seed 002 as a class's file is), a training config,
a formula, a worked solution (marked against seed 002, every renderer run) and,
when it is JSON, a PrairieLearn submission to the exported grader. The contract
is the command line's: accept, or raise the project's error type (the grader:
never raise). Anything else is a crash that atheris reports with the input
that caused it (saved as crash-*).

    python tests/fuzz/atheris_harness.py CORPUS_DIR -max_total_time=300

The corpus starts from examples/ and the worked solutions of tests/mark/fixtures/ (the Makefile copies them
to .fuzz-corpus/).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["gradwork"]):
    from gradwork.check import AnswersError, check_answers, read_answers
    from gradwork.documents import limits
    from gradwork.generate import prairielearn
    from gradwork.mark import WorkError, mark_work
    from gradwork.mark.render import render_html, render_json, render_markdown, render_text
    from gradwork.problem import ProblemError, load
    from gradwork.problem.expressions import ExpressionError, bounded_formula, parse_expression
    from gradwork.train import ConfigError, load_config

# Small limits: an accepted input is also solved, and must be solved quickly.
SMALL = {"steps": 5, "elements": 2_000, "list_length": 500, "values": 20_000, "file_size": 50_000}
CONFIG = Path(tempfile.mkdtemp(prefix="gradwork-fuzz-")) / "config.yaml"
ROOT = Path(__file__).resolve().parents[2]
SEED002 = load(ROOT / "examples" / "seed002_exam4a_row.yaml").solve()
PL_DATA = {"params": {}, "correct_answers": {}, "variant_seed": 1, "options": {}}
prairielearn.generate(PL_DATA, ROOT / "examples" / "templates" / "seed002_exam4a.yaml")


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
            check_answers(SEED002, read_answers("answers.yaml", text=text))
        except AnswersError:
            pass
        try:
            report = mark_work(SEED002, text, "work.md")
            render_json(report), render_text(report), render_markdown(report, text), render_html(report, text)
        except WorkError:
            pass
        try:
            submitted = json.loads(text)
        except (ValueError, RecursionError):
            submitted = None
        if isinstance(submitted, dict):
            case = {**json.loads(json.dumps(PL_DATA)), "submitted_answers": submitted, "partial_scores": {},
                    "feedback": {}}
            prairielearn.grade(case)
            assert 0.0 <= case["score"] <= 1.0
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
