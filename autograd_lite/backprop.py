"""Backpropagation written out by hand: the four equations, in plain NumPy.

This module is an *oracle*. It computes the gradients of a fully connected network
directly from the closed-form backpropagation equations (Nielsen, *Neural Networks and
Deep Learning*, chapter 2), with no computation graph and nothing imported from the rest
of ``autograd_lite``. Because it shares no code with the autodiff engine, agreement
between the two is real evidence that both are right.

Notation (layer ``l`` runs from 1 to ``L``; layer 0 is the input)::

    z^l = W^l a^{l-1} + b^l          weighted input of layer l
    a^l = sigma(z^l)                 activation of layer l (a^0 = x, the input)
    delta^l = dC/dz^l                the "error" of layer l

    BP1  delta^L = grad_a C (.) sigma'(z^L)                       output layer
    BP2  delta^l = ((W^{l+1})^T delta^{l+1}) (.) sigma'(z^l)     every layer below it
    BP3  dC/db^l = delta^l
    BP4  dC/dW^l = delta^l (a^{l-1})^T

where ``(.)`` is the elementwise (Hadamard) product.

Weights use the format shared by the whole project: a list with one ``(W, b)`` pair per
layer, ``W`` of shape ``(n_out, n_in)`` (row ``j`` holds the weights *into* neuron ``j``
of layer ``l``, column ``k`` the weights *out of* neuron ``k`` of layer ``l-1``) and
``b`` of shape ``(n_out,)``. In the Python lists, index ``i`` holds layer ``l = i + 1``.

Batches come in one of two layouts:

``"rows"``
    one example per row: ``X`` is ``(batch, n_in)``. This is the NumPy/PyTorch habit.
``"columns"``
    one example per column: ``X`` is ``(n_in, batch)``. This is how the literature
    writes it, because then ``Z = W A + b`` reads exactly like ``z = W a + b``.

The cost of a batch is the mean of the per-example costs, ``C = (1/n) sum_x C_x``, so the
batch "delta" of a layer is ``dC/dz^l`` of that mean: each example's textbook delta
divided by ``n``. Summing ``delta (a^{l-1})^T`` over the batch then gives the mean
gradient directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias, overload

import numpy as np
import numpy.typing as npt

__all__ = [
    "ACTIVATIONS",
    "ALIASES",
    "COSTS",
    "LEAKY_RELU_SLOPE",
    "Array",
    "Gradients",
    "Layout",
    "Network",
    "activation",
    "activation_prime",
    "cost_gradient",
    "sigmoid",
    "softmax",
]

Array: TypeAlias = npt.NDArray[np.float64]
Layout: TypeAlias = Literal["rows", "columns"]

#: Activations usable in any layer. ``"linear"`` is accepted as another name for
#: ``"identity"``.
HIDDEN_ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")
#: All activation names, including ``"softmax"`` (output layer only).
ACTIVATIONS: tuple[str, ...] = (*HIDDEN_ACTIVATIONS, "softmax")
#: Other names accepted for activations, and the name each one stands for.
ALIASES: dict[str, str] = {"linear": "identity"}
#: Cost function names.
COSTS: tuple[str, ...] = ("quadratic", "mse", "cross_entropy", "log_likelihood")
#: Slope of leaky ReLU for ``z <= 0``.
LEAKY_RELU_SLOPE = 0.01


# --------------------------------------------------------------------------------------
# Activation functions and their derivatives
# --------------------------------------------------------------------------------------


def sigmoid(z: npt.ArrayLike) -> Array:
    """The logistic function ``sigma(z) = 1 / (1 + exp(-z))``, elementwise.

    Written so that it never overflows: with ``e = exp(-|z|)`` (always in ``(0, 1]``),
    ``sigma(z) = 1 / (1 + e)`` for ``z >= 0`` and ``e / (1 + e)`` for ``z < 0``. The
    naive formula would compute ``exp(1000)`` for ``z = -1000`` and warn.
    """
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    out: Array = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return out


def softmax(z: npt.ArrayLike, axis: int = -1) -> Array:
    """Softmax along ``axis``: ``a_j = exp(z_j) / sum_k exp(z_k)``.

    Subtracting ``max_k z_k`` first leaves the result unchanged (it cancels between top
    and bottom) but keeps every exponent ``<= 0``, so nothing overflows.
    """
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    out: Array = e / e.sum(axis=axis, keepdims=True)
    return out


def _log_softmax(z: Array, axis: int) -> Array:
    """``ln softmax(z)`` computed as ``z - max - ln sum exp(z - max)``.

    Taking the log of :func:`softmax` would give ``-inf`` once a probability underflows
    to 0; this form stays finite for any finite ``z``.
    """
    shifted = z - z.max(axis=axis, keepdims=True)
    out: Array = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return out


def _canonical_activation(name: str) -> str:
    """Resolve aliases and reject unknown names with a message listing the known ones."""
    if not isinstance(name, str):
        raise TypeError(f"activation name must be a string, got {type(name).__name__}")
    name = ALIASES.get(name, name)
    if name not in ACTIVATIONS:
        known = ", ".join(repr(a) for a in (*ACTIVATIONS, *ALIASES))
        raise ValueError(f"unknown activation {name!r}; known activations: {known}")
    return name


def activation(name: str, z: npt.ArrayLike, axis: int = -1) -> Array:
    """Apply the activation called ``name`` to ``z``: ``a = sigma(z)``.

    Every activation except softmax acts on each number separately. Softmax mixes the
    numbers of one example, so it needs to know which ``axis`` runs over the neurons
    (``-1`` for a single example or the rows layout, ``0`` for the columns layout).
    """
    name = _canonical_activation(name)
    z = np.asarray(z, dtype=np.float64)
    out: Array
    if name == "sigmoid":
        out = sigmoid(z)
    elif name == "tanh":
        out = np.tanh(z)
    elif name == "relu":
        out = np.maximum(z, 0.0)
    elif name == "leaky_relu":
        out = np.where(z > 0, z, LEAKY_RELU_SLOPE * z)
    elif name == "identity":
        out = z.copy()
    else:
        out = softmax(z, axis=axis)
    return out


def activation_prime(name: str, z: npt.ArrayLike) -> Array:
    """The derivative ``sigma'(z)``, elementwise, as used in BP1 and BP2.

    * sigmoid: ``sigma(z) (1 - sigma(z))``
    * tanh: ``1 - tanh(z)^2``
    * relu: ``1`` for ``z > 0``, else ``0`` (we pick 0 at the kink ``z = 0``)
    * leaky_relu: ``1`` for ``z > 0``, else ``0.01`` (0.01 at the kink)
    * identity: ``1``

    Softmax has no elementwise derivative (each output depends on every input, so its
    derivative is a full Jacobian matrix), hence it raises :class:`ValueError`.
    """
    name = _canonical_activation(name)
    z = np.asarray(z, dtype=np.float64)
    out: Array
    if name == "sigmoid":
        s = sigmoid(z)
        out = s * (1.0 - s)
    elif name == "tanh":
        out = 1.0 - np.tanh(z) ** 2
    elif name == "relu":
        out = (z > 0).astype(np.float64)
    elif name == "leaky_relu":
        out = np.where(z > 0, 1.0, LEAKY_RELU_SLOPE)
    elif name == "identity":
        out = np.ones_like(z)
    else:
        raise ValueError(
            "softmax has no elementwise derivative (its Jacobian is a full matrix); "
            "it can only be used in the output layer together with the log_likelihood cost"
        )
    return out


# --------------------------------------------------------------------------------------
# Cost functions
# --------------------------------------------------------------------------------------


def _canonical_cost(name: str) -> str:
    if not isinstance(name, str) or name not in COSTS:
        known = ", ".join(repr(c) for c in COSTS)
        raise ValueError(f"unknown cost {name!r}; known costs: {known}")
    return name


def cost_gradient(cost: str, a: npt.ArrayLike, y: npt.ArrayLike) -> Array:
    """``grad_a C_x``: the derivative of one example's cost with respect to its output.

    This is the first factor of BP1. Elementwise:

    * quadratic, ``C_x = 1/2 ||y - a||^2``: ``a - y``
    * mse, ``C_x = ||y - a||^2``: ``2 (a - y)``
    * cross_entropy, ``C_x = -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)]``:
      ``(a - y) / (a (1 - a))``
    * log_likelihood, ``C_x = -sum_j y_j ln a_j``: ``-y / a``
    """
    cost = _canonical_cost(cost)
    a = np.asarray(a, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    out: Array
    if cost == "quadratic":
        out = a - y
    elif cost == "mse":
        out = 2.0 * (a - y)
    elif cost == "cross_entropy":
        out = (a - y) / (a * (1.0 - a))
    else:
        out = -y / a
    return out


# --------------------------------------------------------------------------------------
# The result object
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gradients:
    """Everything one backpropagation pass produces.

    The per-layer lists have one entry per layer, index ``i`` holding layer ``i + 1``.

    Attributes:
        dW: ``dC/dW^l`` (BP4), each shaped like its ``W``.
        db: ``dC/db^l`` (BP3), each shaped like its ``b``.
        deltas: ``delta^l = dC/dz^l`` (BP1, BP2). For one example a vector ``(n_l,)``;
            for a batch ``(batch, n_l)`` (rows) or ``(n_l, batch)`` (columns), each
            example's delta divided by the batch size, because ``C`` is the batch mean.
        zs: the weighted inputs ``z^l``, laid out like ``deltas``.
        activations: ``a^0`` (the input), then ``a^1 ... a^L``; ``L + 1`` entries.
        cost: the cost ``C`` (a single example's ``C_x``, or the batch mean).
    """

    dW: list[Array]
    db: list[Array]
    deltas: list[Array]
    zs: list[Array]
    activations: list[Array]
    cost: float


# --------------------------------------------------------------------------------------
# Layout helpers: the same equation in the rows and in the columns layout
# --------------------------------------------------------------------------------------


def _feature_axis(layout: Layout) -> int:
    """The axis that runs over neurons (the other one runs over examples)."""
    return 0 if layout == "columns" else 1


def _affine(W: Array, b: Array, A: Array, layout: Layout) -> Array:
    """``Z = W A + b`` for every example at once."""
    out: Array
    if layout == "columns":
        # Column x of A is a^{l-1} for example x, so W @ A is W a for each column;
        # b is a column vector added to every column.
        out = W @ A + b[:, np.newaxis]
    else:
        # Transposing z = W a + b gives z^T = a^T W^T + b^T: the same numbers, one row
        # per example.
        out = A @ W.T + b
    return out


def _fold(W: Array, b: Array) -> Array:
    """``[b W]``: the bias becomes column 0 of an ``(n_out, n_in + 1)`` matrix."""
    out: Array = np.column_stack((b, W))
    return out


def _with_ones(A: Array, layout: Layout) -> Array:
    """``[1; A]``: prepend a constant-1 "neuron" that column 0 of ``[b W]`` multiplies."""
    out: Array
    if layout == "columns":
        out = np.vstack((np.ones((1, A.shape[1])), A))
    else:
        out = np.hstack((np.ones((A.shape[0], 1)), A))
    return out


def _matmul_folded(Wf: Array, A1: Array, layout: Layout) -> Array:
    """``Z = [b W] [1; A]``: the bias now arrives through the constant-1 input."""
    out: Array = Wf @ A1 if layout == "columns" else A1 @ Wf.T
    return out


def _outer_sum(delta: Array, A_prev: Array, layout: Layout) -> Array:
    """BP4 summed over the batch: ``sum_x delta_x (a_x^{l-1})^T``."""
    # In the columns layout this sum of outer products is exactly the matrix product
    # Delta A^T; in the rows layout both matrices are transposed, giving Delta^T A.
    out: Array = delta @ A_prev.T if layout == "columns" else delta.T @ A_prev
    return out


def _bias_sum(delta: Array, layout: Layout) -> Array:
    """BP3 summed over the batch: ``sum_x delta_x``."""
    out: Array = delta.sum(axis=1 - _feature_axis(layout))
    return out


def _pull_back(W: Array, delta: Array, layout: Layout) -> Array:
    """The first factor of BP2, ``(W^{l+1})^T delta^{l+1}``, for every example."""
    out: Array = W.T @ delta if layout == "columns" else delta @ W
    return out


def _drop_bias_row(X: Array, layout: Layout) -> Array:
    """Remove the entry belonging to the constant-1 input (it has no ``z``, no delta)."""
    out: Array = X[1:, :] if layout == "columns" else X[:, 1:]
    return out


# --------------------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------------------


class Network:
    """A fully connected feed-forward network with hand-written backpropagation.

    Args:
        weights: one ``(W, b)`` per layer, ``W`` of shape ``(n_out, n_in)`` and ``b`` of
            shape ``(n_out,)``. They are copied in as float64, so later changes to your
            arrays do not affect the network (and vice versa).
        activation: the activation of the hidden layers: ``"sigmoid"``, ``"tanh"``,
            ``"relu"``, ``"leaky_relu"`` or ``"identity"`` (alias ``"linear"``).
        output_activation: the activation of the output layer; ``None`` means "the same
            as the hidden layers", which is the network of the textbook. ``"softmax"`` is
            allowed here only, and only with the ``"log_likelihood"`` cost.
        cost: ``"quadratic"`` (``C_x = 1/2 ||y - a||^2``), ``"mse"``
            (``C_x = ||y - a||^2``), ``"cross_entropy"``
            (``C_x = -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)]``, outputs must lie in
            ``(0, 1)``) or ``"log_likelihood"`` (``C_x = -sum_j y_j ln a_j``, softmax
            output only). The cost of a batch is the mean of the ``C_x``.

    Raises:
        ValueError: unknown names, softmax in a hidden layer, softmax without
            log_likelihood (or the reverse), or weights whose shapes do not chain.
    """

    def __init__(
        self,
        weights: Sequence[tuple[npt.ArrayLike, npt.ArrayLike]],
        activation: str = "sigmoid",
        output_activation: str | None = None,
        cost: str = "quadratic",
    ) -> None:
        hidden = _canonical_activation(activation)
        if hidden == "softmax":
            raise ValueError(
                "softmax can only be the output activation (pass output_activation='softmax'"
                f"); hidden layers accept: {', '.join(repr(a) for a in HIDDEN_ACTIVATIONS)}"
            )
        output = hidden if output_activation is None else _canonical_activation(output_activation)
        cost = _canonical_cost(cost)
        # Softmax and log-likelihood belong together: the log-likelihood only makes sense
        # for outputs that form a probability distribution, and the simple output error
        # a - y holds only for that pair.
        if cost == "log_likelihood" and output != "softmax":
            raise ValueError(
                f"the log_likelihood cost needs output_activation='softmax', got {output!r}"
            )
        if output == "softmax" and cost != "log_likelihood":
            raise ValueError(
                f"output_activation='softmax' needs cost='log_likelihood', got {cost!r}"
            )
        self._hidden = hidden
        self._output = output
        self._cost = cost
        self._weights = _copy_weights(weights)

    # ----------------------------------------------------------------- properties

    @property
    def weights(self) -> list[tuple[Array, Array]]:
        """A copy of the ``(W, b)`` pairs, one per layer."""
        return [(W.copy(), b.copy()) for W, b in self._weights]

    @property
    def sizes(self) -> list[int]:
        """Neurons per layer, input first: ``[n_0, n_1, ..., n_L]``."""
        return [self._weights[0][0].shape[1], *(W.shape[0] for W, _ in self._weights)]

    @property
    def activation(self) -> str:
        """The hidden-layer activation (aliases resolved)."""
        return self._hidden

    @property
    def output_activation(self) -> str:
        """The output-layer activation (aliases resolved, never ``None``)."""
        return self._output

    @property
    def cost_name(self) -> str:
        """The name of the cost function."""
        return self._cost

    def __repr__(self) -> str:
        return (
            f"Network(sizes={self.sizes}, activation={self._hidden!r}, "
            f"output_activation={self._output!r}, cost={self._cost!r})"
        )

    # ----------------------------------------------------------------- forward pass

    def feedforward(self, X: npt.ArrayLike, layout: Layout = "rows") -> Array:
        """The output activations ``a^L`` for a batch ``X`` (one example per row by
        default; ``layout="columns"`` for one per column)."""
        layout = _check_layout(layout)
        X = self._check_batch(X, "X", self.sizes[0], layout, None)
        _, activations = self._forward(X, layout, fold_bias=False)
        return activations[-1]

    def cost(self, X: npt.ArrayLike, Y: npt.ArrayLike, layout: Layout = "rows") -> float:
        """The batch cost ``C = (1/n) sum_x C_x``, from a forward pass only."""
        layout = _check_layout(layout)
        X, Y = self._check_xy(X, Y, layout)
        zs, activations = self._forward(X, layout, fold_bias=False)
        return self._batch_cost(zs[-1], activations[-1], Y, layout)

    def accuracy(self, X: npt.ArrayLike, Y: npt.ArrayLike) -> float:
        """Fraction of examples (rows) classified correctly.

        With several outputs the predicted class is the most active output neuron and
        the true class the largest entry of ``y`` (argmax). With one output, both are
        thresholded at 0.5.
        """
        X, Y = self._check_xy(X, Y, "rows")
        A = self.feedforward(X)
        if A.shape[1] == 1:
            hits = (A[:, 0] >= 0.5) == (Y[:, 0] >= 0.5)
        else:
            hits = A.argmax(axis=1) == Y.argmax(axis=1)
        return float(hits.mean())

    def _forward(
        self, X: Array, layout: Layout, fold_bias: bool
    ) -> tuple[list[Array], list[Array]]:
        """``z^l = W^l a^{l-1} + b^l`` and ``a^l = sigma(z^l)``, layer by layer."""
        zs: list[Array] = []
        activations: list[Array] = [X]
        last = len(self._weights) - 1
        for i, (W, b) in enumerate(self._weights):
            a_prev = activations[-1]
            if fold_bias:
                z = _matmul_folded(_fold(W, b), _with_ones(a_prev, layout), layout)
            else:
                z = _affine(W, b, a_prev, layout)
            name = self._output if i == last else self._hidden
            zs.append(z)
            activations.append(activation(name, z, axis=_feature_axis(layout)))
        return zs, activations

    # ----------------------------------------------------------------- cost and BP1

    def _example_costs(self, z: Array, a: Array, y: Array, axis: int) -> Array:
        """``C_x`` for each example: the per-neuron terms summed along ``axis``."""
        terms: Array
        if self._cost == "quadratic":
            terms = 0.5 * (y - a) ** 2
        elif self._cost == "mse":
            terms = (y - a) ** 2
        elif self._cost == "cross_entropy":
            if self._output == "sigmoid":
                # -ln sigma(z) = ln(1 + e^{-z}) and -ln(1 - sigma(z)) = ln(1 + e^{z}).
                # Working from z avoids ln(0) once sigma(z) rounds to exactly 0 or 1.
                terms = y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)
            else:
                if not np.all((a > 0.0) & (a < 1.0)):
                    raise ValueError(
                        "the cross_entropy cost needs every output strictly between 0 and 1"
                        f"; the {self._output!r} output layer produced values in "
                        f"[{a.min():.6g}, {a.max():.6g}]"
                    )
                terms = -(y * np.log(a) + (1.0 - y) * np.log1p(-a))
        else:
            # ln a_j taken straight from z, so it is finite even when a_j underflows.
            terms = -y * _log_softmax(z, axis)
        out: Array = terms.sum(axis=axis)
        return out

    def _batch_cost(self, z: Array, a: Array, y: Array, layout: Layout) -> float:
        return float(self._example_costs(z, a, y, _feature_axis(layout)).mean())

    def _output_error(self, z: Array, a: Array, y: Array, axis: int) -> Array:
        """BP1, ``delta^L = grad_a C (.) sigma'(z^L)``, for each example separately."""
        out: Array
        if self._output == "softmax":
            # Softmax has a Jacobian, not an elementwise derivative, so BP1 becomes
            # delta_j = sum_i (da_i/dz_j) dC/da_i with da_i/dz_j = a_i ([i = j] - a_j) and
            # dC/da_i = -y_i / a_i, which gives a_j sum_i y_i - y_j. For a one-hot (or
            # any probability vector) y, sum_i y_i = 1 and this is the familiar a - y.
            out = a * y.sum(axis=axis, keepdims=True) - y
        elif self._cost == "cross_entropy" and self._output == "sigmoid":
            # BP1 gives (a - y) / (a (1 - a)) * sigma'(z), and sigma'(z) = a (1 - a):
            # the two cancel exactly, leaving a - y. Using the cancelled form avoids
            # 0/0 when a saturates at 0 or 1.
            out = a - y
        else:
            out = cost_gradient(self._cost, a, y) * activation_prime(self._output, z)
        return out

    # ----------------------------------------------------------------- backpropagation

    def gradients(
        self,
        X: npt.ArrayLike,
        Y: npt.ArrayLike,
        layout: Layout = "rows",
        fold_bias: bool = False,
        update_during_backward: float = 0.0,
    ) -> Gradients:
        """Backpropagation for a whole batch at once: the gradient of the mean cost.

        Args:
            X: inputs, ``(batch, n_in)`` for ``layout="rows"``, ``(n_in, batch)`` for
                ``layout="columns"``.
            Y: targets, ``(batch, n_out)`` or ``(n_out, batch)`` likewise.
            layout: ``"rows"`` or ``"columns"``; ``deltas``, ``zs`` and ``activations``
                come back in the same layout. ``dW`` and ``db`` do not depend on it.
            fold_bias: compute with the bias folded into the weights, ``[b W]`` against
                ``[1; A]``. A different route to the very same numbers.
            update_during_backward: a learning rate ``eta`` for reproducing a common
                mistake. Walking backward, right after ``dW^{l+1}`` is known, the wrong
                version updates ``W^{l+1} <- W^{l+1} - eta dW^{l+1}`` (and ``b^{l+1}``)
                and then uses the *updated* matrix in BP2 for ``delta^l``. The result is
                what that order computes; the network itself is not changed. With
                ``eta = 0`` it equals the correct result exactly; with ``eta > 0`` every
                layer below the output is wrong.

        Returns:
            :class:`Gradients` with ``cost`` the batch mean and ``deltas[l]`` the
            per-example deltas divided by the batch size (``dC/dz^l`` of the mean).

        The equations, with ``Delta^l`` the batch deltas and ``n`` the batch size::

            BP1  Delta^L = (1/n) grad_a C_x (.) sigma'(Z^L)     (each example)
            BP2  Delta^l = ((W^{l+1})^T Delta^{l+1}) (.) sigma'(Z^l)
            BP3  dC/db^l = sum over examples of Delta^l
            BP4  dC/dW^l = Delta^l (A^{l-1})^T                  (columns layout)
        """
        layout = _check_layout(layout)
        X, Y = self._check_xy(X, Y, layout)
        eta = float(update_during_backward)
        axis = _feature_axis(layout)
        n = X.shape[1 - axis]

        zs, activations = self._forward(X, layout, fold_bias)
        cost = self._batch_cost(zs[-1], activations[-1], Y, layout)

        n_layers = len(self._weights)
        deltas: list[Array] = [np.empty(0)] * n_layers
        dWs: list[Array] = [np.empty(0)] * n_layers
        dbs: list[Array] = [np.empty(0)] * n_layers

        # BP1. Dividing by n turns the per-example error into dC/dz of the batch *mean*;
        # since BP2-BP4 are linear in delta, the 1/n then flows through everything.
        delta = self._output_error(zs[-1], activations[-1], Y, axis) / n
        for i in reversed(range(n_layers)):
            W, b = self._weights[i]
            a_prev = activations[i]
            deltas[i] = delta
            if fold_bias:
                # BP3 and BP4 in one go: dC/d[b W] = Delta [1; A]^T; column 0 is db.
                dWf = _outer_sum(delta, _with_ones(a_prev, layout), layout)
                dbs[i], dWs[i] = dWf[:, 0].copy(), dWf[:, 1:].copy()
            else:
                dWs[i] = _outer_sum(delta, a_prev, layout)  # BP4
                dbs[i] = _bias_sum(delta, layout)  # BP3
            if i == 0:
                break
            # Only for update_during_backward: the wrong order updates this layer
            # *before* BP2 uses its weights. With the default eta = 0 the subtraction
            # leaves W unchanged bit for bit, so this is then the correct BP2.
            W_used = W - eta * dWs[i]
            b_used = b - eta * dbs[i]
            if fold_bias:
                # [b W]^T Delta has one extra leading entry for the constant-1 input;
                # it is not a neuron, so it has no z^l and we drop it.
                pulled = _drop_bias_row(_pull_back(_fold(W_used, b_used), delta, layout), layout)
            else:
                pulled = _pull_back(W_used, delta, layout)
            # BP2. Layer i - 1 is below the output layer, so it is a hidden layer.
            delta = pulled * activation_prime(self._hidden, zs[i - 1])

        return Gradients(dW=dWs, db=dbs, deltas=deltas, zs=zs, activations=activations, cost=cost)

    def backprop_example(self, x: npt.ArrayLike, y: npt.ArrayLike) -> Gradients:
        """The textbook algorithm for a single example, one vector at a time.

        1. Input: ``a^0 = x``.
        2. Feedforward: for ``l = 1 .. L``, ``z^l = W^l a^{l-1} + b^l``, ``a^l = sigma(z^l)``.
        3. Output error (BP1): ``delta^L = grad_a C_x (.) sigma'(z^L)``.
        4. Backpropagate (BP2): for ``l = L-1 .. 1``,
           ``delta^l = ((W^{l+1})^T delta^{l+1}) (.) sigma'(z^l)``.
        5. Output (BP3, BP4): ``dC_x/db^l = delta^l``, ``dC_x/dW^l = delta^l (a^{l-1})^T``.

        Args:
            x: one input, shape ``(n_in,)``.
            y: its target, shape ``(n_out,)``.

        Returns:
            :class:`Gradients` of ``C_x`` (no averaging): vectors for ``deltas``, ``zs``
            and ``activations``, and ``cost = C_x``.
        """
        sizes = self.sizes
        x = _as_vector(x, "x", sizes[0])
        y = _as_vector(y, "y", sizes[-1])

        zs: list[Array] = []
        activations: list[Array] = [x]
        for i, (W, b) in enumerate(self._weights):
            z = W @ activations[-1] + b
            name = self._output if i == len(self._weights) - 1 else self._hidden
            zs.append(z)
            activations.append(activation(name, z))

        n_layers = len(self._weights)
        deltas: list[Array] = [np.empty(0)] * n_layers
        delta = self._output_error(zs[-1], activations[-1], y, axis=-1)  # BP1
        deltas[-1] = delta
        for i in range(n_layers - 2, -1, -1):
            W_next = self._weights[i + 1][0]
            delta = (W_next.T @ delta) * activation_prime(self._hidden, zs[i])  # BP2
            deltas[i] = delta

        db = [d.copy() for d in deltas]  # BP3
        dW = [np.outer(d, a) for d, a in zip(deltas, activations[:-1])]  # BP4
        cost = float(self._example_costs(zs[-1], activations[-1], y, axis=-1))
        return Gradients(dW=dW, db=db, deltas=deltas, zs=zs, activations=activations, cost=cost)

    # ----------------------------------------------------------------- training

    def update_mini_batch(self, X: npt.ArrayLike, Y: npt.ArrayLike, eta: float) -> float:
        """One step of gradient descent on a mini-batch (rows layout).

        ``W^l <- W^l - eta dC/dW^l`` and ``b^l <- b^l - eta dC/db^l``, where ``C`` is the
        mean cost of the mini-batch. Every gradient is computed *before* any weight
        changes. Changes the network's weights; returns the cost before the step.
        """
        grads = self.gradients(X, Y)
        self._weights = [
            (W - eta * dW, b - eta * db)
            for (W, b), dW, db in zip(self._weights, grads.dW, grads.db)
        ]
        return grads.cost

    @overload
    def sgd(
        self,
        X: npt.ArrayLike,
        Y: npt.ArrayLike,
        epochs: int,
        mini_batch_size: int,
        eta: float,
        rng: np.random.Generator | int | None = None,
        test: None = None,
    ) -> list[float]: ...

    @overload
    def sgd(
        self,
        X: npt.ArrayLike,
        Y: npt.ArrayLike,
        epochs: int,
        mini_batch_size: int,
        eta: float,
        rng: np.random.Generator | int | None = None,
        *,
        test: tuple[npt.ArrayLike, npt.ArrayLike],
    ) -> tuple[list[float], list[float]]: ...

    def sgd(
        self,
        X: npt.ArrayLike,
        Y: npt.ArrayLike,
        epochs: int,
        mini_batch_size: int,
        eta: float,
        rng: np.random.Generator | int | None = None,
        test: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    ) -> list[float] | tuple[list[float], list[float]]:
        """Stochastic gradient descent, as in the textbook.

        Each epoch shuffles the training examples (rows of ``X``, ``Y``), cuts them into
        mini-batches of ``mini_batch_size`` (the last may be smaller) and calls
        :meth:`update_mini_batch` on each one.

        Args:
            rng: a :class:`numpy.random.Generator` (or a seed for one) for the shuffling;
                ``None`` means a fresh, unseeded generator.
            test: optional ``(X_test, Y_test)`` to score with :meth:`accuracy` after each
                epoch.

        Returns:
            The cost on the whole training set after each epoch; if ``test`` is given, a
            pair ``(costs, accuracies)`` with one test accuracy per epoch.
        """
        X, Y = self._check_xy(X, Y, "rows")
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
        if (
            isinstance(mini_batch_size, bool)
            or not isinstance(mini_batch_size, (int, np.integer))
            or mini_batch_size < 1
        ):
            raise ValueError(f"mini_batch_size must be a positive integer, got {mini_batch_size!r}")
        test_xy = None if test is None else self._check_xy(test[0], test[1], "rows")
        generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)

        n = X.shape[0]
        costs: list[float] = []
        accuracies: list[float] = []
        for _ in range(epochs):
            order = generator.permutation(n)
            for start in range(0, n, mini_batch_size):
                batch = order[start : start + mini_batch_size]
                self.update_mini_batch(X[batch], Y[batch], eta)
            costs.append(self.cost(X, Y))
            if test_xy is not None:
                accuracies.append(self.accuracy(*test_xy))
        if test is None:
            return costs
        return costs, accuracies

    # ----------------------------------------------------------------- input checks

    def _check_batch(
        self, A: npt.ArrayLike, name: str, width: int, layout: Layout, batch: int | None
    ) -> Array:
        """Convert ``A`` to float64 and check its shape against the layout."""
        # A copy, so the arrays kept in a Gradients result never alias the caller's.
        arr = np.array(A, dtype=np.float64)
        axis = _feature_axis(layout)
        n = "batch" if batch is None else str(batch)
        expected = f"({width}, {n})" if layout == "columns" else f"({n}, {width})"
        ok = arr.ndim == 2 and arr.shape[axis] == width
        if ok and batch is not None:
            ok = arr.shape[1 - axis] == batch
        if not ok:
            raise ValueError(
                f"{name} must have shape {expected} for layout={layout!r}, "
                f"got shape {tuple(arr.shape)}"
            )
        if arr.shape[1 - axis] == 0:
            raise ValueError(f"{name} holds no examples (shape {tuple(arr.shape)})")
        return arr

    def _check_xy(self, X: npt.ArrayLike, Y: npt.ArrayLike, layout: Layout) -> tuple[Array, Array]:
        sizes = self.sizes
        Xa = self._check_batch(X, "X", sizes[0], layout, None)
        batch = Xa.shape[1 - _feature_axis(layout)]
        Ya = self._check_batch(Y, "Y", sizes[-1], layout, batch)
        return Xa, Ya


