# `make demo` and `make test` work on a fresh machine that has only Python 3.11.
# demo installs the runtime only (`pip install -e .`); test adds the `test` extra (torch, playwright, onnx ...).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
TESTING := $(VENV)/.installed-test
FUZZ_SECONDS ?= 300
# Python caches compiled modules (__pycache__, git-ignored) even where the environment turns it off: the tests
# start gradwork in many subprocesses, and without the cache each start compiles every module again.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test test-full install system-deps platform-envs bench fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $(RUNTIME)

# torch==2.13.0 CPU comes from a local wheel where one exists (see pyproject's test extra).
$(TESTING): pyproject.toml $(RUNTIME)
	$(BIN)/python -m pip install -q $$( [ -d /opt/wheels ] && echo --find-links /opt/wheels ) -e '.[test]'
	touch $(TESTING)

install: $(RUNTIME)

demo: $(RUNTIME)
	$(BIN)/gradwork solve examples/seed002_exam4a_row.yaml

# Debian packages some tests need (pdflatex, graphviz, chromium); installed only when root and missing.
system-deps:
	@bash scripts/system-deps.sh

# The platform interpreters the export tests run under (PrairieLearn's Python 3.13 venv, Gradescope's Python 3.10),
# built once per machine under ~/.cache/gradwork/platforms; where one cannot be built its tests skip with the reason.
platform-envs: $(TESTING)
	-@$(BIN)/python scripts/platform_env.py prairielearn >/dev/null
	-@$(BIN)/python scripts/platform_env.py gradescope >/dev/null

# Lint and type-check first (seconds; mypy's first run builds .mypy_cache), then the tests on every core,
# one test file per worker at a time (module fixtures and caches are built once). In a fresh clone every xdist worker
# (and every gradwork the tests start) would compile the same modules, and rewrite the same test modules' asserts,
# at once: compileall and scripts/warm_test_caches.py do each once, on every core, with Hypothesis's Unicode tables.
test: $(TESTING) system-deps platform-envs
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m compileall -q -j 0 -x '(^|/)(test_[^/]*|conftest)\.py$$' src tests
	$(BIN)/python scripts/warm_test_caches.py tests
	$(BIN)/python -m pytest -q -n auto --dist loadfile

# The same with every generated corpus whole (tests/sampling.py): all drawn variants the suite knows, not a sample.
test-full: $(TESTING) system-deps platform-envs
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m compileall -q -j 0 -x '(^|/)(test_[^/]*|conftest)\.py$$' src tests
	$(BIN)/python scripts/warm_test_caches.py tests
	GRADWORK_TEST_FULL=1 $(BIN)/python -m pytest -q -n auto --dist loadfile

bench: $(TESTING)
	$(BIN)/python benchmarks/run.py

# Coverage-guided fuzzing of every reader and entry point (not in CI): FUZZ_SECONDS=60 make fuzz. Crashes are
# saved as crash-*. The Hypothesis fuzzers run longer with GRADWORK_FUZZ_EXAMPLES=5000 (tests/fuzz/, docs/limits.md).
fuzz: $(TESTING)
	$(BIN)/python -m pip install -q 'atheris>=2.3,<4'
	rm -rf .fuzz-corpus && mkdir -p .fuzz-corpus
	for f in examples/*.yaml examples/*.toml examples/*.json; do cp "$$f" ".fuzz-corpus/problem-$$(basename $$f)"; done
	for f in examples/answers/*.yaml; do cp "$$f" ".fuzz-corpus/answers-$$(basename $$f)"; done
	for f in tests/mark/fixtures/*.md; do cp "$$f" ".fuzz-corpus/work-$$(basename $$f)"; done
	PYTHONPATH=. $(BIN)/python tests/fuzz/atheris_harness.py .fuzz-corpus -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .fuzz-corpus .mypy_cache .ruff_cache
