"""Delivery to course platforms: PrairieLearn, Moodle XML, Canvas (QTI 1.2) and Gradescope.

Each exporter returns the files to write (relative name -> text or bytes); the
CLI writes them with the usual no-overwrite rule. The question text is the
student sheet's HTML fragments (explain's renderer, MathML), so every platform
shows the numbers and symbols the sheet and key show. Tolerances are the
problem's ``marking:`` tolerance (default 3 significant figures), turned into
the absolute half-width the platform wants with the checker's own rule
(:meth:`Tolerance.bound`), so a platform accepts what ``gradwork check`` accepts.
"""

from __future__ import annotations

import io
from math import gcd
import json
import re
import uuid
import zipfile
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from gradwork.generate import prairielearn
from gradwork.generate.build import Variant
from gradwork.generate.plant import Item
from gradwork.generate.scoring import points, tolerance
from gradwork.generate.sheet import sheet
from gradwork.generate.template import Template
from gradwork.generate.write import Request
from gradwork.problem.quantities import index_text
from gradwork.documents.escape import xml_comment
from gradwork.documents.escape import xml_text as escape
from gradwork.explain.render import step_fragments
from gradwork.generate.labels import element_latex
from gradwork.explain.render.html import mathml
from gradwork.check import MISTAKES
from gradwork.generate.constraints import DISTINCT_MISTAKES
from gradwork.generate.wheel import build_wheel

PLATFORMS = ("prairielearn", "moodle", "qti", "gradescope")
RESOURCES = Path(__file__).parent / "platforms"
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed timestamps: the same seed gives a byte-identical zip


def export(platform: str, template: Template, request: Request, variants: list[Variant]) -> dict[str, str | bytes]:
    if platform == "prairielearn":
        return prairielearn.export(template, variants)
    if platform == "moodle":
        return {"moodle.xml": moodle(template, variants)}
    if platform == "qti":
        return {"qti.zip": qti(template, variants)}
    if platform == "gradescope":
        return {"gradescope.zip": gradescope(template, request, variants)}
    raise ValueError(f"unknown platform {platform!r} (expected one of: {', '.join(PLATFORMS)})")


# ---------------------------------------------------------------- shared pieces
def fragments(variant: Variant) -> tuple[str, list[str]]:
    """The sheet as HTML: the given part, and one fragment per question (same order as ``variant.items``)."""
    parts = step_fragments(sheet(variant))
    given = "\n".join(html for _, phase, html in parts if phase == "setup")
    questions = [html for _, phase, html in parts if phase == "summary"]
    return given, questions


def scalars(variant: Variant, item: Item) -> Iterator[tuple[str, tuple[int, ...], float, float]]:
    """Each number of an item: (label as LaTeX in the problem's symbols, element index, value, absolute tolerance)."""
    value = np.asarray(_float(_answer(variant, item)), dtype=float)
    bound = np.asarray(tolerance(variant).bound(value), dtype=float).reshape(value.shape)
    for index in np.ndindex(*value.shape):
        yield element_latex(variant, item, index), index, float(value[index]), float(bound[index])


def math_label(latex: str) -> str:
    """A label for an HTML page (Moodle, Canvas): MathML, as the rest of the exported question text."""
    return mathml(latex)


def element_points(variant: Variant, item: Item) -> list[Fraction]:
    """The item's points (check's) split evenly over its numbers, for platforms that mark each number on its own."""
    count = max(1, int(np.size(_answer(variant, item))))
    total = Fraction(points(variant, item)).limit_denominator(10_000)
    return [total / count] * count


PLATFORM_NOTES = {
    "prairielearn": [
        "copy OUT/questions/<name>/ into your course's questions/ and OUT/serverFilesCourse/gradwork/ into its "
        "serverFilesCourse/; nothing needs installing (PrairieLearn's own numpy and sympy suffice)",
        "PrairieLearn draws a variant per student from its variant_seed; carried-forward credit, diagnoses and "
        "points are check's; the feedback never states the expected numbers (PrairieLearn's answer panel shows "
        "the correct answers when the assessment allows it)",
    ],
    "moodle": [
        "Moodle marks each number on its own: no carried-forward credit (a number computed from an earlier wrong "
        "one is wrong) and an item earns part of its points when some of its numbers are right; each item's points "
        "are split evenly over its numbers, so a question's maximum equals check's points",
    ],
    "qti": [
        "Canvas marks each number on its own: no carried-forward credit, and an item earns part of its points when "
        "some of its numbers are right; each item's points are split evenly over its numbers (to the cent)",
        "one quiz per variant: a Canvas question group draws each question independently and a numerical question "
        "holds one number, so a group cannot give a student one coherent multi-part variant; assign the quizzes "
        "per student or section",
    ],
    "gradescope": [
        "students submit an answers file (answers.yaml, .json or .toml); it is marked by gradwork check against "
        "their own variant, with carried-forward credit and diagnoses",
    ],
}


