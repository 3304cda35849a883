"""Tests of ``autograd_lite.optim``: every update against PyTorch's, in float64."""

from __future__ import annotations

import doctest
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

from autograd_lite import losses, nn, optim
from autograd_lite.tensor import Tensor
from autograd_lite.value import Value

RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, 3))
Y = RNG.normal(size=(8, 2))

# name: (ours, PyTorch's), each a function of the parameter list
CASES: dict[str, tuple[Callable[[list[Any]], Any], Callable[[list[Any]], Any]]] = {
    "sgd": (
        lambda p: optim.SGD(p, 0.1),
        lambda p: torch.optim.SGD(p, 0.1),
    ),
    "sgd-momentum-dampening-decay": (
        lambda p: optim.SGD(p, 0.05, momentum=0.9, dampening=0.2, weight_decay=0.01),
        lambda p: torch.optim.SGD(p, 0.05, momentum=0.9, dampening=0.2, weight_decay=0.01),
    ),
    "sgd-nesterov": (
        lambda p: optim.SGD(p, 0.05, momentum=0.8, nesterov=True),
        lambda p: torch.optim.SGD(p, 0.05, momentum=0.8, nesterov=True),
    ),
    "adam-decay": (
        lambda p: optim.Adam(p, 0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
        lambda p: torch.optim.Adam(p, 0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
    ),
    "adam-amsgrad": (
        lambda p: optim.Adam(p, 0.02, amsgrad=True),
        lambda p: torch.optim.Adam(p, 0.02, amsgrad=True),
    ),
    "adamw": (
        lambda p: optim.AdamW(p, 0.01),
        lambda p: torch.optim.AdamW(p, 0.01),
    ),
    "rprop": (
        lambda p: optim.RProp(p, 0.01, etas=(0.4, 1.3), step_sizes=(1e-4, 0.05)),
        lambda p: torch.optim.Rprop(p, 0.01, etas=(0.4, 1.3), step_sizes=(1e-4, 0.05)),
    ),
}


def torch_twins(model: Any) -> list[torch.Tensor]:
    """PyTorch leaves holding the model's parameters, in the order of parameters()."""
    params = model.parameters()
    return [torch.tensor(np.array(p.data, dtype=np.float64), requires_grad=True) for p in params]


def run_twenty_steps(model: Any, loss: Callable[[], Any], name: str) -> float:
    """Step ours and PyTorch's optimizer 20 times on the same gradients; the largest gap."""
    make_ours, make_theirs = CASES[name]
    params = model.parameters()
    twins = torch_twins(model)
    ours, theirs = make_ours(params), make_theirs(twins)
    for _ in range(20):
        ours.zero_grad()
        loss().backward()
        for p, t in zip(params, twins):
            t.grad = torch.tensor(np.array(p.grad, dtype=np.float64))
        ours.step()
        theirs.step()
    return max(
        float(np.max(np.abs(np.asarray(p.data) - t.detach().numpy())))
        for p, t in zip(params, twins)
    )


@pytest.mark.parametrize("name", list(CASES))
def test_tensor_updates_match_pytorch_over_twenty_steps(name: str) -> None:
    model = nn.mlp([3, 5, 2], "tanh", rng=np.random.default_rng(1))
    start = [p.data.copy() for p in model.parameters()]
    gap = run_twenty_steps(model, lambda: losses.quadratic_cost(model(X), Y), name)
    assert gap <= 1e-12
    moved = max(np.abs(p.data - s).max() for p, s in zip(model.parameters(), start))
    assert moved > 1e-3  # the comparison is not between two models that stood still


@pytest.mark.parametrize("name", ["sgd-momentum-dampening-decay", "adam-amsgrad", "rprop"])
def test_value_updates_match_pytorch_over_twenty_steps(name: str) -> None:
    model = nn.mlp([3, 3, 2], "tanh", engine="value", rng=np.random.default_rng(2))
    rows = [list(x) for x in X[:4]]

    def loss() -> Any:
        return losses.quadratic_cost([model(x) for x in rows], Y[:4])

    start = [p.data for p in model.parameters()]
    assert run_twenty_steps(model, loss, name) <= 1e-12
    assert all(isinstance(p.data, float) for p in model.parameters())
    assert max(abs(p.data - s) for p, s in zip(model.parameters(), start)) > 1e-3


def test_value_and_tensor_parameters_in_one_optimizer() -> None:
    w, t = Value(2.0), Tensor([1.0, -1.0], requires_grad=True)
    opt = optim.SGD([w, t], 0.5)
    (w * w).backward()
    (t * t).sum().backward()
    opt.step()
    assert w.data == 0.0 and t.data.tolist() == [0.0, 0.0]


def test_tensor_without_gradient_is_skipped_and_dtype_kept() -> None:
    a = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    b = Tensor([1.0, 2.0], requires_grad=True)
    data_before = a.data
    opt = optim.Adam([a, b], 0.1)
    (b * b).sum().backward()
    opt.step()
    assert a.data.tolist() == [1.0, 1.0] and a.data is data_before and a.dtype == np.float32
    assert b.data.tolist() == pytest.approx([0.9, 1.9])  # Adam's first step is lr * sign(g)


def test_in_place_update_of_tensor_data() -> None:
    t = Tensor([1.0, 2.0], requires_grad=True)
    array = t.data
    (t * 3.0).sum().backward()
    optim.SGD([t], 0.1).step()
    assert t.data is array and array.tolist() == pytest.approx([0.7, 1.7])


def test_learning_rate_function_is_micrograds_schedule() -> None:
    w = Value(0.0)
    opt = optim.SGD([w], lr=lambda k: 1.0 - 0.9 * k / 100)
    applied = []
    for _ in range(3):
        w.grad = 1.0
        before = w.data
        opt.step()
        applied.append(before - w.data)
    assert applied == pytest.approx([1.0, 0.991, 0.982], abs=1e-15)
    assert opt.steps == 3 and opt.lr == pytest.approx(0.973)
    bad = optim.SGD([Value(1.0)], lr=lambda k: 0.1 if k == 0 else math.nan)
    bad.step()
    with pytest.raises(ValueError, match="the lr schedule gave nan at step 1"):
        bad.step()


def test_step_and_lambda_schedulers_follow_pytorch() -> None:
    def lrs(
        ours: Any, theirs: Any, make: Callable[[Any], Any], make_t: Callable[[Any], Any]
    ) -> None:
        ours_s, theirs_s = make(ours), make_t(theirs)
        seen, expected = [], []
        for _ in range(7):
            seen.append(ours.lr)
            expected.append(theirs.param_groups[0]["lr"])
            theirs.step()
            ours_s.step()
            theirs_s.step()
        assert seen == pytest.approx(expected, rel=1e-15)

    p = [Value(1.0)]
    t = [torch.zeros(1, requires_grad=True)]
    lrs(
        optim.SGD(p, 0.5),
        torch.optim.SGD(t, 0.5),
        lambda o: optim.StepLR(o, step_size=2, gamma=0.5),
        lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
    )
    lrs(
        optim.SGD(p, 0.5),
        torch.optim.SGD(t, 0.5),
        lambda o: optim.LambdaLR(o, lambda epoch: 1 / (1 + epoch)),
        lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda epoch: 1 / (1 + epoch)),
    )
    with pytest.raises(ValueError, match="already follows an lr function"):
        optim.StepLR(optim.SGD(p, lambda k: 0.1), 2)


def test_zero_grad_resets_both_node_kinds() -> None:
    w, t = Value(1.0), Tensor([1.0], requires_grad=True)
    (w * 2).backward()
    (t * 2).sum().backward()
    optim.Adam([w, t]).zero_grad()
    assert w.grad == 0.0 and t.grad is None


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: optim.SGD(p, 0), "learning rate lr must be a positive number, got 0"),
        (lambda p: optim.SGD(p, -0.1), "learning rate lr must be a positive number, got -0.1"),
        (lambda p: optim.Adam(p, math.nan), "lr must be a positive number, got nan"),
        (lambda p: optim.SGD(p, 0.1, momentum=-0.5), "momentum must be >= 0, got -0.5"),
        (lambda p: optim.SGD(p, 0.1, nesterov=True), "nesterov needs momentum > 0"),
        (lambda p: optim.SGD(p, 0.1, weight_decay=-1), "weight_decay must be >= 0"),
        (lambda p: optim.Adam(p, betas=(1.0, 0.9)), r"betas\[0\] must be \[0, 1\), got 1.0"),
        (lambda p: optim.Adam(p, eps=-1e-8), "eps must be >= 0"),
        (lambda p: optim.RProp(p, etas=(1.2, 0.5)), "etas must satisfy 0 < etas"),
        (lambda p: optim.RProp(p, step_sizes=(1.0, 0.1)), "step_sizes must satisfy"),
        (lambda p: optim.SGD(p, lambda k: -1.0), "schedule at step 0: learning rate"),
    ],
)
def test_bad_arguments_name_the_problem(make: Callable[[list[Any]], Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])


def test_bad_parameter_lists() -> None:
    with pytest.raises(ValueError, match="SGD: got an empty parameter list"):
        optim.SGD([], 0.1)
    with pytest.raises(ValueError, match="Adam: got an empty parameter list"):
        optim.Adam(iter([]))
    w = Value(1.0)
    with pytest.raises(ValueError, match="parameter 1 appears more than once"):
        optim.SGD([w, w], 0.1)
    with pytest.raises(ValueError, match="parameter 0 is a Tensor with requires_grad=False"):
        optim.SGD([Tensor([1.0])], 0.1)
    with pytest.raises(TypeError, match="parameter 0 is a float, not a Value or Tensor"):
        optim.SGD([1.0], 0.1)


def test_step_with_a_closure_returns_its_loss() -> None:
    w = Value(3.0)
    opt = optim.SGD([w], 0.25)

    def closure() -> Any:
        opt.zero_grad()
        loss = w * w
        loss.backward()
        return loss

    assert opt.step(closure).data == 9.0 and w.data == 1.5
    assert opt.step() is None and w.data == 0.0  # the old gradient, 6.0, once more


def test_docstring_examples() -> None:
    results = doctest.testmod(optim)
    assert results.failed == 0 and results.attempted >= 4
