"""PrairieLearn question server, written by `gradwork generate --to prairielearn`.

PrairieLearn calls generate(data) for each new variant and grade(data) for each
submission. Both hand the work to gradwork (installed in the course's Python
environment, e.g. a workspace or grader image with `pip install gradwork`): the
variant is drawn from template.yaml beside this file, seeded by PrairieLearn's
variant_seed, and submissions are marked by gradwork's checker, whose
carried-forward credit and diagnoses become the students' feedback.
"""

from pathlib import Path

from gradwork.generate import prairielearn

TEMPLATE = Path(__file__).with_name("template.yaml")


def generate(data):
    prairielearn.generate(data, TEMPLATE)


def grade(data):
    prairielearn.grade(data)
