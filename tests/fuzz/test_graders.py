"""Mutation fuzzers for the exported graders (issue #25 item 7): what a student can send never crashes them.

* PrairieLearn's ``grade(data)`` with any value a student's browser can send (any
  string, number, nesting, NaN/inf, 10**400, ragged lists, ndarray wrappers);
* Gradescope's autograder with mutated answers files and any ``submission_metadata.json``.

Neither raises nor falls back to "could not mark"; scores are numbers from 0 to the maximum.
``GRADWORK_FUZZ_EXAMPLES`` sets the number of inputs per fuzzer (tests/fuzz/mutations.py).
"""

from __future__ import annotations

import importlib.util
import io
import json
import math
import re
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from gradwork.documents import limits
from tests.fuzz.mutations import EXAMPLES, counted, entry_fuzz, mutated
from tests.fuzz.test_entry_points import SMALL, bounded

COULD_NOT = "could not mark this submission"


def _json_value(depth: int = 3):
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.integers(min_value=10**300, max_value=10**400),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(["nan", "-inf", "inf", "1e999", "-1e999", "1/3", "0x10", "", " ", "1,5", "½", "1e-999",
                         "[1, 2]", "[[1, 2], [3]]", "{}", "__import__('os')", "x0", "9" * 5000, "1" * 400]),
        st.text(max_size=20))
    return st.recursive(scalars, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=3),
        st.builds(lambda v: {"_type": "ndarray", "_value": v, "_dtype": "float64"}, inner)), max_leaves=12)


@pytest.fixture(scope="module")
def prairielearn_question(tmp_path_factory):
    from gradwork.generate import read_template
    from gradwork.generate.export import export
    from gradwork.generate.write import Request, generate, write_files

    folder = tmp_path_factory.mktemp("pl")
    template = read_template(EXAMPLES / "templates" / "seed002_exam4a.yaml")
    request = Request(seed=0, count=1)
    write_files(folder, export("prairielearn", template, request, generate(template, request)),
                shared=("serverFilesCourse/",))
    # The question's server.py imports the gradwork already loaded here (this source), not the course's copy.
    spec = importlib.util.spec_from_file_location("pl_server_fuzz", folder / "questions" / template.stem / "server.py")
    server = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(server)
    data = {"params": {}, "correct_answers": {}, "variant_seed": 12345, "options": {}}
    server.generate(data)
    return server, data


@entry_fuzz
@given(st.data())
def test_the_prairielearn_grader_never_raises(prairielearn_question, data):
    counted("prairielearn grader")
    server, generated = prairielearn_question
    names = list(generated["correct_answers"])
    submitted = {}
    for name in names:
        choice = data.draw(st.sampled_from(["right", "scaled", "missing", "any"]))
        right = generated["correct_answers"][name]
        if choice == "right":
            submitted[name] = right
        elif choice == "scaled" and isinstance(right, float):
            submitted[name] = right * data.draw(st.sampled_from([-1.0, 0.5, 2.0, 10.0, 1e300]))
        elif choice == "any":
            submitted[name] = data.draw(_json_value())
    extra = data.draw(st.dictionaries(st.text(max_size=8), _json_value(), max_size=2))
    case = {**json.loads(json.dumps(generated)), "submitted_answers": {**extra, **submitted}, "partial_scores": {},
            "feedback": {}}
    with bounded(), limits.using(**SMALL):
        server.grade(case)
    assert isinstance(case["score"], float) and 0.0 <= case["score"] <= 1.0, case["score"]
    for partial in case["partial_scores"].values():
        assert 0.0 <= partial["score"] <= 1.0
    json.dumps(case["partial_scores"], allow_nan=False)
    assert not re.search(r"<(?:img|script)\b", case["feedback"].get("gradwork", ""))
    assert COULD_NOT not in json.dumps(case["feedback"])


