"""A derivation's sentences as a student reads them: the registry's ASCII typeset (½, −, σ, ≥) and the engine's
option names left out unless the teacher asked for notes.
"""

from __future__ import annotations


def for_student(text: str, notes: bool) -> str:
    """A sentence without the engine's option names, unless the teacher asked for notes."""
    if notes:
        return text
    return text.replace(" (relu_grad_at_zero)", "").replace("relu_grad_at_zero", "the problem's convention")



_TYPOGRAPHY = (("1/2", "½"), ("^2", "²"), (" - ", " − "), ("(-", "(−"), ("sigma", "σ"), ("alpha", "α"),
               (">=", "≥"), ("<=", "≤"), ("s_i", "sᵢ"), ("s_j", "sⱼ"), ("dL/dy", "∂L/∂y"), ("dL/dz", "∂L/∂z"))


def typeset(text: str) -> str:
    """A registry sentence in the typography of the rest of the derivation (½, −, σ, ≥)."""
    for ascii_form, shown in _TYPOGRAPHY:
        text = text.replace(ascii_form, shown)
    return text


def words_only(sentence: str) -> str:
    """A rule's sentence without the ASCII copy of the formula typeset above it ("f'(x) = ...: why")."""
    head, sep, tail = sentence.partition(": ")
    if sep and "=" in head and tail:
        return typeset(tail[0].upper() + tail[1:])
    return typeset(sentence)
