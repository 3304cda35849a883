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

Optimizers that use curvature take full-batch steps: :func:`fit` gives
:class:`~autograd_lite.second_order.LBFGS` and :class:`~autograd_lite.second_order.Newton`
(any optimizer with ``needs_closure``) a closure over the whole training set, one step per
epoch; :func:`fit_minimize` hands the whole training to one of SciPy's minimizers
(conjugate gradients by default), one epoch per iteration.

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from . import data, losses, nn, optim, second_order
from .engine import no_grad
from .files import save_figure
from .tensor import Tensor
from .value import Value

__all__ = [
    "LOSSES",
    "OPTIMIZERS",
    "EpochRecord",
    "History",
    "CannotLearn",
    "LOSS_LIMIT",
    "Objective",
    "TrainingDiverged",
    "accuracy",
    "default_output_activation",
    "fit",
    "fit_minimize",
    "make_optimizer",
    "objective",
    "outputs_of",
    "plot",
    "predict",
]

Array = npt.NDArray[np.float64]
#: What :func:`fit` trains with: a first-order optimizer (``step()`` after ``backward``)
#: or one that calls a closure (``needs_closure``: L-BFGS, Newton).
AnyOptimizer = Union[optim.Optimizer, second_order.LBFGS, second_order.Newton]

#: Loss names understood by :func:`fit` and the command line.
LOSSES = ("quadratic", "mse", "cross_entropy", "hinge")
#: Optimizer names understood by :func:`make_optimizer` ("momentum": SGD with momentum 0.9;
#: "lbfgs" and "newton" take full-batch steps).
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw", "rprop", "lbfgs", "newton")


#: A loss above this has diverged (the losses here measure classification errors: a
#: network that learns keeps them near 1, and one that reaches 1e10 is on its way to inf).
LOSS_LIMIT = 1e10


class TrainingDiverged(RuntimeError):
    """The loss stopped being a finite number, or grew past :data:`LOSS_LIMIT`.

    ``epoch`` and ``step`` (within the epoch) count from 1; ``loss`` is the bad value;
    ``lr`` the optimizer's learning rate (``None`` for one without, such as Newton);
    ``limit`` the bound the loss grew past (``None`` when it became NaN or infinite).
    """

    def __init__(
        self,
        epoch: int,
        step: int,
        steps: int,
        loss: float,
        lr: float | None,
        limit: float | None = None,
    ) -> None:
        self.epoch, self.step, self.loss, self.limit = epoch, step, loss, limit
        advice = (
            "the optimizer has no learning rate to lower"
            if lr is None
            else f"learning rate {lr:g}; try a smaller one"
        )
        what = f"became {loss}" if limit is None else f"grew to {loss:.3g}, past {limit:g},"
        super().__init__(
            f"the loss {what} at epoch {epoch}, step {step} of {steps}: training "
            f"diverged ({advice})"
        )

    def summary(self) -> dict[str, Any]:
        """What happened as a JSON-ready dict (a NaN or infinite loss as a string)."""
        loss = self.loss if math.isfinite(self.loss) else str(self.loss)
        return {
            "error": "training diverged",
            "reason": str(self),
            "epoch": self.epoch,
            "step": self.step,
            "loss": loss,
        }


def _diverged(value: float, limit: float) -> bool:
    return not math.isfinite(value) or value > limit


class CannotLearn(ValueError):
    """The network, loss and labels cannot learn the task, whatever the training: refused
    before training with the reason (softmax over one output is always 1, for instance)."""


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
    :func:`default_output_activation`). Networks that cannot learn, whatever the
    training, raise :class:`CannotLearn` (a ``ValueError``) with the reason: a softmax
    over one output (always 1), hinge loss on one sigmoid output (always on the class-1
    side of its threshold 0), cross-entropy on one linear output. Other combinations that
    make no sense (cross-entropy on a tanh output) raise ``ValueError``. Binary
    cross-entropy on one sigmoid output, and every loss on two or more outputs, learn.
    """
    _check_loss(loss)
    activation = output_activation or default_output_activation(loss, outputs)
    if activation == "softmax" and outputs < 2:
        raise CannotLearn(
            "a softmax over one output is always 1, whatever the input, so nothing can be "
            "learned: use a sigmoid output layer for one output, or two outputs"
        )
    if loss == "hinge" and outputs == 1 and activation == "sigmoid":
        raise CannotLearn(
            "hinge loss classifies one output by its sign (targets -1 and +1), but a "
            "sigmoid output is always positive, so every example would be class 1: use a "
            "linear (the default) or tanh output layer"
        )
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
        cost = losses.log_likelihood_cost
    elif activation == "linear":
        if outputs < 2:
            raise CannotLearn(
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


def make_optimizer(name: str, parameters: Sequence[Any], lr: float | None) -> AnyOptimizer:
    """An optimizer by name (one of :data:`OPTIMIZERS`), with PyTorch's other defaults.

    ``"lbfgs"`` is :class:`~autograd_lite.second_order.LBFGS` with the strong Wolfe line
    search (``lr`` is its first trial step, 1 when ``None``); ``"newton"`` is
    :class:`~autograd_lite.second_order.Newton`, which has no learning rate (``lr`` is
    ignored) and refuses, with a ``ValueError`` naming the size, a network of more than
    2,000 parameters. The first-order optimizers need a positive ``lr``.
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; known optimizers: {', '.join(OPTIMIZERS)}")
    if name == "lbfgs":
        return second_order.LBFGS(parameters, lr=lr or 1.0, line_search="strong_wolfe")
    if name == "newton":
        return second_order.Newton(parameters)
    if lr is None:
        raise ValueError(f"the {name} optimizer needs a learning rate lr, got None")
    if name == "sgd":
        return optim.SGD(parameters, lr)
    if name == "momentum":
        return optim.SGD(parameters, lr, momentum=0.9)
    if name == "adam":
        return optim.Adam(parameters, lr)
    if name == "adamw":
        return optim.AdamW(parameters, lr)
    return optim.RProp(parameters, lr)


