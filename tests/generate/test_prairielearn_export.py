"""The PrairieLearn export, offline: its files, its UUID, what server.py imports, and a grader that never raises.

PrairieLearn's own element code runs the export in test_prairielearn_platform.py (when ../shared is here);
these tests need nothing but gradwork.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradwork.generate import draw, read_template
from gradwork.generate.export import export
from gradwork.generate.prairielearn import question_uuid, read_submitted
from gradwork.generate.write import Request, write_files
from gradwork.problem import ProblemError, load, solve
from gradwork.documents.sources import parse as parse_text

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "examples" / "templates"
SCHEMA = Path(__file__).parent / "schemas" / "prairielearn" / "infoQuestion.json"


def _course(tmp_path, name="seed002_exam4a.yaml", text=None):
    template = read_template(text if text is not None else TEMPLATES / name)
    variants = [draw(template, 8, k) for k in range(2)]
    files = export("prairielearn", template, Request(8, 2), variants)
    write_files(tmp_path, files, shared=("serverFilesCourse/",))
    return template, variants, tmp_path / "questions" / template.stem


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """seed002_exam4a exported once for the tests that only read the course: (template, variants, question folder)."""
    return _course(tmp_path_factory.mktemp("course"))


def _server(folder):
    spec = importlib.util.spec_from_file_location(f"pl_server_{id(folder)}", folder / "server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def test_the_course_holds_the_question_and_gradworks_own_source(course):
    template, _, folder = course
    assert sorted(p.name for p in folder.iterdir()) == ["info.json", "question.html", "server.py", "template.json"]
    shipped = folder.parent.parent / "serverFilesCourse" / "gradwork"
    import gradwork

    source = Path(gradwork.__file__).parent
    assert (shipped / "generate" / "prairielearn.py").read_bytes() == (source / "generate" /
                                                                       "prairielearn.py").read_bytes()
    assert not list(shipped.rglob("__pycache__"))
    # the template ships as JSON, numbers exactly as written, without its author tests
    data = json.loads((folder / "template.json").read_text())
    assert "expect" not in data and data["constraints"] == list(template.constraints)
    assert read_template(folder / "template.json", checked=True).specs == template.specs


def test_info_json_is_valid_against_prairielearns_schema(course):
    jsonschema = pytest.importorskip("jsonschema")
    _, _, folder = course
    schema = json.loads(SCHEMA.read_text())
    info = json.loads((folder / "info.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(info)
    with pytest.raises(jsonschema.ValidationError):  # the schema really constrains: a wrong type is refused
        jsonschema.Draft7Validator(schema).validate({**info, "type": "Essay"})


def test_the_uuid_survives_edits_and_differs_between_templates(tmp_path):
    text = (TEMPLATES / "seed002_exam4a.yaml").read_text()
    path = tmp_path / "exam.yaml"
    path.write_text(text)
    before = question_uuid(read_template(path))
    path.write_text(text.replace("title:", "# edited\ntitle:").replace("low: -2, high: 2", "low: -3, high: 3"))
    assert question_uuid(read_template(path)) == before  # an edited question keeps its UUID
    uuids = {question_uuid(read_template(p)) for p in TEMPLATES.glob("*.yaml")}
    assert len(uuids) == len(list(TEMPLATES.glob("*.yaml"))) and before not in uuids
    path.write_text("uuid: 0f8fad5b-d9cb-469f-a165-70867728950e\n" + text)
    assert question_uuid(read_template(path)) == "0f8fad5b-d9cb-469f-a165-70867728950e"
    assert "uuid" not in draw(read_template(path), 1, 0).data  # a template key: never in a variant
    path.write_text("uuid: not-a-uuid\n" + text)
    with pytest.raises(ProblemError, match=r"exam.yaml:1:7: uuid 'not-a-uuid' is not a UUID"):
        read_template(path)


def test_question_html_has_one_element_per_asked_item_labelled_with_params(course):
    _, variants, folder = course
    parser = _Elements()
    parser.feed((folder / "question.html").read_text())
    found = [(tag, attrs) for tag, attrs in parser.found if tag in ("pl-number-input", "pl-matrix-input")]
    assert len(found) == len(variants[0].items)
    for number, ((tag, attrs), item) in enumerate(zip(found, variants[0].items), start=1):
        value = variants[0].answers["loss"] if item.section == "loss" else \
            variants[0].answers[item.section][item.entry]
        assert tag == ("pl-number-input" if np.ndim(value) == 0 else "pl-matrix-input")
        assert attrs["answers-name"] == f"q{number}" and attrs["label"] == f"{{{{params.label_q{number}}}}}"
        assert attrs["comparison"] == "sigfig" and attrs["digits"] == "3" and attrs["weight"] == "1"
        if tag == "pl-number-input":  # a blank is marked as not answered, not refused
            assert attrs["allow-blank"] == "true" and attrs["blank-value"] == ""


def _generated(folder, seed=1234567):
    data = {"params": {}, "correct_answers": {}, "variant_seed": seed, "options": {}}
    _server(folder).generate(data)
    json.dumps(data, allow_nan=False)  # PrairieLearn stores data as JSON and refuses NaN
    return data


def _submit(folder, data, submitted):
    graded = {**data, "submitted_answers": submitted, "raw_submitted_answers": {}, "partial_scores": {},
              "feedback": {}, "format_errors": {}}
    _server(folder).grade(graded)
    json.dumps(graded, allow_nan=False)
    return graded


def test_generate_draws_one_variant_per_seed_with_labels_and_2d_answers(course):
    _, _, folder = course
    data = _generated(folder)
    assert _generated(folder) == data  # the same variant_seed, the same variant
    assert _generated(folder, 7654321)["params"]["gradwork_problem"] != data["params"]["gradwork_problem"]
    params = data["params"]
    assert "\\(" in params["statement"] or "\\[" in params["statement"]  # LaTeX for MathJax, no MathML
    assert "<math" not in params["statement"]
    assert params["label_q2"] == "$L$ =" and params["label_q3"] == "$\\frac{\\partial L}{\\partial w^{(2)}}$ ="
    for spec in params["gradwork_inputs"]:
        answer = data["correct_answers"][spec["name"]]
        if spec["shape"]:
            assert answer["_type"] == "ndarray" and np.ndim(answer["_value"]) == 2  # pl-matrix-input needs 2-D
            assert np.size(answer["_value"]) == int(np.prod(spec["shape"]))
        else:
            assert isinstance(answer, float)


def test_grade_gives_checks_points_and_messages(course):
    _, _, folder = course
    data = _generated(folder)
    specs = data["params"]["gradwork_inputs"]
    right = _submit(folder, data, dict(data["correct_answers"]))
    assert right["score"] == 1.0 and all(p["score"] == 1.0 for p in right["partial_scores"].values())

    # the loss with log10: wrong and diagnosed; nothing after it depends on the loss's value
    submitted = dict(data["correct_answers"])
    submitted["q2"] = submitted["q2"] / np.log(10)
    wrong = _submit(folder, data, submitted)
    assert wrong["partial_scores"]["q2"]["score"] == 0.0 and "log" in wrong["partial_scores"]["q2"]["feedback"]
    assert "log_base_10" in wrong["feedback"]["gradwork"] and wrong["score"] == pytest.approx(8 / 9)
    key = f"{float(data['correct_answers']['q2']):.4g}"  # the key is never in a student's feedback
    assert key not in wrong["feedback"]["gradwork"] and "expected" not in wrong["partial_scores"]["q2"]["feedback"]

    # output.a written wrong; dL/db2 = a - t computed from the student's own a is carried forward
    solution = solve(load(parse_text(data["params"]["gradwork_problem"], "json"), checked=True))
    a = float(solution.values["output.a"]) + 0.05
    t = float(np.asarray(solution.target.data, dtype=float).reshape(-1)[0])
    names = {spec["key"]: spec["name"] for spec in specs}
    carried = dict(data["correct_answers"])
    carried[names["values.output.a"]] = a
    carried[names["gradients.output.b"]] = a - t
    forward = _submit(folder, data, carried)
    assert forward["partial_scores"][names["values.output.a"]]["score"] == 0.0
    assert forward["partial_scores"][names["gradients.output.b"]]["score"] == 1.0
    assert "carried forward" in forward["feedback"]["gradwork"]

    blank = _submit(folder, data, {**data["correct_answers"], "q2": ""})
    assert blank["partial_scores"]["q2"]["score"] == 0.0 and "blank" in blank["partial_scores"]["q2"]["feedback"]


def test_a_vector_may_be_typed_as_a_row_or_a_column(course):
    _, _, folder = course
    data = _generated(folder)
    submitted = dict(data["correct_answers"])
    vector = next(s for s in data["params"]["gradwork_inputs"] if len(s["shape"]) == 1)
    value = np.asarray(submitted[vector["name"]]["_value"])
    submitted[vector["name"]] = {"_type": "ndarray", "_value": value.reshape(-1, 1).tolist(), "_dtype": "float64"}
    assert _submit(folder, data, submitted)["score"] == 1.0


HOSTILE = [
    "nan", "-inf", "inf", "1e999", 10**400, -(10**400), float("nan"), float("inf"), True, [], {}, {"a": 1},
    [[1, 2], [3]], [1, [2, 3]], [[[[[[[[1]]]]]]]], "x" * 10_000, "1/0", "3/8", [1] * 100_000, {"_type": "ndarray"},
    {"_type": "ndarray", "_value": [[float("nan"), 1.0]]}, {"_type": "ndarray", "_value": [[float("inf"), 1.0]]},
    {"_type": "ndarray", "_value": "[1 2]"}, {"_type": "sympy", "_value": "x"}, {"_type": "complex", "real": 1},
    np.array([np.nan, 1.0]), np.float64("inf"), b"0.5", 1j, object(), ["0.5", "0.5"], [[None, 1]],
]


@pytest.fixture(scope="module")
def exam(course):
    _, _, folder = course
    return _server(folder), _generated(folder)


@pytest.mark.parametrize("value", HOSTILE, ids=[f"{n}-{type(v).__name__}" for n, v in enumerate(HOSTILE)])
def test_grade_never_raises_on_what_a_request_can_carry(exam, value):
    server, data = exam
    for spec in data["params"]["gradwork_inputs"][:3]:  # a scalar, the loss and a vector
        graded = {**data, "submitted_answers": {**data["correct_answers"], spec["name"]: value},
                  "raw_submitted_answers": {}, "partial_scores": {}, "feedback": {}, "format_errors": {}}
        server.grade(graded)
        partial = graded["partial_scores"][spec["name"]]
        assert partial["score"] in (0.0, 1.0) and partial["feedback"]
        assert 0.0 <= graded["score"] <= 1.0 and math.isfinite(graded["score"])
        json.dumps({k: graded[k] for k in ("partial_scores", "score", "feedback")}, allow_nan=False)


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=10**300, max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["_type", "_value", "a"]), inner,
                                                                 max_size=3),
    max_leaves=20)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(_JSONISH, min_size=1, max_size=9))
def test_grade_never_raises_on_generated_submissions(exam, values):
    server, data = exam
    names = [spec["name"] for spec in data["params"]["gradwork_inputs"]]
    graded = {**data, "submitted_answers": dict(zip(names, values)), "raw_submitted_answers": {},
              "partial_scores": {}, "feedback": {}, "format_errors": {}}
    server.grade(graded)
    assert 0.0 <= graded["score"] <= 1.0
    json.dumps({k: graded[k] for k in ("partial_scores", "score", "feedback")}, allow_nan=False)
    assert "could not be marked" not in graded["feedback"]["gradwork"]  # a mark or a reason, never the fallback


def test_grade_survives_a_broken_submission_dict_and_params(exam):
    server, data = exam
    for submitted in (None, [], "x", {"q1": {"q1": {"q1": {}}}}):
        graded = {**data, "submitted_answers": submitted, "partial_scores": {}, "feedback": {}}
        server.grade(graded)
        assert graded["score"] == 0.0
    broken = {**data, "params": {**data["params"], "gradwork_problem": "{not json"}, "submitted_answers": {},
              "partial_scores": {}, "feedback": {}}
    server.grade(broken)  # a message for the student, not an error page
    assert broken["score"] == 0.0 and "could not be marked" in broken["feedback"]["gradwork"]


def test_read_submitted_turns_values_into_answers_or_reasons():
    assert read_submitted("0.5", {"shape": []}) == (0.5, None)
    assert read_submitted("", {"shape": [2]}) == (None, None)
    assert read_submitted([[1, 2]], {"shape": [2]}) == ([1.0, 2.0], None)
    assert read_submitted([[1], [2]], {"shape": [2]}) == ([1.0, 2.0], None)
    assert read_submitted([[1, 2, 3]], {"shape": [2]})[1] == "the shape is 1x3, but 2 was expected"
    assert read_submitted("nan", {"shape": []})[1] == "not a finite number (NaN or infinity)"
    assert read_submitted(10**400, {"shape": []})[1] == "a number too large to compare"
    assert read_submitted([[1, 2], [3]], {"shape": [2, 2]})[1] == "the rows have different lengths"


BLOCKER = """
import sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("pydantic", "pydantic_core", "yaml", "typer", "click", "latex2mathml"):
            raise ImportError(f"{name} is not installed in PrairieLearn")
