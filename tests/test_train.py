"""Tests of the network losses (in ``losses``), of ``train`` and of the examples."""

from __future__ import annotations

import doctest
import importlib.util
import itertools
import math
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lite import backprop, data, losses, nn, optim, train
from autograd_lite import second_order as so
from autograd_lite.tensor import Tensor
from autograd_lite.train import (
    EpochRecord,
    TrainingDiverged,
    fit,
    fit_minimize,
    make_optimizer,
    objective,
    outputs_of,
    plot,
)
from autograd_lite.value import Value

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

RNG = np.random.default_rng(0)
X = RNG.normal(size=(5, 3))
LABELS = np.array([0, 2, 1, 2, 0])
ONE_HOT = data.one_hot(LABELS, 3)
WEIGHTS = [
    (RNG.normal(size=(4, 3)), RNG.normal(size=4)),
    (RNG.normal(size=(3, 4)), RNG.normal(size=3)),
]


def load_example(name: str) -> Any:
    sys.path.insert(0, str(EXAMPLES))
    try:
        spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(EXAMPLES))
    return module


# ----------------------------------------------------------------------------- network losses


COSTS: list[tuple[str, str, Callable[[Any, Any], Any]]] = [
    ("quadratic", "sigmoid", losses.quadratic_cost),
    ("mse", "tanh", losses.mse_cost),
    ("cross_entropy", "sigmoid", losses.cross_entropy_cost),
]


@pytest.mark.parametrize(("cost", "output", "function"), COSTS)
def test_costs_and_gradients_equal_the_closed_form(
    cost: str, output: str, function: Callable[[Any, Any], Any]
) -> None:
    oracle = backprop.Network(WEIGHTS, "tanh", output, cost=cost).gradients(X, ONE_HOT)
    tensor_net = nn.Sequential.from_weights(WEIGHTS, "tanh", output)
    pairs = tensor_net.trace(X)
    loss = function(pairs[-1][1], ONE_HOT)
    assert loss.item() == pytest.approx(oracle.cost, rel=1e-13)
    loss.backward()
    assert np.allclose(pairs[-1][0].grad, oracle.deltas[-1], rtol=1e-12, atol=1e-17)
    assert np.allclose(tensor_net[0].weight.grad, oracle.dW[0], rtol=1e-12, atol=1e-17)  # type: ignore[attr-defined]
    # the same cost on a Value network, the batch as a list of rows
    value_net = nn.MLP.from_weights(WEIGHTS, "tanh", output)
    rows = [value_net.trace(list(x)) for x in X]
    value_loss = function([pairs_[-1][1] for pairs_ in rows], ONE_HOT)
    assert value_loss.data == pytest.approx(oracle.cost, rel=1e-13)
    value_loss.backward()
    for example, pairs_ in enumerate(rows):
        deltas = [z.grad for z in pairs_[-1][0]]
        assert np.allclose(deltas, oracle.deltas[-1][example], rtol=1e-12, atol=1e-17)


def test_softmax_cross_entropy_is_the_log_likelihood_of_softmax() -> None:
    oracle = backprop.Network(WEIGHTS, "tanh", "softmax", cost="log_likelihood").gradients(
        X, ONE_HOT
    )
    tensor_net = nn.Sequential.from_weights(WEIGHTS, "tanh", "linear")
    logits = tensor_net(X)
    for target in (LABELS, ONE_HOT):
        loss = losses.softmax_cross_entropy_cost(logits, target)
        assert loss.item() == pytest.approx(oracle.cost, rel=1e-13)
    loss.backward()
    assert np.allclose(tensor_net[-1].weight.grad, oracle.dW[-1], rtol=1e-12)  # type: ignore[attr-defined]
    probabilities = nn.Sequential.from_weights(WEIGHTS, "tanh", "softmax")(X)
    assert losses.log_likelihood_cost(probabilities, ONE_HOT).item() == pytest.approx(
        oracle.cost, rel=1e-13
    )
    value_net = nn.MLP.from_weights(WEIGHTS, "tanh", "linear")
    value_logits = [value_net(list(x)) for x in X]
    for target in (LABELS, ONE_HOT):
        value_loss = losses.softmax_cross_entropy_cost(value_logits, target)
        assert value_loss.data == pytest.approx(oracle.cost, rel=1e-13)
    value_loss.backward()
    dW = [[w.grad for w in neuron.w] for neuron in value_net.layers[-1].neurons]
    assert np.allclose(dW, oracle.dW[-1], rtol=1e-12)
    # stable for huge logits, where softmax underflows to exactly 0
    big = losses.softmax_cross_entropy_cost([Value(1000.0), Value(0.0)], 1)
    assert big.data == pytest.approx(1000.0)


