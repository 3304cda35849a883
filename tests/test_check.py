"""gradcheck: finite differences over every element, for Values and Tensors.

It must pass on correct rules (random compositions from hypothesis), and fail, loudly
and precisely, on wrong ones: a deliberately wrong derivative rule, a rule wrong at a
single element, NaN or infinite gradients.
"""

from __future__ import annotations

import doctest
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite.check import GradcheckError, GradcheckResult, gradcheck
from autograd_lite.engine import Op
from autograd_lite.tensor import Tensor, concatenate, linear, maximum, stack, where
from autograd_lite.value import Value

# ----------------------------------------------------------------------------- ops with wrong rules

# d(a^2)/da is 2a; this rule says a: wrong everywhere except at 0.
BAD_SQUARE = Op("bad_square", (lambda g, out, a: g * a,), ("d a^2/da = a (wrong)",))


def bad_square(t: Any) -> Any:
    """a^2 with the wrong derivative rule, for Values and Tensors."""
    if isinstance(t, Value):
        return Value(t.data**2, "", (t,), BAD_SQUARE)
    return Tensor(t.data**2, _parents=(t,), _op=BAD_SQUARE)


def _rule_wrong_at_one_element(g: Any, out: Any, a: Any) -> Any:
    right = g * (a * 2.0)
    if isinstance(right, np.ndarray) and right.shape == (2, 3):
        right = right.copy()
        right[1, 2] += 1e-3  # one element off by a thousandth
    return right


ALMOST_SQUARE = Op("almost_square", (_rule_wrong_at_one_element,))


# ----------------------------------------------------------------------------- passing


def test_passes_on_tensor_expressions() -> None:
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((2, 3)), rng.standard_normal(2)
    result = gradcheck(lambda x, w, b: linear(x, w, b).tanh().log_softmax().sum(), [x, w, b])
    assert result.ok and bool(result)
    assert result.checked == 12 + 6 + 2  # every element of every input
    assert result.failures == 0
    assert result.worst is not None and result.worst.abs_error < 1e-8


def test_passes_on_value_expressions() -> None:
    def f(x: Value, y: Value) -> Value:
        return (x * y.sin() + (x / y).exp() - y**x).tanh() + x.sigmoid() * y.log()

    result = gradcheck(f, [Value(0.7), 1.3])
    assert result.ok and result.checked == 2
    assert result.worst is not None and result.worst.input in (0, 1) and result.worst.index == ()


def test_accepts_a_single_input_and_float32_tensors() -> None:
    x = Tensor(np.linspace(-1, 1, 5).astype(np.float32))
    assert gradcheck(lambda t: (t * t.sigmoid()).sum(), x).ok  # checked in float64
    assert gradcheck(lambda v: v.cos() * v, 0.4).ok


def test_tensor_ops_with_broadcasting_and_indexing() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((4, 1, 3)), rng.uniform(0.5, 2.0, (2, 1))

    def f(a: Tensor, b: Tensor) -> Tensor:
        mixed = (a * b + a / b - b ** a.tanh()).softmax(axis=1)
        picked = mixed[[0, 0, 3], :, [2, 2, 1]]
        parts = concatenate([picked.reshape(-1), stack([b.sum(), b.mean()])])
        return (where(parts > 0.2, parts * 3, parts.exp()) + maximum(parts, 0.3)).sum()

    assert gradcheck(f, [a, b]).ok


# ----------------------------------------------------------------------------- failing


def test_catches_a_wrong_rule_on_tensors() -> None:
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    result = gradcheck(lambda t: (bad_square(t) * 3).sum(), [x])
    assert not result.ok and not bool(result)
    assert result.failures == 6 and result.checked == 6
    worst = result.worst
    assert worst is not None and worst.input == 0
    assert worst.index == (0, 2)  # largest |a| is the furthest from 2a
    assert worst.analytic == pytest.approx(6.0, rel=1e-12)  # 3 * a
    assert worst.numeric == pytest.approx(12.0, rel=1e-8)  # 3 * 2a
    assert worst.abs_error == pytest.approx(6.0, rel=1e-8)
    assert worst.rel_error == pytest.approx(0.5, rel=1e-8)


