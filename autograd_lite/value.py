"""``Value``: a scalar that remembers how it was computed.

Each operation below has two halves, kept together in the table at the top of this
module: the forward computation (on floats, in the method of the same name further
down) and the derivative rules, one per input. A rule takes ``g`` (the gradient of the
output, arriving from above), ``out`` (the output) and the inputs, and returns
``g * d out / d input``: the chain rule for one edge. The rules use only operators and
the small helpers ``_exp``, ``_log``, ``_sin``... that work on floats and on Values
alike, so the same rule computes gradients (on floats) and gradients of gradients (on
Values, with ``create_graph=True``). Where the local derivative is 1 the rule is
``unchanged`` (``g`` itself, from the engine, which then skips the call).

Numerics follow PyTorch in float64 (IEEE arithmetic): ``log(0) = -inf``,
``log(-1) = nan``, ``exp(1000) = inf``, ``1/0 = inf``; no operation raises
``OverflowError`` or ``ZeroDivisionError``. Numbers are rounded to float64 on the way in,
so an int no float can hold rounds to infinity: ``Value(2.0) ** 10**400`` is ``inf``.
"""

from __future__ import annotations

import functools
import math
import numbers
import operator
from collections.abc import Callable, Sequence
from typing import Any, Union, cast

import numpy as np

from . import elementwise_rules, engine
from .engine import Op, grad_mode, parents_of, unchanged
from .engine import clock as _clock

__all__ = ["Comparison", "Value", "maximum", "minimum", "where", "weighted_sum"]

Number = Union[int, float]
Operand = Union["Value", int, float]
_INF = math.inf
_NAN = math.nan


# ----------------------------------------------------------------------------- IEEE helpers
# Python's float operations raise where IEEE arithmetic (and PyTorch) return inf or nan.