def test_value_outputs_in_every_form() -> None:
    a, b = Value(0.5), Value(2.0)
    assert losses.quadratic_cost(a, 1.0).data == 0.125  # one example, one output
    assert losses.quadratic_cost([a, b], [1.0, 1.0]).data == 0.625  # one example, two outputs
    assert losses.quadratic_cost([a, b], [[1.0], [1.0]]).data == 0.3125  # two examples
    assert losses.quadratic_cost([[a], [b]], [1.0, 1.0]).data == 0.3125
    assert losses.quadratic_cost([[a, b]], [[1.0, 1.0]]).data == 0.625
    assert losses.quadratic_cost(Tensor([0.5, 2.0]), [1.0, 1.0]).item() == 0.625
    with pytest.raises(ValueError, match=r"outputs of shape \(1, 2\) .* targets of shape \(3,\)"):
        losses.quadratic_cost([a, b], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"output shape \(2,\) and target shape \(3,\) differ"):
        losses.mse_cost(Tensor([1.0, 2.0]), [1.0, 1.0, 1.0])


def test_cross_entropy_is_clamped_instead_of_infinite() -> None:
    saturated = losses.cross_entropy_cost([Value(1.0), Value(0.0)], [0.0, 1.0])
    assert saturated.data == 200.0  # two logs, each clamped at -100, as PyTorch
    assert losses.cross_entropy_cost(Tensor([[1.0, 0.0]]), [[0.0, 1.0]]).item() == 200.0
    assert losses.cross_entropy_cost([Value(0.25)], [1.0]).data == pytest.approx(math.log(4))


def test_hinge_loss_is_micrograds_formula_on_both_node_kinds() -> None:
    scores = [Value(s) for s in (2.0, 0.25, -0.5, 1.0)]
    y = np.array([1, -1, -1, 1])
    micrograd = sum((1 + -yi * si).relu() for yi, si in zip(y, scores)) * (1.0 / len(scores))
    assert losses.hinge_loss(scores, y).data == micrograd.data == (1.25 + 0.5) / 4
    assert losses.hinge_loss(Tensor([[2.0], [0.25], [-0.5], [1.0]]), y).item() == 0.4375
    with pytest.raises(ValueError, match="4 scores and 3 targets"):
        losses.hinge_loss(scores, y[:3])


def test_l2_penalty() -> None:
    values = [Value(1.0), Value(-2.0)]
    assert losses.l2_penalty(values, 0.1).data == pytest.approx(0.5)
    tensors = [Tensor([[1.0, 2.0]], requires_grad=True), Tensor([3.0], requires_grad=True)]
    penalty = losses.l2_penalty(tensors, 0.5)
    penalty.backward()
    assert penalty.item() == 7.0 and tensors[0].grad.tolist() == [[1.0, 2.0]]
    with pytest.raises(TypeError, match="mix Values and Tensors"):
        losses.l2_penalty([values[0], tensors[1]], 1.0)


# ----------------------------------------------------------------------------- objectives