def test_catches_a_wrong_rule_on_values() -> None:
    result = gradcheck(lambda v, w: bad_square(v) * w, [Value(1.5), 2.0])
    assert not result.ok
    assert result.worst is not None and result.worst.input == 0
    assert result.worst.analytic == pytest.approx(3.0) and result.worst.numeric == pytest.approx(
        6.0, rel=1e-8
    )


def test_checks_every_element_and_names_the_one_that_is_wrong() -> None:
    x = np.random.default_rng(2).standard_normal((2, 3))

    def f(t: Tensor) -> Tensor:
        return Tensor(t.data**2, _parents=(t,), _op=ALMOST_SQUARE).sum()

    result = gradcheck(f, [x])
    assert not result.ok and result.failures == 1 and result.checked == 6
    assert result.worst is not None and result.worst.index == (1, 2)
    with pytest.raises(GradcheckError) as error:
        gradcheck(f, [x], raise_on_failure=True)
    message = str(error.value)
    assert "(1, 2)" in message and "input 0" in message
    assert repr(result.worst.analytic) in message and repr(result.worst.numeric) in message


def test_raise_on_failure_is_silent_when_correct() -> None:
    result = gradcheck(lambda t: (t**3).sum(), [np.ones(3)], raise_on_failure=True)
    assert isinstance(result, GradcheckResult) and result.ok
    assert "passed" in str(result)


@pytest.mark.parametrize(
    "f, point",
    [
        (lambda t: t.sqrt().sum(), np.array([1.0, 0.0])),  # analytic inf at 0, numeric nan
        (lambda t: t.log().sum(), np.array([-1.0, 2.0])),  # nan everywhere near -1
        (lambda v: v.sqrt(), 0.0),
    ],
    ids=["sqrt-at-0", "log-negative", "value-sqrt-at-0"],
)
def test_nan_or_infinity_is_a_failure_never_a_pass(f: Callable[..., Any], point: Any) -> None:
    result = gradcheck(f, [point])
    assert not result.ok
    worst = result.worst
    assert worst is not None
    assert not (math.isfinite(worst.analytic) and math.isfinite(worst.numeric))
    with pytest.raises(GradcheckError, match="gradcheck failed"):
        gradcheck(f, [point], raise_on_failure=True)


def test_nan_in_both_gradients_still_fails() -> None:
    nan_op = Op("nan_grad", (lambda g, out, a: g * np.nan,))
    result = gradcheck(
        lambda t: Tensor(np.full(t.shape, np.nan), _parents=(t,), _op=nan_op).sum(), [np.ones(2)]
    )
    assert not result.ok and result.failures == 2


def test_tolerances_are_honoured() -> None:
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])

    def f(t: Tensor) -> Tensor:
        return Tensor(t.data**2, _parents=(t,), _op=ALMOST_SQUARE).sum()

    assert not gradcheck(f, [x]).ok
    assert gradcheck(f, [x], atol=1e-2).ok  # an error of 1e-3 is within 1e-2


def test_rejects_non_scalar_functions_and_unknown_inputs() -> None:
    with pytest.raises(ValueError, match="scalar"):
        gradcheck(lambda t: t * 2, [np.ones(3)])
    with pytest.raises(TypeError, match="str"):
        gradcheck(lambda t: t, ["x"])


# ----------------------------------------------------------------------------- random compositions

SHAPES = [(), (3,), (2, 3), (1, 3), (2, 1), (4, 2, 3)]

