"""Tests of ``check.compare``: one network on every engine, against the closed form."""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_lite import backprop, check, losses, nn, optim
from autograd_lite import compare as compare_module
from autograd_lite.compare import (
    ENGINES,
    Engine,
    EngineResult,
    Problem,
    compare,
    random_problem,
)
from autograd_lite.tensor import Tensor

HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
ALL_ENGINES = ("value", "tensor", "closed_form", "numeric", "torch")
EXACT = ("value", "tensor", "torch")


def wrong_sigmoid_prime(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the closed form use sigma' 1% too large for the sigmoid (and only there)."""
    right = backprop.activation_prime

    def wrong(name: str, z: Any) -> Any:
        return right(name, z) * (1.01 if name == "sigmoid" else 1.0)

    monkeypatch.setattr(backprop, "activation_prime", wrong)


@st.composite
def networks(draw: st.DrawFn) -> tuple[Any, ...]:
    layers = draw(st.integers(1, 4))
    sizes = draw(st.lists(st.integers(1, 8), min_size=layers + 1, max_size=layers + 1))
    hidden = draw(st.sampled_from(HIDDEN))
    output = draw(st.sampled_from((*HIDDEN, "softmax")))
    if output == "softmax":
        cost = "log_likelihood"
    else:
        costs = ["quadratic", "mse"] + (["cross_entropy"] if output == "sigmoid" else [])
        cost = draw(st.sampled_from(costs))
    batch = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    weights, X, Y = random_problem(sizes, batch, seed, hidden, output, cost)
    return weights, X, Y, hidden, output, cost


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_every_engine_agrees_with_the_closed_form(case: tuple[Any, ...]) -> None:
    weights, X, Y, hidden, output, cost = case
    report = compare(weights, X, Y, hidden, output, cost)
    assert report.engines == list(ALL_ENGINES)  # torch ran: it is installed for the tests
    assert report.skipped == {}
    assert report.ok, report.table()
    layers = len(weights)
    assert len(report.comparisons) == 4 * (3 * layers + 1)
    # The same verdict, checked directly on the numbers (not through compare's judgement):
    reference = report.results["closed_form"]
    # A difference quotient also carries the rounding of the two costs it subtracts,
    # divided by the step: compare's own noise model (ulps of |C|, over h). Without it a
    # quantity near zero (a delta of 6e-7) could fail on rounding alone.
    ulps = compare_module._NOISE_ULPS * np.finfo(np.float64).eps
    rounding = ulps * abs(reference.cost) / compare_module.NUMERIC_STEP
    for name in (*EXACT, "numeric"):
        result = report.results[name]
        bound = 1e-10 if name in EXACT else 1e-6
        noise = rounding if name == "numeric" else 0.0
        for l in range(layers):
            for quantity in ("delta", "dW", "db"):
                got, want = result.quantity(quantity, l), reference.quantity(quantity, l)
                assert got.shape == want.shape
                floor = 1e-6 if name == "numeric" else 1e-12
                scale = max(float(np.abs(want).max()), floor)
                error = np.abs(got - want).max()
                assert error <= 50 * bound * scale + noise, (name, l, quantity)
        assert abs(result.cost - reference.cost) <= bound * abs(reference.cost) + 1e-300
    for l, (W, _) in enumerate(weights):
        assert reference.deltas[l].shape == (X.shape[0], W.shape[0])


def test_batch_deltas_are_the_per_example_deltas_over_n() -> None:
    """The z nodes of one graph over the batch hold dC/dz of the batch mean."""
    weights, X, Y = random_problem([3, 4, 2], batch=5, seed=1)
    report = compare(weights, X, Y, "tanh", "sigmoid", "mse", engines=("value", "tensor"))
    network = backprop.Network(weights, "tanh", "sigmoid", "mse")
    for l in range(2):
        per_example = np.array([network.backprop_example(x, y).deltas[l] for x, y in zip(X, Y)])
        for name in ("value", "tensor"):
            got = report.results[name].deltas[l]
            np.testing.assert_allclose(got, per_example / 5, rtol=1e-12, atol=1e-17)


def test_a_wrong_sigma_prime_in_the_closed_form_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    weights, X, Y = random_problem([2, 3, 3, 1], batch=8, seed=0)
    assert compare(weights, X, Y).ok
    wrong_sigmoid_prime(monkeypatch)
    report = compare(weights, X, Y)
    assert not report.ok
    assert report.culprits == ["closed_form"]
    # BP1 is wrong at the output, and BP2 carries the error down to every layer
    assert {(c.layer, c.quantity) for c in report.failures} >= {
        (layer, q) for layer in (1, 2, 3) for q in ("delta", "dW", "db")
    }
    assert report.comparison("value", None, "cost").ok  # the forward pass is right
    worst = report.comparison("value", 3, "delta")
    assert worst.relative == pytest.approx(0.01, rel=0.2)  # sigma' is 1% too large
    table = report.table()
    assert "DISAGREE" in table
    assert "culprit: the closed form" in table
    assert "✗" in table


def test_one_engine_against_the_closed_form_names_it_and_says_either_may_be_wrong(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    weights, X, Y = random_problem([2, 3, 1], batch=4, seed=2)
    wrong_sigmoid_prime(monkeypatch)
    report = compare(weights, X, Y, engines=("value",))
    assert report.culprits == ["value"]
    assert "either may be wrong" in report.table()


def shifted_engine(quantity: str, layer: int, index: tuple[int, ...], amount: float) -> Engine:
    """An engine that is the closed form with one number moved: a stand-in for a bug."""

    def run(problem: Problem) -> EngineResult:
        result = compare_module._run_closed_form(problem)
        moved = result.quantity(quantity, layer).copy()
        moved[index] += amount
        lists = {"delta": list(result.deltas), "dW": list(result.dW), "db": list(result.db)}
        lists[quantity][layer] = moved
        return EngineResult(result.cost, lists["delta"], lists["dW"], lists["db"])

    return Engine("broken", run, "the closed form with one number moved")


def test_a_wrong_engine_is_named_with_layer_quantity_and_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(ENGINES, "broken", shifted_engine("dW", 1, (0, 2), 1e-6))
    weights, X, Y = random_problem([2, 3, 3, 1], batch=8, seed=0)
    report = compare(weights, X, Y, engines=("value", "broken", "torch"))
    assert not report.ok
    assert report.culprits == ["broken"]
    [failure] = report.failures
    assert (failure.engine, failure.layer, failure.quantity, failure.index) == (
        "broken",
        2,
        "dW",
        (0, 2),
    )
    assert failure.difference == pytest.approx(1e-6, rel=1e-6)
    assert failure.value - failure.reference == pytest.approx(1e-6, rel=1e-6)
    table = report.table()
    assert "culprit: broken" in table
    assert "layer 2 dW[0, 2]" in table
    assert f"{failure.reference:.12g}" in table


def test_zero_against_rounding_noise_agrees_but_a_real_difference_does_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Large negative biases make every hidden ReLU dead: layer 1's deltas are exactly 0.
    weights, X, Y = random_problem([2, 3, 2], batch=4, seed=0)
    weights[0] = (weights[0][0], np.full(3, -50.0))
    reference = compare(weights, X, Y, "relu", "sigmoid", engines=("closed_form",))
    assert np.all(reference.results["closed_form"].deltas[0] == 0)
    monkeypatch.setitem(ENGINES, "broken", shifted_engine("delta", 0, (1, 1), 1e-17))
    assert compare(weights, X, Y, "relu", "sigmoid", engines=("broken",)).ok
    monkeypatch.setitem(ENGINES, "broken", shifted_engine("delta", 0, (1, 1), 1e-9))
    report = compare(weights, X, Y, "relu", "sigmoid", engines=("broken",))
    assert [(c.layer, c.quantity) for c in report.failures] == [(1, "delta")]


def test_cancelling_batch_sums_are_judged_by_the_size_of_their_terms() -> None:
    # Two examples with opposite deltas: db of the output layer sums to (almost) zero.
    weights = [(np.array([[1.0]]), np.array([0.0]))]
    X = np.array([[1.0], [-1.0]])
    Y = np.array([[2.0], [-2.0]])
    report = compare(weights, X, Y, "identity", engines=("value", "tensor", "torch"))
    db = report.comparison("value", 1, "db")
    assert report.results["closed_form"].db[0] == pytest.approx(0.0, abs=1e-15)
    assert db.size == pytest.approx(1.0)  # sum of |delta_x| = 0.5 + 0.5
    assert report.ok


def test_nan_is_reported_never_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ENGINES, "broken", shifted_engine("db", 0, (1,), float("nan")))
    weights, X, Y = random_problem([2, 3, 1], batch=3, seed=0)
    report = compare(weights, X, Y, engines=("broken",))
    assert not report.ok
    [failure] = report.failures
    assert (failure.layer, failure.quantity, failure.index) == (1, "db", (1,))
    data = report.to_dict()
    text = json.dumps(data, allow_nan=False)  # NaN becomes a string, the JSON stays valid
    assert '"relative": "nan"' in text


def test_to_dict_carries_the_numbers() -> None:
    weights, X, Y = random_problem([2, 3, 1], batch=3, seed=5)
    report = compare(weights, X, Y, "tanh", "sigmoid", "cross_entropy")
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is True
    assert data["network"] == {
        "sizes": [2, 3, 1],
        "activation": "tanh",
        "output_activation": "sigmoid",
        "cost": "cross_entropy",
        "batch": 3,
    }
    assert data["engines"] == list(ALL_ENGINES)
    assert data["costs"]["value"] == report.costs["value"]
    assert len(data["comparisons"]) == 4 * 7
    first = data["comparisons"][0]
    assert (first["engine"], first["layer"], first["quantity"]) == ("value", 1, "delta")
    assert first["relative"] == report.comparisons[0].relative
    assert data["culprits"] == []


def test_torch_missing_is_skipped_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    weights, X, Y = random_problem([2, 2, 1], batch=2, seed=0)
    report = compare(weights, X, Y)
    assert report.ok
    assert "torch" not in report.engines
    assert "PyTorch is not installed" in report.skipped["torch"]
    assert "skipped torch: PyTorch is not installed" in report.table()
    assert report.to_dict()["skipped"] == report.skipped


def test_a_new_engine_is_a_few_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry: a name and a function returning an EngineResult (here: the Tensor
    engine under another name, as a JAX engine would be added)."""
    monkeypatch.setitem(ENGINES, "again", Engine("again", ENGINES["tensor"].run, "tensor"))
    weights, X, Y = random_problem([3, 2], batch=2, seed=0)
    report = compare(weights, X, Y, engines=("again", "value"))
    assert report.engines == ["closed_form", "again", "value"] and report.ok


def test_check_compare_is_the_public_name() -> None:
    assert check.compare is compare
    assert check.CompareReport is compare_module.CompareReport


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"engines": ("value", "tensorflow")},
            "unknown engine 'tensorflow'; known engines: value, tensor",
        ),
        ({"activation": "swish"}, "unknown activation 'swish'; known activations: sigmoid"),
        ({"output_activation": "gelu"}, "unknown output activation 'gelu'"),
        ({"cost": "hinge"}, "unknown cost 'hinge'; known costs: quadratic"),
        ({"activation": "softmax"}, "softmax can only be the output activation"),
        ({"cost": "log_likelihood"}, "needs output_activation='softmax'"),
        ({"X": np.zeros((4, 3))}, "X has shape (4, 3); the network takes 2 inputs"),
        ({"X": np.zeros(2)}, "X has shape (2,)"),
        ({"Y": np.zeros((3, 1))}, "Y has shape (3, 1); with X of shape (4, 2)"),
        ({"Y": np.zeros((4, 2))}, "Y must have shape (4, 1)"),
        ({"weights": [(np.ones((3, 2)), np.zeros(3)), (np.ones((1, 4)), np.zeros(1))]}, "(1, 4)"),
        ({"rtol": 0.0}, "tolerances must be positive"),
    ],
)
def test_bad_input_is_named(change: dict[str, Any], message: str) -> None:
    weights, X, Y = random_problem([2, 3, 1], batch=4, seed=0)
    arguments: dict[str, Any] = {"weights": weights, "X": X, "Y": Y, **change}
    with pytest.raises(ValueError) as error:
        compare(**arguments)
    assert message in str(error.value)


@pytest.mark.parametrize("engine", ["tensor", "value"])
def test_textbook_sgd_and_the_engines_sgd_take_the_same_steps(engine: str) -> None:
    weights, X, Y = random_problem([3, 5, 2], batch=20, seed=3)
    eta = 2.0
    network = backprop.Network(weights, "sigmoid", cost="quadratic")
    model: Any
    if engine == "tensor":
        model = nn.Sequential.from_weights(weights, "sigmoid", "sigmoid")
    else:
        model = nn.MLP.from_weights(weights, "sigmoid", "sigmoid")
    sgd = optim.SGD(model.parameters(), lr=eta)
    costs = []
    for step in range(50):
        rows = slice(4 * (step % 5), 4 * (step % 5) + 4)
        costs.append(network.update_mini_batch(X[rows], Y[rows], eta))
        if engine == "tensor":
            outputs: Any = model(Tensor(X[rows]))
        else:
            outputs = [model.trace(x)[-1][1] for x in X[rows].tolist()]
        sgd.zero_grad()
        cost = losses.quadratic_cost(outputs, Y[rows])
        assert float(cost.data) == pytest.approx(costs[-1], rel=1e-12)
        cost.backward()
        sgd.step()
    moved = max(np.abs(W - W0).max() for (W, _), (W0, _) in zip(network.weights, weights))
    assert moved > 0.05  # the weights did change
    for (W, b), (W_engine, b_engine) in zip(network.weights, model.get_weights()):
        np.testing.assert_allclose(W_engine, W, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(b_engine, b, rtol=1e-10, atol=1e-12)
