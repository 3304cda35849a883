"""Tensor losses against PyTorch (float64): values, gradients, second order, edges, errors."""

from __future__ import annotations

import doctest
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograd_lite.functional import hvp
from autograd_lite.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    mse,
)
from autograd_lite.tensor import Tensor


def torch_grad(t: torch.Tensor) -> np.ndarray:
    assert t.grad is not None
    return t.grad.numpy()


# torch.autograd.functional and Tensor.backward carry no annotations
torch_functional: Any = torch.autograd.functional

RTOL, ATOL = 1e-12, 1e-15
rng = np.random.default_rng(5)


def compare_loss(
    ours: Callable[..., Tensor],
    theirs: Callable[..., torch.Tensor],
    first: np.ndarray,
    second: np.ndarray,
    differentiate_second: bool = True,
) -> None:
    """Loss value and the gradient of both arguments (the second one when it is a float)."""
    a = Tensor(first.copy(), requires_grad=True)
    ta = torch.tensor(first.copy(), requires_grad=True)
    if second.dtype.kind in "iu":  # class indices are data, not a Tensor
        b: Any = second.copy()
        tb = torch.tensor(second.copy())
    else:
        b = Tensor(second.copy(), requires_grad=differentiate_second)
        tb = torch.tensor(second.copy(), requires_grad=differentiate_second)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = ours(a, b)
        loss.backward()
    expected = theirs(ta, tb)
    torch.autograd.backward(expected)
    assert loss.shape == ()
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(a.grad, torch_grad(ta), rtol=RTOL, atol=ATOL)
    if differentiate_second:
        np.testing.assert_allclose(b.grad, torch_grad(tb), rtol=RTOL, atol=ATOL)


SHAPES = [(5,), (4, 3), (2, 3, 2)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_mse(shape: tuple[int, ...]) -> None:
    compare_loss(mse, F.mse_loss, rng.standard_normal(shape), rng.standard_normal(shape))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_binary_cross_entropy(shape: tuple[int, ...]) -> None:
    p = rng.uniform(0.05, 0.95, shape)
    t = rng.uniform(0.0, 1.0, shape)
    compare_loss(binary_cross_entropy, F.binary_cross_entropy, p, t)


def test_binary_cross_entropy_clamps_log_at_minus_100() -> None:
    p = np.array([0.0, 1.0, 1e-50, 1.0 - 1e-16, 0.5])
    t = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    compare_loss(binary_cross_entropy, F.binary_cross_entropy, p, t, differentiate_second=False)
    loss = binary_cross_entropy(Tensor(np.array([0.0])), np.array([1.0]))
    assert loss.item() == 100.0  # not infinity


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_binary_cross_entropy_with_logits(shape: tuple[int, ...]) -> None:
    x = rng.standard_normal(shape) * 4
    t = rng.uniform(0.0, 1.0, shape)
    compare_loss(binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits, x, t)


def test_binary_cross_entropy_with_huge_logits_is_finite() -> None:
    x = np.array([1000.0, -1000.0, 800.0, -800.0, 0.0])
    t = np.array([0.0, 1.0, 1.0, 0.0, 0.5])
    compare_loss(binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits, x, t)
    loss = binary_cross_entropy_with_logits(Tensor(x), t)
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(2000.0 / 5 + np.log(2) / 5)


@pytest.mark.parametrize("batch, classes", [(1, 2), (6, 4), (32, 10)])
def test_cross_entropy_with_class_indices(batch: int, classes: int) -> None:
    logits = rng.standard_normal((batch, classes)) * 3
    labels = rng.integers(0, classes, batch)
    compare_loss(
        cross_entropy,
        lambda z, y: F.cross_entropy(z, y),
        logits,
        labels,
        differentiate_second=False,
    )


def test_cross_entropy_with_probability_targets() -> None:
    logits = rng.standard_normal((5, 3))
    targets = rng.dirichlet(np.ones(3), 5)
    compare_loss(cross_entropy, F.cross_entropy, logits, targets)
    onehot = np.eye(3)[[0, 2, 1, 1, 0]]
    compare_loss(cross_entropy, F.cross_entropy, logits, onehot)


def test_cross_entropy_one_sample() -> None:
    logits = np.array([0.5, -1.0, 2.0])
    z = Tensor(logits, requires_grad=True)
    loss = cross_entropy(z, np.array(2))
    tz = torch.tensor(logits, requires_grad=True)
    expected = F.cross_entropy(tz, torch.tensor(2))
    torch.autograd.backward(expected)
    loss.backward()
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=RTOL)
    np.testing.assert_allclose(z.grad, torch_grad(tz), rtol=RTOL, atol=ATOL)


