"""Training that uses curvature: L-BFGS, a damped Newton method, and SciPy's minimizers.

Gradient descent moves against the gradient with a step size chosen by hand. The methods
here also look at how the gradient *changes*, i.e. at the second derivatives, and so take
steps of the right length in the right direction:

:class:`LBFGS`
    limited-memory BFGS. It never forms the Hessian: from the last few steps ``s`` and
    the gradient changes ``y`` they produce, it builds an estimate of the inverse Hessian
    times the gradient (the two-loop recursion). The algorithm is PyTorch's
    ``torch.optim.LBFGS`` step for step, with the same ``step(closure)`` convention.
:class:`Newton`
    the exact Hessian from the engine (reverse over reverse: ``backward(create_graph=True)``
    gives the gradient as a graph, and one more backward pass per gradient component
    gives one row of the Hessian), damped in the Levenberg-Marquardt way so that every
    step it takes lowers the loss. For small networks only: n parameters cost n
    backward passes and an n-by-n matrix.
:func:`minimize`
    hands the engine's loss, gradient and Hessian-vector products to
    ``scipy.optimize.minimize`` (SciPy is an optional extra:
    ``pip install autograd-lite[scipy]``).

All of them see the parameters as one float64 vector: :func:`flatten_parameters` and
:func:`unflatten_parameters` go from a list of Values and Tensors (``model.parameters()``)
to that vector and back, :func:`flatten_gradients` and :func:`unflatten_gradients` do the
same for the gradients. A Value counts as one entry, a Tensor as its elements in C order.

The closure convention (as PyTorch's): a function without arguments that zeroes the
gradients, computes the loss from the current parameters, runs ``backward()`` and returns
the loss node. :func:`make_closure` builds one from a loss function:

>>> import numpy as np
>>> from autograd_lite.tensor import Tensor
>>> w = Tensor([3.0, -2.0], requires_grad=True)
>>> optimizer = LBFGS([w])
>>> closure = make_closure([w], lambda: ((w - 1.0) * (w - 1.0)).sum())
>>> _ = optimizer.step(closure)
>>> np.round(w.data, 6)
array([1., 1.])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from . import engine
from .tensor import Tensor
from .value import Value

__all__ = [
    "LBFGS",
    "Newton",
    "flatten_gradients",
    "flatten_parameters",
    "hessian",
    "hessian_vector_product",
    "make_closure",
    "minimize",
    "parameter_count",
    "parameters_of",
    "strong_wolfe",
    "unflatten_gradients",
    "unflatten_parameters",
]

Array = npt.NDArray[np.float64]
Closure = Callable[[], Any]
LossFunction = Callable[[], Any]


# ----------------------------------------------------------------------------- one vector


def parameters_of(model_or_params: Any, where: str = "parameters") -> list[Any]:
    """The parameters of a model (anything with ``parameters()``) or of a list, checked.

    Each must be a Value or a Tensor with ``requires_grad``, and appear once; an empty
    list is an error (there would be nothing to optimize).
    """
    if hasattr(model_or_params, "parameters") and callable(model_or_params.parameters):
        params = list(model_or_params.parameters())
    else:
        params = list(model_or_params)
    if not params:
        raise ValueError(f"{where}: got an empty parameter list (nothing to optimize)")
    seen: set[int] = set()
    for index, p in enumerate(params):
        if id(p) in seen:
            raise ValueError(f"{where}: parameter {index} appears more than once")
        seen.add(id(p))
        if isinstance(p, Tensor):
            if not p.requires_grad:
                raise ValueError(
                    f"{where}: parameter {index} is a Tensor with requires_grad=False "
                    "(it would never receive a gradient)"
                )
        elif not isinstance(p, Value):
            raise TypeError(
                f"{where}: parameter {index} is a {type(p).__name__}, not a Value or Tensor"
            )
    return params


def _size(p: Any) -> int:
    return 1 if isinstance(p, Value) else int(p.data.size)


def parameter_count(params: Sequence[Any]) -> int:
    """How many numbers the parameters hold (a Value is one, a Tensor its size)."""
    return sum(_size(p) for p in params)


def _concatenate(params: Sequence[Any], pieces: Sequence[Any]) -> Array:
    """``pieces`` (one per parameter, shaped like it) laid end to end as one float64 vector.

    A piece may be a number, an array, or a node (a Value or Tensor: its numbers are
    taken); ``None`` (a Tensor that has no gradient yet) counts as zeros.
    """
    out = np.zeros(parameter_count(params), dtype=np.float64)
    offset = 0
    for p, piece in zip(params, pieces):
        if isinstance(p, Value):
            if piece is not None:
                out[offset] = float(piece)
            offset += 1
        else:
            size = p.data.size
            if piece is not None:
                out[offset : offset + size] = np.asarray(piece, dtype=np.float64).reshape(-1)
            offset += size
    return out


def _pieces(params: Sequence[Any], vector: Any) -> list[Any]:
    """``vector`` cut into one float per Value and one array shaped like each Tensor."""
    flat = np.asarray(vector, dtype=np.float64)
    expected = parameter_count(params)
    if flat.shape != (expected,):
        raise ValueError(
            f"the parameters hold {expected} numbers; got a vector of shape {flat.shape}"
        )
    pieces: list[Any] = []
    offset = 0
    for p in params:
        if isinstance(p, Value):
            pieces.append(float(flat[offset]))
            offset += 1
        else:
            size = p.data.size
            pieces.append(flat[offset : offset + size].reshape(p.data.shape))
            offset += size
    return pieces


def flatten_parameters(params: Sequence[Any]) -> Array:
    """Every parameter's data in one new float64 vector, in the order of ``params``.

    >>> from autograd_lite.tensor import Tensor
    >>> flatten_parameters([Value(1.0), Tensor([[2.0, 3.0]], requires_grad=True)])
    array([1., 2., 3.])
    """
    return _concatenate(params, [p.data for p in params])


def unflatten_parameters(params: Sequence[Any], vector: Any) -> None:
    """Write ``vector`` (laid out as :func:`flatten_parameters`) back into the parameters.

    A Value gets a float; a Tensor gets a new array of its own shape and dtype (arrays
    that other code may hold are never written into).
    """
    for p, piece in zip(params, _pieces(params, vector)):
        if isinstance(p, Value):
            p.data = piece
        else:
            p.data = np.array(piece, dtype=p.data.dtype)


def _restore_parameters(params: Sequence[Any], vector: Any, marks: Sequence[Any]) -> None:
    """Put back the numbers a graph was built with (laid out as :func:`flatten_parameters`).

    ``marks`` are the parameters' ``_mark`` stamps from when those numbers were set (see
    :mod:`autograd_lite.engine`, *Changed data*). Writing the data slots and the stamps
    back makes the parameters exactly what the graph saw, so backward on it is right
    again; :func:`unflatten_parameters` would mark the data as changed since.
    """
    for p, piece, mark in zip(params, _pieces(params, vector), marks):
        if isinstance(p, Value):
            p._data = float(piece)
        else:
            p._data = np.array(piece, dtype=p.data.dtype)
        p._mark = mark


def flatten_gradients(params: Sequence[Any]) -> Array:
    """Every parameter's gradient in one float64 vector; a missing gradient counts as 0.

    Gradients that are nodes (after ``backward(create_graph=True)``) give their numbers.
    """
    return _concatenate(params, [p.grad for p in params])


def unflatten_gradients(params: Sequence[Any], vector: Any) -> None:
    """Set every parameter's ``grad`` from ``vector`` (laid out as :func:`flatten_gradients`)."""
    for p, piece in zip(params, _pieces(params, vector)):
        p.grad = piece if isinstance(p, Value) else np.array(piece, dtype=p.data.dtype)


