"""Tests for autograd_lite.backprop, the hand-written backpropagation oracle.

The oracle is checked against things that share none of its code: four different routes
through its own equations, central finite differences of the cost, PyTorch's autograd,
and a two-neuron network differentiated by hand.
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings
from collections.abc import Callable

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite.backprop import (
    ACTIVATIONS,
    COSTS,
    Gradients,
    Layout,
    Network,
    activation,
    activation_prime,
    cost_gradient,
    sigmoid,
    softmax,
)

HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
OUTPUTS = (None, "sigmoid", "tanh", "relu", "leaky_relu", "identity")


def _allowed_combos() -> list[tuple[str, str | None, str]]:
    """Every (hidden activation, output activation, cost) the network accepts."""
    combos: list[tuple[str, str | None, str]] = []
    for hidden in HIDDEN:
        for output in OUTPUTS:
            for cost in ("quadratic", "mse", "cross_entropy"):
                combos.append((hidden, output, cost))
        combos.append((hidden, "softmax", "log_likelihood"))
    return combos


COMBOS = _allowed_combos()
COMBO_IDS = [f"{h}-{o}-{c}" for h, o, c in COMBOS]

Weights = list[tuple[np.ndarray, np.ndarray]]


def make_case(
    rng: np.random.Generator,
    sizes: list[int],
    hidden: str,
    output: str | None,
    cost: str,
    batch: int,
) -> tuple[Network, np.ndarray, np.ndarray]:
    """A random network for the combination, with inputs and targets that suit its cost."""
    weights: Weights = [
        (rng.normal(0.0, 1.2 / np.sqrt(n_in), (n_out, n_in)), rng.normal(0.0, 0.5, n_out))
        for n_in, n_out in itertools.pairwise(sizes)
    ]
    X = rng.normal(0.0, 1.0, (batch, sizes[0]))
    out_name = hidden if output is None else output
    if cost == "cross_entropy" and out_name != "sigmoid":
        # Cross-entropy needs outputs in (0, 1). Scale the last layer so that
        # |W a| <= 0.2 and put the bias in (0.3, 0.7): then z^L (and a^L) stay in (0.1, 0.9).
        if len(sizes) > 2:
            a_prev = Network(weights[:-1], activation=hidden).feedforward(X)
        else:
            a_prev = X
        scale = max(float(np.abs(a_prev).max()), 1e-3) * sizes[-2]
        W_last = rng.uniform(-0.2, 0.2, (sizes[-1], sizes[-2])) / scale
        weights[-1] = (W_last, rng.uniform(0.3, 0.7, sizes[-1]))
    if cost == "cross_entropy":
        Y = rng.uniform(0.0, 1.0, (batch, sizes[-1]))
    elif cost == "log_likelihood":
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    else:
        Y = rng.normal(0.0, 1.0, (batch, sizes[-1]))
    net = Network(weights, activation=hidden, output_activation=output, cost=cost)
    return net, X, Y


def assert_close(actual: np.ndarray | float, expected: np.ndarray | float, tol: float) -> None:
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


def assert_same_gradients(g: Gradients, h: Gradients, tol: float) -> None:
    assert len(g.dW) == len(h.dW)
    for field in ("dW", "db", "deltas", "zs", "activations"):
        for x, y in zip(getattr(g, field), getattr(h, field)):
            assert x.shape == y.shape, field
            assert_close(x, y, tol)
    assert_close(g.cost, h.cost, tol)


def transposed(g: Gradients) -> Gradients:
    """A columns-layout result turned into the rows layout (dW, db are layout-free)."""
    return dataclasses.replace(
        g,
        deltas=[d.T for d in g.deltas],
        zs=[z.T for z in g.zs],
        activations=[a.T for a in g.activations],
    )


def mean_of_examples(net: Network, X: np.ndarray, Y: np.ndarray) -> Gradients:
    """The per-example textbook loop, averaged: delta / n stacked into rows."""
    per = [net.backprop_example(x, y) for x, y in zip(X, Y)]
    n = len(per)
    n_layers = len(per[0].dW)
    return Gradients(
        dW=[np.sum([p.dW[i] for p in per], axis=0) / n for i in range(n_layers)],
        db=[np.sum([p.db[i] for p in per], axis=0) / n for i in range(n_layers)],
        deltas=[np.stack([p.deltas[i] for p in per]) / n for i in range(n_layers)],
        zs=[np.stack([p.zs[i] for p in per]) for i in range(n_layers)],
        activations=[np.stack([p.activations[i] for p in per]) for i in range(n_layers + 1)],
        cost=sum(p.cost for p in per) / n,
    )


def check_four_routes(net: Network, X: np.ndarray, Y: np.ndarray) -> None:
    rows = net.gradients(X, Y)
    columns = net.gradients(X.T, Y.T, layout="columns")
    folded = net.gradients(X, Y, fold_bias=True)
    folded_columns = net.gradients(X.T, Y.T, layout="columns", fold_bias=True)
    examples = mean_of_examples(net, X, Y)
    # Shapes first: columns really come back in the columns layout.
    for d, z in zip(columns.deltas, columns.zs):
        assert d.shape == z.shape == (z.shape[0], X.shape[0])
    for other in (transposed(columns), folded, transposed(folded_columns), examples):
        assert_same_gradients(other, rows, 1e-12)


# --------------------------------------------------------------------------------------
# Four routes to the same numbers
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("hidden", "output", "cost"), COMBOS, ids=COMBO_IDS)
def test_four_routes_agree_for_every_combination(
    hidden: str, output: str | None, cost: str
) -> None:
    rng = np.random.default_rng(1)
    for sizes, batch in (([3, 4, 3, 2], 5), ([2, 3], 1), ([4, 1, 3, 2, 3], 3)):
        net, X, Y = make_case(rng, sizes, hidden, output, cost, batch)
        check_four_routes(net, X, Y)


architectures = st.lists(st.integers(1, 8), min_size=2, max_size=5)
combos = st.sampled_from(COMBOS)


@settings(max_examples=80, deadline=None)
@given(
    sizes=architectures,
    combo=combos,
    batch=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_four_routes_agree_on_random_architectures(
    sizes: list[int], combo: tuple[str, str | None, str], batch: int, seed: int
) -> None:
    net, X, Y = make_case(np.random.default_rng(seed), sizes, *combo, batch)
    check_four_routes(net, X, Y)


def test_batch_deltas_are_example_deltas_divided_by_batch_size() -> None:
    net, X, Y = make_case(np.random.default_rng(2), [3, 4, 2], "tanh", None, "quadratic", 4)
    g = net.gradients(X, Y)
    for j in range(4):
        e = net.backprop_example(X[j], Y[j])
        for layer in range(2):
            assert_close(g.deltas[layer][j] * 4, e.deltas[layer], 1e-13)
    assert g.deltas[0].shape == (4, 4)
    assert g.deltas[1].shape == (4, 2)
    assert len(g.activations) == 3
    np.testing.assert_array_equal(g.activations[0], X)


# --------------------------------------------------------------------------------------
# Finite differences
# --------------------------------------------------------------------------------------


def away_from_kinks(net: Network, X: np.ndarray, margin: float) -> bool:
    """True if no weighted input of a (leaky) ReLU layer is within `margin` of 0."""
    zs = net.gradients(X, np.zeros((X.shape[0], net.sizes[-1]))).zs
    kinked = {"relu", "leaky_relu"}
    names = [net.activation] * (len(zs) - 1) + [net.output_activation]
    return all(name not in kinked or np.abs(z).min() > margin for name, z in zip(names, zs))


def finite_difference(
    net_factory: Callable[[Weights], Network], weights: Weights, X: np.ndarray, Y: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Central differences (C(w + eps) - C(w - eps)) / (2 eps) for every weight and bias."""
    eps = 1e-6
    dW: list[np.ndarray] = []
    db: list[np.ndarray] = []
    for layer in range(len(weights)):
        grads = []
        for which in (0, 1):
            target = weights[layer][which]
            grad = np.zeros_like(target)
            for idx in np.ndindex(target.shape):
                saved = target[idx]
                target[idx] = saved + eps
                plus = net_factory(weights).cost(X, Y)
                target[idx] = saved - eps
                minus = net_factory(weights).cost(X, Y)
                target[idx] = saved
                grad[idx] = (plus - minus) / (2 * eps)
            grads.append(grad)
        dW.append(grads[0])
        db.append(grads[1])
    return dW, db