# --------------------------------------------------------------------------------------
# Module-level checks
# --------------------------------------------------------------------------------------


def _check_layout(layout: str) -> Layout:
    if layout == "rows":
        return "rows"
    if layout == "columns":
        return "columns"
    raise ValueError(f"unknown layout {layout!r}; known layouts: 'rows', 'columns'")


def _as_vector(v: npt.ArrayLike, name: str, width: int) -> Array:
    arr = np.array(v, dtype=np.float64)
    if arr.shape != (width,):
        raise ValueError(f"{name} must have shape ({width},), got shape {tuple(arr.shape)}")
    return arr


def _copy_weights(
    weights: Sequence[tuple[npt.ArrayLike, npt.ArrayLike]],
) -> list[tuple[Array, Array]]:
    """Copy the ``(W, b)`` pairs in as float64 and check that their shapes chain."""
    if len(weights) == 0:
        raise ValueError("a network needs at least one layer; got an empty weights list")
    copied: list[tuple[Array, Array]] = []
    for i, pair in enumerate(weights):
        layer = f"layer {i + 1} (weights[{i}])"
        if len(pair) != 2:
            raise ValueError(f"{layer} must be a (W, b) pair, got {len(pair)} items")
        W = np.array(pair[0], dtype=np.float64, copy=True)
        b = np.array(pair[1], dtype=np.float64, copy=True)
        if W.ndim != 2 or 0 in W.shape:
            raise ValueError(
                f"{layer}: W must be a non-empty 2-d (n_out, n_in) array, got shape {W.shape}"
            )
        if b.shape != (W.shape[0],):
            raise ValueError(
                f"{layer}: b has shape {b.shape} but W has shape {W.shape}; "
                f"b must have shape ({W.shape[0]},), one bias per row of W"
            )
        if copied:
            W_prev = copied[-1][0]
            if W.shape[1] != W_prev.shape[0]:
                raise ValueError(
                    f"{layer}: W has shape {W.shape}, so it expects {W.shape[1]} inputs, "
                    f"but layer {i} (weights[{i - 1}]) has W of shape {W_prev.shape}, "
                    f"i.e. {W_prev.shape[0]} outputs"
                )
        copied.append((W, b))
    return copied