# ----------------------------------------------------------------------------- forward


def _is_value_model(model: Any) -> bool:
    return isinstance(model, nn.MLP)


def _quiet() -> np.errstate:
    """No warnings from overflow: a loss that stops being finite ends training instead."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


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
        with no_grad(), _quiet():
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
    sets. ``evaluations`` counts how many times the loss and its gradient were computed:
    one per step for the first-order optimizers (each on one batch); for full-batch
    training every evaluation on the whole training set (L-BFGS's line search, Newton's
    trial steps, SciPy's function evaluations; Newton's Hessian passes are not counted).
    ``message`` is how SciPy's minimizer ended (:func:`fit_minimize` only).
    """

    records: list[EpochRecord] = field(default_factory=list)
    step_losses: list[float] = field(default_factory=list)
    train_accuracy: float = math.nan
    test_accuracy: float | None = None
    seconds: float = 0.0
    evaluations: int = 0
    message: str | None = None

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
            "evaluations": self.evaluations,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class _Problem:
    """A classification problem made ready to train on: arrays checked, targets made.

    ``start`` is when training started (``time.perf_counter()``), for the records' times.
    """

    model: Any
    X: Array
    y: npt.NDArray[np.int64]
    chosen: Objective
    targets: Any
    parameters: list[Any]
    l2: float
    X_test: Any
    y_test: Any
    start: float

    def cost(self, rows: Any = None) -> tuple[Any, Any]:
        """The network's outputs and the loss (plus the L2 term) on ``X[rows]`` (all: None)."""
        X, targets = (self.X, self.targets) if rows is None else (self.X[rows], self.targets[rows])
        outputs = _forward(self.model, X)
        cost = self.chosen.cost(outputs, targets)
        if self.l2:
            cost = cost + losses.l2_penalty(self.parameters, self.l2)
        return outputs, cost

    def correct(self, outputs: Any, rows: Any = None) -> int:
        """How many of the examples ``rows`` (all: None) the ``outputs`` classify right."""
        labels = self.y if rows is None else self.y[rows]
        return int(np.sum(self.chosen.predict(_numbers(outputs)) == labels))

    def test_accuracy(self) -> float | None:
        """The accuracy on the test set now (``None`` without one)."""
        if self.X_test is None:
            return None
        return accuracy(self.model, self.X_test, self.y_test, self.chosen)

    def record(
        self, history: History, epoch: int, loss: float, train_accuracy: float
    ) -> EpochRecord:
        """Add the record of ``epoch`` (its test accuracy measured now) to ``history``."""
        test = self.test_accuracy()
        record = EpochRecord(epoch, loss, train_accuracy, test, time.perf_counter() - self.start)
        history.records.append(record)
        return record

    def finish(self, history: History) -> History:
        """The final accuracies and time of ``history``, which is returned."""
        history.train_accuracy = accuracy(self.model, self.X, self.y, self.chosen)
        history.test_accuracy = self.test_accuracy()
        history.seconds = time.perf_counter() - self.start
        return history


