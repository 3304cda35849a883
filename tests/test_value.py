"""Tests for the scalar ``Value``: every op and its gradient against PyTorch in float64.

Oracles: PyTorch's autograd (forward values, first, second and third derivatives, and
the IEEE inf/nan patterns of float64), central finite differences on random expression
trees, and numbers worked out by hand for gradient semantics and the functional API.
"""

from __future__ import annotations

import doctest
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_lite import (
    Value,
    enable_grad,
    engine,
    grad,
    is_grad_enabled,
    no_grad,
    value_and_grad,
    zero_grad,
)
from autograd_lite.engine import topological_order
from autograd_lite.value import Comparison, weighted_sum

INF, NAN = math.inf, math.nan
F64 = torch.float64


# ----------------------------------------------------------------------------- helpers


def same(ours: Any, theirs: float) -> bool:
    """Equal to 1e-12 relative; nan, inf and -inf must match exactly."""
    if not isinstance(ours, float):
        return False
    if math.isnan(theirs):
        return math.isnan(ours)
    if math.isinf(theirs):
        return ours == theirs
    return math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-300)


def assert_same(ours: Any, theirs: float, what: str) -> None:
    assert same(ours, theirs), f"{what}: autograd_lite {ours!r}, torch {theirs!r}"


# Functions that work on a Value (its method), a torch tensor (the torch function) and a
# float (the math function), so one expression serves every side.
def _dispatch(name: str, math_function: Callable[[float], float]) -> Callable[[Any], Any]:
    torch_function = getattr(torch, name)

    def function(u: Any) -> Any:
        if isinstance(u, Value):
            return getattr(u, name)()
        if isinstance(u, torch.Tensor):
            return torch_function(u)
        return math_function(u)

    function.__name__ = name
    return function


tanh = _dispatch("tanh", math.tanh)
sigmoid = _dispatch("sigmoid", lambda u: 1.0 / (1.0 + math.exp(-u)))
sin = _dispatch("sin", math.sin)
cos = _dispatch("cos", math.cos)
exp = _dispatch("exp", math.exp)
log = _dispatch("log", math.log)


def leaf(x: float) -> torch.Tensor:
    return torch.tensor(x, dtype=F64, requires_grad=True)


# ----------------------------------------------------------------------------- 1. every op


@dataclass(frozen=True)
class OpCase:
    """One op: ``kinds`` says, per argument, whether it is a Value ("v") or a number ("n")."""

    name: str
    ours: Callable[..., Any]
    theirs: Callable[..., Any]
    kinds: str
    domain: tuple[st.SearchStrategy[float], ...]
    points: tuple[tuple[float, ...], ...]


def run_ours(case: OpCase, args: Sequence[float]) -> tuple[float, list[float]]:
    inputs = [Value(a) if k == "v" else a for k, a in zip(case.kinds, args)]
    out = case.ours(*inputs)
    assert isinstance(out, Value)
    out.backward()
    return out.data, [x.grad for x in inputs if isinstance(x, Value)]


def run_torch(case: OpCase, args: Sequence[float]) -> tuple[float, list[float]]:
    inputs = [leaf(a) if k == "v" else a for k, a in zip(case.kinds, args)]
    out = case.theirs(*inputs)
    tensors = [x for x in inputs if isinstance(x, torch.Tensor)]
    grads = torch.autograd.grad(out, tensors)
    return out.item(), [g.item() for g in grads]


