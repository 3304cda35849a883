"""Checking gradients against independent oracles.

Gradient check
--------------
:func:`gradcheck` compares the engine's gradient of a scalar function with central
finite differences, ``(f(x + eps) - f(x - eps)) / (2 eps)``, in float64, for every
element of every input (not a sample: a wrong rule that only shows on some elements
is still caught). It works for functions of Values and of Tensors. A NaN or an
infinity in either gradient is a failure, never a pass.

>>> import numpy as np
>>> result = gradcheck(lambda x: (x.tanh() * x).sum(), [np.array([0.5, -1.0])])
>>> bool(result), result.checked
(True, 2)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .engine import no_grad
from .functional import value_and_grad
from .tensor import Tensor
from .value import Value

__all__ = ["GradcheckElement", "GradcheckError", "GradcheckResult", "gradcheck"]


class GradcheckError(AssertionError):
    """The engine's gradient and the finite-difference gradient disagree."""


@dataclass(frozen=True)
class GradcheckElement:
    """One element of one input: both derivatives and how far apart they are."""

    input: int  # which input (position in ``inputs``)
    index: tuple[int, ...]  # which element of it (``()`` for a scalar)
    analytic: float  # the engine's derivative
    numeric: float  # the central difference
    abs_error: float
    rel_error: float  # abs_error / |numeric| (inf when numeric is 0 and they differ)

    def describe(self) -> str:
        return (
            f"input {self.input}, element {self.index}: analytic {self.analytic!r} vs "
            f"numeric {self.numeric!r} (abs error {self.abs_error:.3g}, "
            f"rel error {self.rel_error:.3g})"
        )


@dataclass(frozen=True)
class GradcheckResult:
    """The outcome of :func:`gradcheck`; true when every element passed.

    ``worst`` is the element furthest outside (or closest to the edge of) the tolerance
    ``atol + rtol * |numeric|``; non-finite elements count as the worst of all.
    """

    ok: bool
    worst: GradcheckElement | None  # None when the inputs have no elements
    checked: int  # number of elements compared
    failures: int  # how many of them were outside the tolerance

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        verdict = "passed" if self.ok else f"FAILED on {self.failures} of {self.checked} elements"
        worst = f"; worst {self.worst.describe()}" if self.worst is not None else ""
        return f"gradcheck {verdict}{worst}"


def _as_float64(x: Any) -> float | np.ndarray[Any, Any]:
    """A plain float64 copy of one input: a float for Values and numbers, else an array."""
    if isinstance(x, Value):
        return float(x.data)
    if isinstance(x, Tensor):
        return np.array(x.data, dtype=np.float64)
    if isinstance(x, np.ndarray):
        return np.array(x, dtype=np.float64)
    if isinstance(x, (int, float, np.number)) and not isinstance(x, bool):
        return float(x)
    raise TypeError(
        f"gradcheck inputs must be Values, Tensors, numbers or NumPy arrays; got {type(x).__name__}"
    )


def _scalar(out: Any) -> float:
    if isinstance(out, Value):
        return float(out.data)
    if isinstance(out, Tensor) and out.size == 1:
        return float(out.data.reshape(()))
    raise ValueError(
        "gradcheck needs a function returning a scalar (a Value or a one-element Tensor); "
        f"got {type(out).__name__}{getattr(out, 'shape', '')}"
    )


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[Any] | Any,
    eps: float = 1e-6,
    atol: float = 1e-8,
    rtol: float = 1e-6,
    *,
    raise_on_failure: bool = False,
) -> GradcheckResult:
    """Compare the engine's gradient of ``f(*inputs)`` with central differences.

    ``inputs`` is a list of Values, Tensors, numbers or arrays (a single one may be
    passed alone); each is copied to float64, numbers becoming Values and arrays
    Tensors, and ``f`` must return a scalar node. Every element of every input is
    perturbed by ``+-eps``; an element passes when
    ``|analytic - numeric| <= atol + rtol * |numeric|``. With ``raise_on_failure=True``
    a failure raises :class:`GradcheckError` naming the worst element.

    >>> from autograd_lite.value import Value
    >>> gradcheck(lambda x, y: x * y.sin(), [Value(2.0), 0.5]).ok
    True
    """
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    points = [_as_float64(x) for x in items]

    _, analytic = value_and_grad(f, argnums=tuple(range(len(points))))(*points)

    def f_at(values: list[Any]) -> float:
        nodes = [Value(v) if isinstance(v, float) else Tensor(v) for v in values]
        with no_grad():
            return _scalar(f(*nodes))

    worst: GradcheckElement | None = None
    worst_badness = -math.inf
    checked = failures = 0
    for position, point in enumerate(points):
        gradient = np.asarray(analytic[position], dtype=np.float64)
        base = np.array(point, dtype=np.float64)
        for index in np.ndindex(base.shape):
            numeric = _central_difference(f_at, points, position, base, index, eps)
            exact = float(gradient[index])
            element, badness = _judge(position, index, exact, numeric, atol, rtol)
            checked += 1
            failures += badness > 1.0
            if badness > worst_badness:
                worst, worst_badness = element, badness
    result = GradcheckResult(failures == 0, worst, checked, failures)
    if raise_on_failure and not result.ok:
        assert worst is not None
        raise GradcheckError(
            f"gradcheck failed on {failures} of {checked} elements; worst at "
            f"{worst.describe()}; tolerance atol={atol:g} + rtol={rtol:g} * |numeric|"
        )
    return result


def _central_difference(
    f_at: Callable[[list[Any]], float],
    points: list[Any],
    position: int,
    base: np.ndarray[Any, Any],
    index: tuple[int, ...],
    eps: float,
) -> float:
    """(f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for one element i of one input."""
    values = list(points)
    shifted = []
    for step in (eps, -eps):
        moved = base.copy()
        moved[index] += step
        values[position] = float(moved) if isinstance(points[position], float) else moved
        shifted.append(f_at(values))
    return (shifted[0] - shifted[1]) / (2.0 * eps)


def _judge(
    position: int, index: tuple[int, ...], analytic: float, numeric: float, atol: float, rtol: float
) -> tuple[GradcheckElement, float]:
    """The element's record and its badness: error / tolerance (> 1 fails; inf if non-finite)."""
    abs_error = abs(analytic - numeric)
    if numeric != 0:
        rel_error = abs_error / abs(numeric)
    else:
        rel_error = 0.0 if abs_error == 0 else math.inf
    if not (math.isfinite(analytic) and math.isfinite(numeric)):
        badness = math.inf
        abs_error = rel_error = math.nan if math.isnan(abs_error) else math.inf
    else:
        tolerance = atol + rtol * abs(numeric)
        badness = abs_error / tolerance if tolerance > 0 else (0.0 if abs_error == 0 else math.inf)
    return GradcheckElement(position, index, analytic, numeric, abs_error, rel_error), badness


# =============================================================================================
# Comparing engines (autograd_lite.compare): one network on every engine, against BP1-BP4
# =============================================================================================
# Re-exported here so that ``check.compare`` is the public name. compare.py imports nothing
# from this module, so importing it last makes no cycle.

from .compare import CompareReport, compare  # noqa: E402

__all__ += ["CompareReport", "compare"]