@pytest.mark.parametrize(("hidden", "output", "cost"), COMBOS, ids=COMBO_IDS)
def test_gradients_match_central_finite_differences(
    hidden: str, output: str | None, cost: str
) -> None:
    rng = np.random.default_rng(3)
    while True:
        net, X, Y = make_case(rng, [3, 4, 3, 2], hidden, output, cost, 3)
        if away_from_kinks(net, X, 1e-3):
            break
    weights = net.weights

    def factory(w: Weights) -> Network:
        return Network(w, activation=hidden, output_activation=output, cost=cost)

    fd_W, fd_b = finite_difference(factory, weights, X, Y)
    g = net.gradients(X, Y)
    for layer in range(3):
        np.testing.assert_allclose(g.dW[layer], fd_W[layer], rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(g.db[layer], fd_b[layer], rtol=1e-6, atol=1e-8)
    # Guard against a vacuous pass: the gradient is not all zeros.
    assert max(np.abs(d).max() for d in g.dW) > 1e-4


# --------------------------------------------------------------------------------------
# PyTorch autograd
# --------------------------------------------------------------------------------------

TORCH_ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
    "identity": lambda z: z,
    "softmax": lambda z: torch.softmax(z, dim=1),
}


def torch_cost(name: str, a: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if name == "quadratic":
        per_example = 0.5 * ((y - a) ** 2).sum(dim=1)
    elif name == "mse":
        per_example = ((y - a) ** 2).sum(dim=1)
    elif name == "cross_entropy":
        per_example = -(y * torch.log(a) + (1 - y) * torch.log(1 - a)).sum(dim=1)
    else:
        per_example = -(y * torch.log(a)).sum(dim=1)
    return per_example.mean()


def check_against_torch(net: Network, X: np.ndarray, Y: np.ndarray) -> None:
    params = [
        (torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
        for W, b in net.weights
    ]
    a = torch.tensor(X)
    zs = []
    for i, (W, b) in enumerate(params):
        z = a @ W.T + b
        z.retain_grad()  # keep dC/dz: PyTorch's version of delta
        zs.append(z)
        name = net.output_activation if i == len(params) - 1 else net.activation
        a = TORCH_ACTIVATIONS[name](z)
    cost = torch_cost(net.cost_name, a, torch.tensor(Y))
    cost.backward()

    g = net.gradients(X, Y)
    rtol, atol = 1e-10, 1e-12
    np.testing.assert_allclose(g.cost, cost.item(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(g.activations[-1], a.detach().numpy(), rtol=rtol, atol=atol)
    for i, ((W, b), z) in enumerate(zip(params, zs)):
        assert W.grad is not None and b.grad is not None and z.grad is not None
        np.testing.assert_allclose(g.dW[i], W.grad.numpy(), rtol=rtol, atol=atol)
        np.testing.assert_allclose(g.db[i], b.grad.numpy(), rtol=rtol, atol=atol)
        np.testing.assert_allclose(g.deltas[i], z.grad.numpy(), rtol=rtol, atol=atol)
        np.testing.assert_allclose(g.zs[i], z.detach().numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize(("hidden", "output", "cost"), COMBOS, ids=COMBO_IDS)
def test_gradients_match_torch_for_every_combination(
    hidden: str, output: str | None, cost: str
) -> None:
    net, X, Y = make_case(np.random.default_rng(4), [3, 5, 4, 3], hidden, output, cost, 4)
    check_against_torch(net, X, Y)


@settings(max_examples=60, deadline=None)
@given(
    sizes=architectures,
    combo=combos,
    batch=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_gradients_match_torch_on_random_architectures(
    sizes: list[int], combo: tuple[str, str | None, str], batch: int, seed: int
) -> None:
    net, X, Y = make_case(np.random.default_rng(seed), sizes, *combo, batch)
    check_against_torch(net, X, Y)


def test_log_likelihood_with_soft_unnormalised_targets_matches_torch() -> None:
    # The output error a * sum(y) - y is the exact gradient for any y, not just one-hot.
    rng = np.random.default_rng(5)
    net, X, _ = make_case(rng, [3, 4, 3], "tanh", "softmax", "log_likelihood", 4)
    Y = rng.uniform(0.0, 2.0, (4, 3))
    check_against_torch(net, X, Y)


# --------------------------------------------------------------------------------------
# BP1 in its general form and its shortcuts
# --------------------------------------------------------------------------------------


def test_sigmoid_cross_entropy_shortcut_equals_general_bp1() -> None:
    rng = np.random.default_rng(6)
    z = rng.normal(0.0, 3.0, 20)
    y = rng.uniform(0.0, 1.0, 20)
    a = sigmoid(z)
    general = cost_gradient("cross_entropy", a, y) * activation_prime("sigmoid", z)
    assert_close(general, a - y, 1e-12)
    net = Network(
        [(rng.normal(size=(20, 2)), z)], output_activation="sigmoid", cost="cross_entropy"
    )
    delta = net.backprop_example(np.zeros(2), y).deltas[-1]
    assert_close(delta, general, 1e-12)


def test_softmax_log_likelihood_error_equals_jacobian_bp1() -> None:
    rng = np.random.default_rng(7)
    z = rng.normal(0.0, 2.0, 4)
    y = np.array([0.0, 0.0, 1.0, 0.0])
    a = softmax(z)
    jacobian = np.diag(a) - np.outer(a, a)  # da_i / dz_j
    bp1 = jacobian.T @ cost_gradient("log_likelihood", a, y)
    net = Network([(np.zeros((4, 3)), z)], output_activation="softmax", cost="log_likelihood")
    delta = net.backprop_example(np.zeros(3), y).deltas[-1]
    assert_close(delta, bp1, 1e-12)
    assert_close(delta, a - y, 1e-12)


def test_two_neuron_chain_by_hand() -> None:
    # x -> (w1, b1) -> sigmoid -> (w2, b2) -> sigmoid -> a2, quadratic cost.
    x, y, w1, b1, w2, b2 = 0.5, 0.2, 1.5, -0.3, -2.0, 0.4
    z1 = w1 * x + b1
    a1 = 1 / (1 + np.exp(-z1))
    z2 = w2 * a1 + b2
    a2 = 1 / (1 + np.exp(-z2))
    delta2 = (a2 - y) * a2 * (1 - a2)  # BP1
    delta1 = w2 * delta2 * a1 * (1 - a1)  # BP2
    net = Network([(np.array([[w1]]), np.array([b1])), (np.array([[w2]]), np.array([b2]))])
    g = net.backprop_example(np.array([x]), np.array([y]))
    assert_close(g.deltas[1][0], delta2, 1e-15)
    assert_close(g.deltas[0][0], delta1, 1e-15)
    assert_close(g.db[0][0], delta1, 1e-15)  # BP3
    assert_close(g.dW[1][0, 0], delta2 * a1, 1e-15)  # BP4
    assert_close(g.dW[0][0, 0], delta1 * x, 1e-15)
    assert_close(g.cost, 0.5 * (y - a2) ** 2, 1e-15)


def test_mse_is_twice_quadratic() -> None:
    rng = np.random.default_rng(8)
    net, X, Y = make_case(rng, [2, 3, 2], "tanh", "identity", "quadratic", 5)
    mse = Network(net.weights, activation="tanh", output_activation="identity", cost="mse")
    g_q, g_m = net.gradients(X, Y), mse.gradients(X, Y)
    assert_close(g_m.cost, 2 * g_q.cost, 1e-14)
    assert_close(g_q.cost, 0.5 * np.mean(np.sum((Y - net.feedforward(X)) ** 2, axis=1)), 1e-14)
    for dq, dm in zip(g_q.dW, g_m.dW):
        assert_close(dm, 2 * dq, 1e-14)


# --------------------------------------------------------------------------------------
# The wrong update order
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["rows", "columns"])
@pytest.mark.parametrize("fold_bias", [False, True])
def test_update_during_backward_with_zero_eta_agrees_exactly(
    layout: Layout, fold_bias: bool
) -> None:
    net, X, Y = make_case(np.random.default_rng(9), [3, 4, 4, 2], "sigmoid", None, "quadratic", 4)
    if layout == "columns":
        X, Y = X.T, Y.T
    right = net.gradients(X, Y, layout=layout, fold_bias=fold_bias)
    wrong = net.gradients(X, Y, layout=layout, fold_bias=fold_bias, update_during_backward=0.0)
    for field in ("dW", "db", "deltas"):
        for r, w in zip(getattr(right, field), getattr(wrong, field)):
            np.testing.assert_array_equal(r, w)


def wrong_order_by_hand(net: Network, X: np.ndarray, Y: np.ndarray, eta: float) -> list:
    """Redo the backward walk with updated weights, from the correct pass's z, a, delta^L."""
    g = net.gradients(X, Y)
    weights = net.weights
    delta = g.deltas[-1]
    dW = [np.empty(0)] * len(weights)
    for i in range(len(weights) - 1, -1, -1):
        dW[i] = delta.T @ g.activations[i]
        if i > 0:
            W_updated = weights[i][0] - eta * dW[i]
            delta = (delta @ W_updated) * activation_prime(net.activation, g.zs[i - 1])
    return dW


@pytest.mark.parametrize("fold_bias", [False, True])
def test_update_during_backward_changes_every_layer_below_the_output(fold_bias: bool) -> None:
    net, X, Y = make_case(
        np.random.default_rng(10), [3, 4, 4, 3, 2], "sigmoid", None, "cross_entropy", 3
    )
    before = net.weights
    right = net.gradients(X, Y, fold_bias=fold_bias)
    wrong = net.gradients(X, Y, fold_bias=fold_bias, update_during_backward=0.5)
    # The output layer is computed before any update, so it is untouched...
    np.testing.assert_array_equal(wrong.deltas[-1], right.deltas[-1])
    np.testing.assert_array_equal(wrong.dW[-1], right.dW[-1])
    np.testing.assert_array_equal(wrong.db[-1], right.db[-1])
    # ...and every layer below it sees an updated matrix in BP2.
    for i in range(len(right.dW) - 1):
        assert np.abs(wrong.deltas[i] - right.deltas[i]).max() > 1e-6
        assert np.abs(wrong.dW[i] - right.dW[i]).max() > 1e-6
        assert np.abs(wrong.db[i] - right.db[i]).max() > 1e-6
    # The numbers are exactly what the wrong order computes.
    for got, expected in zip(wrong.dW, wrong_order_by_hand(net, X, Y, 0.5)):
        assert_close(got, expected, 1e-12)
    # The network itself is not modified.
    for (W0, b0), (W1, b1) in zip(before, net.weights):
        np.testing.assert_array_equal(W0, W1)
        np.testing.assert_array_equal(b0, b1)


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 8), min_size=3, max_size=5),
    batch=st.integers(1, 5),
    seed=st.integers(0, 2**32 - 1),
    eta=st.floats(0.01, 2.0),
)
def test_update_during_backward_on_random_architectures(
    sizes: list[int], batch: int, seed: int, eta: float
) -> None:
    net, X, Y = make_case(np.random.default_rng(seed), sizes, "sigmoid", None, "quadratic", batch)
    right = net.gradients(X, Y)
    wrong = net.gradients(X, Y, update_during_backward=eta)
    np.testing.assert_array_equal(wrong.dW[-1], right.dW[-1])
    for got, expected in zip(wrong.dW, wrong_order_by_hand(net, X, Y, eta)):
        assert_close(got, expected, 1e-12)
    if np.abs(right.deltas[-1]).max() > 1e-3:
        # delta^{L-1} moves by -eta ||delta^L||^2 a^{L-1} (.) sigma'(z^{L-1}) per example,
        # which is nonzero for sigmoid hidden layers whenever delta^L is.
        assert not np.array_equal(wrong.deltas[-2], right.deltas[-2])


# --------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------


def test_update_mini_batch_takes_one_gradient_step_and_lowers_the_cost() -> None:
    net, X, Y = make_case(np.random.default_rng(11), [3, 5, 2], "tanh", "identity", "mse", 8)
    before = net.weights
    g = net.gradients(X, Y)
    returned = net.update_mini_batch(X, Y, eta=0.05)
    assert returned == g.cost
    for (W0, b0), (W1, b1), dW, db in zip(before, net.weights, g.dW, g.db):
        np.testing.assert_array_equal(W1, W0 - 0.05 * dW)
        np.testing.assert_array_equal(b1, b0 - 0.05 * db)
    assert net.cost(X, Y) < g.cost - 1e-4


def xor_data(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    corners = rng.integers(0, 2, size=(n, 2)).astype(np.float64)
    labels = (corners[:, 0] != corners[:, 1]).astype(np.float64)
    return corners + rng.normal(0.0, 0.1, corners.shape), labels[:, np.newaxis]


def test_sgd_learns_xor_with_one_output() -> None:
    rng = np.random.default_rng(12)
    X, Y = xor_data(rng, 40)
    X_test, Y_test = xor_data(rng, 40)
    weights = [
        (rng.normal(size=(4, 2)), rng.normal(size=4)),
        (rng.normal(size=(1, 4)), rng.normal(size=1)),
    ]
    net = Network(weights, activation="tanh", output_activation="sigmoid", cost="cross_entropy")
    costs, accuracies = net.sgd(
        X,
        Y,
        epochs=300,
        mini_batch_size=8,
        eta=0.5,
        rng=np.random.default_rng(0),
        test=(X_test, Y_test),
    )
    assert len(costs) == len(accuracies) == 300
    assert costs[-1] < 0.05 < costs[0]
    assert accuracies[-1] == 1.0
    assert net.accuracy(X_test, Y_test) == 1.0


def test_sgd_learns_xor_with_softmax_outputs() -> None:
    rng = np.random.default_rng(13)
    X, labels = xor_data(rng, 40)
    Y = np.column_stack((1 - labels[:, 0], labels[:, 0]))  # one-hot, class 1 = "xor true"
    weights = [
        (rng.normal(size=(4, 2)), rng.normal(size=4)),
        (rng.normal(size=(2, 4)), rng.normal(size=2)),
    ]
    net = Network(weights, activation="tanh", output_activation="softmax", cost="log_likelihood")
    start = net.accuracy(X, Y)
    costs = net.sgd(X, Y, epochs=300, mini_batch_size=8, eta=0.5, rng=1)
    assert isinstance(costs, list) and len(costs) == 300
    assert costs[-1] < 0.05
    assert start < 1.0 and net.accuracy(X, Y) == 1.0


def test_sgd_is_reproducible_with_a_seeded_generator() -> None:
    rng = np.random.default_rng(14)
    net, X, Y = make_case(rng, [2, 3, 1], "sigmoid", None, "quadratic", 10)
    twin = Network(net.weights)
    a = net.sgd(X, Y, epochs=5, mini_batch_size=3, eta=1.0, rng=np.random.default_rng(7))
    b = twin.sgd(X, Y, epochs=5, mini_batch_size=3, eta=1.0, rng=np.random.default_rng(7))
    assert a == b
    assert net.sgd(X, Y, epochs=0, mini_batch_size=3, eta=1.0) == []


# --------------------------------------------------------------------------------------
# Activations and numerics
# --------------------------------------------------------------------------------------


def test_activation_derivatives_at_and_around_the_kinks() -> None:
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(activation_prime("relu", z), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(activation_prime("leaky_relu", z), [0.01, 0.01, 1.0])
    np.testing.assert_array_equal(activation("leaky_relu", z), [-0.02, 0.0, 3.0])
    np.testing.assert_array_equal(activation_prime("identity", z), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(activation("linear", z), z)
    assert_close(activation_prime("tanh", z), 1 - np.tanh(z) ** 2, 1e-15)
    with pytest.raises(ValueError, match="softmax"):
        activation_prime("softmax", z)


def test_linear_is_an_alias_for_identity() -> None:
    net, X, Y = make_case(np.random.default_rng(15), [2, 3, 2], "relu", "identity", "mse", 3)
    alias = Network(net.weights, activation="relu", output_activation="linear", cost="mse")
    assert alias.output_activation == "identity"
    assert_same_gradients(alias.gradients(X, Y), net.gradients(X, Y), 0.0)


def test_no_overflow_for_large_weighted_inputs() -> None:
    z = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            s = sigmoid(z)
            p = softmax(np.array([[1000.0, 0.0, -1000.0]]))
            ce = Network(
                [(np.array([[1.0]]), np.array([0.0]))],
                output_activation="sigmoid",
                cost="cross_entropy",
            )
            ce_cost = ce.cost([[-1000.0], [1000.0]], [[1.0], [0.0]])
            ll = Network(
                [(np.eye(3), np.zeros(3))], output_activation="softmax", cost="log_likelihood"
            )
            ll_cost = ll.cost([[1000.0, 0.0, -1000.0]], [[0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(s[[0, 2, 4]], [0.0, 0.5, 1.0])
    assert_close(s[1], 1 / (1 + np.exp(40.0)), 1e-15)
    assert_close(p, np.array([[1.0, 0.0, 0.0]]), 1e-300)
    # -ln sigma(-1000) = 1000 and -ln(1 - sigma(1000)) = 1000, mean 1000.
    assert_close(ce_cost, 1000.0, 1e-15)
    assert_close(ll_cost, 2000.0, 1e-15)


# --------------------------------------------------------------------------------------
# Construction, properties and error messages
# --------------------------------------------------------------------------------------


def test_weights_are_copied_as_float64_and_sizes_reported() -> None:
    W1 = np.array([[1, 2, 3], [4, 5, 6]])  # integers on purpose
    b1 = np.array([0, 1])
    W2 = np.ones((1, 2))
    b2 = np.zeros(1)
    net = Network([(W1, b1), (W2, b2)])
    assert net.sizes == [3, 2, 1]
    W2[0, 0] = 99.0
    got = net.weights
    assert got[0][0].dtype == np.float64 and got[0][1].dtype == np.float64
    assert got[1][0][0, 0] == 1.0
    got[1][0][0, 0] = -5.0  # the property hands out copies
    assert net.weights[1][0][0, 0] == 1.0
    assert "sizes=[3, 2, 1]" in repr(net)


def test_gradients_object_is_frozen() -> None:
    net, X, Y = make_case(np.random.default_rng(16), [2, 2], "sigmoid", None, "quadratic", 1)
    g = net.gradients(X, Y)
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.cost = 0.0  # type: ignore[misc]


def one_layer() -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.zeros((2, 3)), np.zeros(2))]


@pytest.mark.parametrize("argument", ["activation", "output_activation"])
def test_unknown_activation_lists_the_known_ones(argument: str) -> None:
    with pytest.raises(ValueError) as info:
        Network(one_layer(), **{argument: "swish"})
    message = str(info.value)
    assert "'swish'" in message
    for name in (*ACTIVATIONS, "linear"):
        assert repr(name) in message


def test_unknown_cost_lists_the_known_ones() -> None:
    with pytest.raises(ValueError) as info:
        Network(one_layer(), cost="hinge")
    for name in COSTS:
        assert repr(name) in str(info.value)


def test_softmax_and_log_likelihood_go_together() -> None:
    with pytest.raises(ValueError, match="only be the output activation"):
        Network(one_layer(), activation="softmax")
    with pytest.raises(ValueError, match="needs cost='log_likelihood'"):
        Network(one_layer(), output_activation="softmax", cost="quadratic")
    with pytest.raises(ValueError, match="needs output_activation='softmax'"):
        Network(one_layer(), output_activation="sigmoid", cost="log_likelihood")


def test_inconsistent_weight_shapes_name_the_layer_and_both_shapes() -> None:
    with pytest.raises(ValueError) as info:
        Network([(np.zeros((4, 3)), np.zeros(4)), (np.zeros((2, 5)), np.zeros(2))])
    message = str(info.value)
    assert "layer 2" in message and "(2, 5)" in message and "(4, 3)" in message
    with pytest.raises(ValueError) as info:
        Network([(np.zeros((4, 3)), np.zeros(3))])
    message = str(info.value)
    assert "layer 1" in message and "(3,)" in message and "(4, 3)" in message
    with pytest.raises(ValueError, match="at least one layer"):
        Network([])


def test_bad_batch_shapes_name_expected_and_given_shapes() -> None:
    net = Network(one_layer())
    with pytest.raises(ValueError, match=r"X must have shape \(batch, 3\).*got shape \(5, 2\)"):
        net.gradients(np.zeros((5, 2)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"Y must have shape \(5, 2\).*got shape \(4, 2\)"):
        net.gradients(np.zeros((5, 3)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"X must have shape \(3, batch\).*got shape \(5, 3\)"):
        net.gradients(np.zeros((5, 3)), np.zeros((5, 2)), layout="columns")
    with pytest.raises(ValueError, match=r"x must have shape \(3,\), got shape \(1, 3\)"):
        net.backprop_example(np.zeros((1, 3)), np.zeros(2))
    with pytest.raises(ValueError, match=r"X must have shape \(batch, 3\).*got shape \(3,\)"):
        net.cost(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="unknown layout 'diagonal'"):
        net.gradients(np.zeros((5, 3)), np.zeros((5, 2)), layout="diagonal")  # type: ignore[arg-type]


def test_cross_entropy_rejects_outputs_outside_the_unit_interval() -> None:
    net = Network(one_layer(), output_activation="identity", cost="cross_entropy")
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        net.cost(np.zeros((1, 3)), np.full((1, 2), 0.5))  # outputs are exactly 0
