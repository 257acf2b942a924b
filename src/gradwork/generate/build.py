"""Drawing one variant: candidates from the template until one meets every constraint.

A candidate is the template's body with its random parts filled in. It is checked
as a problem file *with the template's positions* (so a bad option in a
``choice:`` is reported at its line in the template), solved in float (and, when
a constraint needs it, exact) arithmetic, and put through the constraints in
cost order. The first candidate that passes is the variant.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property, lru_cache
from typing import Any

import numpy as np

from gradwork.generate import constraints as rules, screen
from gradwork.generate.plant import Item, Planter, answers, asked
from gradwork.generate.sample import candidates, rng_for
from gradwork.generate.template import Template
from gradwork.documents import limits
from gradwork.documents.errors import ProblemError
from gradwork.documents.sources import Document
from gradwork.problem import Problem, Solution, load, solve
from gradwork.problem.solved_graph import solved_graph
from gradwork.tensor import Tensor, topological_order


class Candidate:
    """One drawing of a template's random parts, solved lazily."""

    def __init__(self, template: Template, data: dict[str, Any]) -> None:
        self.template = template
        self.data = data

    @cached_property
    def problem(self) -> Problem:
        t = self.template.document
        return load(Document(t.name, t.text, t.format, self.data, t.spans), checked=self.template.checked)

    @cached_property
    def float(self) -> Solution:
        return solve(self.problem, "float") if self.problem.mode in (None, "float") else self.solution_in("float")

    @cached_property
    def solution(self) -> Solution:
        """The solve in the template's own mode (``mode:``, default float): the one the key reports."""
        mode = self.problem.mode or "float"
        return self.float if mode == "float" else self.solution_in(mode)

    @cached_property
    def exact(self) -> Solution:
        return self.solution if self.solution.mode == "exact" else self.solution_in("exact")

    def solution_in(self, mode: str) -> Solution:
        return solve(self.problem, mode)  # type: ignore[arg-type]

    @cached_property
    def graph(self) -> list[Tensor]:
        """The float solve's tensors the loss (or output) depends on, inputs before the nodes that use them."""
        s = self.float
        root = s.loss if s.loss is not None else s.output
        # The engine's own walk: the constraints only look at which ops there are (solved_graph's naming is
        # not needed for that, and cost as much as the solve on a seed-sized network).
        return topological_order(root) if root is not None else [node.tensor for node in solved_graph(s).nodes]

    @cached_property
    def items(self) -> list[Item]:
        return asked(self.solution)

    @cached_property
    def planter(self) -> Planter:
        return Planter(self.float, asked(self.float))

    def finite(self) -> bool:
        """No NaN or Inf anywhere in the float solve (values, gradients, updates)."""
        s = self.float
        for section in (s.values, s.gradients, s.updated, {"loss": s.loss_value}):
            for value in section.values():
                if value is None:
                    continue
                kind = type(value)
                if kind is float:  # (a 0-d result is a Python float; the test below on one float)
                    if not math.isfinite(value):
                        return False
                elif kind is np.ndarray and value.dtype.kind == "f":  # float arrays as they are
                    if not np.isfinite(value).all():
                        return False
                elif not np.all(np.isfinite(np.asarray(value, dtype=float))):
                    return False
        return True


@dataclass
class Variant:
    """One generated exercise: its numbers, its solve, and where it came from."""

    id: str
    template: Template
    seed: int
    key: int | str  # the variant number or the student id it was drawn from
    data: dict[str, Any]
    candidate: Candidate
    tries: int  # candidates drawn, this one included
    items: list[Item] = field(default_factory=list)

    @property
    def problem(self) -> Problem:
        return self.candidate.problem

    @property
    def solution(self) -> Solution:
        return self.candidate.solution

    @property
    def answers(self) -> dict[str, Any]:
        """The key as an answers file's data (every asked item, full precision)."""
        return answers(self.solution, self.items)

    @property
    def origin(self) -> str:
        """One line saying where this variant came from, written into every output."""
        return (f"gradwork generate: variant {self.id} of {self.template.stem} "
                f"(template sha256 {self.template.hash[:16]}), seed {self.seed}, drawn from {self.key!r}")

    @property
    def problem_text(self) -> str:
        return f"# {self.origin}\n" + dump_yaml(self.data)


class ConstraintsNotMet(ProblemError):
    """No candidate met the constraints within the template's ``tries`` (or the run's time for failed tries)."""


class Budget:
    """The CPU seconds one run (``generate``, ``test``) may spend on candidates that fail the constraints.

    Counted over every variant of the run together, so that ``tries: 100000``
    with a constraint that can never hold stops after ``draw_seconds``
    (gradwork.documents.limits), not after 100,000 solves.
    """

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = float(limits.current().draw_seconds if seconds is None else seconds)
        self.spent = 0.0

    def charge(self, seconds: float) -> bool:
        """Add ``seconds`` of failed tries; whether the budget is now spent."""
        self.spent += seconds
        return self.spent > self.seconds


