"""Six optimizers on one network, then L-BFGS against Adam on the digits.

    python examples/optimizers.py            # about 3 minutes of CPU time
    python examples/optimizers.py --tune     # first redo the learning-rate search
    python examples/optimizers.py --sweep    # also XOR from seeds 0-19 (a few minutes)

1. XOR with a 2-2-1 network (tanh hidden units, a linear output, mean squared error
   on the four corners of the unit square, targets 0 and 1), from the same starting
   weights (seed 8), trained with SGD, SGD with momentum 0.9, Adam, RProp (the
   first-order optimizers of ``autograd_lite.optim``, each with the best learning
   rate of a small grid, see ``GRIDS``), L-BFGS (one iteration per step, strong Wolfe
   line search) and the damped Newton method (the exact 9 x 9 Hessian). Each runs until
   the loss is below 1e-8 or its iteration budget is spent. Prints a table
   (iterations, loss and gradient evaluations, seconds) and plots the loss against
   iterations and against seconds. Seed 8 is one where plain SGD needs thousands of
   iterations; from it, momentum, RProp and L-BFGS settle in the local minimum of
   loss 0.125 (one hidden unit does the work of two). ``--sweep`` shows how typical
   that is: how often each optimizer gets below 1e-8 from seeds 0-19.
2. The digits (1,438 training images, 359 test images) with a 64-30-10 network (tanh,
   softmax cross-entropy plus 1e-4 times the sum of the squared weights), full batch:
   L-BFGS until it converges, then Adam (learning rate 0.01) from the same weights
   until it reaches the same losses. Prints the gradient evaluations and seconds each
   needs to get within 10%, 1% and 0.1% of the lowest loss, and the test accuracies;
   plots the loss against gradient evaluations and against seconds.

Writes ``optimizers.png`` (both parts) and ``digits_hidden_units.png`` (what the first
layer of the L-BFGS network looks for, drawn by ``viz.hidden_units``) into the current
folder, or into ``--out DIR`` (``--out viz`` redraws the repository's gallery pictures). Needs
scikit-learn for the digits and matplotlib for the pictures
(``pip install autograd-lite[digits,plots]``). Seconds depend on the machine; the
iteration and evaluation counts do not. On the project's 2-core machine the whole run
took 185 s of CPU time (19 minutes of wall time while other programs ran).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograd_lite import data, losses, nn, optim, viz
from autograd_lite.files import save_figure
from autograd_lite.second_order import (
    LBFGS,
    Newton,
    flatten_gradients,
    flatten_parameters,
    unflatten_gradients,
)
from autograd_lite.tensor import Tensor
from autograd_lite.train import accuracy, objective

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])
XOR_SEED = 8
TARGET = 1e-8

#: First-order optimizers: how to make one, the learning rates tried by --tune, and the
#: best of them (fewest iterations to a loss below 1e-8 from seed 8; when none gets
#: there, every rate tried ends in the same local minimum, loss 0.125).
FIRST_ORDER: dict[str, Callable[[list[Any], float], Any]] = {
    "SGD": lambda p, lr: optim.SGD(p, lr),
    "momentum": lambda p, lr: optim.SGD(p, lr, momentum=0.9),
    "Adam": lambda p, lr: optim.Adam(p, lr),
    "RProp": lambda p, lr: optim.RProp(p, lr),
}
GRIDS = {
    "SGD": [0.1, 0.2, 0.3, 0.5, 0.7],
    "momentum": [0.01, 0.02, 0.05, 0.1],
    "Adam": [0.003, 0.01, 0.03, 0.1],
    "RProp": [0.001, 0.01, 0.1],
}
BEST_LR = {"SGD": 0.5, "momentum": 0.05, "Adam": 0.01, "RProp": 0.01}
BUDGET = {"first order": 20_000, "L-BFGS": 300, "Newton": 50}


@dataclass
class Trace:
    """One run: the loss at each iterate and when it was reached, and the evaluations."""

    name: str
    losses: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    evaluations: int = 0

    @property
    def iterations_to_target(self) -> int | None:
        """How many iterations it took to get the loss below 1e-8 (None: never)."""
        return next((k for k, loss in enumerate(self.losses) if loss < TARGET), None)


class Closure:
    """The closure of one run (zero the gradients, build the loss, backward, return it).

    It remembers the point it evaluated last: asked again at the same parameters, as
    L-BFGS and Newton do at the start of each step (PyTorch's convention), it hands
    back the same loss and gradient without computing them. ``evaluations`` counts
    the real ones.
    """

    def __init__(self, params: list[Any], loss_fn: Callable[[], Any]) -> None:
        self.params = params
        self.loss_fn = loss_fn
        self.evaluations = 0
        self._point: np.ndarray | None = None
        self._loss: Any = None
        self._gradient: np.ndarray | None = None

    def __call__(self) -> Any:
        point = flatten_parameters(self.params)
        if self._point is not None and np.array_equal(point, self._point):
            assert self._gradient is not None
            unflatten_gradients(self.params, self._gradient)
            return self._loss
        for p in self.params:
            p.zero_grad()
        loss = self.loss_fn()
        loss.backward()
        self.evaluations += 1
        self._point, self._loss = point, loss
        self._gradient = flatten_gradients(self.params)
        return loss


# ----------------------------------------------------------------------------- part 1: XOR


def xor_network(seed: int) -> tuple[Any, Callable[[], Any]]:
    model = nn.mlp([2, 2, 1], "tanh", "linear", rng=np.random.default_rng(seed))
    inputs = Tensor(XOR_X)
    return model, lambda: losses.mse_cost(model(inputs), XOR_Y)


def run_xor(
    name: str, lr: float | None = None, seed: int = XOR_SEED, first_order_budget: int | None = None
) -> Trace:
    """Train the XOR network with one optimizer until the loss is below 1e-8."""
    model, loss_fn = xor_network(seed)
    params = model.parameters()
    closure = Closure(params, loss_fn)
    step: Callable[[], Any]
    if name == "L-BFGS":
        lbfgs = LBFGS(params, max_iter=1, max_eval=25, tolerance_grad=0.0)
        step, budget = lambda: lbfgs.step(closure), BUDGET["L-BFGS"]
    elif name == "Newton":
        newton = Newton(params)
        step, budget = lambda: newton.step(closure), BUDGET["Newton"]
    else:
        first_order = FIRST_ORDER[name](params, BEST_LR[name] if lr is None else lr)
        # step(closure) calls the closure (loss and gradient), then updates, as PyTorch's.
        step, budget = (
            lambda: first_order.step(closure),
            first_order_budget or BUDGET["first order"],
        )
    trace = Trace(name)
    start = time.perf_counter()
    reached = 0.0  # when the current iterate was reached
    with np.errstate(all="ignore"):  # a learning rate that diverges just loses
        for _ in range(budget):
            loss = float(step())
            trace.losses.append(loss)
            trace.seconds.append(reached)
            if not loss < TARGET:
                reached = time.perf_counter() - start
            if loss < TARGET or not math.isfinite(loss):
                break
    trace.evaluations = closure.evaluations
    return trace


def tune() -> None:
    """The learning-rate search behind BEST_LR."""
    for name, grid in GRIDS.items():
        for lr in grid:
            trace = run_xor(name, lr)
            found = trace.iterations_to_target
            outcome = f"{found} iterations" if found is not None else "not reached"
            print(f"  {name:<9} lr {lr:<6g} {outcome}, final loss {trace.losses[-1]:.3g}")


def sweep(seeds: range = range(20), budget: int = 5_000) -> None:
    """How often each optimizer solves XOR, and its median iterations when it does."""
    print(f"XOR from seeds {seeds.start}-{seeds.stop - 1} (first-order budget {budget:,}):")
    for name in [*FIRST_ORDER, "L-BFGS", "Newton"]:
        found = [run_xor(name, seed=seed, first_order_budget=budget) for seed in seeds]
        solved = [k for trace in found if (k := trace.iterations_to_target) is not None]
        median = f", median {np.median(solved):g} iterations" if solved else ""
        print(f"  {name:<9} below {TARGET:g} from {len(solved)} of {len(found)} seeds{median}")
    print()


def xor_part() -> list[Trace]:
    print(
        f"1. XOR, 2-2-1 tanh network, seed {XOR_SEED}: iterations until the loss is below "
        f"{TARGET:g}"
    )
    print(f"   {'optimizer':<22}{'iterations':>11}{'evaluations':>13}{'seconds':>9}  final loss")
    traces = []
    for name in [*FIRST_ORDER, "L-BFGS", "Newton"]:
        trace = run_xor(name)
        traces.append(trace)
        found = trace.iterations_to_target
        setting = f"lr {BEST_LR[name]:g}" if name in BEST_LR else ""
        iterations = str(found) if found is not None else f">{len(trace.losses)}"
        seconds = trace.seconds[found] if found is not None else trace.seconds[-1]
        print(
            f"   {name + ' ' + setting:<22}{iterations:>11}{trace.evaluations:>13}"
            f"{seconds:>9.2f}  {trace.losses[-1]:.3g}"
        )
    print("   (Newton's evaluations are loss-and-gradient ones; each iteration also runs one")
    print("   backward pass that records the gradient as a graph, and 9 through that graph,")
    print("   one per row of the 9 x 9 Hessian.)")
    return traces


# ----------------------------------------------------------------------------- part 2: digits


@dataclass
class DigitsRun:
    name: str
    losses: list[float] = field(default_factory=list)  # at every gradient evaluation
    seconds: list[float] = field(default_factory=list)
    test_accuracy: float = math.nan

    def first_below(self, level: float) -> int | None:
        return next((k for k, loss in enumerate(self.losses) if loss <= level), None)


def digits_part() -> tuple[list[DigitsRun], Any]:
    digits = data.load_dataset("digits")
    chosen = objective("cross_entropy", digits.classes, "linear")
    model = nn.mlp([64, 30, 10], "tanh", "linear", rng=np.random.default_rng(0))
    start_weights = model.get_weights()
    params = model.parameters()
    matrices = [p for p in params if p.ndim == 2]  # weight decay on W, not on b
    inputs = Tensor(digits.X_train)
    runs: list[DigitsRun] = []

    def traced_loss(run: DigitsRun, clock: list[float]) -> Callable[[], Any]:
        def loss_fn() -> Any:
            loss = losses.cross_entropy(model(inputs), digits.y_train) + losses.l2_penalty(
                matrices, 1e-4
            )
            run.losses.append(loss.item())
            run.seconds.append(time.perf_counter() - clock[0])
            return loss

        return loss_fn

    lbfgs_run = DigitsRun("L-BFGS")
    clock = [time.perf_counter()]
    lbfgs = LBFGS(params, max_iter=500, max_eval=625, tolerance_change=1e-12)
    lbfgs.step(Closure(params, traced_loss(lbfgs_run, clock)))
    lbfgs_run.test_accuracy = accuracy(model, digits.X_test, digits.y_test, chosen)
    runs.append(lbfgs_run)
    trained = nn.Sequential.from_weights(model.get_weights(), "tanh", "linear")

    lowest = min(lbfgs_run.losses)
    adam_run = DigitsRun("Adam, lr 0.01")
    model.set_weights(start_weights)
    adam = optim.Adam(params, 0.01)
    closure = Closure(params, traced_loss(adam_run, clock))
    clock[0] = time.perf_counter()
    for _ in range(20_000):
        closure()
        if adam_run.losses[-1] <= lowest * 1.001:
            break
        adam.step()
    adam_run.test_accuracy = accuracy(model, digits.X_test, digits.y_test, chosen)
    runs.append(adam_run)

    print(
        "\n2. Digits, 64-30-10 tanh, softmax cross-entropy + 1e-4 |W|^2, full batch "
        f"(lowest loss found: {lowest:.5f})"
    )
    print(f"   {'within':<8}" + "".join(f"{run.name + ': evals, s':>28}" for run in runs))
    for excess in (0.1, 0.01, 0.001):
        cells = []
        for run in runs:
            k = run.first_below(lowest * (1 + excess))
            cells.append("never" if k is None else f"{k + 1}, {run.seconds[k]:.2f}")
        print(f"   {excess:<8.1%}" + "".join(f"{cell:>28}" for cell in cells))
    for run in runs:
        print(
            f"   {run.name}: {len(run.losses)} gradient evaluations, "
            f"{run.seconds[-1]:.2f} s, test accuracy {run.test_accuracy:.2%}"
        )
    return runs, trained


# ----------------------------------------------------------------------------- pictures


def plot(path: Path, traces: list[Trace], runs: list[DigitsRun]) -> None:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(12, 9))
    (by_iteration, by_time), (by_evaluation, digits_time) = figure.subplots(2, 2)
    for trace in traces:
        iterations = np.arange(1, len(trace.losses) + 1)
        by_iteration.plot(iterations, trace.losses, label=trace.name)
        by_time.plot(np.maximum(trace.seconds, 1e-4), trace.losses, label=trace.name)
    for axis, x_label in ((by_iteration, "iteration"), (by_time, "seconds")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.axhline(TARGET, color="grey", linestyle=":", linewidth=1)
        axis.set_xlabel(x_label)
        axis.set_ylabel("loss (mean squared error)")
        axis.set_title(f"XOR, 2-2-1 tanh, seed {XOR_SEED}: loss by {x_label}")
        axis.legend(fontsize=8)
    lowest = min(min(run.losses) for run in runs)
    for run in runs:
        best = np.minimum.accumulate(run.losses) - lowest
        excess = np.maximum(best, 1e-9)
        evaluations = np.arange(1, len(run.losses) + 1)
        by_evaluation.plot(evaluations, excess, label=run.name)
        digits_time.plot(np.maximum(run.seconds, 1e-3), excess, label=run.name)
    for axis, x_label in ((by_evaluation, "gradient evaluations"), (digits_time, "seconds")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel(x_label)
        axis.set_ylabel("best loss so far - lowest loss")
        axis.set_title(f"digits, 64-30-10, full batch: by {x_label}")
        axis.legend(fontsize=8)
    figure.tight_layout()
    save_figure(figure, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tune", action="store_true", help="redo the learning-rate search")
    parser.add_argument("--sweep", action="store_true", help="XOR from 20 seeds as well")
    parser.add_argument("--out", metavar="DIR", default=".", help="where to write (.)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if args.tune:
        print("Learning rates for XOR (seed 8):")
        tune()
    if args.sweep:
        sweep()
    traces = xor_part()
    runs, trained = digits_part()
    out.mkdir(parents=True, exist_ok=True)
    plot(out / "optimizers.png", traces, runs)
    viz.hidden_units(trained, image_shape=(8, 8), path=out / "digits_hidden_units.png")
    print(f"\nwrote {out / 'optimizers.png'} and {out / 'digits_hidden_units.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
