"""Gradescope autograder, written by `gradwork generate --to gradescope`: mark one submission as gradwork check does.

Runs in Gradescope's image (Ubuntu 22.04, Python 3.10) with the gradwork wheel that setup.sh
installed. Finds the submitter's variant under source/variants/ (by the student id or email
in submission_metadata.json, read defensively; a single variant serves everyone), marks the
submitted answers file with gradwork's checker under the problem's own marking policy (the
student's own `tolerance:` is ignored, as in `gradwork check`; a submission of another
variant's key, from keys.json, is flagged `other_variant`), and writes
results/results.json in Gradescope's format: the score, and one test per asked item whose
score and max_score are the item's points and whose output is the checker's message (its
diagnosis, or why a number was credited as carried forward). Whatever is submitted, a
results.json is written: an unreadable file is a score of 0 with the reason.
"""

import json
import os
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(os.environ.get("GRADWORK_AUTOGRADER_ROOT", "/autograder"))
SUFFIXES = (".yaml", ".yml", ".json", ".toml")
MAX_METADATA_BYTES = 1_000_000
MAX_USERS = 100
MAX_FILES = 1_000


class Failure(Exception):
    """The submission cannot be marked; its message is shown to the student."""


def main():
    started = time.monotonic()
    results = ROOT / "results"
    results.mkdir(parents=True, exist_ok=True)
    try:
        outcome = mark()
    except Failure as failure:
        outcome = {"score": 0.0, "output": str(failure), "tests": []}
    except Exception:  # noqa: BLE001 - a results.json in every case; the details go to the instructor's stdout
        traceback.print_exc(file=sys.stdout)
        outcome = {"score": 0.0, "tests": [],
                   "output": "The autograder could not mark this submission; please tell your instructor."}
    outcome["execution_time"] = round(time.monotonic() - started, 3)
    outcome.setdefault("visibility", "visible")
    outcome.setdefault("stdout_visibility", "hidden")
    text = json.dumps(outcome, indent=2, allow_nan=False, ensure_ascii=False) + "\n"
    temporary = results / ".results.json.tmp"
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, results / "results.json")


def mark():
    source = ROOT / "source"
    index = json.loads((source / "variants.json").read_text(encoding="utf-8"))
    variant = find_variant(index, read_users(ROOT / "submission_metadata.json"))
    problem = source / "variants" / variant / "problem.yaml"
    path = find_answers(ROOT / "submission")

    # imported inside main's try: a broken install still gets a results.json
    from gradwork.check import Checker, read_answers
    from gradwork.problem import ProblemError, load, solve

    try:
        answers = read_answers(path)
    except ProblemError as error:
        message = str(error).replace(str(path), path.name)
        raise Failure(f"Your answers file could not be read: {message}") from None
    # the other variants' keys: a submission of someone else's key is `other_variant`, without carried-forward credit
    keys = json.loads((source / "keys.json").read_text(encoding="utf-8")) if (source / "keys.json").is_file() else {}
    checker = Checker(solve(load(problem)), other_keys=[key for name, key in keys.items() if name != variant])
    try:
        report = checker.check(answers, reveal=False)  # verdicts and mistakes, never the expected numbers
    except ProblemError as error:
        message = str(error).replace(str(path), path.name)
        raise Failure(f"Your answers file could not be marked: {message}") from None
    tests = []
    for item in report.items:
        codes = f" [{', '.join(item.diagnosis)}]" if item.diagnosis else ""
        said = "" if item.message in ("", item.status) else f": {item.message}"
        tests.append({"name": item.label, "score": _number(item.points), "max_score": _number(item.max_points),
                      "status": "passed" if item.points >= item.max_points else "failed",
                      "output": f"{item.status.replace('_', ' ')}{codes}{said}"})
    lines = [f"Variant {variant}: {_number(report.points)} of {_number(report.max_points)} points "
             f"({report.correct} of {report.total} items credited). {report.policy_text()}."]
    lines += [f"Note: {warning}" for warning in report.warnings]
    return {"score": _number(report.points), "tests": tests, "output": "\n".join(lines)}


def _number(value):
    value = float(value)
    return int(value) if value.is_integer() else round(value, 6)


def read_users(path):
    """The ids (sid, email, id) of the submitters, from whatever submission_metadata.json holds; [] when unreadable."""
    try:
        with open(path, "rb") as stream:
            raw = stream.read(MAX_METADATA_BYTES + 1)
        if len(raw) > MAX_METADATA_BYTES:
            return []
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, RecursionError, UnicodeDecodeError):
        return []
    users = data.get("users") if isinstance(data, dict) else data
    if isinstance(users, dict):
        users = [users]
    if not isinstance(users, list):
        return []
    ids = []
    for user in users[:MAX_USERS]:
        if isinstance(user, dict):
            for field in ("sid", "email", "id"):
                value = user.get(field)
                if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
                    ids.append(str(value).strip())
        elif isinstance(user, (str, int)) and not isinstance(user, bool) and str(user).strip():
            ids.append(str(user).strip())
    return ids


def find_variant(index, users):
    variants = [str(v) for v in index["variants"]]
    if len(variants) == 1:
        return variants[0]
    known = set(variants)
    for user in users:
        if user in known:
            return user
    raise Failure("No exercise variant was generated for your student id; please tell your instructor.")


def find_answers(folder):
    """The answers file: the one named answers.*, else the only file with an answers suffix."""
    files: list[Path] = []
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if len(files) > MAX_FILES:
            break
        if path.suffix.lower() in SUFFIXES and path.is_file() and not path.is_symlink():
            files.append(path)
    named = [p for p in files if p.stem.lower() == "answers"]
    if len(named) > 1:
        raise Failure("Submit one answers file; found " + " and ".join(p.name for p in named[:5]) + ".")
    if named:
        return named[0]
    if len(files) == 1:
        return files[0]
    if files:
        raise Failure("Submit one answers file named answers.yaml, .json or .toml; found "
                      + ", ".join(p.name for p in files[:5]) + ".")
    raise Failure("Submit one answers file (answers.yaml, .json or .toml).")


if __name__ == "__main__":
    main()