def make_closure(params: Sequence[Any], loss_fn: LossFunction) -> Closure:
    """A closure in PyTorch's convention for ``loss_fn`` (no arguments, returns the loss node).

    Calling it zeroes the parameters' gradients, builds the loss, runs ``backward()``
    and returns the loss node.
    """
    params = list(params)

    def closure() -> Any:
        _zero_grads(params)
        loss = _check_loss(loss_fn(), "loss_fn()")
        loss.backward()
        return loss

    return closure


def _check_loss(loss: Any, what: str) -> Any:
    """``loss`` if it is a one-number node, else a TypeError or ValueError saying why not."""
    if isinstance(loss, Value):
        return loss
    if isinstance(loss, Tensor):
        if loss.data.size != 1:
            raise ValueError(f"{what} must be one number; got a Tensor of shape {loss.shape}")
        return loss
    raise TypeError(
        f"{what} must return the loss as a Value or a one-element Tensor built from the "
        f"parameters, got {type(loss).__name__}"
    )


def _number(loss: Any) -> float:
    return float(loss.data) if isinstance(loss, Value) else float(np.asarray(loss).reshape(()))


def _zero_grads(params: Sequence[Any]) -> None:
    for p in params:
        p.zero_grad()


# ----------------------------------------------------------------------------- curvature


