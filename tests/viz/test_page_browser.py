"""The page in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

What appears on the graph as the steps go: at step 1 no gradient, at the last
every value and gradient; keyboard and click stepping; formulas that fit the
panel. Screenshots go to tests/artifacts/ for a person to look at.

Reads are plain scripts (tests/browser.py's select and select_all), gathered into one where a test reads several
things in one state (each Playwright call is a round trip to the browser), and a walk over every stop runs inside
the page (every_stop).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import gradwork
from gradwork.viz import build_graph
from tests.browser import NO_PLAYWRIGHT, every_stop, select, select_all, step_on
from tests.viz.helpers import require

pytestmark = NO_PLAYWRIGHT

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

VISIBLE = "els => els.filter(e => getComputedStyle(e).visibility === 'visible').length"
# The page's state in one read: where it is, and (visible, all) of the graph's value and gradient texts.
STATE = """() => {
    const texts = what => Array.from(document.querySelectorAll(`g.node text.gw-${what}`));
    const shown = what => [texts(what).filter(e => getComputedStyle(e).visibility === 'visible').length,
                           texts(what).length];
    return {position: document.querySelector('.gw-position').innerText,
            phase: document.querySelector('.gw-page').getAttribute('data-phase'),
            value: shown('value'), grad: shown('grad'), last: document.querySelector('.gw-next').disabled};
}"""
TITLE = ".gw-step.gw-current .gw-title"


@pytest.fixture
def browser(chromium):
    require("dot", "graphviz")  # the pages draw their graph with Graphviz
    yield chromium  # the run's one Chromium (tests/browser.py); each test loads its own page
    chromium.done()


def open_page(browser, tmp_path, example: str, style: str = "chain", width: int = 1400, height: int = 900):
    solved = gradwork.load(EXAMPLES / example).solve()
    path = tmp_path / f"{Path(example).stem}_{style}.html"
    path.write_text(solved.page(style), encoding="utf-8")
    page, log = browser.open(path.as_uri(), width=width, height=height)
    return page, log, path, solved


def inner_text(page, selector: str) -> str:
    """The element's rendered text, as Playwright's ``inner_text`` reads it (without its wait for the element)."""
    return select(page, selector, "e => e.innerText")


def highlighted(page) -> list[str]:
    return select_all(page, "g.node.gw-highlight", "els => els.map(e => e.id)")


def go(page, index: int) -> None:
    """To stop ``index``: Home, then ``index`` ArrowRights, the last a real key press (the others in one script)."""
    page.keyboard.press("Home")
    if index:
        step_on(page, index - 1)
        page.keyboard.press("ArrowRight")


@pytest.mark.parametrize("style", ["chain", "delta", "matrix"])
def test_values_and_gradients_appear_as_the_steps_reach_them(browser, tmp_path, style):
    page, log, path, solved = open_page(browser, tmp_path, "seed002_exam4a_row.yaml", style)
    ARTIFACTS.mkdir(exist_ok=True)
    phases = select_all(page, ".gw-step", "els => els.map(e => e.getAttribute('data-phase'))")
    count = len(phases)
    assert count <= 20  # a 2-2-1 network: 14 (chain), 15 (delta), 16 (matrix) stops
    state = page.evaluate(STATE)
    assert state["position"] == f"Step 1 of {count}"

    # Step 1 (setup): no gradient anywhere, only the given values.
    visible, total = state["grad"]
    assert total >= 12 and visible == 0
    values_visible, values_total = state["value"]
    assert 0 < values_visible < values_total
    page.screenshot(path=str(ARTIFACTS / f"seed002_{style}_step1.png"), full_page=True)

    # The first backward stop: some gradients, not all; the loss's among them.
    first_backward = phases.index("backward")
    go(page, first_backward)
    state = page.evaluate(STATE)
    assert state["phase"] == "backward"
    visible, total = state["grad"]
    assert 0 < visible < total
    graph = build_graph(solved.solution)
    loss_grad = select(page, f"g#{graph['loss'].dom_id} text.gw-grad:last-of-type",
                                      "e => getComputedStyle(e).visibility")
    assert loss_grad == "visible"
    hidden_w = select_all(page, f"g#{graph['hidden.W'].dom_id} text.gw-grad", VISIBLE)
    assert hidden_w == 0  # the first layer's gradient comes later
    page.screenshot(path=str(ARTIFACTS / f"seed002_{style}_first_backward.png"), full_page=True)

    # The last step: every value and every gradient.
    page.keyboard.press("End")
    state = page.evaluate(STATE)
    assert state["position"] == f"Step {count} of {count}"
    assert state["grad"][0] == state["grad"][1]
    assert state["value"][0] == state["value"][1]
    assert state["last"]  # Next is disabled
    page.screenshot(path=str(ARTIFACTS / f"seed002_{style}_last.png"), full_page=True)

    assert log["console"] == [] and log["errors"] == []
    assert log["requests"] == [path.as_uri()]  # the page itself, nothing else


def test_formulas_wrap_inside_the_panel(browser, tmp_path):
    page, log, _, _ = open_page(browser, tmp_path, "seed002_exam4a_row.yaml", "chain", width=1000)
    # Every piece of a wrapped formula fits in the panel's width (tables may scroll; formulas must not).
    overflowing = every_stop(page, """() => Array.from(document.querySelectorAll('.gw-step.gw-current .gw-eq'))
        .filter(e => {
            const panel = e.closest('.gw-step').getBoundingClientRect();
            return Array.from(e.children).some(p => p.getBoundingClientRect().right > panel.right + 1);
        }).map(e => e.textContent.slice(0, 40))""")
    assert [text for found in overflowing for text in found] == []
    go(page, 8)
    lines = select_all(page, ".gw-step.gw-current .gw-eq", """els => els.map(e =>
        new Set(Array.from(e.children).map(p => Math.round(p.getBoundingClientRect().top))).size)""")
    assert max(lines) >= 2  # some derivation of this stop took two lines
    page.screenshot(path=str(ARTIFACTS / "seed002_chain_narrow_wrapped.png"), full_page=True)
    assert log["errors"] == []


def test_step_references_are_plain_tags_never_clipped(browser, tmp_path):
    """[B1] … [B14]: text that reads as no number, shown whole however many factors there are (#23 item 5)."""
    page, log, _, _ = open_page(browser, tmp_path, "seed002_exam4a_row.yaml", "chain")
    page.keyboard.press("End")
    content = page.content()
    assert "[B14]" in content and "⑪" not in content and "(11)" not in content
    go(page, 10)
    text = inner_text(page, ".gw-step.gw-current")
    assert "[B1" in text
    clipped = select_all(page, ".gw-step.gw-current math", """els => els.filter(e => {
        if (!e.textContent.includes('[B')) return false;
        const r = e.getBoundingClientRect(); const p = e.closest('.gw-step').getBoundingClientRect();
        return r.left < p.left - 1 || r.left + 40 > p.right; }).map(e => e.textContent)""")  # the tag is seen
    assert clipped == []
    assert log["errors"] == []


def test_max_gate_page_and_clicking_a_node_jumps_to_its_step(browser, tmp_path):
    page, log, _, solved = open_page(browser, tmp_path, "cs231n_max_gate.yaml")
    graph = build_graph(solved.solution)
    assert page.evaluate(STATE)["grad"][0] == 0
    page.keyboard.press("End")
    page.keyboard.press("ArrowLeft")  # ∂f/∂w: the max gate routed 0 to w
    assert "∂f/∂w" in inner_text(page, TITLE)
    assert graph["w"].dom_id in highlighted(page)
    page.screenshot(path=str(ARTIFACTS / "cs231n_max_gate_dw.png"), full_page=True)
    page.click(f"g#{graph['z'].dom_id}")  # in the backward pass: jumps to where z's gradient appears
    assert "∂f/∂z" in inner_text(page, TITLE)
    page.keyboard.press("Home")
    page.click(f"g#{graph['m'].dom_id}")  # in the forward pass: where m = max(z, w) is computed
    assert inner_text(page, TITLE) == "Forward pass: m"
    assert log["errors"] == []


def test_every_stop_fits_a_laptop_window(browser, tmp_path):
    """Mazur's network on a 1280×800 window: no stop runs below the window or past the panel's edge (a tall
    stop scrolls inside the panel, the summary's rows are stacked), and the buttons stay in view (#23 item 9)."""
    page, log, _, _ = open_page(browser, tmp_path, "mazur_step_by_step.yaml", "chain", width=1280, height=800)
    stops = every_stop(page, """() => {
        const e = document.querySelector('.gw-panel'), c = e.querySelector('.gw-step.gw-current');
        return [document.querySelector('.gw-position').innerText, e.getBoundingClientRect().bottom,
                window.innerHeight, c.scrollWidth > c.clientWidth + 1]; }""")
    assert len(stops) >= 12
    for stop, (position, bottom, height, wide) in enumerate(stops):
        assert position.startswith(f"Step {stop + 1} of "), f"stop {stop}"
        assert bottom <= height and not wide, f"stop {stop}"
    page.screenshot(path=str(ARTIFACTS / "mazur_chain_1280x800_summary.png"))
    assert log["errors"] == []
