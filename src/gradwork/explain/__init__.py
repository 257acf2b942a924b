"""Explanations: derivations as data (steps) and renderers that print them."""
