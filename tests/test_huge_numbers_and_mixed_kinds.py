"""Issue 14, item 10: huge Python ints follow IEEE (they round to inf), and a Value mixed
with a Tensor gets one clear message saying how to combine them."""

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
def test_tensor_with_value_says_how_to_mix_them(op: Any) -> None:
    for left, right in ((Tensor([1.0, 2.0]), Value(3.0)), (Value(3.0), Tensor([1.0, 2.0]))):
        with pytest.raises(TypeError) as caught:
            op(left, right)
        message = str(caught.value)
        assert "\n" not in message
        assert "Tensor(v.data)" in message and "Value(t.item())" in message
        first, second = type(left).__name__, type(right).__name__
        assert f"cannot combine a {first} with a {second}" in message


def test_zero_d_tensor_is_not_silently_read_as_a_number_by_value() -> None:
    # Before, Value(1.0) + Tensor(2.0) gave Value(3.0), dropping the Tensor's graph.
    w = Tensor(2.0, requires_grad=True)
    with pytest.raises(TypeError, match="cannot combine a Value with a Tensor"):
        Value(1.0) + w
    with pytest.raises(TypeError, match="cannot combine a Tensor with a Value"):
        Tensor(Value(2.0))
    with pytest.raises(TypeError, match="cannot combine a Value with a Tensor"):
        Value(Tensor(2.0))


def test_the_conversions_the_message_names_work() -> None:
    v, t = Value(3.0), Tensor([2.0])
    assert (t + Tensor(v.data)).data.tolist() == [5.0]
    assert (Value(t.item()) + v).data == 5.0
