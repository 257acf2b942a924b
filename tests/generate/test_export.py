"""Each platform export, checked offline against the platform's published format."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from gradwork.generate import draw, read_template
from gradwork.generate.export import export, input_name
from gradwork.generate.write import Request, write_files

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "examples" / "templates"
SCHEMA = Path(__file__).parent / "schemas" / "prairielearn" / "infoQuestion.json"


def _exported(platform, name="seed002_exam4a.yaml", count=2, students=()):
    template = read_template(TEMPLATES / name)
    request = Request(seed=8, count=count, students=students)
    keys = request.keys()
    variants = [draw(template, request.seed, key, vid) for key, vid in keys]
    return template, variants, export(platform, template, request, variants)


def _scalars(variant):
    for item in variant.items:
        data = variant.answers
        value = data["loss"] if item.section == "loss" else data[item.section][item.entry]
        array = np.asarray(value, dtype=float)
        for index in np.ndindex(*array.shape):
            yield item, index, float(array[index])


# ---------------------------------------------------------------- PrairieLearn
class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def _pl_folder(tmp_path, name="seed002_exam4a.yaml"):
    template, variants, files = _exported("prairielearn", name)
    write_files(tmp_path, files)
    return template, variants, tmp_path / template.stem


def _server(folder):
    spec = importlib.util.spec_from_file_location(f"pl_server_{id(folder)}", folder / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_prairielearn_info_json_is_valid_against_prairielearns_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    _, _, folder = _pl_folder(tmp_path)
    schema = json.loads(SCHEMA.read_text())
    info = json.loads((folder / "info.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(info)
    with pytest.raises(jsonschema.ValidationError):  # the schema really constrains: a wrong type is refused
        jsonschema.Draft7Validator(schema).validate({**info, "type": "Essay"})


def test_prairielearn_question_html_has_an_input_per_asked_item(tmp_path):
    _, variants, folder = _pl_folder(tmp_path)
    parser = _Elements()
    parser.feed((folder / "question.html").read_text())
    inputs = [(tag, attrs["answers-name"]) for tag, attrs in parser.found if tag in ("pl-number-input",
                                                                                     "pl-matrix-input")]
    expected = [("pl-number-input" if np.ndim(v) == 0 else "pl-matrix-input", input_name(item))
                for item, v in ((item, variants[0].answers["loss"] if item.section == "loss" else
                                 variants[0].answers[item.section][item.entry]) for item in variants[0].items)]
    assert inputs == expected
    assert all(attrs.get("comparison") == "sigfig" and attrs.get("digits") == "3"
               for tag, attrs in parser.found if tag.startswith("pl-") and tag.endswith("-input"))


def test_prairielearn_server_generates_and_grades_as_prairielearn_calls_it(tmp_path):
    _, _, folder = _pl_folder(tmp_path)
    server = _server(folder)
    data = {"params": {}, "correct_answers": {}, "variant_seed": 1234567, "options": {}}
    server.generate(data)
    again = {"params": {}, "correct_answers": {}, "variant_seed": 1234567, "options": {}}
    server.generate(again)
    assert again == data  # the same variant_seed, the same variant
    other = {"params": {}, "correct_answers": {}, "variant_seed": 7654321, "options": {}}
    server.generate(other)
    assert other["params"]["gradwork_problem"] != data["params"]["gradwork_problem"]
    assert "<math" in data["params"]["statement"] and set(data["correct_answers"]) == {
        input_name(key) for key in data["params"]["gradwork_items"]}
    json.dumps(data)  # PrairieLearn stores data as JSON

    right = {**data, "submitted_answers": dict(data["correct_answers"]), "partial_scores": {}, "feedback": {}}
    server.grade(right)
    assert right["score"] == 1.0
    assert all(score["score"] == 1.0 for score in right["partial_scores"].values())

    # A student who writes log10's loss: the loss is wrong and diagnosed; what follows from it is credited.
    submitted = dict(data["correct_answers"])
    loss = submitted["loss"]
    submitted["loss"] = loss / np.log(10)
    wrong = {**data, "submitted_answers": submitted, "partial_scores": {}, "feedback": {}}
    server.grade(wrong)
    assert wrong["partial_scores"]["loss"]["score"] == 0.0
    assert "log10" in wrong["partial_scores"]["loss"]["feedback"]
    assert "log_base_10" in wrong["feedback"]["gradwork"]
    assert 0 < wrong["score"] < 1

    # Carried forward: output.a written wrong, and the gradient computed from that wrong number is credited.
    problem = data["params"]["gradwork_problem"]
    from gradwork.problem import load, solve

    solution = solve(load(problem))
    a = float(solution.values["output.a"]) + 0.05
    t = float(np.asarray(solution.target.data, dtype=float).reshape(-1)[0])
    carried = dict(data["correct_answers"])
    carried["values_output_a"] = a
    carried["gradients_output_b"] = a - t  # dL/dz = a - t for sigmoid + BCE, from the student's own a
    forward = {**data, "submitted_answers": carried, "partial_scores": {}, "feedback": {}}
    server.grade(forward)
    assert forward["partial_scores"]["values_output_a"]["score"] == 0.0
    assert forward["partial_scores"]["gradients_output_b"]["score"] == 1.0
    assert "carried forward" in forward["feedback"]["gradwork"]


def test_prairielearn_grade_treats_a_blank_input_as_missing(tmp_path):
    _, _, folder = _pl_folder(tmp_path)
    server = _server(folder)
    data = {"params": {}, "correct_answers": {}, "variant_seed": 5, "options": {}}
    server.generate(data)
    submitted = dict(data["correct_answers"])
    submitted["loss"] = None
    graded = {**data, "submitted_answers": submitted, "partial_scores": {}, "feedback": {}}
    server.grade(graded)
    assert graded["partial_scores"]["loss"]["score"] == 0.0 and graded["score"] < 1


# ---------------------------------------------------------------- Moodle XML
_CLOZE = re.compile(r"\{(\d+):(NUMERICAL|NM):((?:\\.|[^}])*)\}")


def _cloze_answers(body):
    """Moodle's Cloze syntax: {weight:NUMERICAL:%f%value:tolerance#feedback~...}, \\-escapes in feedback."""
    for weight, _, answers in _CLOZE.findall(body):
        options = []
        for option in re.split(r"(?<!\\)~", answers):
            fraction, rest = re.fullmatch(r"(?:%(-?\d+)%|=)?(.*)", option, re.S).groups()
            answer, _, feedback = re.split(r"(?<!\\)(#)", rest, maxsplit=1) if "#" in rest else (rest, "", "")
            value, tolerance = answer.split(":")
            options.append((int(fraction or 100), float(value), float(tolerance), feedback))
        yield int(weight), options