def platform_notes(platform: str, template: Template | None = None) -> list[str]:
    """What the command says about a platform: where the files go and what the platform cannot do."""
    notes = list(PLATFORM_NOTES.get(platform, []))
    if platform == "prairielearn" and template is not None:
        stated = isinstance(template.document.data, dict) and "uuid" in template.document.data
        notes.append(f"the question's UUID is {prairielearn.question_uuid(template)}, "
                     + ("the template's own `uuid:`" if stated else
                        "derived from the file name: it stays when the template is edited; to keep it through a "
                        f"rename, add `uuid: {prairielearn.question_uuid(template)}` to the template"))
    return notes


def _answer(variant: Variant, item: Item) -> Any:
    data = variant.answers
    return data["loss"] if item.section == "loss" else data[item.section][item.entry]


def _float(value: Any) -> Any:
    if isinstance(value, list):
        return [_float(v) for v in value]
    if isinstance(value, str):  # exact mode: "3/8"
        from fractions import Fraction

        return float(Fraction(value))
    return float(value)


def _number(value: float) -> str:
    return repr(float(value))


def _zip(files: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            executable = name.endswith(("run_autograder", "setup.sh"))
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def _uuid(template: Template, *parts: object) -> str:
    """A UUID v4-shaped id that follows from the template and ``parts`` (so re-exports keep their ids)."""
    digest = uuid.uuid5(uuid.NAMESPACE_URL, "gradwork:" + template.hash + ":" + ":".join(map(str, parts)))
    return str(uuid.UUID(bytes=digest.bytes, version=4))


# ---------------------------------------------------------------- Moodle XML
def moodle(template: Template, variants: list[Variant]) -> str:
    """Moodle XML: a category, then one question per variant (numerical for a single number, else Cloze)."""
    title = variants[0].solution.title.rsplit(" (variant", 1)[0]
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f"<!-- generated by gradwork generate from {xml_comment(template.stem)} "
           f"(template sha256 {template.hash}), seed {variants[0].seed} -->",
           "<quiz>",
           '  <question type="category">',
           f"    <category><text>$course$/top/gradwork/{escape(title)}</text></category>",
           "  </question>"]
    for variant in variants:
        out += _moodle_question(variant)
    out.append("</quiz>")
    return "\n".join(out) + "\n"


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _mistake_answers(variant: Variant, item: Item) -> dict[tuple[int, ...], list[tuple[float, str]]]:
    """Per element: the numbers check's mistake models predict that are wrong beyond the tolerance, with a hint."""
    if variant.solution.mode != "float":
        return {}
    planter = variant.candidate.planter
    found: dict[tuple[int, ...], list[tuple[float, str]]] = {}
    for code in (*DISTINCT_MISTAKES, "update_sign", "learning_rate", "activation_derivative"):
        for mistake in planter.variants(code):
            numbers = planter.numbers(mistake)
            if numbers is None or item not in numbers or numbers[item] is None:
                continue
            wrong = np.asarray(numbers[item], dtype=float)
            right = np.asarray(planter.right[item], dtype=float)
            if wrong.shape != right.shape:
                continue
            passes = np.asarray(planter.tolerance.passes(wrong, right)).reshape(wrong.shape)
            for index in np.ndindex(*wrong.shape):
                if not passes[index] and np.isfinite(wrong[index]):
                    hint = f"{mistake.note}. {MISTAKES[code].rule}"
                    entries = found.setdefault(index, [])
                    if all(abs(w - wrong[index]) > 1e-12 for w, _ in entries):
                        entries.append((float(wrong[index]), hint))
            break  # the first site of each mistake is enough for feedback
    return found


def _cloze_text(text: str) -> str:
    """Feedback inside a Cloze answer: Moodle's special characters escaped."""
    return re.sub(r'([}#~/"\\])', r"\\\1", text)


