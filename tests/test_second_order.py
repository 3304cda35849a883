"""Tests of ``autograd_lite.second_order``: L-BFGS against PyTorch and SciPy, the Hessian
against PyTorch, the damped Newton method, and ``minimize`` through SciPy."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.optimize
import torch

from autograd_lite import data, losses, nn
from autograd_lite import second_order as so
from autograd_lite.tensor import Tensor
from autograd_lite.value import Value

RNG = np.random.default_rng(2)
X = RNG.normal(size=(16, 3))


def teacher_targets(sizes: list[int]) -> np.ndarray:
    """Targets a tanh network of the same shape can fit (a well-behaved loss surface)."""
    teacher = nn.mlp(sizes, "tanh", rng=np.random.default_rng(102))
    return np.asarray(teacher(Tensor(X)).data)


Y = teacher_targets([3, 4, 2])


def network(kind: str) -> tuple[Any, Callable[[], Any]]:
    """A 3-4-2 tanh network on either node kind and its mean squared error on (X, Y)."""
    model = nn.mlp([3, 4, 2], "tanh", rng=np.random.default_rng(3), engine=kind)
    if kind == "tensor":
        return model, lambda: losses.mse_cost(model(Tensor(X)), Y)
    return model, lambda: losses.mse_cost([model(row) for row in X.tolist()], Y)


def torch_twin(model: Any) -> tuple[list[torch.Tensor], Callable[[list[torch.Tensor]], Any]]:
    """PyTorch leaves in the order of ``flatten_parameters(model.parameters())``, and the loss.

    A Tensor network flattens as W1, b1, W2, b2; a Value MLP neuron by neuron (its
    weights, then its bias), so its twin holds one leaf per neuron row and per bias.
    """
    weights = model.get_weights()
    value_model = isinstance(model, nn.MLP)
    leaves: list[torch.Tensor] = []
    for W, b in weights:
        if value_model:
            for row, bias in zip(W, b):
                leaves += [torch.tensor(row, requires_grad=True)]
                leaves += [torch.tensor(bias, requires_grad=True)]
        else:
            leaves += [torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)]

    def loss(leaves: list[torch.Tensor]) -> Any:
        a = torch.tensor(X)
        position = 0
        for i, (W, _) in enumerate(weights):
            if value_model:
                rows = leaves[position : position + 2 * W.shape[0]]
                position += 2 * W.shape[0]
                W_t, b_t = torch.stack(rows[0::2]), torch.stack(rows[1::2])
            else:
                W_t, b_t = leaves[position], leaves[position + 1]
                position += 2
            a = a @ W_t.T + b_t
            if i < len(weights) - 1:
                a = torch.tanh(a)
        return ((a - torch.tensor(Y)) ** 2).sum() / len(X)

    return leaves, loss


def torch_flat(leaves: list[torch.Tensor]) -> np.ndarray:
    return np.concatenate([t.detach().numpy().ravel() for t in leaves])


# ----------------------------------------------------------------------------- one vector


def test_flatten_and_unflatten_round_trip_values_and_tensors_in_order() -> None:
    a, b = Value(1.0), Value(-2.0)
    w = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    c = Tensor(np.array([7.0], dtype=np.float32), requires_grad=True)
    params = [a, w, b, c]
    np.testing.assert_array_equal(so.flatten_parameters(params), [1, 0, 1, 2, 3, 4, 5, -2, 7])
    held = w.data
    so.unflatten_parameters(params, np.arange(10.0, 19.0))
    assert (a.data, b.data) == (10.0, 17.0)
    np.testing.assert_array_equal(w.data, [[11, 12, 13], [14, 15, 16]])
    assert c.data.dtype == np.float32 and c.data.tolist() == [18.0]
    np.testing.assert_array_equal(held, np.arange(6.0).reshape(2, 3))  # not written into
    # Gradients: a Tensor without one counts as zeros.
    a.grad, w.grad = 0.5, np.ones((2, 3))
    np.testing.assert_array_equal(so.flatten_gradients(params), [0.5, 1, 1, 1, 1, 1, 1, 0, 0])
    so.unflatten_gradients(params, np.arange(9.0))
    assert b.grad == 7.0 and c.grad.tolist() == [8.0]
    np.testing.assert_array_equal(w.grad, [[1, 2, 3], [4, 5, 6]])
    with pytest.raises(ValueError, match="hold 9 numbers; got a vector of shape \\(8,\\)"):
        so.unflatten_parameters(params, np.zeros(8))


def test_parameters_are_checked() -> None:
    w = Value(1.0)
    with pytest.raises(ValueError, match="empty parameter list"):
        so.LBFGS([])
    with pytest.raises(ValueError, match="parameter 1 appears more than once"):
        so.LBFGS([w, w])
    with pytest.raises(ValueError, match="requires_grad=False"):
        so.LBFGS([Tensor([1.0])])
    with pytest.raises(TypeError, match="parameter 0 is a float"):
        so.Newton([1.0])
    with pytest.raises(ValueError, match="unknown line_search 'armijo'"):
        so.LBFGS([w], line_search="armijo")


def test_make_closure_zeroes_gradients_and_returns_the_loss_node() -> None:
    w = Tensor([3.0], requires_grad=True)
    closure = so.make_closure([w], lambda: (w * w).sum())
    closure()
    loss = closure()
    assert isinstance(loss, Tensor) and loss.item() == 9.0
    assert w.grad.tolist() == [6.0]  # not 12: the second call started from zero
    with pytest.raises(TypeError, match="got float"):
        so.make_closure([w], lambda: 1.0)()


# ----------------------------------------------------------------------------- L-BFGS


def run_against_torch(kind: str, line_search: str | None, steps: int = 10) -> list[float]:
    """Both L-BFGS on the same network, data and start; the largest gap after each step.

    L-BFGS amplifies rounding: over 200 iterations, PyTorch against PyTorch started
    1e-15 away drifts apart by 1e-2 on such a network. Ten steps of four iterations keep
    that drift near 1e-12, so a gap of 1e-8 means a different algorithm.
    """
    model, loss_fn = network(kind)
    params = model.parameters()
    settings = dict(lr=1.0, max_iter=4, history_size=3)
    ours = so.LBFGS(params, line_search=line_search, **settings)
    leaves, torch_loss = torch_twin(model)
    theirs = torch.optim.LBFGS(leaves, line_search_fn=line_search, **settings)

    def torch_closure() -> Any:
        theirs.zero_grad()
        loss = torch_loss(leaves)
        loss.backward()
        return loss

    closure = so.make_closure(params, loss_fn)
    gaps = []
    for _ in range(steps):
        first_ours = float(ours.step(closure))
        first_theirs = float(theirs.step(torch_closure).detach())
        assert abs(first_ours - first_theirs) < 1e-10
        gaps.append(float(np.max(np.abs(so.flatten_parameters(params) - torch_flat(leaves)))))
    assert ours.evaluations == theirs.state[leaves[0]]["func_evals"]
    assert ours.iterations == theirs.state[leaves[0]]["n_iter"]
    return gaps


@pytest.mark.parametrize("kind", ["tensor", "value"])
def test_lbfgs_without_line_search_follows_pytorch(kind: str) -> None:
    gaps = run_against_torch(kind, None)
    assert max(gaps) < 1e-8


@pytest.mark.parametrize("kind", ["tensor", "value"])
def test_lbfgs_with_strong_wolfe_follows_pytorch(kind: str) -> None:
    gaps = run_against_torch(kind, "strong_wolfe")
    assert max(gaps) < 1e-8


def test_first_step_is_scaled_by_the_inverse_l1_norm_of_the_gradient() -> None:
    w = Tensor([3.0, -1.0], requires_grad=True)
    closure = so.make_closure([w], lambda: (w * w).sum())
    so.LBFGS([w], lr=0.5, max_iter=1, line_search=None).step(closure)
    g = np.array([6.0, -2.0])  # |g|_1 = 8: t = min(1, 1/8) * 0.5
    np.testing.assert_allclose(w.data, np.array([3.0, -1.0]) - 0.5 / 8 * g, rtol=0, atol=1e-15)


def test_lbfgs_stops_at_once_when_the_gradient_is_below_tolerance() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    closure = so.make_closure([w], lambda: ((w - np.array([1.0, 2.0 + 1e-9])) ** 2).sum())
    optimizer = so.LBFGS([w], tolerance_grad=1e-7)
    optimizer.step(closure)
    assert optimizer.evaluations == 1 and optimizer.iterations == 0
    assert w.data.tolist() == [1.0, 2.0]


def logistic_problem() -> tuple[np.ndarray, np.ndarray]:
    X_moons, y = data.make_moons(80, noise=0.3, rng=0)
    features = np.column_stack([X_moons, X_moons[:, 0] * X_moons[:, 1]])
    return features, y.astype(np.float64)


def scipy_logistic_minimum(features: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The minimizer of the mean logistic loss by SciPy's L-BFGS-B, on plain NumPy."""

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = features @ theta[:-1] + theta[-1]
        p = 1.0 / (1.0 + np.exp(-z))
        residual = (p - y) / len(y)
        loss = float(np.mean(np.logaddexp(0.0, z) - y * z))
        return loss, np.append(features.T @ residual, residual.sum())

    result = scipy.optimize.minimize(
        loss_and_gradient,
        np.zeros(features.shape[1] + 1),
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 1000},
    )
    assert result.success
    minimum: np.ndarray = result.x
    return minimum


