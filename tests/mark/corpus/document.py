"""One corpus document: a problem, a student (names, rounding, notation, style), planted mistakes, the text and
the truth for every line.

    doc = make_document(seed)          # deterministic in the seed
    doc.text, doc.solution, doc.truth  # truth: {line: Truth}

A planted mistake is one of check's mistake models (a replay of the solve with it made, as ``gradwork check``
diagnoses it); its first line is the first line whose number it changes beyond the marking tolerance, which
must be marked wrong with its code; the lines after it that it changes are "after" (carried forward, or at
worst wrong); every other line is correct. Some documents are left correct.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from tests.mark.corpus.expr import (
    Call,
    D,
    Mat,
    Neg,
    Num,
    Op,
    Paren,
    Pow,
    Printer,
    Style,
    Sym,
    T,
    number_text,
)
from tests.mark.corpus.network import Network, Statement, Values, choose_names
from tests.mark.corpus.write import statements

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = ("seed002_exam4a", "seed003_7_1_network", "seed004_hw1", "seed000_exercise6_1")
NOTATIONS = ("latex", "unicode", "ascii", "ocr")
STYLES = ("chain", "delta", "matrix")
PLANTABLE = ("sign", "factor_2", "factor_half", "activation_derivative", "update_sign", "learning_rate",
             "log_base_10", "transposed", "softmax_diagonal_jacobian", "bias_not_updated")


@dataclass
class Truth:
    line: int
    status: str  # correct | wrong | after | drift
    code: str | None = None
    key: str | None = None
    broken: bool = False  # a number on the statement was broken by OCR noise (must be reported unread)
    broken_line: int = 0  # the line holding the broken number


@dataclass
class CorpusDocument:
    id: str
    solution: Any
    text: str
    notation: str
    style: str
    origin: str
    planted: list[tuple[str, str]] = field(default_factory=list)
    truth: dict[int, Truth] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)  # key -> code of an item never written (a bias left)
    rows: list[int] = field(default_factory=list)  # every line holding maths (for the not-read rate)


# ---------------------------------------------------------------- problems
@cache
def _template(name: str) -> Any:
    from gradwork.generate import read_template

    return read_template(ROOT / "examples" / "templates" / f"{name}.yaml")


def template_problem(rng: random.Random) -> tuple[Any, Any, str]:
    from gradwork.generate import draw

    name = rng.choice(TEMPLATES)
    variant = draw(_template(name), rng.randrange(10_000), rng.randrange(1_000_000))
    return variant.solution, variant.candidate.float, name


ACTIVATIONS = ("sigmoid", "sigmoid", "tanh", "relu", "leaky_relu", "identity", "softplus")


def random_problem(rng: random.Random) -> tuple[Any, Any, str]:
    """A small random network (1-3 inputs, 1-2 hidden layers of 1-3 units, 1-2 outputs) as a problem file."""
    from gradwork.problem import load, solve

    for _ in range(50):
        sizes = [rng.randint(1, 3)] + [rng.randint(1, 3) for _ in range(rng.choice([1, 1, 2]))] + [rng.randint(1, 2)]
        convention = rng.choice(["row", "column"])
        layers = []
        for k in range(1, len(sizes)):
            fan_in, fan_out = sizes[k - 1], sizes[k]
            shape = (fan_in, fan_out) if convention == "row" else (fan_out, fan_in)
            weights = [[_nice(rng) for _ in range(shape[1])] for _ in range(shape[0])]
            activation = rng.choice(ACTIVATIONS) if k < len(sizes) - 1 else rng.choice(["sigmoid", "identity", "tanh"])
            entry = {"weights": weights, "activation": activation}
            if activation == "leaky_relu":
                entry["activation"] = {"name": "leaky_relu", "alpha": 0.1}
            if rng.random() < 0.85:
                entry["bias"] = [_nice(rng, 0.5) for _ in range(fan_out)]
            layers.append(entry)
        output = layers[-1]["activation"]
        loss = rng.choice(["half_sse", "half_sse", "mse", "sse"] + (["bce"] if output == "sigmoid" and sizes[-1] == 1
                                                                     else []))
        target = [rng.choice([0, 1]) if loss == "bce" else _nice(rng) for _ in range(sizes[-1])]
        problem = {
            "title": "random network", "convention": convention,
            "input": [_nice(rng, 2.0, step=0.5) for _ in range(sizes[0])],
            "target": target if len(target) > 1 else target[0],
            "layers": layers, "loss": loss,
            "optimizer": {"name": "sgd", "lr": rng.choice([0.1, 0.5, 0.01, 0.2])},
        }
        import json

        try:
            solution = solve(load(json.dumps(problem)))
        except Exception:  # noqa: BLE001 (a draw that does not solve is drawn again)
            continue
        if _usable(solution):
            return solution, solution, f"random {'-'.join(map(str, sizes))}"
    raise RuntimeError("no usable random network")


def _nice(rng: random.Random, scale: float = 1.0, step: float = 0.1) -> float:
    while True:
        value = round(rng.randint(-int(scale / step), int(scale / step)) * step, 2)
        if value != 0:
            return value


def _usable(solution: Any) -> bool:
    for section in (solution.values, solution.gradients, solution.updated):
        for value in section.values():
            array = np.asarray(value, dtype=float)
            if not np.all(np.isfinite(array)) or np.any(np.abs(array) > 1e4):
                return False
    for layer in solution.layers:  # a relu at exactly 0 needs the convention: avoided
        z = np.asarray(solution.values[layer.z], dtype=float)
        if np.any(np.abs(z) < 1e-9) or np.any(np.abs(np.asarray(solution.gradients.get(layer.z, 1.0))) < 1e-6):
            return False
    return True


# ---------------------------------------------------------------- the student and their mistakes
def make_document(seed: int, notation: str | None = None, style: str | None = None, plant: str | None = "random"
                  ) -> CorpusDocument:
    from gradwork.check import Checker
    from gradwork.check.replay import NOTHING, Graph, Perturbation, replay

    rng = random.Random(seed)
    marking, solution, origin = (template_problem(rng) if rng.random() < 0.5 else random_problem(rng))
    notation = notation or rng.choice(NOTATIONS)
    style = style or rng.choice(STYLES)
    graph = Graph(solution)
    marker = Checker(solution)
    digits = rng.choice([4, 4, 4, 5])
    rounding = (digits, "sig")
    units = [np.asarray(solution.values["input"]).size] + [layer.fan_out for layer in solution.layers]
    names = choose_names(rng, units)
    tolerance = marking.marking.effective_tolerance

    def network(perturbation: Any, carried: int) -> Network:
        state = replay(graph, perturbation + Perturbation(round_to=carried))
        clean = replay(graph, Perturbation(round_to=carried))
        return Network(solution, graph, Values(graph, state, solution), Values(graph, clean, solution),
                       Values(graph, marker.clean, solution), names, rounding)

    # a calculator keeps more figures than the student writes down: enough that a correct student's answers
    # pass the marking tolerance (a difference of close numbers loses figures: keep more there)
    def written(value: Any) -> Any:
        if value is None:
            return None
        return np.vectorize(lambda v: float(number_text(float(v), *rounding)))(np.asarray(value, dtype=float))

    carried = next((c for c in (digits + 2, digits + 4, 12) if all(
        _passes(tolerance, written(s.clean), s.true) for s in statements(network(NOTHING, c), style,
                                                                         random.Random(seed + 1))
        if s.key and s.clean is not None and s.true is not None)), 12)

    planted: list[tuple[str, str]] = []
    work: list[Statement] = []
    wanted = plant if plant != "random" else (None if rng.random() < 0.25 else rng.choice(PLANTABLE))
    candidates = [v for v in marker.variants if v.code == wanted and v.perturbation is not None]
    rng.shuffle(candidates)
    for variant in candidates[:12]:
        try:
            net = network(variant.perturbation, carried)
        except Exception:  # noqa: BLE001 (a mistake that cannot be made in this problem)
            continue
        trial = statements(net, style, random.Random(seed + 1))
        if wanted == "bias_not_updated":
            trial = [s for s in trial if not (s.kind == "update" and s.key and _is_bias(solution, s.key))]
        if wanted == "transposed":  # "w12 = 0.2" read in the other convention is the problem's own w_12 (from
            # input 1 to unit 2): no one can tell the slip from a weight restated alone, so it is not restated
            trial = [s for s in trial if not (s.kind == "given" and getattr(s.head, "base", "") == "w")]
        first = next((s for s in trial if (s.key or s.kind == "given")
                      and not _passes(tolerance, written(s.student), s.clean)), None)
        if first is not None and not _identifiable(marker, graph, variant, trial, first, tolerance):
            continue  # another mistake model gives the same number there: no one could tell which was made
        if first is not None and _shown_within(trial[:trial.index(first)], written):
            continue  # an earlier line already shows it within the tolerance: accepted there, so is what follows
        if first is not None or (wanted == "bias_not_updated" and _has_bias_updates(solution)):
            planted, work = [(variant.code, variant.site)], trial
            break
    if not planted:
        work = statements(network(NOTHING, carried), style, random.Random(seed + 1))
    doc = CorpusDocument(f"doc{seed:05d}", marking, "", notation, style, origin, planted)
    EXACT.clear()
    for tensor in [*solution.parameters.values(), solution.nodes.get("input"), solution.target]:
        if tensor is not None:
            EXACT.update(round(abs(float(v)), 12) for v in np.asarray(tensor.data, dtype=float).reshape(-1))
    if solution.optimizer.lr is not None:
        EXACT.add(round(abs(float(solution.optimizer.lr)), 12))
    if planted and planted[0][0] == "bias_not_updated":
        for name in solution.parameters:
            if _is_bias(solution, "updated." + name) and name in solution.updated:
                doc.missing["updated." + name] = "bias_not_updated"
    _truth_codes(work, planted, tolerance, written)
    doc.text = render(work, notation, rng, doc, tolerance, digits)
    return doc


def _identifiable(marker: Any, graph: Any, planted: Any, work: list[Statement], first: Statement,
                  tolerance: Any) -> bool:
    """No mistake model of another code gives the planted one's number at its first line while leaving every
    line before it as it is (else no one could tell which mistake was made)."""
    if not first.key or first.key.startswith("local:") or first.kind == "given":
        return True
    state = marker.variant_state(planted)
    if state is None:
        return True
    mine = _read(graph, state, first.key)
    if mine is None:
        return True
    earlier = [s.key for s in work[:work.index(first)] if s.key and not s.key.startswith("local:")]
    clean = marker.clean
    for other in marker.variants:
        if other.code == planted.code or other.perturbation is None:
            continue
        other_state = marker.variant_state(other)
        value = None if other_state is None else _read(graph, other_state, first.key)
        if value is None or not _passes(tolerance, value, mine):
            continue
        if all(_passes(tolerance, _read(graph, other_state, key), _read(graph, clean, key)) for key in earlier):
            return False
    return True


def _shown_within(before: list[Statement], written: Any) -> bool:
    """Does a line before the mistake's first wrong one already write a number it changed, within the marking
    tolerance (δ = -2.108 for -2.111)? A marker accepts that number, and a line computed from it by right
    arithmetic (∂L/∂W = δ aᵀ, now beyond the tolerance) is then right too: the truth could not be decided."""
    for s in before:
        if not s.key or s.student is None or s.clean is None:
            continue
        mine, clean = np.asarray(written(s.student), dtype=float), np.asarray(written(s.clean), dtype=float)
        if mine.shape == clean.shape and not np.array_equal(mine, clean):
            return True
    return False


def _read(graph: Any, state: Any, key: str) -> Any:
    from gradwork.check.replay import Place

    section, _, rest = key.partition(".")
    name, _, index = rest.partition("[")
    try:
        if section == "loss":
            place = Place("loss", graph.loss)
        elif section == "updated":
            place = Place("updated", graph.params[name])
        else:
            place = Place("value" if section == "values" else "grad", graph.names[name])
    except KeyError:
        return None
    found = state.read(place)
    if found is None:
        return None
    array = np.asarray(found, dtype=float)
    return array if not index else array.reshape(-1)[_flat(np.shape(array), index)]


def _flat(shape: tuple[int, ...], index: str) -> int:
    numbers = tuple(int(i) for i in index.rstrip("]").split(","))
    if len(numbers) != len(shape):
        return numbers[-1]
    return int(np.ravel_multi_index(numbers, shape))


def _is_bias(solution: Any, key: str) -> bool:
    name = key.split(".", 1)[1].split("[")[0]
    return any(layer.bias == name for layer in solution.layers)


def _has_bias_updates(solution: Any) -> bool:
    return any(layer.bias for layer in solution.layers)


def _passes(tolerance: Any, a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape:
        return False
    return bool(np.all(tolerance.passes(x, y)))


def _truth_codes(work: list[Statement], planted: list[tuple[str, str]], tolerance: Any, written: Any) -> None:
    """The truth of each line, from the number the student writes (rounded as they round): a carried value
    within the tolerance that its rounding takes outside it is a wrong number on the page."""
    first = True
    for s in work:
        if s.key is None and s.kind != "given":
            continue
        if planted and not _passes(tolerance, written(s.student), s.clean):
            s.planted = planted[0][0] if first else "after"
            first = False


# ---------------------------------------------------------------- evaluating the shown numbers (as mark does)
def evaluate(e: Any, bumps: dict[int, float] | None = None) -> Any:
    bumps = bumps or {}
    if isinstance(e, Num):
        return np.float64(e.value + bumps.get(id(e), 0.0))
    if isinstance(e, Paren):
        return evaluate(e.arg, bumps)
    if isinstance(e, Neg):
        return -evaluate(e.arg, bumps)
    if isinstance(e, Mat):
        return np.array([[float(evaluate(c, bumps)) for c in row] for row in e.rows])
    if isinstance(e, T):
        return np.asarray(evaluate(e.arg, bumps)).T
    if isinstance(e, Pow):
        return np.power(evaluate(e.base, bumps), evaluate(e.exponent, bumps))
    if isinstance(e, Call):
        x = np.asarray(evaluate(e.args[0], bumps), dtype=float)
        f = {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh, "relu": lambda v: np.maximum(v, 0),
             "lrelu": lambda v: np.where(v >= 0, v, 0.1 * v), "softplus": lambda v: np.log1p(np.exp(v)),
             "exp": np.exp, "log": np.log}[e.fn]
        if e.prime:
            h = 1e-6
            return (f(x + h) - f(x - h)) / (2 * h)
        return f(x)
    if isinstance(e, Op):
        values = [np.asarray(evaluate(a, bumps), dtype=float) for a in e.args]
        result = values[0]
        for v in values[1:]:
            if e.op == "+":
                result = result + v
            elif e.op == "-":
                result = result - v
            elif e.op == "/":
                result = result / v
            elif e.op == "o":
                result = result * v
            elif result.ndim == 2 and v.ndim == 2 and result.shape[1] == v.shape[0] and result.size > 1 and v.size > 1:
                result = result @ v
            else:
                result = result * v
        return result
    raise TypeError(e)


def _literals(e: Any) -> list[Num]:
    found: list[Num] = []
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, Num):
            found.append(x)
        elif isinstance(x, (Paren, Neg, T)):
            stack.append(x.arg)
        elif isinstance(x, Pow):
            stack += [x.base, x.exponent]
        elif isinstance(x, Call):
            stack += list(x.args)
        elif isinstance(x, Op):
            stack += list(x.args)
        elif isinstance(x, Mat):
            stack += [c for row in x.rows for c in row]
    return found


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


EXACT: set[float] = set()  # the numbers the problem gives (set per document): exact when copied, as mark reads them


def holds(left: Any, right: Any) -> bool:
    """Does ``left = right`` hold to the precision written (each decimal off by half its last place)?"""
    try:
        with np.errstate(all="ignore"):
            a = np.asarray(evaluate(left), dtype=float)
            b = np.asarray(evaluate(right), dtype=float)
            if a.size != b.size or not np.all(np.isfinite(a)):
                return False
            b = b.reshape(a.shape)
            slack = np.zeros(a.shape)
            for side, value in ((left, a), (right, b)):
                lone = isinstance(side, Num)
                for literal in _literals(side):
                    if "." not in literal.text or (not lone and round(abs(literal.value), 12) in EXACT):
                        continue
                    bumped = np.asarray(evaluate(side, {id(literal): 0.5 * 10.0 ** -_decimals(literal.text)}))
                    slack = slack + np.abs(bumped.reshape(a.shape) - value)
            return bool(np.all(np.abs(a - b) <= slack + 1e-9 * (1 + np.abs(b))))
    except (TypeError, ValueError, KeyError):
        return False


def substitute(e: Any, mapping: dict[Any, Any]) -> Any:
    if isinstance(e, (Sym, D)) and e in mapping:
        return mapping[e]
    if isinstance(e, Paren):
        return Paren(substitute(e.arg, mapping))
    if isinstance(e, Neg):
        return Neg(substitute(e.arg, mapping))
    if isinstance(e, T):
        return T(substitute(e.arg, mapping))
    if isinstance(e, Pow):
        return Pow(substitute(e.base, mapping), substitute(e.exponent, mapping))
    if isinstance(e, Call):
        return Call(e.fn, tuple(substitute(a, mapping) for a in e.args), e.prime)
    if isinstance(e, Op):
        return Op(e.op, tuple(substitute(a, mapping) for a in e.args))
    return e


# ---------------------------------------------------------------- rendering
def render(work: list[Statement], notation: str, rng: random.Random, doc: CorpusDocument, tolerance: Any,
           digits: int) -> str:
    style = Style(notation, times=rng.choice(["cdot", "cdot", "juxtapose", "times", "star"]),
                  update=rng.choice(["prime", "prime", "new"] + (["arrow"] if notation != "latex" else ["plus"])),
                  frac_derivative=rng.random() < 0.8, rng=random.Random(rng.random()),
                  matrix=rng.choice(["bmatrix", "pmatrix", "brackets"]))
    printer = Printer(style)
    lines: list[str] = [f"# {doc.origin}: worked solution", ""]
    section = None
    for s in work:
        heading = {"given": "Given", "value": "Forward pass", "loss": "Forward pass", "grad": "Backward pass",
                   "local": "Backward pass", "update": "Updates"}[s.kind]
        if heading != section:
            section = heading
            lines += [_heading(heading, notation, rng), ""]
        sides, broken = _sides(s, printer, digits, rng, notation)
        text, result_offset = _equation(sides, printer, notation, rng, s.assign and style.update == "arrow")
        number = len(lines) + 1 + result_offset
        status = "correct"
        if s.planted == "after":
            status = "after"
        elif s.planted:
            status = "wrong"
        elif not _passes(tolerance, s.clean, s.true):
            status = "drift"
        doc.truth[number] = Truth(number, status, s.planted if status == "wrong" else None, s.key, bool(broken))
        if broken:
            rows = text.split("\n")
            doc.truth[number].broken_line = len(lines) + 1 + next(
                (k for k, row in enumerate(rows) if broken in row), result_offset)
        rows = text.count("\n") + 1
        doc.rows.extend(range(len(lines) + 1, len(lines) + 1 + rows))
        lines += text.split("\n")
        lines.append("")
    return "\n".join(lines) + "\n"


def _heading(text: str, notation: str, rng: random.Random) -> str:
    if notation in ("latex", "ocr"):
        return rng.choice([f"## {text}", f"**{text}**", f"{text}:"])
    return rng.choice([f"{text}:", f"== {text} ==", f"## {text}"])


def _shown(value: Any, digits: int) -> Any:
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return Num(float(a), number_text(float(a), digits))
    if a.ndim == 1:
        a = a.reshape(1, -1)
    return Mat(tuple(tuple(Num(float(v), number_text(float(v), digits)) for v in row) for row in a))


def _sides(s: Statement, printer: Printer, digits: int, rng: random.Random, notation: str
           ) -> tuple[list[str], str]:
    result = _shown(s.student, digits)
    head = printer.expr(s.head)
    if s.kind == "given":
        return [head, printer.expr(result)], ""
    sides = [head]
    substituted = None
    if s.formula is not None and s.inputs:
        mapping = {symbol: _shown(value, digits) for symbol, value in s.inputs}
        substituted = substitute(s.formula, mapping)
        if not holds(substituted, result):
            substituted = None
    origin = s.planted not in (None, "after")
    if origin and s.planted == "update_sign" and s.formula is not None and s.inputs:
        flipped = Op("+", s.formula.args)
        mapping = {symbol: _shown(value, digits) for symbol, value in s.inputs}
        candidate = substitute(flipped, mapping)
        if holds(candidate, result):
            return [head, printer.expr(flipped), printer.expr(candidate), printer.expr(result)], ""
    if s.formula is not None and (substituted is not None or rng.random() < 0.5) and rng.random() < 0.9:
        sides.append(printer.expr(s.formula))
    broken = ""
    if substituted is not None and rng.random() < 0.85:
        text = printer.expr(substituted)
        if notation == "ocr" and rng.random() < 0.08:
            text, did = _break_a_number(text, rng)
            broken = text if did else ""
        sides.append(text)
    sides.append(printer.expr(result))
    return sides, broken


def _break_a_number(text: str, rng: random.Random) -> tuple[str, bool]:
    import re

    numbers = [m for m in re.finditer(r"\d+\.\d{3,}", text)]
    if not numbers:
        return text, False
    m = rng.choice(numbers)
    cut = m.start() + rng.randint(len(m.group()) - 3, len(m.group()) - 1)
    return text[:cut] + " " + text[cut:], True


def _equation(sides: list[str], printer: Printer, notation: str, rng: random.Random, arrow: bool
              ) -> tuple[str, int]:
    """The text of one statement and the offset (in lines) of its last side, where its result is."""
    if notation in ("latex", "ocr"):
        label = ""
        if notation == "ocr" and rng.random() < 0.1:
            label = f"\\textcircled{{{rng.randint(1, 9)}}} \\quad "
        if len(sides) > 2 and rng.random() < 0.25:
            rows = [sides[0] + " &= " + sides[1]] + ["&= " + side for side in sides[2:]]
            body = "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"
            return f"$$\n{body}\n$$", len(rows) + 1
        joined = " = ".join(sides)
        if rng.random() < 0.1 and len(joined) < 60:
            return f"so ${joined}$.", 0
        return f"$${label}{joined}$$", 0
    if arrow:
        sides = [sides[0] + (" ← " if notation == "unicode" else " <- ") + sides[1]] + sides[2:] if len(sides) > 1 \
            else sides
        joined = " = ".join(sides)
    else:
        joined = " = ".join(sides)
    prefix = rng.choice(["", "", "", "- ", "* "])
    return prefix + joined, 0


def _unused() -> None:  # keep imports used by tools that inspect the module
    _ = (math, T)
