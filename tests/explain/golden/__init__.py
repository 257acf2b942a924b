"""Golden files: renderer output checked line by line by a person, then pinned.

Set GRADWORK_UPDATE_GOLDEN=1 to rewrite them after an intended change, and
read the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GRADWORK_UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from its golden file (GRADWORK_UPDATE_GOLDEN=1 rewrites it)"