@pytest.fixture(scope="module")
def gradescope_autograder(tmp_path_factory):
    from gradwork.generate import read_template
    from gradwork.generate.export import export
    from gradwork.generate.write import Request, generate

    root = tmp_path_factory.mktemp("autograder")
    template = read_template(EXAMPLES / "templates" / "seed002_exam4a.yaml")
    request = Request(seed=0, students=("s1", "s2"))
    bundle = export("gradescope", template, request, generate(template, request))["gradescope.zip"]
    import zipfile

    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        archive.extractall(root / "source")
    spec = importlib.util.spec_from_file_location("gradescope_grade_fuzz", root / "source" / "grade.py")
    grader = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(grader)
    return root, grader


class _InProcess:
    """subprocess.run for the autograder's `gradwork check` call, run in this process (fast; same code)."""

    def __call__(self, command, capture_output=True, text=True, timeout=None, **_):
        from gradwork.cli import app

        arguments = command[command.index("check"):]
        result = CliRunner().invoke(app, arguments)
        return type("Done", (), {"returncode": result.exit_code, "stdout": result.stdout, "stderr": result.stderr})()


METADATA = st.one_of(
    st.builds(lambda users: {"users": users}, st.lists(st.one_of(
        st.fixed_dictionaries({"sid": st.sampled_from(["s1", "s2", "s3", "", None, 7]),
                               "email": st.sampled_from(["s1", "x@y", None])}),
        st.text(max_size=5), st.integers(), st.none(), st.lists(st.integers(), max_size=2)), max_size=3)),
    st.just([]), st.just("users"), st.just(None), st.just({"users": "s1"}), st.just({"users": {"sid": "s1"}}),
    _json_value())


@entry_fuzz
@given(st.data())
def test_the_gradescope_autograder_never_raises(gradescope_autograder, monkeypatch_module, data):
    counted("gradescope autograder")
    root, grader = gradescope_autograder
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    submission.mkdir()
    student = data.draw(st.sampled_from(["s1", "s2"]))
    keys = json.loads((root / "source" / "keys.json").read_text(encoding="utf-8"))
    key = keys[data.draw(st.sampled_from([student, "s1", "s2"]))]  # the own key, or another student's
    seeds = [("answers.json", json.dumps(key, indent=1)), ("answers.yaml", _yaml(key))]
    seed_name, text = data.draw(st.one_of(st.sampled_from(seeds), mutated(seeds)))  # a third reach the checker
    name = data.draw(st.sampled_from([seed_name] * 3 + ["answers.yaml", "answers.json", "mine.yaml", "answers.toml"]))
    (submission / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    if data.draw(st.booleans()):
        (submission / "other.yaml").write_text("loss: 1\n", encoding="utf-8")
    kind = data.draw(st.sampled_from(["own", "own", "own", "any", "broken"]))  # most submissions find a variant
    if kind == "own":
        raw = json.dumps({"users": [{"sid": student, "email": f"{student}@x"}]})
    elif kind == "any":
        raw = json.dumps(data.draw(METADATA))
    else:
        raw = data.draw(st.sampled_from(["{", "", "[]", "null", '{"users": [', "\x00"]))
    (root / "submission_metadata.json").write_text(raw, encoding="utf-8")
    monkeypatch_module.setattr(grader, "ROOT", root)
    if hasattr(grader, "subprocess"):  # a grader that runs `gradwork check`: run it in this process (same code)
        monkeypatch_module.setattr(grader.subprocess, "run", _InProcess())
    with bounded(), limits.using(**SMALL):
        grader.main()
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert COULD_NOT not in results.get("output", ""), results["output"]
    if results.get("tests"):
        counted("gradescope autograder, marked by the checker")
    score = results["score"]
    assert isinstance(score, (int, float)) and math.isfinite(score) and score >= 0
    assert score <= results.get("max_score", score)


def _yaml(data) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False)


@pytest.fixture(scope="module")
def monkeypatch_module():
    patcher = pytest.MonkeyPatch()
    yield patcher
    patcher.undo()
