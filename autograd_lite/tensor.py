"""``Tensor``: an n-dimensional NumPy array that remembers how it was computed.

A Tensor is the engine's second node kind. Like :class:`~autograd_lite.value.Value` it
only declares its operations: the forward computation (on NumPy arrays, in the method
of the same name) and, in the op table below, one derivative rule per input. A rule
takes ``g`` (the gradient of the output, shaped like the output), ``out`` (the output)
and the inputs, and returns ``g`` times the local derivative: the vector-Jacobian
product for one edge. Rules use operators and the small helpers ``_exp``, ``_where``,
``_broadcast_to``... that work on ndarrays and on Tensors alike, so the same rule
computes gradients (on arrays, the fast path) and gradients of gradients (on Tensors,
with ``create_graph=True``). The backward pass itself lives in :mod:`autograd_lite.engine`.

Broadcasting: an elementwise op on shapes ``(4, 3)`` and ``(3,)`` uses each number of
the second input four times, so its gradient is the sum of four contributions. Ops that
broadcast are marked ``broadcasts=True``; their rules return contributions shaped like
the output and the engine sums each back to its input's shape
(:func:`~autograd_lite.engine.sum_to_shape`; a bias's gradient, summed over the batch, as
a matrix-vector product), one visible step. A matrix product's batch dimensions are the
exception: its own rules sum them, so backward compares no shapes at the commonest op.

Numerics follow PyTorch in float64: ``log(0) = -inf``, ``log(-1) = nan``,
``exp(1000) = inf``, ``1 / 0 = inf``, ``sigmoid(-1000) = 0``; a Python int no float can
hold (``10**400``) rounds to ``inf``, in ``Tensor(...)`` and in arithmetic alike.
Functions whose ordinary inputs give infinities or NaN (exp, log, sqrt, division, powers,
the sigmoid and softmax family, and every backward pass) return them without NumPy's
RuntimeWarnings. Plain ``+ - * @`` and ``linear`` stay on NumPy's fastest path: like
NumPy, they warn only when finite numbers overflow (1e308 * 10).

>>> x = Tensor([[1.0, -2.0, 3.0]], requires_grad=True)
>>> loss = (x * x).sum()
>>> loss.backward()
>>> x.grad
array([[ 2., -4.,  6.]])
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Union

import numpy as np
import numpy.typing as npt

from . import elementwise_rules, engine
from .engine import Op, grad_mode, input_slots, parents_of, unchanged
from .engine import clock as _clock
from .value import Value

__all__ = [
    "Tensor",
    "as_tensor",
    "concatenate",
    "linear",
    "maximum",
    "minimum",
    "stack",
    "where",
]

Array = npt.NDArray[Any]
Operand = Union["Tensor", Array, float, int]
Axis = Union[int, Sequence[int], None]

_FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))
_INTEGERS = (int, np.integer)  # what may stand for one axis or one dimension
_new = object.__new__
_ndarray = np.ndarray
_add_reduce: Callable[..., Any] = np.add.reduce  # ndarray.sum without its Python wrapper


# ----------------------------------------------------------------------------- helpers
# Each helper works on ndarrays (the fast path of backward) and on Tensors (where it
# records an op, so the gradient can itself be differentiated).


def _exp(x: Any) -> Any:
    return x.exp() if isinstance(x, Tensor) else np.exp(x)


def _log(x: Any) -> Any:
    return x.log() if isinstance(x, Tensor) else np.log(x)


def _sigmoid(x: Any) -> Any:
    return x.sigmoid() if isinstance(x, Tensor) else _sigmoid_array(x)


def _softmax(x: Any, axis: int | None) -> Any:
    return x.softmax(axis) if isinstance(x, Tensor) else _softmax_array(x, axis)


def _log_softmax(x: Any, axis: int | None) -> Any:
    return x.log_softmax(axis) if isinstance(x, Tensor) else _log_softmax_array(x, axis)


def _node_or_array(method: str, on_array: Any) -> Callable[[Any], Any]:
    """A helper for rules: the Tensor method ``method`` on a Tensor (recorded, so it can be
    differentiated again), the NumPy function ``on_array`` on an array (the fast path)."""

    def helper(x: Any) -> Any:
        return getattr(x, method)() if isinstance(x, Tensor) else on_array(x)

    return helper


_sqrt = _node_or_array("sqrt", np.sqrt)
_sin = _node_or_array("sin", np.sin)
_cos = _node_or_array("cos", np.cos)
_sinh = _node_or_array("sinh", np.sinh)
_cosh = _node_or_array("cosh", np.cosh)


def _where(condition: Any, x: Any, y: Any) -> Any:
    if isinstance(x, Tensor) or isinstance(y, Tensor):
        return where(condition, x, y)
    return np.where(condition, x, y)


def _maximum(x: Any, y: Any) -> Any:
    if isinstance(x, Tensor) or isinstance(y, Tensor):
        return maximum(x, y)
    return np.maximum(x, y)


def _data(x: Any) -> Any:
    """The raw array of a Tensor (masks and tie-breaking look at numbers, not nodes)."""
    return x._data if isinstance(x, Tensor) else x


def _broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    """``x`` repeated along new or size-1 dimensions to ``shape`` (a fresh, writable array).

    On a Tensor this is the ``broadcast_to`` op, whose derivative rule is a sum.
    """
    if isinstance(x, Tensor):
        return _node(_broadcast_array(x._data, shape), (x,), BROADCAST_TO)
    return _broadcast_array(x, shape)


def _broadcast_array(x: Any, shape: tuple[int, ...]) -> Array:
    # An assignment broadcasts as np.broadcast_to does (and refuses the same shapes),
    # at a tenth of the cost of np.broadcast_to(x, shape).copy() on small arrays.
    out: Array = np.empty(shape, dtype=getattr(x, "dtype", np.float64))
    out[...] = x
    return out


def _matrix_transpose(x: Any) -> Any:
    """Swap the last two axes (the matrix transpose of a stack of matrices)."""
    if x.ndim == 2:
        return x.T
    return x.transpose((*range(x.ndim - 2), x.ndim - 1, x.ndim - 2))


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape a reduction over ``axes`` has with ``keepdims=True``."""
    return tuple(1 if i in axes else size for i, size in enumerate(shape))


def _reduced_count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    """How many numbers a reduction over ``axes`` combines into each result (the n of a mean)."""
    return math.prod(shape[axis] for axis in axes)


def _scatter_add(g: Any, index: Any, shape: tuple[int, ...], repeats: bool) -> Any:
    """Zeros of ``shape`` with ``g`` added at ``index`` (repeated positions add up).

    This is the derivative of indexing; on Tensors it is an op whose own derivative is
    indexing again, so gradients of gradients pass through ``t[index]`` too.
    """
    if isinstance(g, Tensor):
        return _node(
            _scatter_add_array(g._data, index, shape, repeats),
            (g,),
            _scatter_add_op(index, repeats),
        )
    return _scatter_add_array(g, index, shape, repeats)


def _scatter_add_array(g: Array, index: Any, shape: tuple[int, ...], repeats: bool) -> Array:
    out = np.zeros(shape, dtype=np.result_type(g))
    if repeats:
        np.add.at(out, index, g)  # integer arrays may name one position several times
    else:
        out[index] = g  # slices and masks name each position at most once
    return out


# ----------------------------------------------------------------------------- NumPy forwards


