"""Each platform export, checked offline against the platform's published format."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest

from gradwork.generate import draw, read_template
from gradwork.generate.export import export
from gradwork.generate.write import Request

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "examples" / "templates"
SCHEMA = Path(__file__).parent / "schemas" / "prairielearn" / "infoQuestion.json"


def _exported(platform, name="seed002_exam4a.yaml", count=2, students=()):
    template = read_template(TEMPLATES / name)
    request = Request(seed=8, count=count, students=students)
    keys = request.keys()
    variants = [draw(template, request.seed, key, vid) for key, vid in keys]
    return template, variants, export(platform, template, request, variants)


def _scalars(variant):
    for item in variant.items:
        data = variant.answers
        value = data["loss"] if item.section == "loss" else data[item.section][item.entry]
        array = np.asarray(value, dtype=float)
        for index in np.ndindex(*array.shape):
            yield item, index, float(array[index])


# ---------------------------------------------------------------- Moodle XML
_CLOZE = re.compile(r"\{(\d+):(NUMERICAL|NM):((?:\\.|[^}])*)\}")


def _cloze_answers(body):
    """Moodle's Cloze syntax: {weight:NUMERICAL:%f%value:tolerance#feedback~...}, \\-escapes in feedback."""
    for weight, _, answers in _CLOZE.findall(body):
        options = []
        for option in re.split(r"(?<!\\)~", answers):
            fraction, rest = re.fullmatch(r"(?:%(-?\d+)%|=)?(.*)", option, re.S).groups()
            answer, _, feedback = re.split(r"(?<!\\)(#)", rest, maxsplit=1) if "#" in rest else (rest, "", "")
            value, tolerance = answer.split(":")
            options.append((int(fraction or 100), float(value), float(tolerance), feedback))
        yield int(weight), options


def test_moodle_xml_reads_back_as_moodle_questions():
    template, variants, files = _exported("moodle", count=3)
    root = ET.fromstring(files["moodle.xml"])
    assert root.tag == "quiz"
    questions = root.findall("question")
    assert questions[0].get("type") == "category"
    assert questions[0].find("category/text").text.startswith("$course$/top/gradwork/")
    assert len(questions) == 1 + len(variants)
    for question, variant in zip(questions[1:], variants):
        assert question.get("type") == "cloze"
        assert question.find("name/text").text == variant.solution.title
        assert question.find("questiontext").get("format") == "html"
        body = question.find("questiontext/text").text
        parsed = list(_cloze_answers(body))
        expected = list(_scalars(variant))
        assert len(parsed) == len(expected)
        for (_weight, options), (_item, _index, value) in zip(parsed, expected):
            right = [o for o in options if o[0] == 100]
            assert len(right) == 1 and abs(right[0][1] - value) <= 1e-12 * max(1, abs(value))
            assert right[0][2] > 0  # a tolerance, from the marking policy
            for fraction, wrong, _, feedback in options:
                if fraction == 0:  # per-item feedback names the mistake
                    assert abs(wrong - value) > right[0][2] and feedback
        assert float(question.find("defaultgrade").text) == len(variant.items)  # check's points: 1 per item
        weights = [weight for weight, _ in parsed]
        at = 0
        for item in variant.items:  # each item's numbers share its points equally
            count = int(np.size(variant.answers["loss"] if item.section == "loss"
                                else variant.answers[item.section][item.entry]))
            share = weights[at:at + count]
            assert len(set(share)) == 1 and sum(share) * len(variant.items) == sum(weights)
            at += count
        assert "seed 8" in question.find("generalfeedback/text").text


def test_moodle_single_number_is_a_numerical_question():
    text = (TEMPLATES / "seed003_7_2_graph.yaml").read_text().replace(
        "ask: [values.e, values.f, values.z, loss, gradients.z, gradients.e, gradients.f, gradients.a, gradients.b,\n"
        "      gradients.c, gradients.d]", "ask: [loss]").replace("mode: exact\n", "")
    template = read_template(text)
    request = Request(seed=1, count=2)
    variants = [draw(template, 1, k) for k in range(2)]
    root = ET.fromstring(export("moodle", template, request, variants)["moodle.xml"])
    for question, variant in zip(root.findall("question")[1:], variants):
        assert question.get("type") == "numerical"
        answers = question.findall("answer")
        assert answers[0].get("fraction") == "100"
        assert float(answers[0].find("text").text) == pytest.approx(float(variant.solution.loss_value))
        assert float(answers[0].find("tolerance").text) > 0


# ---------------------------------------------------------------- Canvas / QTI 1.2
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"


def test_qti_zip_has_a_manifest_and_numeric_questions_with_tolerance():
    _, variants, files = _exported("qti", count=2)
    archive = zipfile.ZipFile(io.BytesIO(files["qti.zip"]))
    assert archive.testzip() is None
    manifest = ET.fromstring(archive.read("imsmanifest.xml"))
    resources = manifest.findall(f"{CP}resources/{CP}resource")
    assert len(resources) == len(variants)
    for resource, variant in zip(resources, variants):
        assert resource.get("type") == "imsqti_xmlv1p2"
        href = resource.find(f"{CP}file").get("href")
        assessment = ET.fromstring(archive.read(href)).find(f"{QTI}assessment")
        assert assessment.get("title") == variant.solution.title
        items = assessment.findall(f"{QTI}section/{QTI}item")
        expected = list(_scalars(variant))
        assert len(items) == len(expected)
        for item, (_, _, value) in zip(items, expected):
            fields = {f.find(f"{QTI}fieldlabel").text: f.find(f"{QTI}fieldentry").text
                      for f in item.iter(f"{QTI}qtimetadatafield")}
            assert fields["question_type"] == "numerical_question"
            assert item.find(f"{QTI}presentation/{QTI}response_str/{QTI}render_fib").get("fibtype") == "Decimal"
            condition = item.find(f"{QTI}resprocessing/{QTI}respcondition/{QTI}conditionvar")
            low = float(condition.find(f".//{QTI}vargte").text)
            high = float(condition.find(f".//{QTI}varlte").text)
            assert float(condition.find(f".//{QTI}varequal").text) == value
            assert low < value < high
    # the same seed, the same bytes
    assert _exported("qti", count=2)[2]["qti.zip"] == files["qti.zip"]
