"""Bad worked solutions: one line each, ``FILE:LINE:COL: what is wrong (what was expected)``, exit 2."""

from __future__ import annotations

from gradwork.documents.errors import ProblemError


class WorkError(ProblemError):
    """A worked solution that cannot be marked at all."""


class WorkTooLarge(WorkError):
    """A document over :data:`gradwork.mark.MAX_WORK_CHARACTERS`."""


class NothingRead(WorkError):
    """A document in which no equation could be read: never a pass with 0/0 points."""


class TwoFilesForOneStudent(WorkError):
    """Two submissions with one name in a class folder (alice.md and alice.txt)."""
