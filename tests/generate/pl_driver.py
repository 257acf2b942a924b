"""Runs exported PrairieLearn questions through PrairieLearn's own element code, many submissions in one process.

Not a test module: ``test_prairielearn_platform.py`` runs it with the python of a venv that holds only
PrairieLearn's packages (scripts/platform_env.py), with the job as JSON on stdin:

    {"lifecycle": ".../shared/platforms/pl_lifecycle.py", "course": "OUT",
     "questions": [{"dir": "OUT/questions/NAME", "seed": 7, "submissions": {"label": {"q1": "0.5"} | "correct"}}]}

Each question goes through pl_lifecycle's own ``generate`` (server.py generate, elements prepare) and ``submit``
(elements parse, server.py parse, elements grade, server.py grade). It prints one JSON object: per question the
params, correct_answers and each submission's result, plus the top-level modules that were imported.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    job = json.load(sys.stdin)
    course = Path(job["course"]).resolve()
    sys.path.insert(0, str(course / "serverFilesCourse"))  # as PrairieLearn does for course code
    lifecycle_path = Path(job["lifecycle"]).resolve()
    lifecycle = _load(lifecycle_path, "pl_lifecycle")
    # PrairieLearn runs each element in its own folder, where it opens its .mustache file by a relative name;
    # pl_lifecycle does not change folders, so one folder holding every element's mustache file stands in for that.
    elements = lifecycle_path.parent / "prairielearn" / "apps" / "prairielearn" / "elements"
    work = Path(tempfile.mkdtemp(prefix="pl-elements-"))
    for mustache in elements.glob("*/*.mustache"):
        (work / mustache.name).symlink_to(mustache)
    os.chdir(work)
    results = []
    for question in job["questions"]:
        folder = Path(question["dir"]).resolve()
        server, variant = lifecycle.generate(folder, question["seed"])
        out = {"params": variant["params"], "correct_answers": variant["correct_answers"], "submissions": {}}
        for label, raw in question["submissions"].items():
            if raw == "correct":
                raw = {key: lifecycle._typed(value) for key, value in variant["correct_answers"].items()}
            out["submissions"][label] = lifecycle.submit(folder, server, variant, raw)
        results.append(out)
    import gradwork

    print(json.dumps({"results": results, "gradwork": gradwork.__file__,
                      "modules": sorted({name.split(".")[0] for name in sys.modules})}, default=str, allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
