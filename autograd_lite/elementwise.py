"""Elementwise functions that read like NumPy: ``sin(x)`` on a number, an array, a Value
or a Tensor.

Code written against ``numpy`` reads the same with these: on a :class:`Value` or a
:class:`Tensor` each function is that node's method (recorded, with its derivative rule in
the node kind's op table); on a plain number or an ndarray it is NumPy's function, so the
same code runs with and without differentiation. Two-argument functions mix kinds as
arithmetic does: a Value with an array or a Tensor is lifted to a 0-d Tensor whose
gradient flows back to it.

>>> from autograd_lite import Value, grad, sin, cos
>>> float(sin(0.5)) == float(sin(Value(0.5)).data)
True
>>> grad(lambda x: sin(x) * cos(x))(0.0)
1.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import tensor as _tensor
from . import value as _value
from .tensor import Tensor, as_tensor
from .value import Value

#: The functions of one node that are methods of both node kinds (``x.tan()``), by name;
#: the command line's expressions take exactly these (``autograd_lite.parse``).
METHODS_OF_ONE = (
    "abs",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctanh",
    "cos",
    "cosh",
    "deg2rad",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log10",
    "log1p",
    "log2",
    "rad2deg",
    "relu",
    "sigmoid",
    "sign",
    "sin",
    "sinc",
    "sinh",
    "sqrt",
    "tan",
    "tanh",
)
#: The functions of two nodes that are methods of both kinds (``y.arctan2(x)``).
METHODS_OF_TWO = ("arctan2", "hypot", "maximum", "minimum")

# The module's functions: the methods' names (but `absolute`, as NumPy, for the builtin's
# `abs`) and NumPy's other names for some of them.
__all__ = sorted(
    (set(METHODS_OF_ONE) - {"abs"})
    | set(METHODS_OF_TWO)
    | {"absolute", "degrees", "mod", "power", "radians", "remainder", "where"}
)


def _unary(method: str, numpy_function: Any, x: Any) -> Any:
    """The node's own method on a Value or a Tensor, NumPy's function on anything else."""
    if isinstance(x, (Value, Tensor)):
        return getattr(x, method)()
    return numpy_function(x)


def _is_array(x: Any) -> bool:
    return isinstance(x, Tensor) or (isinstance(x, np.ndarray) and x.ndim > 0)


def _binary(method: str, numpy_function: Any, x: Any, y: Any) -> Any:
    """``x.method(y)`` on nodes (a Value among arrays lifted to a 0-d Tensor), else NumPy."""
    has_node = isinstance(x, (Value, Tensor)) or isinstance(y, (Value, Tensor))
    if not has_node:
        return numpy_function(x, y)
    if _is_array(x) or _is_array(y):
        like = x if _is_array(x) else y
        return getattr(as_tensor(x, like), method)(as_tensor(y, like))
    return getattr(_value._as_value(x), method)(y)


def absolute(x: Any) -> Any:
    """|x| (the builtin ``abs(x)`` works on nodes too)."""
    return _unary("abs", np.absolute, x)


def sign(x: Any) -> Any:
    """-1, 0 or 1; its derivative is 0 everywhere (also at 0, as PyTorch)."""
    return _unary("sign", np.sign, x)


def exp(x: Any) -> Any:
    """e^x."""
    return _unary("exp", np.exp, x)


def exp2(x: Any) -> Any:
    """2^x."""
    return _unary("exp2", np.exp2, x)


def expm1(x: Any) -> Any:
    """e^x - 1, accurate for tiny x."""
    return _unary("expm1", np.expm1, x)


def log(x: Any) -> Any:
    """The natural logarithm (-inf at 0, nan below)."""
    return _unary("log", np.log, x)


def log2(x: Any) -> Any:
    """The base-2 logarithm."""
    return _unary("log2", np.log2, x)


def log10(x: Any) -> Any:
    """The base-10 logarithm."""
    return _unary("log10", np.log10, x)


def log1p(x: Any) -> Any:
    """log(1 + x), accurate for tiny x."""
    return _unary("log1p", np.log1p, x)


def sqrt(x: Any) -> Any:
    """The square root (nan below 0)."""
    return _unary("sqrt", np.sqrt, x)


def sin(x: Any) -> Any:
    """The sine."""
    return _unary("sin", np.sin, x)


def cos(x: Any) -> Any:
    """The cosine."""
    return _unary("cos", np.cos, x)


def tan(x: Any) -> Any:
    """The tangent."""
    return _unary("tan", np.tan, x)


def sinh(x: Any) -> Any:
    """The hyperbolic sine."""
    return _unary("sinh", np.sinh, x)


def cosh(x: Any) -> Any:
    """The hyperbolic cosine."""
    return _unary("cosh", np.cosh, x)


def tanh(x: Any) -> Any:
    """The hyperbolic tangent."""
    return _unary("tanh", np.tanh, x)


def arcsin(x: Any) -> Any:
    """The inverse sine on [-1, 1]; its derivative is inf at +-1."""
    return _unary("arcsin", np.arcsin, x)


def arccos(x: Any) -> Any:
    """The inverse cosine on [-1, 1]; its derivative is -inf at +-1."""
    return _unary("arccos", np.arccos, x)


def arctan(x: Any) -> Any:
    """The inverse tangent."""
    return _unary("arctan", np.arctan, x)


def arcsinh(x: Any) -> Any:
    """The inverse hyperbolic sine."""
    return _unary("arcsinh", np.arcsinh, x)


def arccosh(x: Any) -> Any:
    """The inverse hyperbolic cosine on [1, inf)."""
    return _unary("arccosh", np.arccosh, x)


def arctanh(x: Any) -> Any:
    """The inverse hyperbolic tangent on [-1, 1]."""
    return _unary("arctanh", np.arctanh, x)


def sinc(x: Any) -> Any:
    """sin(pi x)/(pi x), 1 at 0."""
    return _unary("sinc", np.sinc, x)


def deg2rad(x: Any) -> Any:
    """Degrees to radians."""
    return _unary("deg2rad", np.deg2rad, x)


def rad2deg(x: Any) -> Any:
    """Radians to degrees."""
    return _unary("rad2deg", np.rad2deg, x)


radians, degrees = deg2rad, rad2deg


def sigmoid(x: Any) -> Any:
    """1 / (1 + e^-x), without overflow."""
    return _unary("sigmoid", lambda a: _tensor._sigmoid_array(np.asarray(a, float)), x)


def relu(x: Any) -> Any:
    """max(0, x); its derivative at 0 is 0."""
    return _unary("relu", lambda a: np.maximum(a, 0.0), x)


def arctan2(y: Any, x: Any) -> Any:
    """The angle of the point (x, y), in (-pi, pi]."""
    return _binary("arctan2", np.arctan2, y, x)


def hypot(x: Any, y: Any) -> Any:
    """sqrt(x^2 + y^2)."""
    return _binary("hypot", np.hypot, x, y)


def maximum(x: Any, y: Any) -> Any:
    """The elementwise maximum; a tie splits the gradient in half (as torch.maximum)."""
    return _binary("maximum", np.maximum, x, y)


def minimum(x: Any, y: Any) -> Any:
    """The elementwise minimum; a tie splits the gradient in half (as torch.minimum)."""
    return _binary("minimum", np.minimum, x, y)


def power(x: Any, y: Any) -> Any:
    """x ** y."""
    return _binary("__pow__", np.power, x, y)


def mod(x: Any, y: Any) -> Any:
    """x % y with the sign of y (Python's %, NumPy's mod, PyTorch's remainder)."""
    return _binary("__mod__", np.mod, x, y)


remainder = mod


def where(condition: Any, x: Any, y: Any) -> Any:
    """``x`` where ``condition`` holds, ``y`` elsewhere; the gradient goes to the chosen one.

    With arrays or Tensors it is elementwise (:func:`autograd_lite.tensor.where`); with
    Values and numbers it picks one (:func:`autograd_lite.value.where`).
    """
    if isinstance(condition, Value):
        condition = bool(condition)
    if not isinstance(x, (Value, Tensor)) and not isinstance(y, (Value, Tensor)):
        return np.where(condition, x, y)  # no node: NumPy's answer, NumPy's dtype
    if _is_array(x) or _is_array(y) or _is_array(condition):
        like = x if _is_array(x) else (y if _is_array(y) else None)
        return _tensor.where(condition, as_tensor(x, like), as_tensor(y, like))
    return _value.where(condition, x, y)