def test_moodle_xml_reads_back_as_moodle_questions():
    template, variants, files = _exported("moodle", count=3)
    root = ET.fromstring(files["moodle.xml"])
    assert root.tag == "quiz"
    questions = root.findall("question")
    assert questions[0].get("type") == "category"
    assert questions[0].find("category/text").text.startswith("$course$/top/gradwork/")
    assert len(questions) == 1 + len(variants)
    for question, variant in zip(questions[1:], variants):
        assert question.get("type") == "cloze"
        assert question.find("name/text").text == variant.solution.title
        assert question.find("questiontext").get("format") == "html"
        body = question.find("questiontext/text").text
        parsed = list(_cloze_answers(body))
        expected = list(_scalars(variant))
        assert len(parsed) == len(expected)
        for (_weight, options), (_item, _index, value) in zip(parsed, expected):
            right = [o for o in options if o[0] == 100]
            assert len(right) == 1 and abs(right[0][1] - value) <= 1e-12 * max(1, abs(value))
            assert right[0][2] > 0  # a tolerance, from the marking policy
            for fraction, wrong, _, feedback in options:
                if fraction == 0:  # per-item feedback names the mistake
                    assert abs(wrong - value) > right[0][2] and feedback
        assert float(question.find("defaultgrade").text) == len(expected)
        assert "seed 8" in question.find("generalfeedback/text").text


def test_moodle_single_number_is_a_numerical_question():
    text = (TEMPLATES / "seed003_7_2_graph.yaml").read_text().replace(
        "ask: [values.e, values.f, values.z, loss, gradients.z, gradients.e, gradients.f, gradients.a, gradients.b,\n"
        "      gradients.c, gradients.d]", "ask: [loss]").replace("mode: exact\n", "")
    template = read_template(text)
    request = Request(seed=1, count=2)
    variants = [draw(template, 1, k) for k in range(2)]
    root = ET.fromstring(export("moodle", template, request, variants)["moodle.xml"])
    for question, variant in zip(root.findall("question")[1:], variants):
        assert question.get("type") == "numerical"
        answers = question.findall("answer")
        assert answers[0].get("fraction") == "100"
        assert float(answers[0].find("text").text) == pytest.approx(float(variant.solution.loss_value))
        assert float(answers[0].find("tolerance").text) > 0


