"""Issue 14, item 9: a network that cannot learn is refused before training, with the
reason, and a loss that becomes NaN or infinite or grows past a huge bound is reported
as divergence (an exception from train.fit; one line, exit 1 and, with --json, one JSON
object from `autograd-lite train`)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from autograd_lite import cli, data, nn, optim
from autograd_lite.tensor import Tensor
from autograd_lite.train import (
    LOSS_LIMIT,
    CannotLearn,
    TrainingDiverged,
    fit,
    objective,
)

X, Y = data.make_moons(60, rng=0)


def model(output: str, outputs: int = 1, hidden: str = "tanh") -> Any:
    return nn.mlp([2, 6, outputs], hidden, output, rng=np.random.default_rng(0))


def weights_of(net: Any) -> list[np.ndarray]:
    return [array.copy() for pair in net.get_weights() for array in pair]


@pytest.mark.parametrize("loss", ["quadratic", "mse", "cross_entropy", "hinge"])
def test_a_softmax_over_one_output_is_refused_for_every_loss(loss: str) -> None:
    net = model("softmax")
    before = weights_of(net)
    with pytest.raises(CannotLearn, match="a softmax over one output is always 1"):
        fit(net, X, Y, loss=loss, optimizer=optim.Adam(net.parameters(), 0.01), epochs=5)
    assert all(np.array_equal(a, b) for a, b in zip(before, weights_of(net)))  # untouched


def test_why_a_softmax_over_one_output_cannot_learn() -> None:
    # Its output is 1 for every input, so every gradient into the network is zero.
    net = model("softmax")
    out = net(Tensor(X))
    np.testing.assert_array_equal(out.data, 1.0)
    out.sum().backward()
    assert all(not np.any(p.grad) for p in net.parameters())


def test_hinge_on_one_sigmoid_output_is_refused_and_tanh_or_linear_learn() -> None:
    with pytest.raises(CannotLearn, match="a sigmoid output is always positive"):
        objective("hinge", 1, "sigmoid")
    for output in ("tanh", "linear"):
        net = model(output)
        history = fit(net, X, Y, loss="hinge", optimizer=optim.Adam(net.parameters(), 0.05),
                      epochs=60, batch_size=20)  # fmt: skip
        assert history.train_accuracy > 0.8


def test_what_can_learn_is_not_refused() -> None:
    # Binary cross-entropy on one sigmoid output, and every loss on two outputs.
    net = model("sigmoid")
    history = fit(net, X, Y, loss="cross_entropy", optimizer=optim.Adam(net.parameters(), 0.05),
                  epochs=60, batch_size=20)  # fmt: skip
    assert history.train_accuracy > 0.8
    for loss in ("quadratic", "mse", "cross_entropy", "hinge"):
        for output in ("softmax", "sigmoid", "linear"):
            if loss in ("quadratic", "mse") and output == "linear":
                continue  # learns too; nothing more to show
            objective(loss, 2, output)  # no exception


def test_labels_for_more_classes_than_the_outputs_tell_apart_are_refused() -> None:
    three = np.arange(len(X)) % 3
    net = model("sigmoid")
    with pytest.raises(CannotLearn, match="one output separates two classes, but the labels"):
        fit(net, X, three, loss="quadratic", optimizer=optim.SGD(net.parameters(), 1.0), epochs=1)
    net = model("softmax", outputs=2)
    with pytest.raises(CannotLearn, match="2 outputs stand for 2 classes, but the labels name 3"):
        fit(net, X, three, loss="quadratic", optimizer=optim.SGD(net.parameters(), 1.0), epochs=1)
    with pytest.raises(ValueError, match="class labels 0, 1, 2"):
        fit(net, X, -Y, loss="quadratic", optimizer=optim.SGD(net.parameters(), 1.0), epochs=1)


def test_a_loss_that_grows_past_the_bound_is_divergence() -> None:
    net = model("linear", hidden="relu")
    with pytest.raises(TrainingDiverged) as caught:
        fit(net, X, Y, loss="mse", optimizer=optim.SGD(net.parameters(), 50.0), epochs=50,
            batch_size=10)  # fmt: skip
    error = caught.value
    assert error.limit == LOSS_LIMIT == 1e10
    assert math.isfinite(error.loss) and error.loss > 1e10
    assert f"grew to {error.loss:.3g}, past 1e+10, at epoch {error.epoch}" in str(error)
    summary = error.summary()
    assert summary["error"] == "training diverged" and summary["reason"] == str(error)
    json.dumps(summary, allow_nan=False)  # valid JSON


def test_the_bound_can_be_chosen_and_nan_is_reported_as_a_string() -> None:
    net = model("linear", hidden="relu")
    with pytest.raises(TrainingDiverged, match=r"grew to [0-9.e+]+, past 0\.01,") as caught:
        fit(net, X, Y, loss="mse", optimizer=optim.SGD(net.parameters(), 0.01), epochs=1,
            loss_limit=0.01)  # fmt: skip
    assert caught.value.epoch == 1 and caught.value.step == 1
    nan = TrainingDiverged(3, 2, 5, math.nan, 0.1)
    assert nan.limit is None and str(nan).startswith("the loss became nan at epoch 3, step 2")
    assert json.loads(json.dumps(nan.summary(), allow_nan=False))["loss"] == "nan"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(["train", *argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        (["--layers", "2,8,1", "--output-activation", "softmax", "--loss", "quadratic"],
         "a softmax over one output is always 1"),
        (["--loss", "hinge", "--output-activation", "sigmoid"],
         "a sigmoid output is always positive"),
    ],
)  # fmt: skip
def test_train_refuses_a_network_that_cannot_learn(
    flags: list[str], reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(["--data", "moons", "--epochs", "2", *flags], capsys)
    assert status == 2 and out == ""  # before training: not even the first line
    assert len(err.splitlines()) == 1 and reason in err


def test_train_reports_divergence_in_one_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--data", "moons", "--loss", "mse", "--output-activation", "linear",
            "--optimizer", "sgd", "--lr", "10", "--epochs", "30", "--json"]  # fmt: skip
    status, out, err = run(argv, capsys)
    assert status == 1
    assert len(out.splitlines()) == 1
    result = json.loads(out)
    assert result["error"] == "training diverged"
    assert "past 1e+10" in result["reason"] and result["epoch"] == 1 and result["step"] == 5
    assert result["settings"]["lr"] == 10.0
    assert err.splitlines()[-1] == f"autograd-lite train: error: {result['reason']}"
