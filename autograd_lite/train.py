"""The training loop: mini-batches, a loss, an optimizer, and a record of what happened.

:func:`fit` trains a Value MLP (:class:`autograd_lite.nn.MLP`, one example at a time) or
a Tensor network (:class:`autograd_lite.nn.Sequential`, a batch at once) on a
classification data set, and returns a :class:`History`. It prints nothing: progress
goes to the callbacks ``on_epoch`` and ``on_step`` (the command line draws its progress
bar from them). The command ``autograd-lite train`` and the examples use it.

The losses, by the names used here and on the command line (``Y`` are the targets the
class labels become; ``n`` examples, ``k`` outputs; see :mod:`autograd_lite.losses` for
the formulas):

``quadratic``       ``1/(2n) sum ||Y - a||^2``; Y one-hot (k > 1) or the label 0/1 (k = 1).
                    Default output activation: sigmoid. Backprop's "quadratic".
``mse``             ``1/n sum ||Y - a||^2``, otherwise as quadratic. Backprop's "mse".
``cross_entropy``   with a linear output layer (the default when k > 1): softmax
                    cross-entropy on the logits; with a sigmoid output layer (the
                    default when k = 1): the binary cross-entropy summed over the outputs
                    (backprop's "cross_entropy"); with a softmax output layer: the
                    log-likelihood (backprop's "log_likelihood").
``hinge``           the mean of ``relu(1 - Y s)`` with Y = +1 or -1 (micrograd's demo for
                    k = 1; one-versus-rest for k > 1). Default output activation: linear.

Predictions: the largest output when k > 1; when k = 1, output above 0.5 (the middle of
the targets 0 and 1), or above 0 for ``hinge`` (targets -1 and +1).

>>> import numpy as np
>>> from autograd_lite import data, nn, optim
>>> X, y = data.make_xor(100, noise=0.0)
>>> model = nn.mlp([2, 8, 1], "tanh", "sigmoid", rng=np.random.default_rng(0))
>>> history = fit(model, X, y, loss="cross_entropy",
...               optimizer=optim.Adam(model.parameters(), 0.05), epochs=100, batch_size=20)
>>> history.train_accuracy > 0.95
True
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from . import data, losses, nn, optim
from .engine import no_grad
from .tensor import Tensor
from .value import Value

__all__ = [
    "LOSSES",
    "OPTIMIZERS",
    "EpochRecord",
    "History",
    "Objective",
    "TrainingDiverged",
    "accuracy",
    "default_output_activation",
    "fit",
    "make_optimizer",
    "objective",
    "outputs_of",
    "plot",
    "predict",
]

Array = npt.NDArray[np.float64]

#: Loss names understood by :func:`fit` and the command line.
LOSSES = ("quadratic", "mse", "cross_entropy", "hinge")
#: Optimizer names understood by :func:`make_optimizer` ("momentum": SGD with momentum 0.9).
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw", "rprop")


class TrainingDiverged(RuntimeError):
    """The loss stopped being a finite number: training cannot go on.

    ``epoch`` and ``step`` (within the epoch) count from 1; ``loss`` is the bad value.
    """

    def __init__(self, epoch: int, step: int, steps: int, loss: float, lr: float) -> None:
        self.epoch, self.step, self.loss = epoch, step, loss
        super().__init__(
            f"the loss became {loss} at epoch {epoch}, step {step} of {steps}: training "
            f"diverged (learning rate {lr:g}; try a smaller one)"
        )


# ----------------------------------------------------------------------------- losses


def default_output_activation(loss: str, outputs: int) -> str:
    """The output activation each loss expects by default (see the module docstring)."""
    _check_loss(loss)
    if loss == "hinge" or (loss == "cross_entropy" and outputs > 1):
        return "linear"
    return "sigmoid"


def _check_loss(loss: str) -> None:
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; known losses: {', '.join(LOSSES)}")


@dataclass(frozen=True)
class Objective:
    """A loss name made concrete for a network: its cost function, targets and predictions.

    Build one with :func:`objective`.
    """

    loss: str
    outputs: int
    output_activation: str
    cost: Callable[[Any, Any], Any]
    #: targets are class indices (softmax cross-entropy) rather than rows of numbers
    uses_indices: bool
    #: the value the two targets of a one-output network lie either side of
    threshold: float

    def targets(self, labels: Any) -> Any:
        """The targets the class ``labels`` become for this loss."""
        labels = np.asarray(labels, dtype=np.int64)
        if self.uses_indices:
            return labels
        if self.outputs == 1:
            rows = labels.reshape(-1, 1).astype(np.float64)
        else:
            rows = data.one_hot(labels, self.outputs)
        return 2.0 * rows - 1.0 if self.loss == "hinge" else rows

    def predict(self, outputs: Any) -> npt.NDArray[np.int64]:
        """Class labels from a batch of outputs (an ``(n, k)`` array)."""
        rows: Array = np.asarray(outputs, dtype=np.float64).reshape(-1, self.outputs)
        labels: npt.NDArray[np.int64]
        if self.outputs == 1:
            labels = (rows[:, 0] > self.threshold).astype(np.int64)
        else:
            labels = rows.argmax(axis=1).astype(np.int64)
        return labels


def objective(loss: str, outputs: int, output_activation: str | None = None) -> Objective:
    """The :class:`Objective` for ``loss`` on a network with ``outputs`` outputs.

    ``output_activation`` is the network's last activation (default: the loss's own,
    :func:`default_output_activation`). Combinations that make no sense, such as softmax
    cross-entropy on one output, raise ``ValueError``.
    """
    _check_loss(loss)
    activation = output_activation or default_output_activation(loss, outputs)
    threshold = 0.0 if loss == "hinge" else 0.5
    indices = False
    cost: Callable[[Any, Any], Any]
    if loss == "quadratic":
        cost = losses.quadratic_cost
    elif loss == "mse":
        cost = losses.mse_cost
    elif loss == "hinge":
        cost = losses.hinge_loss
    elif activation == "sigmoid":
        cost = losses.cross_entropy_cost
    elif activation == "softmax":
        if outputs < 2:
            raise ValueError("cross_entropy with a softmax output needs at least 2 outputs")
        cost = losses.log_likelihood_cost
    elif activation == "linear":
        if outputs < 2:
            raise ValueError(
                "cross_entropy on one linear output is not defined: use a sigmoid output "
                "layer (the default for one output) or two outputs"
            )
        cost, indices = losses.softmax_cross_entropy_cost, True
    else:
        raise ValueError(
            f"cross_entropy needs a sigmoid, softmax or linear (logits) output layer, "
            f"not {activation!r}"
        )
    return Objective(loss, outputs, activation, cost, indices, threshold)


def make_optimizer(name: str, parameters: Sequence[Any], lr: float) -> optim.Optimizer:
    """An optimizer by name (one of :data:`OPTIMIZERS`), with PyTorch's other defaults."""
    if name == "sgd":
        return optim.SGD(parameters, lr)
    if name == "momentum":
        return optim.SGD(parameters, lr, momentum=0.9)
    if name == "adam":
        return optim.Adam(parameters, lr)
    if name == "adamw":
        return optim.AdamW(parameters, lr)
    if name == "rprop":
        return optim.RProp(parameters, lr)
    raise ValueError(f"unknown optimizer {name!r}; known optimizers: {', '.join(OPTIMIZERS)}")


