"""HIPS autograd's tests/test_core.py, ported: ``grad`` of Python's operators between two
plain numbers (no NumPy), against a numerical derivative with HIPS's step (1e-4) and
tolerances (atol = rtol = 1e-4). The comparisons are flat: their gradient is 0, and so
is the numerical one. 12 of 12 tests ported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd_lite import grad


def nd(f: Callable[[float], Any], x: float, eps: float = 1e-4) -> float:
    return float(f(x + eps / 2) - f(x - eps / 2)) / eps


def check_close(a: float, b: float, atol: float = 1e-4, rtol: float = 1e-4) -> None:
    assert abs(a - b) < atol + rtol * abs(b), f"differs by {a - b}"


def check_binary_func(fun: Callable[[Any, Any], Any]) -> None:
    x, y = 0.7, 1.8
    check_close(grad(fun)(x, y), nd(lambda x: fun(x, y), x))
    check_close(grad(fun, 1)(x, y), nd(lambda y: fun(x, y), y))


def test_add() -> None:
    check_binary_func(lambda x, y: x + y)


def test_sub() -> None:
    check_binary_func(lambda x, y: x - y)


def test_div() -> None:
    check_binary_func(lambda x, y: x / y)


def test_mul() -> None:
    check_binary_func(lambda x, y: x * y)


def test_pow() -> None:
    check_binary_func(lambda x, y: x**y)


def test_mod() -> None:
    check_binary_func(lambda x, y: x % y)


def test_eq() -> None:
    check_binary_func(lambda x, y: x == y)


def test_neq() -> None:
    check_binary_func(lambda x, y: x != y)


def test_leq() -> None:
    check_binary_func(lambda x, y: x <= y)


def test_geq() -> None:
    check_binary_func(lambda x, y: x >= y)


def test_lt() -> None:
    check_binary_func(lambda x, y: x < y)


def test_gt() -> None:
    check_binary_func(lambda x, y: x > y)
