"""The elementwise functions of issue 17 on both node kinds, against PyTorch in float64.

Every function is checked three ways: its value, first and second derivative against
PyTorch (float64, on Values and on Tensors, including PyTorch's values at the edges:
outside the domain, at its boundary, at infinities, at kinks and jumps), its derivatives
against central differences at points drawn by hypothesis, and forward mode against
reverse mode.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite as al
from autograd_lite import Tensor, Value, grad, jacfwd, jacrev, jvp

EDGES = [-math.inf, -2.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 2.0, 1e-300, math.inf, math.nan]

# name -> (torch function, interval where the function is smooth, for sampled points)
UNARY: dict[str, tuple[Callable[[Any], Any], tuple[float, float]]] = {
    "sin": (torch.sin, (-6.0, 6.0)),
    "cos": (torch.cos, (-6.0, 6.0)),
    "sign": (torch.sign, (0.1, 5.0)),
    "log2": (torch.log2, (0.1, 10.0)),
    "log10": (torch.log10, (0.1, 10.0)),
    "log1p": (torch.log1p, (-0.9, 10.0)),
    "expm1": (torch.expm1, (-5.0, 5.0)),
    "exp2": (torch.exp2, (-5.0, 5.0)),
    "tan": (torch.tan, (-1.4, 1.4)),
    "sinh": (torch.sinh, (-5.0, 5.0)),
    "cosh": (torch.cosh, (-5.0, 5.0)),
    "arcsin": (torch.asin, (-0.95, 0.95)),
    "arccos": (torch.acos, (-0.95, 0.95)),
    "arctan": (torch.atan, (-5.0, 5.0)),
    "arcsinh": (torch.asinh, (-5.0, 5.0)),
    "arccosh": (torch.acosh, (1.05, 10.0)),
    "arctanh": (torch.atanh, (-0.95, 0.95)),
    "sinc": (torch.sinc, (0.05, 3.0)),
    "deg2rad": (torch.deg2rad, (-360.0, 360.0)),
    "rad2deg": (torch.rad2deg, (-7.0, 7.0)),
}

# name -> (torch function, how a two-argument call is written on our nodes)
BINARY: dict[str, tuple[Callable[[Any, Any], Any], Callable[[Any, Any], Any]]] = {
    "%": (torch.remainder, lambda a, b: a % b),
    "arctan2": (torch.atan2, lambda a, b: al.arctan2(a, b)),
    "hypot": (torch.hypot, lambda a, b: al.hypot(a, b)),
    "maximum": (torch.maximum, lambda a, b: al.maximum(a, b)),
    "minimum": (torch.minimum, lambda a, b: al.minimum(a, b)),
}


def torch_value_grad_second(fn: Callable[[Any], Any], x: float) -> tuple[float, float, float]:
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = fn(t)
    (d1,) = torch.autograd.grad(y, t, create_graph=True)
    d2 = torch.autograd.grad(d1, t, allow_unused=True)[0] if d1.requires_grad else None
    return y.item(), d1.item(), (0.0 if d2 is None else d2.item())


def same(ours: Any, theirs: Any, rtol: float = 1e-12) -> None:
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-300, equal_nan=True)


# ----------------------------------------------------------------------------- against PyTorch


@pytest.mark.parametrize("name", list(UNARY))
def test_value_function_matches_torch_value_first_and_second_derivative(name: str) -> None:
    torch_fn, (low, high) = UNARY[name]
    for x in np.linspace(low, high, 7):
        y, d1, d2 = torch_value_grad_second(torch_fn, float(x))
        v = Value(float(x))
        out = getattr(v, name)()
        same(out.data, y)
        same(grad(lambda a: getattr(a, name)())(float(x)), d1)
        same(grad(grad(lambda a: getattr(a, name)()))(float(x)), d2, rtol=1e-10)


@pytest.mark.parametrize("name", list(UNARY))
def test_tensor_function_matches_torch_elementwise_with_second_derivative(name: str) -> None:
    torch_fn, (low, high) = UNARY[name]
    x = np.linspace(low, high, 12).reshape(3, 4)
    t = torch.tensor(x, requires_grad=True)
    y = torch_fn(t)
    (d1,) = torch.autograd.grad(y.sum(), t, create_graph=True)
    d2 = torch.autograd.grad(d1.sum(), t)[0] if d1.requires_grad else torch.zeros_like(t)
    ours = getattr(Tensor(x), name)()
    same(ours.data, y.detach().numpy())
    same(grad(lambda a: getattr(a, name)().sum())(x), d1.detach().numpy())
    second = grad(lambda a: grad(lambda b: getattr(b, name)().sum())(a).sum())(x)
    same(second, d2.numpy(), rtol=1e-10)


@pytest.mark.parametrize("name", list(UNARY))
def test_values_at_the_edges_are_torch_values(name: str) -> None:
    """Outside the domain, at its boundary, at 0, at infinities and nan: value and
    derivative as PyTorch gives them (e.g. d arcsin/da = inf at 1, d sign/da = 0 at 0)."""
    torch_fn, _ = UNARY[name]
    t = torch.tensor(EDGES, dtype=torch.float64, requires_grad=True)
    y = torch_fn(t)
    (d1,) = torch.autograd.grad(y.sum(), t)
    for i, x in enumerate(EDGES):
        v = Value(x)
        out = getattr(v, name)()
        out.backward()
        same(out.data, y[i].item())
        same(v.grad, d1[i].item())
    tensor = Tensor(np.array(EDGES), requires_grad=True)
    out = getattr(tensor, name)()
    out.backward(np.ones(len(EDGES)))
    same(out.data, y.detach().numpy())
    same(tensor.grad, d1.numpy())


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_functions_match_torch_with_edges_and_ties(name: str) -> None:
    torch_fn, ours = BINARY[name]
    values = [-3.0, -1.5, -0.0, 0.0, 1.5, 3.0, 7.0, math.inf, -math.inf]
    pairs = [(a, b) for a in values for b in values]
    a_t = torch.tensor([p[0] for p in pairs], dtype=torch.float64, requires_grad=True)
    b_t = torch.tensor([p[1] for p in pairs], dtype=torch.float64, requires_grad=True)
    y = torch_fn(a_t, b_t)
    da, db = torch.autograd.grad(y.sum(), (a_t, b_t))
    for i, (a, b) in enumerate(pairs):
        va, vb = Value(a), Value(b)
        out = ours(va, vb)
        out.backward()
        same(out.data, y[i].item())
        same((va.grad, vb.grad), (da[i].item(), db[i].item()))
    ta = Tensor(np.array([p[0] for p in pairs]), requires_grad=True)
    tb = Tensor(np.array([p[1] for p in pairs]), requires_grad=True)
    out = ours(ta, tb)
    out.backward(np.ones(len(pairs)))
    same(out.data, y.detach().numpy())
    same(ta.grad, da.numpy())
    same(tb.grad, db.numpy())


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_functions_broadcast_and_second_derivatives_match_torch(name: str) -> None:
    torch_fn, ours = BINARY[name]
    rng = np.random.default_rng(5)
    a = rng.uniform(0.5, 4.0, (3, 4))
    b = rng.uniform(-3.0, -0.7, (4,)) if name != "hypot" else rng.uniform(0.5, 3.0, (4,))
    at, bt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    y = torch_fn(at, bt)
    g = torch.autograd.grad((y * y).sum(), (at, bt), create_graph=True)
    h = torch.autograd.grad(sum(x.sum() for x in g if x.requires_grad), (at, bt), allow_unused=True)

    def f(x: Any, z: Any) -> Any:
        out = ours(x, z)
        return (out * out).sum()

    ga, gb = grad(f, argnums=(0, 1))(a, b)
    same(ga, g[0].detach().numpy())
    same(gb, g[1].detach().numpy())
    second = grad(lambda x, z: sum(part.sum() for part in grad(f, (0, 1))(x, z)), (0, 1))(a, b)
    for ours_h, theirs_h in zip(second, h):
        same(ours_h, np.zeros_like(ours_h) if theirs_h is None else theirs_h.numpy(), 1e-10)


# ----------------------------------------------------------------------------- central differences


def central(f: Callable[[float], float], x: float, h: float = 1e-6) -> float:
    return (f(x + h) - f(x - h)) / (2 * h)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.data())
@pytest.mark.parametrize("name", list(UNARY))
def test_derivatives_match_central_differences(name: str, data: st.DataObject) -> None:
    _, (low, high) = UNARY[name]
    x = data.draw(st.floats(low, high))
    f = grad(lambda a: getattr(a, name)())
    value = lambda a: getattr(Value(a), name)().data  # noqa: E731
    assert f(x) == pytest.approx(central(value, x), rel=1e-6, abs=1e-6)
    assert grad(f)(x) == pytest.approx(central(f, x), rel=1e-5, abs=1e-5)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.floats(0.3, 5.0), st.floats(0.3, 5.0))
@pytest.mark.parametrize("name", ["arctan2", "hypot", "%"])
def test_binary_derivatives_match_central_differences(name: str, a: float, b: float) -> None:
    _, ours = BINARY[name]
    if name == "%" and abs(a / b - round(a / b)) < 1e-3:
        return  # a jump of the remainder: no derivative to compare with
    da, db = grad(ours, argnums=(0, 1))(a, b)
    assert da == pytest.approx(central(lambda x: ours(Value(x), b).data, a), rel=1e-6, abs=1e-6)
    assert db == pytest.approx(central(lambda y: ours(a, Value(y)).data, b), rel=1e-6, abs=1e-6)


# ----------------------------------------------------------------------------- conventions


def test_kinks_and_jumps_take_torch_conventions() -> None:
    assert grad(abs)(0.0) == 0.0 and grad(lambda x: x.sign())(0.0) == 0.0
    assert grad(lambda x: x.arcsin())(1.0) == math.inf
    assert grad(lambda x: x.arccos())(-1.0) == -math.inf
    assert grad(lambda x: x.sinc())(0.0) == 0.0
    assert grad(al.maximum, argnums=(0, 1))(2.0, 2.0) == (0.5, 0.5)
    assert grad(al.minimum, argnums=(0, 1))(2.0, 2.0) == (0.5, 0.5)
    # the remainder at a jump: a % b = a - b*floor(a/b) with floor(6/3) = 2
    assert grad(lambda a, b: a % b, argnums=(0, 1))(6.0, 3.0) == (1.0, -2.0)
    assert (Value(-5.0) % 3).data == 1.0 and (Value(5.0) % -3).data == -1.0
    assert math.isnan((Value(5.0) % 0).data)


def test_module_functions_take_numbers_arrays_values_and_tensors() -> None:
    for name, (_, (low, high)) in UNARY.items():
        fn = getattr(al, name)
        x = np.array([low, high])
        number, array = fn(low), fn(x)
        assert float(number) == pytest.approx(getattr(Value(low), name)().data, rel=1e-15)
        np.testing.assert_allclose(array, getattr(Tensor(x), name)().data, rtol=1e-15)
        assert isinstance(fn(Value(low)), Value) and isinstance(fn(Tensor(x)), Tensor)
    assert al.arctan2(1.0, 1.0) == pytest.approx(math.pi / 4)
    assert isinstance(al.hypot(Value(3.0), 4.0), Value) and al.hypot(Value(3.0), 4.0).data == 5.0
    lifted = al.hypot(Value(3.0), np.array([4.0, 0.0]))
    assert isinstance(lifted, Tensor)
    np.testing.assert_allclose(lifted.data, [5.0, 3.0])


def test_numpy_functions_on_values_are_value_methods() -> None:
    x = Value(0.3)
    y = np.sin(x) * np.exp(x) + np.arctan2(x, 2.0)
    assert isinstance(y, Value)
    y.backward()
    expected = math.cos(0.3) * math.exp(0.3) + math.sin(0.3) * math.exp(0.3) + 2.0 / (0.09 + 4)
    assert x.grad == pytest.approx(expected, rel=1e-14)
    assert isinstance(np.float64(2.0) * x, Value)


# ----------------------------------------------------------------------------- forward mode


@pytest.mark.parametrize("name", list(UNARY))
def test_forward_mode_equals_reverse_mode_for_every_function(name: str) -> None:
    _, (low, high) = UNARY[name]
    x = np.linspace(low, high, 5)
    f = lambda a: getattr(a, name)() * a  # noqa: E731
    np.testing.assert_allclose(jacfwd(f)(x), jacrev(f)(x), rtol=1e-13, atol=1e-300)
    point = float(x[2])
    assert jvp(f, (point,), (1.0,))[1] == pytest.approx(grad(f)(point), rel=1e-13)


@pytest.mark.parametrize("name", list(BINARY))
def test_forward_mode_of_binary_functions_with_broadcasting(name: str) -> None:
    _, ours = BINARY[name]
    b = np.array([0.7, 1.9, 2.5])

    def f(a: Any) -> Any:
        return ours(a, b) * ours(b, a)

    a = np.array([[1.1], [2.3]])
    np.testing.assert_allclose(jacfwd(f)(a), jacrev(f)(a), rtol=1e-13, atol=1e-300)


def test_docstring_examples() -> None:
    import doctest

    from autograd_lite import elementwise

    results = doctest.testmod(elementwise)
    assert results.failed == 0 and results.attempted >= 3


def test_the_named_methods_exist_on_both_kinds_and_agree_with_the_module_functions() -> None:
    # The command line's parser takes exactly these names, so each must be a method of
    # Value and of Tensor, and give what the module-level function gives.
    y = 0.7
    for name in al.elementwise.METHODS_OF_ONE:
        x = 1.3 if name == "arccosh" else 0.3  # inside every function's domain
        function = getattr(al, "absolute" if name == "abs" else name)
        on_value = getattr(Value(x), name)().data
        on_tensor = float(getattr(Tensor(np.array(x)), name)().data)
        assert on_value == pytest.approx(on_tensor, rel=1e-15), name
        assert float(function(x)) == pytest.approx(on_value, rel=1e-15), name
    x = 0.3
    for name in al.elementwise.METHODS_OF_TWO:
        on_value = getattr(Value(x), name)(Value(y)).data
        on_tensor = float(getattr(Tensor(np.array(x)), name)(Tensor(np.array(y))).data)
        assert on_value == pytest.approx(on_tensor, rel=1e-15), name
        assert float(getattr(al, name)(x, y)) == pytest.approx(on_value, rel=1e-15), name
    assert "abs" not in al.elementwise.__all__ and "absolute" in al.elementwise.__all__
    assert all(hasattr(al.elementwise, name) for name in al.elementwise.__all__)
