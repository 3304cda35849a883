"""Optimizers: turn gradients into parameter updates, as PyTorch's ``torch.optim`` does.

Each optimizer takes the parameters (``model.parameters()``: Values or Tensors, or a mix)
and a learning rate, and has ``zero_grad()`` and ``step()``. ``step()`` reads each
parameter's ``.grad`` and changes its ``.data`` in place (a Value's float is replaced, a
Tensor's array is overwritten); a Tensor whose ``grad`` is ``None`` is skipped, as in
PyTorch. The formulas are PyTorch's (``torch.optim.SGD``, ``Adam``, ``AdamW``,
``Rprop``), in the same order of operations, so in float64 the two agree to rounding.

A learning-rate schedule is either a function of the step index given as ``lr``, or a
scheduler object (:class:`StepLR`, :class:`LambdaLR`) stepped once per epoch:

>>> from autograd_lite import Value
>>> w = Value(3.0)
>>> opt = SGD([w], lr=lambda k: 1.0 - 0.9 * k / 100)   # micrograd's demo schedule
>>> (w * w).backward(); opt.step(); w.data                 # 3 - 1.0 * 6
-3.0
>>> opt.lr                                                  # the rate of the next step
0.991

All updates are elementwise, so the Value parameters are updated together as one vector:
for a Value MLP a step costs a few NumPy operations, not a Python loop over its weights.

The methods that use curvature live in :mod:`autograd_lite.second_order` and are public
here too: :class:`LBFGS` and :class:`Newton` (``step(closure)``, as ``torch.optim.LBFGS``;
``needs_closure`` tells a training loop so) and :func:`minimize` (SciPy's minimizers).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from .second_order import LBFGS, Newton, minimize, parameters_of
from .tensor import Tensor
from .value import Value

__all__ = [
    "LBFGS",
    "SGD",
    "Adam",
    "AdamW",
    "LambdaLR",
    "Newton",
    "Optimizer",
    "RProp",
    "StepLR",
    "minimize",
]

Array = npt.NDArray[np.float64]
LearningRate = Union[float, Callable[[int], float]]


class _Slot:
    """One block of numbers updated together: a Tensor, or all the Value parameters."""

    __slots__ = ("tensor", "values")

    def __init__(self, tensor: Tensor | None = None, values: list[Value] | None = None) -> None:
        self.tensor = tensor
        self.values = values

    def data(self) -> Array:
        if self.tensor is not None:
            return np.asarray(self.tensor.data, dtype=np.float64)
        assert self.values is not None
        return np.array([p.data for p in self.values], dtype=np.float64)

    def grad(self) -> Array | None:
        if self.tensor is not None:
            g = self.tensor.grad
            return None if g is None else np.asarray(g, dtype=np.float64)
        assert self.values is not None
        return np.array([p.grad for p in self.values], dtype=np.float64)

    def write(self, new: Array) -> None:
        if self.tensor is not None:
            np.copyto(self.tensor.data, new, casting="unsafe")  # in place: views stay valid
            self.tensor.mark_data_changed()  # graphs made before the step refuse backward
            return
        assert self.values is not None
        for p, x in zip(self.values, new.tolist()):
            p.data = x


def _check_lr(lr: Any, where: str) -> float:
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not lr > 0 or lr == math.inf:
        raise ValueError(f"{where}: learning rate lr must be a positive number, got {lr!r}")
    return float(lr)


def _check_range(value: float, name: str, low: float, high: float = math.inf) -> float:
    """``low <= value < high`` (``high`` excluded unless infinite), else a ValueError."""
    if not (low <= value and (value < high or high == math.inf)):  # NaN fails low <= value
        bound = f"[{low:g}, {high:g})" if high != math.inf else f">= {low:g}"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return float(value)


class Optimizer:
    """Base class: the parameters, the learning rate (or schedule) and ``zero_grad``.

    ``params`` is an iterable of Values and/or Tensors, or a model with ``parameters()``,
    checked by :func:`~autograd_lite.second_order.parameters_of` (not empty, each once,
    Tensors requiring a gradient). ``lr`` is a positive number or a function
    ``step -> lr`` of the step index (0 for the first ``step()``).
    """

    def __init__(self, params: Iterable[Any], lr: LearningRate) -> None:
        name = type(self).__name__
        self.params = parameters_of(params, name)
        values = [p for p in self.params if isinstance(p, Value)]
        self._slots = [_Slot(tensor=p) for p in self.params if isinstance(p, Tensor)]
        if values:
            self._slots.insert(0, _Slot(values=values))
        self._state: list[dict[str, Any]] = [{} for _ in self._slots]
        self.schedule: Callable[[int], float] | None = None
        if callable(lr):
            self.schedule = lr
            self.lr = _check_lr(lr(0), f"{name}: lr schedule at step 0")
        else:
            self.lr = _check_lr(lr, name)
        #: How many times :meth:`step` has run.
        self.steps = 0

    def zero_grad(self) -> None:
        """Reset the gradients: Values to 0.0, Tensors to None (as PyTorch)."""
        for p in self.params:
            p.zero_grad()

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter from its gradient (one optimisation step).

        ``closure``, as in PyTorch, recomputes the loss (zero_grad, forward, backward)
        and returns it; it is called first and its loss returned. These optimizers need
        it at most once; methods that evaluate the loss several times per step would
        call it more often.
        """
        loss = closure() if closure is not None else None
        lr = self.lr
        if self.schedule is not None:
            lr = float(self.schedule(self.steps))
            if not (lr >= 0 and math.isfinite(lr)):
                raise ValueError(
                    f"{type(self).__name__}: the lr schedule gave {lr!r} at step {self.steps}"
                )
        for slot, state in zip(self._slots, self._state):
            grad = slot.grad()
            if grad is not None:
                slot.write(self._update(state, slot.data(), grad, lr))
        self.steps += 1
        if self.schedule is not None:
            self.lr = float(self.schedule(self.steps))
        return loss

    def _update(self, state: dict[str, Any], data: Array, grad: Array, lr: float) -> Array:
        """The new value of ``data`` (one block of parameters) after one step."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, Nesterov and weight decay.

    As ``torch.optim.SGD``: ``g = grad + weight_decay * p``; with momentum,
    ``buf = g`` at the first step, then ``buf = momentum * buf + (1 - dampening) * g``,
    and ``g = buf`` (or ``g + momentum * buf`` with ``nesterov``); ``p = p - lr * g``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: LearningRate,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check_range(momentum, "SGD: momentum", 0.0)
        self.dampening = _check_range(dampening, "SGD: dampening", 0.0)
        self.weight_decay = _check_range(weight_decay, "SGD: weight_decay", 0.0)
        if nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening 0")
        self.nesterov = bool(nesterov)

    def _update(self, state: dict[str, Any], data: Array, grad: Array, lr: float) -> Array:
        g = grad + self.weight_decay * data if self.weight_decay else grad
        if self.momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = g.copy()
            else:
                buf = self.momentum * buf + (1.0 - self.dampening) * g
            state["momentum_buffer"] = buf
            g = g + self.momentum * buf if self.nesterov else buf
        new: Array = data - lr * g
        return new


class Adam(Optimizer):
    """Adam (Kingma and Ba), as ``torch.optim.Adam``, with optional AMSGrad.

    ``m = beta1 m + (1 - beta1) g``, ``v = beta2 v + (1 - beta2) g^2``, then
    ``p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)``.
    ``weight_decay`` adds ``weight_decay * p`` to the gradient (L2); :class:`AdamW`
    decays the weights directly instead.
    """

    _decoupled = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: LearningRate = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr)
        name = type(self).__name__
        self.betas = (
            _check_range(betas[0], f"{name}: betas[0]", 0.0, 1.0),
            _check_range(betas[1], f"{name}: betas[1]", 0.0, 1.0),
        )
        self.eps = _check_range(eps, f"{name}: eps", 0.0)
        self.weight_decay = _check_range(weight_decay, f"{name}: weight_decay", 0.0)
        self.amsgrad = bool(amsgrad)

    def _update(self, state: dict[str, Any], data: Array, grad: Array, lr: float) -> Array:
        beta1, beta2 = self.betas
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(data), exp_avg_sq=np.zeros_like(data))
            if self.amsgrad:
                state["max_exp_avg_sq"] = np.zeros_like(data)
        state["step"] += 1
        t = state["step"]
        g = grad
        if self.weight_decay:
            if self._decoupled:
                data = data * (1.0 - lr * self.weight_decay)
            else:
                g = g + self.weight_decay * data
        m = state["exp_avg"]
        m = m + (1.0 - beta1) * (g - m)  # torch's lerp towards g
        v = beta2 * state["exp_avg_sq"] + (1.0 - beta2) * (g * g)
        state["exp_avg"], state["exp_avg_sq"] = m, v
        step_size = lr / (1.0 - beta1**t)
        correction = (1.0 - beta2**t) ** 0.5
        if self.amsgrad:
            v = np.maximum(state["max_exp_avg_sq"], v)
            state["max_exp_avg_sq"] = v
        new: Array = data - step_size * (m / (np.sqrt(v) / correction + self.eps))
        return new


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter), as ``torch.optim.AdamW``.

    Each step first shrinks the weights, ``p = p (1 - lr weight_decay)``, then takes
    Adam's step on the plain gradient. The default ``weight_decay`` is PyTorch's 0.01.
    """

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: LearningRate = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