@np.errstate(divide="ignore", invalid="ignore", over="ignore")
def _quietly(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)`` without NumPy's warnings about infinities and NaN.

    ``np.errstate`` made once, as a decorator: a ``with np.errstate(...)`` block costs
    more than the arithmetic itself on the small arrays of a small network.
    """
    return function(*args)


# The ufuncs that the commonest ops call quietly, each wrapped once (one Python call each).
_quiet_exp: Callable[..., Any] = np.errstate(over="ignore")(np.exp)
_quiet_square: Callable[..., Any] = np.errstate(over="ignore")(np.square)


def _sign_array(x: Any) -> Any:
    # PyTorch's sign: -1, 0 or 1, and 0 for nan (NumPy gives nan)
    return np.where(np.isnan(x), 0.0, np.sign(x))


def _sigmoid_array(x: Any) -> Any:
    # 1 / (1 + e^-x) keeps full relative accuracy in the negative tail (e^-x is large
    # there and nothing cancels); for x < -709.78, e^-x overflows to inf and the result
    # is 0, the correctly rounded limit and what PyTorch returns. One array, computed
    # in place.
    if type(x) is not np.ndarray or x.ndim == 0:
        return 1.0 / (1.0 + _quiet_exp(-x))
    e = np.negative(x)
    _quiet_exp(e, e)
    e += 1.0
    return np.divide(1.0, e, e)


def _log_softmax_array(x: Array, axis: int | None) -> Array:
    # Subtracting the maximum first keeps every exponent <= 0: no overflow for huge logits.
    return _quietly(_log_softmax_steps, x, axis)  # type: ignore[no-any-return]


def _log_softmax_steps(x: Array, axis: int | None) -> Array:
    shifted: Array = x - x.max(axis=axis, keepdims=True)
    log_total: Array = np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted - log_total


def _softmax_array(x: Array, axis: int | None) -> Array:
    return _quietly(_softmax_steps, x, axis)  # type: ignore[no-any-return]


def _softmax_steps(x: Array, axis: int | None) -> Array:
    e: Array = np.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


# ----------------------------------------------------------------------------- derivative rules
# Rules that need more than a line; the table below says which rule belongs to which op.


def _pow_base_rule(g: Any, out: Any, a: Any, b: Any) -> Any:
    # d a^b / da = b a^(b-1); PyTorch defines it as 0 where b == 0 (even at a == 0).
    if type(b) is _ndarray and b.ndim == 0 and b.dtype is a.dtype and b.item() == 2:
        # numbers, not nodes (whose rule is differentiated), of x ** 2: 2a is a + a
        # exactly, and g times it goes into that fresh array (multiplication commutes)
        twice = a + a
        if type(g) is _ndarray and g.dtype is twice.dtype and g.shape == twice.shape:
            twice *= g
            return twice
        return g * twice
    exponent = _data(b)
    if exponent.ndim == 0 and exponent.item() != 0:  # one power for all, x ** 2: no mask
        return g * (b * a ** (b - 1.0))
    return _where(exponent == 0, 0.0, g * (b * a ** (b - 1.0)))


def _pow_exponent_rule(g: Any, out: Any, a: Any, b: Any) -> Any:
    # d a^b / db = a^b ln a; PyTorch defines it as 0 where a == 0 and b >= 0.
    zero = (_data(a) == 0) & (_data(b) >= 0)
    return g * _where(zero, 0.0, out * _log(a))


def _sinc_rule(g: Any, out: Any, a: Any) -> Any:
    # d sinc(a)/da = (cos(pi a) - sinc(a)) / a, and 0 where a == 0 (PyTorch's value there)
    at_zero = _data(a) == 0
    safe_a = _where(at_zero, 1.0, a)
    return _where(at_zero, 0.0, g * ((_cos(math.pi * a) - out) / safe_a))


def _atan2_rule(numerator: Any, a: Any, b: Any) -> Any:
    # numerator / (a^2 + b^2), and 0 where a^2 + b^2 is 0 (PyTorch's value at the origin)
    x, y = _data(a), _data(b)
    at_origin = x * x + y * y == 0
    return _where(at_origin, 0.0, numerator / _where(at_origin, 1.0, a * a + b * b))


def _minimum_rule_first(g: Any, out: Any, a: Any, b: Any) -> Any:
    # The smaller input takes the gradient; a tie splits it evenly (as torch.minimum).
    a, b = _data(a), _data(b)
    return _where(a > b, 0.0, _where(a == b, g * 0.5, g))


def _minimum_rule_second(g: Any, out: Any, a: Any, b: Any) -> Any:
    a, b = _data(a), _data(b)
    return _where(a < b, 0.0, _where(a == b, g * 0.5, g))


def _maximum_rule_first(g: Any, out: Any, a: Any, b: Any) -> Any:
    # The larger input takes the gradient; a tie splits it evenly (as torch.maximum).
    a, b = _data(a), _data(b)
    return _where(a < b, 0.0, _where(a == b, g * 0.5, g))


def _maximum_rule_second(g: Any, out: Any, a: Any, b: Any) -> Any:
    a, b = _data(a), _data(b)
    return _where(a > b, 0.0, _where(a == b, g * 0.5, g))


def _product(x: Any, y: Any) -> Any:
    """``x @ y``; two matrices (ndarrays of two dimensions) go through
    :func:`_matrix_product`. Other shapes (1-d, batches of matrices, Tensors under
    create_graph) keep ``@``, whose rules np.dot's differ from."""
    if type(x) is _ndarray and type(y) is _ndarray and x.ndim == 2 and y.ndim == 2:
        return _matrix_product(x, y)
    return x @ y


def _matrix_product(x: Array, y: Array) -> Array:
    """``x @ y`` for two ndarrays of two dimensions (the caller has checked), through
    ``np.dot`` when they are small.

    ``np.dot`` calls BLAS directly; ``@`` first goes through NumPy's generalized-ufunc
    machinery, and does not call BLAS at all for an outer product (an inner dimension of
    1). On a small network's layer (100x16 @ 16x16) np.dot takes 0.4-0.6 us less, and on
    the last layer's backward (100x1 @ 1x16) 2 us against 6.6 us. On large products the
    fixed cost does not matter, and ``@`` is a few percent faster when the first operand is
    transposed (g.T @ x, 128x64 @ 64x784: 272 us against 284 us), so they keep ``@``.
    The numbers are the same product: bit for bit, except a matrix times a one-column
    matrix, which the two hand to different BLAS routines (they differ in the last bits).
    The matrix product's forward and rules call it directly: their own checks have
    already found two matrices of numbers, and asking again costs, on every product.
    """
    if x.size * y.size <= _SMALL_PRODUCT:
        return _dot(x, y)  # type: ignore[no-any-return]
    return x @ y


# Operands this small (the product of their sizes) go through np.dot: every product of
# the 2-16-16-1 network at a batch of 100, and the last layer of 784-128-64-10 at 64.
_SMALL_PRODUCT = 1 << 22
_dot = np.dot


# A matrix product's rules sum away the batch dimensions an input was broadcast along
# themselves (engine.sum_to_shape), so the engine need not compare shapes at every product.


def _matmul_rule_first(g: Any, out: Any, a: Any, b: Any) -> Any:
    # NumPy treats a 1-d first operand as a row and a 1-d second operand as a column.
    if b.ndim == 2 and a.ndim >= 2:  # the common case, a batch times a matrix
        if a.ndim == 2 and type(g) is _ndarray:  # numbers, not nodes (create_graph)
            return _matrix_product(g, b.T)
        return g @ b.T
    if a.ndim == 1 and b.ndim == 1:
        return g * b
    if b.ndim == 1:  # (..., n, m) @ (m,): the gradient is the outer product g b^T
        return g.reshape((*g.shape, 1)) * b
    if a.ndim == 1:  # (n,) @ (..., n, m): B g, per batch, summed over the batch
        return engine.sum_to_shape(
            (b @ g.reshape((*g.shape, 1))).reshape(g.shape[:-1] + a.shape), a.shape
        )
    return engine.sum_to_shape(g @ _matrix_transpose(b), a.shape)


def _matmul_rule_second(g: Any, out: Any, a: Any, b: Any) -> Any:
    if a.ndim == 2 and b.ndim >= 2:
        if b.ndim == 2 and type(g) is _ndarray:  # numbers, not nodes (create_graph)
            if b.strides[0] < b.strides[1]:
                # b is a transposed matrix (x @ W.T): its gradient in its own layout, the
                # transpose of g^T a, which is W's gradient as BP4 writes it (and the
                # faster product when W is wide: 784 inputs, 128 outputs)
                return _matrix_product(g.T, a).T
            return _matrix_product(a.T, g)
        return a.T @ g
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if a.ndim == 1:  # (n,) @ (..., n, m): the outer product a g^T, per batch
        return a.reshape((*a.shape, 1)) * g.reshape((*g.shape[:-1], 1, g.shape[-1]))
    if b.ndim == 1:  # (..., n, m) @ (m,): g^T A, per batch, summed over the batch
        per_batch = (g.reshape((*g.shape[:-1], 1, g.shape[-1])) @ a).reshape(g.shape[:-1] + b.shape)
        return engine.sum_to_shape(per_batch, b.shape)
    return engine.sum_to_shape(_matrix_transpose(a) @ g, b.shape)


def _sigmoid_rule(g: Any, out: Any, a: Any) -> Any:
    # g * (out * (1 - out)); on arrays in one fresh array (a large batch's
    # temporaries cost more than the arithmetic), with the same roundings.
    if type(out) is not np.ndarray or type(g) is not np.ndarray or g.dtype is not out.dtype:
        return g * (out * (1.0 - out))
    result = np.subtract(1.0, out)
    result *= out
    result *= g
    return result


def _linear_rule_input(g: Any, out: Any, x: Any, w: Any, *bias: Any) -> Any:
    return _product(g, w)  # dL/dx = dL/dout W


def _linear_rule_weight(g: Any, out: Any, x: Any, w: Any, *bias: Any) -> Any:
    # dL/dW = dL/dout^T x, summed over the batch (every leading dimension).
    if g.ndim == 2:
        return _product(g.T, x)
    if g.ndim == 1:
        return g.reshape((g.shape[0], 1)) * x
    return g.reshape((-1, g.shape[-1])).T @ x.reshape((-1, x.shape[-1]))


def _linear_rule_bias(g: Any, out: Any, x: Any, w: Any, b: Any) -> Any:
    # dL/db = dL/dout summed over the batch (every leading dimension).
    if g.ndim == 2:
        return _column_sums(g)
    if g.ndim == 1:
        return g
    return _column_sums(g.reshape((-1, g.shape[-1])))


def _column_sums(g: Any) -> Any:
    """The sums of the columns of the matrix ``g`` (a bias's gradient: the batch's rows
    added up), as the product ``ones @ g`` when ``g`` is a float64 or float32 array.

    ``g.sum(axis=0)`` adds the rows one after another too, but NumPy walks the rows in
    Python-sized steps: on a batch of 100 rows of 16 it costs five times the
    matrix-vector product, the largest single cost of a small network's backward pass.
    """
    if type(g) is _ndarray and g.dtype in _BLAS_FLOATS:
        return _dot(_ones(g.shape[0], g.dtype), g)  # np.dot: less fixed cost than @
    return g.sum(axis=0)


_BLAS_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


