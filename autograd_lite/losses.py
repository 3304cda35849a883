"""Loss functions: one number that says how wrong a prediction is.

Tensor losses
-------------
Each loss is one fused node with its own derivative rules (as PyTorch's), computed
stably: ``log`` is clamped at -100 in :func:`binary_cross_entropy` (as
``torch.nn.functional.binary_cross_entropy``), and the losses on logits never
exponentiate a large positive number. All of them average over the batch (the mean
over every element for :func:`mse` and the binary losses, over the samples for
:func:`cross_entropy`). Shapes are checked: a prediction and a target that do not fit
raise ``ValueError`` naming both shapes.

The rules use the same helpers as :mod:`autograd_lite.tensor`, so each loss can be
differentiated twice (Hessian-vector products through a network and its loss).

>>> import numpy as np
>>> from autograd_lite.tensor import Tensor
>>> pred = Tensor([0.5, 2.0], requires_grad=True)
>>> loss = mse(pred, np.array([1.0, 1.0]))
>>> loss.item()
0.625
>>> loss.backward(); pred.grad
array([-0.5,  1. ])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import Op
from .tensor import (
    Operand,
    Tensor,
    _data,
    _log,
    _log_softmax,
    _log_softmax_array,
    _maximum,
    _node,
    _operand,
    _sigmoid,
    _softmax,
)
from .value import Value

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "mse"]

_LOG_FLOOR = -100.0  # PyTorch clamps log(p) and log(1 - p) at -100 in binary cross-entropy
# and keeps p (1 - p) at least 1e-12 in its gradient (the float32 nearest 1e-12, as in PyTorch)
_BCE_EPSILON = float(np.float32(1e-12))


def _pair(prediction: Operand, target: Operand, loss: str, what: str) -> tuple[Tensor, Tensor]:
    """Both arguments as Tensors of one shape (a ValueError naming both shapes if not)."""
    p = prediction if isinstance(prediction, Tensor) else Tensor(prediction)
    t = _operand(target, p)
    if p.shape != t.shape:
        raise ValueError(f"{loss}: {what} shape {p.shape} and target shape {t.shape} differ")
    return p, t


# ----------------------------------------------------------------------------- mean squared error

MSE = Op(
    "mse",
    (
        lambda g, out, p, t: (p - t) * (g * (2.0 / p.size)),
        lambda g, out, p, t: (p - t) * (g * (-2.0 / p.size)),
    ),
    ("d mse/dp_i = 2 (p_i - t_i) / n", "d mse/dt_i = -2 (p_i - t_i) / n"),
    "The mean squared error sends each prediction 2/n times its error.",
)


def mse(prediction: Operand, target: Operand) -> Tensor:
    """Mean squared error: the mean over every element of ``(prediction - target)^2``.

    >>> mse(Tensor([[1.0, 2.0]]), np.array([[1.0, 4.0]])).item()
    2.0
    """
    p, t = _pair(prediction, target, "mse", "prediction")
    error = (p.data - t.data).ravel()
    with np.errstate(over="ignore", invalid="ignore"):
        data = np.dot(error, error) / max(error.size, 1)
    return _node(data, (p, t), MSE)


# ----------------------------------------------------------------------------- binary cross-entropy


def _bce_probability_rule(g: Any, out: Any, p: Any, t: Any) -> Any:
    # d/dp [-(t log p + (1-t) log(1-p))] = (p - t) / (p (1 - p)), kept finite at p = 0 or 1
    return g * (p - t) / _maximum((1.0 - p) * p, _BCE_EPSILON) / p.size


def _bce_target_rule(g: Any, out: Any, p: Any, t: Any) -> Any:
    log_p = _maximum(_log(p), _LOG_FLOOR)
    log_q = _maximum(_log(1.0 - p), _LOG_FLOOR)
    return g * (log_q - log_p) / p.size


BINARY_CROSS_ENTROPY = Op(
    "binary_cross_entropy",
    (_bce_probability_rule, _bce_target_rule),
    ("d bce/dp = (p - t) / (p (1 - p)) / n", "d bce/dt = (log(1 - p) - log p) / n"),
    "Binary cross-entropy sends each probability its error divided by p (1 - p).",
)


def binary_cross_entropy(probabilities: Operand, target: Operand) -> Tensor:
    """Mean of ``-(t log p + (1 - t) log(1 - p))`` with each log clamped at -100.

    The clamp (PyTorch's) keeps a confident wrong answer at a large finite loss
    rather than infinity.

    >>> round(binary_cross_entropy(Tensor([0.8]), np.array([1.0])).item(), 6)
    0.223144
    """
    p, t = _pair(probabilities, target, "binary_cross_entropy", "probabilities")
    with np.errstate(divide="ignore", invalid="ignore"):
        log_p = np.maximum(np.log(p.data), _LOG_FLOOR)
        log_q = np.maximum(np.log1p(-p.data), _LOG_FLOOR)
        data = -np.mean(t.data * log_p + (1.0 - t.data) * log_q)
    return _node(data, (p, t), BINARY_CROSS_ENTROPY)


BINARY_CROSS_ENTROPY_WITH_LOGITS = Op(
    "binary_cross_entropy_with_logits",
    (
        lambda g, out, x, t: g * (_sigmoid(x) - t) / x.size,
        lambda g, out, x, t: -g * x / x.size,
    ),
    ("d bce/dx = (sigmoid(x) - t) / n", "d bce/dt = -x / n"),
    "Binary cross-entropy on logits sends each logit sigmoid(x) - t: the error in probability.",
)


def binary_cross_entropy_with_logits(logits: Operand, target: Operand) -> Tensor:
    """Binary cross-entropy of ``sigmoid(logits)``, computed without ever forming it.

    Written as ``max(x, 0) - x t + log(1 + e^-|x|)``, which never overflows: a logit of
    1000 with target 0 costs 1000, not infinity.

    >>> binary_cross_entropy_with_logits(Tensor([1000.0]), np.array([0.0])).item()
    1000.0
    """
    x, t = _pair(logits, target, "binary_cross_entropy_with_logits", "logits")
    xd = x.data
    with np.errstate(over="ignore", invalid="ignore"):
        data = np.mean(np.maximum(xd, 0.0) - xd * t.data + np.log1p(np.exp(-np.abs(xd))))
    return _node(data, (x, t), BINARY_CROSS_ENTROPY_WITH_LOGITS)


# ----------------------------------------------------------------------------- cross-entropy


def _cross_entropy_op(classes: Any, log_probabilities: Any) -> Op:
    """Cross-entropy against integer ``classes`` (one per sample), closed over as data.

    The rule also keeps the forward pass's log-probabilities (an array, not a node), so
    the fast path does not compute the softmax a second time.
    """

    def rule(g: Any, out: Any, z: Any) -> Any:
        # d/dz of -mean(log_softmax(z)[i, y_i]) is (softmax(z) - onehot(y)) / n
        rows = z.shape[0]
        if isinstance(z, Tensor):  # create_graph: through softmax, differentiable again
            onehot = np.zeros(z.shape, dtype=z.data.dtype)
            onehot[np.arange(rows), classes] = 1.0
            return g * (_softmax(z, -1) - onehot) / rows
        delta = np.exp(log_probabilities)
        delta[np.arange(rows), classes] -= 1.0
        delta *= g / rows
        return delta

    return Op(
        "cross_entropy",
        (rule,),
        ("d ce/dz = (softmax(z) - onehot(y)) / n",),
        "Cross-entropy sends each logit its predicted probability minus the true one.",
    )


def _soft_cross_entropy_rule_logits(g: Any, out: Any, z: Any, q: Any) -> Any:
    # d/dz of -mean(sum_c q_c log_softmax(z)_c) is (softmax(z) sum_c q_c - q) / n
    rows = z.shape[0]
    return g * (_softmax(z, -1) * q.sum(axis=-1, keepdims=True) - q) / rows


SOFT_CROSS_ENTROPY = Op(
    "cross_entropy",
    (
        _soft_cross_entropy_rule_logits,
        lambda g, out, z, q: -g * _log_softmax(z, -1) / z.shape[0],
    ),
    ("d ce/dz = (softmax(z) sum(q) - q) / n", "d ce/dq = -log_softmax(z) / n"),
    "Cross-entropy sends each logit its predicted probability minus the target one.",
)


def cross_entropy(logits: Operand, targets: Any) -> Tensor:
    """Softmax cross-entropy averaged over the batch, stable for huge logits.

    ``logits`` is ``(n, classes)`` (or ``(classes,)`` for one sample). ``targets`` is
    either an integer array of class indices, shape ``(n,)``, or a float array of
    probabilities (e.g. one-hot) shaped like ``logits``. Built from ``log_softmax``: no
    exponential of a large number is ever formed.

    >>> z = Tensor([[2.0, 0.0, -1.0], [0.0, 1000.0, 0.0]], requires_grad=True)
    >>> round(cross_entropy(z, np.array([0, 1])).item(), 6)
    0.084923
    """
    z = logits if isinstance(logits, Tensor) else Tensor(logits)
    if z.ndim == 1:  # one sample: a batch of one
        given = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
        shape = (1,) if given.dtype.kind in "iu" else (1, -1)
        batch = targets.reshape(shape) if isinstance(targets, Tensor) else given.reshape(shape)
        return cross_entropy(z.reshape(1, -1), batch)
    if z.ndim != 2:
        raise ValueError(f"cross_entropy: logits must be (n, classes); got shape {z.shape}")
    log_probabilities = _log_softmax_array(z.data, -1)
    target_data = np.asarray(_data(targets))
    if target_data.dtype.kind in "iu":
        rows, classes = z.shape
        if target_data.shape != (rows,):
            raise ValueError(
                f"cross_entropy: logits shape {z.shape} needs integer targets of shape "
                f"({rows},); got targets shape {target_data.shape}"
            )
        if target_data.size and (target_data.min() < 0 or target_data.max() >= classes):
            raise ValueError(
                f"cross_entropy: class indices must be in [0, {classes}) for logits shape "
                f"{z.shape}; got values from {target_data.min()} to {target_data.max()}"
            )
        data = -log_probabilities[np.arange(rows), target_data].sum() / rows
        return _node(data, (z,), _cross_entropy_op(target_data.copy(), log_probabilities))
    q = _operand(targets, z)
    if q.shape != z.shape:
        raise ValueError(
            f"cross_entropy: logits shape {z.shape} and target probabilities shape "
            f"{q.shape} differ (integer class targets would be shape ({z.shape[0]},))"
        )
    with np.errstate(invalid="ignore"):
        data = -np.sum(q.data * log_probabilities) / z.shape[0]
    return _node(data, (z, q), SOFT_CROSS_ENTROPY)


# =============================================================================================
# Network losses: for Value and Tensor outputs alike, defined as backprop.Network's costs
# =============================================================================================
#
# With n examples, outputs a_x and targets y_x (x = 1..n, each a vector over the outputs j):
#
#   quadratic_cost               C = 1/(2n) sum_x ||y_x - a_x||^2          backprop "quadratic"
#   mse_cost                     C = 1/n sum_x ||y_x - a_x||^2             backprop "mse"
#   cross_entropy_cost           C = -1/n sum_x sum_j [y ln a + (1-y) ln(1-a)]
#                                                                   backprop "cross_entropy"
#   log_likelihood_cost          C = -1/n sum_x sum_j y ln a    (a: softmax outputs)
#                                                                   backprop "log_likelihood"
#   softmax_cross_entropy_cost   log_likelihood_cost of softmax(logits), from the logits
#   hinge_loss                   mean over every score s of relu(1 - y s), y = -1 or +1
#   l2_penalty                   alpha sum_p p^2 over the given parameters
#
# mse_cost sums over the outputs and averages over the examples (the textbook's cost);
# mse() above averages over every element (PyTorch's MSELoss). They agree for one output.
# Logarithms in cross_entropy_cost are clamped at -100, as mse()'s neighbours above and
# PyTorch do, so a saturated sigmoid costs 100 rather than infinity.
#
# Tensor outputs are (n, k) batches (a 1-d Tensor is one example), with targets of the same
# shape. Value outputs are one example, a Value or a list of Values as ``model(x)``
# returns, with a target of one number per output; or a batch, a list with one Value or
# list of Values per example, with targets shaped (n, k). A flat list of n Values with
# targets shaped (n, 1) is read as a batch of n one-output examples.


def _value_rows(
    output: Any, target: Any, loss: str
) -> tuple[list[list[Any]], np.ndarray[Any, np.dtype[np.float64]]]:
    """Value outputs as a batch (a list of rows of Values) and targets as an (n, k) array."""

    def as_value(v: Any) -> Any:
        return v if isinstance(v, Value) else Value(float(v))

    y = np.asarray(target, dtype=np.float64)
    if isinstance(output, Value):
        rows = [[output]]
    elif all(not isinstance(o, (list, tuple)) for o in output):
        flat = [as_value(o) for o in output]
        rows = [[o] for o in flat] if y.ndim == 2 else [flat]
    else:
        rows = [
            [as_value(o)] if not isinstance(o, (list, tuple)) else [as_value(v) for v in o]
            for o in output
        ]
    widths = {len(row) for row in rows}
    if len(widths) != 1 or 0 in widths:
        raise ValueError(f"{loss}: every example needs the same number of outputs, got {widths}")
    shape = (len(rows), len(rows[0]))
    if y.size != shape[0] * shape[1] or (y.ndim == 2 and y.shape != shape):
        raise ValueError(
            f"{loss}: outputs of shape {shape} (examples, outputs) and targets of shape "
            f"{y.shape} do not fit"
        )
    return rows, y.reshape(shape)


def _total(terms: list[Any]) -> Any:
    """The sum of Values, added left to right from the first (no extra ``0 +`` node)."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _tensor_pair(output: Tensor, target: Any, loss: str) -> tuple[Tensor, Tensor, int]:
    """Output and target as Tensors of one shape, and the number of examples."""
    a, y = _pair(output, target, loss, "output")
    return a, y, (a.shape[0] if a.ndim >= 2 else 1)


def _squared_error(output: Any, target: Any, scale: float, loss: str) -> Any:
    """``scale / n * sum_x ||y_x - a_x||^2`` for Tensor or Value outputs."""
    if isinstance(output, Tensor):
        a, y, n = _tensor_pair(output, target, loss)
        d = a - y
        return (d * d).sum() * (scale / n)
    rows, y_rows = _value_rows(output, target, loss)
    squares = [(a - t) * (a - t) for row, ts in zip(rows, y_rows) for a, t in zip(row, ts)]
    return _total(squares) * (scale / len(rows))


def quadratic_cost(output: Any, target: Any) -> Any:
    """The quadratic cost of the backpropagation literature: ``1/(2n) sum_x ||y_x - a_x||^2``.

    Its gradient with respect to one output is ``(a - y) / n``: BP1's ``grad_a C``.

    >>> round(quadratic_cost(Tensor([[0.5, 1.0], [0.0, 0.0]]), [[1.0, 1.0], [0.0, 1.0]]).item(), 4)
    0.3125
    """
    return _squared_error(output, target, 0.5, "quadratic_cost")


def mse_cost(output: Any, target: Any) -> Any:
    """Mean squared error summed over the outputs: ``1/n sum_x ||y_x - a_x||^2``.

    >>> from autograd_lite.value import Value
    >>> mse_cost([Value(0.5), Value(2.0)], [1.0, 1.0]).data
    1.25
    """
    return _squared_error(output, target, 1.0, "mse_cost")


def _clamped_log(v: Any) -> Any:
    """ln v for a Value, replaced by the constant -100 below it (PyTorch's clamp)."""
    out = v.log()
    return out if out.data >= _LOG_FLOOR else Value(_LOG_FLOOR)


def cross_entropy_cost(output: Any, target: Any) -> Any:
    """Binary cross-entropy summed over the outputs, on probabilities in [0, 1].

    ``C = -1/n sum_x sum_j [y ln a + (1 - y) ln(1 - a)]``, each log clamped at -100.
    The textbook pairs it with sigmoid outputs: then ``delta^L = (a - y) / n``.

    >>> round(cross_entropy_cost(Tensor([[0.8, 0.4]]), [[1.0, 0.0]]).item(), 6)
    0.733969
    """
    if isinstance(output, Tensor):
        a, y, _ = _tensor_pair(output, target, "cross_entropy_cost")
        outputs = a.shape[-1] if a.ndim >= 1 else 1
        return binary_cross_entropy(a, y) * float(outputs)
    rows, y_rows = _value_rows(output, target, "cross_entropy_cost")
    terms = []
    for row, ts in zip(rows, y_rows):
        for a, t in zip(row, ts):
            # terms with a zero coefficient are left out: 0 * ln 0 would be nan
            if t != 0:
                terms.append(_clamped_log(a) * (-t))
            if t != 1:
                terms.append(_clamped_log(1 - a) * (t - 1))
    if not terms:
        raise ValueError("cross_entropy_cost: no outputs")
    return _total(terms) * (1.0 / len(rows))


def log_likelihood_cost(output: Any, target: Any) -> Any:
    """The log-likelihood cost ``-1/n sum_x sum_j y ln a`` of softmax outputs ``a``.

    Targets are one-hot rows (or probabilities). From logits, prefer
    :func:`softmax_cross_entropy_cost`, which never takes the log of an underflowed 0.
    """
    if isinstance(output, Tensor):
        a, y, n = _tensor_pair(output, target, "log_likelihood_cost")
        # where y = 0 the log is taken of a + 1 (finite, and multiplied by 0): no 0 * -inf
        unused = (y.data == 0).astype(a.dtype)
        return (y * (a + unused).log()).sum() * (-1.0 / n)
    rows, y_rows = _value_rows(output, target, "log_likelihood_cost")
    terms = [a.log() * (-t) for row, ts in zip(rows, y_rows) for a, t in zip(row, ts) if t != 0]
    if not terms:
        raise ValueError("log_likelihood_cost: every target is 0")
    return _total(terms) * (1.0 / len(rows))


def _class_rows(
    target: Any, rows: int, classes: int, loss: str
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Targets as (rows, classes) probabilities: class indices become one-hot rows."""
    given = np.asarray(target)
    if given.dtype.kind in "iu" and given.size == rows and given.ndim <= 1:
        indices = given.reshape(rows)
        if indices.min() < 0 or indices.max() >= classes:
            raise ValueError(f"{loss}: class indices must be in [0, {classes}), got {indices}")
        onehot = np.zeros((rows, classes))
        onehot[np.arange(rows), indices] = 1.0
        return onehot
    probabilities = given.astype(np.float64)
    if probabilities.size != rows * classes:
        raise ValueError(
            f"{loss}: {rows} examples of {classes} logits need class indices of shape "
            f"({rows},) or target rows of shape ({rows}, {classes}); got shape {given.shape}"
        )
    return probabilities.reshape(rows, classes)


def softmax_cross_entropy_cost(logits: Any, target: Any) -> Any:
    """Softmax cross-entropy from logits: ``-1/n sum_x sum_j y ln softmax(z_x)_j``.

    This is :func:`log_likelihood_cost` of ``softmax(logits)``, computed stably (as
    ``z - max z - ln sum exp(z - max z)``), and its delta is ``(softmax(z) - y) / n``.
    ``target`` is class indices, one per example, or one-hot (probability) rows.

    >>> round(softmax_cross_entropy_cost(Tensor([[2.0, 0.0, -1.0]]), [0]).item(), 6)
    0.169846
    """
    if isinstance(logits, Tensor):
        return cross_entropy(logits, target)
    if isinstance(logits, Value) or all(not isinstance(o, (list, tuple)) for o in logits):
        batch = [[logits] if isinstance(logits, Value) else list(logits)]
    else:
        batch = [list(row) for row in logits]
    classes = len(batch[0])
    y_rows = _class_rows(target, len(batch), classes, "softmax_cross_entropy_cost")
    rows, y_rows = _value_rows(batch, y_rows, "softmax_cross_entropy_cost")
    terms: list[Any] = []
    for row, ts in zip(rows, y_rows):
        top = max(z.data for z in row)  # a constant: shifting leaves the softmax unchanged
        shifted = [z - top for z in row]
        log_sum = _total([s.exp() for s in shifted]).log()
        terms.extend((log_sum - s) * t for s, t in zip(shifted, ts) if t != 0)
    if not terms:
        raise ValueError("softmax_cross_entropy_cost: every target is 0")
    return _total(terms) * (1.0 / len(rows))


def hinge_loss(scores: Any, target: Any) -> Any:
    """The max-margin loss of micrograd's demo: the mean of ``relu(1 - y s)`` over every score.

    ``target`` holds -1 or +1 per score. With one output per example this is micrograd's
    ``sum((1 + -y * s).relu()) * (1 / n)`` (the same numbers, for Values); with several,
    every output is a one-versus-rest classifier. A flat list of Values (or a 1-d Tensor)
    holds one score per example.

    >>> hinge_loss(Tensor([2.0, 0.5, -1.0]), [1.0, -1.0, -1.0]).item()
    0.5
    """
    if isinstance(scores, Tensor):
        y = _operand(target, scores)
        if y.size != scores.size:
            raise ValueError(
                f"hinge_loss: scores shape {scores.shape} and target shape {y.shape} differ"
            )
        return (1.0 - y.reshape(scores.shape) * scores).relu().mean()
    if isinstance(scores, Value):
        flat = [scores]
    else:
        flat = [v for s in scores for v in (s if isinstance(s, (list, tuple)) else [s])]
    signs = np.asarray(target, dtype=np.float64).ravel()
    if signs.size != len(flat):
        raise ValueError(f"hinge_loss: {len(flat)} scores and {signs.size} targets")
    losses = [(1 + -yi * si).relu() for yi, si in zip(signs.tolist(), flat)]
    return sum(losses) * (1.0 / len(losses))


def l2_penalty(parameters: Any, alpha: float) -> Any:
    """L2 weight decay ``alpha * sum_p p^2`` over Value or Tensor parameters.

    For Values this is micrograd demo's ``alpha * sum(p * p for p in parameters)``.

    >>> l2_penalty([Tensor([1.0, 2.0]), Tensor([[3.0]])], 0.5).item()
    7.0
    """
    params = list(parameters)
    if not params:
        raise ValueError("l2_penalty: no parameters")
    if all(isinstance(p, Tensor) for p in params):
        return _total([(p * p).sum() for p in params]) * float(alpha)
    if any(isinstance(p, Tensor) for p in params):
        raise TypeError("l2_penalty: parameters mix Values and Tensors")
    return alpha * sum(p * p for p in params)


#: The costs of :class:`autograd_lite.backprop.Network`, by its names.
NETWORK_COSTS = {
    "quadratic": quadratic_cost,
    "mse": mse_cost,
    "cross_entropy": cross_entropy_cost,
    "log_likelihood": log_likelihood_cost,
}

__all__ += [
    "NETWORK_COSTS",
    "cross_entropy_cost",
    "hinge_loss",
    "l2_penalty",
    "log_likelihood_cost",
    "mse_cost",
    "quadratic_cost",
    "softmax_cross_entropy_cost",
]
