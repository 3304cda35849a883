"""Gradients as functions, in the style of JAX and HIPS autograd: reverse and forward mode.

``grad(f)`` is a new function that returns the gradient of ``f`` at its arguments.
Calls nest: ``grad(grad(f))`` is the second derivative. Arguments may be plain
numbers (they become :class:`~autograd_lite.value.Value` nodes), NumPy arrays (they
become :class:`~autograd_lite.tensor.Tensor` nodes) or nodes of an enclosing call.

Two modes, one chain rule:

* **Reverse mode** (:func:`grad`, :func:`value_and_grad`, :func:`vjp`, :func:`jacrev`):
  one backward pass from an output gives its derivative with respect to every input.
  The right tool for one loss and many parameters.
* **Forward mode** (:func:`jvp`, :func:`jacfwd`): one pass *forwards* pushes a tangent
  (a direction of change of the inputs) through the graph and gives the derivative of
  every output along it. The right tool for few inputs and many outputs. Tangents travel
  through the same op tables (each op's ``tangent`` rule, or for elementwise ops its
  backward rule applied to the tangent), along the graph the function's evaluation
  recorded: dual numbers (value, tangent) on Values, tangent arrays on Tensors.

Built from them: :func:`hessian` (forward over reverse, as JAX), :func:`hvp` (a
Hessian-vector product, forward over reverse: one backward pass recorded, one tangent
pass over it), :func:`elementwise_grad`, :func:`grad_and_aux`.

>>> from autograd_lite import grad, jvp
>>> grad(lambda x: x**3)(2.0)
12.0
>>> grad(grad(lambda x: x**3))(2.0)
12.0
>>> jvp(lambda x: x**3, (2.0,), (1.0,))
(8.0, 12.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import engine
from .tensor import Tensor, _to_value, as_tensor, stack
from .value import Value

__all__ = [
    "elementwise_grad",
    "grad",
    "grad_and_aux",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "value_and_grad",
    "vjp",
]

Argnums = int | Sequence[int]


class _Enclosing:
    """How many ``grad``-style calls are evaluating their function right now.

    A call made while another one evaluates its function is nested in it, even when
    its own arguments are plain arrays (``grad(f, argnums=0)(x, y)`` with ``y`` a node of
    the enclosing call): it must record its derivative pass (``create_graph``) and return
    nodes, so that the enclosing call can differentiate through it.
    """

    __slots__ = ("depth",)

    def __init__(self) -> None:
        self.depth = 0


_enclosing = _Enclosing()

# What a function may return besides a node: a constant (a number, a bool, a NumPy
# scalar or array, e.g. a comparison), whose derivative is zero.
_CONSTANTS = (bool, int, float, np.number, np.bool_, np.ndarray)


def _evaluate(
    f: Callable[..., Any], arguments: list[Any], kwargs: dict[str, Any], caller: str, aux: bool
) -> tuple[Any, Any]:
    """``f(*arguments, **kwargs)`` with the graph recorded, counted as an enclosing
    evaluation; returns (output, auxiliary data or None).

    ``f`` must return a node or a constant (``has_aux``: a pair of them and anything);
    ``caller`` names the API function in the error otherwise.
    """
    _enclosing.depth += 1
    try:
        with engine.enable_grad():
            result = f(*arguments, **kwargs)
    finally:
        _enclosing.depth -= 1
    extra = None
    if aux:
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(
                f"with has_aux=True the function passed to {caller}() must return a pair "
                f"(output, auxiliary data), got {type(result).__name__}"
            )
        result, extra = result
    if not isinstance(result, (Value, Tensor, *_CONSTANTS)):
        raise TypeError(
            f"the function passed to {caller}() must return a Value or a Tensor built "
            f"from its arguments (or a constant), got {type(result).__name__}"
        )
    return result, extra


def _lift(arg: Any, caller: str = "grad") -> tuple[Any, bool]:
    """A fresh node standing for one differentiated argument, and whether it is nested.

    A node from an enclosing call is wrapped in an identity node whose parent is that
    node, so the inner derivative is recorded as a graph the outer one can
    differentiate; the inner pass stops at the wrapper.
    """
    if isinstance(arg, (Value, Tensor)):
        return arg._as_input(), True
    if isinstance(arg, (np.ndarray, list, tuple)):
        return Tensor(arg, requires_grad=True), False
    if isinstance(arg, bool) or not isinstance(arg, (int, float, np.number)):
        raise TypeError(
            f"{caller}() differentiates with respect to numbers, NumPy arrays, Values or "
            f"Tensors; argument is {type(arg).__name__}: {arg!r}"
        )
    return Value(arg), False


def _positions(argnums: Argnums, count: int) -> tuple[int, ...]:
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if any(not -count <= i < count for i in positions):
        raise IndexError(f"argnums {argnums!r} is out of range for {count} positional arguments")
    return positions


def _lift_arguments(
    args: tuple[Any, ...], positions: tuple[int, ...], caller: str
) -> tuple[list[Any], list[Any], bool]:
    """The arguments with those at ``positions`` replaced by fresh nodes; the nodes; and
    whether the call is nested in another."""
    arguments = list(args)
    inputs = []
    nested = _enclosing.depth > 0
    for i in positions:
        node, is_nested = _lift(arguments[i], caller)
        arguments[i] = node
        inputs.append(node)
        nested = nested or is_nested
    return arguments, inputs, nested


def _plain(x: Any, nested: bool) -> Any:
    """An output as the caller sees it: nodes when nested, data (float, ndarray) if not."""
    if nested:
        return x
    if isinstance(x, Value):
        return x.data
    if isinstance(x, Tensor):
        return x.data.copy()
    if isinstance(x, tuple):
        return tuple(_plain(item, nested) for item in x)
    if isinstance(x, list):
        return [_plain(item, nested) for item in x]
    if isinstance(x, dict):
        return {key: _plain(item, nested) for key, item in x.items()}
    return x


def _named(wrapper: Callable[..., Any], kind: str, f: Callable[..., Any], argnums: Any) -> None:
    """Name ``wrapper`` after what it computes (``grad_of_loss_wrt_argnum_0``), as HIPS
    autograd does, so tracebacks and reprs say which function it differentiates."""
    name = getattr(f, "__name__", type(f).__name__)
    wrapper.__name__ = wrapper.__qualname__ = f"{kind}_of_{name}_wrt_argnum_{argnums}"
    wrapper.__doc__ = (
        f"    {kind} of function {name} with respect to argument number {argnums}.\n"
        f"    {name}'s own documentation:\n\n{getattr(f, '__doc__', None) or ''}"
    )


# ----------------------------------------------------------------------------- reverse mode


def value_and_grad(
    f: Callable[..., Any], argnums: Argnums = 0, *, has_aux: bool = False
) -> Callable[..., tuple[Any, Any]]:
    """A function returning ``(f(*args), gradient of f with respect to args[argnums])``.

    ``f`` must return a scalar (a Value, or a Tensor with one element); a constant (a
    number, or a comparison) has gradient zero. With a tuple ``argnums`` the gradient is
    a tuple, one entry per listed argument. Keyword arguments are passed to ``f`` and not
    differentiated. With ``has_aux=True``, ``f`` returns ``(output, aux)`` and the result
    is ``((value, aux), gradient)``, as in JAX. Plain inputs give plain outputs (floats,
    ndarrays); inside an enclosing call the results are nodes, so the enclosing function
    can differentiate them again.

    >>> value_and_grad(lambda x, k=1.0: k * x * x)(3.0, k=2.0)
    (18.0, 12.0)
    """
    single = isinstance(argnums, int)

    def value_and_grad_f(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        positions = _positions(argnums, len(args))
        arguments, inputs, nested = _lift_arguments(args, positions, "grad")
        out, aux = _evaluate(f, arguments, kwargs, "grad", has_aux)
        grads = _gradients_of_scalar(out, inputs, nested)
        value = _plain(out, nested)
        gradient = grads[0] if single else tuple(grads)
        return ((value, _plain(aux, nested)) if has_aux else value), gradient

    _named(value_and_grad_f, "value_and_grad", f, argnums)
    return value_and_grad_f


def _gradients_of_scalar(out: Any, inputs: list[Any], nested: bool) -> list[Any]:
    """The gradients of the scalar ``out`` with respect to ``inputs``: one backward pass."""
    size = out.data.size if isinstance(out, Tensor) else np.size(out)
    if size != 1:
        raise ValueError(
            "grad() needs a function with a scalar output; got a Tensor of shape "
            f"{np.shape(out.data if isinstance(out, Tensor) else out)} "
            "(use jacobian() for vector outputs, elementwise_grad() for their sum)"
        )
    if not isinstance(out, (Value, Tensor)):  # a constant: every gradient is zero
        return [_zero_if_unreached(node, nested) for node in inputs]
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


def grad(
    f: Callable[..., Any], argnums: Argnums = 0, *, has_aux: bool = False
) -> Callable[..., Any]:
    """The gradient of scalar-valued ``f`` with respect to ``args[argnums]``, as a function.

    Keyword arguments are passed through to ``f``; ``has_aux=True`` returns
    ``(gradient, aux)`` for an ``f`` returning ``(output, aux)``, as in JAX.

    >>> grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    (4.0, 3.0)
    >>> grad(lambda x: x > 0)(1.0)   # a comparison is flat: its gradient is 0
    0.0
    """
    value_and_grad_f = value_and_grad(f, argnums, has_aux=has_aux)

    def grad_f(*args: Any, **kwargs: Any) -> Any:
        value, gradient = value_and_grad_f(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient

    _named(grad_f, "grad", f, argnums)
    return grad_f


def grad_and_aux(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """HIPS autograd's name for ``grad(f, has_aux=True)``: ``f`` returns ``(output, aux)``
    and the new function returns ``(gradient, aux)``.

    >>> grad_and_aux(lambda x: (x * x, "note"))(3.0)
    (6.0, 'note')
    """
    return grad(f, argnums, has_aux=True)


def elementwise_grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The gradient of the *sum* of ``f``'s outputs: for an elementwise ``f`` that is each
    output's derivative at its own input, in one backward pass (HIPS autograd's
    ``elementwise_grad``; a vector-Jacobian product with a vector of ones).

    >>> import numpy as np
    >>> elementwise_grad(lambda x: x**2)(np.array([1.0, 2.0, 3.0]))
    array([2., 4., 6.])
    """

    def total(*args: Any, **kwargs: Any) -> Any:
        out = f(*args, **kwargs)
        return out.sum() if isinstance(out, (Tensor, np.ndarray)) else out

    return grad(total, argnums)


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """``f(*primals)`` and a function taking a cotangent ``v`` (shaped like the output) to
    ``v^T J``, one entry per primal: reverse mode as a function, as JAX's ``vjp``. The graph
    is recorded once and each call of the returned function runs one backward pass.

    >>> import numpy as np
    >>> out, pullback = vjp(lambda x: x * x, np.array([1.0, 2.0]))
    >>> pullback(np.array([1.0, 10.0]))
    (array([ 2., 40.]),)
    """
    arguments, inputs, nested = _lift_arguments(primals, tuple(range(len(primals))), "vjp")
    out, _ = _evaluate(f, arguments, {}, "vjp", False)

    def pullback(cotangent: Any) -> tuple[Any, ...]:
        if not isinstance(out, (Value, Tensor)):
            return tuple(_zero_if_unreached(node, nested) for node in inputs)
        seed = _matching(out, cotangent, nested, "vjp: cotangent", "the output")
        return tuple(_backward_to(out, seed, inputs, nested))

    return _plain(out, nested), pullback