@functools.lru_cache(maxsize=64)
def _ones(n: int, dtype: np.dtype[Any]) -> Array:
    # Read-only, because they are shared by every call that asks for the same length.
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def _sum_to_shape(grad: Any, shape: tuple[int, ...]) -> Any:
    """:func:`engine.sum_to_shape`, with a bias added to a batch summed as in
    :func:`_column_sums` (the engine uses it for Tensors: ``Tensor._sum_to_shape``)."""
    if type(grad) is _ndarray and grad.ndim == 2:
        columns = grad.shape[1]
        if shape == (columns,):  # b of shape (n,) added to x of shape (batch, n)
            return _column_sums(grad)
        if shape == (1, columns):  # b of shape (1, n)
            return _column_sums(grad).reshape(shape)
    return engine.sum_to_shape(grad, shape)


# Forward-mode (tangent) rules of the ops that are not elementwise: the Jacobian-vector
# product ``ts -> J ts``, with ``ts[i] = None`` for an input that does not move.


def _matmul_tangent(ts: Sequence[Any], out: Any, a: Any, b: Any) -> Any:
    # d(A@B) = dA @ B + A @ dB (the product rule)
    ta, tb = ts
    total = None if ta is None else _product(ta, b)
    if tb is not None:
        total = _product(a, tb) if total is None else total + _product(a, tb)
    return total


def _linear_tangent(ts: Sequence[Any], out: Any, x: Any, w: Any, *bias: Any) -> Any:
    # d(x @ W^T + b) = dx @ W^T + x @ dW^T + db
    tx, tw = ts[0], ts[1]
    total = None if tx is None else _product(tx, w.T)
    if tw is not None:
        total = _product(x, tw.T) if total is None else total + _product(x, tw.T)
    if len(ts) == 3 and ts[2] is not None:
        total = _broadcast_to(ts[2], out.shape) if total is None else total + ts[2]
    return total


def _join_tangent(join: Any, ts: Sequence[Any], inputs: Sequence[Any], axis: int) -> Any:
    # concatenate / stack the tangents, zeros for the inputs that do not move
    parts = [np.zeros(x.shape) if t is None else t for t, x in zip(ts, inputs)]
    if any(isinstance(p, Tensor) for p in parts):
        return join(parts, axis=axis)
    return (np.concatenate if join is concatenate else np.stack)(parts, axis=axis)


# ----------------------------------------------------------------------------- the op table
#   name          rule per input: g * d out / d input        formula per input (for people)

ADD = Op(
    "+",
    (unchanged, unchanged),
    ("d(a+b)/da = 1", "d(a+b)/db = 1"),
    "An addition passes its gradient unchanged to both inputs.",
    broadcasts=True,
)
SUB = Op(
    "-",
    (unchanged, lambda g, out, a, b: -g),
    ("d(a-b)/da = 1", "d(a-b)/db = -1"),
    "A subtraction passes its gradient to the first input and its negative to the second.",
    broadcasts=True,
)
MUL = Op(
    "*",
    (lambda g, out, a, b: g * b, lambda g, out, a, b: g * a),
    ("d(a*b)/da = b", "d(a*b)/db = a"),
    "A product sends each input the gradient times the other input, element by element.",
    broadcasts=True,
)
DIV = Op(
    "/",
    (lambda g, out, a, b: g / b, lambda g, out, a, b: -g * (a / b / b)),
    ("d(a/b)/da = 1/b", "d(a/b)/db = -a/b^2"),
    "A quotient sends the numerator g/b and the denominator -g*a/b^2.",
    broadcasts=True,
)
POW = Op(
    "**",
    (_pow_base_rule, _pow_exponent_rule),
    ("d(a^b)/da = b*a^(b-1)", "d(a^b)/db = a^b*ln(a)"),
    "A power sends the base g*b*a^(b-1) and the exponent g*a^b*ln(a).",
    broadcasts=True,
)
MAXIMUM = Op(
    "maximum",
    (_maximum_rule_first, _maximum_rule_second),
    ("d max(a,b)/da = 1 if a > b, 1/2 if a == b, else 0", "d max(a,b)/db = 1 if b > a, ..."),
    "An elementwise maximum passes the gradient to the larger input (half each on a tie).",
    broadcasts=True,
)
MATMUL = Op(
    "@",
    (_matmul_rule_first, _matmul_rule_second),
    ("d(A@B)/dA: G @ B^T", "d(A@B)/dB: A^T @ G"),
    "A matrix product sends A the gradient times B transposed, and B A transposed times it.",
    tangent=_matmul_tangent,
)
LINEAR = Op(
    "linear",
    (_linear_rule_input, _linear_rule_weight, _linear_rule_bias),
    ("dL/dx = G @ W", "dL/dW = G^T @ x", "dL/db = sum of G over the batch"),
    "A fused layer x @ W^T + b: the three rules of a matrix product and a broadcast sum.",
    tangent=_linear_tangent,
)
LINEAR_NO_BIAS = Op(
    "linear",
    (_linear_rule_input, _linear_rule_weight),
    ("dL/dx = G @ W", "dL/dW = G^T @ x"),
    "A fused layer x @ W^T: the two rules of a matrix product.",
    tangent=_linear_tangent,
)
TANH = Op(
    "tanh",
    (lambda g, out, a: g * (1.0 - out * out),),
    ("d tanh(a)/da = 1 - tanh(a)^2",),
    "tanh passes g*(1 - out^2): almost nothing where it saturates near -1 or 1.",
    elementwise=True,
)
SIGMOID = Op(
    "sigmoid",
    (_sigmoid_rule,),
    ("d sigmoid(a)/da = sigmoid(a)*(1 - sigmoid(a))",),
    "The sigmoid passes g*out*(1 - out): at most a quarter of the gradient.",
    elementwise=True,
)
RELU = Op(
    "relu",
    (lambda g, out, a: _where(_data(a) > 0, g, 0.0),),
    ("d relu(a)/da = 1 if a > 0 else 0",),
    "A ReLU passes the gradient where its input was positive and zero elsewhere.",
    elementwise=True,
)

# The elementwise functions whose rules read the same on numbers and arrays are declared
# once, in elementwise_rules.py, with this kind's helpers: _OPS.exp, _OPS.arcsin, ...
_OPS = elementwise_rules.declare(
    elementwise_rules.Helpers(
        div=operator.truediv,
        sqrt=_sqrt,
        sin=_sin,
        cos=_cos,
        sinh=_sinh,
        cosh=_cosh,
        sign_of_data=lambda a: _sign_array(_data(a)),
        sinc_rule=_sinc_rule,
        atan2_rule=_atan2_rule,
        broadcasts=True,
    )
)
# The rest differ by kind. Values at the edges are PyTorch's in float64, as in the shared
# rules; d(a % b)/db = -floor(a/b), PyTorch's value at the jumps too.
MOD = Op(
    "%",
    (
        unchanged,
        lambda g, out, a, b: -g * np.floor_divide(_data(a), _data(b)),
    ),
    ("d(a % b)/da = 1", "d(a % b)/db = -floor(a/b)"),
    "a % b = a - b*floor(a/b): the floor is flat between its jumps, so a gets g and b "
    "gets -g*floor(a/b) (the remainder jumps where a/b is an integer; PyTorch's value).",
    broadcasts=True,
)
MINIMUM = Op(
    "minimum",
    (_minimum_rule_first, _minimum_rule_second),
    ("d min(a,b)/da = 1 if a < b, 1/2 if a == b, else 0", "d min(a,b)/db = 1 if b < a, ..."),
    "An elementwise minimum passes the gradient to the smaller input (half each on a tie).",
    broadcasts=True,
)
RESHAPE = Op(
    "reshape",
    (lambda g, out, a: g.reshape(a.shape),),
    ("d reshape(a)/da: reshape the gradient back",),
    "A reshape only renames positions: the gradient is reshaped back to the input's shape.",
    tangent=lambda ts, out, a: ts[0].reshape(out.shape),
)
BROADCAST_TO = Op(
    "broadcast_to",
    (unchanged,),
    ("d broadcast(a)/da: sum over the copies",),
    "Broadcasting copies numbers; each copy's gradient is added back (the engine sums).",
    broadcasts=True,
)

# Ops with parameters (an axis, a slope, an index) are made per parameter. Their rules
# close over the parameters only, never over a node, so a graph holds no reference cycles.


@functools.lru_cache(maxsize=256)
def _leaky_relu_op(slope: float) -> Op:
    return Op(
        "leaky_relu",
        (lambda g, out, a: _where(_data(a) > 0, g, g * slope),),
        (f"d leaky_relu(a)/da = 1 if a > 0 else {slope:g}",),
        f"A leaky ReLU passes the gradient where its input was positive and {slope:g} "
        "times it elsewhere.",
        elementwise=True,
    )


_ALL_AXES = [tuple(range(ndim)) for ndim in range(65)]  # NumPy arrays have at most 64


@functools.lru_cache(maxsize=256)
def _sum_op(axes: tuple[int, ...], keepdims: bool) -> Op:
    def rule(g: Any, out: Any, a: Any) -> Any:
        kept = g if keepdims or g.ndim == 0 else g.reshape(_kept_shape(a.shape, axes))
        return _broadcast_to(kept, a.shape)

    return Op(
        "sum",
        (rule,),
        ("d sum(a)/da_i = 1",),
        "A sum hands its gradient to every element it added up.",
        tangent=lambda ts, out, a: ts[0].sum(axis=axes, keepdims=keepdims),
    )