def logistic_model(features: np.ndarray, y: np.ndarray) -> tuple[Any, Callable[[], Any]]:
    model = nn.Sequential(nn.Linear(features.shape[1], 1, rng=np.random.default_rng(0)))
    targets = y.reshape(-1, 1)
    return model, lambda: losses.binary_cross_entropy_with_logits(model(Tensor(features)), targets)


def test_lbfgs_with_strong_wolfe_finds_scipys_minimum_of_logistic_regression() -> None:
    features, y = logistic_problem()
    expected = scipy_logistic_minimum(features, y)
    model, loss_fn = logistic_model(features, y)
    optimizer = so.LBFGS(
        model.parameters(), max_iter=100, tolerance_grad=1e-10, tolerance_change=1e-14
    )
    optimizer.step(so.make_closure(model.parameters(), loss_fn))
    found = so.flatten_parameters(model.parameters())  # W (1 x 3), then b
    np.testing.assert_allclose(found, expected, rtol=0, atol=1e-6)
    assert optimizer.evaluations < 40


def test_strong_wolfe_returns_a_step_that_satisfies_both_conditions() -> None:
    # f(x) = x^4 - 3x^2 + x from x = 2 along d = -1: far from quadratic.
    def f_and_g(x: float) -> tuple[float, np.ndarray]:
        return x**4 - 3 * x**2 + x, np.array([4 * x**3 - 6 * x + 1])

    x0, d = 2.0, np.array([-1.0])
    f0, g0 = f_and_g(x0)
    gtd = float(g0 @ d)
    for first_try in (0.01, 1.0, 5.0):
        f, g, t, evaluations = so.strong_wolfe(
            lambda t: f_and_g(x0 + t * float(d[0])), first_try, d, f0, g0, gtd
        )
        assert (f, g.tolist()) == (f_and_g(x0 - t)[0], f_and_g(x0 - t)[1].tolist())
        assert f <= f0 + 1e-4 * t * gtd  # sufficient decrease
        assert abs(float(g @ d)) <= 0.9 * abs(gtd)  # curvature
        assert 1 <= evaluations <= 26


