"""Tests of the explorer page as Python writes it: its data, its escaping, its ids, the
command ``autograd-lite explore`` and the Jupyter wrapper. The page running in a real
browser is tested in tests/test_explorer_browser.py."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lite import backprop, cli, explorer, nn, viz, weights
from autograd_lite.naming import NetworkSpec, build_network, format_number
from autograd_lite.parse import parse_expression
from autograd_lite.stepper import Stepper
from autograd_lite.value import Value

ROOT = Path(__file__).resolve().parent.parent
NEURON = ["tanh(x*w + b)", "--set", "x=2", "w=-3", "b=6.88"]
HOSTILE = "<img src=x onerror=alert(1)>"


def page_data(text: str) -> dict[str, Any]:
    """The JSON inside a page, read back as the browser's JSON.parse would."""
    match = re.search(
        r'<script type="application/json" id="explorer-data">(.*?)</script>', text, re.DOTALL
    )
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def neuron() -> Value:
    return parse_expression("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})


def network_232() -> tuple[nn.MLP, list[float], list[float]]:
    model = nn.MLP(
        2, [3, 2], activation="sigmoid", output_activation="sigmoid", rng=np.random.default_rng(3)
    )
    return model, [0.5, -1.0], [0.2, 0.7]


# ----------------------------------------------------------------------------- the page's data


def test_steps_are_the_engines_steps_with_the_steppers_text() -> None:
    root = neuron()
    data = page_data(viz.explorer(root).html)
    stepper = Stepper(root)
    names = [stepper.names.name(node) for node in stepper.names.order]
    assert [node["name"] for node in data["nodes"]] == names
    assert len(data["steps"]) == len(stepper) == 5
    for record, view in zip(data["steps"], stepper.steps):
        assert record["text"] == view.text()
        assert names[record["input"]] == stepper.names.name(view.step.input)
        assert record["after_x"] == view.step.after  # every bit of the engine's number
    stepper.close()
    # The final gradients are backward()'s.
    root.backward()
    by_name = {node["name"]: node["final_x"] for node in data["nodes"]}
    x, w, b = (stepper.find(name) for name in ("x", "w", "b"))
    assert (by_name["x"], by_name["w"], by_name["b"]) == (x.grad, w.grad, b.grad)
    # The forward pass: each operation in topological order, leaves known from the start.
    assert [data["nodes"][i]["op"] for i in data["forward"]] == ["*", "+", "tanh"]
    assert data["forward_text"][1].splitlines()[-1] == "  value     x*w + b = 0.88"


def test_explorer_leaves_the_graph_as_it_was() -> None:
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    viz.explorer(y * 3)
    assert x.grad == 4.0  # the page's own Stepper put the earlier gradient back


def test_a_stepper_hands_over_its_position() -> None:
    root = neuron()
    stepper = Stepper(root)
    stepper.next()
    stepper.next()
    grads = [node.grad for node in stepper.names.order]
    data = page_data(viz.explorer(stepper).html)
    assert data["position"] == len(data["forward"]) + 2
    assert stepper.position == 2 and not stepper.closed
    assert [node.grad for node in stepper.names.order] == grads
    assert page_data(viz.explorer(root).html)["position"] == 0  # before the forward pass
    stepper.reset()  # at the start of the backward pass: the forward pass is done
    assert page_data(viz.explorer(stepper).html)["position"] == len(data["forward"])


def test_network_records_carry_the_closed_form() -> None:
    model, x, y = network_232()
    data = page_data(viz.explorer(model, x, y).html)
    closed = backprop.Network(
        model.get_weights(), activation="sigmoid", output_activation="sigmoid", cost="quadratic"
    ).backprop_example(x, y)
    assert data["network"] is True
    by_name = {node["name"]: node for node in data["nodes"]}
    for l in (1, 2):
        for j in range(1, 4 if l == 1 else 3):
            z = by_name[f"z^{l}_{j}"]
            delta = closed.deltas[l - 1][j - 1]
            assert z["closed"]["value"] == pytest.approx(delta, rel=1e-12, abs=1e-15)
            assert z["final_x"] == pytest.approx(delta, rel=1e-12, abs=1e-15)
            assert z["closed"]["equation"] == ("BP1" if l == 2 else "BP2")
            b = by_name[f"b^{l}_{j}"]
            assert b["closed"]["equation"] == "BP3"
            assert b["closed"]["value"] == pytest.approx(closed.db[l - 1][j - 1], rel=1e-12)
            w = by_name[f"w^{l}_{j}1"]
            assert w["closed"]["equation"] == "BP4"
            assert w["closed"]["value"] == pytest.approx(closed.dW[l - 1][j - 1, 0], rel=1e-12)
            assert w["final_x"] == pytest.approx(closed.dW[l - 1][j - 1, 0], rel=1e-12)
    # Every step into a weight is BP4 at work, into a bias BP3, into z BP1 or BP2.
    kinds = {
        (data["nodes"][s["input"]]["role"]["role"], (s["bp"] or {}).get("equation"))
        for s in data["steps"]
    }
    assert ("w", "BP4") in kinds and ("b", "BP3") in kinds
    assert ("z", "BP1") in kinds and ("z", "BP2") in kinds
    assert not {kind for kind in kinds if kind[0] == "w" and kind[1] != "BP4"}


def test_every_step_has_its_edge_in_the_picture() -> None:
    x = Value(3.0, label="x")
    text = viz.explorer((x * x + x).tanh()).html
    data = page_data(text)
    found = re.findall(r'<g id="([^"]+)" class="(?:node|edge)"', text)
    ids = set(found)
    assert len(ids) == len(found)  # every id names one element
    for i, node in enumerate(data["nodes"]):
        assert f"v{i}" in ids
        if node["op"]:
            assert {f"o{i}", f"r{i}"} <= ids
    for step in data["steps"]:
        inputs = data["nodes"][step["node"]]["inputs"]
        count = inputs[: step["pos"]].count(step["input"])
        assert f"e{step['node']}-{step['input']}-{count}" in ids
    assert {"e1-0-0", "e1-0-1"} <= ids  # x * x: two edges from x into one operation
    assert "e2-1-0" in ids and "e2-0-0" in ids  # x*x + x: two inputs, one edge each


def test_large_graphs_open_on_the_layer_summary() -> None:
    model, x, y = network_232()
    data = page_data(viz.explorer(model, x, y, max_nodes=20).html)
    assert data["summary"] is True
    blocks = {node["name"]: node["block"] for node in data["nodes"]}
    assert blocks["w^1_11"] == blocks["z^1_2"] != blocks["z^2_1"]
    assert blocks["x_1"] != blocks["C"] and all(blocks.values())
    full = page_data(viz.explorer(model, x, y).html)
    assert full["summary"] is False and len(full["steps"]) == len(data["steps"])


# ----------------------------------------------------------------------------- escaping


def test_labels_are_escaped_everywhere() -> None:
    x = Value(1.0, label=HOSTILE)
    y = Value(2.0, label="</script><script>alert(2)</script>")
    text = viz.explorer(x * y, title="<b>title</b> & </script>").html
    assert "<img" not in text
    assert "<script>alert" not in text and "</script><script>" not in text
    assert text.count("</script>") == 2  # the data's and the script's own ends
    data = page_data(text)
    assert {node["name"] for node in data["nodes"]} >= {HOSTILE, y.label}
    assert data["title"] == "<b>title</b> & </script>"
    assert "<title>&lt;b&gt;title&lt;/b&gt; &amp; &lt;/script&gt;</title>" in text


def test_json_for_script_escapes_markup_and_line_separators() -> None:
    text = explorer._json_for_script({"a": "</script><!-- & \u2028"})
    assert not set("<>&\u2028") & set(text)
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


def test_non_finite_numbers_travel_as_text() -> None:
    x = Value(float("inf"), label="x")
    data = page_data(viz.explorer(x * 0.0).html)  # inf * 0 = nan: valid JSON all the same
    assert {"nan", "inf"} <= {str(node["data_x"]) for node in data["nodes"]}


def test_the_script_may_only_run_itself() -> None:
    text = viz.explorer(neuron()).html
    policy = re.search(r'Content-Security-Policy" content="([^"]+)"', text)
    assert policy is not None
    assert "default-src 'none'" in policy.group(1)
    assert "'unsafe-inline'" not in policy.group(1).split("script-src")[1].split(";")[0]


# ----------------------------------------------------------------------------- Jupyter, files


def test_repr_html_is_an_isolated_frame() -> None:
    page = viz.explorer(neuron())
    first, second = page._repr_html_(), page._repr_html_()
    for frame in (first, second):
        assert frame.startswith("<iframe ") and frame.endswith("></iframe>")
        assert 'sandbox="allow-scripts"' in frame  # no allow-same-origin: no shared state
        srcdoc = re.search(r'srcdoc="([^"]*)"', frame)
        assert srcdoc is not None and html.unescape(srcdoc.group(1)) == page.html
        assert "<script" not in frame.split("srcdoc=")[1]
    frame_id = re.compile(r'id="([^"]+)"')
    assert frame_id.search(first).group(1) != frame_id.search(second).group(1)  # type: ignore[union-attr]


def test_save_writes_atomically_with_ordinary_permissions(tmp_path: Path) -> None:
    page = viz.explorer(neuron())
    target = page.save(tmp_path / "page.html")
    assert target.read_text(encoding="utf-8") == page.html
    assert os.listdir(tmp_path) == ["page.html"]  # no temporary file left behind
    mask = os.umask(0o022)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def test_package_data_holds_the_script_and_styles() -> None:
    text = viz.explorer(neuron()).html
    for name in ("explorer.js", "explorer.css"):
        source = (ROOT / "autograd_lite" / name).read_text(encoding="utf-8")
        assert source in text
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"explorer.js", "explorer.css"' in pyproject


# ----------------------------------------------------------------------------- the command


@pytest.fixture
def only_explore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "COMMANDS", ("explore",))