@functools.lru_cache(maxsize=256)
def _mean_op(axes: tuple[int, ...], keepdims: bool) -> Op:
    def rule(g: Any, out: Any, a: Any) -> Any:
        count = _reduced_count(a.shape, axes)
        kept = g if keepdims or g.ndim == 0 else g.reshape(_kept_shape(a.shape, axes))
        return _broadcast_to(kept / count, a.shape)

    return Op(
        "mean",
        (rule,),
        ("d mean(a)/da_i = 1/n",),
        "A mean hands each of its n elements an n-th of the gradient.",
        tangent=lambda ts, out, a: ts[0].mean(axis=axes, keepdims=keepdims),
    )


@functools.lru_cache(maxsize=256)
def _max_op(axes: tuple[int, ...], keepdims: bool) -> Op:
    def shares(out: Any, a: Any) -> Any:
        # 1/k at each of the k elements equal to the maximum, 0 elsewhere (data, not nodes)
        values = _data(a)
        winners = (values == _data(out).reshape(_kept_shape(a.shape, axes))).astype(values.dtype)
        return winners / winners.sum(axis=axes, keepdims=True)

    def rule(g: Any, out: Any, a: Any) -> Any:
        kept = g if keepdims else g.reshape(_kept_shape(a.shape, axes))
        return kept * shares(out, a)

    return Op(
        "max",
        (rule,),
        ("d max(a)/da_i = 1/k for the k elements equal to the max, else 0",),
        "A maximum passes the gradient to the largest element (split evenly among ties).",
        tangent=lambda ts, out, a: (ts[0] * shares(out, a)).sum(axis=axes, keepdims=keepdims),
    )


@functools.lru_cache(maxsize=256)
def _transpose_op(axes: tuple[int, ...]) -> Op:
    inverse = tuple(int(i) for i in np.argsort(axes))
    rule: Callable[..., Any] = lambda g, out, a: g.transpose(inverse)  # noqa: E731
    if axes == (1, 0):  # a matrix's transpose (W.T): .T is the same and cheaper
        rule = lambda g, out, a: g.T  # noqa: E731
    return Op(
        "transpose",
        (rule,),
        (f"d transpose(a, {axes})/da: transpose the gradient back",),
        "A transpose only moves numbers: the gradient is moved back.",
        tangent=lambda ts, out, a: ts[0].transpose(axes),
    )


MATRIX_TRANSPOSE = _transpose_op((1, 0))  # W.T: made once, the most common transpose


@functools.lru_cache(maxsize=256)
def _softmax_op(axis: int | None) -> Op:
    return Op(
        "softmax",
        (lambda g, out, a: out * (g - (g * out).sum(axis=axis, keepdims=True)),),
        ("d softmax(a)_i/da_j = s_i (delta_ij - s_j)",),
        "A softmax passes s*(g - sum(g*s)): each share of the gradient minus the average.",
        # its Jacobian diag(s) - s s^T is symmetric: the tangent rule is the same formula
        tangent=lambda ts, out, a: out * (ts[0] - (ts[0] * out).sum(axis=axis, keepdims=True)),
    )


@functools.lru_cache(maxsize=256)
def _log_softmax_op(axis: int | None) -> Op:
    return Op(
        "log_softmax",
        (lambda g, out, a: g - _exp(out) * g.sum(axis=axis, keepdims=True),),
        ("d log_softmax(a)_i/da_j = delta_ij - softmax(a)_j",),
        "A log-softmax passes g - softmax * sum(g).",
        tangent=lambda ts, out, a: ts[0] - (_exp(out) * ts[0]).sum(axis=axis, keepdims=True),
    )


@functools.lru_cache(maxsize=256)
def _concatenate_op(axis: int, sizes: tuple[int, ...]) -> Op:
    def piece(start: int, stop: int) -> Callable[..., Any]:
        where_ = (slice(None),) * axis + (slice(start, stop),)
        return lambda g, out, *inputs: g[where_]

    bounds = np.cumsum((0, *sizes))
    return Op(
        "concatenate",
        tuple(piece(int(bounds[i]), int(bounds[i + 1])) for i in range(len(sizes))),
        tuple(f"d concat/d input {i}: its slice of the gradient" for i in range(len(sizes))),
        "A concatenation hands each input the slice of the gradient where it was placed.",
        tangent=lambda ts, out, *inputs: _join_tangent(concatenate, ts, inputs, axis),
    )


@functools.lru_cache(maxsize=256)
def _stack_op(axis: int, count: int) -> Op:
    def piece(i: int) -> Callable[..., Any]:
        where_ = (slice(None),) * axis + (i,)
        return lambda g, out, *inputs: g[where_]

    return Op(
        "stack",
        tuple(piece(i) for i in range(count)),
        tuple(f"d stack/d input {i}: entry {i} of the gradient" for i in range(count)),
        "Stacking hands each input its own entry of the gradient.",
        tangent=lambda ts, out, *inputs: _join_tangent(stack, ts, inputs, axis),
    )


def _getitem_op(index: Any, repeats: bool) -> Op:
    return Op(
        "getitem",
        (lambda g, out, a: _scatter_add(g, index, a.shape, repeats),),
        ("d a[index]/da: the gradient scattered back (repeated positions add up)",),
        "Indexing picks numbers; the gradient goes back to the positions they came from.",
        tangent=lambda ts, out, a: ts[0][index],
    )


def _scatter_add_op(index: Any, repeats: bool) -> Op:
    return Op(
        "scatter_add",
        (lambda g, out, a: g[index],),
        ("d scatter_add(a)/da: index the gradient",),
        "Scattering places numbers; the gradient is read back from the same positions.",
        tangent=lambda ts, out, a: _scatter_add(ts[0], index, out.shape, repeats),
    )


def _where_op(condition: Array) -> Op:
    return Op(
        "where",
        (
            lambda g, out, a, b: _where(condition, g, 0.0),
            lambda g, out, a, b: _where(condition, 0.0, g),
        ),
        ("d where(c, a, b)/da = c", "d where(c, a, b)/db = not c"),
        "A selection passes the gradient to whichever input was chosen, element by element.",
        broadcasts=True,
    )


# ----------------------------------------------------------------------------- construction


def _as_array(data: Any) -> Array:
    """``data`` as a float64 or float32 array; a clear TypeError for anything else."""
    if isinstance(data, Tensor):
        return data._data
    if type(data) is np.ndarray and data.dtype in _FLOAT_DTYPES:
        return data
    try:
        array = np.asarray(data)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"Tensor data must be a rectangular array of numbers: {error}") from None
    if array.dtype in _FLOAT_DTYPES:
        return array
    if array.dtype.kind in "biuf":  # bools, ints, other floats
        return array.astype(np.float64)
    if array.dtype.kind == "O" and array.size and all(_is_real(item) for item in array.flat):
        # Python ints too large for any NumPy integer (10**400): each becomes the nearest
        # float64, which is infinite, as IEEE conversion (and float(10**40)) does.
        return np.array([_float_of(item) for item in array.flat]).reshape(array.shape)
    if array.dtype.kind == "O" and any(isinstance(item, Value) for item in array.flat):
        raise _value_in_tensor_error()
    described = {"c": "complex", "O": "object", "U": "string", "S": "bytes"}
    kind = described.get(array.dtype.kind, array.dtype.kind)
    raise TypeError(
        f"Tensor data must be real numbers: float64 or float32 arrays (kept as they are), "
        f"or ints and bools (converted to float64); got {type(data).__name__} with "
        f"{kind} dtype {array.dtype}"
    )


def _value_in_tensor_error() -> TypeError:
    """What ``Tensor(...)`` says when given Values: the two ways to combine the kinds."""
    return TypeError(
        "Tensor(...) takes numbers, not Values: tensor.as_tensor(v) makes a Value a 0-d "
        "Tensor whose gradient flows back to it (operators do this: t * v), Tensor(v.data) "
        "makes a constant"
    )


def _is_real(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating))


def _float_of(x: Any) -> float:
    """A real number as a float64: ``inf`` (or ``-inf``) past the largest float, as IEEE
    rounding says, where Python's ``float(10**400)`` raises ``OverflowError``."""
    try:
        return float(x)
    except OverflowError:
        return -math.inf if x < 0 else math.inf


def _node(data: Any, parents: tuple[Tensor, ...], op: Op) -> Tensor:
    """The result of an op; it records its parents only if one of them needs a gradient.

    Outside :func:`~autograd_lite.engine.no_grad`, and when some input requires a
    gradient, the result requires one too and keeps ``parents`` and ``op``; otherwise
    it is a leaf (PyTorch semantics). One- and two-input ops (nearly all of them) go to
    :func:`_node1` and :func:`_node2`, which the most common ops call directly.
    """
    count = len(parents)
    if count == 2:
        return _node2(data, parents[0], parents[1], op)
    if count == 1:
        return _node1(data, parents[0], op)
    out: Tensor = _new(Tensor)
    out._data = data if type(data) is _ndarray else np.asarray(data)
    out._grad = None
    out.label = ""
    out._mark = _clock[0]  # when it was made: backward checks its leaf inputs against it
    if _recording(*parents):
        out._a, out._b = input_slots(parents)
        out.op = op
        out.requires_grad = True
    else:
        out._a = out._b = None
        out.op = None
        out.requires_grad = False
    return out