def jacobian(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The full Jacobian of ``f`` with respect to ``args[argnums]``, in reverse mode.

    One backward pass per output element, each seeded with that element's one-hot
    vector, gives one row: the result has shape ``out.shape + x.shape``, and
    ``J[i..., j...]`` is d out[i...] / d x[j...]. Like :func:`grad` it nests. Also
    called :func:`jacrev`; :func:`jacfwd` gives the same matrix by columns. A tuple
    ``argnums`` gives a tuple of Jacobians, one per listed argument.

    >>> import numpy as np
    >>> jacobian(lambda x: x * x)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """

    def jacobian_f(*args: Any, **kwargs: Any) -> Any:
        if not isinstance(argnums, int):
            return tuple(jacobian(f, i)(*args, **kwargs) for i in argnums)
        positions = _positions(argnums, len(args))
        arguments, inputs, nested = _lift_arguments(args, positions, "jacobian")
        (node,) = inputs
        out, _ = _evaluate(f, arguments, kwargs, "jacobian", False)
        if not isinstance(out, Tensor) or out.ndim == 0:
            if isinstance(out, np.ndarray) and out.ndim > 0:
                return _constant_jacobian(out.shape, node, nested)
            # a scalar function: its Jacobian is its gradient
            return _gradients_of_scalar(out, [node], nested)[0]
        rows = []
        for i in range(out.data.size):
            seed = np.zeros_like(out.data)
            seed.flat[i] = 1.0
            rows.extend(_backward_to(out, Tensor(seed) if nested else seed, [node], nested))
        return _assemble(rows, out.shape, node, nested)

    return jacobian_f


jacrev = jacobian


def _node_shape(node: Any) -> tuple[int, ...]:
    return node.shape if isinstance(node, Tensor) else ()


def _constant_jacobian(out_shape: tuple[int, ...], node: Any, nested: bool) -> Any:
    zeros = np.zeros(out_shape + _node_shape(node))
    return Tensor(zeros) if nested else zeros


def _assemble(pieces: list[Any], outer: tuple[int, ...], node: Any, nested: bool) -> Any:
    """Rows (one per output element) of shape ``x.shape`` into ``outer + x.shape``."""
    shape = outer + _node_shape(node)
    if nested:
        if not pieces:
            return Tensor(np.zeros(shape))
        parts = [p if isinstance(p, Tensor) else as_tensor(p) for p in pieces]
        return stack(parts).reshape(shape)
    dtype = node.data.dtype if isinstance(node, Tensor) else np.float64
    return np.array([np.asarray(p) for p in pieces], dtype=dtype).reshape(shape)


# ----------------------------------------------------------------------------- forward mode


def _matching(node: Any, vector: Any, nested: bool, what: str, whose: str) -> Any:
    """``vector`` (a tangent or a cotangent) in the form ``node`` takes: a float (a Value
    when nested) for a Value, an array (a Tensor when nested) of its shape for a Tensor.
    A node given as the vector stays a node (converted between kinds if needed), so an
    enclosing call can differentiate with respect to it too."""
    if isinstance(node, Value):
        if isinstance(vector, Value):
            return vector
        if isinstance(vector, Tensor):
            return _to_value(vector) if nested else float(vector.data)
        return Value(float(vector)) if nested else float(vector)
    if isinstance(vector, (Value, Tensor)):
        data: Any = as_tensor(vector, node) if nested else np.asarray(vector.data, node.dtype)
    else:
        data = np.asarray(vector, dtype=node.data.dtype)
    if tuple(data.shape) != node.shape:
        raise ValueError(
            f"{what} of shape {tuple(data.shape)} does not match {whose}'s shape {node.shape}"
        )
    return Tensor(data) if nested and not isinstance(data, Tensor) else data


def _output_tangent(out: Any, seeds: dict[Any, Any], nested: bool) -> Any:
    """The tangent of ``out`` (zeros of its shape where it does not depend on the seeds)."""
    tangent = None
    if isinstance(out, (Value, Tensor)):
        with np.errstate(all="ignore"):
            tangent = engine.push_tangents(out, seeds, create_graph=nested)
    if tangent is None:
        if isinstance(out, Tensor):
            tangent = out._zeros_like()
        elif isinstance(out, np.ndarray):
            tangent = np.zeros(out.shape)
        else:
            tangent = 0.0
        if nested:
            tangent = Tensor(tangent) if isinstance(tangent, np.ndarray) else Value(tangent)
    if not nested:
        if isinstance(tangent, (Value, Tensor)):
            tangent = tangent.data
        if isinstance(out, Tensor):
            tangent = np.array(tangent, dtype=out.data.dtype)
        elif not isinstance(out, (np.ndarray, Tensor)):
            tangent = float(tangent)
    return tangent


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Forward mode: ``(f(*primals), J tangents)``, the derivative of ``f`` at ``primals``
    along the direction ``tangents`` (one per primal, of its shape), as JAX's ``jvp``.

    ``f`` is evaluated once on nodes; then the tangents travel forwards through the
    recorded graph, each op turning its inputs' tangents into its output's (dual numbers
    (value, tangent) for Values, arrays for Tensors). One pass gives the derivative of every
    output along one direction: as many passes as inputs for a full Jacobian
    (:func:`jacfwd`), against one backward pass per output in reverse mode. Like
    :func:`grad` it nests, in either order with reverse mode.

    >>> import numpy as np
    >>> jvp(lambda x: x.sin(), (0.0,), (2.0,))
    (0.0, 2.0)
    >>> jvp(lambda x: x * x, (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))
    (array([1., 4.]), array([2., 0.]))
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: {len(primals)} primals but {len(tangents)} tangents (one tangent per primal)"
        )
    arguments, inputs, nested = _lift_arguments(primals, tuple(range(len(primals))), "jvp")
    seeds = {
        node: _matching(node, t, nested, "jvp: tangent", "its primal")
        for node, t in zip(inputs, tangents)
    }
    out, _ = _evaluate(f, arguments, {}, "jvp", False)
    return _plain(out, nested), _output_tangent(out, seeds, nested)


def jacfwd(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The full Jacobian of ``f`` with respect to ``args[argnums]``, in forward mode.

    ``f`` is evaluated once; then one tangent pass per input element, each seeded with that
    element's one-hot direction, gives one column. The result has the shape
    ``out.shape + x.shape`` of :func:`jacrev`, whose matrix it equals (a tuple of them for
    a tuple ``argnums``).

    >>> import numpy as np
    >>> jacfwd(lambda x: x * x)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """

    def jacfwd_f(*args: Any, **kwargs: Any) -> Any:
        if not isinstance(argnums, int):
            return tuple(jacfwd(f, i)(*args, **kwargs) for i in argnums)
        positions = _positions(argnums, len(args))
        arguments, inputs, nested = _lift_arguments(args, positions, "jacfwd")
        (node,) = inputs
        out, _ = _evaluate(f, arguments, kwargs, "jacfwd", False)
        out_shape = tuple(np.shape(out.data if isinstance(out, (Value, Tensor)) else out))
        if isinstance(node, Value):
            return _output_tangent(out, {node: Value(1.0) if nested else 1.0}, nested)
        columns = []
        for j in range(node.data.size):
            direction = np.zeros_like(node.data)
            direction.flat[j] = 1.0
            seed = Tensor(direction) if nested else direction
            columns.append(_output_tangent(out, {node: seed}, nested))
        # columns[j] has the output's shape; J[i..., j...] wants them along the last axes
        if nested:
            if not columns:
                return Tensor(np.zeros(out_shape + node.shape))
            parts = [c if isinstance(c, Tensor) else as_tensor(c) for c in columns]
            stacked = stack(parts, axis=-1) if out_shape else stack(parts)
            return stacked.reshape(out_shape + node.shape)
        matrix = np.stack([np.asarray(c) for c in columns], axis=-1) if columns else None
        if matrix is None:
            return np.zeros(out_shape + node.shape, dtype=node.data.dtype)
        return matrix.reshape(out_shape + node.shape).astype(node.data.dtype, copy=False)

    return jacfwd_f


def hessian(f: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """The matrix of second derivatives of scalar-valued ``f``: forward over reverse
    (``jacfwd(jacrev(f))``, as JAX), shape ``x.shape + x.shape``.

    >>> import numpy as np
    >>> hessian(lambda x: (x**3).sum())(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    return jacfwd(jacrev(f, argnums), argnums)


def hvp(f: Callable[..., Any], x: Any, v: Any) -> Any:
    """The Hessian of scalar-valued ``f`` at ``x`` times the vector ``v``: H v.

    Forward over reverse: H v is the derivative of the gradient along ``v``, so one
    backward pass (recorded as a graph) and one tangent pass over it give H v without ever
    forming H (which for n parameters has n^2 entries): about three evaluations of ``f``,
    whatever n. ``x`` and ``v`` have one shape (or are numbers).

    >>> import numpy as np
    >>> hvp(lambda x: (x**3).sum(), np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    array([6., 0.])
    """
    return jvp(grad(f), (x,), (v,))[1]
