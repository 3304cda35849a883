"""HIPS autograd's tests/test_direct.py, ported: explicit numbers, in case the checking
helpers themselves break. HIPS's ``deriv`` is the forward-mode derivative (a JVP with
tangent 1), which is ``jvp`` here. 3 of 4 tests ported: ``test_holomorphic_grad`` is not,
since autograd-lite works on real numbers only (complex inputs are refused, as
``test_grad_complex_output`` checks).
"""

from __future__ import annotations

from typing import Any

import pytest

import autograd_lite as al
from autograd_lite import grad, jvp


def fun(x: Any) -> Any:
    return (x + al.sin(x**2)) * x


def test_grad() -> None:
    assert 3.190948746871 - 1e-6 < grad(fun)(1.3) < 3.190948746871 + 1e-6


def test_deriv() -> None:
    assert 3.190948746871 - 1e-6 < jvp(fun, (1.3,), (1.0,))[1] < 3.190948746871 + 1e-6


def test_grad_complex_output() -> None:
    with pytest.raises(TypeError):
        grad(lambda x: x * (1.0 + 0.2j))(1.0)