class RProp(Optimizer):
    """Resilient backpropagation (Riedmiller and Braun), as ``torch.optim.Rprop``.

    Only the sign of each gradient is used. Every weight has its own step size, starting
    at ``lr``: it grows by ``etas[1]`` while the gradient keeps its sign and shrinks by
    ``etas[0]`` when the sign flips (and that step is skipped), clamped to
    ``step_sizes = (min, max)``. Meant for full-batch training.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: LearningRate = 0.01,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50.0),
    ) -> None:
        super().__init__(params, lr)
        etaminus, etaplus = float(etas[0]), float(etas[1])
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ValueError(f"RProp: etas must satisfy 0 < etas[0] < 1 < etas[1], got {etas}")
        low, high = float(step_sizes[0]), float(step_sizes[1])
        if not 0.0 <= low <= high:
            raise ValueError(f"RProp: step_sizes must satisfy 0 <= min <= max, got {step_sizes}")
        self.etas = (etaminus, etaplus)
        self.step_sizes = (low, high)

    def _update(self, state: dict[str, Any], data: Array, grad: Array, lr: float) -> Array:
        etaminus, etaplus = self.etas
        if not state:
            state.update(prev=np.zeros_like(data), step_size=np.full_like(data, lr))
        sign = np.sign(grad * state["prev"])
        factor = np.where(sign > 0, etaplus, np.where(sign < 0, etaminus, 1.0))
        step_size = np.clip(state["step_size"] * factor, *self.step_sizes)
        g = np.where(factor == etaminus, 0.0, grad)  # after a sign change: no step, forget
        state["prev"], state["step_size"] = g, step_size
        new: Array = data - np.sign(g) * step_size
        return new


# ----------------------------------------------------------------------------- schedulers


class _Scheduler:
    """Sets ``optimizer.lr`` from the initial rate and the number of :meth:`step` calls."""

    def __init__(self, optimizer: Optimizer) -> None:
        if optimizer.schedule is not None:
            raise ValueError(f"{type(self).__name__}: the optimizer already follows an lr function")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        self._set()

    def _factor(self, epoch: int) -> float:
        raise NotImplementedError

    def _set(self) -> None:
        self.optimizer.lr = self.base_lr * self._factor(self.last_epoch)

    def step(self) -> None:
        """Advance one epoch and set the optimizer's learning rate for it."""
        self.last_epoch += 1
        self._set()


class LambdaLR(_Scheduler):
    """``lr = initial lr * lr_lambda(epoch)``, as ``torch.optim.lr_scheduler.LambdaLR``."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def _factor(self, epoch: int) -> float:
        return float(self.lr_lambda(epoch))


class StepLR(_Scheduler):
    """``lr = initial lr * gamma ** (epoch // step_size)``, as PyTorch's ``StepLR``."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size}")
        self.step_size = int(step_size)
        self.gamma = float(gamma)
        super().__init__(optimizer)

    def _factor(self, epoch: int) -> float:
        return float(self.gamma ** (epoch // self.step_size))
