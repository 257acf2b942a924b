"""HTML: one self-contained page, MathML for math, nothing fetched; per-step fragments for viewers."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from gradwork.explain.render import render, step_fragments
from tests.explain.derivations import seed_002_chain, seed_004_delta


class Inventory(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def inventory(html: str) -> Inventory:
    parser = Inventory()
    parser.feed(html)
    parser.close()
    return parser


@pytest.mark.parametrize("build", [seed_004_delta, seed_002_chain], ids=lambda f: f.__name__)
def test_page_is_self_contained(build):
    html = render(build(), "html")
    assert html.startswith("<!DOCTYPE html>")
    page = inventory(html)
    names = [tag for tag, _ in page.tags]
    assert "script" not in names and "link" not in names and "img" not in names and "iframe" not in names
    assert "<script src=" not in html
    assert "http://" not in html and "https://" not in html
    for _, attributes in page.tags:
        for value in attributes.values():
            assert not (value or "").startswith(("//", "data:", "http")), attributes
    assert names.count("style") == 1


def test_math_is_mathml_not_latex_source():
    html = render(seed_004_delta(), "html")
    page = inventory(html)
    names = [tag for tag, _ in page.tags]
    assert names.count("math") >= 20
    assert {"mfrac", "msubsup", "mtable"} <= set(names)  # ∂L/∂w, w⁽¹⁾₁₂, matrices
    visible = "".join(page.text)
    assert "\\frac" not in visible and "\\begin" not in visible and "$$" not in visible


def test_steps_carry_their_node_and_phase():
    html = render(seed_004_delta(), "html")
    steps = [a for tag, a in inventory(html).tags if tag == "div" and "step" in (a.get("class") or "").split()]
    assert len(steps) == len(seed_004_delta().steps())
    assert {"class": "step compute", "data-phase": "forward", "data-node": "layer1.z"} in steps


def test_step_fragments_match_the_page():
    derivation = seed_004_delta()
    fragments = step_fragments(derivation)
    assert len(fragments) == len(derivation.steps())
    assert fragments[4][:2] == ("layer1.z", "forward")
    assert [phase for _, phase, _ in fragments[:4]] == ["setup"] * 4
    page = render(derivation, "html")
    for _, _, fragment in fragments:
        assert fragment.startswith('<div class="step ') and fragment in page


def test_step_titles_name_what_each_step_computes():
    from gradwork.explain.render import step_titles

    titles = step_titles(seed_004_delta())
    assert len(titles) == len(step_fragments(seed_004_delta()))
    assert titles[:5] == ["Setup", "Setup", "Setup: x**2", "Setup: half_sse", "Forward pass: net⁽¹⁾"]
    assert "Backward pass: ∂L/∂W⁽¹⁾" in titles and "Update: W′⁽¹⁾" in titles
    assert step_titles(seed_002_chain())[6] == "Backward pass: [B3] ∂z₃/∂w₆"


def test_words_inside_math_stay_valid_html():
    from gradwork.explain.math import Cases, Number, Words
    from gradwork.explain.render.html import mathml
    from gradwork.explain.render.latex import LatexPrinter

    latex = LatexPrinter(unicode_text=True).doprint(
        Cases(((Number(1, True), Words("if z > 0 & y < 1")), (Number(0, True), Words("otherwise")))))
    markup = mathml(latex)
    assert "&lt;" in markup and "&gt;" in markup
    page = inventory(markup)
    assert "".join(page.text).replace("\xa0", " ") == "{1if z > 0 & y < 10otherwise"