def _problem(
    model: Any, X: Any, y: Any, loss: str, epochs: int, l2: float, X_test: Any, y_test: Any
) -> _Problem:
    """The checked arguments of :func:`fit` and :func:`fit_minimize`.

    Also puts the model in training mode and starts the clock.
    """
    if int(epochs) < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if l2 < 0:
        raise ValueError(f"l2 must be >= 0, got {l2}")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    sizes: list[int] = model.sizes
    if X.ndim != 2 or X.shape[1] != sizes[0]:
        raise ValueError(f"X has shape {X.shape}; the network takes {sizes[0]} inputs per row")
    chosen = objective(loss, sizes[-1], model.activation_names[-1])
    _check_labels(y, sizes[-1])
    if hasattr(model, "train"):
        model.train()
    return _Problem(
        model,
        X,
        y,
        chosen,
        chosen.targets(y),
        list(model.parameters()),
        l2,
        X_test,
        y_test,
        time.perf_counter(),
    )


def _check_labels(y: npt.NDArray[np.int64], outputs: int) -> None:
    """Refuse labels the network's outputs cannot tell apart (CannotLearn) or that are
    not class numbers 0, 1, ... (ValueError)."""
    if y.ndim != 1 or (y.size and int(y.min()) < 0):
        raise ValueError("y must be class labels 0, 1, 2, ... (one per row of X)")
    classes = int(y.max()) + 1 if y.size else 0
    if outputs == 1 and classes > 2:
        raise CannotLearn(
            f"one output separates two classes, but the labels name {classes}: use "
            f"{classes} outputs"
        )
    if outputs > 1 and classes > outputs:
        raise CannotLearn(
            f"{outputs} outputs stand for {outputs} classes, but the labels name {classes}: "
            f"use {classes} outputs"
        )


def _numbers(outputs: Any) -> Any:
    """The numbers of a batch of outputs (a Tensor, or rows of Values)."""
    if isinstance(outputs, Tensor):
        return outputs.data
    return [[v.data for v in row] for row in outputs]


def fit(
    model: Any,
    X: Any,
    y: Any,
    *,
    loss: str,
    optimizer: AnyOptimizer,
    epochs: int,
    batch_size: int | None = None,
    X_test: Any = None,
    y_test: Any = None,
    l2: float = 0.0,
    rng: data.Seed = 0,
    shuffle: bool = True,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    on_step: Callable[[int, int, int, float], None] | None = None,
    loss_limit: float = LOSS_LIMIT,
) -> History:
    """Train ``model`` on ``X`` (rows are examples) and class labels ``y``.

    Each epoch visits the examples in mini-batches of ``batch_size`` (``None``: the
    whole set, one step per epoch), in an order drawn from ``rng``; each step computes
    the ``loss`` (one of :data:`LOSSES`, plus ``l2 * sum p^2`` when ``l2 > 0``), runs
    ``backward`` and ``optimizer.step()``. ``on_step(epoch, step, steps, loss)`` is
    called after every step, ``on_epoch(record)`` after every epoch.

    An optimizer with ``needs_closure`` (:class:`~autograd_lite.second_order.LBFGS`,
    :class:`~autograd_lite.second_order.Newton`) takes one full-batch step per epoch,
    ``optimizer.step(closure)``; the closure computes the loss on the whole training set
    and may be called several times per step. ``batch_size`` must then be ``None`` (or
    at least the number of examples). The epoch's loss and training accuracy are those
    of the closure's first call, at the start of the step (the loss ``step`` returns).

    Refuses, before training, a network that cannot learn the task (:class:`CannotLearn`,
    see :func:`objective`; also labels for more classes than the outputs can tell apart).
    Raises :class:`TrainingDiverged` as soon as a loss is NaN or infinite, or above
    ``loss_limit`` (:data:`LOSS_LIMIT`, 1e10).
    """
    problem = _problem(model, X, y, loss, epochs, l2, X_test, y_test)
    X = problem.X
    full_batch = bool(getattr(optimizer, "needs_closure", False))
    if full_batch and batch_size is not None and batch_size < len(X):
        raise ValueError(
            f"{type(optimizer).__name__} takes full-batch steps: batch_size must be None "
            f"(or at least {len(X)}, the number of examples), got {batch_size}"
        )
    steps = 1 if full_batch else math.ceil(len(X) / (batch_size or len(X)))
    generator = data._generator(rng)
    history = History()

    def diverged(epoch: int, step: int, steps: int, value: float) -> TrainingDiverged:
        # The rate of the step that diverged (a schedule changes it from step to step).
        limit = loss_limit if math.isfinite(value) else None
        return TrainingDiverged(epoch, step, steps, value, getattr(optimizer, "lr", None), limit)

    def full_batch_step(epoch: int) -> Iterator[tuple[Any, Any, float]]:
        first: list[Any] = []  # the outputs of the closure's first call

        def loss_fn() -> Any:
            outputs, cost = problem.cost()
            if not first:
                first.append(outputs)
            return cost

        closure = second_order.make_closure(problem.parameters, loss_fn)
        closure_optimizer: Any = optimizer  # step(closure), evaluations
        before = closure_optimizer.evaluations
        with _quiet():
            value = float(closure_optimizer.step(closure).data)
        history.evaluations += closure_optimizer.evaluations - before
        if _diverged(value, loss_limit):
            raise diverged(epoch, 1, 1, value)
        yield None, first[0], value

    def mini_batch_steps(epoch: int) -> Iterator[tuple[Any, Any, float]]:
        first_order: Any = optimizer  # zero_grad(), step()
        order = data.batch_indices(len(X), batch_size, shuffle=shuffle, rng=generator)
        for step, rows in enumerate(order, start=1):
            with _quiet():
                outputs, cost = problem.cost(rows)
                value = float(cost.data)
                if _diverged(value, loss_limit):
                    raise diverged(epoch, step, steps, value)
                first_order.zero_grad()
                cost.backward()
                first_order.step()
            history.evaluations += 1
            yield rows, outputs, value

    take_steps = full_batch_step if full_batch else mini_batch_steps
    for epoch in range(1, int(epochs) + 1):
        total, correct, seen = 0.0, 0, 0
        for step, (rows, outputs, value) in enumerate(take_steps(epoch), start=1):
            count = len(X) if rows is None else len(rows)
            correct += problem.correct(outputs, rows)
            seen += count
            total += value * count
            history.step_losses.append(value)
            if on_step is not None:
                on_step(epoch, step, steps, value)
        record = problem.record(history, epoch, total / seen, correct / seen)
        if on_epoch is not None:
            on_epoch(record)
    return problem.finish(history)