# ----------------------------------------------------------------------------- Hessian


@pytest.mark.parametrize("kind", ["tensor", "value"])
def test_hessian_matches_pytorch(kind: str) -> None:
    model, loss_fn = network(kind)
    params = model.parameters()
    H = so.hessian(loss_fn, params)
    leaves, torch_loss = torch_twin(model)
    sizes = [t.numel() for t in leaves]
    shapes = [t.shape for t in leaves]

    def from_vector(flat: torch.Tensor) -> Any:
        return torch_loss([part.reshape(s) for part, s in zip(flat.split(sizes), shapes)])

    start = torch.tensor(so.flatten_parameters(params))
    expected = torch.autograd.functional.hessian(from_vector, start).numpy()
    assert H.shape == (26, 26)
    np.testing.assert_allclose(H, expected, rtol=0, atol=1e-10)
    assert np.abs(H).max() > 0.1  # not trivially zero
    v = np.random.default_rng(5).normal(size=26)
    np.testing.assert_allclose(
        so.hessian_vector_product(loss_fn, params, v), expected @ v, rtol=0, atol=1e-10
    )
    assert so.flatten_gradients(params).tolist() == [0.0] * 26  # left zeroed


# ----------------------------------------------------------------------------- Newton


XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def test_newton_solves_xor_quickly_and_never_raises_the_loss() -> None:
    # Seed 8: plain SGD needs 11,522 steps (best learning rate of 0.05-0.8) to get the
    # loss below 1e-8 from here (examples/optimizers.py measures it).
    model = nn.mlp([2, 2, 1], "tanh", "linear", rng=np.random.default_rng(8))
    params = model.parameters()
    closure = so.make_closure(params, lambda: losses.mse_cost(model(Tensor(XOR_X)), XOR_Y))
    optimizer = so.Newton(params)
    history = [float(optimizer.step(closure)) for _ in range(30)]
    assert all(later <= earlier for earlier, later in itertools.pairwise(history))
    assert history[0] > 0.5
    below = [i for i, loss in enumerate(history) if loss < 1e-8]
    assert below and below[0] < 20


