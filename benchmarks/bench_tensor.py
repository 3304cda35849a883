"""Tensor engine against hand-written NumPy backpropagation and PyTorch (not a timed test).

One training step's gradient computation, three ways, float64, one thread:

- autograd-lite: ``Tensor`` parameters, ``linear`` + ``sigmoid`` layers, a fused loss,
  ``loss.backward()``;
- NumPy closed form: the same network written out by hand, the four backpropagation
  equations BP1-BP4 vectorised over the batch (the floor any engine on NumPy can reach);
- PyTorch: ``nn.Linear`` and ``nn.Sigmoid`` layers, ``loss.backward()``.

Each iteration is forward + loss + backward (gradients of every weight and bias; no
optimizer step). Networks (hidden layers sigmoid):

- 2-16-16-1, batch 100, identity output layer, mean squared error (mean over elements);
- 784-128-64-10, batch 64, softmax cross-entropy (mean over the batch);
- 784-1024-1024-10, batch 256, softmax cross-entropy.

The table gives the median time per iteration over interleaved rounds and the ratio
to the NumPy closed form (targets: 1.6x, 1.15x, 1.05x). Before timing, the three
gradients are checked against each other.

    OMP_NUM_THREADS=1 python benchmarks/bench_tensor.py [--quick] [--profile]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before NumPy loads its BLAS
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import cProfile
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


@dataclass(frozen=True)
class Workload:
    name: str
    sizes: tuple[int, ...]
    batch: int
    cost: str  # "mse" (identity output) or "cross_entropy" (softmax output)
    target: float  # the ratio to the NumPy closed form we aim to stay under


WORKLOADS = (
    Workload("2-16-16-1, batch 100, MSE", (2, 16, 16, 1), 100, "mse", 1.6),
    Workload("784-128-64-10, batch 64, CE", (784, 128, 64, 10), 64, "cross_entropy", 1.15),
    Workload("784-1024-1024-10, batch 256, CE", (784, 1024, 1024, 10), 256, "cross_entropy", 1.05),
)


def make_problem(work: Workload, seed: int = 0) -> tuple[Weights, Array, Array]:
    """Weights in the project's (W, b) format (W is (n_out, n_in)), inputs and targets."""
    rng = np.random.default_rng(seed)
    weights = []
    for n_in, n_out in zip(work.sizes[:-1], work.sizes[1:]):
        bound = 1.0 / np.sqrt(n_in)
        weights.append(
            (rng.uniform(-bound, bound, (n_out, n_in)), rng.uniform(-bound, bound, n_out))
        )
    x = rng.standard_normal((work.batch, work.sizes[0]))
    y: Array
    if work.cost == "mse":
        y = rng.standard_normal((work.batch, work.sizes[-1]))
    else:
        y = rng.integers(0, work.sizes[-1], work.batch)
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


def make_numpy(weights: Weights, x: Array, y: Array, cost: str) -> Callable[[], Any]:
    return lambda: numpy_closed_form(weights, x, y, cost)


# ----------------------------------------------------------------------------- autograd-lite


def make_ours(weights: Weights, x: Array, y: Array, cost: str) -> Callable[[], Any]:
    params = [(Tensor(W, requires_grad=True), Tensor(b, requires_grad=True)) for W, b in weights]
    inputs = Tensor(x)
    loss_fn = mse if cost == "mse" else cross_entropy
    last = len(params) - 1

    def step() -> tuple[float, Weights]:
        for W, b in params:
            W.zero_grad()
            b.zero_grad()
        a = inputs
        for layer, (W, b) in enumerate(params):
            a = linear(a, W, b)
            if layer < last:
                a = a.sigmoid()
        loss = loss_fn(a, y)
        loss.backward()
        return float(loss.data), [(W.grad, b.grad) for W, b in params]

    return step


# ----------------------------------------------------------------------------- PyTorch


def grad_of(parameter: Any) -> Array:
    assert parameter.grad is not None
    return np.asarray(parameter.grad.numpy())