def test_objectives_make_targets_and_predictions() -> None:
    quadratic = objective("quadratic", 3)
    assert quadratic.output_activation == "sigmoid"
    assert np.array_equal(quadratic.targets(LABELS), ONE_HOT)
    assert quadratic.predict([[0.1, 0.7, 0.2], [0.9, 0.0, 0.0]]).tolist() == [1, 0]
    hinge = objective("hinge", 1)
    assert hinge.targets([0, 1]).tolist() == [[-1.0], [1.0]]
    assert hinge.predict([[-0.1], [0.1]]).tolist() == [0, 1]
    binary = objective("cross_entropy", 1)
    assert binary.output_activation == "sigmoid" and binary.predict([[0.4], [0.6]]).tolist() == [
        0,
        1,
    ]
    softmax = objective("cross_entropy", 3)
    assert softmax.cost is losses.softmax_cross_entropy_cost and softmax.uses_indices
    assert objective("cross_entropy", 3, "softmax").cost is losses.log_likelihood_cost
    with pytest.raises(ValueError, match="cross_entropy on one linear output is not defined"):
        objective("cross_entropy", 1, "linear")
    with pytest.raises(ValueError, match="unknown loss 'l1'; known losses: quadratic, mse"):
        objective("l1", 2)
    with pytest.raises(ValueError, match="unknown optimizer 'bfgs'; known optimizers: sgd"):
        make_optimizer("bfgs", [Value(1.0)], 0.1)
    assert make_optimizer("momentum", [Value(1.0)], 0.1).momentum == 0.9  # type: ignore[attr-defined]


def test_make_optimizer_builds_the_curvature_methods() -> None:
    lbfgs = make_optimizer("lbfgs", [Value(1.0)], None)
    assert isinstance(lbfgs, optim.LBFGS) and lbfgs.needs_closure
    assert lbfgs.lr == 1.0 and lbfgs.line_search == "strong_wolfe"
    assert make_optimizer("lbfgs", [Value(1.0)], 0.5).lr == 0.5  # type: ignore[union-attr]
    newton = make_optimizer("newton", [Value(1.0)], 0.1)  # Newton has no learning rate
    assert isinstance(newton, optim.Newton) and not hasattr(newton, "lr")
    big = nn.mlp([64, 30, 10], rng=np.random.default_rng(0)).parameters()
    with pytest.raises(ValueError, match=r"2,260 numbers, more than max_params=2,000.*lbfgs"):
        make_optimizer("newton", big, None)
    with pytest.raises(ValueError, match="the adam optimizer needs a learning rate lr, got None"):
        make_optimizer("adam", [Value(1.0)], None)
    # the public names
    assert optim.minimize is so.minimize and {"LBFGS", "Newton", "minimize"} <= set(optim.__all__)


# ----------------------------------------------------------------------------- fit


def test_fit_reports_every_step_and_epoch() -> None:
    Xs, ys = data.make_xor(60, noise=0.0, rng=2)
    model = nn.mlp([2, 8, 1], "tanh", "sigmoid", rng=np.random.default_rng(0))
    steps: list[tuple[int, int, int, float]] = []
    epochs: list[EpochRecord] = []
    history = fit(
        model,
        Xs,
        ys,
        loss="cross_entropy",
        optimizer=optim.Adam(model.parameters(), 0.05),
        epochs=40,
        batch_size=25,
        X_test=Xs[:10],
        y_test=ys[:10],
        on_step=lambda *args: steps.append(args),
        on_epoch=epochs.append,
    )
    assert len(steps) == 40 * 3 and steps[:3] == [(1, 1, 3, steps[0][3]), (1, 2, 3, steps[1][3]),
                                                   (1, 3, 3, steps[2][3])]  # fmt: skip
    assert [r.epoch for r in epochs] == list(range(1, 41)) and history.records == epochs
    assert history.step_losses == [s[3] for s in steps]
    assert epochs[0].loss == pytest.approx(
        (25 * steps[0][3] + 25 * steps[1][3] + 10 * steps[2][3]) / 60
    )
    assert history.losses[-1] < history.losses[0] / 5
    assert history.train_accuracy >= 0.95 and history.test_accuracy is not None
    assert set(history.summary()) == {
        "loss",
        "train_accuracy",
        "test_accuracy",
        "epochs",
        "evaluations",
        "seconds",
    }
    assert history.evaluations == 40 * 3 and history.message is None


