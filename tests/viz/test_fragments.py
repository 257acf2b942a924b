"""Explain's fragments in the page: formulas wrap at =, circled labels need no font glyph."""

import xml.etree.ElementTree as ET

from gradwork.viz.fragments import LONG_SIDE, circled_labels, polish, wrap_math


def _math(inner: str, display: str = "block") -> str:
    return f'<math display="{display}"><mrow>{inner}</mrow></math>'


def _pieces(html: str) -> list[str]:
    root = ET.fromstring(f"<root>{html}</root>")
    return ["".join(piece.itertext()) for piece in root.iter("math")]


def test_a_chain_of_equalities_wraps_at_each_equals_sign():
    html = wrap_math(_math("<mi>z</mi><mo>=</mo><mi>x</mi><mo>+</mo><mi>b</mi><mo>=</mo><mn>1</mn>"
                           "<mo>+</mo><mn>2</mn><mo>=</mo><mn>3</mn>"))
    assert html.startswith('<div class="gw-eq gw-eq-block">')
    assert _pieces(html) == ["z", "=x+b", "=1+2", "=3"]


def test_nothing_inside_brackets_or_matrices_is_split_and_signs_stay():
    inner = ("<mi>y</mi><mo>=</mo>" + "<mo>(</mo><mo>−</mo><mn>0.4</mn><mo>+</mo><mn>1</mn><mo>)</mo><mo>+</mo>" * 4
             + "<mo>−</mo><mn>2</mn>")
    pieces = _pieces(wrap_math(_math(inner, "inline")))
    assert pieces[0] == "y"
    # The long side breaks before its top-level + and −, never inside a bracket or at a sign.
    assert pieces[1:] == ["=(−0.4+1)", "+(−0.4+1)", "+(−0.4+1)", "+(−0.4+1)", "+−2"]
    short = _math("<mi>y</mi><mo>=</mo>" + "<mi>a</mi><mo>+</mo>" * (LONG_SIDE // 4) + "<mi>b</mi>")
    assert _pieces(wrap_math(short))[1].count("+") == LONG_SIDE // 4  # a short side stays whole


def test_a_short_formula_is_left_alone():
    html = _math("<mi>a</mi><mo>+</mo><mi>b</mi>")
    assert wrap_math(html) == html


def test_circled_labels_are_css_circles_up_to_ten_then_plain_text():
    out = circled_labels("<p>① and ⑩ were derived above; ⑪ too</p><mtext>③</mtext>")
    assert '<span class="gw-circled" aria-label="factor 1">1</span>' in out
    assert ">10</span>" in out and "(11)" in out and "⑪" not in out and "①" not in out
    assert out.startswith("<p>") and "<mtext><span" in out


def test_polish_keeps_entities_and_text_intact():
    html = polish('<p>a &lt; b</p>' + _math("<mtext>x &amp; y</mtext><mo>=</mo><mn>1</mn><mo>=</mo><mn>1</mn>"))
    assert "a &lt; b" in html and "x &amp; y" in html