def _moodle_question(variant: Variant) -> list[str]:
    given, questions = fragments(variant)
    items = variant.items
    single = len(items) == 1 and np.ndim(_answer(variant, items[0])) == 0
    name = escape(variant.solution.title)
    head = [f'  <question type="{"numerical" if single else "cloze"}">',
            f"    <name><text>{name}</text></name>"]
    general = (f"<p>{escape(variant.origin)}</p>")
    if single:
        item = items[0]
        (_, _, value, tol) = next(scalars(variant, item))
        body = given + "\n" + questions[0]
        answers = [f'    <answer fraction="100" format="moodle_auto_format"><text>{_number(value)}</text>'
                   f"<tolerance>{_number(tol)}</tolerance><feedback format=\"html\"><text>Correct.</text></feedback>"
                   f"</answer>"]
        for wrong, hint in _mistake_answers(variant, item).get((), []):
            answers.append(f'    <answer fraction="0" format="moodle_auto_format"><text>{_number(wrong)}</text>'
                           f"<tolerance>{_number(tol)}</tolerance><feedback format=\"html\"><text>"
                           f"{escape(hint)}</text></feedback></answer>")
        return head + [f'    <questiontext format="html"><text>{_cdata(body)}</text></questiontext>',
                       f'    <generalfeedback format="html"><text>{_cdata(general)}</text></generalfeedback>',
                       f"    <defaultgrade>{points(variant, item):g}</defaultgrade>",
                       "    <penalty>0</penalty>", "    <hidden>0</hidden>", *answers,
                       "  </question>"]
    blocks = [_cloze_markup(given)]  # a name holding {1:NUMERICAL:=3} stays text, never a sub-question
    weights = _cloze_weights(variant)
    for item, question in zip(items, questions):
        mistakes = _mistake_answers(variant, item)
        rows = []
        for (label, index, value, tol), weight in zip(scalars(variant, item), weights[item.key]):
            options = [f"%100%{_number(value)}:{_number(tol)}#{_cloze_text('Correct.')}"]
            for wrong, hint in mistakes.get(index, []):
                options.append(f"%0%{_number(wrong)}:{_number(tol)}#{_cloze_text(escape(hint))}")
            rows.append(f"<li>{_cloze_markup(math_label(label))} = {{{weight}:NUMERICAL:{'~'.join(options)}}}</li>")
        blocks.append(_cloze_markup(question) + "\n<ul>" + "".join(rows) + "</ul>")
    body = "\n".join(blocks)
    total = sum(points(variant, item) for item in items)
    return head + [f'    <questiontext format="html"><text>{_cdata(body)}</text></questiontext>',
                   f'    <generalfeedback format="html"><text>{_cdata(general)}</text></generalfeedback>',
                   f"    <defaultgrade>{total:g}</defaultgrade>", "    <penalty>0</penalty>",
                   "    <hidden>0</hidden>", "  </question>"]


MAX_CLOZE_WEIGHT = 100_000


def _cloze_weights(variant: Variant) -> dict[str, list[int]]:
    """Whole-number Cloze weights proportional to each number's share of check's points.

    Moodle scales a Cloze question's sub-question weights to its default grade (the
    sum of the items' points), so weights k * (item points / item numbers) with one
    common k give every item exactly its points.
    """
    shares = {item.key: element_points(variant, item) for item in variant.items}
    scale = 1
    for parts in shares.values():
        for part in parts:
            scale = scale * part.denominator // gcd(scale, part.denominator)
    if any(part * scale > MAX_CLOZE_WEIGHT for parts in shares.values() for part in parts):
        scale = max(1, MAX_CLOZE_WEIGHT // max(1, max(int(part * 1000) for parts in shares.values()
                                                     for part in parts)))  # pragma: no cover - absurd points
    return {key: [max(0, round(part * scale)) for part in parts] for key, parts in shares.items()}


def _cloze_markup(html: str) -> str:
    """HTML for a Cloze question's text, made inert: braces as entities, so only gradwork's own answers are
    sub-questions (a name or label holding {1:NUMERICAL:=3} stays text)."""
    return html.replace("{", "&#123;").replace("}", "&#125;")


# ---------------------------------------------------------------- Canvas / QTI 1.2
def qti(template: Template, variants: list[Variant]) -> bytes:
    """A QTI 1.2 zip as Canvas imports it: one quiz (assessment) per variant, one numerical question per number."""
    files: dict[str, str | bytes] = {}
    resources = []
    for variant in variants:
        ident = "g" + _uuid(template, "qti", variant.id).replace("-", "")
        files[f"{ident}/{ident}.xml"] = _qti_assessment(variant, ident)
        resources.append(
            f'    <resource identifier="{ident}" type="imsqti_xmlv1p2">\n'
            f'      <file href="{ident}/{ident}.xml"/>\n    </resource>')
    manifest_id = "g" + _uuid(template, "qti-manifest").replace("-", "")
    files["imsmanifest.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<manifest identifier="{manifest_id}" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1">\n'
        "  <metadata>\n    <schema>IMS Content</schema>\n    <schemaversion>1.1.3</schemaversion>\n  </metadata>\n"
        "  <organizations/>\n  <resources>\n" + "\n".join(resources) + "\n  </resources>\n</manifest>\n")
    return _zip(dict(sorted(files.items())))


