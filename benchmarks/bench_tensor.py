"""Tensor engine against hand-written NumPy backpropagation and PyTorch (not a timed test).

One training step's gradient computation, float64, one thread, five ways:

- NumPy closed form: the network written out by hand, the four backpropagation
  equations BP1-BP4 vectorised over the batch (the floor any engine on NumPy can reach);
- autograd-lite, natural code: ``a @ W.T + b``, ``.sigmoid()``, and the loss written
  out, ``((a - Tensor(Y)) ** 2).sum() * (1.0 / n)`` or
  ``-(z.log_softmax(axis=1)[rows, labels]).mean()``: the graph a user steps through is
  the graph written here, one node per operation;
- autograd-lite, fused ops: ``linear(a, W, b)`` layers and the fused losses ``mse`` and
  ``cross_entropy`` (one node each);
- PyTorch 2.13, the same natural code on torch tensors;
- PyTorch 2.13, fused ops: ``F.linear``, ``F.mse_loss``, ``F.cross_entropy``.

Each iteration is forward + loss + backward (gradients of every weight and bias, no
optimizer step). Networks, hidden layers sigmoid:

- 2-16-16-1, batch 100, identity output, mean squared error;
- 784-128-64-10, batch 64, softmax cross-entropy (mean over the batch);
- 784-1024-1024-10, batch 256, softmax cross-entropy.

Before timing, every way's loss and gradients are checked against the closed form's.
The ways take turns within each round (interleaved, so a slow spell of the machine hits
all of them alike); the table gives the median time per iteration and, for each way, the
median over the rounds of its ratio to the closed form in the same round, with the
lowest and highest single round in brackets. Time is the process's CPU time by default
(one thread: the same as wall time on an idle machine, and less disturbed by other
processes on a busy one); ``--clock wall`` uses wall time.

    .venv/bin/python benchmarks/bench_tensor.py [--quick] [--rounds N] [--clock wall]
    .venv/bin/python benchmarks/bench_tensor.py --profile   # cProfile of the natural code

BLAS runs on one thread: the script sets OMP_NUM_THREADS=1 (and the OpenBLAS and MKL
equivalents) before NumPy loads, unless they are set already, and
``torch.set_num_threads(1)``.
"""

from __future__ import annotations

import os

if __name__ == "__main__":  # before NumPy loads its BLAS; importing this module changes nothing
    for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_variable, "1")

import argparse
import cProfile
import itertools
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd_lite.losses import cross_entropy, mse
from autograd_lite.tensor import Tensor, linear

Array = np.ndarray[Any, Any]
Weights = list[tuple[Array, Array]]
Step = Callable[[], tuple[float, Weights]]


@dataclass(frozen=True)
class Workload:
    name: str
    sizes: tuple[int, ...]
    batch: int
    cost: str  # "mse" (identity output) or "cross_entropy" (softmax output)
    floor: float  # the natural code's ratio to the closed form must stay under this


WORKLOADS = (
    Workload("2-16-16-1, batch 100, MSE", (2, 16, 16, 1), 100, "mse", 1.6),
    Workload("784-128-64-10, batch 64, CE", (784, 128, 64, 10), 64, "cross_entropy", 1.15),
    Workload("784-1024-1024-10, batch 256, CE", (784, 1024, 1024, 10), 256, "cross_entropy", 1.05),
)


def make_problem(
    sizes: tuple[int, ...], batch: int, cost: str, seed: int = 0
) -> tuple[Weights, Array, Array]:
    """Weights in the project's (W, b) format (W is (n_out, n_in)), inputs and targets
    (a (batch, n_out) array for MSE, integer class labels for cross-entropy)."""
    rng = np.random.default_rng(seed)
    weights = []
    for n_in, n_out in itertools.pairwise(sizes):
        bound = 1.0 / np.sqrt(n_in)
        weights.append(
            (rng.uniform(-bound, bound, (n_out, n_in)), rng.uniform(-bound, bound, n_out))
        )
    x = rng.standard_normal((batch, sizes[0]))
    y: Array
    if cost == "mse":
        y = rng.standard_normal((batch, sizes[-1]))
    else:
        y = rng.integers(0, sizes[-1], batch)
    return weights, x, y


# ----------------------------------------------------------------------------- NumPy closed form