UNARY: dict[str, Callable[[Any], Any]] = {
    "tanh": lambda t: t.tanh(),
    "sigmoid": lambda t: t.sigmoid(),
    "exp-tanh": lambda t: t.tanh().exp(),
    "log-1+x^2": lambda t: (t * t + 1.0).log(),
    "sqrt-1+x^2": lambda t: (t * t + 1.0).sqrt(),
    "neg": lambda t: -t,
    "scale": lambda t: t * 0.7 - 0.1,
    "recip": lambda t: 1.0 / (t * t + 1.0),
    "softmax": lambda t: t.softmax(),
    "log_softmax": lambda t: t.log_softmax(),
    "leaky_relu": lambda t: t.leaky_relu(0.1),
    "transpose": lambda t: t.T,
    "sum-keep": lambda t: t.sum(axis=-1, keepdims=True) if t.ndim else t,
    "mean-0": lambda t: t.mean(axis=0) if t.ndim else t,
    "flat-reverse": lambda t: t.reshape(-1)[::-1],
    "pick-repeat": lambda t: t[[0, 0]] if t.ndim else t,
}

BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "pow": lambda a, b: (a * a + 1.0) ** b.tanh(),
    "where": lambda a, b: where(a > b, a * 2.0, b),
}


@st.composite
def programs(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...], list[Any], int]:
    x_shape = draw(st.sampled_from(SHAPES))
    y_shape = draw(st.sampled_from(SHAPES))
    steps = draw(
        st.lists(
            st.one_of(
                st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY))),
                st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)), st.booleans()),
            ),
            min_size=1,
            max_size=5,
        )
    )
    seed = draw(st.integers(0, 2**32 - 1))
    return x_shape, y_shape, steps, seed


def run(steps: list[Any], x: Tensor, y: Tensor) -> Tensor:
    out = x
    for step in steps:
        if step[0] == "unary":
            out = UNARY[step[1]](out)
        else:
            other = y if _broadcastable(out.shape, y.shape) else y.mean()
            a, b = (out, other) if step[2] else (other, out)
            out = BINARY[step[1]](a, b)
    return out


def _broadcastable(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


@settings(max_examples=60, deadline=None)
@given(programs())
def test_gradcheck_passes_on_random_compositions(program: Any) -> None:
    x_shape, y_shape, steps, seed = program
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(x_shape), rng.standard_normal(y_shape)
    # random output weights, so a rule that is only right for a gradient of ones fails
    weights = rng.standard_normal(_output_shape(steps, x, y))
    result = gradcheck(
        lambda a, b: (run(steps, a, b) * weights).sum(), [x, y], rtol=1e-5, atol=1e-7
    )
    assert result.ok, str(result)


def _output_shape(steps: list[Any], x: np.ndarray, y: np.ndarray) -> tuple[int, ...]:
    return run(steps, Tensor(x), Tensor(y)).shape


VALUE_UNARY: dict[str, Callable[[Any], Any]] = {
    "tanh": lambda v: v.tanh(),
    "sigmoid": lambda v: v.sigmoid(),
    "sin": lambda v: v.sin(),
    "cos": lambda v: v.cos(),
    "exp-tanh": lambda v: v.tanh().exp(),
    "log-1+x^2": lambda v: (v * v + 1).log(),
    "sqrt-1+x^2": lambda v: (v * v + 1).sqrt(),
    "neg": lambda v: -v,
}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(sorted(VALUE_UNARY)), min_size=1, max_size=6),
    st.floats(-2.0, 2.0),
    st.floats(0.5, 2.0),
)
def test_gradcheck_passes_on_random_value_compositions(
    names: list[str], x: float, y: float
) -> None:
    def f(a: Value, b: Value) -> Value:
        out = a
        for i, name in enumerate(names):
            out = VALUE_UNARY[name](out)
            out = out * b if i % 2 else out + b / (out * out + 1)
        return out

    result = gradcheck(f, [x, y], rtol=1e-5, atol=1e-7)
    assert result.ok, str(result)


def test_docstring_examples() -> None:
    from autograd_lite import check

    results = doctest.testmod(check)
    assert results.failed == 0 and results.attempted >= 5
