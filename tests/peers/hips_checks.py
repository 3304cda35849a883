"""Our version of HIPS autograd's ``check_grads`` (autograd/test_util.py), on our API.

HIPS checks a function's derivatives both ways against a numerical directional
derivative, and then checks the derivative functions themselves the same way (order 2):

* reverse: for random ``v`` (shaped like the inputs) and ``u`` (like the output), the
  number ``<v, vjp(u)>`` must equal ``<u, (f(x + eps/2 v) - f(x - eps/2 v)) / eps>``;
* forward: ``jvp(v)`` must equal the numerical directional derivative (compared through
  an inner product with a random vector, as HIPS's ``check_equivalent``).

Same tolerances as HIPS: ``EPS = 1e-6`` for the difference, and two numbers are close
when ``|a - b| < 1e-6`` or ``|a - b| / |a + b| < 1e-6``. One difference, stricter: HIPS's
``check_grads(f)(x, y)`` checks only the first argument; ``argnums="all"`` here checks all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_lite import Tensor, Value, jvp, vjp
from autograd_lite.tensor import as_tensor, concatenate

TOL = 1e-6
RTOL = 1e-6
EPS = 1e-6

_rng = np.random.default_rng(1)


def reseed(seed: int = 1) -> None:
    """Start the random directions afresh (each test, so the order tests run in, which
    pytest-xdist varies, does not change what they check)."""
    global _rng
    _rng = np.random.default_rng(seed)


def plain(x: Any) -> Any:
    """A result as numbers: floats and arrays (nodes give their data)."""
    if isinstance(x, (Value, Tensor)):
        return x.data
    if isinstance(x, (tuple, list)):
        return tuple(plain(item) for item in x)
    return x


def scalar_close(a: float, b: float) -> bool:
    return bool(abs(a - b) < TOL or abs(a - b) / abs(a + b) < RTOL)


def random_like(x: Any) -> Any:
    x = plain(x)
    if isinstance(x, tuple):
        return tuple(random_like(item) for item in x)
    if np.ndim(x) == 0:
        return float(_rng.standard_normal())
    return _rng.standard_normal(np.shape(x))


def inner(a: Any, b: Any) -> float:
    a, b = plain(a), plain(b)
    if isinstance(a, tuple):
        return sum(inner(p, q) for p, q in zip(a, b))
    return float(np.sum(np.asarray(a, dtype=float) * np.asarray(b, dtype=float)))


def _move(xs: Sequence[Any], vs: Sequence[Any], step: float) -> list[Any]:
    moved = []
    for x, v in zip(xs, vs):
        y = np.asarray(plain(x), dtype=float) + step * np.asarray(v, dtype=float)
        moved.append(float(y) if np.ndim(plain(x)) == 0 else y)
    return moved


def numerical_jvp(f: Callable[..., Any], xs: Sequence[Any], vs: Sequence[Any]) -> Any:
    ahead = plain(f(*_move(xs, vs, EPS / 2)))
    behind = plain(f(*_move(xs, vs, -EPS / 2)))
    if isinstance(ahead, tuple):
        return tuple((np.asarray(p) - np.asarray(q)) / EPS for p, q in zip(ahead, behind))
    return (np.asarray(ahead, dtype=float) - np.asarray(behind, dtype=float)) / EPS


def check_equivalent(a: Any, b: Any) -> None:
    assert np.shape(plain(a)) == np.shape(plain(b)) or isinstance(plain(a), tuple), (a, b)
    w = random_like(a)
    assert scalar_close(inner(a, w), inner(b, w)), f"value mismatch:\n{a}\n{b}"


def check_grads(
    f: Callable[..., Any],
    argnums: int | Sequence[int] | str = 0,
    modes: Sequence[str] = ("fwd", "rev"),
    order: int = 2,
) -> Callable[..., None]:
    """A checker: ``check_grads(f)(*args)`` asserts f's derivatives at ``args``."""

    def checker(*args: Any) -> None:
        positions = (
            tuple(range(len(args)))
            if argnums == "all"
            else ((argnums,) if isinstance(argnums, int) else tuple(argnums))
        )

        def partial(*chosen: Any) -> Any:
            full = list(args)
            for i, value in zip(positions, chosen):
                full[i] = value
            return f(*full)

        xs = [args[i] for i in positions]
        if "fwd" in modes:
            vs = [random_like(x) for x in xs]
            _, tangent = jvp(partial, xs, vs)
            check_equivalent(tangent, numerical_jvp(partial, xs, vs))
            if order > 1:

                def tangent_of(*xs_and_vs: Any) -> Any:
                    n = len(xs_and_vs) // 2
                    return jvp(partial, xs_and_vs[:n], xs_and_vs[n:])[1]

                check_grads(tangent_of, "all", modes, order - 1)(*xs, *vs)
        if "rev" in modes:
            out, pullback = vjp(partial, *xs)
            u = random_like(out)
            vs = [random_like(x) for x in xs]
            exact = inner(tuple(vs), pullback(u))
            numeric = inner(u, numerical_jvp(partial, xs, vs))
            assert scalar_close(numeric, exact), f"VJP check of {f}: {exact} vs {numeric}"
            if order > 1:

                def cotangent_of(*xs_and_u: Any) -> Any:
                    _, inner_pullback = vjp(partial, *xs_and_u[:-1])
                    gradients = inner_pullback(xs_and_u[-1])
                    if len(gradients) == 1:
                        return gradients[0]
                    # several inputs: one flat vector (a linear repacking of HIPS's tuple)
                    return concatenate([as_tensor(g).reshape(-1) for g in gradients])

                check_grads(cotangent_of, "all", modes, order - 1)(*xs, u)

    return checker
