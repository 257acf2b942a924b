"""Build, once, the caches every xdist worker would otherwise build for itself at the same moment (`make test`).

In a fresh clone each of the `-n auto` workers would:

* rewrite the asserts of every test module and conftest.py and keep the result in ``__pycache__`` (a pyc checked
  against its source's hash): ~2.9 CPU-s a worker on our 2-core machine, since every worker collects every module;
* build Hypothesis's table of the characters UTF-8 can encode and its Unicode category table, kept under
  ``.hypothesis/unicode_data`` (~2.2 CPU-s), the first time a test draws text.

This does each once, spread over every core, with pytest's own rewriter and file format and Hypothesis's own
functions. Both tools still check what they read (pytest the source hash, Hypothesis its file) and rebuild what
they cannot use, so the worst this can do is nothing: where their internals are not what it expects (another
major version), it builds nothing and says so. Run it from the repository root (Hypothesis's cache is relative).
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
    """Write pytest's rewritten pyc for each test module that has none for its current source; how many written."""
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


def _warm_hypothesis() -> str:
    """Hypothesis's Unicode tables, as its text strategies build them (and keep them) on first use."""
    try:
        from hypothesis.internal.charmap import charmap, intervals_from_codec

        charmap()
        intervals_from_codec("utf-8")
    except (ImportError, AttributeError, TypeError) as why:
        return f"no Hypothesis tables ({why})"
    return ""


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "tests").resolve()
    try:
        import pytest

        if not pytest.__version__.startswith(("8.", "9.")):
            raise ImportError(f"pytest {pytest.__version__}")
        from _pytest.assertion.rewrite import PYC_TAIL, _write_pyc_fp, get_cache_dir, rewrite_asserts  # noqa: F401
    except ImportError as why:
        print(f"warm_test_caches: no test module rewritten ({why})", file=sys.stderr)
        paths = []
    else:
        paths = [str(p) for p in _targets(root)]
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers) as pool:
        tables = pool.submit(_warm_hypothesis)  # the longest single job first; the rewrites share the other cores
        shares = 4 * workers  # small shares, so that the cores finish together
        sum(pool.map(_warm, [paths[i::shares] for i in range(shares)]))
        if tables.result():
            print(f"warm_test_caches: {tables.result()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
