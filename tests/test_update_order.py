"""Tests of the helpers of ``examples/update_order.py`` (the wrong update order).

``tests/test_backprop.py`` checks ``Network.gradients(update_during_backward=...)``
itself; these check what the example builds on it: the per-layer gap and the training
step and loop that compare the two orders.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("update_order", ROOT / "examples/update_order.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["update_order"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


example = load_example()


def case(seed: int = 0, sizes: tuple[int, ...] = (5, 6, 4, 3), batch: int = 7) -> tuple:
    rng = np.random.default_rng(seed)
    weights = [
        (rng.normal(size=(n_out, n_in)), rng.normal(size=n_out))
        for n_in, n_out in itertools.pairwise(sizes)
    ]
    X = rng.normal(size=(batch, sizes[0]))
    Y = rng.uniform(size=(batch, sizes[-1]))
    return weights, X, Y


def test_layer_gaps_are_exactly_zero_without_a_learning_rate() -> None:
    weights, X, Y = case()
    assert example.layer_gaps(example.network(weights), X, Y, 0.0) == [0.0, 0.0, 0.0]


def test_layer_gaps_vanish_at_the_output_only() -> None:
    weights, X, Y = case()
    gaps = example.layer_gaps(example.network(weights), X, Y, 0.5)
    assert gaps[-1] == 0.0
    assert all(gap > 1e-3 for gap in gaps[:-1])


def test_layer_gap_below_the_output_is_the_relative_norm_and_linear_in_eta() -> None:
    weights, X, Y = case(1)
    net = example.network(weights)
    gaps = example.layer_gaps(net, X, Y, 0.25)
    # By hand for the layer just below the output: BP2 with W^L - eta dW^L moves its
    # delta by -eta (delta^L dW^L) (.) sigma'(z), which is linear in eta.
    true = net.gradients(X, Y)
    delta_L = true.deltas[-1]
    a = true.activations[-2]
    sigma_prime = a * (1.0 - a)
    change = -0.25 * (delta_L @ true.dW[-1]) * sigma_prime
    d_W = change.T @ true.activations[-3]
    d_b = change.sum(axis=0)
    size = np.linalg.norm(np.concatenate([true.dW[-2].ravel(), true.db[-2]]))
    expected = np.linalg.norm(np.concatenate([d_W.ravel(), d_b])) / size
    assert gaps[-2] == pytest.approx(expected, rel=1e-12)
    doubled = example.layer_gaps(net, X, Y, 0.5)
    assert doubled[-2] == pytest.approx(2 * gaps[-2], rel=1e-12)
    assert abs(doubled[0] / gaps[0] - 2.0) > 1e-6  # further down the error compounds


def test_one_training_step_differs_below_the_output_only() -> None:
    weights, X, Y = case(2)
    right = example.training_step(weights, X, Y, 0.5, wrong_order=False)
    wrong = example.training_step(weights, X, Y, 0.5, wrong_order=True)
    np.testing.assert_array_equal(wrong[-1][0], right[-1][0])
    np.testing.assert_array_equal(wrong[-1][1], right[-1][1])
    for (W_right, b_right), (W_wrong, b_wrong) in zip(right[:-1], wrong[:-1]):
        assert np.abs(W_wrong - W_right).max() > 1e-8  # rounding would be near 1e-16
        assert np.abs(b_wrong - b_right).max() > 1e-8
    grads = example.network(weights).gradients(X, Y)
    for (W, b), (W_new, b_new), dW, db in zip(weights, right, grads.dW, grads.db):
        np.testing.assert_array_equal(W_new, W - 0.5 * dW)
        np.testing.assert_array_equal(b_new, b - 0.5 * db)


def test_training_runs_use_the_same_batches_and_agree_without_a_wrong_order() -> None:
    weights, X, Y = case(3, batch=12)
    final_a, run_a = example.train(weights, X, Y, 0.5, wrong_order=False, epochs=3, batch_size=4)
    final_b, run_b = example.train(weights, X, Y, 0.5, wrong_order=False, epochs=3, batch_size=4)
    assert run_a.costs == run_b.costs and len(run_a.costs) == 3
    for (W_a, b_a), (W_b, b_b) in zip(final_a, final_b):
        np.testing.assert_array_equal(W_a, W_b)
        np.testing.assert_array_equal(b_a, b_b)
    _, run_wrong = example.train(weights, X, Y, 0.5, wrong_order=True, epochs=3, batch_size=4)
    assert run_wrong.costs != run_a.costs
    assert run_wrong.wrong_order and "update during backward" in run_wrong.label
    # The starting weights are not modified in place.
    for (W, _), (W0, _) in zip(weights, case(3, batch=12)[0]):
        np.testing.assert_array_equal(W, W0)
