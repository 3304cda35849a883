"""Every Tensor op against PyTorch (CPU, float64), forward and backward.

Each case builds the same expression twice, on our Tensors and on ``torch.Tensor``s
holding the same numbers, runs backward with the same random upstream gradient (not
just ones: a rule that is right only for ones would pass), and compares the output and
the gradient of every input, element by element: relative 1e-12 in float64, 1e-5 in
float32.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograd_lite.tensor import Tensor, concatenate, linear, maximum, stack, where

SHAPES = [(), (3,), (2, 3), (1, 3), (2, 1), (4, 2, 3)]
PAIRS = list(itertools.product(SHAPES, SHAPES))
TOLERANCE = {np.float64: (1e-12, 1e-14), np.float32: (1e-5, 1e-6)}

Builder = Callable[..., Any]


def shape_id(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, shape)) if shape else "scalar"


def pair_id(pair: tuple[tuple[int, ...], tuple[int, ...]]) -> str:
    return f"{shape_id(pair[0])}-{shape_id(pair[1])}"


def data(shape: tuple[int, ...], seed: int, kind: str = "normal") -> np.ndarray:
    """Reproducible inputs that stay away from the points where an op is not smooth."""
    rng = np.random.default_rng(seed)
    if kind == "positive":  # log, sqrt, bases of powers
        return np.asarray(rng.uniform(0.5, 2.0, shape))
    if kind == "nonzero":  # denominators
        return np.asarray(rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape))
    return np.asarray(rng.standard_normal(shape))


def compare(
    ours: Builder,
    theirs: Builder,
    *arrays: np.ndarray,
    dtype: Any = np.float64,
    seed: int = 99,
) -> None:
    """Check ``ours(*tensors)`` against ``theirs(*torch_tensors)``: output and every gradient."""
    rtol, atol = TOLERANCE[dtype]
    arrays = tuple(np.asarray(a, dtype=dtype) for a in arrays)
    mine = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    reference = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    out = ours(*mine)
    expected = theirs(*reference)
    assert out.shape == tuple(expected.shape)
    assert str(out.dtype) == str(expected.dtype).removeprefix("torch.")  # same promotion
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=rtol, atol=atol)

    upstream = np.random.default_rng(seed).standard_normal(out.shape).astype(dtype)
    out.backward(upstream)
    expected.backward(torch.tensor(upstream))
    for i, (t, r) in enumerate(zip(mine, reference)):
        want = r.grad.numpy() if r.grad is not None else np.zeros(r.shape, dtype=dtype)
        assert t.grad is not None, f"input {i} got no gradient"
        assert type(t.grad) is np.ndarray and t.grad.shape == t.shape
        assert t.grad.dtype == dtype
        np.testing.assert_allclose(t.grad, want, rtol=rtol, atol=atol, err_msg=f"input {i}")


# ----------------------------------------------------------------------------- binary ops

BINARY: dict[str, tuple[Builder, Builder, str, str]] = {
    # name: (ours, torch, kind of first input, kind of second input)
    "add": (lambda a, b: a + b, lambda a, b: a + b, "normal", "normal"),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, "normal", "normal"),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, "normal", "normal"),
    "div": (lambda a, b: a / b, lambda a, b: a / b, "normal", "nonzero"),
    "pow": (lambda a, b: a**b, lambda a, b: a**b, "positive", "normal"),
    "maximum": (maximum, torch.maximum, "normal", "normal"),
}


@pytest.mark.parametrize("pair", PAIRS, ids=pair_id)
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_op_broadcasting(name: str, pair: tuple[tuple[int, ...], ...]) -> None:
    ours, theirs, kind_a, kind_b = BINARY[name]
    shape_a, shape_b = pair
    compare(ours, theirs, data(shape_a, 1, kind_a), data(shape_b, 2, kind_b))


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_op_float32(name: str) -> None:
    ours, theirs, kind_a, kind_b = BINARY[name]
    compare(ours, theirs, data((4, 2, 3), 1, kind_a), data((2, 1), 2, kind_b), dtype=np.float32)


@pytest.mark.parametrize(
    "name, ours, theirs, kind",
    [
        ("tensor+number", lambda a: a + 2.5, lambda a: a + 2.5, "normal"),
        ("number+tensor", lambda a: 2.5 + a, lambda a: 2.5 + a, "normal"),
        ("number-tensor", lambda a: 2.5 - a, lambda a: 2.5 - a, "normal"),
        ("number*tensor", lambda a: -1.5 * a, lambda a: -1.5 * a, "normal"),
        ("number/tensor", lambda a: 3.0 / a, lambda a: 3.0 / a, "nonzero"),
        ("tensor/number", lambda a: a / 4.0, lambda a: a / 4.0, "normal"),
        ("tensor**2", lambda a: a**2, lambda a: a**2, "normal"),
        ("tensor**3 negative base", lambda a: a**3, lambda a: a**3, "nonzero"),
        ("tensor**-1.5", lambda a: a**-1.5, lambda a: a**-1.5, "positive"),
        ("tensor**0", lambda a: a**0, lambda a: a**0, "normal"),
        ("number**tensor", lambda a: 2.0**a, lambda a: 2.0**a, "normal"),
        (
            "tensor*ndarray",
            lambda a: a * np.arange(3.0),
            lambda a: a * torch.arange(3.0, dtype=torch.float64),
            "normal",
        ),
        (
            "ndarray-tensor",
            lambda a: np.arange(3.0) - a,
            lambda a: torch.arange(3.0, dtype=torch.float64) - a,
            "normal",
        ),
        ("tensor used twice", lambda a: a * a + a, lambda a: a * a + a, "normal"),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_mixed_operands(name: str, ours: Builder, theirs: Builder, kind: str, dtype: Any) -> None:
    compare(ours, theirs, data((2, 3), 3, kind), dtype=dtype)


def test_tensor_power_tensor_with_negative_base_and_zero_base() -> None:
    # PyTorch's conventions at the edges: d(a^b)/db = 0 where a == 0 and b >= 0, and the
    # exponent's gradient is nan for a negative base (log of a negative number).
    a = np.array([0.0, 0.0, -2.0, 1.5])
    b = np.array([2.0, 0.0, 2.0, 0.0])
    compare(lambda x, y: x**y, lambda x, y: x**y, a, b)


# ----------------------------------------------------------------------------- unary ops

UNARY: dict[str, tuple[Builder, Builder, str]] = {
    "neg": (lambda a: -a, lambda a: -a, "normal"),
    "abs": (lambda a: a.abs(), torch.abs, "normal"),
    "abs-builtin": (abs, torch.abs, "normal"),
    "exp": (lambda a: a.exp(), torch.exp, "normal"),
    "log": (lambda a: a.log(), torch.log, "positive"),
    "log1p": (lambda a: a.log1p(), torch.log1p, "positive"),
    "sqrt": (lambda a: a.sqrt(), torch.sqrt, "positive"),
    "tanh": (lambda a: a.tanh(), torch.tanh, "normal"),
    "sigmoid": (lambda a: a.sigmoid(), torch.sigmoid, "normal"),
    "relu": (lambda a: a.relu(), torch.relu, "normal"),
    "leaky_relu": (lambda a: a.leaky_relu(), F.leaky_relu, "normal"),
    "leaky_relu-0.2": (lambda a: a.leaky_relu(0.2), lambda a: F.leaky_relu(a, 0.2), "normal"),
    "softmax": (lambda a: a.softmax(), lambda a: torch.softmax(a, -1), "normal"),
    "log_softmax": (lambda a: a.log_softmax(), lambda a: torch.log_softmax(a, -1), "normal"),
    "sum": (lambda a: a.sum(), torch.sum, "normal"),
    "mean": (lambda a: a.mean(), torch.mean, "normal"),
    "max": (lambda a: a.max(), torch.amax, "normal"),
    "T": (lambda a: a.T, lambda a: a.permute(tuple(reversed(range(a.ndim)))), "normal"),
    "transpose": (
        lambda a: a.transpose(),
        lambda a: a.permute(tuple(reversed(range(a.ndim)))),
        "normal",
    ),
    "reshape-flat": (lambda a: a.reshape(-1), lambda a: a.reshape(-1), "normal"),
}


@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_op(name: str, shape: tuple[int, ...]) -> None:
    ours, theirs, kind = UNARY[name]
    compare(ours, theirs, data(shape, 5, kind))


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_op_float32(name: str) -> None:
    ours, theirs, kind = UNARY[name]
    compare(ours, theirs, data((4, 2, 3), 5, kind), dtype=np.float32)


def test_unary_ops_at_extremes() -> None:
    x = np.array([-1000.0, -745.0, -720.0, -40.0, -1e-300, 0.0, 1e-300, 40.0, 720.0, 1000.0])
    for ours, theirs in [
        (lambda a: a.sigmoid(), torch.sigmoid),
        (lambda a: a.tanh(), torch.tanh),
        (lambda a: a.relu(), torch.relu),
        (lambda a: a.softmax(), lambda a: torch.softmax(a, -1)),
        (lambda a: a.log_softmax(), lambda a: torch.log_softmax(a, -1)),
    ]:
        compare(ours, theirs, x)


# ----------------------------------------------------------------------------- reductions


def reduction_axes(shape: tuple[int, ...]) -> list[Any]:
    ndim = len(shape)
    axes: list[Any] = [None]
    if ndim >= 1:
        axes += [0, -1]
    if ndim >= 2:
        axes += [1, (0, 1), (0, -1), (-1, 0)]
    if ndim >= 3:
        axes += [-2, (0, 2), (1, 2), (0, 1, 2)]
    return axes


REDUCTION_CASES = [
    (shape, axis, keepdims)
    for shape in SHAPES
    for axis in reduction_axes(shape)
    for keepdims in (False, True)
]


def torch_dims(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


@pytest.mark.parametrize(
    "shape, axis, keepdims",
    REDUCTION_CASES,
    ids=[f"{shape_id(s)}-axis{a}-keep{k}" for s, a, k in REDUCTION_CASES],
)
@pytest.mark.parametrize("name", ["sum", "mean", "max"])
def test_reduction(name: str, shape: tuple[int, ...], axis: Any, keepdims: bool) -> None:
    dims = torch_dims(axis, len(shape))
    torch_fn = getattr(torch, {"sum": "sum", "mean": "mean", "max": "amax"}[name])
    compare(
        lambda a: getattr(a, name)(axis=axis, keepdims=keepdims),
        lambda a: torch_fn(a, dim=dims, keepdim=keepdims),
        data(shape, 7),
    )


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_max_splits_gradient_among_ties(axis: Any, keepdims: bool) -> None:
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [5.0, -1.0, 5.0]])
    compare(
        lambda a: a.max(axis=axis, keepdims=keepdims),
        lambda a: torch.amax(a, dim=torch_dims(axis, 2), keepdim=keepdims),
        x,
    )


def test_maximum_splits_gradient_on_ties() -> None:
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([1.0, 5.0, 3.0, 0.0])
    compare(maximum, torch.maximum, a, b)


@pytest.mark.parametrize("shape", [s for s in SHAPES if len(s) >= 1], ids=shape_id)
@pytest.mark.parametrize("axis", [0, -1, None])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_axes(name: str, axis: Any, shape: tuple[int, ...]) -> None:
    def theirs(a: torch.Tensor) -> torch.Tensor:
        fn = torch.softmax if name == "softmax" else torch.log_softmax
        if axis is None:
            return fn(a.reshape(-1), 0).reshape(a.shape)
        return fn(a, axis)

    compare(lambda a: getattr(a, name)(axis), theirs, data(shape, 11) * 5)


def test_softmax_of_huge_logits_is_stable() -> None:
    x = np.array([[1000.0, 0.0, -1000.0], [1e5, 1e5, 1e5]])
    compare(lambda a: a.softmax(), lambda a: torch.softmax(a, -1), x)
    compare(lambda a: a.log_softmax(), lambda a: torch.log_softmax(a, -1), x)


# ----------------------------------------------------------------------------- matmul and linear

MATMUL_PAIRS = [
    ((3,), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3,)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((1, 2, 3), (5, 3, 4)),
    ((5, 1, 2, 3), (4, 3, 2)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)),
    ((1, 3), (3, 1)),
    ((4, 1), (1, 3)),  # an outer product: NumPy's @ does not use BLAS for it, np.dot does
    ((4, 3), (3, 1)),  # a matrix times a column (the last layer of a regression network)
]


@pytest.mark.parametrize("pair", MATMUL_PAIRS, ids=pair_id)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_matmul(pair: tuple[tuple[int, ...], ...], dtype: Any) -> None:
    compare(lambda a, b: a @ b, lambda a, b: a @ b, data(pair[0], 1), data(pair[1], 2), dtype=dtype)


def test_matmul_with_ndarray_operands() -> None:
    w = data((3, 4), 3)
    compare(lambda a: a @ w, lambda a: a @ torch.tensor(w), data((2, 3), 1))
    compare(lambda a: w.T @ a, lambda a: torch.tensor(w.T) @ a, data((3, 2), 1))


@pytest.mark.parametrize("x_shape", [(3,), (4, 3), (2, 4, 3)], ids=shape_id)
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_linear(x_shape: tuple[int, ...], bias: bool, dtype: Any) -> None:
    arrays = [data(x_shape, 1), data((5, 3), 2)] + ([data((5,), 3)] if bias else [])
    compare(lambda *a: linear(*a), lambda *a: F.linear(*a), *arrays, dtype=dtype)


# ----------------------------------------------------------------------------- shapes and indexing


@pytest.mark.parametrize(
    "shape, new_shape",
    [((2, 3), (3, 2)), ((4, 2, 3), (8, 3)), ((4, 2, 3), (-1,)), ((3,), (1, 3, 1)), ((), (1, 1))],
    ids=str,
)
def test_reshape(shape: tuple[int, ...], new_shape: tuple[int, ...]) -> None:
    compare(lambda a: a.reshape(new_shape), lambda a: a.reshape(new_shape), data(shape, 1))
    compare(lambda a: a.reshape(*new_shape), lambda a: a.reshape(*new_shape), data(shape, 1))


@pytest.mark.parametrize("axes", [(0, 1, 2), (2, 0, 1), (1, 0, 2), (-1, 0, 1)], ids=str)
def test_transpose(axes: tuple[int, ...]) -> None:
    compare(lambda a: a.transpose(*axes), lambda a: a.permute(*axes), data((4, 2, 3), 1))
    compare(lambda a: a.transpose(axes), lambda a: a.permute(*axes), data((4, 2, 3), 1))


INDEX_CASES: list[tuple[tuple[int, ...], Any]] = [
    ((3,), 1),
    ((3,), -1),
    ((3,), slice(1, None)),
    ((3,), [0, 0, 1]),  # repeated indices accumulate
    ((3,), [2, 2, 2, 0]),
    ((2, 3), 0),
    ((2, 3), (1, 2)),
    ((2, 3), (slice(None), 1)),
    ((2, 3), (Ellipsis, slice(None, None, 2))),
    ((2, 3), (slice(None), [2, 0, 2])),
    ((2, 3), ([0, 1, 1], [2, 2, 2])),
    ((2, 3), (None, slice(None), 0)),
    ((4, 2, 3), (slice(1, 3), 0, slice(None, 2))),
    ((4, 2, 3), ([3, 0, 3], slice(None), [1, 1, 1])),
    ((4, 2, 3), (Ellipsis, 1)),
]


def torch_index(index: Any) -> Any:
    if isinstance(index, list):
        return torch.tensor(index)
    if isinstance(index, tuple):
        return tuple(torch_index(i) for i in index)
    return index


@pytest.mark.parametrize(
    "shape, index", INDEX_CASES, ids=[f"{shape_id(s)}[{i}]" for s, i in INDEX_CASES]
)
def test_getitem(shape: tuple[int, ...], index: Any) -> None:
    compare(lambda a: a[index], lambda a: a[torch_index(index)], data(shape, 1))


def test_getitem_with_integer_array_and_mask() -> None:
    rows = np.array([[0, 1], [1, 1]])
    compare(lambda a: a[rows], lambda a: a[torch.from_numpy(rows)], data((2, 3), 1))
    mask = np.array([[True, False, True], [False, False, True]])
    compare(lambda a: a[mask], lambda a: a[torch.from_numpy(mask)], data((2, 3), 1))


@pytest.mark.parametrize("axis", [0, 1, -1, -2])
def test_concatenate(axis: int) -> None:
    compare(
        lambda a, b, c: concatenate([a, b, c], axis=axis),
        lambda a, b, c: torch.cat([a, b, c], dim=axis),
        data((2, 3), 1),
        data((2, 3), 2),
        data((2, 3), 3),
    )


def test_concatenate_unequal_sizes_and_constants() -> None:
    constant = np.ones((1, 3))
    compare(
        lambda a, b: concatenate([a, constant, b], axis=0),
        lambda a, b: torch.cat([a, torch.tensor(constant), b], dim=0),
        data((2, 3), 1),
        data((4, 3), 2),
    )


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_stack(axis: int) -> None:
    compare(
        lambda a, b: stack([a, b, a], axis=axis),
        lambda a, b: torch.stack([a, b, a], dim=axis),
        data((2, 3), 1),
        data((2, 3), 2),
    )


@pytest.mark.parametrize(
    "cond_shape, pair",
    [
        ((2, 3), ((2, 3), (2, 3))),
        ((2, 3), ((3,), ())),
        ((3,), ((2, 1), (4, 2, 3))),
        ((), ((3,), (3,))),
    ],
    ids=str,
)
def test_where(cond_shape: tuple[int, ...], pair: tuple[tuple[int, ...], ...]) -> None:
    condition = data(cond_shape, 4) > 0
    compare(
        lambda a, b: where(condition, a, b),
        lambda a, b: torch.where(torch.from_numpy(np.asarray(condition)), a, b),
        data(pair[0], 1),
        data(pair[1], 2),
    )


# ----------------------------------------------------------------------------- compositions


def test_composite_network_expression() -> None:
    x = data((8, 5), 1)

    def ours(w1: Tensor, b1: Tensor, w2: Tensor) -> Tensor:
        h = linear(x, w1, b1).tanh()
        logits = h @ w2.T
        return (logits.log_softmax()[np.arange(8), np.arange(8) % 3]).mean() * -1.0

    def theirs(w1: torch.Tensor, b1: torch.Tensor, w2: torch.Tensor) -> torch.Tensor:
        h = F.linear(torch.tensor(x), w1, b1).tanh()
        logits = h @ w2.T
        return (torch.log_softmax(logits, -1)[torch.arange(8), torch.arange(8) % 3]).mean() * -1.0

    compare(ours, theirs, data((4, 5), 2), data((4,), 3), data((3, 4), 4))


# ----------------------------------------------------------------------------- second order

# torch.autograd.functional carries no annotations
torch_functional: Any = torch.autograd.functional


def compare_hvp(ours: Builder, theirs: Builder, x: np.ndarray, seed: int = 5) -> None:
    """The Hessian-vector product of sum(w * f(x)) (random w and v) against PyTorch.

    Every rule is written with the node kind's own operators, so it can be
    differentiated again; this checks that the second derivatives come out right.
    """
    from autograd_lite.functional import hvp

    rng = np.random.default_rng(seed)
    v = rng.standard_normal(x.shape)
    w = rng.standard_normal(np.shape(theirs(torch.tensor(x)).detach().numpy()))

    def f(t: Any) -> Any:
        return (ours(t) * w).sum()

    def g(t: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = (theirs(t) * torch.tensor(w)).sum()
        return out

    _, expected = torch_functional.hvp(g, torch.tensor(x), torch.tensor(v))
    np.testing.assert_allclose(hvp(f, x, v), expected.numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("name", list(UNARY))
def test_second_order_unary(name: str) -> None:
    ours, theirs, kind = UNARY[name]
    compare_hvp(ours, theirs, data((2, 3), 21, kind))


@pytest.mark.parametrize("first", [True, False], ids=["wrt-first", "wrt-second"])
@pytest.mark.parametrize("name", list(BINARY))
def test_second_order_binary(name: str, first: bool) -> None:
    ours, theirs, kind_a, kind_b = BINARY[name]
    if first:
        other = data((3,), 22, kind_b)
        compare_hvp(
            lambda t: ours(t, other),
            lambda t: theirs(t, torch.tensor(other)),
            data((2, 3), 23, kind_a),
        )
    else:
        other = data((2, 1), 22, kind_a)
        compare_hvp(
            lambda t: ours(other, t),
            lambda t: theirs(torch.tensor(other), t),
            data((2, 3), 23, kind_b),
        )


SECOND_ORDER: dict[str, tuple[Builder, Builder, tuple[int, ...]]] = {
    "matmul": (lambda t: t @ t.T, lambda t: t @ t.T, (2, 3)),
    "batched-matmul": (lambda t: t @ t[0], lambda t: t @ t[0], (2, 3, 3)),
    "vector-matmul": (lambda t: t @ (t * t), lambda t: t @ (t * t), (3,)),
    "linear": (
        lambda t: linear(t, t[:2] * 2.0, t[0, :2]),
        lambda t: F.linear(t, t[:2] * 2.0, t[0, :2]),
        (3, 3),
    ),
    "sum-axis": (lambda t: (t * t).sum(axis=0) ** 2, lambda t: (t * t).sum(0) ** 2, (2, 3)),
    "mean-keep": (
        lambda t: t.mean(axis=-1, keepdims=True) * t,
        lambda t: t.mean(-1, keepdim=True) * t,
        (2, 3),
    ),
    "max-axis": (lambda t: t.max(axis=1) * t.sum(), lambda t: t.amax(1) * t.sum(), (2, 3)),
    "getitem-repeat": (
        lambda t: t[[0, 0, 1]] ** 3,
        lambda t: t[torch.tensor([0, 0, 1])] ** 3,
        (3,),
    ),
    "reshape-transpose": (
        lambda t: t.reshape(3, 2).T * t,
        lambda t: t.reshape(3, 2).T * t,
        (2, 3),
    ),
    "concatenate": (
        lambda t: concatenate([t * t, t.exp()], axis=1),
        lambda t: torch.cat([t * t, t.exp()], dim=1),
        (2, 3),
    ),
    "stack": (
        lambda t: stack([t * t, t.tanh()], axis=-1),
        lambda t: torch.stack([t * t, t.tanh()], dim=-1),
        (2, 3),
    ),
    "where": (
        lambda t: where(t.data > 0, t**3, t.exp()),
        lambda t: torch.where(t.detach() > 0, t**3, t.exp()),
        (2, 3),
    ),
    "softmax-axis0": (lambda t: t.softmax(axis=0), lambda t: t.softmax(0), (3, 2)),
    "log_softmax-axis0": (lambda t: t.log_softmax(axis=0), lambda t: t.log_softmax(0), (3, 2)),
}


@pytest.mark.parametrize("name", list(SECOND_ORDER))
def test_second_order_structural(name: str) -> None:
    ours, theirs, shape = SECOND_ORDER[name]
    compare_hvp(ours, theirs, data(shape, 24))
