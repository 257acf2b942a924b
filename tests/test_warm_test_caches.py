"""scripts/warm_test_caches.py writes the very pyc pytest would write for a test module (pytest takes it), and
Hypothesis's Unicode tables where Hypothesis reads them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from _pytest.assertion.rewrite import PYC_TAIL, _read_pyc, _rewrite_test

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "warm_test_caches.py"
MODULE = "def test_length():\n    items = [1, 2]\n    assert len(items) == 3, 'two'\n"


def _script():
    spec = importlib.util.spec_from_file_location("warm_test_caches", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_pyc_is_pytests_own_and_pytest_reads_it(tmp_path):
    warm = _script()
    (tmp_path / "pkg").mkdir()
    module = tmp_path / "pkg" / "test_sample.py"
    module.write_text(MODULE, encoding="utf-8")
    (tmp_path / "pkg" / "conftest.py").write_text("assert True\n", encoding="utf-8")
    (tmp_path / "pkg" / "helper.py").write_text("X = 1\n", encoding="utf-8")  # not rewritten by pytest: left alone
    targets = warm._targets(tmp_path)
    assert [p.name for p in targets] == ["conftest.py", "test_sample.py"]
    assert warm._warm([str(p) for p in targets]) == 2
    pyc = tmp_path / "pkg" / "__pycache__" / f"test_sample{PYC_TAIL}"
    # pytest's import hook runs whatever _read_pyc gives back: here, the code its own rewriter makes
    _, expected = _rewrite_test(module, None)  # type: ignore[arg-type]  # None: the rewriter's ini defaults
    assert _read_pyc(module, pyc) == expected
    assert warm._warm([str(module)]) == 0  # up to date: not written again
    module.write_text(MODULE.replace("3", "4"), encoding="utf-8")
    assert _read_pyc(module, pyc) is None  # a changed source: pytest rewrites it itself
    assert warm._warm([str(module)]) == 1



def test_hypothesiss_table_builders_are_still_there():
    # They keep their tables under .hypothesis/ (already built here: a test draws text before this one or after);
    # a renamed or removed builder would make the warm-up quietly build nothing.
    assert _script()._warm_hypothesis() == ""