def numpy_closed_form(weights: Weights, x: Array, y: Array, cost: str) -> tuple[float, Weights]:
    """Loss and gradients by BP1-BP4, written out for sigmoid hidden layers.

    BP1: delta^L = dC/da^L * sigma'(z^L)   (identity output + MSE: 2 (a - y) / n;
                                            softmax + cross-entropy: (p - onehot) / n)
    BP2: delta^l = (delta^{l+1} W^{l+1}) * sigma'(z^l), with sigma' = a (1 - a)
    BP3: dC/db^l = sum of delta^l over the batch
    BP4: dC/dW^l = delta^l^T a^{l-1}
    """
    activations = [x]
    a = x
    last = len(weights) - 1
    for layer, (W, b) in enumerate(weights):
        z = a @ W.T + b
        a = z if layer == last else 1.0 / (1.0 + np.exp(-z))
        activations.append(a)
    n = x.shape[0]
    if cost == "mse":
        error = a - y
        loss = float(np.mean(error * error))
        delta = error * (2.0 / error.size)
    else:
        shifted = a - a.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        rows = np.arange(n)
        loss = float(-log_p[rows, y].mean())
        delta = np.exp(log_p)
        delta[rows, y] -= 1.0
        delta /= n
    grads: Weights = []
    for layer in range(last, -1, -1):
        a_prev = activations[layer]
        grads.append((delta.T @ a_prev, delta.sum(axis=0)))
        if layer > 0:
            delta = (delta @ weights[layer][0]) * (a_prev * (1.0 - a_prev))
    return loss, grads[::-1]


def make_numpy(weights: Weights, x: Array, y: Array, cost: str) -> Step:
    return lambda: numpy_closed_form(weights, x, y, cost)


# ----------------------------------------------------------------------------- autograd-lite


def make_ours(weights: Weights, x: Array, y: Array, cost: str, fused: bool) -> Step:
    """One step of autograd-lite: the natural code, or the fused ops (``fused=True``)."""
    params = [(Tensor(W, requires_grad=True), Tensor(b, requires_grad=True)) for W, b in weights]
    inputs = Tensor(x)
    last = len(params) - 1
    rows = np.arange(x.shape[0])
    n = y.size  # MSE: the mean over every element

    def natural() -> tuple[float, Weights]:
        for W, b in params:
            W.zero_grad()
            b.zero_grad()
        a = inputs
        for layer, (W, b) in enumerate(params):
            a = a @ W.T + b
            if layer < last:
                a = a.sigmoid()
        if cost == "mse":
            loss = ((a - Tensor(y)) ** 2).sum() * (1.0 / n)
        else:
            loss = -(a.log_softmax(axis=1)[rows, y]).mean()
        loss.backward()
        return loss.item(), [(W.grad, b.grad) for W, b in params]

    def with_fused_ops() -> tuple[float, Weights]:
        for W, b in params:
            W.zero_grad()
            b.zero_grad()
        a = inputs
        for layer, (W, b) in enumerate(params):
            a = linear(a, W, b)
            if layer < last:
                a = a.sigmoid()
        loss = mse(a, y) if cost == "mse" else cross_entropy(a, y)
        loss.backward()
        return loss.item(), [(W.grad, b.grad) for W, b in params]

    return with_fused_ops if fused else natural


# ----------------------------------------------------------------------------- PyTorch


