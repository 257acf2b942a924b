#!/usr/bin/env bash
# Gradescope autograder setup, written by `gradwork generate --to gradescope`.
# Installs the gradwork wheel in wheels/ (built when this autograder was exported, so the variants are marked by
# the code that made them) into the image's Python 3: Ubuntu 22.04's python3 is 3.10, which gradwork supports.
# Its dependencies (numpy, sympy, PyYAML, pydantic, ...) come from the package index. GRADWORK_PYTHON names
# another interpreter.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${GRADWORK_PYTHON:-python3}"
if ! "$PYTHON" -c "import pip" >/dev/null 2>&1; then  # (importing pip is 20x quicker than running it)
    apt-get update -qq && apt-get install -y -qq python3-pip
fi
WHEEL="$(ls wheels/gradwork-*.whl | head -n 1)"
# This wheel's code is the one that marks, even where an image built before holds the same version: installed
# first, over whatever is there; the second call then finds it installed and only brings its dependencies.
"$PYTHON" -m pip install --no-input --disable-pip-version-check --force-reinstall --no-deps "$WHEEL"
"$PYTHON" -m pip install --no-input --disable-pip-version-check "$WHEEL"
"$PYTHON" -c "import gradwork.check, gradwork.problem; print('gradwork', gradwork.__version__, 'ready')"
