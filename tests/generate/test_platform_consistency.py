"""One score everywhere: the same five submissions marked by check, PrairieLearn, Gradescope, Moodle and Canvas (QTI).

Each platform marks through what it runs: PrairieLearn through the exported server.py (its element code in
test_prairielearn_platform.py), Gradescope through the exported grade.py, Moodle and Canvas by reading the
exported XML back and marking each number as they do (a number within its tolerance earns its share). The
variant is the same everywhere: PrairieLearn's variant_seed S draws the numbers of ``--seed S`` variant 1.

PrairieLearn and Gradescope give exactly check's points. Moodle and Canvas mark each number on their own, so
they cannot carry a mistake forward: they give check's points to the key and to a blank, and their maximum is
check's, but a wrong derivative or a slip costs every number computed from it (the export says so).
"""

from __future__ import annotations

import importlib.util
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import yaml

from gradwork.check import Checker, parse_answers
from gradwork.generate import draw, read_template
from gradwork.generate.export import export
from gradwork.generate.write import Request, write_files
from tests.generate.platform_cases import CASES, submissions, value_of

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "examples" / "templates"
SEED = 5
NAMES = ["seed002_exam4a", "seed001_exercise3_skip"]
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _numbers(variant, answers):
    """The submission's numbers in the exports' order: item by item, each array's elements in row-major order."""
    out = []
    for item in variant.items:
        key_value = variant.answers["loss"] if item.section == "loss" else variant.answers[item.section][item.entry]
        shape = np.shape(key_value)
        given = value_of(answers, item.key)
        if given is None:
            out += [None] * int(np.prod(shape, dtype=int))
        else:
            out += [float(x) for x in np.asarray(given, dtype=float).reshape(-1)]
    return out


_CLOZE = re.compile(r"\{(\d+):NUMERICAL:((?:\\.|[^}])*)\}")


def moodle_points(xml_text, variant, answers):
    """Moodle's mark: each Cloze part earns the fraction of the first answer within its tolerance, weighted; the
    question's default grade scales the weighted sum."""
    root = ET.fromstring(xml_text)
    question = next(q for q in root.findall("question") if q.findtext("name/text") == variant.solution.title)
    grade = float(question.findtext("defaultgrade"))
    parts = []
    for weight, options in _CLOZE.findall(question.findtext("questiontext/text")):
        choices = []
        for option in re.split(r"(?<!\\)~", options):
            fraction, value, tolerance = re.match(r"%(-?\d+)%([^:]+):([^#]+)", option).groups()
            choices.append((int(fraction), float(value), float(tolerance)))
        parts.append((int(weight), choices))
    numbers = _numbers(variant, answers)
    assert len(parts) == len(numbers)
    earned = Fraction(0)
    for (weight, choices), given in zip(parts, numbers):
        if given is None:
            continue
        fraction = next((f for f, value, tol in choices if abs(given - value) <= tol), 0)
        earned += Fraction(weight) * Fraction(fraction, 100)
    return float(Fraction(grade).limit_denominator(10**6) * earned / sum(w for w, _ in parts)), grade


def qti_points(archive, variant, answers):
    """Canvas's mark: each numerical question earns its points_possible when the answer lies in its range."""
    zipped = zipfile.ZipFile(io.BytesIO(archive))
    documents = [ET.fromstring(zipped.read(name)) for name in zipped.namelist() if name != "imsmanifest.xml"]
    assessment = next(d.find(f"{QTI}assessment") for d in documents
                      if d.find(f"{QTI}assessment").get("title") == variant.solution.title)
    items = assessment.findall(f"{QTI}section/{QTI}item")
    numbers = _numbers(variant, answers)
    assert len(items) == len(numbers)
    earned = possible = Fraction(0)
    for item, given in zip(items, numbers):
        fields = {f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry")
                  for f in item.iter(f"{QTI}qtimetadatafield")}
        share = Fraction(fields["points_possible"])
        possible += share
        if given is None:
            continue
        low, high = float(item.findtext(f".//{QTI}vargte")), float(item.findtext(f".//{QTI}varlte"))
        if low <= given <= high or given == float(item.findtext(f".//{QTI}varequal")):
            earned += share
    return float(earned), float(possible)


