"""The explorer page in a real browser: Debian's headless Chromium, from ``file://``, with
the network cut off (see tests/browser.py). These tests run everywhere the suite runs;
``scripts/test`` installs the browser."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from browser import Browser
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from autograd_lite import backprop, cli, nn, viz, weights
from autograd_lite.parse import parse_expression
from autograd_lite.stepper import Stepper, format_value
from autograd_lite.value import Value

ROOT = Path(__file__).resolve().parent.parent
NEURON = ["tanh(x*w + b)", "--set", "x=2", "w=-3", "b=6.88"]
HOSTILE = "<img src=x onerror=alert(1)>"
EXAMPLE = ([0.5, -1.0], [0.2, 0.7])
PIP = [sys.executable, "-m", "pip", "-q", "--no-input", "--isolated"]
OFFLINE = ["--no-index", "--no-deps"]


def write_page(tmp_path: Path, argv: list[str], name: str = "page.html") -> Path:
    """``autograd-lite explore ARGV -o tmp_path/name``, as the command line does it."""
    out = tmp_path / name
    assert cli.main(["explore", *argv, "-o", str(out)]) == 0
    return out


def position(browser: Browser) -> int:
    value: int = browser.run("return window.explorer.position")
    return value


def shown_gradients(browser: Browser) -> list[Any]:
    """The gradients the page holds now, one per node (null before any arrived)."""
    grads: list[Any] = browser.run("return window.explorer.gradients()")
    return grads


def engine_state(stepper: Stepper) -> list[Any]:
    return [node.grad for node in stepper.names.order]


# One round trip: where the page is, its gradients, the picture's grad texts, the panel.
_STATE = """
const texts = window.explorer.gradients().map((_, i) => {
  const field = document.getElementById('g' + i);
  return field ? field.textContent : null;
});
// Where the step's arrow ends, and the box of the node it should reach.
const line = document.querySelector('#flow polyline');
const to = document.querySelector('#marks .flow-to');
let arrow = null;
if (line && to) {
  const points = line.getAttribute('points').trim().split(' ');
  const [x, y] = points[points.length - 1].split(',').map(Number);
  const box = ['x', 'y', 'width', 'height'].map((a) => Number(to.getAttribute(a)));
  arrow = [x, y, ...box, to.dataset.for];
}
return [window.explorer.position, window.explorer.gradients(), texts,
        document.getElementById('step-text').textContent, arrow];
