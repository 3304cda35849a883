"""Issue 14, item 10: huge Python ints follow IEEE (they round to inf); a Value meets a
Tensor by lifting (issue 17), and Tensor(...) given Values says how to combine them."""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np
import pytest

from autograd_lite import Tensor, Value

HUGE = 10**400  # no float64 holds it: the nearest one is inf


def test_value_of_a_huge_int_is_inf() -> None:
    assert Value(HUGE).data == math.inf
    assert Value(-HUGE).data == -math.inf


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (lambda: Value(2.0) ** HUGE, math.inf),
        (lambda: Value(0.5) ** HUGE, 0.0),
        (lambda: Value(2.0) ** Value(HUGE), math.inf),
        (lambda: HUGE ** Value(1.0), math.inf),
        (lambda: HUGE * Value(1.0), math.inf),
        (lambda: Value(2.0) - HUGE, -math.inf),
        (lambda: Value(2.0) / HUGE, 0.0),
    ],
)
def test_value_arithmetic_with_huge_ints_follows_ieee(expression: Any, expected: float) -> None:
    assert expression().data == expected


def test_value_power_with_huge_exponent_has_a_gradient() -> None:
    x = Value(2.0)
    (x**HUGE).backward()
    assert x.grad == math.inf


def test_value_comparison_with_a_huge_int() -> None:
    assert Value(1e308) < HUGE
    assert not Value(1.0) > HUGE


def test_tensor_of_huge_ints_is_inf() -> None:
    assert Tensor(HUGE).data.tolist() == math.inf
    np.testing.assert_array_equal(Tensor([1, -HUGE, 3]).data, [1.0, -math.inf, 3.0])
    assert Tensor([[HUGE], [2]]).data.dtype == np.float64


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (lambda: Tensor([2.0]) ** HUGE, [math.inf]),
        (lambda: Tensor([0.5]) ** HUGE, [0.0]),
        (lambda: HUGE ** Tensor([2.0]), [math.inf]),
        (lambda: Tensor([1.0]) + HUGE, [math.inf]),
        (lambda: Tensor([1.0]) - HUGE, [-math.inf]),
        (lambda: Tensor([2.0]) / HUGE, [0.0]),
        (lambda: Tensor(np.float32([1.0])) * HUGE, [math.inf]),
    ],
)
def test_tensor_arithmetic_with_huge_ints_follows_ieee(
    expression: Any, expected: list[float]
) -> None:
    np.testing.assert_array_equal(expression().data, expected)


def test_float32_tensor_keeps_its_dtype_with_a_huge_int() -> None:
    assert (Tensor(np.float32([1.0])) * HUGE).data.dtype == np.float32


def test_strings_and_none_are_still_refused_by_tensor() -> None:
    with pytest.raises(TypeError, match="real numbers"):
        Tensor([None])
    with pytest.raises(TypeError, match="real numbers"):
        Tensor(["a"])


MIXED = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]


@pytest.mark.parametrize("op", MIXED)
def test_tensor_with_value_lifts_the_value_and_its_gradient_flows_back(op: Any) -> None:
    for value_first in (False, True):
        v, t = Value(3.0), Tensor([1.0, 2.0], requires_grad=True)
        out = op(v, t) if value_first else op(t, v)
        expected = op(3.0, np.array([1.0, 2.0])) if value_first else op(np.array([1.0, 2.0]), 3.0)
        np.testing.assert_allclose(out.data, expected, rtol=1e-15)
        out.sum().backward()
        assert isinstance(v.grad, float) and v.grad != 0.0


def test_tensor_of_values_says_how_to_combine_the_kinds() -> None:
    for given in (Value(2.0), [Value(1.0), 2.0]):
        with pytest.raises(TypeError) as caught:
            Tensor(given)
        message = str(caught.value)
        assert "\n" not in message
        assert "tensor.as_tensor(v)" in message and "Tensor(v.data)" in message


def test_the_conversions_the_message_names_work() -> None:
    from autograd_lite.tensor import as_tensor

    v = Value(3.0)
    y = (as_tensor(v) * Tensor([1.0, 2.0])).sum()
    y.backward()
    assert v.grad == 3.0
    assert (Tensor([2.0]) + Tensor(v.data)).data.tolist() == [5.0]


def test_a_value_computed_from_values_takes_its_gradient_from_a_tensor_graph() -> None:
    # The Tensor loop of backward meets Value nodes inside the graph (not only leaves):
    # d/da sum(t * tanh(a*b)) = sum(t) * (1 - tanh(ab)^2) * b.
    a, b = Value(0.5), Value(-1.5)
    inner = (a * b).tanh()
    t = Tensor([1.0, 2.0, 4.0], requires_grad=True)
    (t * inner).sum().backward()
    slope = 1.0 - np.tanh(-0.75) ** 2
    assert a.grad == pytest.approx(7.0 * slope * -1.5, rel=1e-14)
    assert b.grad == pytest.approx(7.0 * slope * 0.5, rel=1e-14)
    np.testing.assert_allclose(t.grad, np.full(3, np.tanh(-0.75)), rtol=1e-15)
    assert isinstance(a.grad, float) and isinstance(t.grad, np.ndarray)