@pytest.fixture(scope="module", params=NAMES)
def marked(request, tmp_path_factory):
    template = read_template(TEMPLATES / f"{request.param}.yaml")
    variants = [draw(template, SEED, 0)]
    req = Request(seed=SEED, count=1)
    folder = tmp_path_factory.mktemp(request.param)
    files = {}
    for platform in ("prairielearn", "moodle", "qti", "gradescope"):
        files[platform] = export(platform, template, req, variants)
    write_files(folder / "pl", {name: content for name, content in files["prairielearn"].items()
                                if name.startswith("questions/")})  # server.py imports this process's gradwork
    variant = variants[0]
    cases = {name: a for name, a in submissions(variant).items() if a is not None}

    # PrairieLearn: server.py draws variant_seed SEED, which is --seed SEED's first variant
    server = _load(folder / "pl" / "questions" / template.stem / "server.py", f"server_{request.param}")
    data = {"params": {}, "correct_answers": {}, "variant_seed": SEED}
    server.generate(data)
    drawn = json.loads(data["params"]["gradwork_problem"])
    assert drawn.pop("title").endswith("(variant pl)")
    assert drawn == json.loads(json.dumps({k: v for k, v in variant.data.items() if k != "title"}, default=float))

    # Gradescope: the exported grade.py on an unpacked /autograder
    grader_root = folder / "autograder"
    (grader_root / "source").mkdir(parents=True)
    zipfile.ZipFile(io.BytesIO(files["gradescope"]["gradescope.zip"])).extractall(grader_root / "source")
    (grader_root / "submission").mkdir()
    (grader_root / "submission_metadata.json").write_text(json.dumps({"users": [{"sid": "anyone"}]}))
    grader = _load(grader_root / "source" / "grade.py", f"grade_{request.param}")
    grader.ROOT = grader_root

    checker = Checker(variant.solution)
    table = {}
    for case, answers in cases.items():
        report = checker.check(parse_answers(answers, case), reveal=False)
        graded = {**data, "submitted_answers": {}, "raw_submitted_answers": {}, "partial_scores": {},
                  "feedback": {}, "format_errors": {}}
        for spec in data["params"]["gradwork_inputs"]:
            value = value_of(answers, spec["key"])
            graded["submitted_answers"][spec["name"]] = "" if value is None else (
                value if np.ndim(value) == 0 else {"_type": "ndarray", "_value": value, "_dtype": "float64"})
        server.grade(graded)
        pl = sum(p["score"] * p["weight"] for p in graded["partial_scores"].values())
        (grader_root / "submission" / "answers.yaml").write_text(yaml.safe_dump(answers))
        grader.main()
        gradescope = json.loads((grader_root / "results" / "results.json").read_text())
        table[case] = {
            "check": (report.points, report.max_points),
            "prairielearn": (pl, sum(p["weight"] for p in graded["partial_scores"].values())),
            "gradescope": (gradescope["score"], sum(t["max_score"] for t in gradescope["tests"])),
            "moodle": moodle_points(files["moodle"]["moodle.xml"], variant, answers),
            "qti": qti_points(files["qti"]["qti.zip"], variant, answers),
        }
    return request.param, table


def test_prairielearn_and_gradescope_give_checks_points(marked):
    _, table = marked
    for case, row in table.items():
        assert row["prairielearn"] == pytest.approx(row["check"]), case
        assert row["gradescope"] == pytest.approx(row["check"]), case


def test_moodle_and_canvas_give_checks_maximum_and_its_points_where_nothing_is_carried(marked):
    _, table = marked
    for case, row in table.items():
        for platform in ("moodle", "qti"):
            assert row[platform][1] == pytest.approx(row["check"][1]), (case, platform)
    for case in ("right", "blank"):
        for platform in ("moodle", "qti"):
            assert table[case][platform][0] == pytest.approx(table[case]["check"][0]), (case, platform)
    # what they cannot do: a number computed from an earlier wrong one is wrong there, never carried forward
    slip = table["carried_slip"]
    assert slip["moodle"][0] < slip["check"][0] and slip["qti"][0] < slip["check"][0]


def test_every_case_is_marked(marked):
    name, table = marked
    assert set(table) >= set(CASES) - ({"bias_not_updated"} if name.startswith("seed001") else set())
