"""minitorch's tests/test_scalar.py, ported to ``Value``: each test function's value
against a float reference and its derivatives against central differences (step 1e-6),
with minitorch's tolerances (``is_close``: 1e-2; derivatives: rtol = atol = 1e-2).
42 of 42 tests ported (14 one-argument and 6 two-argument functions, twice each, plus
central differences and the simple operations).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd_lite import Value, grad

from .minitorch_math import (
    ONE_ARG,
    TWO_ARG,
    assert_close,
    peer_settings,
    relu,
    small_floats,
    smooth_at,
)

small_scalars = st.builds(Value, st.floats(min_value=-100, max_value=100))


def central_difference(
    f: Callable[..., Any], *vals: float, arg: int = 0, eps: float = 1e-6
) -> float:
    up = [v + eps if i == arg else v for i, v in enumerate(vals)]
    down = [v - eps if i == arg else v for i, v in enumerate(vals)]
    return (float(f(*up)) - float(f(*down))) / (2 * eps)


def derivative_check(f: Callable[..., Any], *scalars: Value) -> None:
    """minitorch's check: backward from f's output, then each input's derivative
    against a central difference (rtol = atol = 1e-2)."""
    out = f(*scalars)
    out.backward()

    def on_floats(*xs: float) -> float:
        return float(f(*[Value(x) for x in xs]).data)

    points = [x.data for x in scalars]
    for i, x in enumerate(scalars):
        assert x.grad is not None
        expected = central_difference(on_floats, *points, arg=i)
        np.testing.assert_allclose(x.grad, expected, 1e-2, 1e-2)


def test_central_diff() -> None:
    """minitorch checks its central difference on id, add, mul and exp; here the engine's
    derivatives of the same functions are checked against it."""
    assert_close(central_difference(lambda x: x, 5), grad(lambda x: x * 1.0)(5.0))
    assert_close(central_difference(lambda x, y: x + y, 5, 10, arg=0), 1.0)
    assert_close(
        central_difference(lambda x, y: x * y, 5, 10, arg=0), grad(lambda x, y: x * y)(5.0, 10.0)
    )
    assert_close(
        central_difference(lambda x, y: x * y, 5, 10, arg=1), grad(lambda x, y: x * y, 1)(5.0, 10.0)
    )
    assert_close(central_difference(np.exp, 2, arg=0), grad(lambda x: x.exp())(2.0))


@peer_settings
@given(small_floats, small_floats)
def test_simple(a: float, b: float) -> None:
    assert_close((Value(a) + Value(b)).data, a + b)
    assert_close((Value(a) * Value(b)).data, a * b)
    assert_close((Value(a).relu() + Value(b).relu()).data, relu(a) + relu(b))


@peer_settings
@given(small_scalars)
@pytest.mark.parametrize("name", list(ONE_ARG))
def test_one_args(name: str, t1: Value) -> None:
    base_fn, scalar_fn = ONE_ARG[name]
    assert_close(scalar_fn(t1).data, base_fn(t1.data))


@peer_settings
@given(small_scalars, small_scalars)
@pytest.mark.parametrize("name", list(TWO_ARG))
def test_two_args(name: str, t1: Value, t2: Value) -> None:
    base_fn, scalar_fn = TWO_ARG[name]
    assert_close(scalar_fn(t1, t2).data, base_fn(t1.data, t2.data))


@peer_settings
@given(small_scalars)
@pytest.mark.parametrize("name", list(ONE_ARG))
def test_one_derivative(name: str, t1: Value) -> None:
    assume(smooth_at(name, t1.data))
    derivative_check(ONE_ARG[name][1], t1)


@peer_settings
@given(small_scalars, small_scalars)
@pytest.mark.parametrize("name", list(TWO_ARG))
def test_two_derivative(name: str, t1: Value, t2: Value) -> None:
    assume(smooth_at(name, t1.data, t2.data))
    derivative_check(TWO_ARG[name][1], t1, t2)