# Every Tensor operation ends in one of these two, so they are written for speed: they
# fill the engine's two input slots directly, and read the per-thread grad mode only
# when an input requires a gradient.


def _node1(data: Any, a: Tensor, op: Op) -> Tensor:
    """The result of the one-input op ``op`` on ``a`` (see :func:`_node`)."""
    out: Tensor = _new(Tensor)
    out._data = data if type(data) is _ndarray else np.asarray(data)
    out._grad = None
    out.label = ""
    out._mark = _clock[0]  # when it was made: backward checks its leaf inputs against it
    out._b = None
    if a.requires_grad and grad_mode.enabled:
        out._a = a
        out.op = op
        out.requires_grad = True
    else:
        out._a = None
        out.op = None
        out.requires_grad = False
    return out


def _node2(data: Any, a: Tensor, b: Tensor, op: Op) -> Tensor:
    """The result of the two-input op ``op`` on ``a`` and ``b`` (see :func:`_node`)."""
    out: Tensor = _new(Tensor)
    out._data = data if type(data) is _ndarray else np.asarray(data)
    out._grad = None
    out.label = ""
    out._mark = _clock[0]
    if (a.requires_grad or b.requires_grad) and grad_mode.enabled:
        out._a = a
        out._b = b
        out.op = op
        out.requires_grad = True
    else:
        out._a = out._b = None
        out.op = None
        out.requires_grad = False
    return out


def _leaf(data: Any) -> Tensor:
    """A Tensor that records nothing: a constant, or a result outside the graph."""
    out: Tensor = _new(Tensor)
    out._data = data if type(data) is np.ndarray else np.asarray(data)
    out._grad = None
    out.label = ""
    out._mark = 0  # a leaf: its data never changed
    out._a = out._b = None
    out.op = None
    out.requires_grad = False
    return out


def _recording(*inputs: Tensor) -> bool:
    """True when an op on ``inputs`` records the graph (so its Op is worth building)."""
    return grad_mode.enabled and any(t.requires_grad for t in inputs)


def _operand(x: Any, like: Tensor) -> Tensor:
    """A constant Tensor for a number or array mixed with the Tensor ``like``.

    A Python number takes ``like``'s dtype (a float32 Tensor times 0.5 stays float32, as
    in NumPy and PyTorch).
    """
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (int, float)):
        try:
            return _leaf(np.asarray(x, dtype=like._data.dtype))
        except OverflowError:  # an int past the largest float (10**400): inf, as IEEE says
            return _leaf(np.asarray(_float_of(x), dtype=like._data.dtype))
    if isinstance(x, Value):
        return _from_value(x, like._data.dtype)
    return Tensor(x)


# ----------------------------------------------------------------------------- Values among arrays
# A Value meeting an array (x * np.ones(4), or a Tensor + x) becomes a 0-d Tensor node
# whose parent is the Value: the gradient summed over the broadcast flows back to it as a
# number. In gradients of gradients the same conversion runs the other way.

FROM_VALUE = Op(
    "from_value",
    (lambda g, out, a: _to_value(g),),
    ("d tensor(a)/da = 1",),
    "A Value used with arrays becomes a 0-d Tensor; its gradient goes back as a number.",
    tangent=lambda ts, out, a: (
        _from_value(ts[0], out.dtype) if isinstance(ts[0], Value) else np.asarray(ts[0], out.dtype)
    ),
)
TO_VALUE = Op(
    "to_value",
    (lambda g, out, a: _from_value(g, a.dtype) if isinstance(g, Value) else np.asarray(g),),
    ("d value(a)/da = 1",),
    "A 0-d Tensor's number as a Value (in gradients of gradients); the gradient goes back.",
    tangent=lambda ts, out, a: _to_value(ts[0]),
)


def _from_value(x: Value, dtype: Any = np.float64) -> Tensor:
    """The Value ``x`` as a 0-d Tensor node (its gradient flows back to ``x``)."""
    data = np.asarray(x._data, dtype=dtype if np.dtype(dtype) in _FLOAT_DTYPES else np.float64)
    return _node(data, (x,), FROM_VALUE)  # type: ignore[arg-type]


def _to_value(g: Any) -> Any:
    """A gradient arriving at a Value from a 0-d Tensor: a float (a Value node when the
    backward pass is recorded, so it can be differentiated again)."""
    if isinstance(g, Tensor):
        if g.requires_grad and grad_mode.enabled:
            return Value(float(g._data), "", (g,), TO_VALUE)
        return Value(float(g._data))
    return float(g)


def as_tensor(x: Any, like: Any = None) -> Tensor:
    """``x`` as a Tensor: a Tensor itself, a Value lifted to a 0-d Tensor node (gradient
    flowing back to it), an array or a number as a constant (a number takes the dtype of
    ``like``, an ndarray or Tensor, as in arithmetic).

    >>> x = Value(2.0)
    >>> y = (as_tensor(x) * np.ones(3)).sum()
    >>> y.backward(); x.grad
    3.0
    """
    if isinstance(x, Tensor):
        return x
    dtype = np.result_type(_data(like)) if like is not None else np.dtype(np.float64)
    if dtype not in _FLOAT_DTYPES:
        dtype = np.dtype(np.float64)
    if isinstance(x, Value):
        return _from_value(x, dtype)
    if isinstance(x, (int, float)):
        return _leaf(np.asarray(_float_of(x), dtype=dtype))
    return Tensor(x)


def _unary(function: Any, a: Tensor, op: Op) -> Tensor:
    """``function(a._data)`` recorded as ``op``; infinities and nan without warnings."""
    return _node(_quietly(function, a._data), (a,), op)


def _compared(other: Any) -> Any:
    """What a comparison compares against: the numbers of a node, else ``other`` itself."""
    return other._data if isinstance(other, (Tensor, Value)) else other


def _binary(op: Op, ufunc: Any, a: Tensor, b: Tensor, quiet: bool = False) -> Tensor:
    try:
        if quiet:
            data = _quietly(ufunc, a._data, b._data)
        else:
            data = ufunc(a._data, b._data)
    except ValueError:
        raise ValueError(f"cannot broadcast {a.shape} and {b.shape} in {op.name}") from None
    return _node2(data, a, b, op)


def _matmul(a: Tensor, b: Tensor) -> Tensor:
    try:
        data = _product(a._data, b._data)
    except ValueError:
        raise ValueError(_matmul_problem(a.shape, b.shape)) from None
    return _node2(data, a, b, MATMUL)


def _matmul_problem(a: tuple[int, ...], b: tuple[int, ...]) -> str:
    """Say why NumPy refused ``a @ b``."""
    if not a or not b:
        return f"matmul: {a} @ {b}: both operands need at least one dimension (use * to scale)"
    inner_b = b[-2] if len(b) >= 2 else b[0]
    if a[-1] != inner_b:
        return f"matmul: {a} @ {b}: inner dimensions {a[-1]} and {inner_b} differ"
    return f"matmul: {a} @ {b}: batch dimensions {a[:-2]} and {b[:-2]} cannot broadcast"


def _normalize_axes(axis: int | Sequence[int], ndim: int) -> tuple[int, ...]:
    """Axes as non-negative ints, in the order given (-1 is the last axis).

    Raises ValueError for an axis out of range or named twice.
    """
    axes = (axis,) if isinstance(axis, _INTEGERS) else tuple(axis)
    normalized = []
    for given in axes:
        index = operator.index(given)
        if not -ndim <= index < ndim:
            raise ValueError(f"axis {index} is out of bounds for {ndim} dimensions")
        normalized.append(index % ndim)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"axes {axes} name an axis twice")
    return tuple(normalized)


def _axes(axis: Axis, ndim: int, op_name: str, shape: tuple[int, ...]) -> tuple[int, ...]:
    """``axis`` (None, an int, a negative int or a tuple) as a sorted tuple of axes."""
    if axis is None:
        return tuple(range(ndim))
    try:
        return tuple(sorted(_normalize_axes(axis, ndim)))
    except (TypeError, ValueError) as error:
        raise ValueError(f"{op_name}: {error} (Tensor of shape {shape})") from None


def _plain_index(index: Any) -> tuple[Any, bool]:
    """The index with lists as arrays, and whether it may name a position twice."""
    parts = index if isinstance(index, tuple) else (index,)
    plain = []
    repeats = False
    for part in parts:
        if isinstance(part, Tensor):
            raise TypeError(
                "index a Tensor with ints, slices, or NumPy integer or boolean arrays, "
                "not with a Tensor"
            )
        if isinstance(part, list):
            part = np.asarray(part)
        if isinstance(part, np.ndarray) and part.dtype.kind in "iu":
            repeats = True
        plain.append(part)
    return (tuple(plain) if isinstance(index, tuple) else plain[0]), repeats


# ----------------------------------------------------------------------------- Tensor