def test_cross_entropy_is_stable_for_huge_logits() -> None:
    logits = np.array([[1000.0, 0.0, -1000.0], [0.0, 1e6, 0.0], [-1e300, 0.0, 1e300]])
    labels = np.array([1, 1, 2])
    compare_loss(cross_entropy, F.cross_entropy, logits, labels, differentiate_second=False)
    loss = cross_entropy(Tensor(logits), labels)
    assert loss.item() == pytest.approx(1000.0 / 3)


LOSSES: dict[str, tuple[Any, Any, Any]] = {
    "mse": (mse, F.mse_loss, rng.standard_normal((3, 2))),
    "bce": (
        lambda p, t: binary_cross_entropy(p.sigmoid(), t),
        lambda p, t: F.binary_cross_entropy(p.sigmoid(), t),
        rng.uniform(0.0, 1.0, (3, 2)),
    ),
    "bce_logits": (
        binary_cross_entropy_with_logits,
        F.binary_cross_entropy_with_logits,
        rng.uniform(0.0, 1.0, (3, 2)),
    ),
    "cross_entropy": (cross_entropy, F.cross_entropy, np.array([1, 0, 1])),
    "cross_entropy_soft": (cross_entropy, F.cross_entropy, rng.dirichlet(np.ones(2), 3)),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_hessian_vector_product_through_the_loss(name: str) -> None:
    ours, theirs, target = LOSSES[name]
    x = rng.standard_normal((3, 2))
    v = rng.standard_normal((3, 2))

    def f(z: Tensor) -> Tensor:
        loss: Tensor = ours(z.tanh() * 2.0, target)
        return loss

    def g(z: torch.Tensor) -> torch.Tensor:
        loss: torch.Tensor = theirs(z.tanh() * 2.0, torch.tensor(target))
        return loss

    _, expected = torch_functional.hvp(g, torch.tensor(x), torch.tensor(v))
    np.testing.assert_allclose(hvp(f, x, v), expected.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(
    "loss, what",
    [
        (mse, "prediction"),
        (binary_cross_entropy, "probabilities"),
        (binary_cross_entropy_with_logits, "logits"),
    ],
)
def test_shape_mismatch_names_both_shapes(loss: Any, what: str) -> None:
    with pytest.raises(ValueError) as error:
        loss(Tensor(np.full((4, 1), 0.5)), np.full(4, 0.5))
    message = str(error.value)
    assert loss.__name__ in message and what in message
    assert "(4, 1)" in message and "(4,)" in message


def test_cross_entropy_errors() -> None:
    z = Tensor(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(4,\).*\(5,\)"):
        cross_entropy(z, np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match=r"\[0, 3\).*\(4, 3\)"):
        cross_entropy(z, np.array([0, 1, 3, 0]))
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(4, 2\)"):
        cross_entropy(z, np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"\(2, 2, 3\)"):
        cross_entropy(Tensor(np.zeros((2, 2, 3))), np.zeros(2, dtype=int))


def test_losses_are_single_nodes() -> None:
    p = Tensor(np.ones(3), requires_grad=True)
    for loss in (mse(p, np.zeros(3)), cross_entropy(p.reshape(1, 3), np.array([0]))):
        assert loss.op is not None and len(loss.parents) in (1, 2)


def test_docstring_examples() -> None:
    from autograd_lite import losses

    results = doctest.testmod(losses)
    assert results.failed == 0 and results.attempted >= 18
