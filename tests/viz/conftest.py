"""Shared fixtures: seed 002 and a 784-unit network as Solutions, and Graphviz/Chromium checks."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.viz.helpers import seed_002, wide_network


def require(command: str, package: str) -> None:
    """Skip when a Debian tool is missing, except in CI (where `make test` must have installed it)."""
    if shutil.which(command) is None:
        message = f"`{command}` not found: apt-get install {package} (make test installs it when root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def seed002():
    return seed_002()


@pytest.fixture(scope="module")
def wide():
    return wide_network()


@pytest.fixture
def graphviz_installed():
    require("dot", "graphviz")


@pytest.fixture
def no_graphviz(monkeypatch, tmp_path):
    """A PATH on which Graphviz's dot cannot be found."""
    monkeypatch.setenv("PATH", str(tmp_path))