"""


def check_position(browser: Browser, stepper: Stepper, forward: int) -> None:
    """The page at backward step ``stepper.position`` shows the Stepper's gradients, in
    its data, in the picture and in the step panel."""
    where, grads, texts, panel, arrow = browser.run(_STATE)
    assert where == forward + stepper.position
    if stepper.position:  # the arrow ends on the input that receives the gradient
        assert arrow is not None
        x, y, left, top, width, height, marked = arrow
        assert left - 12 <= x <= left + width + 12 and top - 12 <= y <= top + height + 12
        current = stepper.current
        assert current is not None
        assert marked == f"v{stepper.names.index[current.step.input]}"
    # Constants (targets, the 0.5 of the cost) get no step: the page says so, not a number.
    taking_part = [not stepper.names.is_constant(node) for node in stepper.names.order]
    expected = engine_state(stepper)
    assert [g for g, part in zip(grads, taking_part) if part] == [
        g for g, part in zip(expected, taking_part) if part
    ]  # == on every bit: JSON keeps them all
    for text, grad, part in zip(texts, expected, taking_part):
        if part:
            assert text == "grad " + ("-" if grad is None else format_value(grad))
        else:
            assert text is None  # the picture says "needs no grad" and keeps saying it
    current = stepper.current
    if current is not None:
        assert panel == current.text()


def open_page(browser: Browser, path: Path) -> None:
    browser.open(path)
    assert browser.errors() == []
    # Nothing was fetched: the page holds its script, styles and picture.
    assert browser.run("return performance.getEntriesByType('resource').length") == 0


def walk(browser: Browser, stepper: Stepper) -> None:
    """Step forward through the whole pass and back again, checking every position."""
    forward: int = browser.run("return window.explorer.forwardSteps")
    browser.run("window.explorer.goTo(arguments[0])", forward)
    stepper.reset()
    check_position(browser, stepper, forward)  # before any step: the seed, zero elsewhere
    for _ in range(len(stepper)):
        browser.driver.find_element(By.ID, "next").click()
        stepper.next()
        check_position(browser, stepper, forward)
    for _ in range(len(stepper)):
        browser.driver.find_element(By.ID, "back").click()
        stepper.back()
        check_position(browser, stepper, forward)
    assert browser.errors() == []


# ----------------------------------------------------------------------------- gradients


def test_neuron_gradients_equal_the_engines(browser: Browser, tmp_path: Path) -> None:
    open_page(browser, write_page(tmp_path, NEURON))
    assert position(browser) == 0
    # The forward pass first: values appear operation by operation.
    field = browser.driver.find_element(By.ID, "d5")  # the data field of tanh(x*w + b)
    assert (field.text, field.get_attribute("class")) == ("data ?", "field pending")
    for _ in range(3):
        browser.driver.find_element(By.ID, "next").click()
    assert (field.text, field.get_attribute("class")) == ("data 0.706419", "field")
    root = parse_expression("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})
    with Stepper(root) as stepper:
        walk(browser, stepper)
        stepper.run()
        browser.driver.find_element(By.ID, "run").click()
        final = shown_gradients(browser)
    root.backward()
    leaves = {node.label: node for node in stepper.names.order if node.label}
    by_index = {stepper.names.name(node): final[i] for i, node in enumerate(stepper.names.order)}
    for name in ("x", "w", "b"):
        assert by_index[name] == leaves[name].grad  # what backward() gives, exactly
    assert by_index["x"] == pytest.approx(-1.5029, abs=1e-4)


@pytest.mark.slow
def test_network_from_weights_equals_closed_form(browser: Browser, tmp_path: Path) -> None:
    model = nn.MLP(
        2, [3, 2], activation="sigmoid", output_activation="sigmoid", rng=np.random.default_rng(7)
    )
    weights.save(tmp_path / "net.npz", model)
    x, y = EXAMPLE
    page = write_page(
        tmp_path,
        ["--weights", str(tmp_path / "net.npz"), "--input", "0.5,-1", "--target", "0.2,0.7"],
    )
    open_page(browser, page)
    loaded = nn.MLP.from_weights(
        weights.load(tmp_path / "net.npz").weights,
        activation="sigmoid",
        output_activation="sigmoid",
    )
    with Stepper.for_mlp(loaded, x, y) as stepper:
        walk(browser, stepper)
        browser.driver.find_element(By.ID, "run").click()
        final = dict(
            zip([stepper.names.name(n) for n in stepper.names.order], shown_gradients(browser))
        )
    closed = backprop.Network(
        model.get_weights(), activation="sigmoid", output_activation="sigmoid"
    ).backprop_example(x, y)
    for l, (W, _) in enumerate(model.get_weights(), start=1):
        for j in range(1, W.shape[0] + 1):
            assert final[f"z^{l}_{j}"] == pytest.approx(closed.deltas[l - 1][j - 1], rel=1e-12)
            assert final[f"b^{l}_{j}"] == pytest.approx(closed.db[l - 1][j - 1], rel=1e-12)
            for k in range(1, W.shape[1] + 1):
                expected = closed.dW[l - 1][j - 1, k - 1]
                assert final[f"w^{l}_{j}{k}"] == pytest.approx(expected, rel=1e-12)


def test_the_equation_at_work_is_highlighted(browser: Browser, tmp_path: Path) -> None:
    open_page(browser, write_page(tmp_path, ["--layers", "2,2,1", "--seed", "1"]))
    data = browser.run("return JSON.parse(document.getElementById('explorer-data').textContent)")
    forward = len(data["forward"])
    seen = set()
    for k, step in enumerate(data["steps"], start=1):
        role = data["nodes"][step["input"]]["role"]["role"]
        if role not in ("w", "b", "z") or role in seen:
            continue
        seen.add(role)
        browser.run("window.explorer.goTo(arguments[0])", forward + k)
        active = browser.driver.find_elements(By.CSS_SELECTOR, "#equations li.active")
        assert [item.get_attribute("id") for item in active] == [step["bp"]["equation"]]
        numbers = browser.driver.find_element(By.ID, "bp-numbers").text
        assert numbers == step["bp"]["numbers"] and numbers
    assert seen == {"w", "b", "z"}
    # Click a weight: its record shows BP4 with the closed-form numbers.
    weight = next(i for i, n in enumerate(data["nodes"]) if n["name"] == "w^1_11")
    browser.driver.find_element(By.ID, f"v{weight}").click()
    record = browser.driver.find_element(By.ID, "record").text
    assert record.startswith("w^1_11") and "BP4: dC/dw^l_jk = a^(l-1)_k delta^l_j" in record
    assert browser.errors() == []


# ----------------------------------------------------------------------------- controls


def test_keyboard_buttons_and_slider(browser: Browser, tmp_path: Path) -> None:
    open_page(browser, write_page(tmp_path, NEURON))
    last = 3 + 5
    keys = ActionChains(browser.driver)
    keys.send_keys(Keys.ARROW_RIGHT).perform()
    keys.send_keys(Keys.ARROW_RIGHT).perform()
    assert position(browser) == 2
    ActionChains(browser.driver).send_keys(Keys.ARROW_LEFT).perform()
    assert position(browser) == 1
    ActionChains(browser.driver).send_keys(Keys.END).perform()
    assert position(browser) == last
    assert browser.driver.find_element(By.ID, "next").get_attribute("disabled") == "true"
    ActionChains(browser.driver).send_keys(Keys.HOME).perform()
    assert position(browser) == 0
    browser.driver.find_element(By.ID, "run").click()
    assert position(browser) == last
    browser.driver.find_element(By.ID, "reset").click()
    assert position(browser) == 0
    # The slider moves by one with its own arrow keys (the page does not add another).
    slider = browser.driver.find_element(By.ID, "slider")
    slider.send_keys(Keys.ARROW_RIGHT)
    assert position(browser) == 1
    browser.run(
        "const s = document.getElementById('slider'); s.value = '6';"
        "s.dispatchEvent(new Event('input'));"
    )
    assert position(browser) == 6
    assert browser.driver.find_element(By.ID, "where").text == "backward 3 / 5"
    assert browser.errors() == []


def test_quiz_accepts_a_right_answer_and_corrects_a_wrong_one(
    browser: Browser, tmp_path: Path
) -> None:
    open_page(browser, write_page(tmp_path, NEURON))
    driver = browser.driver
    driver.find_element(By.ID, "quiz").click()
    ActionChains(driver).send_keys(Keys.END).perform()  # Run to end is never quizzed
    ActionChains(driver).send_keys(Keys.HOME).perform()
    for _ in range(3):  # the forward pass asks nothing
        driver.find_element(By.ID, "next").click()
    assert position(browser) == 3
    driver.find_element(By.ID, "next").click()
    assert driver.find_element(By.ID, "ask").is_displayed()
    assert position(browser) == 3  # waits for the answer
    assert "(x*w + b).grad" in driver.find_element(By.ID, "ask-question").text
    answer = driver.find_element(By.ID, "answer")
    answer.send_keys("0.501", Keys.ENTER)  # 0.500972: right within the stated tolerance
    assert position(browser) == 4
    assert driver.find_element(By.ID, "verdict").text.startswith("Right")
    assert driver.find_element(By.ID, "score").text == "score 1 of 1"
    driver.find_element(By.ID, "next").click()
    driver.find_element(By.ID, "answer").send_keys("not a number")
    driver.find_element(By.ID, "check").click()
    assert "type a number" in driver.find_element(By.ID, "verdict").text
    assert position(browser) == 4
    driver.find_element(By.ID, "answer").clear()
    driver.find_element(By.ID, "answer").send_keys("0.4")
    driver.find_element(By.ID, "check").click()
    verdict = driver.find_element(By.ID, "verdict").text
    assert verdict == "Not quite: you said 0.4; (x*w).grad receives 0.500972."
    assert driver.find_element(By.ID, "score").text == "score 1 of 2"
    assert position(browser) == 5  # the worked step is shown all the same
    assert driver.find_element(By.ID, "step-text").text.startswith("step 2 of 5")
    assert browser.errors() == []


def test_quiz_on_the_local_derivative_opened_from_the_command_line(
    browser: Browser, tmp_path: Path
) -> None:
    open_page(browser, write_page(tmp_path, [*NEURON, "--quiz", "local"]))
    driver = browser.driver
    assert driver.find_element(By.ID, "quiz").is_selected()  # --quiz opens it on
    assert driver.find_element(By.ID, "quiz-kind").get_attribute("value") == "local"
    assert driver.find_element(By.ID, "score").text == "score 0 of 0"
    for _ in range(3):  # the forward pass asks nothing
        driver.find_element(By.ID, "next").click()
    driver.find_element(By.ID, "next").click()
    assert "what is the local derivative?" in driver.find_element(By.ID, "ask-question").text
    given = driver.find_element(By.ID, "ask-given").text.splitlines()
    assert given == [  # the rule and its numbers, not the upstream gradient
        "  rule      d tanh(x*w + b)/d(x*w + b) = 1 - tanh(x*w + b)^2",
        "  at        x*w + b = 0.88, tanh(x*w + b) = 0.706419",
    ]
    hint = driver.find_element(By.ID, "ask-hint").text
    assert hint == "right within 0.1% (or 0.0001 near zero), as the terminal's quiz"
    # 1 - 0.706419^2 = 0.500972; the terminal's tolerance: within 0.1% is right ...
    driver.find_element(By.ID, "answer").send_keys("0.5006", Keys.ENTER)
    assert driver.find_element(By.ID, "verdict").text == (
        "Right: the local derivative is 0.500972."
    )
    # ... and 0.12% off is not (the page used to accept anything within 0.0005)
    driver.find_element(By.ID, "next").click()
    Select(driver.find_element(By.ID, "quiz-kind")).select_by_value("contribution")  # mid-question
    assert "what does (x*w).grad receive?" in driver.find_element(By.ID, "ask-question").text
    driver.find_element(By.ID, "answer").send_keys("0.5004", Keys.ENTER)
    assert driver.find_element(By.ID, "verdict").text.startswith("Not quite: you said 0.5004")
    # the next step of the sum rule: local derivative 1, contribution 0.500972
    Select(driver.find_element(By.ID, "quiz-kind")).select_by_value("local")
    driver.find_element(By.ID, "next").click()
    driver.find_element(By.ID, "answer").send_keys("1", Keys.ENTER)
    assert driver.find_element(By.ID, "verdict").text == "Right: the local derivative is 1.0."
    assert driver.find_element(By.ID, "score").text == "score 2 of 3"
    assert position(browser) == 6
    assert browser.errors() == []


def test_a_tensor_network_page_shows_the_equations_per_layer(
    browser: Browser, tmp_path: Path
) -> None:
    model = nn.mlp([2, 3, 1], "tanh", "sigmoid", rng=np.random.default_rng(4))
    X, Y = np.array([[0.5, -1.0], [0.1, 0.2]]), np.array([[0.8], [0.1]])
    open_page(browser, viz.explorer(model, X, Y).save(tmp_path / "tensor.html"))
    driver = browser.driver
    assert driver.find_element(By.ID, "equations").is_displayed()
    data = browser.run("return JSON.parse(document.getElementById('explorer-data').textContent)")
    k = next(k for k, s in enumerate(data["steps"], 1) if s["grad_of"] == "W^1.grad")
    browser.run("window.explorer.goTo(arguments[0])", len(data["forward"]) + k)
    assert driver.find_element(By.CSS_SELECTOR, "#equations .active").get_attribute("id") == "BP4"
    assert driver.find_element(By.ID, "bp-numbers").text.startswith("dC/dW^1 = (delta^1)^T X = ")
    driver.find_element(By.ID, f"v{data['steps'][k - 1]['input']}").click()
    record = driver.find_element(By.ID, "record").text.splitlines()
    assert "role      weight matrix of layer 1" in record
    assert "BP4: dC/dW^l = (delta^l)^T a^(l-1), summed over the batch" in record
    assert browser.errors() == []


# ----------------------------------------------------------------------------- safety


def test_a_hostile_label_is_shown_as_text_and_runs_nothing(
    browser: Browser, tmp_path: Path
) -> None:
    x = Value(2.0, label=HOSTILE)
    page = viz.explorer((x * x).tanh(), title=HOSTILE).save(tmp_path / "hostile.html")
    open_page(browser, page)  # an alert would make every later command fail
    assert browser.run("return document.querySelectorAll('img').length") == 0
    assert browser.driver.find_element(By.ID, "title").text == HOSTILE
    assert browser.run("return document.title") == HOSTILE
    assert HOSTILE in browser.driver.find_element(By.ID, "v0").text
    browser.driver.find_element(By.ID, "v0").click()
    assert browser.driver.find_element(By.ID, "record").text.startswith(HOSTILE)
    ActionChains(browser.driver).send_keys(Keys.END).perform()
    assert HOSTILE in browser.driver.find_element(By.ID, "step-text").text
    assert browser.errors() == []


def test_summary_page_steps_per_layer_block(browser: Browser, tmp_path: Path) -> None:
    open_page(browser, write_page(tmp_path, ["--layers", "2,3,2", "--max-nodes", "20"]))
    assert browser.driver.find_elements(By.CSS_SELECTOR, "g.node[id^='k']")
    assert not browser.driver.find_elements(By.ID, "v0")
    data = browser.run("return JSON.parse(document.getElementById('explorer-data').textContent)")
    nodes, forward = data["nodes"], len(data["forward"])
    for k, step in enumerate(data["steps"], start=1):
        browser.run("window.explorer.goTo(arguments[0])", forward + k)
        across = nodes[step["input"]]["block"] != nodes[step["node"]]["block"]
        # Between boxes the step is an arrow on the boxes' edge; inside one, a label on it.
        assert bool(browser.driver.find_elements(By.CSS_SELECTOR, "#flow .flow-line")) == across
        label = browser.driver.find_element(By.CSS_SELECTOR, "#flow .flow-label").text
        assert label.startswith("+= " + step["contribution"])
        block = browser.driver.find_element(By.CSS_SELECTOR, "#marks .flow-to")
        assert block.get_attribute("data-for") == nodes[step["input"]]["block"]
    browser.driver.find_element(By.ID, block.get_attribute("data-for")).click()
    assert "nodes in this box" in browser.driver.find_element(By.ID, "record").text
    assert browser.errors() == []


def test_screenshot(browser: Browser, tmp_path: Path) -> None:
    """The picture in the README: set AUTOGRAD_LITE_SCREENSHOTS=viz to write it there."""
    model = nn.MLP(
        2, [2, 1], activation="sigmoid", output_activation="sigmoid", rng=np.random.default_rng(0)
    )
    page = viz.explorer(model, [0.5, -1.0], [0.8]).save(tmp_path / "explorer.html")
    browser.driver.set_window_size(1400, 860)
    open_page(browser, page)
    data = browser.run("return JSON.parse(document.getElementById('explorer-data').textContent)")
    k = next(k for k, s in enumerate(data["steps"], 1) if s["bp"] and s["bp"]["equation"] == "BP4")
    browser.run("window.explorer.goTo(arguments[0])", len(data["forward"]) + k)
    browser.driver.find_element(By.ID, f"v{data['steps'][k - 1]['input']}").click()
    folder = Path(os.environ.get("AUTOGRAD_LITE_SCREENSHOTS", tmp_path))
    target = folder / "explorer.png"
    assert browser.driver.save_screenshot(str(target))
    png = target.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == tuple(browser.run("return [window.innerWidth, window.innerHeight]"))
    browser.driver.set_window_size(1400, 900)


# ----------------------------------------------------------------------------- notebook, wheel


@pytest.mark.slow
def test_notebook_with_two_explorers_converted_to_html(browser: Browser, tmp_path: Path) -> None:
    """examples/explorer.ipynb, executed and converted to HTML: both explorers still step,
    each on its own."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    notebook = nbformat.read(ROOT / "examples" / "explorer.ipynb", as_version=4)
    NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()
    frames = [
        output["data"]["text/html"]
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "text/html" in output.get("data", {})
    ]
    assert len(frames) == 2
    body, _ = HTMLExporter(template_name="basic").from_notebook_node(notebook)
    page = tmp_path / "notebook.html"
    page.write_text(
        f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{body}</body></html>",
        encoding="utf-8",
    )
    browser.errors()
    browser.driver.get(page.as_uri())
    driver = browser.driver
    iframes = driver.find_elements(By.CSS_SELECTOR, "iframe.autograd-lite-explorer")
    assert len(iframes) == 2
    counts = []
    for frame in iframes:
        driver.switch_to.frame(frame)
        driver.find_element(By.ID, "run").click()
        counts.append(browser.run("return window.explorer.position"))
        driver.switch_to.default_content()
    driver.switch_to.frame(iframes[0])
    driver.find_element(By.ID, "reset").click()
    driver.find_element(By.ID, "next").click()
    assert browser.run("return window.explorer.position") == 1
    driver.switch_to.default_content()
    driver.switch_to.frame(iframes[1])
    assert browser.run("return window.explorer.position") == counts[1]  # untouched
    steps = browser.run("return window.explorer.backwardSteps")
    assert driver.find_element(By.ID, "step-text").text.startswith(f"step {steps} of {steps}")
    driver.switch_to.default_content()
    assert counts[0] != counts[1]  # two different graphs
    assert browser.errors() == []