def explore(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = cli.main(["explore", *argv])
    return status, capsys.readouterr().err


@pytest.mark.parametrize(
    "options",
    [
        ["--layers", "2,3,2", "--seed", "4", "--cost", "mse"],
        ["x**3 + 0.5*x", "--set", "x=2"],  # numbers in an expression get no step
    ],
)
def test_explore_shows_the_steps_step_shows(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    options: list[str],
) -> None:
    """The same options give the same graph and the same step texts as `step --all`."""
    monkeypatch.setattr(cli, "COMMANDS", ("explore", "step"))
    out = tmp_path / "page.html"
    status, err = explore([*options, "-o", str(out)], capsys)
    assert status == 0 and err.startswith(f"wrote {out} (")
    data = page_data(out.read_text(encoding="utf-8"))
    assert cli.main(["step", *options, "--all"]) == 0
    printed = capsys.readouterr().out
    shown = [line for line in printed.splitlines() if line.startswith("step ")]
    assert [step["text"].splitlines()[0] for step in data["steps"]] == shown
    for step in data["steps"]:
        assert step["text"] + "\n" in printed
    if options[0] == "--layers":
        assert len(data["steps"]) > 50
        example = build_network(NetworkSpec(layers=(2, 3, 2), seed=4, cost="mse"))
        assert data["title"] == f"{example.describe()} = {format_number(example.root.data)}"
    else:
        assert len(data["steps"]) == 4


@pytest.mark.usefixtures("only_explore")
def test_explore_loads_weights(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model, x, y = network_232()
    weights.save(tmp_path / "net.npz", model)
    out = tmp_path / "net.html"
    argv = ["--weights", str(tmp_path / "net.npz"), "--input", "0.5,-1", "--target", "0.2,0.7"]
    assert explore([*argv, "-o", str(out)], capsys)[0] == 0
    data = page_data(out.read_text(encoding="utf-8"))
    expected = page_data(viz.explorer(model, x, y).html)
    assert [s["text"] for s in data["steps"]] == [s["text"] for s in expected["steps"]]


@pytest.mark.usefixtures("only_explore")
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give an expression"),
        ([*NEURON, "--layers", "2,1"], "not both"),
        (["tanh(x", "--set", "x=1"], "invalid syntax"),
        (["__import__('os')"], "not allowed"),
        (["x*y", "--set", "x=1"], "y"),
        (["--layers", "2,0"], "--layers: expected layer sizes"),
        (["--layers", "2,2", "--activation", "swish"], "unknown activation 'swish'"),
        (["--layers", "2,2", "--input", "1"], "--input: the input has 1 numbers"),
        (["--layers", "2,2", "--set", "x=1"], "--set gives values"),
        (["--layers", "60,40,1"], "too many steps"),
        (["--weights", "missing.npz"], "--weights: no such file: missing.npz"),
        ([*NEURON, "--input", "1"], "not both"),
        (["--cost", "mse"], "the network options need --layers SIZES or --weights FILE"),
        ([*NEURON, "-o", "page.png"], "give a name ending in .html"),
        ([*NEURON, "-o", "no/such/dir/page.html"], "the folder no/such/dir does not exist"),
        ([*NEURON, "--max-nodes", "0"], "--max-nodes must be at least 1"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    status, err = explore(argv, capsys)
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("autograd-lite explore: error: ")
    assert message in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.usefixtures("only_explore")
def test_a_bad_weights_file_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.npz").write_bytes(b"not a zip file")
    status, err = explore(["--weights", "bad.npz"], capsys)
    assert status == 2 and err.count("\n") == 1 and "--weights: " in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.npz"]


def test_explore_from_the_command_line(tmp_path: Path) -> None:
    """As a person runs it: the installed command, default output name explore.html."""
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "explore", *NEURON],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("wrote explore.html (")
    assert page_data((tmp_path / "explore.html").read_text(encoding="utf-8"))["steps"]
    help_text = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert "explore" in help_text


def test_arrays_are_shown_whole_in_the_panel_and_by_their_norm_in_the_picture() -> None:
    from autograd_lite import Tensor

    W = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    X = Tensor(np.ones((4, 3)))
    root = (X @ W.T).tanh().sum()
    data = page_data(viz.explorer(root).html)
    stepper = Stepper(root)
    for record, view in zip(data["steps"], stepper.steps):
        assert record["text"] == view.text()
        after = view.step.after
        if isinstance(after, np.ndarray) and after.size > 1:
            norm = format_number(np.linalg.norm(after))
            assert record["after_short"] == f"{after.shape} norm {norm}"
            assert record["after_x"] == after.tolist()  # every number, for the tests' checks
        else:
            assert "after_short" not in record
    stepper.close()


def test_the_page_builder_imports_neither_the_renderer_nor_graphviz() -> None:
    """viz.explorer draws and calls the page builder; the builder never calls back (no
    circle between presentation modules), and graphviz stays viz's alone."""
    import ast

    tree = ast.parse((ROOT / "autograd_lite" / "explorer.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    assert not names & {"viz", "graphviz", "cli"}
    assert "stepper" in names  # the steps it shows are the Stepper's (the engine's)


@pytest.mark.usefixtures("only_explore")
@pytest.mark.parametrize("problem", ["missing", "too slow"])
def test_graphviz_trouble_is_one_line_and_nothing_written(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    problem: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    if problem == "missing":
        monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    else:
        monkeypatch.setattr(viz, "LAYOUT_TIMEOUT", 1e-6)
    status, err = explore(NEURON, capsys)
    assert status == 2 and err.count("\n") == 1
    expected = "executable is missing" if problem == "missing" else "took more than"
    assert expected in err
    assert list(tmp_path.iterdir()) == []


def test_the_quiz_asks_and_judges_as_the_terminals() -> None:
    from autograd_lite import stepper as stepper_module

    data = page_data(viz.explorer(neuron(), quiz="local").html)
    assert data["quiz"] == {
        "kind": "local",
        "rtol": stepper_module.QUIZ_RTOL,
        "atol": stepper_module.QUIZ_ATOL,
    }
    assert page_data(viz.explorer(neuron()).html)["quiz"]["kind"] is None
    # each step carries the number the terminal's `--quiz local` asks for
    terminal = Stepper(neuron())
    locals_ = [float(view.local_derivative) for view in terminal.steps]
    terminal.close()
    assert [step["local_x"] for step in data["steps"]] == locals_
    with pytest.raises(ValueError, match="quiz must be one of contribution, local or None"):
        viz.explorer(neuron(), quiz="global")


def test_explore_quiz_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "quiz.html"
    assert cli.main(["explore", "x*x", "--set", "x=3", "--quiz", "-o", str(out)]) == 0
    assert page_data(out.read_text(encoding="utf-8"))["quiz"]["kind"] == "contribution"
    with pytest.raises(SystemExit) as stopped:
        cli.main(["explore", "x*x", "--set", "x=3", "--quiz", "global", "-o", str(out)])
    assert stopped.value.code == 2
    assert "invalid choice: 'global'" in capsys.readouterr().err


def test_a_tensor_network_gets_the_four_equations_layer_by_layer() -> None:
    model = nn.mlp([2, 3, 1], "tanh", "sigmoid", rng=np.random.default_rng(4))
    X, Y = np.array([[0.5, -1.0], [0.1, 0.2]]), np.array([[0.8], [0.1]])
    data = page_data(viz.explorer(model, X, Y).html)
    assert data["network"] is True
    expected = backprop.Network(model.get_weights(), "tanh", "sigmoid").gradients(X, Y)
    by_name = {node["name"]: node for node in data["nodes"]}
    for layer in (1, 2):
        W, b = by_name[f"W^{layer}"], by_name[f"b^{layer}"]
        assert W["role"] == {"role": "w", "layer": layer, "neuron": None, "whole": True}
        assert W["closed"]["equation"] == "BP4" and b["closed"]["equation"] == "BP3"
        np.testing.assert_allclose(W["closed"]["value"], expected.dW[layer - 1], atol=1e-15)
        np.testing.assert_allclose(b["closed"]["value"], expected.db[layer - 1], atol=1e-15)
        # the engine's gradient after the last step is the closed form's
        np.testing.assert_allclose(W["final_x"], W["closed"]["value"], rtol=1e-12)
        z = by_name[f"z^{layer}"]
        np.testing.assert_allclose(z["closed"]["value"], expected.deltas[layer - 1], atol=1e-15)
    at_work = {step["grad_of"]: step["bp"]["equation"] for step in data["steps"] if step["bp"]}
    assert at_work == {
        "a^2.grad": "BP1",
        "z^2.grad": "BP1",
        "a^1.grad": "BP2",
        "z^1.grad": "BP2",
        "W^2.grad": "BP4",
        "b^2.grad": "BP3",
        "W^1.grad": "BP4",
        "b^1.grad": "BP3",
    }
