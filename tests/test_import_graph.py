"""The import graph of src/gradwork has no cycle, and no function-level import is there to break one (#22 item 5).

grimp (import-linter's graph library) reads every import statement, function-level ones included, so a cycle
hidden behind an import inside a function is still a cycle here. Imports under ``if TYPE_CHECKING:`` are for
annotations only and left out, as the import contract leaves them out (pyproject.toml).

A function-level import of a gradwork module is kept only where it is lazy on purpose (start-up: the CLI loads
a command's machinery when the command runs, SymPy only in symbolic mode, a renderer with its format ...), and
says so in a comment on its line or on the line just above its block of imports. Any other function-level
import of a gradwork module belongs at the top of its module.
"""

from __future__ import annotations

import ast

import grimp

from tests.source_tree import Module, modules



def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    modules = sorted(graph.modules)
    edges = {m: sorted(n for n in graph.find_modules_directly_imported_by(m) if n.startswith("gradwork"))
             for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_the_import_graph_has_no_cycle():
    graph = grimp.build_graph("gradwork", exclude_type_checking_imports=True)
    assert _cycles(graph) == []


def _uncommented_function_level_imports(module: Module) -> list[str]:
    lines = module.lines
    starts = {node.end_lineno: node.lineno for node in module.nodes if isinstance(node, (ast.Import, ast.ImportFrom))}
    bare = []
    for node in module.function_level_imports:
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else ["gradwork"]  # relative: ours
        else:
            names = [alias.name for alias in node.names]
        if not any(name == "gradwork" or name.startswith("gradwork.") for name in names):
            continue
        if "#" in lines[node.lineno - 1]:
            continue
        top = node.lineno
        while top - 1 in starts:  # up through the block of imports it stands in
            top = starts[top - 1]
        if top >= 2 and lines[top - 2].strip().startswith("#"):
            continue
        bare.append(f"{module.name}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    return sorted(set(bare))


def test_every_function_level_import_of_gradwork_says_why_it_is_lazy():
    bare = [line for module in modules() for line in _uncommented_function_level_imports(module)]
    assert bare == [], "function-level imports of gradwork modules without a comment saying why they are lazy " \
                       "(move them to the top of the module otherwise):\n" + "\n".join(bare)
