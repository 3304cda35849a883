"""HIPS autograd's tests/test_binary_ops.py, ported: the binary operators on every pair
of a number, a vector (4,), a matrix (3, 4) and a row (1, 4), broadcasting, checked
forwards and backwards to second order with HIPS's tolerances. A plain number meets the
arrays as a Value lifted to a 0-d Tensor. Stricter than HIPS: both arguments are checked
(HIPS's ``check_grads(fun)(x, y)`` checks the first). 10 of 10 tests ported.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np

import autograd_lite as al
from autograd_lite import grad, value_and_grad

from .hips_checks import check_grads


def arg_pairs() -> Iterator[tuple[Any, Any]]:
    rs = np.random.default_rng(0)  # the same arrays in every test
    scalar = 2.0
    vector = rs.standard_normal(4)
    mat = rs.standard_normal((3, 4))
    mat2 = rs.standard_normal((1, 4))
    yield from itertools.product([scalar, vector, mat, mat2], repeat=2)


def test_mul() -> None:
    for arg1, arg2 in arg_pairs():
        check_grads(lambda x, y: x * y, "all")(arg1, arg2)


def test_add() -> None:
    for arg1, arg2 in arg_pairs():
        check_grads(lambda x, y: x + y, "all")(arg1, arg2)


def test_sub() -> None:
    for arg1, arg2 in arg_pairs():
        check_grads(lambda x, y: x - y, "all")(arg1, arg2)


def gap_from_zero(x: Any) -> Any:
    return np.sqrt(np.asarray(x) ** 2 + 0.5) if np.ndim(x) else float(np.sqrt(x**2 + 0.5))


def test_div() -> None:
    for arg1, arg2 in arg_pairs():
        check_grads(lambda x, y: x / y, "all")(gap_from_zero(arg1), gap_from_zero(arg2))


def test_mod() -> None:
    for arg1, arg2 in arg_pairs():
        if arg1 is not arg2:  # the remainder jumps where x == y
            check_grads(lambda x, y: x % y, "all")(gap_from_zero(arg1), gap_from_zero(arg2))


def test_pow() -> None:
    for arg1, arg2 in arg_pairs():
        positive = np.abs(arg1) + 1.1 if np.ndim(arg1) else abs(arg1) + 1.1
        check_grads(lambda x, y: x**y, "all")(positive, arg2)


def test_arctan2() -> None:
    for arg1, arg2 in arg_pairs():
        check_grads(al.arctan2, "all")(arg1, arg2)


def test_hypot() -> None:
    for arg1, arg2 in arg_pairs():
        check_grads(al.hypot, "all", modes=["rev"])(arg1, arg2)


COMPARISONS = [
    lambda x, y: np.sum(x < y) + 0.0,
    lambda x, y: np.sum(x <= y) + 0.0,
    lambda x, y: np.sum(x > y) + 0.0,
    lambda x, y: np.sum(x >= y) + 0.0,
    lambda x, y: np.sum(x == y) + 0.0,
    lambda x, y: np.sum(x != y) + 0.0,
]


def test_comparison_grads() -> None:
    for arg1, arg2 in arg_pairs():
        zeros = (np.asarray(arg1) + arg2) * 0
        for fun in COMPARISONS:
            assert np.all(grad(fun)(arg1, arg2) == zeros)
            assert np.all(grad(fun, argnums=1)(arg1, arg2) == zeros)


def test_comparison_values() -> None:
    for arg1, arg2 in arg_pairs():
        for fun in COMPARISONS:
            value, _ = value_and_grad(fun)(arg1, arg2)
            assert fun(arg1, arg2) == value