# ----------------------------------------------------------------------------- forward


def _is_value_model(model: Any) -> bool:
    return isinstance(model, nn.MLP)


def _sizes(model: Any) -> list[int]:
    sizes: list[int] = model.sizes
    return sizes


def _forward(model: Any, X: Array) -> Any:
    """The network's outputs on a batch: a Tensor, or a list of rows of Values."""
    if _is_value_model(model):
        return [[o] if isinstance(o, Value) else list(o) for o in map(model, X.tolist())]
    return model(Tensor(X))


def outputs_of(model: Any, X: Any) -> Array:
    """The network's outputs on ``X`` as an ``(n, k)`` array, without recording a graph.

    Runs in evaluation mode (no dropout); the model's mode is restored afterwards.
    """
    X = np.asarray(X, dtype=np.float64)
    was_training = getattr(model, "training", True)
    if hasattr(model, "eval"):
        model.eval()
    try:
        with no_grad(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = _forward(model, X)
    finally:
        if hasattr(model, "train"):
            model.train(was_training)
    if isinstance(out, Tensor):
        return np.asarray(out.data, dtype=np.float64).reshape(len(X), -1)
    return np.array([[v.data for v in row] for row in out], dtype=np.float64)


def predict(model: Any, X: Any, chosen: Objective) -> npt.NDArray[np.int64]:
    """The class the network picks for every row of ``X``."""
    return chosen.predict(outputs_of(model, X))


def accuracy(model: Any, X: Any, y: Any, chosen: Objective) -> float:
    """The fraction of examples whose predicted class is the label."""
    return float(np.mean(predict(model, X, chosen) == np.asarray(y)))


# ----------------------------------------------------------------------------- the loop


@dataclass(frozen=True)
class EpochRecord:
    """One epoch: the mean loss over its batches and the accuracies.

    ``train_accuracy`` is measured on the batches as they were used (each before its
    step, as micrograd's demo prints it); ``test_accuracy`` on the test set after the
    epoch (``None`` without one). ``seconds`` counts from the start of training.
    """

    epoch: int
    loss: float
    train_accuracy: float
    test_accuracy: float | None
    seconds: float


@dataclass
class History:
    """What :func:`fit` did: one record per epoch, every step's loss, the final figures.

    ``train_accuracy`` and ``test_accuracy`` are measured after training on the whole
    sets.
    """

    records: list[EpochRecord] = field(default_factory=list)
    step_losses: list[float] = field(default_factory=list)
    train_accuracy: float = math.nan
    test_accuracy: float | None = None
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        return len(self.records)

    @property
    def loss(self) -> float:
        """The last epoch's loss."""
        return self.records[-1].loss if self.records else math.nan

    @property
    def losses(self) -> list[float]:
        """Each epoch's loss."""
        return [record.loss for record in self.records]

    def summary(self) -> dict[str, Any]:
        """The final figures as a JSON-ready dict."""
        return {
            "loss": self.loss,
            "train_accuracy": self.train_accuracy,
            "test_accuracy": self.test_accuracy,
            "epochs": self.epochs,
            "seconds": round(self.seconds, 3),
        }


def fit(
    model: Any,
    X: Any,
    y: Any,
    *,
    loss: str,
    optimizer: optim.Optimizer,
    epochs: int,
    batch_size: int | None = None,
    X_test: Any = None,
    y_test: Any = None,
    l2: float = 0.0,
    rng: data.Seed = 0,
    shuffle: bool = True,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    on_step: Callable[[int, int, int, float], None] | None = None,
) -> History:
    """Train ``model`` on ``X`` (rows are examples) and class labels ``y``.

    Each epoch visits the examples in mini-batches of ``batch_size`` (``None``: the
    whole set, one step per epoch), in an order drawn from ``rng``; each step computes
    the ``loss`` (one of :data:`LOSSES`, plus ``l2 * sum p^2`` when ``l2 > 0``), runs
    ``backward`` and ``optimizer.step()``. ``on_step(epoch, step, steps, loss)`` is
    called after every step, ``on_epoch(record)`` after every epoch.

    Raises :class:`TrainingDiverged` as soon as a loss is NaN or infinite.
    """
    epochs = int(epochs)
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if l2 < 0:
        raise ValueError(f"l2 must be >= 0, got {l2}")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    sizes = _sizes(model)
    if X.ndim != 2 or X.shape[1] != sizes[0]:
        raise ValueError(f"X has shape {X.shape}; the network takes {sizes[0]} inputs per row")
    chosen = objective(loss, sizes[-1], model.activation_names[-1])
    targets = chosen.targets(y)
    parameters = list(model.parameters())
    generator = data._generator(rng)
    steps = math.ceil(len(X) / (batch_size or len(X)))
    history = History()
    start = time.perf_counter()
    if hasattr(model, "train"):
        model.train()
    for epoch in range(1, epochs + 1):
        total, correct, seen = 0.0, 0, 0
        order = data.batches(
            np.arange(len(X)), np.arange(len(X)), batch_size, shuffle=shuffle, rng=generator
        )
        for step, (chosen_rows, _) in enumerate(order, start=1):
            # Overflow is not warned about: a loss that stops being finite ends training.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                outputs = _forward(model, X[chosen_rows])
                cost = chosen.cost(outputs, targets[chosen_rows])
                if l2:
                    cost = cost + losses.l2_penalty(parameters, l2)
                value = float(cost.data)
                if not math.isfinite(value):
                    raise TrainingDiverged(epoch, step, steps, value, optimizer.lr)
                optimizer.zero_grad()
                cost.backward()
                optimizer.step()
            outputs_data = (
                outputs.data
                if isinstance(outputs, Tensor)
                else [[v.data for v in row] for row in outputs]
            )
            correct += int(np.sum(chosen.predict(outputs_data) == y[chosen_rows]))
            seen += len(chosen_rows)
            total += value * len(chosen_rows)
            history.step_losses.append(value)
            if on_step is not None:
                on_step(epoch, step, steps, value)
        test = None if X_test is None else accuracy(model, X_test, y_test, chosen)
        record = EpochRecord(epoch, total / seen, correct / seen, test, time.perf_counter() - start)
        history.records.append(record)
        if on_epoch is not None:
            on_epoch(record)
    history.train_accuracy = accuracy(model, X, y, chosen)
    history.test_accuracy = None if X_test is None else accuracy(model, X_test, y_test, chosen)
    history.seconds = time.perf_counter() - start
    return history


# ----------------------------------------------------------------------------- pictures


def _fast_copy(model: Any) -> Any:
    """A Tensor copy of a Value MLP (the same function, evaluated a batch at a time)."""
    if not _is_value_model(model):
        return model
    names = model.activation_names
    return nn.Sequential.from_weights(model.get_weights(), names[0], names[-1])


def plot(
    path: Any,
    history: History,
    *,
    model: Any = None,
    X: Any = None,
    y: Any = None,
    chosen: Objective | None = None,
    title: str = "",
) -> None:
    """Save a PNG: the loss and accuracy per epoch and, for 2-d data, the decision regions.

    ``model``, ``X``, ``y`` and ``chosen`` (the :class:`Objective`) are needed for the
    decision regions. Needs matplotlib (``pip install autograd-lite[plots]``); it draws
    with the Agg renderer, without pyplot, so no display is needed.
    """
    figure_class = _figure_class()
    regions = model is not None and X is not None and np.asarray(X).shape[1] == 2
    figure = figure_class(figsize=(11 if regions else 6, 4.5))
    axes = figure.subplots(1, 2 if regions else 1)
    left = axes[0] if regions else axes
    epochs = [r.epoch for r in history.records]
    lines = left.plot(epochs, history.losses, color="tab:blue", label="loss")
    left.set_xlabel("epoch")
    left.set_ylabel("loss")
    if min(history.losses, default=0) > 0:
        left.set_yscale("log")
    right_axis = left.twinx()
    train_accuracy = [r.train_accuracy for r in history.records]
    lines += right_axis.plot(epochs, train_accuracy, color="tab:orange", label="train accuracy")
    tests = [r.test_accuracy for r in history.records]
    if tests and all(t is not None for t in tests):
        lines += right_axis.plot(epochs, tests, color="tab:green", label="test accuracy")
    right_axis.set_ylabel("accuracy")
    right_axis.set_ylim(0, 1.02)
    left.legend(lines, [line.get_label() for line in lines], loc="center right")
    left.set_title(title or "training")
    if regions:
        assert chosen is not None
        _draw_regions(axes[1], _fast_copy(model), np.asarray(X), np.asarray(y), chosen)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def _draw_regions(axis: Any, model: Any, X: Array, y: Any, chosen: Objective) -> None:
    pad = 0.5
    (x0, y0), (x1, y1) = X.min(axis=0) - pad, X.max(axis=0) + pad
    grid_x, grid_y = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    points = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    regions = predict(model, points, chosen).reshape(grid_x.shape)
    classes = max(int(np.max(y)) + 1, 2)
    axis.contourf(
        grid_x, grid_y, regions, levels=np.arange(classes + 1) - 0.5, cmap="coolwarm", alpha=0.35
    )
    axis.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=12, edgecolors="k", linewidths=0.3)
    axis.set_title("decision regions (training points)")
    axis.set_xlim(x0, x1)
    axis.set_ylim(y0, y1)


def _figure_class() -> Any:
    """matplotlib's Figure: drawn with the Agg renderer, without pyplot's global state."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "plots need matplotlib, which is not installed: pip install autograd-lite[plots]"
        ) from None
    return Figure