def _gradient_graph(loss: Any, params: Sequence[Any]) -> list[Any]:
    """The gradient of ``loss`` with respect to each parameter, as nodes (reverse once).

    ``backward(create_graph=True)`` evaluates the derivative rules on nodes, so each
    gradient is itself a graph that leads back to the parameters. The parameters'
    ``grad`` are reset afterwards (a Tensor's gradient graph refers back to the Tensor:
    keeping it there would make a reference cycle).
    """
    _zero_grads(params)
    loss.backward(create_graph=True)
    nodes = [p.grad for p in params]
    _zero_grads(params)
    return nodes


def _pull_back(nodes: Sequence[Any], params: Sequence[Any], seeds: Sequence[Any]) -> Array:
    """``sum_j seeds[j] . d nodes[j] / d params`` as one vector (reverse a second time).

    With ``nodes`` the gradient and ``seeds`` a vector ``v`` cut into pieces, this is
    ``H v`` (the Hessian is symmetric, so a vector-Jacobian product of the gradient is
    the Hessian-vector product). Leaves accumulate across the backward passes, which is
    what sums over ``j``. A gradient that is a plain number does not depend on the
    parameters and adds nothing.
    """
    _zero_grads(params)
    with np.errstate(all="ignore"):
        for node, seed in zip(nodes, seeds):
            if isinstance(node, Value):
                if node.op is not None and seed != 0.0:
                    engine.backward(node, float(seed))
            elif isinstance(node, Tensor) and node.requires_grad and np.any(seed != 0.0):
                engine.backward(node, np.asarray(seed, dtype=node.data.dtype))
    result = flatten_gradients(params)
    _zero_grads(params)
    return result


def _rows(nodes: Sequence[Any], params: Sequence[Any]) -> Array:
    """The Jacobian of the gradient ``nodes``: one backward pass per gradient component."""
    n = parameter_count(params)
    zeros = _pieces(params, np.zeros(n))
    H = np.empty((n, n))
    row = 0
    for j, p in enumerate(params):
        for k in range(_size(p)):
            seeds = list(zeros)
            if isinstance(p, Value):
                seeds[j] = 1.0
            else:
                one_hot = np.zeros(p.data.shape)
                one_hot.flat[k] = 1.0
                seeds[j] = one_hot
            H[row] = _pull_back(nodes, params, seeds)
            row += 1
    return H


def hessian(loss_fn: LossFunction, params: Sequence[Any]) -> Array:
    """The Hessian of ``loss_fn()`` with respect to ``params``, an (n, n) float64 array.

    ``loss_fn`` takes no arguments and returns the loss (a Value or a one-element
    Tensor) computed from the parameters' current values. Row i is the gradient of the
    i-th gradient component: one ``backward(create_graph=True)``, then one backward
    pass per component (n passes for n parameters, in the order of
    :func:`flatten_parameters`). The parameters' gradients are left at zero.

    >>> x = Value(2.0); y = Value(3.0)
    >>> hessian(lambda: x * x * y, [x, y])
    array([[6., 4.],
           [4., 0.]])
    """
    params = parameters_of(params, "hessian")
    loss = _check_loss(loss_fn(), "loss_fn()")
    return _rows(_gradient_graph(loss, params), params)


def hessian_vector_product(loss_fn: LossFunction, params: Sequence[Any], v: Any) -> Array:
    """``H v`` for the loss ``loss_fn()`` without forming ``H``: two reverse passes.

    >>> x = Value(2.0); y = Value(3.0)
    >>> hessian_vector_product(lambda: x * x * y, [x, y], [1.0, 0.0])
    array([6., 4.])
    """
    params = parameters_of(params, "hessian_vector_product")
    loss = _check_loss(loss_fn(), "loss_fn()")
    return _pull_back(_gradient_graph(loss, params), params, _pieces(params, v))


# ----------------------------------------------------------------------------- line search


def _cubic_minimum(
    x1: float,
    f1: float,
    g1: float,
    x2: float,
    f2: float,
    g2: float,
    bounds: tuple[float, float] | None = None,
) -> float:
    """The minimizer of the cubic through ``(x1, f1)`` and ``(x2, f2)`` with slopes ``g1, g2``.

    Clamped to ``bounds`` (by default the interval between the two points). When the
    cubic has no minimum (the square root below would be of a negative number), the
    middle of the bounds. This is Nocedal and Wright's formula (3.59).
    """
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2)
    discriminant = d1 * d1 - g1 * g2
    if discriminant < 0:
        return (low + high) / 2.0
    d2 = math.sqrt(discriminant)
    if x1 <= x2:
        found = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
    else:
        found = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
    return min(max(found, low), high)