def test_newton_descends_from_a_saddle_region_to_the_minimum() -> None:
    # f = x^2 + y^4 / 4 - y^2 / 2: indefinite Hessian near y = 0, minima at y = +-1.
    x, y = Value(0.5), Value(0.01)
    closure = so.make_closure([x, y], lambda: x * x + y**4 * 0.25 - y * y * 0.5)
    optimizer = so.Newton([x, y], damping=0.0)
    losses_seen = [float(optimizer.step(closure)) for _ in range(40)]
    assert all(later <= earlier for earlier, later in itertools.pairwise(losses_seen))
    assert abs(x.data) < 1e-9 and abs(abs(y.data) - 1.0) < 1e-9
    assert optimizer.last_damping is not None


def test_newton_refuses_big_networks_and_names_the_size() -> None:
    model = nn.mlp([64, 30, 10], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"2,260 numbers, more than max_params=2,000.*L-BFGS"):
        so.Newton(model.parameters())
    so.Newton(model.parameters(), max_params=2260)  # allowed when asked for


def test_newton_closure_must_return_the_loss_node() -> None:
    w = Value(1.0)
    optimizer = so.Newton([w])
    with pytest.raises(TypeError, match="the closure must return the loss as a Value"):
        optimizer.step(lambda: 1.0)


# ----------------------------------------------------------------------------- minimize


@pytest.mark.parametrize(
    ("method", "options", "tolerance"),
    [
        ("L-BFGS-B", {"gtol": 1e-10, "ftol": 1e-15}, 1e-6),
        ("trust-ncg", {"gtol": 1e-8}, 1e-6),
        ("trust-exact", {"gtol": 1e-8}, 1e-6),
        # SciPy's Newton-CG ends its inner CG loop once p.Hp < 3 eps, an absolute
        # threshold that this mean loss (gradients near 1e-7) reaches about 5e-6 away.
        ("Newton-CG", {"xtol": 1e-12}, 1e-5),
    ],
)
def test_minimize_reaches_the_logistic_minimum_and_leaves_the_model_there(
    method: str, options: dict[str, float], tolerance: float
) -> None:
    features, y = logistic_problem()
    expected = scipy_logistic_minimum(features, y)
    model, loss_fn = logistic_model(features, y)
    result = so.minimize(model, loss_fn, method=method, **options)
    assert result.success
    np.testing.assert_allclose(result.x, expected, rtol=0, atol=tolerance)
    np.testing.assert_array_equal(so.flatten_parameters(model.parameters()), result.x)
    if method in ("Newton-CG", "trust-ncg"):
        assert result.nhev > 0  # the engine's Hessian-vector products were used


def test_minimize_hessian_vector_products_are_the_engines() -> None:
    model, loss_fn = network("value")
    params = model.parameters()
    problem = so._Problem(params, loss_fn)
    x = so.flatten_parameters(params)
    H = so.hessian(loss_fn, params)
    v = np.random.default_rng(1).normal(size=x.size)
    np.testing.assert_allclose(problem.hessp(x, v), H @ v, rtol=0, atol=1e-12)
    # A second product at the same point reuses the gradient graph, even after the
    # parameters moved elsewhere in between.
    problem.value_and_gradient(x + 1.0)
    np.testing.assert_allclose(problem.hessp(x, 2 * v), 2 * H @ v, rtol=0, atol=1e-12)


def test_minimize_passes_unknown_keywords_as_solver_options() -> None:
    model, loss_fn = network("tensor")
    result = so.minimize(model, loss_fn, method="L-BFGS-B", maxiter=2)
    assert result.nit == 2 and not result.success


def test_minimize_without_scipy_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    w = Value(1.0)
    with pytest.raises(ImportError, match=r"pip install autograd-lite\[scipy\]"):
        so.minimize([w], lambda: w * w)
