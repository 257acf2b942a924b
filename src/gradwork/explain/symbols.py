"""How each named node is written in a derivation: the problem's notation (``gradwork.problem.notation``).

Network form follows the course notation: x for the input, t for the target,
z⁽ˡ⁾ and a⁽ˡ⁾ for layer l's pre-activation and activation, W⁽ˡ⁾ and b⁽ˡ⁾ for its
parameters (w⁽ˡ⁾ for a single unit's flat weight vector), L for the loss;
layers are numbered from 1 and element indices print 1-based. Graph form uses
the names the user wrote, with 0-based indices as in the file. The problem's
``names:`` come first.
"""

from __future__ import annotations

from dataclasses import replace

from gradwork.explain.math import Symbol
from gradwork.problem import Solution
from gradwork.problem.notation import notation


def symbol_table(solution: Solution) -> dict[str, Symbol]:
    """Each node's symbol: the problem's own (``names:``) where it gives one, else the course notation."""
    return dict(notation(solution).symbols)


def updated(symbol: Symbol) -> Symbol:
    return replace(symbol, updated=True)
