"""The escapers of gradwork.documents.escape: whatever text goes in, the output language sees only text."""

from __future__ import annotations

import json
import math
import re
import unicodedata
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from gradwork.documents import escape

HOSTILE = st.text(alphabet=st.sampled_from(list("<>&\"'`*_[]()!{}#|$\\~^%=+-@.:;/\n\r\t \x1b\x00\x07\u202e\u2028"
                                                 "aé1{}")), max_size=60)
ANY = st.one_of(HOSTILE, st.text(max_size=60))
FAST = settings(max_examples=100, deadline=None)  # Hypothesis's default count (300 before #22: 2.5 s of CPU)


@FAST
@given(ANY)
def test_markdown_text_opens_no_tag_link_code_or_maths(text):
    out = escape.markdown_text(text)
    assert "\n" not in out and "\r" not in out
    assert not re.search(r"(?<!\\)(?:\\\\)*[<`*_$|]", out.replace("\\\\", "")), out
    assert "](" not in out and "][" not in out and not re.search(r"(?<!\\)!\[", out)


@FAST
@given(ANY)
def test_markdown_maths_cannot_open_html_or_end_the_maths(text):
    out = escape.markdown_maths(escape.latex_maths_text(text))
    assert not re.search(r"<[A-Za-z/!?]", out) and "\n" not in out
    assert not re.search(r"(?<!\\)(?:\\\\)*\$", out.replace("\\\\", ""))


@FAST
@given(ANY)
def test_markdown_code_holds_the_text(text):
    out = escape.markdown_code(text)
    fence = re.match(r"`+", out).group()
    assert out.endswith(fence) and fence not in out[len(fence):-len(fence)]


@FAST
@given(ANY)
def test_html_and_xml_text_are_text(text):
    for function in (escape.html_text, escape.xml_text):
        out = function(text)
        assert not re.search("[<>\"']", out) and not re.search(r"&(?!amp;|lt;|gt;|quot;|#x27;)", out)
    element = ET.fromstring(f'<a title="{escape.xml_text(text)}">{escape.xml_text(text)}</a>')
    assert element.text in (None, "") or "<" not in element.text or "<" in text


@FAST
@given(ANY)
def test_an_xml_comment_and_cdata_stay_closed(text):
    comment = escape.xml_comment(text)
    assert "--" not in comment and not comment.endswith("-")
    ET.fromstring(f"<a><!-- {comment} --><![CDATA[{escape.xml_cdata(text)}]]></a>")


@FAST
@given(ANY)
def test_cloze_text_holds_no_braces(text):
    out = escape.cloze_text(text)
    assert "{" not in out and "}" not in out and "<" not in out


@FAST
@given(ANY)
def test_latex_text_has_no_unescaped_special_and_breaks_long_words(text):
    out = escape.latex_text(text * 3)
    stripped = re.sub(r"\\(textbackslash|textasciitilde|textless|textgreater|textbar|allowbreak)\{\}"
                      r"|\\\^\{\}|\\[{}$&%#_]", "", out)
    assert not re.search(r"[\\{}$&%#_^~<>|]", stripped), out
    assert out.isascii() and "\n" not in out


@FAST
@given(ANY)
def test_terminal_text_sends_no_control_character(text):
    for out in (escape.terminal_text(text), escape.one_line(text), escape.terminal_text(text, keep_newlines=True)):
        assert not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") and c not in "\n\t" for c in out), out
    assert "\n" not in escape.one_line(text)


@FAST
@given(st.one_of(ANY, st.integers(), st.floats(allow_nan=False)))
def test_csv_cells_are_never_formulas(value):
    out = escape.csv_cell(value)
    if isinstance(value, str):
        assert not out.startswith(("=", "+", "-", "@", "\t", "\r", "|", "%"))
    else:
        assert out == value


def test_json_safe_writes_no_nan_or_infinity():
    import numpy as np

    data = {"a": [float("inf"), -math.inf, float("nan"), 1.5, np.float64("inf"), np.float32(2)], "b": (1, "x")}
    text = json.dumps(escape.json_safe(data), allow_nan=False)
    assert json.loads(text) == {"a": [None, None, None, 1.5, None, 2.0], "b": [1, "x"]}


def test_the_markdown_of_known_cases():
    assert escape.markdown_text("<img src=x onerror=alert(1)>") == "\\<img src=x onerror=alert(1)\\>"
    assert escape.markdown_text("[a](javascript:b) ![i](j)") == "[a]&#40;javascript:b) \\![i]&#40;j)"
    assert escape.markdown_text("1. item") == "1\\. item" and escape.markdown_text("0.25") == "0.25"
    assert escape.markdown_text("shape [inputs, units]") == "shape [inputs, units]"  # no \[: MathJax maths
    assert escape.markdown_maths(r"{<img>} = \$\$") == r"{\lt img>} = \$\$"
    assert escape.markdown_inert_html("a <!-- b --> <b>x</b> a < b") == "a &lt;!-- b --> &lt;b>x&lt;/b> a < b"
    assert escape.xml_comment("evil--name-") == "evil- -name- "
    assert escape.cloze_text("{1:NUMERICAL:=3}") == "&#123;1:NUMERICAL:=3&#125;"
    assert escape.terminal_text("a\x1b[31mb") == "a\\x1b[31mb"
    assert escape.graphviz_label('<a>"&') == "&lt;a&gt;&quot;&amp;"
    assert escape.dot_string('a"b\\c\nd') == 'a\\"b\\\\c\\nd'
    assert escape.plain_text("$\x1bx$ " * 100, 20) == "$x$ $x$ $x$ $x$ $x$…"
