"""Importing gradwork (its training package and CLI included) loads no heavy framework."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ["torch", "onnx", "onnxruntime", "sklearn", "matplotlib"]


def test_train_and_cli_import_no_framework():
    code = ("import sys, json, gradwork.train, gradwork.train.export, gradwork.train.plot, gradwork.cli; "
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []
