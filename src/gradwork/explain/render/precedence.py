"""The one precedence table that decides every bracket."""

from __future__ import annotations

# ---------------------------------------------------------------- precedence

# Higher binds tighter. The scale is the op registry's (Notation.precedence), so
# an op's notation template and a hand-built formula compare directly.
PREC_RELATION = 0
PREC_SUM = 50
PREC_NEG = 55  # a leading minus: fine as a sum's term or a product's first factor, bracketed elsewhere
PREC_QUOTIENT = 58  # "a / b" in text: bracketed inside a product, so 2·(1 / x) never reads as 2·1 / x
PREC_PRODUCT = 60
PREC_POWER = 80
PREC_POSTFIX = 90  # x[0], W^T, and symbols that already carry a superscript (w^(1))
PREC_ATOM = 100

PRECEDENCE: dict[str, int] = {
    "Relation": PREC_RELATION,
    "Sum": PREC_SUM,
    "Neg": PREC_NEG,
    "Product": PREC_PRODUCT,
    "Quotient": PREC_QUOTIENT,  # "a / b" in text; \frac is an atom in LaTeX (Printer.quotient_is_atom)
    "Derivative": PREC_PRODUCT,  # "∂L/∂w" in text; \frac in LaTeX
    "Power": PREC_POWER,
    "Transpose": PREC_POSTFIX,
    "Symbol": PREC_ATOM,
    "Number": PREC_ATOM,
    "Array": PREC_ATOM,
    "Call": PREC_ATOM,
    "Label": PREC_ATOM,
    "Words": PREC_ATOM,
    "Cases": PREC_ATOM,
    "OpTemplate": PREC_ATOM,  # refined per template by Printer.precedence
}

MINUS_SIGNS = ("-", "−")
