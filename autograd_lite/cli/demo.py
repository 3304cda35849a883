"""``autograd-lite demo``: gradients from the engine beside finite-difference estimates."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

from ..nn import MLP
from ..value import Value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="build an expression and a small network, and check their gradients",
        description="Build a small expression and a small MLP, run backward, and print each "
        "gradient next to its central finite-difference estimate.",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed for the MLP weights")
    parser.set_defaults(func=run)


def central_difference(f: Callable[[], float], leaf: Value, eps: float = 1e-6) -> float:
    """(f(x + eps) - f(x - eps)) / (2 eps), nudging ``leaf.data`` and putting it back."""
    original = leaf.data
    try:
        leaf.data = original + eps
        up = f()
        leaf.data = original - eps
        down = f()
    finally:
        leaf.data = original
    return (up - down) / (2 * eps)


def print_rows(rows: list[tuple[str, float, float]]) -> float:
    print(f"  {'':14} {'backward':>14} {'finite diff':>14} {'|difference|':>13}")
    worst = 0.0
    for name, analytic, numeric in rows:
        worst = max(worst, abs(analytic - numeric))
        print(f"  {name:14} {analytic:14.8f} {numeric:14.8f} {abs(analytic - numeric):13.2e}")
    return worst


def run(args: argparse.Namespace) -> int:
    print("1. An expression: out = tanh(x*w + b)")
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")

    def expression() -> Value:
        return (x * w + b).tanh()

    out = expression()
    out.backward()
    print(f"  out = {out.data:.8f}")
    worst = print_rows(
        [(v.label, v.grad, central_difference(lambda: expression().data, v)) for v in (x, w, b)]
    )

    print("\n2. A network: MLP(2, [3, 1]), tanh, loss = (out - 1)^2 on one input")
    model = MLP(2, [3, 1], activation="tanh", rng=np.random.default_rng(args.seed))
    inputs = [0.5, -1.5]

    def loss() -> Value:
        prediction: Value = model(inputs)
        return (prediction - 1.0) ** 2

    model.zero_grad()
    total = loss()
    total.backward()
    print(f"  loss = {total.data:.8f}")
    rows = []
    for layer_index, layer in enumerate(model.layers, start=1):
        for j, neuron in enumerate(layer.neurons):
            for k, weight in enumerate(neuron.w):
                name = f"w{layer_index}[{j},{k}]"
                rows.append((name, weight.grad, central_difference(lambda: loss().data, weight)))
            rows.append(
                (
                    f"b{layer_index}[{j}]",
                    neuron.b.grad,
                    central_difference(lambda: loss().data, neuron.b),
                )
            )
    worst = max(worst, print_rows(rows))
    print(f"\nLargest difference: {worst:.2e} (finite differences are accurate to about 1e-9)")
    return 0 if worst < 1e-6 else 1