def make_torch(weights: Weights, x: Array, y: Array, cost: str, fused: bool) -> Step | None:
    """The same two ways in PyTorch (None when PyTorch is not installed)."""
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    torch.set_num_threads(1)
    params = [
        (torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
        for W, b in weights
    ]
    inputs = torch.from_numpy(x)
    targets = torch.from_numpy(y)
    last = len(params) - 1
    rows = torch.arange(x.shape[0])
    n = y.size

    def grads() -> Weights:
        out = []
        for W, b in params:
            assert W.grad is not None and b.grad is not None
            out.append((W.grad.numpy(), b.grad.numpy()))
        return out

    def natural() -> tuple[float, Weights]:
        for W, b in params:
            W.grad = b.grad = None
        a = inputs
        for layer, (W, b) in enumerate(params):
            a = a @ W.T + b
            if layer < last:
                a = a.sigmoid()
        if cost == "mse":
            loss = ((a - targets) ** 2).sum() * (1.0 / n)
        else:
            loss = -(a.log_softmax(dim=1)[rows, targets]).mean()
        loss.backward()
        return loss.item(), grads()

    def with_fused_ops() -> tuple[float, Weights]:
        for W, b in params:
            W.grad = b.grad = None
        a = inputs
        for layer, (W, b) in enumerate(params):
            a = F.linear(a, W, b)
            if layer < last:
                a = torch.sigmoid(a)
        loss = F.mse_loss(a, targets) if cost == "mse" else F.cross_entropy(a, targets)
        loss.backward()
        return loss.item(), grads()

    return with_fused_ops if fused else natural


# ----------------------------------------------------------------------------- timing

CLOSED_FORM = "NumPy closed form (BP1-BP4)"
NATURAL = "autograd-lite, natural code"
FUSED = "autograd-lite, fused ops"
TORCH_NATURAL = "PyTorch, natural code"
TORCH_FUSED = "PyTorch, fused ops"


def contenders(work: Workload) -> dict[str, Step]:
    weights, x, y = make_problem(work.sizes, work.batch, work.cost)
    steps: dict[str, Step | None] = {
        CLOSED_FORM: make_numpy(weights, x, y, work.cost),
        NATURAL: make_ours(weights, x, y, work.cost, fused=False),
        FUSED: make_ours(weights, x, y, work.cost, fused=True),
        TORCH_NATURAL: make_torch(weights, x, y, work.cost, fused=False),
        TORCH_FUSED: make_torch(weights, x, y, work.cost, fused=True),
    }
    return {name: step for name, step in steps.items() if step is not None}


def check_agreement(steps: dict[str, Step]) -> None:
    """Every way's loss and gradients equal the closed form's (to rounding)."""
    reference_loss, reference = steps[CLOSED_FORM]()
    for name, step in steps.items():
        loss, grads = step()
        assert abs(loss - reference_loss) <= 1e-12 * max(1.0, abs(reference_loss)), name
        for (gW, gb), (rW, rb) in zip(grads, reference):
            np.testing.assert_allclose(gW, rW, rtol=1e-9, atol=1e-14, err_msg=name)
            np.testing.assert_allclose(gb, rb, rtol=1e-9, atol=1e-14, err_msg=name)


def calls_for(step: Step, budget: float, clock: Callable[[], float]) -> int:
    """How many calls fill ``budget`` seconds (at least 1), measured after a warm-up."""
    step()
    start = clock()
    step()
    step()
    once = max((clock() - start) / 2, 1e-7)
    return max(1, int(budget / once))


def time_interleaved(
    steps: dict[str, Step], rounds: int, budget: float, clock: Callable[[], float]
) -> dict[str, list[float]]:
    """Seconds per call of each way in each round; the ways take turns in every round."""
    calls = {name: calls_for(step, budget, clock) for name, step in steps.items()}
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            number = calls[name]
            start = clock()
            for _ in range(number):
                step()
            samples[name].append((clock() - start) / number)
    return samples


def format_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.0f} us"
    return f"{seconds * 1e3:,.1f} ms"


def profile(step: Step, calls: int, top: int = 16) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        step()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 short rounds (a rough table)")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (15)")
    parser.add_argument("--clock", choices=("cpu", "wall"), default="cpu", help="what to time")
    parser.add_argument("--profile", action="store_true", help="cProfile the natural code")
    args = parser.parse_args()
    rounds, budget = (5, 0.05) if args.quick else (max(1, args.rounds), 0.2)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter

    try:
        import torch

        torch_version = str(torch.__version__)
    except ImportError:
        torch_version = "not installed"
    print(
        f"Python {sys.version.split()[0]}, NumPy {np.__version__}, PyTorch {torch_version}; "
        f"float64, one thread (OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, torch "
        f"threads 1); {args.clock} time"
    )
    print(
        f"forward + loss + backward per iteration: median over {rounds} interleaved rounds;\n"
        "ratio to the closed form: median of the rounds' ratios [lowest - highest round]\n"
    )
    summary = []
    for work in WORKLOADS:
        steps = contenders(work)
        check_agreement(steps)
        if args.profile:
            print(f"cProfile of the natural code, {work.name}:")
            once = calls_for(steps[NATURAL], 0.0, clock)
            profile(steps[NATURAL], calls=max(3, 200 * once))
            continue
        samples = time_interleaved(steps, rounds, budget, clock)
        base = samples[CLOSED_FORM]
        print(f"{work.name} (floor for the natural code: {work.floor:.2f}x)")
        cells = []
        for name, times in samples.items():
            ratios = sorted(t / b for t, b in zip(times, base))
            ratio = statistics.median(ratios)
            line = f"  {name:30} {format_time(statistics.median(times)):>9}"
            if name != CLOSED_FORM:
                line += f"  {ratio:5.2f}x [{ratios[0]:.2f} - {ratios[-1]:.2f}]"
                cells.append(f"{format_time(statistics.median(times))} ({ratio:.2f}x)")
            if name == NATURAL:
                line += "  floor met" if ratio <= work.floor else "  OVER THE FLOOR"
            print(line)
        print()
        summary.append(
            f"| {work.name} | {format_time(statistics.median(base))} | " + " | ".join(cells) + " |"
        )
    if summary:
        print("As a README table:\n")
        print("| network | NumPy BP1-BP4 | " + " | ".join(list(samples)[1:]) + " |")
        print("|---" * (len(samples) + 1) + "|")
        print("\n".join(summary))


if __name__ == "__main__":
    main()