def _safe_div(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or a != a:
            return _NAN
        return math.copysign(_INF, a) * math.copysign(1.0, b)


def _is_odd_integer(b: float) -> bool:
    return b == int(b) and int(b) % 2 == 1


def _safe_pow(a: float, b: float) -> float:
    try:
        return math.pow(a, b)
    except ValueError:  # 0 ** negative, or negative ** non-integer
        if a == 0:
            return math.copysign(_INF, a) if _is_odd_integer(b) else _INF
        return _NAN
    except OverflowError:
        return -_INF if (a < 0 and _is_odd_integer(b)) else _INF


def _safe_exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        return _INF


def _safe_log(a: float) -> float:
    if a > 0:
        return math.log(a)
    return -_INF if a == 0 else _NAN


def _safe_trig(function: Any, a: float) -> float:
    try:
        return float(function(a))
    except ValueError:  # sin(inf), cos(inf)
        return _NAN


def _ieee(math_function: Callable[[float], float], numpy_function: Any) -> Callable[[float], float]:
    """A float function computed by ``math`` where it can, by NumPy (IEEE: inf, nan)
    where ``math`` raises: ``log2(0) = -inf``, ``arcsin(2) = nan``, ``sinh(1000) = inf``."""

    def function(a: float) -> float:
        try:
            return float(math_function(a))
        except (ValueError, OverflowError):
            with np.errstate(all="ignore"):
                return float(numpy_function(a))

    return function


_f_tan = _ieee(math.tan, np.tan)
_f_sinh = _ieee(math.sinh, np.sinh)
_f_cosh = _ieee(math.cosh, np.cosh)
_f_arcsin = _ieee(math.asin, np.arcsin)
_f_arccos = _ieee(math.acos, np.arccos)
_f_arctan = _ieee(math.atan, np.arctan)
_f_arcsinh = _ieee(math.asinh, np.arcsinh)
_f_arccosh = _ieee(math.acosh, np.arccosh)
_f_arctanh = _ieee(math.atanh, np.arctanh)
_f_log2 = _ieee(math.log2, np.log2)
_f_log10 = _ieee(math.log10, np.log10)
_f_log1p = _ieee(math.log1p, np.log1p)
_f_expm1 = _ieee(math.expm1, np.expm1)
_f_exp2 = _ieee(lambda a: math.pow(2.0, a), np.exp2)
_f_sqrt = _ieee(math.sqrt, np.sqrt)
_DEGREE = math.pi / 180.0  # one degree in radians


def _f_sign(a: float) -> float:
    # PyTorch's sign: 0 for 0 and for nan
    return 1.0 if a > 0 else (-1.0 if a < 0 else 0.0)


def _f_sinc(a: float) -> float:
    # sin(pi a) / (pi a), 1 at 0 (NumPy's and PyTorch's normalized sinc)
    with np.errstate(all="ignore"):
        return float(np.sinc(a))


def _f_mod(a: float, b: float) -> float:
    # The sign of the divisor, as Python's % and PyTorch's remainder; nan for b == 0.
    try:
        return a % b
    except ZeroDivisionError:
        return _NAN


def _f_floor_divide(a: float, b: float) -> float:
    with np.errstate(all="ignore"):
        return float(np.floor_divide(a, b))


def _stable_sigmoid(a: float) -> float:
    # 1 / (1 + e^-a) overflows e^-a for a < -709; the mirrored form never does.
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = _safe_exp(a)
    return e / (1.0 + e)


# Helpers used by derivative rules: on a Value they record an op, on a float they compute.
def _div(a: Any, b: Any) -> Any:
    if isinstance(a, Value) or isinstance(b, Value):
        return a / b
    return _safe_div(a, b)


def _pow(a: Any, b: Any) -> Any:
    if isinstance(a, Value) or isinstance(b, Value):
        return a**b
    return _safe_pow(a, b)


def _log(a: Any) -> Any:
    return a.log() if isinstance(a, Value) else _safe_log(a)


def _sin(a: Any) -> Any:
    return a.sin() if isinstance(a, Value) else _safe_trig(math.sin, a)


def _cos(a: Any) -> Any:
    return a.cos() if isinstance(a, Value) else _safe_trig(math.cos, a)


def _data(a: Any) -> float:
    return a._data if isinstance(a, Value) else a


def _node_or_float(method: str, on_float: Callable[[float], float]) -> Callable[[Any], Any]:
    """A helper for rules: the Value method ``method`` on a Value (recorded, so it can be
    differentiated again), ``on_float`` on a float (the fast path)."""

    def helper(a: Any) -> Any:
        return getattr(a, method)() if isinstance(a, Value) else on_float(a)

    return helper


_sqrt = _node_or_float("sqrt", _f_sqrt)
_sinh = _node_or_float("sinh", _f_sinh)
_cosh = _node_or_float("cosh", _f_cosh)


def _sign(a: Any) -> float:
    # Not differentiated further: the derivative of sign is zero almost everywhere.
    return _f_sign(_data(a))


def _sinc_rule(g: Any, out: Any, a: Any) -> Any:
    # d sinc(a)/da = (cos(pi a) - sinc(a)) / a, and 0 at a == 0 (PyTorch's value there)
    if _data(a) == 0:
        return g * 0.0
    return g * _div(_cos(math.pi * a) - out, a)


def _atan2_rule(numerator: Any, a: Any, b: Any) -> Any:
    # numerator / (a^2 + b^2), and 0 where a^2 + b^2 is 0 (PyTorch's value at the origin)
    x, y = _data(a), _data(b)
    if x * x + y * y == 0:
        return numerator * 0.0
    return _div(numerator, a * a + b * b)


def _larger_share(a: Any, b: Any) -> float:
    # How much of the gradient of max(a, b) goes to a: all, none, or half on a tie
    # (torch.maximum's convention). Read from the data: it is not differentiated further.
    x, y = _data(a), _data(b)
    return 1.0 if x > y else (0.5 if x == y else 0.0)


def _pow_base_rule(g: Any, out: Any, a: Any, b: Any) -> Any:
    # d a^b / da = b a^(b-1); PyTorch defines it as 0 where b == 0 (even at a == 0).
    if _data(b) == 0:
        return g * 0.0
    return g * (b * _pow(a, b - 1.0))


def _pow_exponent_rule(g: Any, out: Any, a: Any, b: Any) -> Any:
    # d a^b / db = a^b ln a; PyTorch defines it as 0 where a == 0 and b >= 0.
    if _data(a) == 0 and _data(b) >= 0:
        return g * 0.0
    return g * out * _log(a)


# ----------------------------------------------------------------------------- the op table
#   name          rule per input: g * d out / d input        formula per input (for people)

ADD = Op(
    "+",
    (unchanged, unchanged),
    ("d(a+b)/da = 1", "d(a+b)/db = 1"),
    "An addition passes its gradient unchanged to both inputs.",
    reads_inputs=False,
)
SUB = Op(
    "-",
    (unchanged, lambda g, out, a, b: -g),
    ("d(a-b)/da = 1", "d(a-b)/db = -1"),
    "A subtraction passes its gradient to the first input and its negative to the second.",
    reads_inputs=False,
)
MUL = Op(
    "*",
    (lambda g, out, a, b: g * b, lambda g, out, a, b: g * a),
    ("d(a*b)/da = b", "d(a*b)/db = a"),
    "A product sends each input the gradient times the other input.",
)
DIV = Op(
    "/",
    (
        lambda g, out, a, b: _div(g, b),
        lambda g, out, a, b: -g * _div(_div(a, b), b),
    ),
    ("d(a/b)/da = 1/b", "d(a/b)/db = -a/b^2"),
    "A quotient sends the numerator g/b and the denominator -g*a/b^2.",
)
POW = Op(
    "**",
    (_pow_base_rule, _pow_exponent_rule),
    ("d(a^b)/da = b*a^(b-1)", "d(a^b)/db = a^b*ln(a)"),
    "A power sends the base g*b*a^(b-1) and the exponent g*a^b*ln(a).",
)
TANH = Op(
    "tanh",
    (lambda g, out, a: g * ((1.0 - out) * (1.0 + out)),),
    ("d tanh(a)/da = 1 - tanh(a)^2",),
    "tanh passes g*(1 - out^2): almost nothing where it saturates near -1 or 1.",
)
SIGMOID = Op(
    "sigmoid",
    (lambda g, out, a: g * (out * (1.0 - out)),),
    ("d sigmoid(a)/da = sigmoid(a)*(1 - sigmoid(a))",),
    "The sigmoid passes g*out*(1 - out): at most a quarter of the gradient.",
)
RELU = Op(
    "relu",
    (lambda g, out, a: g * (1.0 if _data(a) > 0 else 0.0),),
    ("d relu(a)/da = 1 if a > 0 else 0",),
    "A ReLU passes the gradient where its input was positive and zero elsewhere.",
)
# The elementwise functions whose rules read the same on numbers and arrays are declared
# once, in elementwise_rules.py, with this kind's helpers: _OPS.exp, _OPS.arcsin, ...
_OPS = elementwise_rules.declare(
    elementwise_rules.Helpers(
        div=_div,
        sqrt=_sqrt,
        sin=_sin,
        cos=_cos,
        sinh=_sinh,
        cosh=_cosh,
        sign_of_data=_sign,
        sinc_rule=_sinc_rule,
        atan2_rule=_atan2_rule,
        broadcasts=False,
    )
)
# The rest differ by kind. Values at the edges are PyTorch's in float64, as in the shared
# rules; d(a % b)/db = -floor(a/b), PyTorch's value at the jumps too.
MOD = Op(
    "%",
    (
        unchanged,
        lambda g, out, a, b: -g * _f_floor_divide(_data(a), _data(b)),
    ),
    ("d(a % b)/da = 1", "d(a % b)/db = -floor(a/b)"),
    "a % b = a - b*floor(a/b): the floor is flat between its jumps, so a gets g and b "
    "gets -g*floor(a/b) (the remainder jumps where a/b is an integer; PyTorch's value).",
)
MAXIMUM = Op(
    "maximum",
    (
        lambda g, out, a, b: g * _larger_share(a, b),
        lambda g, out, a, b: g * _larger_share(b, a),
    ),
    ("d max(a,b)/da = 1 if a > b, 1/2 if a == b, else 0", "d max(a,b)/db = 1 if b > a, ..."),
    "A maximum passes the gradient to the larger input (half each on a tie, as PyTorch).",
)
MINIMUM = Op(
    "minimum",
    (
        lambda g, out, a, b: g * _larger_share(b, a),
        lambda g, out, a, b: g * _larger_share(a, b),
    ),
    ("d min(a,b)/da = 1 if a < b, 1/2 if a == b, else 0", "d min(a,b)/db = 1 if b < a, ..."),
    "A minimum passes the gradient to the smaller input (half each on a tie, as PyTorch).",
)


@functools.lru_cache(maxsize=256)
def _leaky_relu_op(slope: float) -> Op:
    """One Op per slope (cached): the slope is part of the rule, not of each node."""
    return Op(
        "leaky_relu",
        (lambda g, out, a: g * (1.0 if _data(a) > 0 else slope),),
        (f"d leaky_relu(a)/da = 1 if a > 0 else {slope:g}",),
        f"A leaky ReLU passes the gradient where its input was positive, "
        f"and {slope:g} times it elsewhere.",
    )


# ----------------------------------------------------------------------------- Value

_REAL_TYPES = (int, float, numbers.Real)


def _as_float(data: Any, what: str = "Value") -> float:
    """``data`` rounded to a float64, as IEEE conversion does: ints past about 1.8e308
    (``10**400``) become ``inf`` (``-inf`` below), never an ``OverflowError``."""
    if type(data) is float:
        return data
    if isinstance(data, Value):
        return data._data
    if isinstance(data, _REAL_TYPES):
        try:
            return float(data)
        except OverflowError:  # a huge int (or Fraction): the nearest float64 is infinite
            return -_INF if data < 0 else _INF
    # NumPy 0-d arrays and real NumPy scalars that do not register as numbers.Real.
    if hasattr(data, "dtype") and getattr(data, "shape", None) == () and data.dtype.kind in "biuf":
        return float(data)
    if isinstance(data, np.ndarray) or hasattr(data, "requires_grad"):
        raise _ArrayOperand(
            f"{what} expects a real number, got an array of shape {np.shape(data)}; "
            "operators (+ - * / ** % < ...) and the module functions (autograd_lite.hypot, "
            "autograd_lite.maximum...) take arrays and lift the Value to a 0-d Tensor"
        )
    raise TypeError(
        f"{what} expects a real number (int, float, bool or a real NumPy scalar), "
        f"got {type(data).__name__}: {data!r}"
    )


class _ArrayOperand(TypeError):
    """A Value met an ndarray or a Tensor: the operator returns NotImplemented, so the
    array side (``Tensor.__radd__``, or NumPy through ``Value.__array_ufunc__``) lifts
    the Value to a 0-d Tensor and computes."""


def _as_value(other: Any) -> Value:
    return other if isinstance(other, Value) else Value(_as_float(other, "Value arithmetic"))


class Value:
    """A scalar node: ``data`` (float), ``grad`` (float), ``label``, ``op``, ``parents``.

    >>> x = Value(-0.25, label="x")
    >>> y = (x * 3 + 1).tanh()
    >>> y.backward()
    >>> round(x.grad, 6)  # 3 * (1 - tanh(0.25)^2)
    2.820045
    """

    # The inputs live in two slots rather than in a tuple: one object per node instead
    # of two halves the work of Python's cyclic garbage collector, which otherwise
    # dominates the time of building large scalar graphs, and the engine reads them
    # without building a tuple. ``parents`` still gives them as a tuple in argument
    # order. ``_mark`` is the engine's bookkeeping during its walk.
    #
    # ``data`` is a property over the slot ``_data`` (which the engine and the ops read):
    # assigning it to a leaf stamps ``_mark`` with the time of the change, so that
    # backward can refuse a graph that used the old number (see ``engine``).
    __slots__ = ("_data", "grad", "_a", "_b", "op", "label", "_mark")
    requires_grad = True  # every Value takes part in backward (as in micrograd)

    def __init__(
        self,
        data: Any,
        label: str = "",
        _parents: tuple[Any, ...] = (),
        _op: Op | None = None,
    ) -> None:
        self._data = data if type(data) is float else _as_float(data)
        self.grad: Any = 0.0
        self.label = label
        self._mark: object = 0  # a leaf until the branch below says otherwise
        self._a: Value | None
        self._b: Value | None
        self.op: Op | None
        if _parents and grad_mode.enabled:
            self._a = _parents[0]
            self._b = _parents[1] if len(_parents) == 2 else None
            self.op = _op
            self._mark = _clock[0]  # when it was made
        else:
            self._a = self._b = None
            self.op = None

    def _set_data(self, data: Any) -> None:
        self._data = data if type(data) is float else _as_float(data)
        if self.op is None:  # a leaf: remember when (backward refuses older graphs)
            self._mark = engine.tick()

    data = property(
        operator.attrgetter("_data"),
        _set_data,
        doc="""The number (a float). Assigning it is how parameters are updated; do it
        between ``backward`` and the next forward pass, as optimizers do. A graph that
        used the old number refuses ``backward`` with ``engine.DataChangedError``
        (PyTorch's rule for tensors changed in place), instead of giving a gradient that
        mixes old and new numbers.""",
    )

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the operation that made this Value, in argument order."""
        return parents_of(self)

    # A Value can be the input of a Tensor op (lifted to a 0-d Tensor); the engine's loop
    # for Tensor graphs reads and writes gradients as `_grad` (see engine), so a Value
    # answers to that name too.
    _grad = property(operator.attrgetter("grad"), lambda self, value: setattr(self, "grad", value))

    # -- arithmetic: forward on floats; the derivative rules are in the table above

    def __add__(self, other: Operand) -> Value:
        try:
            other = other if isinstance(other, Value) else _as_value(other)
        except _ArrayOperand:  # an ndarray or a Tensor: array arithmetic takes over
            return NotImplemented
        return _result(self._data + other._data, self, other, ADD)

    def __radd__(self, other: Number) -> Value:
        return _as_value(other) + self

    def __sub__(self, other: Operand) -> Value:
        try:
            other = other if isinstance(other, Value) else _as_value(other)
        except _ArrayOperand:  # an ndarray or a Tensor: array arithmetic takes over
            return NotImplemented
        return _result(self._data - other._data, self, other, SUB)

    def __rsub__(self, other: Number) -> Value:
        return _as_value(other) - self

    def __mul__(self, other: Operand) -> Value:
        try:
            other = other if isinstance(other, Value) else _as_value(other)
        except _ArrayOperand:  # an ndarray or a Tensor: array arithmetic takes over
            return NotImplemented
        return _result(self._data * other._data, self, other, MUL)

    def __rmul__(self, other: Number) -> Value:
        return _as_value(other) * self

    def __truediv__(self, other: Operand) -> Value:
        try:
            other = other if isinstance(other, Value) else _as_value(other)
        except _ArrayOperand:  # an ndarray or a Tensor: array arithmetic takes over
            return NotImplemented
        return _result(_safe_div(self._data, other._data), self, other, DIV)

    def __rtruediv__(self, other: Number) -> Value:
        return _as_value(other) / self

    def __pow__(self, other: Operand) -> Value:
        try:
            other = other if isinstance(other, Value) else _as_value(other)
        except _ArrayOperand:  # an ndarray or a Tensor: array arithmetic takes over
            return NotImplemented
        return _result(_safe_pow(self._data, other._data), self, other, POW)

    def __rpow__(self, other: Number) -> Value:
        return _as_value(other) ** self

    def __mod__(self, other: Operand) -> Value:
        """The remainder with the sign of the divisor (Python's %, PyTorch's remainder)."""
        try:
            other = other if isinstance(other, Value) else _as_value(other)
        except _ArrayOperand:  # an ndarray or a Tensor: array arithmetic takes over
            return NotImplemented
        return _result(_f_mod(self._data, other._data), self, other, MOD)

    def __rmod__(self, other: Number) -> Value:
        return _as_value(other) % self

    def __neg__(self) -> Value:
        return _result(-self._data, self, None, _OPS.neg)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _result(abs(self._data), self, None, _OPS.abs)

    # -- functions

    def abs(self) -> Value:
        """|x|; its derivative is sign(x), taken as 0 at 0 (as PyTorch)."""
        return self.__abs__()

    def exp(self) -> Value:
        """e^x (``inf`` past about 709.78, never OverflowError)."""
        return _result(_safe_exp(self._data), self, None, _OPS.exp)

    def log(self) -> Value:
        """Natural logarithm: ``log(0) = -inf``, ``log(x < 0) = nan``."""
        return _result(_safe_log(self._data), self, None, _OPS.log)

    def sqrt(self) -> Value:
        """Square root: ``nan`` for negative x."""
        x = self._data
        return _result(math.sqrt(x) if x >= 0 else _NAN, self, None, _OPS.sqrt)

    def tanh(self) -> Value:
        """Hyperbolic tangent (stable for any magnitude)."""
        return _result(math.tanh(self._data), self, None, TANH)

    def sigmoid(self) -> Value:
        """Logistic sigmoid 1 / (1 + e^-x), computed without overflow for any x."""
        return _result(_stable_sigmoid(self._data), self, None, SIGMOID)

    def relu(self) -> Value:
        """max(0, x); its derivative at 0 is taken as 0 (as PyTorch)."""
        x = self._data
        return _result(0.0 if x <= 0 else x, self, None, RELU)

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """x for x > 0, ``negative_slope * x`` otherwise."""
        x = self._data
        return _result(
            x if x > 0 else negative_slope * x, self, None, _leaky_relu_op(negative_slope)
        )

    def sin(self) -> Value:
        """Sine (``nan`` at infinity)."""
        return _result(_safe_trig(math.sin, self._data), self, None, _OPS.sin)

    def cos(self) -> Value:
        """Cosine (``nan`` at infinity)."""
        return _result(_safe_trig(math.cos, self._data), self, None, _OPS.cos)

    def sign(self) -> Value:
        """-1, 0 or 1 (0 for nan, as PyTorch); its derivative is 0 everywhere, also at 0."""
        return _result(_f_sign(self._data), self, None, _OPS.sign)

    def log2(self) -> Value:
        """Base-2 logarithm: ``log2(0) = -inf``, ``log2(x < 0) = nan``."""
        return _result(_f_log2(self._data), self, None, _OPS.log2)

    def log10(self) -> Value:
        """Base-10 logarithm: ``log10(0) = -inf``, ``log10(x < 0) = nan``."""
        return _result(_f_log10(self._data), self, None, _OPS.log10)

    def log1p(self) -> Value:
        """log(1 + x), accurate when x is tiny: ``log1p(-1) = -inf``, below -1 nan."""
        return _result(_f_log1p(self._data), self, None, _OPS.log1p)

    def expm1(self) -> Value:
        """e^x - 1, accurate when x is tiny (``inf`` past about 709.78)."""
        return _result(_f_expm1(self._data), self, None, _OPS.expm1)

    def exp2(self) -> Value:
        """2^x (``inf`` from 1024 on)."""
        return _result(_f_exp2(self._data), self, None, _OPS.exp2)

    def tan(self) -> Value:
        """Tangent (``nan`` at infinity)."""
        return _result(_f_tan(self._data), self, None, _OPS.tan)

    def sinh(self) -> Value:
        """Hyperbolic sine (``+-inf`` past about 710)."""
        return _result(_f_sinh(self._data), self, None, _OPS.sinh)

    def cosh(self) -> Value:
        """Hyperbolic cosine (``inf`` past about 710)."""
        return _result(_f_cosh(self._data), self, None, _OPS.cosh)

    def arcsin(self) -> Value:
        """Inverse sine on [-1, 1] (nan outside); its derivative is inf at +-1."""
        return _result(_f_arcsin(self._data), self, None, _OPS.arcsin)

    def arccos(self) -> Value:
        """Inverse cosine on [-1, 1] (nan outside); its derivative is -inf at +-1."""
        return _result(_f_arccos(self._data), self, None, _OPS.arccos)

    def arctan(self) -> Value:
        """Inverse tangent (+-pi/2 at +-infinity)."""
        return _result(_f_arctan(self._data), self, None, _OPS.arctan)

    def arcsinh(self) -> Value:
        """Inverse hyperbolic sine."""
        return _result(_f_arcsinh(self._data), self, None, _OPS.arcsinh)

    def arccosh(self) -> Value:
        """Inverse hyperbolic cosine on [1, inf) (nan below 1); its derivative is inf at 1."""
        return _result(_f_arccosh(self._data), self, None, _OPS.arccosh)

    def arctanh(self) -> Value:
        """Inverse hyperbolic tangent on [-1, 1] (+-inf at +-1, nan outside)."""
        return _result(_f_arctanh(self._data), self, None, _OPS.arctanh)

    def sinc(self) -> Value:
        """The normalized sinc sin(pi x)/(pi x), 1 at 0 (as NumPy and PyTorch)."""
        return _result(_f_sinc(self._data), self, None, _OPS.sinc)

    def deg2rad(self) -> Value:
        """Degrees to radians: x * pi/180."""
        return _result(self._data * _DEGREE, self, None, _OPS.deg2rad)

    def rad2deg(self) -> Value:
        """Radians to degrees: x * 180/pi."""
        return _result(self._data * (1.0 / _DEGREE), self, None, _OPS.rad2deg)

    def arctan2(self, other: Operand) -> Value:
        """The angle of the point (other, self): ``atan2(self, other)`` in (-pi, pi]."""
        b = other if isinstance(other, Value) else _as_value(other)
        return _result(math.atan2(self._data, b._data), self, b, _OPS.arctan2)

    def hypot(self, other: Operand) -> Value:
        """sqrt(self^2 + other^2) without overflow or underflow on the way."""
        b = other if isinstance(other, Value) else _as_value(other)
        return _result(math.hypot(self._data, b._data), self, b, _OPS.hypot)

    # PyTorch's names for the same functions
    asin, acos, atan, asinh, acosh, atanh = arcsin, arccos, arctan, arcsinh, arccosh, arctanh
    atan2 = arctan2

    # -- comparisons: a Comparison, true or false for Python and a 0/1 constant in arithmetic

    def __lt__(self, other: Operand) -> Comparison:
        return _compare(operator.lt, self, other)

    def __le__(self, other: Operand) -> Comparison:
        return _compare(operator.le, self, other)

    def __gt__(self, other: Operand) -> Comparison:
        return _compare(operator.gt, self, other)

    def __ge__(self, other: Operand) -> Comparison:
        return _compare(operator.ge, self, other)

    def __eq__(self, other: object) -> Comparison:  # type: ignore[override]
        return _compare(operator.eq, self, other)

    def __ne__(self, other: object) -> Comparison:  # type: ignore[override]
        return _compare(operator.ne, self, other)

    def maximum(self, other: Operand) -> Value:
        """The larger of the two (nan if either is nan); a tie splits the gradient in half."""
        return maximum(self, other)

    def minimum(self, other: Operand) -> Value:
        """The smaller of the two (nan if either is nan); a tie splits the gradient in half."""
        return minimum(self, other)

    # NumPy functions and operators with a Value among their arguments come here: np.sin(x)
    # is x.sin(), 2.0 * x with a NumPy scalar is a Value, and an array with a Value lifts
    # the Value to a 0-d Tensor whose gradient flows back to it.
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return _numpy_call(ufunc, method, inputs, kwargs)

    __hash__ = object.__hash__  # identity: graphs keep Values in sets and dicts

    def __float__(self) -> float:
        return self._data

    # -- backward

    def backward(self, gradient: float = 1.0, *, create_graph: bool = False) -> None:
        """Fill ``.grad`` of every Value this one depends on with d self / d that Value.

        Leaf gradients accumulate across calls (call :meth:`zero_grad` in between);
        interior gradients are recomputed. ``create_graph=True`` makes the gradients
        Values themselves, so they can be differentiated again.
        """
        seed: Any = _as_float(gradient, "backward gradient")
        if create_graph:
            seed = Value(seed)
        engine.backward(self, seed, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Reset this Value's gradient to 0.0."""
        self.grad = 0.0

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from the graph."""
        return Value(self._data, self.label)

    # -- what the functional API (grad, value_and_grad) asks of a node kind

    def _as_input(self) -> Value:
        return Value(self._data, self.label, (self,), _OPS.identity)

    def _seed(self, create_graph: bool) -> Any:
        return Value(1.0) if create_graph else 1.0

    def _zeros_like(self) -> float:
        return 0.0

    def _constant(self, x: Any) -> Value:
        return Value(x)

    # -- micrograd compatibility: the attributes its graph-drawing code reads

    @property
    def _prev(self) -> set[Value]:
        return set(self.parents)

    @property
    def _op(self) -> str:
        """The op's name as micrograd writes it: ``ReLU`` for relu, ``**3`` for a power
        with the constant exponent 3 (``op.name`` keeps our own names for our tools)."""
        op = self.op
        if op is None:
            return ""
        if op is RELU:
            return "ReLU"
        exponent = self._b
        if op is POW and exponent is not None and exponent.op is None:
            k = exponent._data
            return f"**{int(k)}" if k.is_integer() else f"**{k!r}"
        return op.name

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self._data}, grad={self.grad}{label})"


class Comparison(Value):
    """The result of comparing a Value: 1.0 where the comparison holds, 0.0 where not.

    It is both things a comparison is used for. Python truth is the comparison's own
    (``if x > 0:``, ``while loss > tol:``, ``sorted``, ``max`` work as on floats), and in
    arithmetic it is a constant leaf: ``(x > 0) * x`` is a ReLU whose gradient flows
    through ``x`` only, since a comparison is flat on each side of its jump (derivative 0,
    as minitorch, HIPS autograd and JAX). ``grad`` of a function returning one is 0.

    >>> x = Value(3.0)
    >>> bool(x > 0), (x > 0).data
    (True, 1.0)
    >>> y = (x > 0) * x * x
    >>> y.backward(); x.grad
    6.0
    """

    __slots__ = ()

    def __bool__(self) -> bool:
        return self._data == 1.0

    def __repr__(self) -> str:
        return f"Comparison({self._data == 1.0})"


_TRUE, _FALSE = 1.0, 0.0


def _compare(relation: Any, value: Value, other: Any) -> Comparison:
    """``relation(value, other)`` as a Comparison; with an array or a Tensor (operands
    outside the declared types), NumPy's boolean array, as Tensor comparisons give."""
    try:
        b = other._data if isinstance(other, Value) else _as_float(other, "Value comparison")
    except _ArrayOperand:
        b = other._data if hasattr(other, "requires_grad") else other
        return cast(Comparison, relation(value._data, b))
    except TypeError:  # not a number: let Python decide (== is False, < raises)
        return cast(Comparison, NotImplemented)
    return Comparison(_TRUE if relation(value._data, b) else _FALSE)


def maximum(x: Operand, y: Operand) -> Value:
    """The larger of ``x`` and ``y`` as a node (nan if either is nan, as PyTorch).

    On a tie each input gets half the gradient (torch.maximum's convention).

    >>> a, b = Value(2.0), Value(2.0)
    >>> maximum(a, b).backward(); (a.grad, b.grad)
    (0.5, 0.5)
    """
    a, b = _as_value(x), _as_value(y)
    p, q = a._data, b._data
    data = p if p > q else (q if q > p else (p if p == q else _NAN))
    return _result(data, a, b, MAXIMUM)


def minimum(x: Operand, y: Operand) -> Value:
    """The smaller of ``x`` and ``y`` as a node (nan if either is nan; a tie splits the
    gradient in half)."""
    a, b = _as_value(x), _as_value(y)
    p, q = a._data, b._data
    data = p if p < q else (q if q < p else (p if p == q else _NAN))
    return _result(data, a, b, MINIMUM)


def where(condition: Any, x: Operand, y: Operand) -> Value:
    """``x`` if ``condition`` is true, else ``y``: the chosen input itself, so the gradient
    flows to it and not to the other (a Value or a number becomes a Value).

    >>> x = Value(-2.0)
    >>> where(x > 0, x, 0.0 * x).data
    -0.0
    """
    return _as_value(x) if condition else _as_value(y)


# NumPy ufuncs a Value answers (np.sin(x) is x.sin()); anything else is NotImplemented.
_UNARY_UFUNCS: dict[Any, str] = {
    np.negative: "__neg__",
    np.positive: "__pos__",
    np.absolute: "abs",
    np.exp: "exp",
    np.log: "log",
    np.sqrt: "sqrt",
    np.tanh: "tanh",
    np.sin: "sin",
    np.cos: "cos",
    np.tan: "tan",
    np.sinh: "sinh",
    np.cosh: "cosh",
    np.arcsin: "arcsin",
    np.arccos: "arccos",
    np.arctan: "arctan",
    np.arcsinh: "arcsinh",
    np.arccosh: "arccosh",
    np.arctanh: "arctanh",
    np.sign: "sign",
    np.log2: "log2",
    np.log10: "log10",
    np.log1p: "log1p",
    np.expm1: "expm1",
    np.exp2: "exp2",
    np.deg2rad: "deg2rad",
    np.rad2deg: "rad2deg",
    np.radians: "deg2rad",
    np.degrees: "rad2deg",
}
_BINARY_UFUNCS: dict[Any, Callable[[Any, Any], Any]] = {
    np.add: operator.add,
    np.subtract: operator.sub,
    np.multiply: operator.mul,
    np.true_divide: operator.truediv,
    np.power: operator.pow,
    np.remainder: operator.mod,
    np.arctan2: lambda a, b: a.arctan2(b),
    np.hypot: lambda a, b: a.hypot(b),
    np.maximum: lambda a, b: a.maximum(b),
    np.minimum: lambda a, b: a.minimum(b),
    np.less: operator.lt,
    np.less_equal: operator.le,
    np.greater: operator.gt,
    np.greater_equal: operator.ge,
    np.equal: operator.eq,
    np.not_equal: operator.ne,
}


_REDUCTIONS = (np.add, np.multiply, np.maximum, np.minimum)


def _numpy_call(ufunc: Any, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """A NumPy ufunc called with a Value among its inputs (see ``Value.__array_ufunc__``)."""
    if method == "reduce" and ufunc in _REDUCTIONS and len(inputs) == 1:
        # np.sum(x), np.max(x) of one number is that number (axis None or 0, no out=)
        if kwargs.get("out") is None and kwargs.get("axis") in (None, 0, ()):
            return inputs[0]
        return NotImplemented
    if method != "__call__" or kwargs:
        return NotImplemented
    if len(inputs) == 1 and ufunc in _UNARY_UFUNCS:
        return getattr(inputs[0], _UNARY_UFUNCS[ufunc])()
    function = _BINARY_UFUNCS.get(ufunc)
    if function is None or len(inputs) != 2:
        return NotImplemented
    a, b = inputs
    arrays = [x for x in inputs if isinstance(x, np.ndarray) and x.ndim > 0]
    if not arrays:  # numbers and Values: Value arithmetic
        return function(_as_value(a), b)
    if any(x.dtype.kind not in "biuf" for x in arrays):
        return NotImplemented
    from .tensor import as_tensor  # the array node kind, loaded when arrays meet Values

    like = arrays[0]
    return function(as_tensor(a, like), as_tensor(b, like))


_new_value = object.__new__


def _result(data: float, a: Value, b: Value | None, op: Op) -> Value:
    """The output of an operation on ``a`` (and ``b``): the hot path of every op.

    It fills the slots directly rather than going through ``Value.__init__``: the data
    is already a float, and skipping the checks makes building a graph about 40% faster.
    ``weighted_sum`` repeats this body inline (keep the two alike; a test compares them).
    """
    node: Value = _new_value(Value)
    node._data = data
    node.grad = 0.0
    node.label = ""
    node._mark = _clock[0]  # when it was made: backward checks its leaf inputs against it
    if grad_mode.enabled:
        node._a, node._b, node.op = a, b, op
    else:
        node._a = node._b = node.op = None
    return node


def weighted_sum(bias: Operand, weights: Sequence[Operand], inputs: Sequence[Operand]) -> Value:
    """``bias + weights[0]*inputs[0] + weights[1]*inputs[1] + ...``, summed left to right.

    It records exactly the nodes that expression records when written out (one ``*`` and
    one ``+`` per term, in that order, with the same arithmetic), but builds them without
    going through Python's operator dispatch: a neuron's pre-activation is most of a
    scalar network's graph, and this builds it in half the time. Plain numbers (among
    the weights, the inputs or as the bias) become leaf Values, as they do in ``w * 2.0``.
    """
    if len(weights) != len(inputs):
        raise ValueError(
            f"weighted_sum needs one input per weight: got {len(weights)} weights "
            f"and {len(inputs)} inputs"
        )
    total = bias if isinstance(bias, Value) else _as_value(bias)
    if not grad_mode.enabled:  # nothing recorded: the plain way
        for weight, x in zip(weights, inputs):
            weight, x = _as_value(weight), _as_value(x)
            product = _result(weight._data * x._data, weight, x, MUL)
            total = _result(total._data + product._data, total, product, ADD)
        return total
    # The body of `_result`, twice per term, with what it reads looked up once per call
    # (grad mode is per thread, which makes it the dearest lookup): those lookups and a
    # Python call per node were a third of the time of building a network's graph.
    new, now, value_class = _new_value, _clock[0], Value
    for weight, x in zip(weights, inputs):
        if not isinstance(weight, Value):
            weight = _as_value(weight)
        if not isinstance(x, Value):
            x = _as_value(x)
        product = new(value_class)
        product._data = weight._data * x._data
        product.grad = 0.0
        product.label = ""
        product._mark = now
        product._a, product._b, product.op = weight, x, MUL
        node = new(value_class)
        node._data = total._data + product._data
        node.grad = 0.0
        node.label = ""
        node._mark = now
        node._a, node._b, node.op = total, product, ADD
        total = node
    return total
