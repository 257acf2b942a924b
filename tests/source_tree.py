"""src/gradwork's modules, each read and parsed once per test worker, for the tests that scan the source.

Four test files check the source itself (op names outside ops/, LaTeX and HTML outside the renderers, module
size and docstrings, function-level imports). Each used to read, parse and walk all ~190 modules on its own;
they now share these parses, and tests/conftest.py runs them as one xdist unit so that one worker parses once.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "gradwork"


@dataclass(frozen=True)
class Module:
    """One source file: its text, lines, syntax tree and every node of it in ``ast.walk`` order."""

    name: str  # the path under src/gradwork, with forward slashes ("explain/render/text.py")
    text: str
    tree: ast.Module

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def nodes(self) -> tuple[ast.AST, ...]:
        return tuple(ast.walk(self.tree))

    @cached_property
    def strings(self) -> tuple[ast.Constant, ...]:
        """The string constants that are not docstrings (of the module, a class or a function)."""
        docstrings = {id(node.body[0].value) for node in self.nodes
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        return tuple(node for node in self.nodes if isinstance(node, ast.Constant) and isinstance(node.value, str)
                     and id(node) not in docstrings)

    @cached_property
    def function_level_imports(self) -> tuple[ast.Import | ast.ImportFrom, ...]:
        """The import statements inside a function (at any depth), in source order."""
        found: list[ast.Import | ast.ImportFrom] = []

        def visit(node: ast.AST, in_function: bool) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.Import, ast.ImportFrom)) and in_function:
                    found.append(child)
                visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

        visit(self.tree, False)
        return tuple(sorted(found, key=lambda node: (node.lineno, node.col_offset)))


@cache
def modules() -> tuple[Module, ...]:
    """Every module of src/gradwork, sorted by path."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        found.append(Module(path.relative_to(SRC).as_posix(), text, ast.parse(text)))
    return tuple(found)
