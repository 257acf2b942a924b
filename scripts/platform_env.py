#!/usr/bin/env python3
"""The platform interpreters the export tests run under, found or built once and cached.

    python scripts/platform_env.py python 3.10        # print the path of a working python3.10 (exit 1 if none)
    python scripts/platform_env.py prairielearn       # build (once) a Python 3.13 venv holding only
                                                      # PrairieLearn's packages (prairielearn-requirements.txt)
    python scripts/platform_env.py gradescope         # build (once) a Python 3.10 venv with gradwork's dependencies

The venv lives outside the repository, in ``$GRADWORK_PLATFORM_CACHE`` (default ``~/.cache/gradwork/platforms``),
named after a hash of the requirements and the interpreter, so it is built once per machine and shared by every
checkout; a lock lets parallel test workers wait for one build. An interpreter is looked up on PATH
(``python3.13``; a pyenv shim that cannot run is skipped) and in ``$PYENV_ROOT/versions`` (``~/.pyenv``), or named by
``$GRADWORK_PYTHON3_13`` / ``$GRADWORK_PYTHON3_10``.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "prairielearn-requirements.txt"


class Unavailable(Exception):
    """The interpreter or environment cannot be had on this machine (the reason is the message)."""


def _runs(python: str | Path, version: str) -> bool:
    try:
        done = subprocess.run([str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYENV_VERSION": os.environ.get("PYENV_VERSION", "")})
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def find_python(version: str) -> Path:
    """A runnable ``python<version>`` (e.g. "3.10"), or Unavailable."""
    override = os.environ.get("GRADWORK_PYTHON" + version.replace(".", "_"))
    candidates: list[Path] = [Path(override)] if override else []
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(Path(on_path))
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if pyenv.is_dir():
        candidates += sorted(pyenv.glob(f"{version}*/bin/python{version}"), reverse=True)
    for candidate in candidates:
        if candidate.exists() and _runs(candidate, version):
            return candidate
    raise Unavailable(f"no runnable python{version} (looked on PATH and in {pyenv})")


def cache_root() -> Path:
    return Path(os.environ.get("GRADWORK_PLATFORM_CACHE", Path.home() / ".cache" / "gradwork" / "platforms"))


def prairielearn_python() -> Path:
    """The python of a venv with PrairieLearn's packages only (built on first use), or Unavailable."""
    base = find_python("3.13")
    requirements = REQUIREMENTS.read_text(encoding="utf-8")
    tag = hashlib.sha256(f"{base.resolve()}\n{requirements}".encode()).hexdigest()[:12]
    return _venv(base, f"prairielearn-py313-{tag}", requirements)


def gradescope_base_python() -> Path:
    """The python of a Python 3.10 venv holding gradwork's runtime dependencies (not gradwork), built on first use.

    It stands in for the packages Gradescope's setup.sh fetches from the index; a test points a fresh venv at it
    (a .pth file) and runs the exported setup.sh there, which then installs only the exported wheel.
    """
    base = find_python("3.10")
    requirements = _runtime_requirements()
    tag = hashlib.sha256(f"{base.resolve()}\n{requirements}".encode()).hexdigest()[:12]
    return _venv(base, f"gradescope-py310-{tag}", requirements)


def _runtime_requirements() -> str:
    """gradwork's own dependencies, from pyproject.toml (one per line)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    project = tomllib.loads((HERE.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return "".join(f"{requirement}\n" for requirement in project["dependencies"])


def _venv(base: Path, name: str, requirements: str) -> Path:
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    venv = root / name
    python = venv / "bin" / "python"
    done = venv / ".complete"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build; other workers wait here and then find it complete
        if done.exists() and python.exists():
            return python
        shutil.rmtree(venv, ignore_errors=True)
        made = subprocess.run([str(base), "-m", "venv", str(venv)], capture_output=True, text=True, timeout=600)
        if made.returncode != 0:
            raise Unavailable(f"{base.name} -m venv failed: {made.stderr.strip()[-500:]}")
        listed = venv / "requirements.txt"
        listed.write_text(requirements, encoding="utf-8")
        installed = subprocess.run(
            [str(python), "-m", "pip", "install", "--no-input", "--disable-pip-version-check", "-q",
             "-r", str(listed)], capture_output=True, text=True, timeout=1800)
        if installed.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            raise Unavailable(f"installing the packages of {name} failed: {installed.stderr.strip()[-800:]}")
        done.write_text(requirements, encoding="utf-8")
    return python


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("prairielearn", help="the PrairieLearn venv's python")
    sub.add_parser("gradescope", help="a Python 3.10 venv with gradwork's dependencies (Gradescope's image)")
    find = sub.add_parser("python", help="a runnable interpreter of a version")
    find.add_argument("version")
    args = parser.parse_args()
    try:
        if args.what == "prairielearn":
            path = prairielearn_python()
        elif args.what == "gradescope":
            path = gradescope_base_python()
        else:
            path = find_python(args.version)
    except Unavailable as why:
        print(f"platform_env: {why}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