def strong_wolfe(
    evaluate: Callable[[float], tuple[float, Array]],
    t: float,
    d: Array,
    f: float,
    g: Array,
    gtd: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_evaluations: int = 25,
) -> tuple[float, Array, float, int]:
    """A step length ``t`` along ``d`` that satisfies the strong Wolfe conditions.

    ``evaluate(t)`` gives the loss and gradient at ``x + t d``; ``f``, ``g`` and
    ``gtd = g . d`` (negative: ``d`` goes downhill) are those at ``t = 0``, and ``t`` is
    the first step to try. The conditions are sufficient decrease,
    ``f(t) <= f + c1 t gtd``, and a flat enough slope, ``|g(t) . d| <= c2 |gtd|``.

    First the step is extrapolated (cubic interpolation, at most ten times longer each
    time) until an interval is known to contain an acceptable step; then that interval
    is shrunk ("zoom"), each time at the minimum of the cubic through its two ends,
    kept at least a tenth of the interval away from them when progress stalls
    (Nocedal and Wright, algorithms 3.5 and 3.6, as Mark Schmidt's minFunc and PyTorch
    do it). After the first try, at most ``max_evaluations`` more evaluations. Returns
    ``(f(t), g(t), t, evaluations)`` for the best step found.

    Written here rather than taken from ``scipy.optimize.line_search``: SciPy is an
    optional extra, and this is the very search ``torch.optim.LBFGS`` runs, so the two
    take the same steps.
    """
    d_scale = float(np.max(np.abs(d)))
    f_new, g_new = evaluate(t)
    evaluations = 1
    gtd_new = float(g_new @ d)

    # Bracketing: find an interval [t_prev, t] that contains an acceptable step.
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    bracket: list[float] = []
    bracket_f: list[float] = []
    bracket_g: list[Array] = []
    bracket_gtd: list[float] = []
    iteration = 0
    while iteration < max_evaluations:
        if f_new > f + c1 * t * gtd or (iteration > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:  # walked past a minimum: it lies between the two points
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # Still going downhill: extrapolate, to between 1.01 and 10 times the step.
        longer = _cubic_minimum(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(t + 0.01 * (t - t_prev), t * 10)
        )
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = longer
        f_new, g_new = evaluate(t)
        evaluations += 1
        gtd_new = float(g_new @ d)
        iteration += 1
    if iteration >= max_evaluations:  # out of evaluations: the better of 0 and t
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    # Zoom: shrink the bracket until a step in it satisfies both conditions.
    stalled = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and iteration < max_evaluations:
        if abs(bracket[1] - bracket[0]) * d_scale < tolerance_change:
            break
        t = _cubic_minimum(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        # A trial very near an end of the bracket makes little progress; the second
        # time in a row (or when it is at the end itself), move it a tenth inside.
        top, bottom = max(bracket), min(bracket)
        margin = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < margin:
            if stalled or t >= top or t <= bottom:
                t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        f_new, g_new = evaluate(t)
        evaluations += 1
        gtd_new = float(g_new @ d)
        iteration += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            # Not low enough: t replaces the high end.
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                # The slope at t points at the low end: the low end becomes the high one.
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new, gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evaluations


# ----------------------------------------------------------------------------- L-BFGS


class _ClosureOptimizer:
    """What the optimizers that call a closure share: parameters, ``zero_grad``, counters."""

    #: The training loop must call ``step(closure)`` (see :func:`make_closure`).
    needs_closure = True

    def __init__(self, params: Iterable[Any]) -> None:
        self.params = parameters_of(params, type(self).__name__)
        #: How many times the closure has been called (each: a loss and a gradient).
        self.evaluations = 0
        #: How many iterations (updates of the parameters) have been made.
        self.iterations = 0

    def zero_grad(self) -> None:
        """Reset the gradients: Values to 0.0, Tensors to None (as PyTorch)."""
        _zero_grads(self.params)

    def _call(self, closure: Closure) -> Any:
        with engine.enable_grad():
            loss = _check_loss(closure(), "the closure")
        self.evaluations += 1
        return loss


def _positive(value: float, name: str, owner: str, allow_zero: bool = False) -> float:
    ok = value >= 0 if allow_zero else value > 0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: {name} must be a number {bound}, got {value!r}")
    return float(value)


def _count(value: int, name: str, owner: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return int(value)


class LBFGS(_ClosureOptimizer):
    """Limited-memory BFGS, as ``torch.optim.LBFGS``: ``step(closure)`` runs up to ``max_iter``
    iterations.

    Each iteration:

    1. Remember the last step ``s = t d`` and the change of gradient ``y`` it caused, if
       ``y . s > 1e-10`` (the curvature along ``s`` is positive; otherwise the pair
       would make the estimate indefinite and is skipped); keep the ``history_size``
       newest pairs.
    2. The direction ``d = -H g``, where ``H`` (never formed) is the inverse-Hessian
       estimate those pairs define, started from ``(y.s / y.y) I`` (two-loop
       recursion). The very first direction is ``-g``.
    3. The step ``t``: at the very first iteration ``min(1, 1 / |g|_1) lr`` (a small
       first step, since nothing is known about the scale yet), then ``lr``; with
       ``line_search="strong_wolfe"`` that is where :func:`strong_wolfe` starts.
    4. Stop when ``max|g| <= tolerance_grad``, when the slope ``g.d`` or the step
       ``max|t d|`` or the change of the loss is below ``tolerance_change``, or after
       ``max_iter`` iterations or ``max_eval`` evaluations (default ``1.25 max_iter``).

    Without a line search (``line_search=None``, PyTorch's default) the steps are
    taken as they are and the iterates equal PyTorch's; with ``"strong_wolfe"`` (the
    default here, and the robust choice for full-batch training) each step satisfies
    the strong Wolfe conditions (the search stops shrinking its interval once it is
    shorter than ``tolerance_change``; PyTorch uses a fixed 1e-9 there, the default,
    so the two agree unless it is changed).

    The closure zeroes the gradients, computes the loss, calls ``backward()`` and
    returns the loss; ``step`` returns the first loss it computed. The memory persists
    across calls to ``step``. Meant for full batches: a mini-batch changes the
    function between iterations and spoils the curvature pairs.

    >>> x = Value(0.0)
    >>> closure = make_closure([x], lambda: (x - 3.0) ** 2 + 1.0)
    >>> round(LBFGS([x]).step(closure).data, 6)
    10.0
    >>> round(x.data, 6)
    3.0
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        history_size: int = 10,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        line_search: str | None = "strong_wolfe",
    ) -> None:
        super().__init__(params)
        self.lr = _positive(lr, "lr", "LBFGS")
        self.history_size = _count(history_size, "history_size", "LBFGS")
        self.max_iter = _count(max_iter, "max_iter", "LBFGS")
        self.max_eval = (
            self.max_iter * 5 // 4 if max_eval is None else _count(max_eval, "max_eval", "LBFGS")
        )
        self.tolerance_grad = _positive(tolerance_grad, "tolerance_grad", "LBFGS", True)
        self.tolerance_change = _positive(tolerance_change, "tolerance_change", "LBFGS", True)
        if line_search not in (None, "strong_wolfe"):
            raise ValueError(
                f"LBFGS: unknown line_search {line_search!r}; known: 'strong_wolfe', None"
            )
        self.line_search = line_search
        # The memory: steps s, gradient changes y, 1 / (y . s), and the scale of H_0.
        self._steps: list[Array] = []
        self._changes: list[Array] = []
        self._inverse_curvatures: list[float] = []
        self._scale = 1.0
        self._direction: Array | None = None
        self._t = 0.0
        self._previous_gradient: Array | None = None

    def _direction_from_memory(self, g: Array) -> Array:
        """``-H g`` by the two-loop recursion over the remembered pairs."""
        steps, changes, rho = self._steps, self._changes, self._inverse_curvatures
        alphas = [0.0] * len(steps)
        q = -g
        for i in range(len(steps) - 1, -1, -1):
            alphas[i] = float(steps[i] @ q) * rho[i]
            q = q - alphas[i] * changes[i]
        r = q * self._scale
        for i in range(len(steps)):
            beta = float(changes[i] @ r) * rho[i]
            r = r + (alphas[i] - beta) * steps[i]
        return r

    def _remember(self, g: Array) -> None:
        """Add the pair (s, y) of the last step, if its curvature is positive."""
        assert self._direction is not None and self._previous_gradient is not None
        y = g - self._previous_gradient
        s = self._direction * self._t
        ys = float(y @ s)
        if ys > 1e-10:
            if len(self._steps) == self.history_size:
                del self._steps[0], self._changes[0], self._inverse_curvatures[0]
            self._steps.append(s)
            self._changes.append(y)
            self._inverse_curvatures.append(1.0 / ys)
            self._scale = ys / float(y @ y)

    def _evaluate_at(self, closure: Closure, x: Array, t: float, d: Array) -> tuple[float, Array]:
        """The loss and gradient at ``x + t d``; the parameters are put back at ``x``."""
        unflatten_parameters(self.params, x + t * d)
        loss = _number(self._call(closure))
        g = flatten_gradients(self.params)
        unflatten_parameters(self.params, x)
        return loss, g

    def step(self, closure: Closure) -> Any:
        """Up to ``max_iter`` L-BFGS iterations; returns the loss the closure gave first."""
        first_loss = self._call(closure)
        loss = _number(first_loss)
        evaluations = 1
        g = flatten_gradients(self.params)
        if float(np.max(np.abs(g))) <= self.tolerance_grad:
            return first_loss
        for iteration in range(1, self.max_iter + 1):
            self.iterations += 1
            if self.iterations == 1:
                d = -g
                self._steps, self._changes, self._inverse_curvatures = [], [], []
                self._scale = 1.0
            else:
                self._remember(g)
                d = self._direction_from_memory(g)
            self._direction = d
            self._previous_gradient = g.copy()
            previous_loss = loss
            if self.iterations == 1:
                t = min(1.0, 1.0 / float(np.sum(np.abs(g)))) * self.lr
            else:
                t = self.lr
            gtd = float(g @ d)
            if gtd > -self.tolerance_change:  # not downhill (enough): nothing to gain
                self._t = t
                break
            used = 0
            if self.line_search == "strong_wolfe":
                x = flatten_parameters(self.params)

                def along(step_length: float, x: Array = x, d: Array = d) -> tuple[float, Array]:
                    return self._evaluate_at(closure, x, step_length, d)

                loss, g, t, used = strong_wolfe(
                    along,
                    t,
                    d,
                    loss,
                    g,
                    gtd,
                    tolerance_change=self.tolerance_change,
                    max_evaluations=self.max_eval - evaluations,
                )
                unflatten_parameters(self.params, x + t * d)
            else:
                unflatten_parameters(self.params, flatten_parameters(self.params) + t * d)
                if iteration != self.max_iter:
                    # The last iteration is not re-evaluated: the next step() will.
                    loss = _number(self._call(closure))
                    g = flatten_gradients(self.params)
                    used = 1
            self._t = t
            evaluations += used
            if iteration == self.max_iter or evaluations >= self.max_eval:
                break
            if float(np.max(np.abs(g))) <= self.tolerance_grad:
                break
            if float(np.max(np.abs(d * t))) <= self.tolerance_change:
                break
            if abs(loss - previous_loss) < self.tolerance_change:
                break
        return first_loss


# ----------------------------------------------------------------------------- Newton


class Newton(_ClosureOptimizer):
    """Newton's method with the exact Hessian, damped so that it always descends.

    Each ``step(closure)`` computes the gradient ``g`` and the Hessian ``H`` with the
    engine (as :func:`hessian`: n + 1 backward passes for n parameters), solves
    ``(H + lambda I) s = -g`` and moves to ``x + s``. A large damping ``lambda`` makes
    ``s`` a short step down the gradient (about ``-g / lambda``); ``lambda = 0`` is the
    pure Newton step, which jumps straight to the minimum of the local quadratic model
    ``q(s) = f + g.s + s.H s / 2``. The damping is set by the Levenberg-Marquardt rule
    (as in Madsen, Nielsen and Tingleff, *Methods for non-linear least squares
    problems*, 2004), starting from ``damping`` and carried over from step to step:

    - if ``H + lambda I`` is not positive definite (its Cholesky factorisation fails:
      ``s`` might then point uphill), or the step does not lower the loss
      (``f(x + s) > f(x)``, or not a number), it is not taken: ``lambda`` grows by a
      factor ``nu`` (2, then 4, 8... on consecutive failures) and ``s`` is solved
      again;
    - once a step is taken, the gain ratio ``rho = (f(x) - f(x + s)) / (q(0) - q(s))``
      says how well the quadratic model predicted the decrease, and ``lambda`` is
      multiplied by ``max(1/3, 1 - (2 rho - 1)^3)``: a third when the model was good
      (``rho`` near 1, so the steps become Newton steps and converge quadratically),
      up to twice when it was poor. ``nu`` goes back to 2.

    So the loss never goes up: a step is taken only if it lowers the loss (or leaves
    it equal), and for a large enough ``lambda`` a gradient step always does, unless
    ``x`` is a minimum as far as float64 can tell. Past ``lambda = 1e12`` the step
    is abandoned and the parameters stay where they were.

    The closure is as for :class:`LBFGS`, and must return the loss *node* (it is
    differentiated twice). Networks with more than ``max_params`` parameters are
    refused: the Hessian would have ``n^2`` entries and cost ``n`` backward passes per
    step (use :class:`LBFGS`). ``step`` returns the loss before the step.

    >>> x, y = Value(1.0), Value(1.0)
    >>> closure = make_closure([x, y], lambda: (x - 2.0) ** 2 + 10.0 * (y + 1.0) ** 2)
    >>> optimizer = Newton([x, y], damping=0.0)
    >>> _ = optimizer.step(closure)
    >>> round(x.data, 9), round(y.data, 9)
    (2.0, -1.0)
    """

    #: The damping never falls below the first bound; past the second a step is abandoned.
    MIN_DAMPING = 1e-12
    MAX_DAMPING = 1e12

    def __init__(
        self, params: Iterable[Any], damping: float = 1e-3, max_params: int = 2000
    ) -> None:
        super().__init__(params)
        self.damping = _positive(damping, "damping", "Newton", allow_zero=True)
        self.max_params = _count(max_params, "max_params", "Newton")
        n = parameter_count(self.params)
        if n > self.max_params:
            raise ValueError(
                f"Newton: the parameters hold {n:,} numbers, more than max_params="
                f"{self.max_params:,}: each step would need {n:,} backward passes and a "
                f"{n:,} x {n:,} Hessian. Use L-BFGS instead (optim.LBFGS, or --optimizer "
                "lbfgs on the command line), or raise max_params"
            )
        self._growth = 2.0
        #: The damping of the last step taken (``None`` before the first), and whether
        #: the last call to :meth:`step` took one.
        self.last_damping: float | None = None
        self.last_step_taken = False

    def step(self, closure: Closure) -> Any:
        """One damped Newton step; returns the loss (node) before it."""
        loss_node = self._call(closure)
        loss = _number(loss_node)
        nodes = _gradient_graph(loss_node, self.params)
        g = _concatenate(self.params, nodes)
        H = _rows(nodes, self.params)
        H = 0.5 * (H + H.T)  # symmetric up to rounding; make it exactly so
        del nodes
        x = flatten_parameters(self.params)
        identity = np.eye(len(x))
        damping = max(self.damping, self.MIN_DAMPING)
        self.iterations += 1
        self.last_step_taken = False
        while damping <= self.MAX_DAMPING:
            damped = H + damping * identity
            try:
                np.linalg.cholesky(damped)
            except np.linalg.LinAlgError:
                damping = self._grow(damping)
                continue
            s = np.linalg.solve(damped, -g)
            unflatten_parameters(self.params, x + s)
            new_loss = _number(self._call(closure))
            if new_loss <= loss:
                predicted = -float(g @ s + 0.5 * (s @ H @ s))  # > 0 when H + lambda I is
                rho = (loss - new_loss) / predicted if predicted > 0 else 1.0
                self.damping = damping * max(1.0 / 3.0, 1.0 - (2.0 * rho - 1.0) ** 3)
                self._growth = 2.0
                self.last_damping = damping
                self.last_step_taken = True
                return loss_node
            damping = self._grow(damping)
        unflatten_parameters(self.params, x)  # no step lowers the loss: stay
        _zero_grads(self.params)
        self._growth = 2.0
        return loss_node

    def _grow(self, damping: float) -> float:
        """The next damping to try after a failed one (and a faster growth after that)."""
        grown = max(damping, self.MIN_DAMPING) * self._growth
        self._growth *= 2.0
        return grown


# ----------------------------------------------------------------------------- SciPy

#: Methods of ``scipy.optimize.minimize`` that get Hessian-vector products, and those
#: that need the whole Hessian; lowercase, as SciPy compares them.
HESSP_METHODS = ("newton-cg", "trust-ncg", "trust-krylov", "trust-constr")
HESS_METHODS = ("dogleg", "trust-exact")
#: Methods that use no derivatives (they get the loss only).
DERIVATIVE_FREE_METHODS = ("nelder-mead", "powell", "cobyla", "cobyqa")
#: Keywords of ``scipy.optimize.minimize`` itself; any other keyword is a solver option.
MINIMIZE_KEYWORDS = ("tol", "callback", "bounds", "constraints", "options")


def _scipy_optimize() -> Any:
    try:
        import scipy.optimize
    except ImportError:
        raise ImportError(
            "minimize() hands the problem to SciPy, which is not installed: "
            "pip install autograd-lite[scipy]"
        ) from None
    return scipy.optimize


class _Problem:
    """The loss of a model as SciPy sees it: a function of one float64 vector.

    Hessian-vector products at one point share the gradient graph built there (Newton-CG
    and trust-ncg ask for many at each point).
    """

    def __init__(self, params: list[Any], loss_fn: LossFunction) -> None:
        self.params = params
        self.loss_fn = loss_fn
        self.evaluations = 0
        self._graph_at: Array | None = None
        self._graph: list[Any] = []
        self._marks: list[Any] = []

    def _loss_at(self, x: Array) -> Any:
        unflatten_parameters(self.params, x)
        _zero_grads(self.params)
        loss = _check_loss(self.loss_fn(), "loss_fn()")
        self.evaluations += 1
        return loss

    def value(self, x: Array) -> float:
        unflatten_parameters(self.params, x)
        self.evaluations += 1
        with engine.no_grad():
            return _number(_check_loss(self.loss_fn(), "loss_fn()"))

    def value_and_gradient(self, x: Array) -> tuple[float, Array]:
        loss = self._loss_at(x)
        with np.errstate(all="ignore"):
            loss.backward()
        return _number(loss), flatten_gradients(self.params)

    def _gradient_nodes(self, x: Array) -> list[Any]:
        if self._graph_at is None or not np.array_equal(self._graph_at, x):
            loss = self._loss_at(x)
            self._marks = [p._mark for p in self.params]  # when the numbers x were set
            self._graph = _gradient_graph(loss, self.params)
            self._graph_at = np.array(x, dtype=np.float64)
        else:
            # The backward pass reads the parameters' current numbers: put x back, the
            # very numbers the graph was built with, so the graph is valid again.
            _restore_parameters(self.params, x, self._marks)
        return self._graph

    def hessp(self, x: Array, v: Array) -> Array:
        nodes = self._gradient_nodes(x)
        return _pull_back(nodes, self.params, _pieces(self.params, v))

    def hess(self, x: Array) -> Array:
        H = _rows(self._gradient_nodes(x), self.params)
        out: Array = 0.5 * (H + H.T)
        return out


def minimize(
    model_or_params: Any,
    loss_fn: LossFunction,
    method: Any = "L-BFGS-B",
    **options: Any,
) -> Any:
    """Minimize ``loss_fn()`` over the parameters with ``scipy.optimize.minimize``.

    ``model_or_params`` is a model (anything with ``parameters()``) or a list of Values
    and Tensors. ``loss_fn`` takes no arguments and returns the loss, a Value or a
    one-element Tensor, computed from the parameters' *current* values (a closure over
    the model and the data, e.g. ``lambda: losses.mse(model(X), Y)``); it must not call
    ``backward`` itself.

    The parameters become one float64 vector (:func:`flatten_parameters`); SciPy gets
    the loss and its gradient from one forward and one backward pass (``jac=True``),
    and, for ``Newton-CG``, ``trust-ncg``, ``trust-krylov`` and ``trust-constr``,
    Hessian-vector products computed by the engine (reverse over reverse, see
    :func:`hessian_vector_product`); ``dogleg`` and ``trust-exact`` get the full
    Hessian (:func:`hessian`). Derivative-free methods (Nelder-Mead, Powell, COBYLA)
    get the loss only.

    Keywords of ``scipy.optimize.minimize`` (``tol``, ``callback``, ``bounds``,
    ``constraints``, ``options``) are passed on; any other keyword is added to
    ``options`` (``maxiter=500``, ``gtol=1e-8``...). The model is left at the result
    (``result.x``), and SciPy's ``OptimizeResult`` is returned.

    Needs SciPy: without it an ImportError says ``pip install autograd-lite[scipy]``.

    >>> import numpy as np
    >>> from autograd_lite.tensor import Tensor
    >>> w = Tensor([0.0, 0.0], requires_grad=True)
    >>> result = minimize([w], lambda: ((w - np.array([1.0, -2.0])) ** 2).sum())
    >>> bool(result.success), np.round(w.data, 6)
    (True, array([ 1., -2.]))
    """
    optimize = _scipy_optimize()
    params = parameters_of(model_or_params, "minimize")
    problem = _Problem(params, loss_fn)
    keywords = {name: options.pop(name) for name in MINIMIZE_KEYWORDS if name in options}
    solver_options = dict(keywords.pop("options", None) or {})
    solver_options.update(options)
    name = method.lower() if isinstance(method, str) else ""
    derivatives: dict[str, Any] = {}
    fun: Callable[[Array], Any]
    if name in DERIVATIVE_FREE_METHODS:
        fun = problem.value
    else:
        fun = problem.value_and_gradient
        derivatives["jac"] = True
        if name in HESSP_METHODS:
            derivatives["hessp"] = problem.hessp
        elif name in HESS_METHODS:
            derivatives["hess"] = problem.hess
    x0 = flatten_parameters(params)
    try:
        result = optimize.minimize(
            fun,
            x0,
            method=method,
            options=solver_options or None,
            **derivatives,
            **keywords,
        )
    finally:
        problem._graph = []  # let the gradient graph go
    unflatten_parameters(params, result.x)
    _zero_grads(params)
    return result
