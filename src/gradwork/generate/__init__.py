"""Exercise variants from templates, with keys, author tests and delivery to course platforms.

    template = read_template("examples/templates/exam4a.yaml")
    variant = draw(template, seed=42, key=0)          # variant v001; key may be a student id
    variant.problem_text, variant.answers               # the problem file and the key's answers

``generate`` sits above ``check`` and ``explain`` in the layers contract (docs/generate.md says why).
"""

from gradwork.generate.build import Candidate, ConstraintsNotMet, Variant, draw
from gradwork.generate.template import Template, read_template

__all__ = ["Candidate", "ConstraintsNotMet", "Template", "Variant", "draw", "read_template"]
