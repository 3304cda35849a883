"""HIPS autograd's tests/test_scalar_ops.py, ported: each elementwise function of one
number, checked forwards and backwards to second order by ``check_grads`` (HIPS's
tolerances), written with ``autograd_lite``'s NumPy-like functions in place of
``autograd.numpy``. 42 of 42 tests ported.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd_lite as al
from autograd_lite import grad

from .hips_checks import check_grads

rng = np.random.default_rng(1)


@pytest.fixture(autouse=True)
def _fresh_points() -> None:
    """The same points whatever ran before (HIPS draws them from one module-level seed)."""
    global rng
    rng = np.random.default_rng(1)


def randn() -> float:
    return float(rng.standard_normal())


def rand() -> float:
    return float(rng.uniform(0.05, 1.0))


def test_abs() -> None:
    fun = lambda x: 3.0 * al.absolute(x)  # noqa: E731
    check_grads(fun)(1.1)
    check_grads(fun)(-1.1)
    check_grads(fun, order=1)(0.0)


def test_absolute() -> None:
    fun = lambda x: 3.0 * abs(x)  # noqa: E731
    check_grads(fun)(1.1)
    check_grads(fun)(-1.1)
    check_grads(fun, order=1)(0.0)


def test_sin() -> None:
    check_grads(lambda x: 3.0 * al.sin(x))(randn())


def test_sign() -> None:
    fun = lambda x: 3.0 * al.sign(x)  # noqa: E731
    check_grads(fun)(1.1)
    check_grads(fun)(-1.1)


def test_exp() -> None:
    check_grads(lambda x: 3.0 * al.exp(x))(randn())


def test_log() -> None:
    check_grads(lambda x: 3.0 * al.log(x))(abs(randn()))


def test_log2() -> None:
    check_grads(lambda x: 3.0 * al.log2(x))(abs(randn()))


def test_log10() -> None:
    check_grads(lambda x: 3.0 * al.log10(x))(abs(randn()))


def test_log1p() -> None:
    check_grads(lambda x: 3.0 * al.log1p(x))(abs(randn()))


def test_expm1() -> None:
    check_grads(lambda x: 3.0 * al.expm1(x))(abs(randn()))


def test_exp2() -> None:
    check_grads(lambda x: 3.0 * al.exp2(x))(abs(randn()))


def test_neg() -> None:
    check_grads(lambda x: 3.0 * -x)(randn())


def test_cos() -> None:
    check_grads(lambda x: 3.0 * al.cos(x))(randn())


def test_tan() -> None:
    check_grads(lambda x: 3.0 * al.tan(x))(randn())


def test_cosh() -> None:
    check_grads(lambda x: 3.0 * al.cosh(x))(randn())


def test_sinh() -> None:
    check_grads(lambda x: 3.0 * al.sinh(x))(randn())


def test_tanh() -> None:
    check_grads(lambda x: 3.0 * al.tanh(x))(randn())


def test_arccos() -> None:
    check_grads(lambda x: 3.0 * al.arccos(x))(0.1)


def test_arcsin() -> None:
    check_grads(lambda x: 3.0 * al.arcsin(x))(0.1)


def test_arctan() -> None:
    check_grads(lambda x: 3.0 * al.arctan(x))(0.2)


def test_arccosh() -> None:
    check_grads(lambda x: 3.0 * al.arccosh(x))(randn() ** 2 + 1.2)


def test_arcsinh() -> None:
    check_grads(lambda x: 3.0 * al.arcsinh(x))(randn())


def test_arctanh() -> None:
    check_grads(lambda x: 3.0 * al.arctanh(x))(0.2)


def test_sqrt() -> None:
    check_grads(lambda x: 3.0 * al.sqrt(x))(10.0 * rand())


def test_power_arg0() -> None:
    # HIPS keeps away from regimes where numerical differences fail (the +1's)
    exponent = randn() ** 2 + 1.0
    check_grads(lambda x: al.power(x, exponent))(rand() ** 2 + 1.0)
    # an exponent of 0 at a base of 0 (HIPS issue #116): both derivatives are 0
    fun = lambda x: al.power(x, 0.0)  # noqa: E731
    assert grad(fun)(0.0) == 0.0
    assert grad(grad(fun))(0.0) == 0.0


def test_power_arg1() -> None:
    base = randn() ** 2
    check_grads(lambda y: al.power(base, y))(rand() ** 2)


def test_power_arg1_zero() -> None:
    check_grads(lambda y: al.power(0.0, y))(rand() ** 2)


def test_mod_arg0() -> None:
    check_grads(lambda x, y: al.mod(x, y), argnums=0)(0.83, 0.37)


def test_mod_arg1() -> None:
    check_grads(lambda x, y: al.mod(x, y), argnums=1)(0.83, 0.37)


def test_divide_arg0() -> None:
    check_grads(lambda x, y: x / y, argnums=0)(rand(), rand())


def test_divide_arg1() -> None:
    check_grads(lambda x, y: x / y, argnums=1)(rand(), rand())


def test_multiply_arg0() -> None:
    check_grads(lambda x, y: x * y, argnums=0)(rand(), rand())


def test_multiply_arg1() -> None:
    check_grads(lambda x, y: x * y, argnums=1)(rand(), rand())


def test_true_divide_arg0() -> None:
    check_grads(lambda x, y: np.true_divide(x, y), argnums=0)(rand(), rand())


def test_true_divide_arg1() -> None:
    check_grads(lambda x, y: np.true_divide(x, y), argnums=1)(rand(), rand())


def test_reciprocal() -> None:
    check_grads(lambda x: 1.0 / x)(rand())


def test_negative() -> None:
    check_grads(lambda x: np.negative(x))(rand())


def test_rad2deg() -> None:
    check_grads(lambda x: 3.0 * al.rad2deg(x))(10.0 * rand())


def test_deg2rad() -> None:
    check_grads(lambda x: 3.0 * al.deg2rad(x))(10.0 * rand())


def test_radians() -> None:
    check_grads(lambda x: 3.0 * al.radians(x))(10.0 * rand())


def test_degrees() -> None:
    check_grads(lambda x: 3.0 * al.degrees(x))(10.0 * rand())


def test_sinc() -> None:
    check_grads(lambda x: 3.0 * al.sinc(x))(10.0 * rand())
