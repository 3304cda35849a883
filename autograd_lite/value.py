"""``Value``: a scalar that remembers how it was computed.

Each operation below has two halves, kept together in the table at the top of this
module: the forward computation (on floats, in the method of the same name further
down) and the derivative rules, one per input. A rule takes ``g`` (the gradient of the
output, arriving from above), ``out`` (the output) and the inputs, and returns
``g * d out / d input``: the chain rule for one edge. The rules use only operators and
the small helpers ``_exp``, ``_log``, ``_sin``... that work on floats and on Values
alike, so the same rule computes gradients (on floats) and gradients of gradients (on
Values, with ``create_graph=True``).

Numerics follow PyTorch in float64 (IEEE arithmetic): ``log(0) = -inf``,
``log(-1) = nan``, ``exp(1000) = inf``, ``1/0 = inf``; no operation raises
``OverflowError`` or ``ZeroDivisionError``.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Sequence
from typing import Any, Union

from . import engine
from .engine import Op, grad_mode, parents_of

__all__ = ["Value", "weighted_sum"]

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
    return a.data if isinstance(a, Value) else a


def _sign(a: Any) -> float:
    # Not differentiated further: the derivative of sign is zero almost everywhere.
    x = _data(a)
    return 1.0 if x > 0 else (-1.0 if x < 0 else (0.0 if x == 0 else _NAN))


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
    (lambda g, out, a, b: g, lambda g, out, a, b: g),
    ("d(a+b)/da = 1", "d(a+b)/db = 1"),
    "An addition passes its gradient unchanged to both inputs.",
)
SUB = Op(
    "-",
    (lambda g, out, a, b: g, lambda g, out, a, b: -g),
    ("d(a-b)/da = 1", "d(a-b)/db = -1"),
    "A subtraction passes its gradient to the first input and its negative to the second.",
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
NEG = Op(
    "neg",
    (lambda g, out, a: -g,),
    ("d(-a)/da = -1",),
    "Negation flips the sign of the gradient.",
)
ABS = Op(
    "abs",
    (lambda g, out, a: g * _sign(a),),
    ("d|a|/da = sign(a)",),
    "The absolute value passes the gradient with the sign of its input (0 at 0).",
)
EXP = Op(
    "exp",
    (lambda g, out, a: g * out,),
    ("d exp(a)/da = exp(a)",),
    "The exponential is its own derivative: the gradient is multiplied by the output.",
)
LOG = Op(
    "log",
    (lambda g, out, a: _div(g, a),),
    ("d ln(a)/da = 1/a",),
    "The logarithm divides the gradient by its input.",
)
SQRT = Op(
    "sqrt",
    (lambda g, out, a: _div(g, 2.0 * out),),
    ("d sqrt(a)/da = 1/(2 sqrt(a))",),
    "The square root divides the gradient by twice its output.",
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
SIN = Op(
    "sin",
    (lambda g, out, a: g * _cos(a),),
    ("d sin(a)/da = cos(a)",),
    "The sine multiplies the gradient by the cosine of its input.",
)
COS = Op(
    "cos",
    (lambda g, out, a: -g * _sin(a),),
    ("d cos(a)/da = -sin(a)",),
    "The cosine multiplies the gradient by minus the sine of its input.",
)
IDENTITY = Op(
    "identity",
    (lambda g, out, a: g,),
    ("d a/da = 1",),
    "The identity passes the gradient unchanged.",
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
    if type(data) is float:
        return data
    if isinstance(data, Value):
        return data.data
    if isinstance(data, _REAL_TYPES):
        return float(data)
    # NumPy 0-d arrays and real NumPy scalars that do not register as numbers.Real.
    if hasattr(data, "dtype") and getattr(data, "shape", None) == () and data.dtype.kind in "biuf":
        return float(data)
    raise TypeError(
        f"{what} expects a real number (int, float, bool or a real NumPy scalar), "
        f"got {type(data).__name__}: {data!r}"
    )


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
    __slots__ = ("data", "grad", "_a", "_b", "op", "label", "_mark")
    requires_grad = True  # every Value takes part in backward (as in micrograd)
    __array_ufunc__ = None  # numpy scalars defer to Value's reflected operators

    def __init__(
        self,
        data: Any,
        label: str = "",
        _parents: tuple[Value, ...] = (),
        _op: Op | None = None,
    ) -> None:
        self.data = data if type(data) is float else _as_float(data)
        self.grad: Any = 0.0
        self.label = label
        self._mark: object = None
        self._a: Value | None
        self._b: Value | None
        self.op: Op | None
        if _parents and grad_mode.enabled:
            self._a = _parents[0]
            self._b = _parents[1] if len(_parents) == 2 else None
            self.op = _op
        else:
            self._a = self._b = None
            self.op = None

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the operation that made this Value, in argument order."""
        return parents_of(self)

    # -- arithmetic: forward on floats; the derivative rules are in the table above

    def __add__(self, other: Operand) -> Value:
        other = other if isinstance(other, Value) else _as_value(other)
        return _result(self.data + other.data, self, other, ADD)

    def __radd__(self, other: Number) -> Value:
        return _as_value(other) + self

    def __sub__(self, other: Operand) -> Value:
        other = other if isinstance(other, Value) else _as_value(other)
        return _result(self.data - other.data, self, other, SUB)

    def __rsub__(self, other: Number) -> Value:
        return _as_value(other) - self

    def __mul__(self, other: Operand) -> Value:
        other = other if isinstance(other, Value) else _as_value(other)
        return _result(self.data * other.data, self, other, MUL)

    def __rmul__(self, other: Number) -> Value:
        return _as_value(other) * self

    def __truediv__(self, other: Operand) -> Value:
        other = other if isinstance(other, Value) else _as_value(other)
        return _result(_safe_div(self.data, other.data), self, other, DIV)

    def __rtruediv__(self, other: Number) -> Value:
        return _as_value(other) / self

    def __pow__(self, other: Operand) -> Value:
        other = other if isinstance(other, Value) else _as_value(other)
        return _result(_safe_pow(self.data, other.data), self, other, POW)

    def __rpow__(self, other: Number) -> Value:
        return _as_value(other) ** self

    def __neg__(self) -> Value:
        return _result(-self.data, self, None, NEG)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _result(abs(self.data), self, None, ABS)

    # -- functions

    def abs(self) -> Value:
        """|x|; its derivative is sign(x), taken as 0 at 0 (as PyTorch)."""
        return self.__abs__()

    def exp(self) -> Value:
        """e^x (``inf`` past about 709.78, never OverflowError)."""
        return _result(_safe_exp(self.data), self, None, EXP)

    def log(self) -> Value:
        """Natural logarithm: ``log(0) = -inf``, ``log(x < 0) = nan``."""
        return _result(_safe_log(self.data), self, None, LOG)

    def sqrt(self) -> Value:
        """Square root: ``nan`` for negative x."""
        x = self.data
        return _result(math.sqrt(x) if x >= 0 else _NAN, self, None, SQRT)

    def tanh(self) -> Value:
        """Hyperbolic tangent (stable for any magnitude)."""
        return _result(math.tanh(self.data), self, None, TANH)

    def sigmoid(self) -> Value:
        """Logistic sigmoid 1 / (1 + e^-x), computed without overflow for any x."""
        return _result(_stable_sigmoid(self.data), self, None, SIGMOID)

    def relu(self) -> Value:
        """max(0, x); its derivative at 0 is taken as 0 (as PyTorch)."""
        x = self.data
        return _result(0.0 if x <= 0 else x, self, None, RELU)

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """x for x > 0, ``negative_slope * x`` otherwise."""
        x = self.data
        return _result(
            x if x > 0 else negative_slope * x, self, None, _leaky_relu_op(negative_slope)
        )

    def sin(self) -> Value:
        """Sine (``nan`` at infinity)."""
        return _result(_safe_trig(math.sin, self.data), self, None, SIN)

    def cos(self) -> Value:
        """Cosine (``nan`` at infinity)."""
        return _result(_safe_trig(math.cos, self.data), self, None, COS)

    # -- comparisons look at data and record nothing

    def __lt__(self, other: Operand) -> bool:
        return self.data < _as_float(other, "Value comparison")

    def __le__(self, other: Operand) -> bool:
        return self.data <= _as_float(other, "Value comparison")

    def __gt__(self, other: Operand) -> bool:
        return self.data > _as_float(other, "Value comparison")

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _as_float(other, "Value comparison")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Value):
            return self.data == other.data
        try:
            return self.data == _as_float(other)
        except TypeError:  # not a number: let Python decide (False for ==)
            return NotImplemented

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = object.__hash__  # identity: graphs keep Values in sets and dicts

    def __float__(self) -> float:
        return self.data

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
        return Value(self.data, self.label)

    # -- what the functional API (grad, value_and_grad) asks of a node kind

    def _as_input(self) -> Value:
        return Value(self.data, self.label, (self,), IDENTITY)

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
        return self.op.name if self.op is not None else ""

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{label})"


_new_value = object.__new__


def _result(data: float, a: Value, b: Value | None, op: Op) -> Value:
    """The output of an operation on ``a`` (and ``b``): the hot path of every op.

    It fills the slots directly rather than going through ``Value.__init__``: the data
    is already a float, and skipping the checks makes building a graph about 40% faster.
    """
    node: Value = _new_value(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node._mark = None
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
    scalar network's graph, and this builds it about a fifth faster. Plain numbers (among
    the weights, the inputs or as the bias) become leaf Values, as they do in ``w * 2.0``.
    """
    if len(weights) != len(inputs):
        raise ValueError(
            f"weighted_sum needs one input per weight: got {len(weights)} weights "
            f"and {len(inputs)} inputs"
        )
    total = bias if isinstance(bias, Value) else _as_value(bias)
    for weight, x in zip(weights, inputs):
        if not isinstance(weight, Value):
            weight = _as_value(weight)
        if not isinstance(x, Value):
            x = _as_value(x)
        product = _result(weight.data * x.data, weight, x, MUL)
        total = _result(total.data + product.data, total, product, ADD)
    return total
