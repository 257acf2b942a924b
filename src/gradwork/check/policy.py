"""Which marking policy applies to one answers file: the teacher's, never the student's.

The tolerance comes from, in this order:

1. the command line (``--sigfigs N | --digits N | --rtol R [--atol A]``);
2. the answers file's own ``tolerance:``, only when the teacher passes
   ``--allow-answer-tolerance``;
3. the problem's ``marking: tolerance:``;
4. the default, 3 significant figures.

An answers file's tolerance that is not used is reported as a warning, so a
student who wrote ``tolerance: {rtol: 100}`` is marked exactly like one who
did not. Points, carried-forward credit and the score of a blank come only
from the problem's ``marking:``.
"""

from __future__ import annotations

from typing import Any

from gradwork.numbers.marking import MarkingPolicy
from gradwork.numbers.tolerance import Tolerance, ToleranceError


def effective_policy(problem: MarkingPolicy, answers_tolerance: Tolerance | None = None, *,
                     tolerance: Tolerance | None = None,
                     allow_answer_tolerance: bool = False) -> tuple[MarkingPolicy, tuple[str, ...]]:
    """The policy for one answers file, and warnings about an answers-file tolerance left unused.

    ``tolerance``: the command line's; ``answers_tolerance``: the file's own ``tolerance:``.
    """
    warnings: list[str] = []
    policy = problem
    if answers_tolerance is not None:
        written = answers_tolerance.describe()
        if not allow_answer_tolerance:
            warnings.append(f"the answers file's own tolerance ({written}) is ignored: the teacher's policy "
                            "applies (check --allow-answer-tolerance accepts it)")
        elif tolerance is not None:
            warnings.append(f"the answers file's own tolerance ({written}) is ignored: the command line sets "
                            f"{tolerance.describe()}")
        else:
            policy = policy.with_tolerance(answers_tolerance, "answers file")
    if tolerance is not None:
        policy = policy.with_tolerance(tolerance, "command line")
    return policy, tuple(warnings)


def tolerance_from_flags(sigfigs: Any = None, digits: Any = None, rtol: Any = None,
                         atol: Any = None) -> Tolerance | None:
    """The command line's tolerance (None when no flag is given); raises :class:`ToleranceError`.

    At most one of ``sigfigs``, ``digits`` and ``rtol``; ``atol`` only with ``rtol``.
    """
    given = [name for name, value in (("--sigfigs", sigfigs), ("--digits", digits), ("--rtol", rtol))
             if value is not None]
    if len(given) > 1:
        raise ToleranceError(f"{' and '.join(given)} cannot be combined (expected one of --sigfigs N, --digits N, "
                             "--rtol R [--atol A])")
    if atol is not None and rtol is None:
        raise ToleranceError("--atol needs --rtol (expected --rtol R --atol A)")
    if sigfigs is not None:
        return Tolerance.sigfigs(sigfigs)
    if digits is not None:
        return Tolerance.digits(digits)
    if rtol is not None:
        return Tolerance.relative(rtol, 1e-8 if atol is None else atol)
    return None
