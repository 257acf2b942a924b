"""The Gradescope autograder: its zip, results.json per Gradescope's spec, a grader that never fails a student
silently, and the whole autograder (setup.sh, run_autograder) in a simulated /autograder under Python 3.10."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from gradwork.generate import draw, read_template
from gradwork.generate.export import export
from gradwork.generate.write import Request

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "examples" / "templates"
# Gradescope's results.json keys (gradescope-autograders.readthedocs.io, "Autograder Specifications")
TOP_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
            "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
             "visibility", "extra_data"}


def _exported(students=("s001", "s002"), text=None, name="seed002_exam4a.yaml"):
    template = read_template(text if text is not None else TEMPLATES / name)
    request = Request(seed=8, students=students) if students else Request(seed=8, count=1)
    variants = [draw(template, request.seed, key, vid) for key, vid in request.keys()]
    return template, variants, export("gradescope", template, request, variants)["gradescope.zip"]


def _tree(tmp_path, archive):
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    zipfile.ZipFile(io.BytesIO(archive)).extractall(root / "source")
    (root / "submission").mkdir()
    return root


def _grade(root, answers=None, users=None, metadata=None):
    """Run grade.py in this process, as run_autograder would (GRADWORK_AUTOGRADER_ROOT=root)."""
    if answers is not None:
        (root / "submission" / "answers.yaml").write_text(answers if isinstance(answers, str)
                                                          else yaml.safe_dump(answers))
    if metadata is None:
        metadata = json.dumps({"users": [{"email": "x@example.org", "id": 1, "name": "X", "sid": users}]})
    (root / "submission_metadata.json").write_text(metadata)
    spec = importlib.util.spec_from_file_location(f"grade_{id(root)}", root / "source" / "grade.py")
    grader = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(grader)
    grader.ROOT = root
    grader.main()
    results = json.loads((root / "results" / "results.json").read_text())
    assert set(results) <= TOP_KEYS and "max_score" not in results  # not in Gradescope's spec at the top
    assert all(set(test) <= TEST_KEYS for test in results["tests"])
    assert results["score"] == pytest.approx(sum(test["score"] for test in results["tests"]))
    return results


@pytest.fixture(scope="module")
def class_zip():
    return _exported()


def test_the_zip_carries_a_wheel_of_this_gradwork(class_zip):
    _, _, archive = class_zip
    names = zipfile.ZipFile(io.BytesIO(archive)).namelist()
    assert {"setup.sh", "run_autograder", "grade.py", "variants.json"} <= set(names)
    zipped = zipfile.ZipFile(io.BytesIO(archive))
    assert zipped.getinfo("run_autograder").external_attr >> 16 & 0o111
    assert zipped.getinfo("setup.sh").external_attr >> 16 & 0o111
    wheel_name = next(n for n in names if n.startswith("wheels/"))
    assert wheel_name.endswith("-py3-none-any.whl")
    wheel = zipfile.ZipFile(io.BytesIO(zipped.read(wheel_name)))
    import gradwork

    source = Path(gradwork.__file__).parent
    assert wheel.read("gradwork/check/checker.py") == (source / "check" / "checker.py").read_bytes()
    metadata = next(wheel.read(n).decode() for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    assert "Requires-Python: >=3.10" in metadata and "Requires-Dist: tomli" in metadata
    record = next(n for n in wheel.namelist() if n.endswith("RECORD"))
    assert len(wheel.read(record).decode().splitlines()) == len(wheel.namelist())
    assert "pip3 install gradwork" not in zipped.read("setup.sh").decode()  # never from an index that lacks it


def test_each_test_is_an_item_worth_its_points(tmp_path):
    text = (TEMPLATES / "seed002_exam4a.yaml").read_text()
    text = text.replace("marking: {tolerance: {sigfigs: 3}}",
                        "marking: {tolerance: {sigfigs: 3}, points: {loss: 2, updated.output.b: 0.5}}")
    _, variants, archive = _exported(students=(), text=text)
    root = _tree(tmp_path, archive)
    results = _grade(root, variants[0].answers)
    by_name = {test["name"]: test for test in results["tests"]}  # the problem's symbols, never a key
    assert by_name["L"]["max_score"] == 2 and by_name["b′⁽²⁾"]["max_score"] == 0.5
    assert results["score"] == sum(test["max_score"] for test in results["tests"]) == len(variants[0].items) + 0.5


def test_students_are_marked_against_their_own_variant_with_check_diagnoses(tmp_path, class_zip):
    _, variants, archive = class_zip
    root = _tree(tmp_path, archive)
    full = _grade(root, variants[1].answers, users="s002")
    assert full["score"] == len(variants[1].items) and all(t["status"] == "passed" for t in full["tests"])
    assert full["output"].startswith("Variant s002: 9 of 9 points")
    # s001's key, submitted by s002: check's other_variant, no carried-forward credit (the farmed case of #25)
    copied = _grade(root, variants[0].answers, users="s002")
    assert copied["score"] <= 3 and any("other_variant" in test["output"] for test in copied["tests"])
    _, planted = variants[1].candidate.planter.plant("bias_not_updated")
    results = _grade(root, planted, users="s002")
    failed = [test for test in results["tests"] if test["status"] == "failed"]
    assert failed and any("bias_not_updated" in test["output"] for test in failed)


def test_a_students_own_tolerance_is_ignored(tmp_path, class_zip):
    _, variants, archive = class_zip
    root = _tree(tmp_path, archive)
    wrong = json.loads(json.dumps(variants[0].answers))
    wrong["loss"] = float(wrong["loss"]) * 1.5
    plain = _grade(root, wrong, users="s001")
    loose = _grade(root, {**wrong, "tolerance": {"rtol": 1000}}, users="s001")
    assert loose["score"] == plain["score"] < len(variants[0].items)
    assert "tolerance" in loose["output"]  # the student is told it was ignored


METADATA = {
    "a list of users": json.dumps([{"sid": "s002"}]),
    "users as strings": json.dumps({"users": ["s002"]}),
    "users as one mapping": json.dumps({"users": {"sid": "s002"}}),
    "a number id": json.dumps({"users": [{"sid": 17, "email": "s002"}]}),
    "not json": "{users: [",
    "empty": "",
    "null": "null",
    "deep nesting": "[" * 100_000 + "]" * 100_000,
    "users nested deep": json.dumps({"users": [[[[{"sid": "s002"}]]]]}),
    "a huge file": json.dumps({"users": [{"sid": "s002"}], "pad": "x" * 2_000_000}),
    "booleans": json.dumps({"users": [{"sid": True, "email": False}]}),
    "binary": "\x00\xff\xfe",
}


@pytest.mark.parametrize("case", list(METADATA))
def test_any_submission_metadata_gives_a_results_file(tmp_path, class_zip, case):
    _, variants, archive = class_zip
    root = _tree(tmp_path, archive)
    results = _grade(root, variants[1].answers, metadata=METADATA[case])
    found = case in ("a list of users", "users as strings", "users as one mapping", "a number id")
    if found:
        assert results["score"] == len(variants[1].items)
    else:
        assert results["score"] == 0 and "No exercise variant" in results["output"]


SUBMISSIONS = {
    "NaN": "loss: .nan\n",
    "infinity": "loss: .inf\n",
    "a huge integer": f"loss: {10**400}\n",
    "a ragged matrix": "gradients: {hidden.W: [[1, 2], [3]]}\n",
    "a mapping for a number": "loss: {a: 1}\n",
    "text for a number": "loss: twelve\n",
    "a wrong shape": "gradients: {hidden.W: [1, 2, 3]}\n",
    "deep nesting": "loss: " + "[" * 1000 + "]" * 1000 + "\n",
    "empty": "",
    "not yaml": "loss: [1\n",
    "binary": "\x00\x01\x02",
    "a list at the top": "- 1\n- 2\n",
}


@pytest.mark.parametrize("case", list(SUBMISSIONS))
def test_any_answers_file_gives_a_mark_or_a_reason(tmp_path, class_zip, case):
    _, _, archive = class_zip
    root = _tree(tmp_path, archive)
    results = _grade(root, SUBMISSIONS[case], users="s001")
    assert results["output"] and "could not mark this submission" not in results["output"], results["output"]
    assert results["score"] < 9


def test_two_answers_files_are_named_not_one_silently_dropped(tmp_path, class_zip):
    _, variants, archive = class_zip
    root = _tree(tmp_path, archive)
    (root / "submission" / "answers.json").write_text(json.dumps(variants[0].answers))
    results = _grade(root, variants[0].answers, users="s001")
    assert results["score"] == 0 and "answers.json" in results["output"] and "answers.yaml" in results["output"]


def test_no_answers_file_and_links_are_refused_with_a_message(tmp_path, class_zip):
    _, _, archive = class_zip
    root = _tree(tmp_path, archive)
    (root / "submission" / "answers.yaml").symlink_to(root / "source" / "variants" / "s001" / "problem.yaml")
    results = _grade(root, users="s001")
    assert results["score"] == 0 and results["output"].startswith("Submit one answers file")


# ---------------------------------------------------------------- the whole autograder under Python 3.10
def _platform(what):
    found = subprocess.run([sys.executable, str(ROOT / "scripts" / "platform_env.py"), *what], capture_output=True,
                           text=True, timeout=1800)
    if found.returncode != 0:
        pytest.skip(f"no {' '.join(what)}: {found.stderr.strip()[-400:]}")
    return Path(found.stdout.strip())


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """A fresh Python 3.10 venv standing in for Gradescope's image; the index's packages come from a cached venv."""
    python310 = _platform(["python", "3.10"])
    base = _platform(["gradescope"])
    site = subprocess.run([str(base), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    venv = tmp_path_factory.mktemp("image") / "python"
    # no pip of its own: pip comes with the index stand-in (the .pth below), and installs into this venv
    subprocess.run([str(python310), "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True,
                   timeout=300)
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    own = subprocess.run([str(venv / "bin" / "python"), "-c", purelib], capture_output=True, text=True,
                         check=True).stdout.strip()
    Path(own, "gradescope-index.pth").write_text(site + "\n")
    return venv


def test_setup_and_run_autograder_work_under_python_3_10(tmp_path, image, class_zip):
    _, variants, archive = class_zip  # the zip the in-process tests mark with (_exported() gives the same bytes)
    root = _tree(tmp_path, archive)
    env = {**os.environ, "PATH": f"{image / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "GRADWORK_AUTOGRADER_ROOT": str(root)}
    env.pop("PYTHONPATH", None)
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True,
                           timeout=600)
    assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-2000:]
    assert "gradwork 0.1.0 ready" in setup.stdout
    for users, answers, expected in (("s002", variants[1].answers, 9), ("s002", variants[0].answers, None)):
        (root / "submission" / "answers.yaml").write_text(yaml.safe_dump(answers))
        (root / "submission_metadata.json").write_text(json.dumps({"users": [{"sid": users}]}))
        run = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                             text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]
        results = json.loads((root / "results" / "results.json").read_text())
        assert "Python 3.10" not in results["output"]
        if expected is not None:
            assert results["score"] == expected
        else:
            assert 0 <= results["score"] < 9 and len(results["tests"]) == 9
    version = subprocess.run([str(image / "bin" / "python"), "-c",
                              "import sys, gradwork; print(sys.version_info[:2], gradwork.__file__)"],
                             env=env, capture_output=True, text=True, check=True).stdout
    assert version.startswith("(3, 10)") and str(image) in version