sys.meta_path.insert(0, Refuse())
sys.path.insert(0, sys.argv[1] + "/serverFilesCourse")
import importlib.util, json, pathlib
scores = {}
for folder in sorted(pathlib.Path(sys.argv[1], "questions").iterdir()):
    spec = importlib.util.spec_from_file_location("server", folder / "server.py")
    server = importlib.util.module_from_spec(spec); spec.loader.exec_module(server)
    data = {"params": {}, "correct_answers": {}, "variant_seed": 99}
    server.generate(data)
    raw = {name: "x" for name in data["correct_answers"]}
    graded = dict(data, submitted_answers=dict(data["correct_answers"]), raw_submitted_answers=raw,
                  partial_scores={}, feedback={}, format_errors={})
    server.parse(graded); server.grade(graded)
    scores[folder.name] = graded["score"]
import gradwork
print(json.dumps({"scores": scores, "gradwork": gradwork.__file__, "modules": sorted(sys.modules)}))
"""


def test_server_py_runs_without_pydantic_yaml_typer_or_latex2mathml(tmp_path):
    names = ["seed002_exam4a.yaml", "seed003_7_2_graph.yaml"]  # a network, a graph in exact mode (all: platform test)
    for name in names:
        _course(tmp_path, name)
    done = subprocess.run([sys.executable, "-I", "-c", BLOCKER, str(tmp_path)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["scores"] == {Path(name).stem: 1.0 for name in names}
    assert Path(result["gradwork"]).is_relative_to(tmp_path / "serverFilesCourse")
    assert not any(m.startswith(("pydantic", "yaml", "typer", "latex2mathml")) for m in result["modules"])
