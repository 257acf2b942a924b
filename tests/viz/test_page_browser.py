"""The page in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright): keyboard stepping.

Screenshots go to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gradwork.viz import build_graph, build_page, walkthrough_steps
from tests.viz.helpers import require, seed_002_by_hand, shown

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the test extra)")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

# The numbers of the current step's working lines ("= numbers = result"), minus signs attached.
NUMBERS_SHOWN = """els => els.map(e => {
  const before = e.previousElementSibling;
  const minus = before && before.localName === 'mo' && before.textContent === '\\u2212';
  return (minus ? '-' : '') + e.textContent;
})"""


@pytest.fixture(scope="module")
def browser():
    require("dot", "graphviz")
    if not Path(CHROMIUM).exists():
        require("chromium", "chromium")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def seed002_page(browser, seed002, tmp_path):
    path = tmp_path / "seed002.html"
    path.write_text(build_page(seed002), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 820})
    log: dict[str, list[str]] = {"console": [], "errors": [], "requests": []}
    page.on("console", lambda message: log["console"].append(f"{message.type}: {message.text}")
            if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: log["errors"].append(str(error)))
    page.on("request", lambda request: log["requests"].append(request.url))
    page.goto(path.as_uri())
    yield page, log, path
    page.close()


def highlighted(page) -> list[str]:
    return page.eval_on_selector_all("g.node.gw-highlight", "els => els.map(e => e.id)")


def numbers(page) -> list[str]:
    return page.eval_on_selector_all(".gw-step.gw-current .gw-continued mn", NUMBERS_SHOWN)


def gradient_visible(page, dom_id: str) -> bool:
    return page.eval_on_selector(
        f'g#{dom_id} text[fill="#c62828"]', "e => getComputedStyle(e).visibility === 'visible'")


def test_keyboard_steps_through_forward_then_backward(seed002_page, seed002):
    page, log, path = seed002_page
    graph = build_graph(seed002)
    node = {key: graph[key].dom_id for key in ("matmul#1", "hidden.a", "output.a", "output.W", "matmul#2",
                                                "hidden.W", "input")}
    steps = walkthrough_steps(seed002)
    values, gradients = seed_002_by_hand()
    ARTIFACTS.mkdir(exist_ok=True)

    assert page.inner_text(".gw-position") == f"Step 1 of {len(steps)}"
    assert highlighted(page) == [node["matmul#1"]]

    # 1. Forward, step 3: hidden.a = ReLU(hidden.z) = ReLU([-0.1, 0.8]) = [0, 0.8]
    for _ in range(2):
        page.keyboard.press("ArrowRight")
    assert highlighted(page) == [node["hidden.a"]]
    assert "FORWARD" in page.inner_text(".gw-step.gw-current h2").upper()
    assert numbers(page) == ["-0.1", "0.8", *shown(values["hidden.a"])]
    assert "gw-pending" in page.get_attribute(f"g#{node['output.a']}", "class")  # not computed yet
    assert "gw-pending" not in page.get_attribute(f"g#{node['hidden.a']}", "class")
    width = page.eval_on_selector(".gw-step.gw-current math", "e => e.getBoundingClientRect().width")
    assert width > 50  # MathML is laid out by the browser itself, no script library
    page.screenshot(path=str(ARTIFACTS / "seed002_page_forward.png"), full_page=True)

    # 2. Backward: dL/doutput.W = hidden.a^T dL/d(hidden.a output.W) = [0, 0.8]^T 0.4013 = [0, 0.321]
    target = next(i for i, s in enumerate(steps) if s.phase == "backward" and s.node == "output.W")
    for _ in range(target - 2):
        page.keyboard.press("ArrowRight")
    assert page.inner_text(".gw-position") == f"Step {target + 1} of {len(steps)}"
    assert highlighted(page) == [node["output.W"]]
    assert page.get_attribute(".gw-page", "data-phase") == "backward"
    assert numbers(page) == ["0", "0.8", *shown(gradients["output.z"]), *shown(gradients["output.W"])]
    assert gradient_visible(page, node["output.W"]) and not gradient_visible(page, node["hidden.W"])
    page.screenshot(path=str(ARTIFACTS / "seed002_page_backward.png"), full_page=True)

    # 3. One back with ArrowLeft: dL/d(hidden.a output.W) = dL/doutput.z * 1 = 0.4013
    page.keyboard.press("ArrowLeft")
    assert highlighted(page) == [node["matmul#2"]]
    assert numbers(page) == [*shown(gradients["output.z"]), "1", *shown(gradients["matmul#2"])]
    assert not gradient_visible(page, node["output.W"])

    # The last step: dL/dinput = g W^T = [0.1204, -0.1605]; the buttons agree with the keys.
    page.keyboard.press("End")
    assert highlighted(page) == [node["input"]]
    assert numbers(page)[-2:] == shown(gradients["input"])
    assert page.is_disabled(".gw-next")
    page.click(".gw-prev")
    assert highlighted(page) == [node["hidden.W"]]
    assert numbers(page)[-4:] == shown(gradients["hidden.W"])

    assert log["console"] == [] and log["errors"] == []
    assert log["requests"] == [path.as_uri()]  # the page itself, nothing else


def test_clicking_a_node_jumps_to_its_step(seed002_page, seed002):
    page, log, _ = seed002_page
    graph = build_graph(seed002)
    page.click(f"g#{graph['output.a'].dom_id}")
    assert highlighted(page) == [graph["output.a"].dom_id]
    assert page.inner_text(".gw-step.gw-current .gw-title") == "output.a"
    assert log["errors"] == []