# ---------------------------------------------------------------- Canvas / QTI 1.2
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"


def test_qti_zip_has_a_manifest_and_numeric_questions_with_tolerance():
    _, variants, files = _exported("qti", count=2)
    archive = zipfile.ZipFile(io.BytesIO(files["qti.zip"]))
    assert archive.testzip() is None
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    resources = manifest.findall(f"{CP}resources/{CP}resource")
    assert len(resources) == len(variants)
    for resource, variant in zip(resources, variants):
        assert resource.get("type") == "imsqti_xmlv1p2"
        href = resource.find(f"{CP}file").get("href")
        assessment = ET.fromstring(archive.read(href)).find(f"{QTI}assessment")
        assert assessment.get("title") == variant.solution.title
        items = assessment.findall(f"{QTI}section/{QTI}item")
        expected = list(_scalars(variant))
        assert len(items) == len(expected)
        for item, (_, _, value) in zip(items, expected):
            fields = {f.find(f"{QTI}fieldlabel").text: f.find(f"{QTI}fieldentry").text
                      for f in item.iter(f"{QTI}qtimetadatafield")}
            assert fields["question_type"] == "numerical_question"
            assert item.find(f"{QTI}presentation/{QTI}response_str/{QTI}render_fib").get("fibtype") == "Decimal"
            condition = item.find(f"{QTI}resprocessing/{QTI}respcondition/{QTI}conditionvar")
            low = float(condition.find(f".//{QTI}vargte").text)
            high = float(condition.find(f".//{QTI}varlte").text)
            assert float(condition.find(f".//{QTI}varequal").text) == value
            assert low < value < high
    # the same seed, the same bytes
    assert _exported("qti", count=2)[2]["qti.zip"] == files["qti.zip"]


# ---------------------------------------------------------------- Gradescope
def _autograder(tmp_path, files):
    root = tmp_path / "autograder"
    source = root / "source"
    source.mkdir(parents=True)
    zipfile.ZipFile(io.BytesIO(files["gradescope.zip"])).extractall(source)
    (root / "submission").mkdir()
    return root


def _run(root):
    env = {**os.environ, "GRADWORK_AUTOGRADER_ROOT": str(root),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_gradescope_autograder_marks_each_student_against_their_variant(tmp_path):
    import yaml

    template, variants, files = _exported("gradescope", students=("s001", "s002"))
    archive = zipfile.ZipFile(io.BytesIO(files["gradescope.zip"]))
    assert {"setup.sh", "run_autograder", "grade.py", "variants.json"} <= set(archive.namelist())
    assert archive.getinfo("run_autograder").external_attr >> 16 & 0o111
    root = _autograder(tmp_path, files)
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"sid": "s002", "email": "x@y"}]}))
    (root / "submission" / "answers.yaml").write_text(yaml.safe_dump(variants[1].answers))
    results = _run(root)
    assert results["score"] == results["max_score"] == len(variants[1].items)
    assert all(test["status"] == "passed" and test["max_score"] == 1.0 for test in results["tests"])
    assert {test["name"] for test in results["tests"]} == {item.key for item in variants[1].items}

    # s001's key is wrong for s002: marked against s002's own variant, not full marks
    (root / "submission" / "answers.yaml").write_text(yaml.safe_dump(variants[0].answers))
    assert _run(root)["score"] < len(variants[1].items)

    # a planted mistake reaches the student as a diagnosis
    _, planted = variants[1].candidate.planter.plant("bias_not_updated")
    (root / "submission" / "answers.yaml").write_text(yaml.safe_dump(planted))
    results = _run(root)
    failed = [test for test in results["tests"] if test["status"] == "failed"]
    assert failed and any("bias_not_updated" in test["output"] for test in failed)


def test_gradescope_unreadable_or_unknown_submissions_get_a_message(tmp_path):
    _, _, files = _exported("gradescope", students=("s001", "s002"))
    root = _autograder(tmp_path, files)
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"sid": "s999"}]}))
    (root / "submission" / "answers.yaml").write_text("loss: 1\n")
    results = _run(root)
    assert results["score"] == 0.0 and "No exercise variant" in results["output"]
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"sid": "s001"}]}))
    (root / "submission" / "answers.yaml").write_text("loss: [1\n")
    results = _run(root)
    assert results["score"] == 0.0 and results["output"].startswith("Your answers file could not be read: ")
