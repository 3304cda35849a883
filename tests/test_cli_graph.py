"""Tests of ``autograd-lite graph``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd_lite import cli, nn, viz
from autograd_lite.compare import random_problem
from autograd_lite.parse import parse_assignments, parse_expression

ROOT = Path(__file__).resolve().parent.parent
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is missing")
EXPRESSION = ["tanh(x*w + b)", "--set", "x=2", "w=-3", "b=6.88"]


@pytest.fixture(autouse=True)
def only_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test this subcommand alone (the subprocess test runs the whole command)."""
    monkeypatch.setattr(cli, "COMMANDS", ("graph",))


def expression_root(backward: bool) -> object:
    root = parse_expression("tanh(x*w + b)", parse_assignments(["x=2", "w=-3", "b=6.88"]))
    if backward:
        root.backward()
    return root


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(["graph", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_prints_the_dot_text(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run([*EXPRESSION, "--backward"], capsys)
    assert status == 0 and err == ""
    assert out == viz.draw(expression_root(backward=True)).source
    assert "grad -1.5029" in out  # d/dx = w * (1 - tanh^2)
    status, out, _ = run([*EXPRESSION, "--rankdir", "TB", "--legend"], capsys)
    assert out == viz.draw(expression_root(False), rankdir="TB", legend=True).source


def test_prints_the_text_tree(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run([*EXPRESSION, "--backward", "--text"], capsys)
    assert status == 0
    assert out == viz.text(expression_root(backward=True)) + "\n"
    assert out.splitlines()[0] == "tanh(x*w + b) (tanh)  data 0.706419  grad 1.0"


@needs_dot
def test_writes_svg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "graph.svg"
    status, out, err = run([*EXPRESSION, "--backward", "-o", str(path)], capsys)
    assert status == 0 and out == ""
    assert err == f"wrote {path}\n"
    nodes = [g for g in ET.parse(path).iter("{http://www.w3.org/2000/svg}g")]
    assert sum(g.get("class") == "node" for g in nodes) == 9  # 6 values, 3 operations


def test_writes_dot_by_extension_or_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = viz.draw(expression_root(False)).source
    assert run([*EXPRESSION, "-o", str(tmp_path / "g.dot")], capsys)[0] == 0
    assert (tmp_path / "g.dot").read_text(encoding="utf-8") == expected
    assert run([*EXPRESSION, "-o", str(tmp_path / "g"), "--format", "dot"], capsys)[0] == 0
    assert (tmp_path / "g").read_text(encoding="utf-8") == expected
    assert run([*EXPRESSION, "--text", "-o", str(tmp_path / "g.txt")], capsys)[0] == 0
    assert (tmp_path / "g.txt").read_text(encoding="utf-8").startswith("tanh(x*w + b) (tanh)")


def test_mlp(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--layers", "2,3,1", "--seed", "0", "--input", "0.5,-1", "--target", "1"]
    status, out, _ = run(argv, capsys)
    assert status == 0
    weights, _, _ = random_problem([2, 3, 1], 1, 0)  # the weights compare draws from seed 0
    model = nn.MLP.from_weights(weights, "sigmoid", "sigmoid")
    assert out == viz.draw_mlp(model, [0.5, -1.0], [1.0], legend=False).source
    assert "MLP 2-3-1 (sigmoid, output sigmoid): C = ½ Σⱼ (aᴸⱼ - yⱼ)²" in out
    # without --input, the input is drawn from the seed too: the same command, same picture
    first, second = tmp_path / "a.dot", tmp_path / "b.dot"
    assert run(["--mlp", "2,3,1", "--seed", "0", "-o", str(first)], capsys)[0] == 0
    assert run(["--mlp", "2,3,1", "--seed", "0", "-o", str(second)], capsys)[0] == 0
    assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")
    assert "C = ½ Σⱼ (aᴸⱼ - yⱼ)²" in first.read_text(encoding="utf-8")  # as in step
    for delta in ("δ¹₁", "δ¹₂", "δ¹₃", "δ²₁"):
        assert delta in first.read_text(encoding="utf-8")
    status, out, _ = run([*argv, "--text"], capsys)
    assert out.splitlines()[0].startswith("MLP 2-3-1 (sigmoid, output sigmoid): C = 1/2 sum_j")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["tanh(x*y)", "--set", "x=2"], "unknown name 'y' (variables set: x) (at column 8 of"),
        (["x", "--set", "x2"], "expected NAME=NUMBER, got 'x2'"),
        (["x", "--set", "x=1", "x=2"], "'x' is set twice"),
        (["__import__('os').system('echo hi')"], "only these functions can be called"),
        (["__import__('os')"], "names starting with '_' are not allowed: '__import__'"),
        (["x +", "--set", "x=1"], "the expression ends with '+'"),
        ([], "give an expression"),
        (["--set", "x=1", "tanh(x)"], "'tanh(x)' is not NAME=NUMBER: put the expression before"),
        (["x", "--mlp", "2,1"], "give an expression"),
        (["x", "--set", "x=1", "--format", "png"], "--format png needs an output file"),
        (["x", "--set", "x=1", "-o", "out.jpeg"], "-o out.jpeg: cannot tell the format"),
        (
            ["x", "--set", "x=1", "-o", "no/such/dir/g.dot"],
            "-o no/such/dir/g.dot: the folder no/such/dir does not exist",
        ),
        (["x", "--set", "x=1", "--max-nodes", "0"], "--max-nodes must be at least 1"),
        (["--mlp", "2"], "--layers: expected layer sizes like 2,3,1"),
        (["--mlp", "2,x"], "--layers: expected layer sizes like 2,3,1"),
        (["--mlp", "2,0,1"], "--layers: expected layer sizes like 2,3,1"),
        (["--mlp", "1000,1000,1"], "1,002,001 weights and biases is too many to draw"),
        (["--mlp", "2,1", "--activation", "swish"], "unknown activation 'swish'"),
        (["--mlp", "2,1", "--input", "1"], "--input: the input has 1 numbers"),
        (["--mlp", "2,1", "--target", "a"], "--target: expected numbers separated by commas"),
        (["--mlp", "2,1", "--set", "x=1"], "--set gives values to an expression's variables"),
    ],
)
def test_errors_exit_2_with_one_line(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    assert err.startswith("autograd-lite graph: error: ")
    assert message in err
    assert len(err.splitlines()) == 1


def test_missing_dot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "")
    status, _, err = run([*EXPRESSION, "-o", str(tmp_path / "graph.png")], capsys)
    assert status == 2 and len(err.splitlines()) == 1
    assert "the Graphviz `dot` executable is missing" in err
    assert "apt-get install graphviz" in err
    assert f"the DOT text was written to {tmp_path / 'graph.dot'} instead" in err
    assert (tmp_path / "graph.dot").read_text(encoding="utf-8") == viz.draw(
        expression_root(False)
    ).source


def test_bad_choice_is_an_argparse_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["graph", "x", "--format", "gif"])
    assert caught.value.code == 2
    assert "invalid choice: 'gif'" in capsys.readouterr().err


def test_python_dash_m_runs_the_command() -> None:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "autograd_lite", "graph"]
    result = subprocess.run(
        [*command, "x*w", "--set", "x=2", "w=3", "--backward", "--text"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    root = parse_expression("x*w", {"x": 2.0, "w": 3.0})
    root.backward()
    assert result.stdout == viz.text(root) + "\n"
    assert result.stdout.splitlines() == [
        "x*w (*)  data 6.0  grad 1.0",
        "  1: x  data 2.0  grad 3.0",
        "  2: w  data 3.0  grad 2.0",
    ]
    failed = subprocess.run(
        [*command, "x.__class__", "--set", "x=1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
    )
    assert failed.returncode == 2
    assert failed.stderr == (
        "autograd-lite graph: error: attribute access ('.') is not allowed "
        "(at column 2 of 'x.__class__')\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["-o", "g.png", "--format", "svg"], "-o g.png --format svg: the extension says png"),
        (["-o", "{tmp}", "--text"], "is a folder; expected a file name in it"),
        (["-o", "g.txt", "--text", "--format", "png"], "--text writes a text tree"),
        (["-o", "g.svg", "--max-nodes", "5000"], "--max-nodes 5000: Graphviz needs minutes"),
    ],
)
def test_output_mistakes_are_refused_before_any_work(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    status, out, err = run([*EXPRESSION, *argv], capsys)
    assert status == 2 and out == ""
    assert message in err and len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_max_nodes_above_the_cap_is_fine_for_dot_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "g.dot"
    status, _, err = run([*EXPRESSION, "-o", str(path), "--max-nodes", "5000"], capsys)
    assert status == 0, err
    assert path.read_text(encoding="utf-8").startswith("digraph")


def test_a_failing_dot_is_one_line_pointing_to_max_nodes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "dot").write_text("#!/bin/sh\necho 'out of memory' >&2\nexit 1\n")
    (folder / "dot").chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:/bin:/usr/bin")
    status, _, err = run([*EXPRESSION, "-o", str(tmp_path / "g.svg")], capsys)
    assert status == 2 and len(err.splitlines()) == 1
    assert "(out of memory); lower --max-nodes (now 300" in err
    assert not (tmp_path / "g.svg").exists()
