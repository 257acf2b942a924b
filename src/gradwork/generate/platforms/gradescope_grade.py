"""Gradescope autograder, written by `gradwork generate --to gradescope`: mark one submission with gradwork check.

Reads the submitter from submission_metadata.json, finds their variant under
source/variants/ (by student id, else email; a single variant serves everyone),
marks the submitted answers file with `gradwork check --format json`, and writes
results/results.json in Gradescope's format: the score, and one test per answered
item whose output is the checker's message (its diagnosis, or why a number was
credited as carried forward).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(os.environ.get("GRADWORK_AUTOGRADER_ROOT", "/autograder"))
SUFFIXES = (".yaml", ".yml", ".json", ".toml")


def main():
    results = ROOT / "results"
    results.mkdir(parents=True, exist_ok=True)
    try:
        outcome = mark()
    except Failure as failure:
        outcome = {"score": 0.0, "output": str(failure), "tests": []}
    outcome.setdefault("visibility", "visible")
    outcome.setdefault("stdout_visibility", "hidden")
    (results / "results.json").write_text(json.dumps(outcome, indent=2) + "\n", encoding="utf-8")


class Failure(Exception):
    """The submission cannot be marked; its message is shown to the student."""


def mark():
    source = ROOT / "source"
    index = json.loads((source / "variants.json").read_text(encoding="utf-8"))
    variant = find_variant(index)
    problem = source / "variants" / variant / "problem.yaml"
    answers = find_answers(ROOT / "submission")
    gradwork = shutil.which("gradwork")
    command = [gradwork] if gradwork else [sys.executable, "-m", "gradwork.cli"]
    run = subprocess.run([*command, "check", str(problem), str(answers), "--format", "json"],
                         capture_output=True, text=True, timeout=300)
    if run.returncode not in (0, 1):
        message = run.stderr.strip().replace(str(answers), answers.name) or "gradwork check failed"
        raise Failure(f"Your answers file could not be read: {message}")
    report = json.loads(run.stdout)
    score = report["score"]
    earned = float(score.get("points", score["correct"]))
    possible = float(score.get("max_points", score["total"]))
    tests = []
    for item in report["items"]:
        credited = item["status"] in ("correct", "carried_forward")
        codes = f" [{', '.join(item['diagnosis'])}]" if item.get("diagnosis") else ""
        tests.append({"name": item["key"], "score": 1.0 if credited else 0.0, "max_score": 1.0,
                      "status": "passed" if credited else "failed",
                      "output": f"{item['status'].replace('_', ' ')}{codes}: {item.get('message', '')}".strip()})
    return {"score": earned, "max_score": possible, "tests": tests,
            "output": f"Variant {variant}: {score['correct']} of {score['total']} items correct, "
                      f"{earned:g} of {possible:g} points."}


def find_variant(index):
    variants = index["variants"]
    if len(variants) == 1:
        return variants[0]
    metadata = ROOT / "submission_metadata.json"
    try:
        users = json.loads(metadata.read_text(encoding="utf-8")).get("users", [])
    except (OSError, ValueError):
        users = []
    for user in users:
        for field in ("sid", "email"):
            value = str(user.get(field) or "")
            if value in variants:
                return value
    raise Failure("No exercise variant was generated for your student id; please tell your instructor.")


def find_answers(folder):
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    named = [p for p in files if p.stem.lower() == "answers"]
    if named:
        return named[0]
    if len(files) == 1:
        return files[0]
    raise Failure("Submit one answers file (answers.yaml, .json or .toml).")


if __name__ == "__main__":
    main()
