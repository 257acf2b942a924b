import re

import pytest

from gradwork.viz import GraphvizNotFoundError, PageStep, UnknownFormatError, build_graph, build_page, save
from gradwork.viz import walkthrough_steps


def test_page_is_self_contained(seed002, graphviz_installed):
    page = build_page(seed002)
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "<math" in page
    assert not re.search(r"\b(?:src|href)\s*=", page)  # nothing to fetch: no scripts, styles or images by URL
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page
    urls = re.findall(r"(\S*)\"?https?://", page)
    assert urls and all(u.startswith(("xmlns", 'xmlns:xlink="')) for u in urls), urls  # only namespace names
    assert "<style>" in page and "<script>" in page and "gw-js" in page


def test_every_step_names_a_node_of_the_drawing(seed002, graphviz_installed):
    page = build_page(seed002)
    steps = re.findall(r'<li class="gw-step" data-node="([^"]*)" data-phase="(\w+)">', page)
    assert len(steps) == len(walkthrough_steps(seed002)) == 19
    svg_ids = set(re.findall(r'<g id="(gw_n\d+)" class="node', page))
    assert len(svg_ids) == 13 and {node for node, _ in steps} <= svg_ids
    assert re.search(r'<title>hidden\.W</title>', page)


def test_callers_can_supply_their_own_steps(seed002, graphviz_installed):
    """The seam for gradwork.explain: steps are (node, phase, title, html fragment)."""
    graph = build_graph(seed002)
    steps = [
        PageStep(None, "setup", "Given", "<p>x = (1, 2)</p>"),
        PageStep("hidden.W[1,0]", "backward", "dJ/dw4", '<p class="mine">-0.4013</p>'),
        PageStep("not-a-node", "update", "Update", "<p>done</p>"),
    ]
    page = build_page(seed002, steps, title="Seed 002 & friends")
    found = re.findall(r'<li class="gw-step" data-node="([^"]*)" data-phase="(\w+)">', page)
    assert found == [("", "setup"), (graph["hidden.W"].dom_id, "backward"), ("", "update")]
    assert '<p class="mine">-0.4013</p>' in page and "<title>Seed 002 &amp; friends</title>" in page


def test_without_graphviz_the_page_raises_or_notes_it(seed002, no_graphviz):
    with pytest.raises(GraphvizNotFoundError):
        build_page(seed002)
    page = build_page(seed002, missing_graphviz="note")
    assert "apt-get install graphviz" in page and "<svg" not in page and page.count('class="gw-step"') == 19


def test_save_picks_the_format_from_the_suffix(seed002, tmp_path, graphviz_installed):
    assert save(seed002, tmp_path / "g.dot").read_text().startswith("digraph")
    assert save(seed002, tmp_path / "g.svg").read_text().lstrip().startswith("<?xml")
    assert save(seed002, tmp_path / "g.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in save(seed002, tmp_path / "g.html").read_text()
    with pytest.raises(UnknownFormatError, match=r"g\.pdf: .*expected one of \.dot, \.svg, \.png, \.html"):
        save(seed002, tmp_path / "g.pdf")
    assert not (tmp_path / "g.pdf").exists()