@pytest.mark.slow
def test_page_from_an_installed_wheel(browser: Browser, tmp_path: Path) -> None:
    """Build the wheel, install it into a fresh virtual environment (offline: numpy and
    graphviz are lent from this one, nothing else), write a page with its command."""
    # Build from a copy of what the wheel is made of, so the checkout gets no build/.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT / "autograd_lite",
        source / "autograd_lite",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [*PIP, "wheel", str(source), *OFFLINE, "--no-build-isolation", "-w", str(wheels)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("autograd_lite-*.whl")
    fresh = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True)
    python = fresh / "bin" / "python"
    install = subprocess.run(
        [*PIP, "--python", str(python), "install", *OFFLINE, str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    # Lend numpy and graphviz (only those) through a folder of links and a .pth file.
    lent = tmp_path / "lent"
    lent.mkdir()
    here = Path(sysconfig.get_paths()["purelib"])
    for name in ("numpy", "numpy.libs", "graphviz"):
        if (here / name).exists():
            (lent / name).symlink_to(here / name)
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "lent.pth").write_text(f"{lent}\n", encoding="utf-8")
    where = subprocess.run(
        [str(python), "-c", "import autograd_lite, pathlib; print(autograd_lite.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(fresh)
    command = fresh / "bin" / "autograd-lite"
    result = subprocess.run(
        [str(command), "explore", *NEURON, "-o", "wheel.html"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={**os.environ, "PATH": f"{fresh / 'bin'}:{os.environ['PATH']}"},
    )
    assert result.returncode == 0, result.stderr
    open_page(browser, tmp_path / "wheel.html")
    ActionChains(browser.driver).send_keys(Keys.END).perform()
    assert position(browser) == 8
    assert browser.driver.find_element(By.ID, "step-text").text.startswith("step 5 of 5")
    shutil.rmtree(fresh)


def test_a_stepper_hands_over_its_position(browser: Browser, tmp_path: Path) -> None:
    root = parse_expression("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})
    with Stepper(root) as stepper:
        stepper.next()
        stepper.next()
        open_page(browser, viz.explorer(stepper).save(tmp_path / "handed.html"))
        check_position(browser, stepper, forward=3)  # opens after the stepper's 2 steps
        assert browser.driver.find_element(By.ID, "where").text == "backward 2 / 5"
