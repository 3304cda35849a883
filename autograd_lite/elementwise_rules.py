"""The derivative rules of the elementwise functions, declared once for both node kinds.

A rule ``rule(g, out, a)`` is the same sentence on a number and on an array: ``d sinh(a)/da
= cosh(a)`` is ``g * cosh(a)`` for a Value and for a Tensor. What differs is how a few
operations are computed, so each node kind hands :func:`declare` its own
:class:`Helpers`: on a Value they work on floats (IEEE ``inf`` and ``nan`` where Python
would raise: ``1.0 / 0.0``), on a Tensor on arrays; on nodes (gradients of gradients,
``create_graph=True``) they record ops, so the rules can be differentiated again.

The functions where the two kinds compute differently stay in their own tables: the
arithmetic operators, the activations of the fast paths (``tanh``, ``sigmoid``,
``relu``), and the rules that branch on the data (``maximum``, ``minimum``, ``%``).

Values at the edges are PyTorch's in float64: outside the domain nan (``arcsin(2)``,
``log2(-1)``), at its boundary inf (d arcsin/da at +-1, d arctanh/da at +-1), and at
kinks and jumps the value PyTorch picks (d sign/da = 0 everywhere, d sinc/da = 0 at 0).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, NamedTuple

from .engine import Op, Rule, unchanged

Helper = Callable[[Any], Any]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_DEGREE = math.pi / 180.0  # one degree in radians


class Helpers(NamedTuple):
    """How one node kind computes what the shared rules use."""

    div: Callable[[Any, Any], Any]  # a / b, inf or nan where b is 0
    sqrt: Helper
    sin: Helper
    cos: Helper
    sinh: Helper
    cosh: Helper
    sign_of_data: Helper  # -1, 0 or 1 from the input's data (never differentiated further)
    sinc_rule: Rule  # d sinc(a)/da, which needs the value 0 at a == 0
    atan2_rule: Callable[[Any, Any, Any], Any]  # numerator / (a^2 + b^2), 0 at the origin
    broadcasts: bool  # whether the two-input ops' inputs may have been broadcast


class ElementwiseOps(NamedTuple):
    """The shared ops of one node kind, one field per function (``_OPS.exp`` in value.py
    and tensor.py)."""

    neg: Op
    abs: Op
    exp: Op
    log: Op
    log1p: Op
    sqrt: Op
    sin: Op
    cos: Op
    sign: Op
    log2: Op
    log10: Op
    expm1: Op
    exp2: Op
    tan: Op
    sinh: Op
    cosh: Op
    arcsin: Op
    arccos: Op
    arctan: Op
    arcsinh: Op
    arccosh: Op
    arctanh: Op
    sinc: Op
    deg2rad: Op
    rad2deg: Op
    arctan2: Op
    hypot: Op
    identity: Op


def declare(h: Helpers) -> ElementwiseOps:
    """The ops, with rules written in terms of the node kind's helpers ``h``; each is
    elementwise, so forward mode applies its rules to tangents (see ``engine.Op``)."""
    div, sqrt = h.div, h.sqrt
    op = functools.partial(Op, elementwise=True)
    return ElementwiseOps(
        #  name     rule: g * d out / d a               formula (for people)
        neg=op(
            "neg",
            (lambda g, out, a: -g,),
            ("d(-a)/da = -1",),
            "Negation flips the sign of the gradient.",
            reads_inputs=False,
        ),
        abs=op(
            "abs",
            (lambda g, out, a: g * h.sign_of_data(a),),
            ("d|a|/da = sign(a)",),
            "The absolute value passes the gradient with the sign of its input (0 at 0).",
        ),
        exp=op(
            "exp",
            (lambda g, out, a: g * out,),
            ("d exp(a)/da = exp(a)",),
            "The exponential is its own derivative: the gradient is multiplied by the output.",
        ),
        log=op(
            "log",
            (lambda g, out, a: div(g, a),),
            ("d ln(a)/da = 1/a",),
            "The logarithm divides the gradient by its input.",
        ),
        log1p=op(
            "log1p",
            (lambda g, out, a: div(g, 1.0 + a),),
            ("d ln(1+a)/da = 1/(1+a)",),
            "log(1 + a), accurate for tiny a, divides the gradient by 1 + a.",
        ),
        sqrt=op(
            "sqrt",
            (lambda g, out, a: div(g, 2.0 * out),),
            ("d sqrt(a)/da = 1/(2 sqrt(a))",),
            "The square root divides the gradient by twice its output.",
        ),
        sin=op(
            "sin",
            (lambda g, out, a: g * h.cos(a),),
            ("d sin(a)/da = cos(a)",),
            "The sine multiplies the gradient by the cosine of its input.",
        ),
        cos=op(
            "cos",
            (lambda g, out, a: -g * h.sin(a),),
            ("d cos(a)/da = -sin(a)",),
            "The cosine multiplies the gradient by minus the sine of its input.",
        ),
        sign=op(
            "sign",
            (lambda g, out, a: g * 0.0,),
            ("d sign(a)/da = 0 (also at 0)",),
            "The sign is flat on each side of 0 and jumps at 0: no gradient passes (as PyTorch).",
        ),
        log2=op(
            "log2",
            (lambda g, out, a: div(g, a * _LN2),),
            ("d log2(a)/da = 1/(a ln 2)",),
            "The base-2 logarithm divides the gradient by its input times ln 2.",
        ),
        log10=op(
            "log10",
            (lambda g, out, a: div(g, a * _LN10),),
            ("d log10(a)/da = 1/(a ln 10)",),
            "The base-10 logarithm divides the gradient by its input times ln 10.",
        ),
        expm1=op(
            "expm1",
            (lambda g, out, a: g * (out + 1.0),),
            ("d (e^a - 1)/da = e^a",),
            "e^a - 1, accurate for tiny a, multiplies the gradient by e^a (its output plus 1).",
        ),
        exp2=op(
            "exp2",
            (lambda g, out, a: g * (out * _LN2),),
            ("d 2^a/da = 2^a ln 2",),
            "2^a multiplies the gradient by its output times ln 2.",
        ),
        tan=op(
            "tan",
            (lambda g, out, a: g * (1.0 + out * out),),
            ("d tan(a)/da = 1 + tan(a)^2",),
            "The tangent multiplies the gradient by 1 + out^2 (= 1/cos(a)^2).",
        ),
        sinh=op(
            "sinh",
            (lambda g, out, a: g * h.cosh(a),),
            ("d sinh(a)/da = cosh(a)",),
            "The hyperbolic sine multiplies the gradient by the hyperbolic cosine.",
        ),
        cosh=op(
            "cosh",
            (lambda g, out, a: g * h.sinh(a),),
            ("d cosh(a)/da = sinh(a)",),
            "The hyperbolic cosine multiplies the gradient by the hyperbolic sine.",
        ),
        arcsin=op(
            "arcsin",
            (lambda g, out, a: div(g, sqrt(1.0 - a * a)),),
            ("d arcsin(a)/da = 1/sqrt(1 - a^2)",),
            "The arcsine divides the gradient by sqrt(1 - a^2): infinite at a = +-1.",
        ),
        arccos=op(
            "arccos",
            (lambda g, out, a: div(-g, sqrt(1.0 - a * a)),),
            ("d arccos(a)/da = -1/sqrt(1 - a^2)",),
            "The arccosine divides the gradient by -sqrt(1 - a^2): infinite at a = +-1.",
        ),
        arctan=op(
            "arctan",
            (lambda g, out, a: div(g, 1.0 + a * a),),
            ("d arctan(a)/da = 1/(1 + a^2)",),
            "The arctangent divides the gradient by 1 + a^2.",
        ),
        arcsinh=op(
            "arcsinh",
            (lambda g, out, a: div(g, sqrt(a * a + 1.0)),),
            ("d arcsinh(a)/da = 1/sqrt(a^2 + 1)",),
            "The inverse hyperbolic sine divides the gradient by sqrt(a^2 + 1).",
        ),
        arccosh=op(
            "arccosh",
            (lambda g, out, a: div(g, sqrt(a * a - 1.0)),),
            ("d arccosh(a)/da = 1/sqrt(a^2 - 1)",),
            "The inverse hyperbolic cosine divides the gradient by sqrt(a^2 - 1): infinite at 1.",
        ),
        arctanh=op(
            "arctanh",
            (lambda g, out, a: div(g, 1.0 - a * a),),
            ("d arctanh(a)/da = 1/(1 - a^2)",),
            "The inverse hyperbolic tangent divides the gradient by 1 - a^2: infinite at +-1.",
        ),
        sinc=op(
            "sinc",
            (h.sinc_rule,),
            ("d sinc(a)/da = (cos(pi a) - sinc(a))/a, 0 at a = 0",),
            "sin(pi a)/(pi a) passes g*(cos(pi a) - sinc(a))/a (0 at a = 0, as PyTorch).",
        ),
        deg2rad=op(
            "deg2rad",
            (lambda g, out, a: g * _DEGREE,),
            ("d (a pi/180)/da = pi/180",),
            "Converting degrees to radians scales the gradient by pi/180.",
        ),
        rad2deg=op(
            "rad2deg",
            (lambda g, out, a: g * (1.0 / _DEGREE),),
            ("d (a 180/pi)/da = 180/pi",),
            "Converting radians to degrees scales the gradient by 180/pi.",
        ),
        arctan2=op(
            "arctan2",
            (
                lambda g, out, a, b: h.atan2_rule(g * b, a, b),
                lambda g, out, a, b: h.atan2_rule(-g * a, a, b),
            ),
            ("d atan2(a,b)/da = b/(a^2 + b^2)", "d atan2(a,b)/db = -a/(a^2 + b^2)"),
            "The angle of the point (b, a) turns by b/r^2 per unit of a and -a/r^2 per unit "
            "of b (0 at the origin, as PyTorch).",
            broadcasts=h.broadcasts,
        ),
        hypot=op(
            "hypot",
            (lambda g, out, a, b: div(g * a, out), lambda g, out, a, b: div(g * b, out)),
            ("d hypot(a,b)/da = a/hypot(a,b)", "d hypot(a,b)/db = b/hypot(a,b)"),
            "The length sqrt(a^2 + b^2) sends each side g times that side over the length.",
            broadcasts=h.broadcasts,
        ),
        identity=op(
            "identity",
            (unchanged,),
            ("d a/da = 1",),
            "The identity passes the gradient unchanged.",
            reads_inputs=False,
        ),
    )