def check_op(case: OpCase, args: Sequence[float]) -> None:
    data, grads = run_ours(case, args)
    ref_data, ref_grads = run_torch(case, args)
    assert_same(data, ref_data, f"{case.name}{tuple(args)} forward")
    for i, (g, ref) in enumerate(zip(grads, ref_grads)):
        assert_same(g, ref, f"{case.name}{tuple(args)} d/d(value input {i})")


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def nonzero(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Magnitude in [lo, hi], either sign."""
    return st.builds(operator.mul, floats(lo, hi), st.sampled_from([-1.0, 1.0]))


WIDE = floats(-1e6, 1e6)
BINARY_DOMAINS: dict[str, dict[str, tuple[st.SearchStrategy[float], ...]]] = {
    "add": dict.fromkeys(("vv", "vn", "nv"), (WIDE, WIDE)),
    "sub": dict.fromkeys(("vv", "vn", "nv"), (WIDE, WIDE)),
    "mul": dict.fromkeys(("vv", "vn", "nv"), (WIDE, WIDE)),
    "truediv": dict.fromkeys(("vv", "vn", "nv"), (WIDE, nonzero(1e-6, 1e6))),
    "pow": {
        "vv": (floats(1e-3, 100.0), floats(-5.0, 5.0)),
        # Value ** number: negative bases with integer (and non-integer: nan) exponents.
        "vn": (
            floats(-10.0, 10.0),
            st.one_of(st.integers(-4, 4).map(float), floats(-4.0, 4.0)),
        ),
        "nv": (floats(0.0, 100.0), floats(-5.0, 5.0)),
    },
}
BINARY_POINTS: dict[str, dict[str, tuple[tuple[float, ...], ...]]] = {
    "add": dict.fromkeys(("vv", "vn", "nv"), ((2.5, -1.25), (0.0, 3.0), (1e-8, 1e8))),
    "sub": dict.fromkeys(("vv", "vn", "nv"), ((2.5, -1.25), (0.0, 3.0), (-7.0, 0.5))),
    "mul": dict.fromkeys(("vv", "vn", "nv"), ((2.5, -1.25), (0.0, 3.0), (-7.0, 0.5))),
    "truediv": {
        # d(a/b)/db = -(a/b)/b as torch: no overflow of b*b for tiny b (1e-300 / 1e-200).
        "vv": ((3.0, 4.0), (-1.0, 0.3), (0.0, 2.0), (1e-300, 1e-200), (1e200, 1e-200)),
        "vn": ((3.0, 4.0), (-1.0, 0.3), (0.0, 2.0), (1e-300, 1e-200), (1e200, 1e-200)),
        # number / tensor in torch is reciprocal(b) * a, whose gradient a * -1/b^2
        # overflows for tiny b; the quotient rule above is right there, torch is not.
        "nv": ((3.0, 4.0), (-1.0, 0.3), (0.0, 2.0)),
    },
    "pow": {
        "vv": (
            (2.0, 3.0),
            (0.5, -2.5),
            (3.0, 0.0),
            (0.0, 2.0),  # d/db = 0 at a = 0, b >= 0 (torch's convention)
            (0.0, 0.0),  # d/da = 0 where b = 0
            (-2.0, 3.0),  # d/db = a^b ln a = nan for a < 0
            (-2.0, 2.0),
        ),
        "vn": (
            (2.0, 3.0),
            (-1.5, 2.0),
            (-2.0, 3.0),
            (0.0, 2.0),
            (0.0, 0.0),
            (4.0, 0.5),
            (0.0, 0.5),  # d/da = 0.5 * 0^-0.5 = inf
        ),
        "nv": ((2.0, 3.0), (0.5, -1.5), (0.0, 2.0), (1.0, 5.0), (-2.0, 2.0)),
    },
}
BINARY_FUNCS = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "truediv": operator.truediv,
    "pow": operator.pow,
}
KIND_NAMES = {"vv": "Value-Value", "vn": "Value-number", "nv": "number-Value"}

UNARY: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "neg": (operator.neg, operator.neg),
    "abs": (abs, torch.abs),
    "abs_method": (lambda u: u.abs(), torch.abs),
    "exp": (exp, torch.exp),
    "log": (log, torch.log),
    "sqrt": (lambda u: u.sqrt(), torch.sqrt),
    "tanh": (tanh, torch.tanh),
    "sigmoid": (sigmoid, torch.sigmoid),
    "relu": (lambda u: u.relu(), torch.relu),
    "leaky_relu": (lambda u: u.leaky_relu(), torch.nn.functional.leaky_relu),
    "leaky_relu_0.2": (
        lambda u: u.leaky_relu(0.2),
        lambda t: torch.nn.functional.leaky_relu(t, 0.2),
    ),
    "leaky_relu_-0.5": (
        lambda u: u.leaky_relu(-0.5),
        lambda t: torch.nn.functional.leaky_relu(t, -0.5),
    ),
    "sin": (sin, torch.sin),
    "cos": (cos, torch.cos),
}
SIGNED_ZEROS_AND_SIGNS = ((0.0,), (-0.0,), (1.5,), (-1.5,), (1e-300,), (-1e-300,))
UNARY_POINTS: dict[str, tuple[tuple[float, ...], ...]] = {
    "neg": ((0.0,), (1.5,), (-3.0,)),
    "abs": SIGNED_ZEROS_AND_SIGNS,  # abs'(0) = 0 as torch
    "abs_method": SIGNED_ZEROS_AND_SIGNS,
    "exp": ((0.0,), (1.0,), (-2.5,), (700.0,), (-700.0,)),
    "log": ((1.0,), (0.5,), (10.0,), (1e-300,), (1e300,)),
    "sqrt": ((4.0,), (2.0,), (1e-10,), (0.0,)),  # sqrt'(0) = inf
    "tanh": ((0.0,), (0.5,), (-3.0,), (20.0,)),
    "sigmoid": ((0.0,), (2.0,), (-2.0,), (30.0,), (-30.0,)),
    "relu": SIGNED_ZEROS_AND_SIGNS,  # relu'(0) = 0
    "leaky_relu": SIGNED_ZEROS_AND_SIGNS,  # leaky_relu'(0) = slope
    "leaky_relu_0.2": SIGNED_ZEROS_AND_SIGNS,
    "leaky_relu_-0.5": SIGNED_ZEROS_AND_SIGNS,
    "sin": ((0.0,), (math.pi / 2,), (1.0,), (-100.0,)),
    "cos": ((0.0,), (math.pi / 2,), (1.0,), (-100.0,)),
}
UNARY_DOMAINS: dict[str, st.SearchStrategy[float]] = {
    "neg": WIDE,
    "abs": WIDE,
    "abs_method": WIDE,
    "exp": floats(-700.0, 700.0),
    "log": floats(1e-10, 1e10),
    "sqrt": floats(0.0, 1e10),
    # 1 - tanh^2 is ill-conditioned where tanh saturates: beyond |x| = 4 one ulp of
    # difference in tanh (torch's and math's differ at times) moves it by more than 1e-12.
    "tanh": floats(-4.0, 4.0),
    "sigmoid": floats(-40.0, 40.0),
    "relu": WIDE,
    "leaky_relu": WIDE,
    "leaky_relu_0.2": WIDE,
    "leaky_relu_-0.5": WIDE,
    "sin": floats(-100.0, 100.0),
    "cos": floats(-100.0, 100.0),
}


def _op_cases() -> list[OpCase]:
    cases = []
    for name, func in BINARY_FUNCS.items():
        for kinds in ("vv", "vn", "nv"):
            cases.append(
                OpCase(
                    f"{name}[{KIND_NAMES[kinds]}]",
                    func,
                    func,
                    kinds,
                    BINARY_DOMAINS[name][kinds],
                    BINARY_POINTS[name][kinds],
                )
            )
    for name, (ours, theirs) in UNARY.items():
        cases.append(OpCase(name, ours, theirs, "v", (UNARY_DOMAINS[name],), UNARY_POINTS[name]))
    return cases


OP_CASES = _op_cases()
OP_IDS = [case.name for case in OP_CASES]


def test_the_op_table_covers_every_operation() -> None:
    assert len(OP_CASES) == 15 + len(UNARY)
    assert {"neg", "abs", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos"} <= set(
        UNARY
    )


@pytest.mark.parametrize("case", OP_CASES, ids=OP_IDS)
def test_op_on_hand_picked_inputs_matches_torch(case: OpCase) -> None:
    for args in case.points:
        check_op(case, args)


@pytest.mark.parametrize("case", OP_CASES, ids=OP_IDS)
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_op_on_random_inputs_matches_torch(case: OpCase, data: st.DataObject) -> None:
    args = tuple(data.draw(strategy) for strategy in case.domain)
    check_op(case, args)


@pytest.mark.parametrize("x", [5.0, 7.0, 8.939187728964267, -10.0, 12.0])
def test_tanh_gradient_near_saturation_matches_torch_to_its_conditioning(x: float) -> None:
    # 1 - y^2 with y = tanh(x) within an ulp of 1 is ill-conditioned: one ulp of y (torch's
    # tanh differs from math.tanh by one ulp for about 3% of inputs, e.g. the third one
    # here) moves it by 2 ulp(1) / (1 - y^2) relative. Hence the tolerance, which is
    # still 1e-12 where the gradient is well-conditioned.
    case = next(case for case in OP_CASES if case.name == "tanh")
    (data, (g,)), (ref_data, (ref_g,)) = run_ours(case, (x,)), run_torch(case, (x,))
    assert_same(data, ref_data, f"tanh({x})")
    tolerance = max(1e-12, 8 * 2.0**-52 / ref_g)
    assert math.isclose(g, ref_g, rel_tol=tolerance), (g, ref_g, tolerance)


@pytest.mark.parametrize(
    ("method", "x", "expected_grad"),
    [
        ("relu", 0.0, 0.0),
        ("relu", -0.0, 0.0),
        ("abs", 0.0, 0.0),
        ("abs", -0.0, 0.0),
        ("leaky_relu", 0.0, 0.01),
        ("leaky_relu", -2.0, 0.01),
        ("leaky_relu", 2.0, 1.0),
    ],
)
def test_subgradient_conventions_are_torchs(method: str, x: float, expected_grad: float) -> None:
    v = Value(x)
    getattr(v, method)().backward()
    assert v.grad == expected_grad


def test_leaky_relu_with_another_slope_scales_negative_inputs() -> None:
    v = Value(-3.0)
    out = v.leaky_relu(0.2)
    out.backward()
    assert math.isclose(out.data, -0.6, rel_tol=1e-15)
    assert v.grad == 0.2
    z = Value(0.0)
    z.leaky_relu(0.2).backward()
    assert z.grad == 0.2


# ----------------------------------------------------------------------------- 2. reuse


def _reuse_cases() -> dict[str, Callable[[Any], Any]]:
    def diamond(a: Any) -> Any:
        b = a * 2
        c = a + 3
        return b * c

    def used_100_times(x: Any) -> Any:
        total = x * 1
        for k in range(2, 101):
            total = total + x * k
        return total

    def reuse_through_functions(x: Any) -> Any:
        s = tanh(x)
        return s * s + exp(s) * s - s / (1 + s * s)

    return {
        "a+a": lambda a: a + a,
        "a*a": lambda a: a * a,
        "a-a": lambda a: a - a,
        "a/a": lambda a: a / a,
        "a**a": lambda a: a**a,
        "diamond": diamond,
        "used_100_times": used_100_times,
        "shared_tanh": reuse_through_functions,
    }


REUSE = _reuse_cases()


@pytest.mark.parametrize("name", list(REUSE))
@pytest.mark.parametrize("x", [1.7, -0.6, 3.0])
def test_reused_nodes_accumulate_like_torch(name: str, x: float) -> None:
    f = REUSE[name]
    if name == "a**a" and x < 0:
        x = -x  # a**a is nan for negative non-integers; keep the gradient finite
    v = Value(x)
    out = f(v)
    out.backward()
    t = leaf(x)
    (g,) = torch.autograd.grad(f(t), t)
    assert_same(out.data, f(torch.tensor(x, dtype=F64)).item(), f"{name}({x}) forward")
    assert_same(v.grad, g.item(), f"{name}'({x})")


def test_node_used_100_times_has_the_summed_gradient() -> None:
    x = Value(0.5)
    REUSE["used_100_times"](x).backward()
    assert x.grad == sum(range(1, 101)) == 5050.0


# ----------------------------------------------------------------------------- 3. higher order


def f_tanh_sin(x: Any) -> Any:
    return tanh(x * x + sin(x)) * exp(-x / 3)


def f_pow(x: Any, y: Any) -> Any:
    return x**y


def f_sigmoid(x: Any) -> Any:
    return sigmoid(x) ** 2 / (1 + x * x)


def f_log_cos(x: Any) -> Any:
    return log(1 + x**2) * cos(x)


def f_mixed(x: Any, y: Any) -> Any:
    return sin(x * y) / (2 + cos(y)) + exp(tanh(x - y))


HIGHER = {
    "tanh(x*x+sin x)*exp(-x/3)": (f_tanh_sin, [(0.7,), (-1.3,), (2.0,)]),
    "x**y": (f_pow, [(1.5, 2.5), (0.7, -1.3), (3.0, 0.5)]),
    "sigmoid(x)**2/(1+x*x)": (f_sigmoid, [(0.3,), (-2.0,), (1.1,)]),
    "log(1+x**2)*cos(x)": (f_log_cos, [(0.9,), (-0.4,), (2.5,)]),
    "sin(x*y)/(2+cos y)+exp(tanh(x-y))": (f_mixed, [(0.4, -1.2), (1.5, 0.8)]),
}
ORDER = 3

Derivatives = dict[tuple[int, ...], float]


def torch_derivatives(f: Callable[..., Any], point: Sequence[float]) -> Derivatives:
    """Every partial derivative of f up to third order, keyed by the argument indices."""
    ts = [leaf(p) for p in point]
    nodes: dict[tuple[int, ...], torch.Tensor] = {(): f(*ts)}
    for k in range(1, ORDER + 1):
        for index, node in [(i, n) for i, n in nodes.items() if len(i) == k - 1]:
            gs = torch.autograd.grad(node, ts, create_graph=True, allow_unused=True)
            for i, g in enumerate(gs):
                nodes[(*index, i)] = torch.zeros((), dtype=F64) if g is None else g
    return {index: node.item() for index, node in nodes.items()}


def backward_derivatives(f: Callable[..., Any], point: Sequence[float]) -> Derivatives:
    """The same derivatives with ``backward(create_graph=True)``, zeroing leaf grads between."""
    xs = [Value(p) for p in point]
    nodes: dict[tuple[int, ...], Any] = {(): f(*xs)}
    for k in range(1, ORDER + 1):
        for index, node in [(i, n) for i, n in nodes.items() if len(i) == k - 1]:
            for x in xs:
                x.grad = 0.0  # leaf gradients accumulate: start each pass from zero
            assert isinstance(node, Value)
            node.backward(create_graph=k < ORDER)
            for i, x in enumerate(xs):
                nodes[(*index, i)] = x.grad
    return {index: node.data if isinstance(node, Value) else node for index, node in nodes.items()}


def functional_derivatives(
    f: Callable[..., Any], point: Sequence[float], indices: Sequence[tuple[int, ...]]
) -> Derivatives:
    """The given derivatives with nested ``grad(grad(grad(f, i), j), k)``."""
    out: Derivatives = {}
    for index in indices:
        g = f
        for i in index:
            g = grad(g, argnums=i)
        out[index] = g(*point)
    return out


def assert_derivatives(name: str, point: Any, ours: Derivatives, ref: Derivatives) -> None:
    for index, value in ours.items():
        assert isinstance(value, float), f"{name}{point} d{index}: {value!r}"
        assert_same(value, ref[index], f"{name}{point} d/d{index}")


@pytest.mark.parametrize("name", list(HIGHER))
def test_higher_derivatives_by_backward_create_graph_match_torch(name: str) -> None:
    f, points = HIGHER[name]
    for point in points:
        ours = backward_derivatives(f, point)
        n = len(point)
        assert len([i for i in ours if i]) == n + n**2 + n**3  # every partial, mixed too
        assert_derivatives(name, point, ours, torch_derivatives(f, point))


@pytest.mark.parametrize("name", list(HIGHER))
def test_higher_derivatives_by_nested_grad_match_torch(name: str) -> None:
    f, points = HIGHER[name]
    for point in points:
        ref = torch_derivatives(f, point)
        indices = [i for i in ref if i]  # d/dx, d2/dx2, d2/dxdy (mixed), ..., d3/dy3
        n = len(point)
        assert len(indices) == n + n**2 + n**3
        assert_derivatives(name, point, functional_derivatives(f, point, indices), ref)


@pytest.mark.parametrize("style", ["argnums", "closure"])
def test_mixed_partial_of_a_product_is_one(style: str) -> None:
    # The inner grad differentiates a plain float; the function depends on the enclosing
    # grad's node through another argument or a closure, so it must record its graph.
    if style == "argnums":
        mixed = grad(grad(lambda x, y: x * y, argnums=0), argnums=1)
    else:
        mixed = grad(lambda x, y: grad(lambda a: a * y)(x), argnums=1)
    assert mixed(2.0, 3.0) == 1.0


def test_nested_grad_on_a_polynomial_by_hand() -> None:
    def cube(x: Any) -> Any:
        return x**3 + 2 * x

    assert grad(cube)(2.0) == 14.0
    assert grad(grad(cube))(2.0) == 12.0
    assert grad(grad(grad(cube)))(2.0) == 6.0
    assert grad(grad(grad(grad(cube))))(2.0) == 0.0


def test_backward_create_graph_gives_value_gradients() -> None:
    x = Value(2.0)
    y = x**3
    y.backward(create_graph=True)
    g = x.grad
    assert isinstance(g, Value) and g.data == 12.0
    x.grad = 0.0
    g.backward()
    assert x.grad == 12.0  # d(3x^2)/dx = 6x


# ------------------------------------------------------------------------ 4. finite differences

VARIABLES = ("x", "y", "z")
UNARY_SMOOTH = ("tanh", "sigmoid", "sin", "cos", "exp_tanh", "log1p_sq")
BINARY_SMOOTH = ("+", "-", "*", "/")
BOUND = 100.0  # every intermediate value stays within +-BOUND (else: skipped)
MIN_DENOMINATOR = 0.1

Tree = Any


def trees(depth: int) -> st.SearchStrategy[Tree]:
    leaves = st.one_of(st.sampled_from(VARIABLES), floats(-2.0, 2.0).map(lambda c: ("const", c)))
    if depth == 0:
        return leaves
    sub = trees(depth - 1)
    return st.one_of(
        leaves,
        st.tuples(st.sampled_from(UNARY_SMOOTH), sub),
        st.tuples(st.sampled_from(BINARY_SMOOTH), sub, sub),
    )


class Rejected(Exception):
    """The expression is outside the region where finite differences are meaningful."""


def _float_sigmoid(u: float) -> float:
    if u >= 0:
        return 1.0 / (1.0 + math.exp(-u))
    e = math.exp(u)
    return e / (1.0 + e)


FLOAT_UNARY: dict[str, Callable[[float], float]] = {
    "tanh": math.tanh,
    "sigmoid": _float_sigmoid,
    "sin": math.sin,
    "cos": math.cos,
    "exp_tanh": lambda u: math.exp(math.tanh(u)),
    "log1p_sq": lambda u: math.log(1.0 + u * u),
}
VALUE_UNARY: dict[str, Callable[[Value], Value]] = {
    "tanh": lambda u: u.tanh(),
    "sigmoid": lambda u: u.sigmoid(),
    "sin": lambda u: u.sin(),
    "cos": lambda u: u.cos(),
    "exp_tanh": lambda u: u.tanh().exp(),
    "log1p_sq": lambda u: (1 + u * u).log(),
}
BINARY_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}


def eval_float(tree: Tree, env: dict[str, float]) -> float:
    """Plain float evaluation (math module only), rejecting unsafe regions."""
    if isinstance(tree, str):
        result = env[tree]
    elif tree[0] == "const":
        result = tree[1]
    elif len(tree) == 2:
        result = FLOAT_UNARY[tree[0]](eval_float(tree[1], env))
    else:
        a, b = eval_float(tree[1], env), eval_float(tree[2], env)
        if tree[0] == "/" and abs(b) < MIN_DENOMINATOR:
            raise Rejected
        result = BINARY_OPS[tree[0]](a, b)
    if not math.isfinite(result) or abs(result) > BOUND:
        raise Rejected
    return result


def eval_value(tree: Tree, env: dict[str, Value]) -> Value:
    if isinstance(tree, str):
        return env[tree]
    if tree[0] == "const":
        return Value(tree[1])
    if len(tree) == 2:
        return VALUE_UNARY[tree[0]](eval_value(tree[1], env))
    return BINARY_OPS[tree[0]](eval_value(tree[1], env), eval_value(tree[2], env))


@settings(max_examples=100, deadline=None)
@given(
    tree=trees(5),
    point=st.tuples(floats(-2.0, 2.0), floats(-2.0, 2.0), floats(-2.0, 2.0)),
)
def test_random_expression_gradients_match_central_differences(
    tree: Tree, point: tuple[float, float, float]
) -> None:
    eps = 1e-6
    env = dict(zip(VARIABLES, point))
    try:
        f0 = eval_float(tree, env)
        shifted = {
            (name, sign): eval_float(tree, {**env, name: env[name] + sign * eps})
            for name in VARIABLES
            for sign in (1.0, -1.0)
        }
    except Rejected:
        assume(False)
        return
    leaves = {name: Value(v, label=name) for name, v in env.items()}
    out = eval_value(tree, leaves)
    assert math.isclose(out.data, f0, rel_tol=1e-12, abs_tol=1e-300), (out.data, f0)
    out.backward()
    for name in VARIABLES:
        fd = (shifted[(name, 1.0)] - shifted[(name, -1.0)]) / (2 * eps)
        g = leaves[name].grad
        assert isinstance(g, float)
        assert math.isclose(g, fd, rel_tol=1e-5, abs_tol=1e-7), f"d/d{name}: {g} vs {fd}"


# ----------------------------------------------------------------------------- 5. IEEE numerics


@dataclass(frozen=True)
class Edge:
    name: str
    func: Callable[..., Any]
    kinds: str
    args: tuple[float, ...]
    expected: float | None  # None: compare to torch only


def unary_edge(name: str, x: float, expected: float | None) -> Edge:
    return Edge(f"{name}({x})", UNARY[name][0], "v", (x,), expected)


EDGES = [
    unary_edge("log", 0.0, -INF),
    unary_edge("log", -1.0, NAN),
    unary_edge("log", INF, INF),
    unary_edge("exp", 1000.0, INF),
    unary_edge("exp", -1000.0, 0.0),
    unary_edge("exp", INF, INF),
    unary_edge("exp", -INF, 0.0),
    unary_edge("tanh", 1000.0, 1.0),
    unary_edge("tanh", -1000.0, -1.0),
    unary_edge("sigmoid", 1000.0, 1.0),
    unary_edge("sigmoid", -1000.0, 0.0),
    unary_edge("sigmoid", -40.0, None),
    unary_edge("sigmoid", 40.0, None),
    unary_edge("sqrt", -1.0, NAN),
    unary_edge("sqrt", 0.0, 0.0),
    unary_edge("sin", INF, NAN),
    unary_edge("sin", -INF, NAN),
    unary_edge("cos", INF, NAN),
    unary_edge("tanh", NAN, NAN),
    unary_edge("exp", NAN, NAN),
    unary_edge("log", NAN, NAN),
    Edge("(-2)**0.5 Value-number", operator.pow, "vn", (-2.0, 0.5), NAN),
    Edge("(-2)**0.5 Value-Value", operator.pow, "vv", (-2.0, 0.5), NAN),
    Edge("(-8)**(1/3) number-Value", operator.pow, "nv", (-8.0, 1 / 3), NAN),
    Edge("0**-1 Value-number", operator.pow, "vn", (0.0, -1.0), INF),
    Edge("0**-1 Value-Value", operator.pow, "vv", (0.0, -1.0), INF),
    Edge("0**-1 number-Value", operator.pow, "nv", (0.0, -1.0), INF),
    Edge("0**-2 Value-Value", operator.pow, "vv", (0.0, -2.0), INF),
    Edge("(-0.0)**-1 Value-Value", operator.pow, "vv", (-0.0, -1.0), -INF),
    Edge("10**400 Value-number", operator.pow, "vn", (10.0, 400.0), INF),
    Edge("(-10)**401 Value-Value", operator.pow, "vv", (-10.0, 401.0), -INF),
    Edge("1/0 Value-Value", operator.truediv, "vv", (1.0, 0.0), INF),
    Edge("1/0 Value-number", operator.truediv, "vn", (1.0, 0.0), INF),
    Edge("1/0 number-Value", operator.truediv, "nv", (1.0, 0.0), INF),
    Edge("-1/0 Value-Value", operator.truediv, "vv", (-1.0, 0.0), -INF),
    Edge("-1/0 number-Value", operator.truediv, "nv", (-1.0, 0.0), -INF),
    Edge("1/-0.0 Value-Value", operator.truediv, "vv", (1.0, -0.0), -INF),
    Edge("0/0 Value-Value", operator.truediv, "vv", (0.0, 0.0), NAN),
    Edge("0/0 Value-number", operator.truediv, "vn", (0.0, 0.0), NAN),
    Edge("0/0 number-Value", operator.truediv, "nv", (0.0, 0.0), NAN),
    Edge("inf*0 Value-Value", operator.mul, "vv", (INF, 0.0), NAN),
    Edge("inf-inf Value-Value", operator.sub, "vv", (INF, INF), NAN),
]


@pytest.mark.parametrize("edge", EDGES, ids=[e.name for e in EDGES])
def test_ieee_edge_cases_match_torch_without_exceptions(edge: Edge) -> None:
    case = OpCase(edge.name, edge.func, edge.func, edge.kinds, (), ())
    data, grads = run_ours(case, edge.args)  # no Python exception
    ref_data, ref_grads = run_torch(case, edge.args)
    if edge.expected is not None:
        assert_same(data, edge.expected, f"{edge.name} expected")
    assert_same(data, ref_data, f"{edge.name} forward")
    assert len(grads) == len(ref_grads)
    for i, (g, ref) in enumerate(zip(grads, ref_grads)):
        assert_same(g, ref, f"{edge.name} gradient {i}")


@pytest.mark.parametrize("x", [1000.0, -1000.0])
@pytest.mark.parametrize("method", ["tanh", "sigmoid"])
def test_saturated_tanh_and_sigmoid_have_zero_gradient(method: str, x: float) -> None:
    v = Value(x)
    out = getattr(v, method)()
    out.backward()
    assert v.grad == 0.0
    assert out.data == (math.copysign(1.0, x) if method == "tanh" else (1.0 if x > 0 else 0.0))


def test_sigmoid_far_left_is_accurate_to_the_last_digits() -> None:
    v = Value(-40.0)
    out = v.sigmoid()
    out.backward()
    t = leaf(-40.0)
    s = torch.sigmoid(t)
    s.backward()
    assert math.isclose(out.data, s.item(), rel_tol=1e-12)
    assert math.isclose(v.grad, t.grad.item(), rel_tol=1e-12)
    assert out.data > 0.0


# ----------------------------------------------------------------------------- 6. comparisons

COMPARISONS = {
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@pytest.mark.parametrize("symbol", list(COMPARISONS))
@pytest.mark.parametrize(("a", "b"), [(1.0, 2.0), (2.0, 2.0), (3.0, 2.0), (-1.5, 0.0)])
def test_comparisons_compare_data_and_record_nothing(symbol: str, a: float, b: float) -> None:
    """A comparison is a Comparison: Python truth as on floats, and a 0/1 constant leaf
    (no parents: the compared nodes gain no edge, so no gradient flows through it)."""
    compare = COMPARISONS[symbol]
    expected = compare(a, b)
    x0, y0 = Value(1.0), Value(2.0)
    va, vb = x0 * 1.0 + (a - 1.0), y0 * 1.0 + (b - 2.0)  # interior nodes with known parents
    va_parents, vb_parents = va.parents, vb.parents
    for left, right in [(va, vb), (va, b), (a, vb), (va, int(b))]:  # every b is integral
        result = compare(left, right)
        assert type(result) is Comparison, f"{left!r} {symbol} {right!r}: {type(result)}"
        assert bool(result) is expected, f"{left!r} {symbol} {right!r}"
        assert result.data == (1.0 if expected else 0.0) and result.parents == ()
    for node, before in [(va, va_parents), (vb, vb_parents)]:
        assert len(node.parents) == len(before) == 2
        assert all(p is q for p, q in zip(node.parents, before))  # identity: == compares data
    assert x0.parents == () and y0.parents == ()
    va.backward()
    assert x0.grad == 1.0 and y0.grad == 0.0  # nothing was added to the graph


def test_values_hash_by_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a == b  # equal data ...
    assert len({a, b}) == 2  # ... but distinct set members
    assert a in {a} and b not in {a}
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b"
    assert hash(a) == hash(a)
    c = a + 0.0
    assert c == a and c not in {a}


@pytest.mark.parametrize("number", [np.int64(3), np.float32(3.0)], ids=["int64", "float32"])
def test_equality_with_numpy_scalars_compares_data(number: Any) -> None:
    v = Value(3.0)
    assert v <= number and v >= number
    assert v == number
    assert bool(v != number) is False and (v != number).data == 0.0


# ----------------------------------------------------------------------------- 7. bad input


@pytest.mark.parametrize(
    ("make", "type_name"),
    [
        (lambda: Value("a"), "str"),
        (lambda: Value(None), "NoneType"),
        (lambda: Value(1 + 2j), "complex"),
        (lambda: Value([1]), "list"),
        (lambda: Value(np.complex128(1 + 2j)), "complex128"),
        (lambda: Value(1) + "a", "str"),
        (lambda: Value(1) * None, "NoneType"),
        (lambda: "a" + Value(1), "str"),
        (lambda: Value(1) - [2], "list"),
        (lambda: Value(1) ** "2", "str"),
        (lambda: None / Value(1), "NoneType"),
    ],
    ids=[
        "Value(str)",
        "Value(None)",
        "Value(complex)",
        "Value(list)",
        "Value(np.complex128)",
        "Value+str",
        "Value*None",
        "str+Value",
        "Value-list",
        "Value**str",
        "None/Value",
    ],
)
def test_bad_input_raises_type_error_naming_the_type(
    make: Callable[[], Any], type_name: str
) -> None:
    with pytest.raises(TypeError) as info:
        make()
    message = str(info.value)
    assert type_name in message
    assert "real number" in message


@pytest.mark.parametrize(
    ("number", "expected"),
    [(np.float64(2.5), 2.5), (np.int64(3), 3.0), (np.float32(0.5), 0.5), (np.bool_(True), 1.0)],
    ids=["float64", "int64", "float32", "bool_"],
)
def test_numpy_scalars_are_accepted_as_float_data(number: Any, expected: float) -> None:
    v = Value(number)
    assert type(v.data) is float and v.data == expected
    w = Value(2.0) * number
    assert type(w) is Value and type(w.data) is float and w.data == 2.0 * expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [(np.float64(2.0), 3.0, 6.0), (np.int64(3), 2.0, 6.0), (np.float32(0.5), 4.0, 2.0)],
    ids=["float64*Value", "int64*Value", "float32*Value"],
)
def test_numpy_scalar_on_the_left_gives_a_value(left: Any, right: float, expected: float) -> None:
    v = Value(right)
    out = left * v
    assert type(out) is Value, type(out)
    assert type(out.data) is float and out.data == expected
    out.backward()
    assert v.grad == float(left)
    for result in (left + v, left - v, left / v, left**v):
        assert type(result) is Value, type(result)


# ------------------------------------------------------------------------ 8. gradient semantics


def _small_graph() -> tuple[Value, Value, Value, Value]:
    x, y = Value(0.7, label="x"), Value(-1.2, label="y")
    z = x * y
    w = z.tanh() + x * x
    return x, y, z, w


def test_backward_twice_doubles_leaves_and_repeats_interior_gradients() -> None:
    x, y, z, w = _small_graph()
    w.backward()
    gx, gy, gz, gw = x.grad, y.grad, z.grad, w.grad
    assert gz == 1 - math.tanh(0.7 * -1.2) ** 2
    assert gx == gz * -1.2 + 2 * 0.7
    w.backward()
    assert x.grad == 2 * gx and y.grad == 2 * gy
    assert z.grad == gz and w.grad == gw == 1.0


def test_zero_grad_resets_gradients() -> None:
    x, y, _, w = _small_graph()
    w.backward()
    assert x.grad != 0.0
    x.zero_grad()
    assert x.grad == 0.0 and y.grad != 0.0
    zero_grad([y])
    assert y.grad == 0.0
    w.backward()
    gx = x.grad
    zero_grad(x, [y])
    assert x.grad == 0.0 and y.grad == 0.0
    w.backward()
    assert x.grad == gx  # from zero again, not accumulated on top


def test_detach_gives_a_leaf_with_equal_data() -> None:
    x, _, z, _ = _small_graph()
    d = z.detach()
    assert d is not z and d.data == z.data
    assert d.parents == () and d.op is None
    out = d * x
    out.backward()
    assert d.grad == x.data and x.grad == z.data
    assert z.grad == 0.0  # nothing flowed through the detached node


def test_no_grad_records_no_parents_and_restores_state() -> None:
    x = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        ys = [x * 3, x + x, x.exp(), -x, x**2, 2**x, x / 3, x.leaky_relu(), abs(x), Value(1) + 2]
    assert is_grad_enabled()
    for y in ys:
        assert y.parents == () and y.op is None
    assert ys[0].data == 6.0
    ys[0].backward()
    assert x.grad == 0.0
    assert (x * 3).parents[0] is x  # recording again after the block


def test_no_grad_restores_state_after_an_exception() -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), no_grad():
        assert not is_grad_enabled()
        raise Boom
    assert is_grad_enabled()
    assert (Value(1.0) * 2).parents != ()
    with no_grad():
        with pytest.raises(Boom), enable_grad():
            raise Boom
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_no_grad_and_enable_grad_nest() -> None:
    x = Value(1.5)
    with no_grad():
        with no_grad():
            assert (x * 2).parents == ()
        assert not is_grad_enabled()
        with enable_grad():
            assert is_grad_enabled()
            recorded = x * 2
            with no_grad():
                assert (x * 2).parents == ()
            assert is_grad_enabled()
        assert not is_grad_enabled()
        assert (x * 2).parents == ()
    assert is_grad_enabled()
    assert recorded.parents[0] is x
    recorded.backward()
    assert x.grad == 2.0


def test_no_grad_as_a_decorator() -> None:
    @no_grad()
    def double(v: Value) -> Value:
        return v * 2

    x = Value(1.0)
    assert double(x).parents == () and double(x).parents == ()
    assert is_grad_enabled()


# ----------------------------------------------------------------------------- 9. functional API


def test_grad_with_several_argnums() -> None:
    def f(x: Any, y: Any) -> Any:
        return x * y + x * x / y

    gx, gy = grad(f, argnums=(0, 1))(3.0, 4.0)
    assert gx == 4.0 + 2 * 3.0 / 4.0 and gy == 3.0 - 9.0 / 16.0
    assert type(gx) is float and type(gy) is float
    assert grad(f, argnums=(1, 0))(3.0, 4.0) == (gy, gx)
    assert grad(f, argnums=1)(3.0, 4.0) == gy
    assert grad(f, argnums=-1)(3.0, 4.0) == gy
    assert grad(f)(3.0, 4.0) == gx


def test_value_and_grad() -> None:
    def f(x: Any) -> Any:
        return x * x * x - 2 * x

    value, slope = value_and_grad(f)(2.0)
    assert (value, slope) == (4.0, 10.0)
    assert type(value) is float and type(slope) is float
    value, (gx, gy) = value_and_grad(lambda x, y: x / y, argnums=(0, 1))(1.0, 4.0)
    assert value == 0.25 and gx == 0.25 and gy == -1.0 / 16


@pytest.mark.parametrize(
    "f",
    [lambda x: Value(3.0), lambda x: Value(3.0) * 2 + 1, lambda x: x.detach() * 2],
    ids=["constant", "constant_expression", "detached_input"],
)
def test_gradient_of_a_function_ignoring_its_input_is_zero(f: Callable[[Any], Any]) -> None:
    g = grad(f)(1.5)
    assert g == 0.0 and type(g) is float
    assert grad(lambda x, y: y * 2, argnums=(0, 1))(1.0, 2.0) == (0.0, 2.0)
    assert grad(grad(lambda x: x * 5))(1.0) == 0.0  # the derivative of a constant slope


@pytest.mark.parametrize("argnums", [2, -3, (0, 2), (5,)])
def test_bad_argnums_raise_index_error(argnums: Any) -> None:
    with pytest.raises(IndexError):
        grad(lambda x, y: x * y, argnums=argnums)(1.0, 2.0)
    with pytest.raises(IndexError):
        value_and_grad(lambda x, y: x * y, argnums=argnums)(1.0, 2.0)


@pytest.mark.parametrize(
    "f", [lambda x: None, lambda x: [x], lambda x: "x"], ids=["None", "list", "str"]
)
def test_grad_of_a_function_returning_a_non_value_raises_type_error(
    f: Callable[[Any], Any],
) -> None:
    with pytest.raises(TypeError, match="must return"):
        grad(f)(1.0)


@pytest.mark.parametrize("f", [lambda x: 3.0, lambda x: x.data], ids=["float", "data"])
def test_grad_of_a_function_returning_a_constant_is_zero(f: Callable[[Any], Any]) -> None:
    """As HIPS autograd and JAX: a constant does not change with x (issue 17)."""
    assert grad(f)(1.0) == 0.0
    assert value_and_grad(f)(1.0) == (f(Value(1.0)), 0.0)


def test_docstring_examples() -> None:
    from autograd_lite import value

    results = doctest.testmod(value)
    assert results.failed == 0 and results.attempted >= 4


# ----------------------------------------------------------------------------- weighted_sum


def _graph_shape(root: Value, leaves: Sequence[Value]) -> list[tuple[str, tuple[Any, ...]]]:
    """Each node of root's graph as (op name, its inputs): leaves by position, nodes by index."""
    order = [n for n in topological_order(root) if n.op is not None]
    index = {id(n): i for i, n in enumerate(order)}
    where = {id(leaf): f"leaf{i}" for i, leaf in enumerate(leaves)}
    return [
        (n.op.name, tuple(where.get(id(p), index.get(id(p), "other")) for p in n.parents))
        for n in order
    ]


def test_weighted_sum_records_the_written_out_expression_node_for_node() -> None:
    def leaves() -> tuple[Value, list[Value], list[Value]]:
        bias = Value(0.1)
        return bias, [Value(w) for w in (0.5, -1.25, 3.0)], [Value(x) for x in (2.0, 0.3, -0.7)]

    b1, w1, x1 = leaves()
    written = b1 + w1[0] * x1[0] + w1[1] * x1[1] + w1[2] * x1[2]
    b2, w2, x2 = leaves()
    fused = weighted_sum(b2, w2, x2)
    assert fused.data == written.data  # the same arithmetic in the same order
    assert _graph_shape(fused, [b2, *w2, *x2]) == _graph_shape(written, [b1, *w1, *x1])
    assert sorted(op for op, _ in _graph_shape(fused, [])) == ["*"] * 3 + ["+"] * 3
    written.tanh().backward()
    fused.tanh().backward()
    assert [v.grad for v in (b2, *w2, *x2)] == [v.grad for v in (b1, *w1, *x1)]


def test_weighted_sum_makes_its_nodes_as_the_operators_make_them() -> None:
    # Every slot of every node as `*` and `+` fill them: type, gradient, label and the
    # time stamp the changed-data check compares (engine.clock[0] when made).
    # (Read before any walk: a walk writes its own token in the nodes' _mark.)
    w, x = [Value(0.5), Value(-1.25)], [Value(2.0), Value(0.3)]
    now = engine.clock[0]
    written = Value(0.1) + w[0] * x[0] + w[1] * x[1]
    fused = weighted_sum(Value(0.1), w, x)
    for made in (written, fused):
        nodes, stack = [], [made]
        while stack:
            node = stack.pop()
            if node.op is not None:
                nodes.append(node)
                stack.extend(node.parents)
        assert len(nodes) == 4
        for n in nodes:
            assert type(n) is Value and n.grad == 0.0 and n.label == ""
            assert n._mark is now  # the very object: no int made per node


def test_weighted_sum_takes_numbers_and_checks_lengths() -> None:
    w = [Value(2.0), Value(3.0)]
    z = weighted_sum(1, w, [10, 0.5])
    assert z.data == 1 + 20 + 1.5
    z.backward()
    assert [wi.grad for wi in w] == [10.0, 0.5]
    assert weighted_sum(Value(0.0), [4, 5], [Value(1.0), Value(2.0)]).data == 14.0
    with pytest.raises(ValueError, match="2 weights and 3 inputs"):
        weighted_sum(0.0, w, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="got str"):
        weighted_sum(0.0, w, [1.0, "2"])


def test_weighted_sum_records_nothing_under_no_grad() -> None:
    with no_grad():
        z = weighted_sum(Value(1.0), [Value(2.0)], [Value(3.0)])
    assert z.data == 7.0 and z.parents == () and z.op is None