def make_torch(weights: Weights, x: Array, y: Array, cost: str) -> Callable[[], Any] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    layers: list[Any] = []
    for i, (W, b) in enumerate(weights):
        layer = torch.nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64)
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(W))
            layer.bias.copy_(torch.from_numpy(b))
        layers.append(layer)
        if i < len(weights) - 1:
            layers.append(torch.nn.Sigmoid())
    model = torch.nn.Sequential(*layers)
    inputs = torch.from_numpy(x)
    targets = torch.from_numpy(y)
    loss_fn = torch.nn.functional.mse_loss if cost == "mse" else torch.nn.functional.cross_entropy
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]

    def step() -> tuple[float, Weights]:
        model.zero_grad(set_to_none=True)
        loss = loss_fn(model(inputs), targets)
        torch.autograd.backward(loss)
        return loss.item(), [(grad_of(m.weight), grad_of(m.bias)) for m in linears]

    return step


# ----------------------------------------------------------------------------- timing


def check_agreement(results: dict[str, tuple[float, Weights]]) -> None:
    reference_loss, reference = results["NumPy closed form"]
    for name, (loss, grads) in results.items():
        assert abs(loss - reference_loss) <= 1e-12 * max(1.0, abs(reference_loss)), name
        for (gW, gb), (rW, rb) in zip(grads, reference):
            np.testing.assert_allclose(gW, rW, rtol=1e-9, atol=1e-14, err_msg=name)
            np.testing.assert_allclose(gb, rb, rtol=1e-9, atol=1e-14, err_msg=name)


def iterations_for(fn: Callable[[], Any], budget: float) -> int:
    """How many calls fill ``budget`` seconds (at least 1), measured after a warm-up."""
    fn()
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    return max(1, int(budget / once))


def time_interleaved(
    fns: dict[str, Callable[[], Any]], rounds: int, budget: float
) -> dict[str, float]:
    """Median seconds per call; the implementations take turns in every round."""
    numbers = {name: iterations_for(fn, budget) for name, fn in fns.items()}
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            number = numbers[name]
            start = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - start) / number)
    return {name: statistics.median(times) for name, times in samples.items()}


def format_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:,.0f} us"
    return f"{seconds * 1e3:,.1f} ms"


def profile(fn: Callable[[], Any], calls: int, top: int = 14) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a rough table)")
    parser.add_argument("--profile", action="store_true", help="cProfile our engine per workload")
    args = parser.parse_args()
    rounds, budget = (5, 0.1) if args.quick else (15, 0.25)

    try:
        import torch

        torch_version = str(torch.__version__)
    except ImportError:
        torch_version = "not installed"
    print(
        f"Python {sys.version.split()[0]}, NumPy {np.__version__}, PyTorch {torch_version}; "
        f"float64, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}, torch threads 1"
    )
    print("forward + loss + backward per iteration, median of", rounds, "interleaved rounds\n")
    header = f"{'network':34} {'NumPy BP1-4':>12} {'autograd-lite':>14} {'ratio':>7} {'target':>7}"
    header += f" {'PyTorch':>10} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for work in WORKLOADS:
        weights, x, y = make_problem(work)
        fns: dict[str, Callable[[], Any]] = {
            "NumPy closed form": make_numpy(weights, x, y, work.cost),
            "autograd-lite": make_ours(weights, x, y, work.cost),
        }
        torch_step = make_torch(weights, x, y, work.cost)
        if torch_step is not None:
            fns["PyTorch"] = torch_step
        check_agreement({name: fn() for name, fn in fns.items()})
        times = time_interleaved(fns, rounds, budget)
        base = times["NumPy closed form"]
        ours = times["autograd-lite"]
        verdict = "ok" if ours / base <= work.target else "OVER"
        row = f"{work.name:34} {format_time(base):>12} {format_time(ours):>14}"
        row += f" {ours / base:6.2f}x {work.target:5.2f}x {verdict:4}"
        if "PyTorch" in times:
            row += f" {format_time(times['PyTorch']):>10} {times['PyTorch'] / base:6.2f}x"
        print(row)
        if args.profile:
            print(f"\ncProfile of autograd-lite, {work.name}:")
            profile(fns["autograd-lite"], calls=max(3, int(0.5 / ours)))


if __name__ == "__main__":
    main()
