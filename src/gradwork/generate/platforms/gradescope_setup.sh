#!/usr/bin/env bash
# Gradescope autograder setup, written by `gradwork generate --to gradescope`.
# Installs gradwork: from wheels placed in wheels/ beside this file if there are any (an offline or pinned
# install), else from the package index.
set -euo pipefail
cd "$(dirname "$0")"
apt-get install -y python3 python3-pip >/dev/null 2>&1 || true
if ls wheels/*.whl >/dev/null 2>&1; then
    pip3 install --break-system-packages wheels/*.whl || pip3 install wheels/*.whl
else
    pip3 install --break-system-packages gradwork || pip3 install gradwork
fi
