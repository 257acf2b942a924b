"""Run the command line in this process, shaped like a finished subprocess.

typer's CliRunner calls the same ``app`` (and so the same error boundary and exit
codes) as the ``gradwork`` script, without starting Python per call; stdout and
stderr are captured apart. What only a real process shows (the console script,
lazy imports, a full disk on stdout) is tested in tests/cli/test_entry_point.py
and tests/cli/test_hostile.py.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from gradwork.cli import app


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


def gradwork(*args: str | Path, input: str | None = None, cwd: Path | None = None,
             env: dict[str, str] | None = None) -> Run:
    """``gradwork ARGS`` with ``input`` on stdin, run in ``cwd``, with ``env`` set for the run."""
    with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
        result = CliRunner().invoke(app, [str(arg) for arg in args], input=input, env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # The boundary turns every error into a line and an exit code; one that escapes would be a
        # traceback in a real run, so the test fails with it.
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)
