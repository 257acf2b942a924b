"""`gradwork generate` and `gradwork test` through the CLI app (in process).

Files, reproducibility, no overwrite, keys that pass.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.runner import Run, gradwork

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "examples" / "templates" / "seed002_exam4a.yaml"
FILES = {"problem.yaml", "sheet.md", "sheet.tex", "sheet.html", "key.md", "answers.yaml"}


def run(*args: str, cwd: Path = ROOT) -> Run:
    return gradwork(*args, cwd=cwd)


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generate_writes_each_variant_and_a_manifest(tmp_path):
    out = tmp_path / "out"
    result = run("generate", str(TEMPLATE), "--seed", "9", "--count", "3", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("3 variants from seed 9: 19 files")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 9 and len(manifest["template_sha256"]) == 64
    assert [v["id"] for v in manifest["variants"]] == ["v001", "v002", "v003"]
    for variant in ("v001", "v002", "v003"):
        assert {p.name for p in (out / variant).iterdir()} == FILES
        for name in FILES:  # seed and template hash in every output
            text = (out / variant / name).read_text()
            assert "seed 9" in text and manifest["template_sha256"][:16] in text, name
    sheet = (out / "v001" / "sheet.md").read_text()
    key = (out / "v001" / "key.md").read_text()
    assert "Questions" in sheet and "Backward pass" not in sheet and "Backward pass" in key
    assert (out / "v001" / "sheet.tex").read_text().splitlines()[1].startswith("\\documentclass")


def test_the_same_seed_gives_byte_identical_output(tmp_path):
    for name in ("a", "b"):
        assert run("generate", str(TEMPLATE), "--seed", "4", "--count", "2", "-o", str(tmp_path / name)).returncode == 0
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    run("generate", str(TEMPLATE), "--seed", "5", "--count", "2", "-o", str(tmp_path / "c"))
    assert _tree(tmp_path / "a")["v001/problem.yaml"] != _tree(tmp_path / "c")["v001/problem.yaml"]


def test_existing_outputs_are_kept_without_force(tmp_path):
    out = tmp_path / "out"
    assert run("generate", str(TEMPLATE), "--seed", "1", "-o", str(out)).returncode == 0
    (out / "v001" / "key.md").write_text("teacher's edits")
    again = run("generate", str(TEMPLATE), "--seed", "1", "-o", str(out))
    assert again.returncode == 2
    assert again.stderr.strip().endswith("already exists (expected --force to replace it, or another -o DIR)")
    assert (out / "v001" / "key.md").read_text() == "teacher's edits"
    assert run("generate", str(TEMPLATE), "--seed", "1", "-o", str(out), "--force").returncode == 0
    assert (out / "v001" / "key.md").read_text() != "teacher's edits"


def test_generated_keys_pass_gradwork_check_with_full_score(tmp_path):
    out = tmp_path / "out"
    assert run("generate", str(TEMPLATE), "--seed", "3", "--count", "2", "-o", str(out)).returncode == 0
    for variant in ("v001", "v002"):
        result = run("check", str(out / variant / "problem.yaml"), str(out / variant / "answers.yaml"),
                     "--format", "json")
        assert result.returncode == 0, result.stdout + result.stderr
        score = json.loads(result.stdout)["score"]
        assert score["correct"] == score["total"] == 9


def test_a_roster_gives_one_reproducible_variant_per_student(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("name,student_id\nAda,s001\nAlan,s002\n")
    for name in ("a", "b"):
        result = run("generate", str(TEMPLATE), "--students", str(roster), "-o", str(tmp_path / name))
        assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "a").iterdir() if p.is_dir()) == ["s001", "s002"]
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    roster.write_text("student_id\ns002\n")  # alone in the roster: the same variant
    run("generate", str(TEMPLATE), "--students", str(roster), "-o", str(tmp_path / "c"))
    alone, listed = (tmp_path / name / "s002" / "problem.yaml" for name in ("c", "a"))
    assert alone.read_bytes() == listed.read_bytes()


def test_bad_input_is_one_located_line(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id\ns1\ns1\n")
    result = run("generate", str(TEMPLATE), "--students", str(roster), "-o", str(tmp_path / "o"))
    assert result.returncode == 2 and result.stderr.strip() == (
        f"{roster}:3:1: student id 's1' is listed twice (expected each id once; it is first on line 2)")
    bad = tmp_path / "bad.yaml"
    bad.write_text(TEMPLATE.read_text().replace("step: 0.5, nonzero: true", "step: 0.7"))
    result = run("generate", str(bad), "--seed", "0", "-o", str(tmp_path / "o"))
    assert result.returncode == 2 and result.stderr.startswith(f"{bad}:7:") and len(result.stderr.splitlines()) == 1
    assert run("generate", str(TEMPLATE), "-o", str(tmp_path / "o")).returncode == 2


def test_gradwork_test_reports_the_cases(tmp_path):
    result = run("test", str(TEMPLATE), "--count", "4")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "seed002_exam4a: 4 variants x 5 cases = 20 checks, 0 failed"
    broken = tmp_path / "broken.yaml"
    broken.write_text(TEMPLATE.read_text().replace("diagnosis: [update_sign]", "diagnosis: [learning_rate]"))
    result = run("test", str(broken), "--count", "2")
    assert result.returncode == 1 and "learning_rate not diagnosed" in result.stdout


def test_to_a_platform_writes_its_package_and_keeps_existing_files(tmp_path):
    out = tmp_path / "moodle"
    result = run("generate", str(TEMPLATE), "--seed", "2", "--count", "2", "--to", "moodle", "-o", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == f"2 variants from seed 2: 1 file in {out} (moodle)"
    assert lines[1].startswith("note: Moodle marks each number on its own: no carried-forward credit")
    assert (out / "moodle.xml").read_text().startswith('<?xml version="1.0" encoding="UTF-8"?>')
    again = run("generate", str(TEMPLATE), "--seed", "2", "--count", "2", "--to", "moodle", "-o", str(out))
    assert again.returncode == 2 and "already exists" in again.stderr
    wrong = run("generate", str(TEMPLATE), "--seed", "2", "--to", "blackboard", "-o", str(out))
    assert wrong.returncode == 2 and wrong.stderr.strip() == (
        "--to: unknown value 'blackboard' (expected one of: prairielearn, moodle, qti, gradescope)")


def test_an_output_never_replaces_the_template_even_with_force(tmp_path):
    out = tmp_path / "out"
    (out / "v001").mkdir(parents=True)
    template = out / "v001" / "problem.yaml"
    template.write_text(TEMPLATE.read_text())
    result = run("generate", str(template), "--seed", "0", "-o", str(out), "--force")
    assert result.returncode == 2 and "is an input of this command" in result.stderr
    assert template.read_text() == TEMPLATE.read_text()


def test_count_goes_with_seed_not_with_a_roster(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id\ns1\n")
    result = run("generate", str(TEMPLATE), "--students", str(roster), "--count", "3", "-o", str(tmp_path / "o"))
    assert result.returncode == 2 and result.stderr.startswith("--count: a roster gives one variant per student")
    assert not (tmp_path / "o").exists()


def test_to_prairielearn_needs_no_seed_and_writes_a_course_fragment(tmp_path):
    out = tmp_path / "course"
    result = run("generate", str(TEMPLATE), "--to", "prairielearn", "-o", str(out))
    assert result.returncode == 0, result.stderr
    stem = TEMPLATE.stem
    assert result.stdout.startswith(f"PrairieLearn question {stem}: ")
    assert "PrairieLearn draws one per student" in result.stdout and "\nnote: copy OUT/questions/" in result.stdout
    uuid = json.loads((out / "questions" / stem / "info.json").read_text())["uuid"]
    assert f"note: the question's UUID is {uuid}, derived from the file name" in result.stdout
    assert sorted(p.name for p in (out / "questions" / stem).iterdir()) == [
        "info.json", "question.html", "server.py", "template.json"]
    assert (out / "serverFilesCourse" / "gradwork" / "__init__.py").is_file()


def test_two_prairielearn_questions_share_one_course_folder(tmp_path):
    out = tmp_path / "course"
    first = run("generate", str(TEMPLATE), "--to", "prairielearn", "-o", str(out))
    other = ROOT / "examples" / "templates" / "seed003_7_2_graph.yaml"
    second = run("generate", str(other), "--to", "prairielearn", "-o", str(out))
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert {p.name for p in (out / "questions").iterdir()} == {TEMPLATE.stem, other.stem}
    again = run("generate", str(TEMPLATE), "--to", "prairielearn", "-o", str(out))
    assert again.returncode == 2 and "info.json:1:1: already exists" in again.stderr  # the question itself is kept
