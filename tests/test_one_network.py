"""One network, one story: ``step``, ``graph`` and ``compare`` on the same saved network
(``--weights``) find the same gradients, equal to the closed form (BP1-BP4)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograd_lite import backprop, weights
from autograd_lite.compare import random_problem

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ["--input", "0.5,-1", "--target", "0.25"]


def autograd_lite(*argv: str) -> str:
    """Run the command as a person would, in a subprocess; its standard output."""
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lite", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def parameter_grads(text: str, pattern: str) -> dict[str, float]:
    """``{"w^1_12": -0.00116, ...}`` from lines that name a parameter and its grad."""
    found = {}
    for name, grad in re.findall(pattern, text, flags=re.MULTILINE):
        found[name] = float(grad)
    return found


def as_names(dW: list[np.ndarray], db: list[np.ndarray]) -> dict[str, float]:
    """The literature's names of every weight and bias gradient."""
    named = {}
    for l, (W, b) in enumerate(zip(dW, db), start=1):
        for j in range(W.shape[0]):
            named[f"b^{l}_{j + 1}"] = float(b[j])
            for k in range(W.shape[1]):
                named[f"w^{l}_{j + 1}{k + 1}"] = float(W[j, k])
    return named


def assert_same(found: dict[str, float], expected: dict[str, float], rtol: float) -> None:
    assert set(found) == set(expected)
    for name, value in expected.items():
        assert found[name] == pytest.approx(value, rel=rtol, abs=1e-12), name


@pytest.mark.slow
def test_step_graph_and_compare_tell_the_same_story(tmp_path: Path) -> None:
    saved, _, _ = random_problem([2, 3, 1], seed=3)
    path = tmp_path / "net.npz"
    weights.save(path, saved, ["tanh", "sigmoid"])
    x, y = [0.5, -1.0], [0.25]
    oracle = backprop.Network(saved, "tanh", "sigmoid", "quadratic").backprop_example(x, y)
    expected = as_names(oracle.dW, oracle.db)

    stepped = autograd_lite("step", "--weights", str(path), *EXAMPLE, "--all")
    assert "MLP 2-3-1 (tanh, output sigmoid, weights from" in stepped
    final = stepped.split("final gradients:")[1]
    # printed with six significant digits
    assert_same(parameter_grads(final, r"^  ([wb]\^[\d_,]+)\s+grad (\S+)"), expected, 1e-5)
    assert stepped.count("(closed form; differs by ") == 4  # every delta, BP1 and BP2

    drawn = autograd_lite("graph", "--weights", str(path), *EXAMPLE, "--text")
    assert drawn.startswith("MLP 2-3-1 (tanh, output sigmoid): C = 1/2 sum_j")
    tree = parameter_grads(drawn, r"^\s+(?:\d: )?([wb]\^[\d_,]+)  data \S+  grad (\S+)")
    assert_same(tree, expected, 1e-5)
    assert drawn.count("agrees)") == 4 and "DISAGREES" not in drawn

    engines = ["--engines", "value,tensor,closed_form,numeric"]  # torch: slow to import
    report = json.loads(
        autograd_lite("compare", "--weights", str(path), *EXAMPLE, *engines, "--json")
    )
    assert report["ok"] and report["network"]["batch"] == 1
    for engine in ("value", "tensor", "closed_form"):
        found = report["gradients"][engine]
        named = as_names([np.array(W) for W in found["dW"]], [np.array(b) for b in found["db"]])
        assert_same(named, expected, 1e-12)


@pytest.mark.slow
def test_one_seed_one_network_in_step_and_compare() -> None:
    """Without a file, the same --layers and --seed give the same weights and example:
    ``step`` walks through example 1 of ``compare``'s batch."""
    argv = ["--layers", "2,2,1", "--seed", "7"]
    stepped = autograd_lite("step", *argv, "--all").split("final gradients:")[1]
    report = json.loads(
        autograd_lite("compare", *argv, "--batch", "1", "--engines", "closed_form", "--json")
    )
    closed = report["gradients"]["closed_form"]
    expected = as_names([np.array(W) for W in closed["dW"]], [np.array(b) for b in closed["db"]])
    assert_same(parameter_grads(stepped, r"^  ([wb]\^[\d_,]+)\s+grad (\S+)"), expected, 1e-5)
    # and the first example does not depend on the batch size
    _, X1, Y1 = random_problem([2, 2, 1], 1, 7)
    _, X8, Y8 = random_problem([2, 2, 1], 8, 7)
    assert np.array_equal(X1[0], X8[0]) and np.array_equal(Y1[0], Y8[0])
