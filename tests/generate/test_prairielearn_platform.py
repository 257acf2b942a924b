"""Every bundled template's PrairieLearn export, run by PrairieLearn's own element code under Python 3.13.

The platform is ``../shared/platforms`` (an unmodified subset of PrairieLearn's source and its ``pl_lifecycle.py``):
the tests skip, saying why, where it or python3.13 is missing. The venv holds PrairieLearn's packages only
(``scripts/platform_env.py prairielearn``, built once per machine and cached outside the repository), never
gradwork: ``server.py`` imports gradwork from the export's ``serverFilesCourse/``. One run of
``pl_driver.py`` (module fixture) takes every question through generate -> prepare -> parse -> grade with every
submission; the tests read its results. Expected points are ``gradwork check``'s on the same answers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gradwork.check import Checker, parse_answers
from gradwork.generate import draw, read_template
from gradwork.generate.export import export
from gradwork.generate.prairielearn import dump_json
from gradwork.generate.write import Request, write_files
from gradwork.problem import load, solve
from gradwork.documents.sources import parse as parse_text
from tests.generate.platform_cases import CASES, pl_raw, submissions

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "platforms"
LIFECYCLE = SHARED / "pl_lifecycle.py"
TEMPLATES = sorted((ROOT / "examples" / "templates").glob("*.yaml"))
SEED = 11
GARBAGE = {"q1": "abc", "q2": "1,,2"}
HOSTILE_ON = "seed002_exam4a"  # every input of one question gets each hostile text (numbers, vectors, matrices)
HOSTILE = ["nan", "-inf", "inf", "1e999", "1e400", "-1e-400", "10**400", "9" * 400, "[1 2; 3]", "[[1, 2], [3]]",
           "{}", "[nan inf]", "1/0", "0x10", "1_000", "\u00a0", "\x00", "[" * 200, "é", "0.5 0.5", "True"]


TYPED = ("unicode_minus", "spaces", "scientific", "fraction", "vector_other_way")


def typed(raw: dict[str, str], style: str, specs: list[dict]) -> dict[str, str]:
    """The key as students type it otherwise: −0.5 pasted from the sheet, spaces, 5e-1, 1/3, a row as a column."""
    from fractions import Fraction

    out = {}
    for spec in specs:
        text = raw[spec["name"]]
        numbers = [float(x) for x in text.strip("[]").replace(";", " ").split()]
        def write(x: float, scalar: bool = not spec["shape"]) -> str:
            if style == "unicode_minus":
                return repr(x).replace("-", "\u2212")
            if style == "spaces":
                return f"  {x!r} "
            if style == "scientific":
                return f"{x:.15e}"
            if style == "fraction" and scalar:  # pl-matrix-input reads no fractions (a format error)
                f = Fraction(x).limit_denominator(10**6)
                return f"{f.numerator}/{f.denominator}" if abs(float(f) - x) < 1e-12 and f.denominator > 1 else repr(x)
            return repr(x)
        if not spec["shape"]:
            out[spec["name"]] = write(numbers[0])
        elif style == "vector_other_way" and len(spec["shape"]) == 1:
            out[spec["name"]] = "[" + ("; " if not spec.get("column") else " ").join(write(x) for x in numbers) + "]"
        else:
            rows = text.strip("[]").split(";")
            out[spec["name"]] = "[" + "; ".join(" ".join(write(float(x)) for x in row.split()) for row in rows) + "]"
    return out


def _platform_python() -> Path:
    if not LIFECYCLE.exists():
        pytest.skip(f"PrairieLearn's code is not here ({SHARED} is absent)")
    found = subprocess.run([sys.executable, str(ROOT / "scripts" / "platform_env.py"), "prairielearn"],
                           capture_output=True, text=True, timeout=1800)
    if found.returncode != 0:
        pytest.skip(f"no PrairieLearn Python: {found.stderr.strip()[-400:]}")
    return Path(found.stdout.strip())


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    python = _platform_python()
    course = tmp_path_factory.mktemp("course")
    questions, expected = [], {}
    for path in TEMPLATES:
        template = read_template(path)
        variants = [draw(template, 0, k) for k in range(2)]
        files = export("prairielearn", template, Request(0, 2), variants)
        write_files(course, files, shared=("serverFilesCourse/",))
        folder = course / "questions" / template.stem
        shipped = read_template(folder / "template.json", checked=True)
        variant = draw(shipped, SEED, 0, "pl")  # what PrairieLearn's generate will draw for variant_seed SEED
        from gradwork.generate.prairielearn import inputs

        specs = inputs(variant)
        column = getattr(variant.solution, "convention", None) == "column"
        for spec in specs:
            spec["column"] = column
        cases = {name: answers for name, answers in submissions(variant).items() if answers is not None}
        raws: dict[str, object] = {"key": "correct", **{name: pl_raw(a, specs) for name, a in cases.items()},
                                   "garbage": {**pl_raw(cases["right"], specs), **GARBAGE}}
        for style in TYPED:
            raws[f"typed_{style}"] = typed(pl_raw(cases["right"], specs), style, specs)
        for n, text in enumerate(HOSTILE if template.stem == HOSTILE_ON else ()):
            raws[f"hostile{n}"] = {**pl_raw(cases["right"], specs), **{spec["name"]: text for spec in specs}}
        questions.append({"dir": str(folder), "seed": SEED, "submissions": raws})
        expected[template.stem] = (variant, specs, cases)
    job = json.dumps({"lifecycle": str(LIFECYCLE), "course": str(course), "questions": questions})
    done = subprocess.run([str(python), str(Path(__file__).with_name("pl_driver.py"))], input=job,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    output = json.loads(done.stdout)
    results = {path.stem: result for path, result in zip(TEMPLATES, output["results"])}
    return {"output": output, "results": results, "expected": expected, "course": course}


def test_gradwork_runs_from_server_files_course_with_prairielearns_packages_only(run):
    output = run["output"]
    assert Path(output["gradwork"]).is_relative_to(run["course"] / "serverFilesCourse")
    assert not {"pydantic", "pydantic_core", "yaml", "typer", "click", "latex2mathml"} & set(output["modules"])


@pytest.mark.parametrize("name", [p.stem for p in TEMPLATES])
def test_the_key_scores_one_and_no_element_raises(run, name):
    result = run["results"][name]
    variant, specs, _ = run["expected"][name]
    assert result["params"]["gradwork_problem"] == dump_json(variant.data)  # the variant drawn inside PrairieLearn
    key = result["submissions"]["key"]
    assert key["element_errors"] == [] and key["format_errors"] == {}
    assert key["score"] == 1.0 and key["pl_score"] == 1.0
    assert all(score["score"] == 1.0 for score in key["partial_scores"].values())
    html = (run["course"] / "questions" / name / "question.html").read_text()
    for spec in specs:  # one element per asked item, labelled with the problem's own symbol
        element = "pl-number-input" if not spec["shape"] else "pl-matrix-input"
        assert f'<{element} answers-name="{spec["name"]}" label="{{{{params.label_{spec["name"]}}}}}"' in html
        assert result["params"][f"label_{spec['name']}"].startswith("$")


@pytest.mark.parametrize("name", [p.stem for p in TEMPLATES])
def test_every_submission_gets_the_points_check_gives(run, name):
    result = run["results"][name]
    variant, specs, cases = run["expected"][name]
    solution = solve(load(parse_text(result["params"]["gradwork_problem"], "json", "variant.json"), checked=True))
    checker = Checker(solution)
    for case in CASES:
        if case not in cases:
            continue
        got = result["submissions"][case]
        assert got["element_errors"] == [] and got["format_errors"] == {}, case
        report = checker.check(parse_answers(cases[case], case), reveal=False)
        by_key = {item.key: item for item in report.items}
        for spec in specs:
            item = by_key[spec["key"]]
            partial = got["partial_scores"][spec["name"]]
            assert partial["weight"] == pytest.approx(item.max_points), (case, spec["key"])
            assert partial["score"] * partial["weight"] == pytest.approx(item.points), (case, spec["key"])
            assert partial["feedback"] == item.message, (case, spec["key"])
            if item.diagnosis:
                assert all(code in got["feedback"]["gradwork"] for code in item.diagnosis)
        assert got["score"] == pytest.approx(report.points / report.max_points), case
        assert got["pl_score"] == pytest.approx(got["score"]), case
    # the cases mark as a teacher expects: a slip costs its own item and nothing after it
    slip = result["submissions"]["carried_slip"]["partial_scores"]
    scores = [slip[spec["name"]]["score"] for spec in specs]
    assert scores.count(0.0) == 1 and 0 < result["submissions"]["carried_slip"]["score"] < 1
    assert result["submissions"]["blank"]["score"] == 0.0
    assert "carried forward" in result["submissions"]["carried_slip"]["feedback"]["gradwork"]


@pytest.mark.parametrize("name", [p.stem for p in TEMPLATES])
def test_the_key_typed_as_students_type_it_scores_one(run, name):
    for style in TYPED:
        got = run["results"][name]["submissions"][f"typed_{style}"]
        assert got["element_errors"] == [] and got["format_errors"] == {}, style
        assert got["pl_score"] == pytest.approx(1.0), (style, got["partial_scores"])


@pytest.mark.parametrize("name", [p.stem for p in TEMPLATES])
def test_garbage_and_hostile_text_are_format_errors_or_wrong_marks_never_element_errors(run, name):
    result = run["results"][name]
    garbage = result["submissions"]["garbage"]
    assert garbage["element_errors"] == []
    assert set(GARBAGE) <= set(garbage["format_errors"])
    for n, text in enumerate(HOSTILE if name == HOSTILE_ON else ()):
        got = result["submissions"][f"hostile{n}"]
        assert got["element_errors"] == [], (text, got["element_errors"])
        if not got["format_errors"]:  # read by the elements: then marked, finite, with a message where wrong
            assert 0.0 <= got["score"] <= 1.0 and np.isfinite(got["pl_score"]), text
            for partial in got["partial_scores"].values():
                assert partial["score"] == 1.0 or partial.get("feedback"), text