def fit_minimize(
    model: Any,
    X: Any,
    y: Any,
    *,
    loss: str,
    epochs: int,
    method: str = "CG",
    X_test: Any = None,
    y_test: Any = None,
    l2: float = 0.0,
    on_epoch: Callable[[EpochRecord], None] | None = None,
    on_step: Callable[[int, int, int, float], None] | None = None,
    loss_limit: float = LOSS_LIMIT,
) -> History:
    """Train ``model`` with one of SciPy's minimizers on the whole training set.

    One call of :func:`autograd_lite.second_order.minimize` with ``method`` (conjugate
    gradients by default) and ``options={"maxiter": epochs}``: one epoch is one of its
    iterations. The loss is as for :func:`fit`. After each iteration SciPy hands over
    the parameters it reached; the network is evaluated there (without a graph) for the
    epoch's record: the loss and training accuracy *after* the iteration, and the test
    accuracy. ``on_step(epoch, 1, 1, loss)`` and ``on_epoch(record)`` are then called.
    SciPy may stop before ``epochs`` iterations (converged, or no step along the
    search direction lowers the loss): ``history.message`` is its reason and
    ``history.evaluations`` its number of function evaluations.

    Needs SciPy: without it an ImportError says ``pip install autograd-lite[scipy]``.
    Raises :class:`TrainingDiverged` if a loss SciPy reaches is NaN or infinite, or above
    ``loss_limit``; :class:`CannotLearn` as :func:`fit` does.

    >>> import numpy as np
    >>> from autograd_lite import data, nn
    >>> X, y = data.make_moons(100, rng=0)
    >>> model = nn.mlp([2, 8, 1], "tanh", "sigmoid", rng=np.random.default_rng(0))
    >>> history = fit_minimize(model, X, y, loss="cross_entropy", epochs=100)
    >>> history.losses[-1] < history.losses[0] / 2, history.train_accuracy > 0.9
    (True, True)
    """
    problem = _problem(model, X, y, loss, epochs, l2, X_test, y_test)
    history = History()

    def loss_fn() -> Any:
        return problem.cost()[1]

    def after_iteration(x: Array) -> None:
        epoch = len(history.records) + 1
        second_order.unflatten_parameters(problem.parameters, x)
        with no_grad(), _quiet():
            outputs, cost = problem.cost()
        value = float(cost.data)
        if _diverged(value, loss_limit):
            limit = loss_limit if math.isfinite(value) else None
            raise TrainingDiverged(epoch, 1, 1, value, None, limit)
        record = problem.record(history, epoch, value, problem.correct(outputs) / len(problem.X))
        history.step_losses.append(value)
        if on_step is not None:
            on_step(epoch, 1, 1, value)
        if on_epoch is not None:
            on_epoch(record)

    with _quiet():
        result = second_order.minimize(
            model,
            loss_fn,
            method=method,
            callback=after_iteration,
            options={"maxiter": int(epochs)},
        )
    history.evaluations = int(getattr(result, "nfev", 0))
    history.message = str(result.message)
    return problem.finish(history)


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
    save_figure(figure, path)


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
