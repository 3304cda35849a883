"""Gradients as functions, in the style of JAX and HIPS autograd.

``grad(f)`` is a new function that returns the gradient of ``f`` at its arguments.
Calls nest: ``grad(grad(f))`` is the second derivative. Arguments may be plain
numbers (they become :class:`~autograd_lite.value.Value` nodes), NumPy arrays (they
become :class:`~autograd_lite.tensor.Tensor` nodes) or nodes of an enclosing ``grad``.
On top of ``grad``: :func:`hvp` (Hessian-vector products, reverse over reverse) and
:func:`jacobian` (one backward pass per output element).

>>> from autograd_lite import grad
>>> grad(lambda x: x**3)(2.0)
12.0
>>> grad(grad(lambda x: x**3))(2.0)
12.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import engine
from .tensor import Tensor, stack
from .value import Value

__all__ = ["grad", "hvp", "jacobian", "value_and_grad"]


class _Enclosing:
    """How many ``grad``-style calls are evaluating their function right now.

    A call made while another one evaluates its function is nested in it, even when
    its own arguments are plain arrays (``grad(f, argnums=0)(x, y)`` with ``y`` a node of
    the enclosing call): it must record its backward pass (``create_graph``) and return
    nodes, so that the enclosing call can differentiate through it.
    """

    __slots__ = ("depth",)

    def __init__(self) -> None:
        self.depth = 0


_enclosing = _Enclosing()


def _evaluate(f: Callable[..., Any], arguments: list[Any], caller: str) -> Value | Tensor:
    """``f(*arguments)`` with the graph recorded, counted as an enclosing evaluation.

    ``f`` must return a node; ``caller`` names the API function in the error otherwise.
    """
    _enclosing.depth += 1
    try:
        with engine.enable_grad():
            out = f(*arguments)
    finally:
        _enclosing.depth -= 1
    if not isinstance(out, (Value, Tensor)):
        raise TypeError(
            f"the function passed to {caller}() must return a Value or a Tensor built "
            f"from its arguments, got {type(out).__name__}"
        )
    return out


def _lift(arg: Any) -> tuple[Any, bool]:
    """A fresh node standing for one differentiated argument, and whether it is nested.

    A node from an enclosing ``grad`` is wrapped in an identity node whose parent is
    that node, so the inner gradient is recorded as a graph the outer one can
    differentiate; the inner backward pass stops at the wrapper.
    """
    if isinstance(arg, (Value, Tensor)):
        return arg._as_input(), True
    if isinstance(arg, (np.ndarray, list, tuple)):
        return Tensor(arg, requires_grad=True), False
    if isinstance(arg, bool) or not isinstance(arg, (int, float, np.number)):
        raise TypeError(
            "grad() differentiates with respect to numbers, NumPy arrays, Values or "
            f"Tensors; argument is {type(arg).__name__}: {arg!r}"
        )
    return Value(arg), False


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[Any, Any]]:
    """A function returning ``(f(*args), gradient of f with respect to args[argnums])``.

    ``f`` must return a scalar (a Value, or a Tensor with one element). With a tuple
    ``argnums`` the gradient is a tuple, one entry per listed argument. Plain inputs give
    plain outputs (floats, ndarrays); inside an enclosing ``grad`` the results are nodes,
    so the enclosing function can differentiate them again.
    """
    single = isinstance(argnums, int)
    positions: tuple[int, ...] = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def value_and_grad_f(*args: Any) -> tuple[Any, Any]:
        if any(not -len(args) <= i < len(args) for i in positions):
            raise IndexError(
                f"argnums {argnums!r} is out of range for {len(args)} positional arguments"
            )
        arguments = list(args)
        inputs = []
        nested = _enclosing.depth > 0
        for i in positions:
            node, is_nested = _lift(arguments[i])
            arguments[i] = node
            inputs.append(node)
            nested = nested or is_nested
        out = _evaluate(f, arguments, "grad")
        grads = _gradients_of_scalar(out, inputs, nested)
        value = out if nested else (out.data if isinstance(out, Value) else out.data.copy())
        return value, (grads[0] if single else tuple(grads))

    return value_and_grad_f


def _gradients_of_scalar(out: Value | Tensor, inputs: list[Any], nested: bool) -> list[Any]:
    """The gradients of the scalar ``out`` with respect to ``inputs``: one backward pass."""
    if isinstance(out, Tensor) and out.data.size != 1:
        raise ValueError(
            "grad() needs a function with a scalar output; got a Tensor of shape "
            f"{out.shape} (use jacobian() for vector outputs)"
        )
    return _backward_to(out, out._seed(nested), inputs, nested)


def _backward_to(out: Value | Tensor, seed: Any, inputs: list[Any], nested: bool) -> list[Any]:
    """One backward pass from ``out`` (seeded with ``seed``) that stops at ``inputs``.

    Returns each input's gradient; nested calls record the pass (``create_graph``).
    """
    for node in inputs:
        node.grad = None  # a fresh start, so the gradient is not 0.0 + contribution
    if out.requires_grad:  # else out is a constant: every gradient is zero
        with np.errstate(all="ignore"):  # IEEE inf and nan, as PyTorch, without warnings
            engine.backward(out, seed, create_graph=nested, stop=set(inputs))
    return [_zero_if_unreached(node, nested) for node in inputs]


def _zero_if_unreached(node: Any, nested: bool) -> Any:
    """The gradient of an input the output does not depend on is zero, not None.

    A Tensor input's gradient comes back as an ndarray of the input's shape and dtype
    (NumPy's arithmetic may have made it a 0-d scalar or promoted it to float64).
    """
    g = node.grad
    if g is None:
        g = node._zeros_like()
    if nested and not isinstance(g, (Value, Tensor)):
        g = node._constant(g)
    elif isinstance(node, Tensor) and not isinstance(g, Tensor):
        g = np.asarray(g, dtype=node.data.dtype)
    return g


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The gradient of scalar-valued ``f`` with respect to ``args[argnums]``, as a function.

    >>> grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    (4.0, 3.0)
    """
    value_and_grad_f = value_and_grad(f, argnums)

    def grad_f(*args: Any) -> Any:
        return value_and_grad_f(*args)[1]

    return grad_f


def hvp(f: Callable[..., Any], x: Any, v: Any) -> Any:
    """The Hessian of scalar-valued ``f`` at ``x`` times the vector ``v``: H v.

    Reverse over reverse: H v is the gradient of the directional derivative
    ``grad(f)(x) . v``, so two backward passes give it without ever forming H (which
    for n parameters has n^2 entries). ``x`` and ``v`` have one shape (or are numbers).

    >>> import numpy as np
    >>> hvp(lambda x: (x**3).sum(), np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    array([6., 0.])
    """

    def directional_derivative(point: Any) -> Any:
        slope = grad(f)(point)
        return (slope * v).sum() if isinstance(slope, Tensor) else slope * v

    return grad(directional_derivative)(x)


def jacobian(f: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """The full Jacobian of ``f`` with respect to ``args[argnums]``, as a function.

    One backward pass per output element, each seeded with that element's one-hot
    vector, gives one row: the result has shape ``out.shape + x.shape``, and
    ``J[i..., j...]`` is d out[i...] / d x[j...]. Like :func:`grad` it nests.

    >>> import numpy as np
    >>> jacobian(lambda x: x * x)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """

    def jacobian_f(*args: Any) -> Any:
        if not -len(args) <= argnums < len(args):
            raise IndexError(
                f"argnums {argnums} is out of range for {len(args)} positional arguments"
            )
        arguments = list(args)
        node, nested = _lift(arguments[argnums])
        nested = nested or _enclosing.depth > 0
        arguments[argnums] = node
        out = _evaluate(f, arguments, "jacobian")
        if isinstance(out, Value) or isinstance(node, Value):
            # a scalar function (or one of a number): its Jacobian is its gradient
            return _gradients_of_scalar(out, [node], nested)[0]
        rows = []
        for i in range(out.data.size):
            seed = np.zeros_like(out.data)
            seed.flat[i] = 1.0
            rows.extend(_backward_to(out, Tensor(seed) if nested else seed, [node], nested))
        shape = out.shape + node.shape
        if nested:
            return stack(rows).reshape(shape) if rows else node._constant(np.zeros(shape))
        return np.array(rows, dtype=node.data.dtype).reshape(shape)

    return jacobian_f