def _qti_assessment(variant: Variant, ident: str) -> str:
    given, questions = fragments(variant)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f"<!-- {xml_comment(variant.origin)} -->",
           '<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2">',
           f'  <assessment ident="{ident}" title="{escape(variant.solution.title)}">',
           "    <qtimetadata>",
           "      <qtimetadatafield><fieldlabel>cc_maxattempts</fieldlabel><fieldentry>1</fieldentry>"
           "</qtimetadatafield>",
           "    </qtimetadata>",
           '    <section ident="root_section">']
    number = 0
    for item, question in zip(variant.items, questions):
        shares = _cents(element_points(variant, item))
        for (label, index, value, tol), share in zip(scalars(variant, item), shares):
            number += 1
            text = (given if number == 1 else "") + question + f"<p>{math_label(label)} =</p>"
            title = item.key + (index_text(index) if index else "")
            out += [
                f'      <item ident="{ident}_{number}" title="{escape(title)}">',
                "        <itemmetadata><qtimetadata>",
                "          <qtimetadatafield><fieldlabel>question_type</fieldlabel>"
                "<fieldentry>numerical_question</fieldentry></qtimetadatafield>",
                "          <qtimetadatafield><fieldlabel>points_possible</fieldlabel>"
                f"<fieldentry>{share}</fieldentry></qtimetadatafield>",
                "        </qtimetadata></itemmetadata>",
                "        <presentation>",
                f'          <material><mattext texttype="text/html">{escape(text)}</mattext></material>',
                '          <response_str ident="response1" rcardinality="Single">',
                '            <render_fib fibtype="Decimal"><response_label ident="answer1"/></render_fib>',
                "          </response_str>",
                "        </presentation>",
                "        <resprocessing>",
                "          <outcomes><decvar maxvalue=\"100\" minvalue=\"0\" varname=\"SCORE\" vartype=\"Decimal\"/>"
                "</outcomes>",
                '          <respcondition continue="No">',
                "            <conditionvar><or>",
                f'              <varequal respident="response1">{_number(value)}</varequal>',
                f'              <and><vargte respident="response1">{_number(value - tol)}</vargte>'
                f'<varlte respident="response1">{_number(value + tol)}</varlte></and>',
                "            </or></conditionvar>",
                '            <setvar action="Set" varname="SCORE">100</setvar>',
                "          </respcondition>",
                "        </resprocessing>",
                "      </item>"]
    out += ["    </section>", "  </assessment>", "</questestinterop>"]
    return "\n".join(out) + "\n"


def _cents(parts: list[Fraction]) -> list[str]:
    """Shares to the cent that add up to the rounded total exactly (largest remainders get the spare cents)."""
    total = round(sum(parts, Fraction(0)) * 100)
    floors = [int(part * 100) for part in parts]
    spare = total - sum(floors)
    order = sorted(range(len(parts)), key=lambda k: -(parts[k] * 100 - floors[k]))
    for k in order[:max(0, spare)]:
        floors[k] += 1
    return [f"{c // 100}.{c % 100:02d}".rstrip("0").rstrip(".") for c in floors]


# ---------------------------------------------------------------- Gradescope
def gradescope(template: Template, request: Request, variants: list[Variant]) -> bytes:
    """A Gradescope autograder zip: each student's answers file is marked by gradwork's checker against their variant.

    With a roster, variants are found by the submitter's student id (``sid``, else email) in
    ``submission_metadata.json``; with a single variant every submission is marked against it.
    ``wheels/`` holds a wheel of this very gradwork, which ``setup.sh`` installs.
    """
    wheel_name, wheel = build_wheel()
    files: dict[str, str | bytes] = {
        "setup.sh": (RESOURCES / "gradescope_setup.sh").read_text(encoding="utf-8"),
        "run_autograder": (RESOURCES / "gradescope_run_autograder").read_text(encoding="utf-8"),
        "grade.py": (RESOURCES / "gradescope_grade.py").read_text(encoding="utf-8"),
        f"wheels/{wheel_name}": wheel,
        "variants.json": json.dumps({
            "template": template.stem, "template_sha256": template.hash, "seed": request.seed,
            "by": "student" if request.students else "number",
            "variants": [v.id for v in variants]}, indent=2) + "\n",
    }
    keys = {}
    for variant in variants:
        files[f"variants/{variant.id}/problem.yaml"] = variant.problem_text
        key = variant.solution.json()
        keys[variant.id] = {section: key[section] for section in ("loss", "values", "gradients", "updated")
                            if section in key}
    if len(variants) > 1:  # what flags a submission of another student's key (check's `other_variant`)
        files["keys.json"] = json.dumps(keys, allow_nan=False) + "\n"
    return _zip(files)