def draw(template: Template, seed: int, key: int | str, variant_id: str | None = None,
         budget: Budget | None = None) -> Variant:
    """The variant drawn for ``key`` (a variant number or a student id) under ``seed``.

    ``budget`` bounds the time spent on failing candidates (default: a fresh
    one, ``draw_seconds`` for this variant alone).
    """
    variant_id = variant_id or (key if isinstance(key, str) else f"v{key + 1:03d}")
    budget = budget or Budget()
    rng = rng_for(seed, key)
    wanted = rules.ordered(template.constraints)
    screening = screen.SCREENED > 0 and screen.screenable(template, wanted)
    # Each try's verdict, in order: the constraint it failed, or (screened out, not yet named) the candidate.
    verdicts: list[str | Candidate] = []
    tries = 0
    out_of_time = False
    for drawn in candidates(template, rng, template.tries):
        started = time.process_time()  # CPU time: the work a failed try cost, whatever else the machine runs
        tries += 1
        data = template.fill(drawn)
        data = {"title": f"{data.get('title') or template.stem} (variant {variant_id})",
                **{k: v for k, v in data.items() if k != "title"}}
        candidate = Candidate(template, data)
        first_look = screen.screen_for(template, drawn) if screening and tries <= screen.SCREENED else None
        nice = None if first_look is None or "nice" not in wanted else rules.CONSTRAINTS["nice"][1](candidate)
        if first_look is not None and nice is not False and first_look.rejects(drawn):
            verdicts.append(candidate)
        else:
            failed = _first_failure(candidate, wanted, nice)
            if failed is None:
                return Variant(variant_id, template, seed, key, data, candidate, tries, candidate.items)
            verdicts.append(failed)
            if screening:
                screen.build(template, drawn, candidate, wanted)
        if budget.charge(time.process_time() - started):
            out_of_time = True
            break
    # The screened-out candidates are checked in full now, in order, so that the counts (and their order) are
    # those of checking every candidate in full. (Should one pass after all, it is the variant.)
    failures: Counter[str] = Counter()
    for number, verdict in enumerate(verdicts, start=1):
        if isinstance(verdict, Candidate):
            started = time.process_time()
            name = _first_failure(verdict, wanted)
            budget.charge(time.process_time() - started)
            if name is None:
                return Variant(variant_id, template, seed, key, verdict.data, verdict, number, verdict.items)
            verdict = name
        failures[verdict] += 1
    counts = ", ".join(f"{name} failed {n} time{'s' if n != 1 else ''}" for name, n in failures.most_common())
    at = ("constraints",) if "constraints" in template.document.data else ()
    if out_of_time:
        raise ConstraintsNotMet(template.name, *_where(template, at),
                                f"no candidate for variant {variant_id} met the constraints in {tries} of "
                                f"{template.tries} tries: the run spent {budget.seconds:g} s on candidates that "
                                f"failed ({counts})",
                                f"{limits.note('draw_seconds')}; or wider ranges, fewer constraints")
    raise ConstraintsNotMet(template.name, *_where(template, at),
                            f"no candidate for variant {variant_id} met the constraints in {tries} tries "
                            f"({counts})", "wider ranges, fewer constraints or more `tries:`")


def _where(template: Template, path: tuple) -> tuple[int, int]:
    span = template.document.span(path)
    where = span.key or span.value
    return where.line, where.column


def _first_failure(candidate: Candidate, wanted: list[str], nice: bool | None = None) -> str | None:
    """The first constraint ``candidate`` fails, in ``wanted``'s order (``nice``: its ``nice`` verdict, if known)."""
    if "nice" in wanted and not (rules.CONSTRAINTS["nice"][1](candidate) if nice is None else nice):
        return "nice"
    _ = candidate.problem  # a template error (bad option, wrong shape) is raised here, at its template line
    try:
        if not candidate.finite():
            return "finite (no NaN or Inf)"
    except ProblemError:
        return "solvable (the solve failed)"
    for name in wanted:
        if name == "nice":
            continue
        if not rules.CONSTRAINTS[name][1](candidate):
            return name
    return None


# ---------------------------------------------------------------- writing a variant's problem file
def dump_yaml(data: dict[str, Any]) -> str:
    """A problem's data as YAML: decimals as written (0.1 stays 0.1), arrays of numbers on one line."""
    import yaml

    # libyaml's emitter writes what PyYAML's own does when every string is printable ASCII (both quote, fold at
    # the width and anchor alike); other characters (U+0085, beyond the BMP) it escapes differently, so those go
    # through PyYAML's.
    fast = _dumper(True) if _plain_ascii(data) else None
    return yaml.dump(data, Dumper=fast or _dumper(), sort_keys=False, allow_unicode=True, width=120)


_ASCII = re.compile(r"[ -~]*")


def _plain_ascii(value: Any) -> bool:
    """Is every string in ``value`` (keys too) printable ASCII, no line breaks or tabs?"""
    if isinstance(value, str):
        return _ASCII.fullmatch(value) is not None
    if isinstance(value, dict):
        return all(_plain_ascii(k) and _plain_ascii(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_plain_ascii(v) for v in value)
    return True


@lru_cache(maxsize=2)
def _dumper(libyaml: bool = False) -> Any:
    import yaml

    if libyaml and not hasattr(yaml, "CSafeDumper"):
        return None

    class Dumper(yaml.CSafeDumper if libyaml else yaml.SafeDumper):  # type: ignore[misc]
        pass

    def decimal(dumper: yaml.SafeDumper, value: Decimal) -> Any:
        text = format(value, "f")
        if "." not in text:
            text += ".0"  # still a float to YAML, and exact to exact mode
        return dumper.represent_scalar("tag:yaml.org,2002:float", text)

    def sequence(dumper: yaml.SafeDumper, value: list) -> Any:
        flat = all(not isinstance(v, dict) and (not isinstance(v, list) or all(
            not isinstance(w, dict) for w in v)) for v in value)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flat)

    Dumper.add_representer(Decimal, decimal)
    Dumper.add_representer(list, sequence)
    return Dumper