class Tensor:
    """An n-d array node: ``data`` (ndarray), ``grad`` (ndarray or None), ``shape``...

    ``grad`` is d output / d self once a backward pass reaches this Tensor (``None``
    before): an ndarray of the shape and dtype of ``data`` (a Tensor itself after
    ``backward(create_graph=True)``).

    >>> w = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, label="w")
    >>> x = Tensor([1.0, -1.0])
    >>> (w @ x).sum().backward()
    >>> w.grad
    array([[ 1., -1.],
           [ 1., -1.]])
    """

    # The inputs live in the engine's two slots ``_a``/``_b`` (``parents`` gives them
    # as a tuple); ``_mark`` is the engine's walk bookkeeping.
    # ``data`` is a property over the slot ``_data`` (which the engine and the ops read):
    # assigning it to a leaf stamps ``_mark`` with the time of the change, so that
    # backward can refuse a graph that used the old array (see ``engine``).
    __slots__ = ("_grad", "_data", "label", "op", "_a", "_b", "_mark", "requires_grad")
    __array_ufunc__ = None  # `ndarray + Tensor` defers to Tensor.__radd__
    _data: Array
    _grad: Any
    _a: Tensor | None
    _b: Any
    _mark: object
    op: Op | None
    label: str
    requires_grad: bool
    # What the engine may store in the slot ``_grad`` without the ``grad`` setter's check:
    # an ndarray (of this Tensor's dtype, which the engine compares). See engine._backward.
    _grad_type: ClassVar[type] = np.ndarray
    _sum_to_shape: ClassVar[Callable[[Any, tuple[int, ...]], Any]]

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        label: str = "",
        _parents: tuple[Tensor, ...] = (),
        _op: Op | None = None,
    ) -> None:
        self._data = _as_array(data)
        self._grad = None
        self.label = label
        self._mark = 0  # a leaf until the branch below makes it an op's output
        if _parents and _op is not None and _recording(*_parents):
            self._a, self._b = input_slots(_parents)
            self.op = _op
            self.requires_grad = True
            self._mark = _clock[0]  # when it was made
        else:
            self._a = self._b = None
            self.op = None
            self.requires_grad = bool(requires_grad)

    # -- the gradient: an ndarray shaped and typed like data (a Tensor with create_graph)

    def _set_grad(self, value: Any) -> None:
        # NumPy turns 0-d results into scalars (np.float64) and promotes mixed dtypes to
        # float64; the gradient is kept an ndarray of this Tensor's own dtype, so what
        # users, the stepper and the renderer see does not depend on how it was summed.
        if type(value) is np.ndarray:
            dtype = self._data.dtype
            if value.dtype is not dtype and value.dtype != dtype:
                value = value.astype(dtype)
        elif value is not None and not isinstance(value, Tensor):
            value = np.asarray(value, dtype=self._data.dtype)
        self._grad = value

    # The engine reads and writes ``grad`` on every edge: the getter is the slot's own
    # (C-level); only writes pass through the check above.
    grad = property(
        operator.attrgetter("_grad"),
        _set_grad,
        doc="d output / d self: an ndarray shaped like ``data`` (None before backward).",
    )

    def _set_data(self, data: Any) -> None:
        self._data = _as_array(data)
        if self.op is None:  # a leaf: remember when (backward refuses older graphs)
            self._mark = engine.tick()

    data = property(
        operator.attrgetter("_data"),
        _set_data,
        doc="""The array (float64 or float32). Assigning it (``t.data = new``, and also
        ``t.data += step``) is how parameters are updated; do it between ``backward`` and
        the next forward pass, as optimizers do. A graph that used the old array refuses
        ``backward`` with ``engine.DataChangedError`` instead of giving a gradient that
        mixes old and new numbers. NumPy edits of the array in place (``t.data[0] = 1.0``,
        ``np.copyto(t.data, new)``) cannot be seen: call :meth:`mark_data_changed` after
        them.""",
    )

    def mark_data_changed(self) -> None:
        """Say that ``data`` was edited in place, so that graphs made before refuse backward.

        Assigning ``data`` does this by itself; NumPy edits in place (``t.data[0] = 1.0``)
        cannot be seen without it.

        >>> w = Tensor([1.0, 2.0], requires_grad=True)
        >>> loss = (w * w).sum()
        >>> w.data[0] = 100.0
        >>> w.mark_data_changed()
        >>> try:
        ...     loss.backward()
        ... except engine.DataChangedError:
        ...     print("refused: recompute the loss")
        refused: recompute the loss
        """
        if self.op is None:
            self._mark = engine.tick()

    @property
    def parents(self) -> tuple[Tensor, ...]:
        """The inputs of the operation that made this Tensor, in argument order."""
        return parents_of(self)

    # -- what it is

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._data.dtype

    def item(self) -> float:
        """The one number of a one-element Tensor, as a Python float."""
        if self._data.size != 1:
            raise ValueError(
                f"item() needs a Tensor with one element; this one has shape {self.shape}"
            )
        return float(self._data.item())

    def numpy(self) -> Array:
        """The data array itself (not a copy)."""
        return self._data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Array:
        return np.array(self._data, dtype=dtype, copy=copy)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d Tensor (it holds one number and has no length)")
        return len(self._data)

    def __float__(self) -> float:
        return self.item()

    def __bool__(self) -> bool:
        return bool(self._data)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="Tensor(")
        extras = []
        if self._data.dtype != np.float64:
            extras.append(f"dtype={self._data.dtype}")
        if self.requires_grad:
            extras.append("requires_grad=True")
        if self.label:
            extras.append(f"label={self.label!r}")
        if self.op is not None:
            extras.append(f"op={self.op.name!r}")
        return f"Tensor({', '.join([body, *extras])})"

    # -- arithmetic, broadcasting like NumPy; the derivative rules are in the table above

    # The three commonest operators compute in place of calling _binary (a call less on
    # every layer of a network); the error is _binary's.

    def __add__(self, other: Operand) -> Tensor:
        other = other if isinstance(other, Tensor) else _operand(other, self)
        try:
            return _node2(self._data + other._data, self, other, ADD)
        except ValueError:
            return _binary(ADD, np.add, self, other)

    def __radd__(self, other: Operand) -> Tensor:
        return _binary(ADD, np.add, _operand(other, self), self)

    def __sub__(self, other: Operand) -> Tensor:
        other = other if isinstance(other, Tensor) else _operand(other, self)
        try:
            return _node2(self._data - other._data, self, other, SUB)
        except ValueError:
            return _binary(SUB, np.subtract, self, other)

    def __rsub__(self, other: Operand) -> Tensor:
        return _binary(SUB, np.subtract, _operand(other, self), self)

    def __mul__(self, other: Operand) -> Tensor:
        other = other if isinstance(other, Tensor) else _operand(other, self)
        try:
            return _node2(self._data * other._data, self, other, MUL)
        except ValueError:
            return _binary(MUL, np.multiply, self, other)

    def __rmul__(self, other: Operand) -> Tensor:
        return _binary(MUL, np.multiply, _operand(other, self), self)

    def __truediv__(self, other: Operand) -> Tensor:
        other = other if isinstance(other, Tensor) else _operand(other, self)
        return _binary(DIV, np.divide, self, other, quiet=True)

    def __rtruediv__(self, other: Operand) -> Tensor:
        return _binary(DIV, np.divide, _operand(other, self), self, quiet=True)

    def __pow__(self, other: Operand) -> Tensor:
        if (type(other) is int or type(other) is float) and other == 2:
            # x ** 2 (a squared error): x*x, correctly rounded, as PyTorch computes it
            return _node2(_quiet_square(self._data), self, _operand(2, self), POW)
        other = other if isinstance(other, Tensor) else _operand(other, self)
        return _binary(POW, np.power, self, other, quiet=True)

    def __rpow__(self, other: Operand) -> Tensor:
        return _binary(POW, np.power, _operand(other, self), self, quiet=True)

    def __mod__(self, other: Operand) -> Tensor:
        """The remainder with the sign of the divisor (PyTorch's remainder, NumPy's mod)."""
        other = other if isinstance(other, Tensor) else _operand(other, self)
        return _binary(MOD, np.remainder, self, other, quiet=True)

    def __rmod__(self, other: Operand) -> Tensor:
        return _binary(MOD, np.remainder, _operand(other, self), self, quiet=True)

    def __matmul__(self, other: Operand) -> Tensor:
        other = other if isinstance(other, Tensor) else _operand(other, self)
        x, y = self._data, other._data
        try:
            data = _matrix_product(x, y) if x.ndim == 2 and y.ndim == 2 else x @ y
            return _node2(data, self, other, MATMUL)
        except ValueError:
            return _matmul(self, other)  # which says what the shapes lack

    def __rmatmul__(self, other: Operand) -> Tensor:
        return _matmul(_operand(other, self), self)

    def __neg__(self) -> Tensor:
        return _node1(-self._data, self, _OPS.neg)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _node(np.abs(self._data), (self,), _OPS.abs)

    # -- elementwise functions

    def abs(self) -> Tensor:
        """|x|; its derivative is sign(x), taken as 0 at 0 (as PyTorch)."""
        return self.__abs__()

    def exp(self) -> Tensor:
        """e^x (``inf`` past about 709.78, without a warning)."""
        return _node1(_quiet_exp(self._data), self, _OPS.exp)

    def log(self) -> Tensor:
        """Natural logarithm: ``log(0) = -inf``, ``log(x < 0) = nan``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return _node(np.log(self._data), (self,), _OPS.log)

    def log1p(self) -> Tensor:
        """log(1 + x), accurate when x is tiny."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return _node(np.log1p(self._data), (self,), _OPS.log1p)

    def sqrt(self) -> Tensor:
        """Square root: ``nan`` for negative x."""
        with np.errstate(invalid="ignore"):
            return _node(np.sqrt(self._data), (self,), _OPS.sqrt)

    def tanh(self) -> Tensor:
        """Hyperbolic tangent."""
        return _node(np.tanh(self._data), (self,), TANH)

    def sigmoid(self) -> Tensor:
        """Logistic sigmoid 1 / (1 + e^-x): no overflow, exact in the far negative tail.

        >>> print(f"{Tensor(-40.0).sigmoid().item():.6e}")
        4.248354e-18
        """
        return _node1(_sigmoid_array(self._data), self, SIGMOID)

    def relu(self) -> Tensor:
        """max(0, x); its derivative at 0 is taken as 0 (as PyTorch)."""
        return _node(np.maximum(self._data, 0.0), (self,), RELU)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """x where x > 0, ``negative_slope * x`` elsewhere."""
        data = np.where(self._data > 0, self._data, self._data * negative_slope)
        return _node(data, (self,), _leaky_relu_op(float(negative_slope)))

    def sin(self) -> Tensor:
        """Sine (``nan`` at infinity)."""
        return _unary(np.sin, self, _OPS.sin)

    def cos(self) -> Tensor:
        """Cosine (``nan`` at infinity)."""
        return _unary(np.cos, self, _OPS.cos)

    def sign(self) -> Tensor:
        """-1, 0 or 1 (0 for nan, as PyTorch); its derivative is 0 everywhere, also at 0."""
        return _unary(_sign_array, self, _OPS.sign)

    def log2(self) -> Tensor:
        """Base-2 logarithm: ``log2(0) = -inf``, ``log2(x < 0) = nan``."""
        return _unary(np.log2, self, _OPS.log2)

    def log10(self) -> Tensor:
        """Base-10 logarithm: ``log10(0) = -inf``, ``log10(x < 0) = nan``."""
        return _unary(np.log10, self, _OPS.log10)

    def expm1(self) -> Tensor:
        """e^x - 1, accurate when x is tiny."""
        return _unary(np.expm1, self, _OPS.expm1)

    def exp2(self) -> Tensor:
        """2^x (``inf`` from 1024 on)."""
        return _unary(np.exp2, self, _OPS.exp2)

    def tan(self) -> Tensor:
        """Tangent."""
        return _unary(np.tan, self, _OPS.tan)

    def sinh(self) -> Tensor:
        """Hyperbolic sine."""
        return _unary(np.sinh, self, _OPS.sinh)

    def cosh(self) -> Tensor:
        """Hyperbolic cosine."""
        return _unary(np.cosh, self, _OPS.cosh)

    def arcsin(self) -> Tensor:
        """Inverse sine on [-1, 1] (nan outside); its derivative is inf at +-1."""
        return _unary(np.arcsin, self, _OPS.arcsin)

    def arccos(self) -> Tensor:
        """Inverse cosine on [-1, 1] (nan outside); its derivative is -inf at +-1."""
        return _unary(np.arccos, self, _OPS.arccos)

    def arctan(self) -> Tensor:
        """Inverse tangent."""
        return _unary(np.arctan, self, _OPS.arctan)

    def arcsinh(self) -> Tensor:
        """Inverse hyperbolic sine."""
        return _unary(np.arcsinh, self, _OPS.arcsinh)

    def arccosh(self) -> Tensor:
        """Inverse hyperbolic cosine on [1, inf) (nan below); derivative inf at 1."""
        return _unary(np.arccosh, self, _OPS.arccosh)

    def arctanh(self) -> Tensor:
        """Inverse hyperbolic tangent on [-1, 1] (+-inf at +-1, nan outside)."""
        return _unary(np.arctanh, self, _OPS.arctanh)

    def sinc(self) -> Tensor:
        """The normalized sinc sin(pi x)/(pi x), 1 at 0 (as NumPy and PyTorch)."""
        return _unary(np.sinc, self, _OPS.sinc)

    def deg2rad(self) -> Tensor:
        """Degrees to radians: x * pi/180."""
        return _unary(np.deg2rad, self, _OPS.deg2rad)

    def rad2deg(self) -> Tensor:
        """Radians to degrees: x * 180/pi."""
        return _unary(np.rad2deg, self, _OPS.rad2deg)

    def arctan2(self, other: Operand) -> Tensor:
        """The angle of the points (other, self), elementwise: ``atan2(self, other)``."""
        return _binary(_OPS.arctan2, np.arctan2, self, _operand(other, self), quiet=True)

    def hypot(self, other: Operand) -> Tensor:
        """sqrt(self^2 + other^2) elementwise, without overflow on the way."""
        return _binary(_OPS.hypot, np.hypot, self, _operand(other, self), quiet=True)

    def maximum(self, other: Operand) -> Tensor:
        """The elementwise maximum (see :func:`maximum`)."""
        return maximum(self, other)

    def minimum(self, other: Operand) -> Tensor:
        """The elementwise minimum (see :func:`minimum`)."""
        return minimum(self, other)

    # PyTorch's names for the same functions
    asin, acos, atan, asinh, acosh, atanh = arcsin, arccos, arctan, arcsinh, arccosh, arctanh
    atan2 = arctan2

    # -- reductions

    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (None: all; an int, negative ints, or a tuple of them).

        >>> Tensor([[1.0, 2.0], [3.0, 4.0]]).sum(axis=-1).data
        array([3., 7.])
        """
        data = self._data
        if axis is None and not keepdims:  # the sum of everything (a loss)
            return _node1(_add_reduce(data, None), self, _sum_op(_ALL_AXES[data.ndim], False))
        if axis is None:
            axes = tuple(range(data.ndim))
        else:
            axes = _axes(axis, data.ndim, "sum", data.shape)
        total = _add_reduce(data, None if axis is None else axes, keepdims=keepdims)
        return _node1(total, self, _sum_op(axes, bool(keepdims)))

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (as :meth:`sum`)."""
        data = self._data
        if axis is None:
            axes = tuple(range(data.ndim))
            count = data.size
        else:
            axes = _axes(axis, data.ndim, "mean", data.shape)
            count = _reduced_count(data.shape, axes)
        total = _add_reduce(data, None if axis is None else axes, keepdims=keepdims)
        total = total / count if count else _quietly(np.divide, total, count)
        return _node1(total, self, _mean_op(axes, bool(keepdims)))

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Maximum over ``axis``; tied elements share the gradient evenly (``torch.amax``)."""
        axes = _axes(axis, self._data.ndim, "max", self.shape)
        try:
            data = self._data.max(axis=None if axis is None else axes, keepdims=keepdims)
        except ValueError:
            raise ValueError(
                f"max: no elements to reduce in a Tensor of shape {self.shape}"
            ) from None
        return _node(data, (self,), _max_op(axes, bool(keepdims)))

    def softmax(self, axis: int | None = -1) -> Tensor:
        """exp(x) / sum(exp(x)) along ``axis``, computed without overflow."""
        axis = self._softmax_axis(axis, "softmax")
        return _node(_softmax_array(self._data, axis), (self,), _softmax_op(axis))

    def log_softmax(self, axis: int | None = -1) -> Tensor:
        """x - log(sum(exp(x))) along ``axis``, stable for huge logits."""
        axis = self._softmax_axis(axis, "log_softmax")
        return _node1(_log_softmax_array(self._data, axis), self, _log_softmax_op(axis))

    def _softmax_axis(self, axis: int | None, op_name: str) -> int | None:
        if axis is None or self._data.ndim == 0:  # a 0-d Tensor is a single class
            return None
        return _axes(axis, self._data.ndim, op_name, self.shape)[0]

    # -- shape

    def reshape(self, *shape: Any) -> Tensor:
        """The same numbers in a new shape (``reshape(2, 3)`` or ``reshape((2, 3))``)."""
        new_shape = shape[0] if len(shape) == 1 and not isinstance(shape[0], _INTEGERS) else shape
        try:
            data = self._data.reshape(new_shape)
        except (ValueError, TypeError) as error:
            raise ValueError(
                f"reshape: cannot reshape a Tensor of shape {self.shape} ({self.size} "
                f"elements) into {tuple(new_shape)}: {error}"
            ) from None
        return _node(data, (self,), RESHAPE)

    def transpose(self, *axes: Any) -> Tensor:
        """Permute the axes (reversed when none are given, as NumPy)."""
        if len(axes) == 1 and not isinstance(axes[0], _INTEGERS):
            axes = tuple(axes[0])
        order = axes if axes else tuple(range(self._data.ndim))[::-1]
        try:
            normalized = _normalize_axes(order, self._data.ndim)
        except (TypeError, ValueError) as error:
            raise ValueError(f"transpose: {error} (Tensor of shape {self.shape})") from None
        if len(normalized) != self._data.ndim:
            raise ValueError(
                f"transpose: axes {axes} do not permute a Tensor of shape {self.shape}"
            )
        return _node(self._data.transpose(normalized), (self,), _transpose_op(normalized))

    @property
    def T(self) -> Tensor:
        """All axes reversed (the matrix transpose for 2-d).

        A matrix's transpose (``x @ W.T``, in every layer) goes straight to its node:
        the same ``transpose`` op that :meth:`transpose` records, without parsing axes.
        """
        data = self._data
        if data.ndim == 2:
            return _node1(data.T, self, MATRIX_TRANSPOSE)
        return self.transpose()

    def __getitem__(self, index: Any) -> Tensor:
        """Basic slicing and integer-array indexing, as NumPy; repeated indices add up.

        >>> t = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        >>> t[[0, 0, 2]].sum().backward()
        >>> t.grad
        array([2., 0., 1.])
        """
        plain, repeats = _plain_index(index)
        try:
            data = self._data[plain]
        except IndexError as error:
            raise IndexError(f"{error} (Tensor of shape {self.shape})") from None
        if not _recording(self):
            return _leaf(data)
        return _node1(data, self, _getitem_op(plain, repeats))

    # -- comparisons give NumPy boolean arrays: no node, no gradient (PyTorch's comparisons
    # give a bool Tensor that does not require grad). A mask works in indexing, in where(),
    # and in arithmetic as a 0/1 constant (mask * t).

    def __lt__(self, other: Operand | Value) -> Any:
        return self._data < _compared(other)

    def __le__(self, other: Operand | Value) -> Any:
        return self._data <= _compared(other)

    def __gt__(self, other: Operand | Value) -> Any:
        return self._data > _compared(other)

    def __ge__(self, other: Operand | Value) -> Any:
        return self._data >= _compared(other)

    def __eq__(self, other: object) -> Any:
        return self._data == _compared(other)

    def __ne__(self, other: object) -> Any:
        return self._data != _compared(other)

    __hash__ = object.__hash__  # identity: graphs keep Tensors in sets and dicts

    # -- backward

    def backward(self, gradient: Any = None, *, create_graph: bool = False) -> None:
        """Fill ``.grad`` of every Tensor this one depends on with d self / d that Tensor.

        A one-element Tensor seeds a gradient of ones; any other needs ``gradient`` (an
        array of its shape: the vector in the vector-Jacobian product). Leaf gradients
        accumulate across calls (:meth:`zero_grad` resets them); interior gradients are
        recomputed. ``create_graph=True`` makes the gradients Tensors that can be
        differentiated again (a leaf's ``grad`` then refers to a graph that refers back
        to the leaf, a cycle that :meth:`zero_grad` breaks, as in PyTorch).
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a Tensor that does not require a gradient: it was not "
                "computed from any Tensor with requires_grad=True (or under no_grad())"
            )
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError(
                    f"backward() on a Tensor of shape {self.shape} needs a gradient: pass "
                    f"gradient=<array of shape {self.shape}> (d loss / d this Tensor), or "
                    "reduce it to one number first, e.g. t.sum().backward()"
                )
            seed = self._seed(create_graph)
        else:
            given = gradient._data if isinstance(gradient, Tensor) else gradient
            seed_data = np.array(given, dtype=self._data.dtype)
            if seed_data.shape != self.shape:
                raise ValueError(
                    f"backward(): gradient of shape {seed_data.shape} does not match "
                    f"the Tensor's shape {self.shape}"
                )
            if create_graph:
                seed = gradient if isinstance(gradient, Tensor) else Tensor(seed_data)
            else:
                seed = seed_data
        _backward_quietly(self, seed, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Forget this Tensor's gradient (``grad = None``, as PyTorch's set_to_none)."""
        self._grad = None

    def detach(self) -> Tensor:
        """A new leaf sharing this Tensor's data, cut off from the graph."""
        return Tensor(self._data, label=self.label)

    # -- what the functional API (grad, value_and_grad, jacobian) asks of a node kind

    def _as_input(self) -> Tensor:
        node = Tensor(self._data, requires_grad=True, label=self.label)
        if grad_mode.enabled:
            node._a = self
            node.op = _OPS.identity
            node._mark = _clock[0]
        return node

    def _seed(self, create_graph: bool) -> Any:
        ones = np.empty(self._data.shape, self._data.dtype)
        ones.fill(1.0)  # np.ones, without its Python wrapper: once per backward pass
        return Tensor(ones) if create_graph else ones

    def _zeros_like(self) -> Array:
        return np.zeros_like(self._data)

    def _constant(self, x: Any) -> Tensor:
        return Tensor(x)


