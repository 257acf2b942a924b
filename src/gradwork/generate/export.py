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
import json
import re
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from gradwork.generate.build import Variant
from gradwork.generate.plant import Item
from gradwork.generate.sheet import sheet
from gradwork.generate.template import Template
from gradwork.generate.write import Request
from gradwork.documents.escape import cloze_text, xml_comment
from gradwork.documents.escape import xml_text as escape

PLATFORMS = ("prairielearn", "moodle", "qti", "gradescope")
RESOURCES = Path(__file__).parent / "platforms"
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # fixed timestamps: the same seed gives a byte-identical zip


def export(platform: str, template: Template, request: Request, variants: list[Variant]) -> dict[str, str | bytes]:
    if platform == "prairielearn":
        return prairielearn(template, variants)
    if platform == "moodle":
        return {"moodle.xml": moodle(template, variants)}
    if platform == "qti":
        return {"qti.zip": qti(template, variants)}
    if platform == "gradescope":
        return {"gradescope.zip": gradescope(template, request, variants)}
    raise ValueError(f"unknown platform {platform!r} (expected one of: {', '.join(PLATFORMS)})")


# ---------------------------------------------------------------- shared pieces
def input_name(item: Item | str) -> str:
    """An item key as a platform's answer name: letters, digits and underscores."""
    key = item if isinstance(item, str) else item.key
    return re.sub(r"[^A-Za-z0-9]+", "_", key).strip("_")


def fragments(variant: Variant) -> tuple[str, list[str]]:
    """The sheet as HTML: the given part, and one fragment per question (same order as ``variant.items``)."""
    from gradwork.explain.render import step_fragments

    parts = step_fragments(sheet(variant))
    given = "\n".join(html for _, phase, html in parts if phase == "setup")
    questions = [html for _, phase, html in parts if phase == "summary"]
    return given, questions


def tolerance(variant: Variant) -> Any:
    marking = getattr(variant.solution, "marking", None)
    if marking is not None:
        return marking.effective_tolerance
    from gradwork.numbers.tolerance import DEFAULT

    return DEFAULT


def points(variant: Variant, item: Item) -> float:
    marking = getattr(variant.solution, "marking", None)
    return float(marking.points_for(item.key)) if marking is not None else 1.0


def scalars(variant: Variant, item: Item) -> Iterator[tuple[str, tuple[int, ...], float, float]]:
    """Each number of an item: (label, element index, value, absolute tolerance)."""
    value = np.asarray(_float(_answer(variant, item)), dtype=float)
    bound = np.asarray(tolerance(variant).bound(value), dtype=float).reshape(value.shape)
    for index in np.ndindex(*value.shape):
        label = item.key + ("" if not index else "[" + ",".join(map(str, index)) + "]")
        yield label, index, float(value[index]), float(bound[index])


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


# ---------------------------------------------------------------- PrairieLearn
def prairielearn(template: Template, variants: list[Variant]) -> dict[str, str | bytes]:
    """A PrairieLearn question folder whose server.py draws a variant per PrairieLearn variant and marks with gradwork.

    PrairieLearn seeds each variant itself (``data["variant_seed"]``), so the
    folder holds the template, not the drawn variants; ``variants[0]`` fixes the
    answer inputs (every variant of a template asks the same items).
    """
    first = variants[0]
    folder = template.stem
    info = {
        "uuid": _uuid(template, "prairielearn"),
        "title": first.solution.title.rsplit(" (variant", 1)[0],
        "topic": "Backpropagation",
        "tags": ["gradwork", "backpropagation"],
        "type": "v3",
        "gradingMethod": "Internal",
        "partialCredit": True,
        "singleVariant": False,
        "comment": f"generated by gradwork generate from {template.stem} (template sha256 {template.hash})",
    }
    return {
        f"{folder}/info.json": json.dumps(info, indent=2) + "\n",
        f"{folder}/question.html": _pl_question(first),
        f"{folder}/server.py": (RESOURCES / "prairielearn_server.py").read_text(encoding="utf-8"),
        f"{folder}/template.yaml": template.document.text,
    }


