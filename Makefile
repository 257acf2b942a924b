# `make demo` and `make test` work on a fresh machine that has only Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install system-deps bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch==2.13.0 CPU comes from a local wheel where one exists (see pyproject's test extra).
	$(BIN)/python -m pip install -q $$( [ -d /opt/wheels ] && echo --find-links /opt/wheels ) -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/gradwork solve examples/seed002_exam4a_row.yaml

# Debian packages some tests need (pdflatex, graphviz, chromium); installed only when root and missing.
system-deps:
	@bash scripts/system-deps.sh

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
