"""Rewrite the test modules' asserts once, before the xdist workers start (`make test`).

pytest rewrites the asserts of every test module and conftest.py and keeps the result in ``__pycache__`` (a pyc
checked against its source's hash). In a fresh clone every xdist worker collects every module at the same moment,
so each rewrites all of them: ~2.7 CPU-s a worker on our 2-core machine. This writes those pycs once, spread over
every core, with pytest's own rewriter and file format. pytest still checks each pyc against its source and
rewrites any it cannot use, so the worst this can do is nothing: where pytest's internals are not what it expects
(another major version), it writes nothing and says so.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def _targets(root: Path) -> list[Path]:
    # pytest's default python_files ("test_*.py", "*_test.py") and every conftest.py, as the rewriter selects them
    return sorted(p for p in root.rglob("*.py")
                  if p.name == "conftest.py" or p.name.startswith("test_") or p.name.endswith("_test.py"))


def _warm(paths: list[str]) -> int:
    import ast
    import importlib.util

    from _pytest.assertion.rewrite import PYC_TAIL, _write_pyc_fp, get_cache_dir, rewrite_asserts

    written = 0
    for name in paths:
        path = Path(name)
        source = path.read_bytes()
        pyc = get_cache_dir(path) / (path.name[:-3] + PYC_TAIL)
        source_hash = importlib.util.source_hash(source)
        try:
            if pyc.read_bytes()[8:16] == source_hash[:8]:
                continue  # already rewritten for this source
        except OSError:
            pass
        tree = ast.parse(source, filename=name)
        rewrite_asserts(tree, source, name, None)  # None: the ini default (no assertion-pass hook), as configured
        code = compile(tree, name, "exec", dont_inherit=True)
        pyc.parent.mkdir(exist_ok=True)
        partial = pyc.with_name(f"{pyc.name}.{os.getpid()}")
        with open(partial, "wb") as out:
            _write_pyc_fp(out, source_hash, code)
        os.replace(partial, pyc)  # atomic, as pytest does: a pyc is whole or absent
        written += 1
    return written


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "tests").resolve()
    try:
        import pytest

        if not pytest.__version__.startswith(("8.", "9.")):
            raise ImportError(f"pytest {pytest.__version__}")
        from _pytest.assertion.rewrite import PYC_TAIL, _write_pyc_fp, get_cache_dir, rewrite_asserts  # noqa: F401
    except ImportError as why:
        print(f"warm_test_bytecode: nothing written ({why})", file=sys.stderr)
        return 0
    paths = [str(p) for p in _targets(root)]
    workers = os.cpu_count() or 1
    shares = [paths[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        sum(pool.map(_warm, shares))
    return 0


if __name__ == "__main__":
    sys.exit(main())