def _pl_question(variant: Variant) -> str:
    tol = tolerance(variant)
    if tol.kind == "sigfigs":
        comparison = f'comparison="sigfig" digits="{tol.places}"'
    elif tol.kind == "digits":
        comparison = f'comparison="decdig" digits="{tol.places}"'
    else:
        comparison = f'comparison="relabs" rtol="{tol.rtol}" atol="{tol.atol}"'
    lines = [f"<!-- {xml_comment(variant.origin.split(': ', 1)[0])}: template sha256 {variant.template.hash} -->",
             "<pl-question-panel>", "  {{{params.statement}}}", "</pl-question-panel>", ""]
    for number, item in enumerate(variant.items):
        name = input_name(item)
        lines.append(f'<div>{{{{{{params.question_{number}}}}}}}</div>')
        if np.ndim(_answer(variant, item)) == 0:
            lines.append(f'<pl-number-input answers-name="{name}" label="{escape(item.key)} =" '
                         f'{comparison} weight="{points(variant, item):g}"></pl-number-input>')
        else:
            lines.append(f'<pl-matrix-input answers-name="{name}" label="{escape(item.key)} =" '
                         f'{comparison} weight="{points(variant, item):g}"></pl-matrix-input>')
    lines += ["", '<pl-submission-panel>', '  {{#feedback.gradwork}}<div class="gradwork-feedback">'
              '{{{feedback.gradwork}}}</div>{{/feedback.gradwork}}', '</pl-submission-panel>', ""]
    return "\n".join(lines)


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
    from gradwork.check import MISTAKES
    from gradwork.generate.constraints import DISTINCT_MISTAKES

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


def _no_cloze(html: str) -> str:
    """HTML for a Cloze question's text: braces as entities, so only gradwork's own answers are sub-questions."""
    return html.replace("{", "&#123;").replace("}", "&#125;")


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
    blocks = [_no_cloze(given)]  # a name holding {1:NUMERICAL:=3} stays text, never a sub-question
    total = 0.0
    for item, question in zip(items, questions):
        mistakes = _mistake_answers(variant, item)
        weight = max(1, round(points(variant, item)))
        rows = []
        for label, index, value, tol in scalars(variant, item):
            options = [f"%100%{_number(value)}:{_number(tol)}#{_cloze_text('Correct.')}"]
            for wrong, hint in mistakes.get(index, []):
                options.append(f"%0%{_number(wrong)}:{_number(tol)}#{_cloze_text(escape(hint))}")
            rows.append(f"<li>{cloze_text(label)} = {{{weight}:NUMERICAL:{'~'.join(options)}}}</li>")
            total += weight
        blocks.append(_no_cloze(question) + "\n<ul>" + "".join(rows) + "</ul>")
    body = "\n".join(blocks)
    return head + [f'    <questiontext format="html"><text>{_cdata(body)}</text></questiontext>',
                   f'    <generalfeedback format="html"><text>{_cdata(general)}</text></generalfeedback>',
                   f"    <defaultgrade>{total:g}</defaultgrade>", "    <penalty>0</penalty>",
                   "    <hidden>0</hidden>", "  </question>"]


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
        weight = points(variant, item)
        count = int(np.size(_answer(variant, item)))
        for label, _, value, tol in scalars(variant, item):
            number += 1
            text = (given if number == 1 else "") + question + f"<p>{escape(label)} =</p>"
            out += [
                f'      <item ident="{ident}_{number}" title="{escape(label)}">',
                "        <itemmetadata><qtimetadata>",
                "          <qtimetadatafield><fieldlabel>question_type</fieldlabel>"
                "<fieldentry>numerical_question</fieldentry></qtimetadatafield>",
                "          <qtimetadatafield><fieldlabel>points_possible</fieldlabel>"
                f"<fieldentry>{weight / count:g}</fieldentry></qtimetadatafield>",
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


# ---------------------------------------------------------------- Gradescope
def gradescope(template: Template, request: Request, variants: list[Variant]) -> bytes:
    """A Gradescope autograder zip: each student's answers file is marked by ``gradwork check`` against their variant.

    With a roster, variants are found by the submitter's student id (``sid``, else email) in
    ``submission_metadata.json``; with a single variant every submission is marked against it.
    """
    files: dict[str, str | bytes] = {
        "setup.sh": (RESOURCES / "gradescope_setup.sh").read_text(encoding="utf-8"),
        "run_autograder": (RESOURCES / "gradescope_run_autograder").read_text(encoding="utf-8"),
        "grade.py": (RESOURCES / "gradescope_grade.py").read_text(encoding="utf-8"),
        "variants.json": json.dumps({
            "template": template.stem, "template_sha256": template.hash, "seed": request.seed,
            "by": "student" if request.students else "number",
            "variants": [v.id for v in variants]}, indent=2) + "\n",
    }
    for variant in variants:
        files[f"variants/{variant.id}/problem.yaml"] = variant.problem_text
    return _zip(files)
