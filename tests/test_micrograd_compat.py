"""micrograd parity: programs written for micrograd 0.1.0 run unchanged, with equal numbers.

micrograd 0.1.0 (from PyPI) is installed by the test command as the reference.
"""

from __future__ import annotations

import gc
import math
import random
from typing import Any

import micrograd.engine
import micrograd.nn
import numpy as np
import pytest

import autograd_lite.nn
from autograd_lite import Value
from autograd_lite.data import make_moons


def micrograd_demo(
    value_cls: Any, nn: Any, steps: int, collect: bool = False
) -> list[tuple[float, float]]:
    """micrograd's demo.ipynb training loop, written exactly as there (modules swapped)."""
    np.random.seed(1337)
    random.seed(1337)
    X, labels = make_moons(100, noise=0.1, rng=0)
    y = labels * 2 - 1  # micrograd's demo uses -1 / +1 labels
    model = nn.MLP(2, [16, 16, 1])

    def loss() -> tuple[Any, float]:
        inputs = [list(map(value_cls, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    history = []
    for k in range(steps):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append((float(total_loss.data), float(acc)))
        if collect:
            del total_loss
            gc.collect()
    return history


@pytest.mark.slow
def test_demo_losses_equal_micrograd_step_by_step() -> None:
    ours = micrograd_demo(Value, autograd_lite.nn, steps=20)
    # micrograd leaves a reference cycle per node; its collector passes would take most
    # of this test's time. Collecting once per step instead changes no number.
    gc.disable()
    try:
        theirs = micrograd_demo(micrograd.engine.Value, micrograd.nn, steps=20, collect=True)
    finally:
        gc.enable()
    for step, ((loss, acc), (ref_loss, ref_acc)) in enumerate(zip(ours, theirs)):
        assert loss == pytest.approx(ref_loss, rel=1e-12, abs=0), f"step {step}"
        assert acc == ref_acc, f"step {step}"
    assert ours[-1][0] < ours[0][0]  # and it learns


def test_same_seed_same_network_as_micrograd() -> None:
    random.seed(7)
    ours = autograd_lite.nn.MLP(3, [4, 2])
    random.seed(7)
    theirs = micrograd.nn.MLP(3, [4, 2])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert repr(ours) == repr(theirs)
    x = [0.5, -1.0, 2.0]
    assert [v.data for v in ours(x)] == [v.data for v in theirs(x)]


def test_engine_example_from_micrograd_readme() -> None:
    def run(V: Any) -> tuple[float, float, float]:
        a = V(-4.0)
        b = V(2.0)
        c = a + b
        d = a * b + b**3
        c += c + 1
        c += 1 + c + (-a)
        d += d * 2 + (b + a).relu()
        d += 3 * d + (b - a).relu()
        e = c - d
        f = e**2
        g = f / 2.0
        g += 10.0 / f
        g.backward()
        return g.data, a.grad, b.grad

    ours, theirs = run(Value), run(micrograd.engine.Value)
    assert ours == pytest.approx(theirs, rel=1e-12)
    assert ours[0] == pytest.approx(24.7041, abs=1e-4)  # the README's printed values
    assert ours[1] == pytest.approx(138.8338, abs=1e-4)
    assert ours[2] == pytest.approx(645.5773, abs=1e-4)


def test_graph_drawing_attributes_match_micrograd() -> None:
    """micrograd's draw_dot reads ``_prev`` (a set) and ``_op`` (a string)."""
    x = Value(2.0)
    y = x * 3 + 1
    assert isinstance(y._prev, set) and len(y._prev) == 2
    assert y._op == "+"
    assert x._op == "" and x._prev == set()
    (mul,) = [node for node in y._prev if node._op]
    assert mul._op == "*"


def test_trace_collects_nodes_like_micrograd_draw_dot() -> None:
    """The ``trace`` helper of micrograd's trace_graph notebook runs on our Values."""

    def trace(root: Any) -> tuple[set[Any], set[tuple[Any, Any]]]:
        nodes, edges = set(), set()

        def build(v: Any) -> None:
            if v not in nodes:
                nodes.add(v)
                for child in v._prev:
                    edges.add((child, v))
                    build(child)

        build(root)
        return nodes, edges

    x = Value(1.0)
    y = (x * 2 + x).relu()
    nodes, edges = trace(y)
    assert len(nodes) == 5  # x, 2, x*2, x*2 + x, relu
    assert len(edges) == 5


def test_zero_grad_and_parameters_as_micrograd() -> None:
    model = autograd_lite.nn.MLP(2, [3, 1])
    assert len(model.parameters()) == 2 * 3 + 3 + 3 + 1
    out = model([1.0, 2.0])
    out.backward()
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())
    assert isinstance(out, Value)
    assert math.isfinite(out.data)
