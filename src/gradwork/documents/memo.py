"""Remembering a pure function of a text, for short texts only.

The escapers and readers turn the same short texts into the same results again and again (every variant of a
template writes the same headings and rules; a class's documents repeat their lines). ``remember_short`` keeps
the results for the last ``kept`` texts of at most ``longest`` characters (by default 4,096 texts of up to 2,000
characters), so what is held stays small; a longer text is worked out every time. ``also`` names state the result
depends on besides the text (the op registry's generation, for readers that know function names): it joins the key.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

Result = TypeVar("Result")
LONGEST, KEPT = 2_000, 4_096


def remember_short(longest: int = LONGEST, kept: int = KEPT, also: Callable[[], Any] | None = None
                   ) -> Callable[[Callable[[str], Result]], Callable[[str], Result]]:
    def wrap(function: Callable[[str], Result]) -> Callable[[str], Result]:
        @functools.lru_cache(maxsize=kept)
        def remembered(text: str, state: Any) -> Result:
            return function(text)

        @functools.wraps(function)
        def call(text: str) -> Result:
            if len(text) > longest:
                return function(text)
            return remembered(text, also() if also is not None else None)

        call.cache_info = remembered.cache_info  # type: ignore[attr-defined]  # (what the tests read)
        return call

    return wrap