Tensor._sum_to_shape = _sum_to_shape  # how backward sums a broadcast input's gradient

# A backward pass divides by zero and overflows where the numbers say so, without warnings.
_backward_quietly = np.errstate(all="ignore")(engine.backward)


# ----------------------------------------------------------------------------- module functions


def _first_tensor(items: Sequence[Any]) -> Tensor:
    for item in items:
        if isinstance(item, Tensor):
            return item
    return as_tensor(items[0])


def concatenate(tensors: Sequence[Operand], axis: int = 0) -> Tensor:
    """Join Tensors (or arrays) along an existing axis, as ``np.concatenate``.

    >>> concatenate([Tensor([1.0, 2.0]), Tensor([3.0])]).data
    array([1., 2., 3.])
    """
    if len(tensors) == 0:
        raise ValueError("concatenate: needs at least one Tensor")
    like = _first_tensor(tensors)
    parts = tuple(_operand(t, like) for t in tensors)
    try:
        data = np.concatenate([t._data for t in parts], axis=axis)
    except ValueError as error:
        shapes = ", ".join(str(t.shape) for t in parts)
        raise ValueError(f"concatenate along axis {axis}: shapes {shapes}: {error}") from None
    if not _recording(*parts):
        return _leaf(data)
    positive_axis = _normalize_axes(axis, data.ndim)[0]
    sizes = tuple(t.shape[positive_axis] for t in parts)
    return _node(data, parts, _concatenate_op(positive_axis, sizes))


