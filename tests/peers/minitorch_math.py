"""minitorch's test functions (minitorch/testing.py ``MathTest``), in our own words.

Each entry holds a reference on plain floats and the same function written on our nodes,
as minitorch's ``MathTest`` and ``MathTestVariable`` do. The comparisons return minitorch's
0/1 floats on the reference side; on ours a Value comparison is a ``Comparison`` (0/1 and
Python truth) and a Tensor comparison a boolean array.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st


def relu(x: float) -> float:
    return x if x > 0 else 0.0


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def is_close(a: float, b: float) -> bool:
    return abs(float(a) - float(b)) < 1e-2  # minitorch's operators.is_close


def assert_close(a: Any, b: Any) -> None:
    assert is_close(a, b), f"{float(a)} and {float(b)} differ"


ONE_ARG: dict[str, tuple[Callable[[float], float], Callable[[Any], Any]]] = {
    "neg": (lambda a: -a, lambda a: -a),
    "addConstant": (lambda a: 5 + a, lambda a: 5 + a),
    "square": (lambda a: a * a, lambda a: a * a),
    "cube": (lambda a: a * a * a, lambda a: a * a * a),
    "subConstant": (lambda a: a - 5, lambda a: a - 5),
    "multConstant": (lambda a: 5 * a, lambda a: 5 * a),
    "div": (lambda a: a / 5, lambda a: a / 5),
    "inv": (lambda a: 1.0 / (a + 3.5), lambda a: 1.0 / (a + 3.5)),
    "sig": (sigmoid, lambda a: a.sigmoid()),
    "log": (lambda a: math.log(a + 100000), lambda a: (a + 100000).log()),
    "relu": (lambda a: relu(a + 5.5), lambda a: (a + 5.5).relu()),
    "exp": (lambda a: math.exp(a - 200), lambda a: (a - 200).exp()),
    "explog": (
        lambda a: math.log(a + 100000) + math.exp(a - 200),
        lambda a: (a + 100000).log() + (a - 200).exp(),
    ),
    "complex": (
        lambda a: math.log(sigmoid(relu(relu(a * 10 + 7) * 6 + 5) * 10)) / 50,
        lambda a: (((a * 10 + 7).relu() * 6 + 5).relu() * 10).sigmoid().log() / 50,
    ),
}

TWO_ARG: dict[str, tuple[Callable[[float, float], float], Callable[[Any, Any], Any]]] = {
    "add2": (lambda a, b: a + b, lambda a, b: a + b),
    "mul2": (lambda a, b: a * b, lambda a, b: a * b),
    "div2": (lambda a, b: a / (b + 5.5), lambda a, b: a / (b + 5.5)),
    "gt2": (lambda a, b: 1.0 if b < a + 1.2 else 0.0, lambda a, b: a + 1.2 > b),
    "lt2": (lambda a, b: 1.0 if a + 1.2 < b else 0.0, lambda a, b: a + 1.2 < b),
    "eq2": (lambda a, b: 1.0 if a == b + 5.5 else 0.0, lambda a, b: a == (b + 5.5)),
}

REDUCTIONS: dict[str, Callable[[Any], Any]] = {
    "sum_red": lambda a: a.sum(0),
    "mean_red": lambda a: a.mean(0),
    "mean_full_red": lambda a: a.mean(),
}


# Where a function has no derivative (a kink of relu, a jump of a comparison), a central
# difference straddling it measures nothing the engine could agree with: derivatives are
# compared at least 1e-4 away from those points (minitorch leaves it to chance).
def _away(distance: Any) -> Any:
    return np.abs(distance) > 1e-4


SMOOTH_AT: dict[str, Callable[..., bool]] = {
    "relu": lambda a: _away(a + 5.5),
    "complex": lambda a: _away(a * 10 + 7),
    "gt2": lambda a, b: _away(a + 1.2 - b),
    "lt2": lambda a, b: _away(a + 1.2 - b),
    "eq2": lambda a, b: _away(a - b - 5.5),
}


def smooth_at(name: str, *points: Any) -> bool:
    """True when minitorch's function ``name`` is differentiable at every element."""
    check = SMOOTH_AT.get(name)
    if check is None:
        return True
    arrays = [np.asarray(p, dtype=float) for p in points]
    return bool(np.all(check(*arrays)))


small_floats = st.floats(min_value=-100, max_value=100, allow_nan=False)
# minitorch runs hypothesis without a deadline; derandomized here so CI sees fixed examples
peer_settings = settings(deadline=None, derandomize=True)
# each tensor example checks every element by central differences: fewer examples
peer_tensor_settings = settings(deadline=None, derandomize=True, max_examples=40)