def test_fit_stops_when_the_loss_stops_being_finite() -> None:
    Xs, ys = data.make_moons(50, rng=1)
    model = nn.mlp([2, 8, 1], "relu", "linear", rng=np.random.default_rng(0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from the overflow either
        with pytest.raises(TrainingDiverged, match=r"the loss became (inf|nan) at epoch \d+, step"):
            fit(model, Xs, ys, loss="mse", optimizer=optim.SGD(model.parameters(), 50.0),
                epochs=50, batch_size=10, loss_limit=math.inf)  # fmt: skip


def test_divergence_names_the_learning_rate_of_the_moment() -> None:
    Xs, ys = data.make_moons(50, rng=1)
    model = nn.mlp([2, 8, 1], "relu", "linear", rng=np.random.default_rng(0))
    optimizer = optim.SGD(model.parameters(), lambda k: 0.01 if k < 5 else 50.0)
    with pytest.raises(TrainingDiverged, match="learning rate 50; try a smaller one"):
        fit(model, Xs, ys, loss="mse", optimizer=optimizer, epochs=50, batch_size=10)


def test_fit_checks_its_arguments() -> None:
    model = nn.mlp([2, 3, 1], rng=np.random.default_rng(0))
    opt = optim.SGD(model.parameters(), 0.1)
    with pytest.raises(ValueError, match=r"X has shape \(4, 3\); the network takes 2 inputs"):
        fit(model, np.ones((4, 3)), np.zeros(4), loss="mse", optimizer=opt, epochs=1)
    with pytest.raises(ValueError, match="epochs must be at least 1, got 0"):
        fit(model, np.ones((4, 2)), np.zeros(4), loss="mse", optimizer=opt, epochs=0)


def test_lbfgs_takes_one_full_batch_step_per_epoch() -> None:
    Xs, ys = data.make_moons(80, rng=3)
    model = nn.mlp([2, 6, 1], "tanh", "sigmoid", rng=np.random.default_rng(0))
    chosen = objective("cross_entropy", 1)
    start_loss = (
        chosen.cost(model(Tensor(Xs)), chosen.targets(ys))
        + losses.l2_penalty(model.parameters(), 1e-3)
    ).item()
    start_accuracy = train.accuracy(model, Xs, ys, chosen)
    lbfgs = optim.LBFGS(model.parameters())
    steps: list[tuple[int, int, int, float]] = []
    history = fit(model, Xs, ys, loss="cross_entropy", optimizer=lbfgs, epochs=5, l2=1e-3,
                  on_step=lambda *args: steps.append(args))  # fmt: skip
    assert [step[:3] for step in steps] == [(epoch, 1, 1) for epoch in range(1, 6)]
    assert history.step_losses == history.losses == [step[3] for step in steps]
    # each epoch's figures are those the step starts from (the closure's first call)
    assert history.losses[0] == pytest.approx(start_loss, rel=1e-13)
    assert history.records[0].train_accuracy == start_accuracy
    assert all(later <= earlier for earlier, later in itertools.pairwise(history.losses))
    assert history.losses[-1] < history.losses[0] / 3 and history.train_accuracy >= 0.9
    assert history.evaluations == lbfgs.evaluations and lbfgs.iterations > 5
    with pytest.raises(
        ValueError,
        match=r"LBFGS takes full-batch steps: batch_size must be None \(or at least 80, the "
        r"number of examples\), got 79",
    ):
        fit(model, Xs, ys, loss="cross_entropy", optimizer=lbfgs, epochs=1, batch_size=79)
    fit(model, Xs, ys, loss="cross_entropy", optimizer=lbfgs, epochs=1, batch_size=80)


def test_newton_trains_value_and_tensor_networks_alike() -> None:
    Xs, ys = data.make_xor(30, rng=1)
    start = nn.mlp([2, 3, 1], "tanh", "sigmoid", rng=np.random.default_rng(0)).get_weights()
    runs = []
    for model in (nn.MLP.from_weights(start, "tanh", "sigmoid"),
                  nn.Sequential.from_weights(start, "tanh", "sigmoid")):  # fmt: skip
        newton = optim.Newton(model.parameters())
        history = fit(model, Xs, ys, loss="cross_entropy", optimizer=newton, epochs=6)
        assert history.evaluations == newton.evaluations >= 2 * 6  # a trial per step at least
        runs.append(history.losses)
    assert np.allclose(runs[0], runs[1], rtol=1e-10, atol=0)
    assert all(later <= earlier for earlier, later in itertools.pairwise(runs[1]))
    assert runs[1][-1] < 0.7 * runs[1][0]


def test_fit_stops_a_closure_optimizer_whose_loss_stops_being_finite() -> None:
    Xs, ys = data.make_moons(50, rng=1)
    model = nn.mlp([2, 8, 1], "relu", "linear", rng=np.random.default_rng(0))
    reckless = optim.LBFGS(model.parameters(), lr=1e6, line_search=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(
            TrainingDiverged,
            match=r"the loss became (inf|nan) at epoch \d+, step 1 of 1: training diverged "
            r"\(learning rate 1e\+06; try a smaller one\)",
        ):
            fit(model, Xs, ys, loss="mse", optimizer=reckless, epochs=20)
        broken = Xs.copy()
        broken[0, 0] = np.nan
        model = nn.mlp([2, 3, 1], "tanh", "linear", rng=np.random.default_rng(0))
        with pytest.raises(
            TrainingDiverged,
            match=r"the loss became nan at epoch 1, step 1 of 1: training diverged \(the "
            r"optimizer has no learning rate to lower\)",
        ):
            fit(model, broken, ys, loss="mse", optimizer=optim.Newton(model.parameters()),
                epochs=3)  # fmt: skip


def test_fit_minimize_records_every_iteration_of_scipys_cg() -> None:
    Xs, ys = data.make_moons(80, rng=3)
    start = nn.mlp([2, 6, 1], "tanh", "sigmoid", rng=np.random.default_rng(0)).get_weights()
    model = nn.Sequential.from_weights(start, "tanh", "sigmoid")
    seen: list[EpochRecord] = []
    history = fit_minimize(model, Xs, ys, loss="cross_entropy", epochs=15, l2=1e-3,
                           X_test=Xs[:20], y_test=ys[:20], on_epoch=seen.append)  # fmt: skip
    assert history.records == seen and [r.epoch for r in seen] == list(range(1, 16))
    assert history.message == "Maximum number of iterations has been exceeded."
    assert all(later <= earlier for earlier, later in itertools.pairwise(history.losses))
    assert history.step_losses == history.losses and history.evaluations > 15
    # The same run by hand: second_order.minimize with maxiter 15 ends where fit_minimize did.
    chosen = objective("cross_entropy", 1)
    twin = nn.Sequential.from_weights(start, "tanh", "sigmoid")

    def loss_fn() -> Any:
        cost = chosen.cost(twin(Tensor(Xs)), chosen.targets(ys))
        return cost + losses.l2_penalty(twin.parameters(), 1e-3)

    result = so.minimize(twin, loss_fn, method="CG", options={"maxiter": 15})
    assert np.array_equal(so.flatten_parameters(twin.parameters()),
                          so.flatten_parameters(model.parameters()))  # fmt: skip
    # each record is the network after its iteration: the last one is the result
    assert history.loss == pytest.approx(result.fun, rel=1e-12)
    assert history.evaluations == result.nfev
    assert history.train_accuracy == seen[-1].train_accuracy >= 0.85
    assert seen[-1].test_accuracy == history.test_accuracy


def test_fit_minimize_without_scipy_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    model = nn.mlp([2, 3, 1], rng=np.random.default_rng(0))
    with pytest.raises(ImportError, match=r"pip install autograd-lite\[scipy\]"):
        fit_minimize(model, np.ones((4, 2)), np.zeros(4), loss="mse", epochs=1)


def test_dropout_network_is_evaluated_without_dropout() -> None:
    Xs, ys = data.make_circles(80, noise=0.0, rng=0)
    model = nn.Sequential(
        nn.Linear(2, 32, rng=np.random.default_rng(0)),
        nn.Tanh(),
        nn.Dropout(0.5, rng=0),
        nn.Linear(32, 2, rng=np.random.default_rng(1)),
    )
    model.eval()
    adam = optim.Adam(model.parameters(), 0.02)
    history = fit(model, Xs, ys, loss="cross_entropy", optimizer=adam, epochs=100, batch_size=20)
    assert model.training  # fit trains in training mode
    evaluated = outputs_of(model, Xs)
    assert model.training  # and puts the mode back after evaluating
    assert np.array_equal(evaluated, outputs_of(model, Xs))  # no random mask
    assert np.array_equal(evaluated, model.eval()(Xs).data)
    assert not np.array_equal(evaluated, model.train()(Xs).data)
    assert history.train_accuracy > 0.9


# ----------------------------------------------------------------------------- the examples


def test_moons_demo_on_tensor_reaches_full_training_accuracy() -> None:
    demo = load_example("moons_value").micrograd_demo
    _, history, _ = demo("tensor", steps=100)
    assert history.train_accuracy == 1.0 and history.loss < 0.02


@pytest.mark.slow
def test_moons_demo_gives_the_same_losses_on_value_and_tensor() -> None:
    demo = load_example("moons_value").micrograd_demo
    _, value_history, _ = demo("value", steps=12)
    _, tensor_history, _ = demo("tensor", steps=12)
    gaps = np.abs(np.array(value_history.step_losses) - np.array(tensor_history.step_losses))
    assert len(gaps) == 12 and gaps.max() <= 1e-9
    assert value_history.step_losses[-1] < value_history.step_losses[0] / 2
    assert [r.train_accuracy for r in value_history.records] == [
        r.train_accuracy for r in tensor_history.records
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("setup", "target"), [("quadratic_sgd", 0.95), ("cross_entropy_adam", 0.97)]
)
def test_digits_reach_their_targets(setup: str, target: float) -> None:
    _, history = load_example("digits").train_digits(setup)
    assert history.test_accuracy is not None and history.test_accuracy >= target
    assert history.seconds < 60


def test_plot_writes_a_png(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Xs, ys = data.make_moons(40, rng=0)
    model = nn.mlp([2, 4, 1], "tanh", "sigmoid", engine="value", rng=np.random.default_rng(0))
    history = fit(model, Xs, ys, loss="quadratic", optimizer=optim.SGD(model.parameters(), 1.0),
                  epochs=2, X_test=Xs, y_test=ys)  # fmt: skip
    path = tmp_path / "plot.png"
    plot(path, history, model=model, X=Xs, y=ys, chosen=objective("quadratic", 1))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install autograd-lite\[plots\]"):
        plot(tmp_path / "other.png", history)


def test_docstring_examples() -> None:
    results = doctest.testmod(train)
    assert results.failed == 0 and results.attempted >= 3


def test_network_loss_docstring_examples() -> None:
    runner = doctest.DocTestRunner()
    finder = doctest.DocTestFinder()
    mine = [losses.quadratic_cost, losses.mse_cost, losses.cross_entropy_cost,
            losses.softmax_cross_entropy_cost, losses.hinge_loss, losses.l2_penalty]  # fmt: skip
    for function in mine:
        for test in finder.find(function, globs=vars(losses)):
            runner.run(test)
    assert runner.failures == 0 and runner.tries >= 6