def stack(tensors: Sequence[Operand], axis: int = 0) -> Tensor:
    """Join Tensors of one shape along a new axis, as ``np.stack``.

    >>> stack([Tensor([1.0, 2.0]), Tensor([3.0, 4.0])], axis=1).shape
    (2, 2)
    """
    if len(tensors) == 0:
        raise ValueError("stack: needs at least one Tensor")
    like = _first_tensor(tensors)
    parts = tuple(_operand(t, like) for t in tensors)
    shapes = {t.shape for t in parts}
    if len(shapes) > 1:
        listed = ", ".join(str(t.shape) for t in parts)
        raise ValueError(f"stack: all Tensors need one shape; got {listed}")
    try:
        data = np.stack([t._data for t in parts], axis=axis)
    except ValueError as error:
        raise ValueError(f"stack along axis {axis}: {error}") from None
    if not _recording(*parts):
        return _leaf(data)
    positive_axis = _normalize_axes(axis, data.ndim)[0]
    return _node(data, parts, _stack_op(positive_axis, len(parts)))


def where(condition: Any, x: Operand, y: Operand) -> Tensor:
    """``x`` where ``condition`` holds, ``y`` elsewhere (broadcasting, as ``np.where``).

    The condition is data (a boolean array, e.g. from a comparison), not a node.

    >>> t = Tensor([-1.0, 2.0])
    >>> where(t > 0, t, 0.0).data
    array([0., 2.])
    """
    cond = np.asarray(_data(condition), dtype=bool)
    like = _first_tensor((x, y))
    a, b = _operand(x, like), _operand(y, like)
    try:
        data = np.where(cond, a._data, b._data)
    except ValueError:
        raise ValueError(
            f"cannot broadcast condition {cond.shape}, {a.shape} and {b.shape} in where"
        ) from None
    if not _recording(a, b):
        return _leaf(data)
    return _node(data, (a, b), _where_op(cond))


def maximum(x: Operand, y: Operand) -> Tensor:
    """The elementwise maximum (NaN wins; on a tie each input gets half the gradient).

    >>> maximum(Tensor([1.0, 5.0]), 3.0).data
    array([3., 5.])
    """
    like = _first_tensor((x, y))
    return _binary(MAXIMUM, np.maximum, _operand(x, like), _operand(y, like))


def minimum(x: Operand, y: Operand) -> Tensor:
    """The elementwise minimum (NaN wins; on a tie each input gets half the gradient).

    >>> minimum(Tensor([1.0, 5.0]), 3.0).data
    array([1., 3.])
    """
    like = _first_tensor((x, y))
    return _binary(MINIMUM, np.minimum, _operand(x, like), _operand(y, like))


def linear(x: Operand, weight: Operand, bias: Operand | None = None) -> Tensor:
    """A fully connected layer ``x @ weight.T + bias`` as one node (PyTorch's F.linear).

    ``weight`` is shaped ``(n_out, n_in)`` (row j holds the weights into neuron j),
    ``bias`` ``(n_out,)``, and ``x`` ``(..., n_in)``. One node instead of three: the
    backward pass does the same matrix products with less bookkeeping.

    >>> W = Tensor([[1.0, 2.0]]); b = Tensor([0.5])
    >>> linear(Tensor([[3.0, 4.0]]), W, b).data
    array([[11.5]])
    """
    w = weight if isinstance(weight, Tensor) else Tensor(weight)
    x = x if isinstance(x, Tensor) else _operand(x, w)
    x_shape, w_shape = x._data.shape, w._data.shape
    if len(w_shape) != 2 or not x_shape or x_shape[-1] != w_shape[1]:
        raise ValueError(
            f"linear: input {x_shape} and weight {w_shape} do not fit: the weight must be "
            "(n_out, n_in) and the input's last dimension n_in"
        )
    data = _product(x._data, w._data.T)
    if bias is None:
        return _node(data, (x, w), LINEAR_NO_BIAS)
    b = bias if isinstance(bias, Tensor) else _operand(bias, w)
    if b._data.shape != w_shape[:1]:
        raise ValueError(
            f"linear: bias {b.shape} does not fit weight {w_shape}: needs ({w_shape[0]},)"
        )
    if data.dtype == b._data.dtype:
        data += b._data  # in place: the product is a fresh array
    else:
        data = data + b._data
    return _node(data, (x, w, b), LINEAR)
