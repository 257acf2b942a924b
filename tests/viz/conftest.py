"""Shared fixtures: seed 002 and a 784-unit network as Solutions, and Graphviz/Chromium checks."""

from __future__ import annotations

import pytest

from tests.viz.helpers import require, seed_002, wide_network


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
