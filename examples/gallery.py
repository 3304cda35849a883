"""Regenerate the gallery of computation graphs in ``viz/`` (the README's pictures).

    python examples/gallery.py

writes ``viz/NAME.dot`` (the DOT text, checked by the tests against what the code draws
now) and ``viz/NAME.svg`` (rendered by Graphviz's ``dot``) for each picture below.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from autograd_lite import nn, viz
from autograd_lite.naming import NetworkSpec, build_network
from autograd_lite.parse import parse_expression
from autograd_lite.stepper import Stepper
from autograd_lite.value import Value

GALLERY = Path(__file__).resolve().parent.parent / "viz"

# micrograd's neuron: tanh(x1*w1 + x2*w2 + b), with b chosen so that the output is 1/sqrt(2).
NEURON = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}


def expression_forward() -> Any:
    """A small expression after the forward pass: every gradient still 0."""
    root = parse_expression("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": NEURON["b"]})
    return viz.draw(root, title="tanh(x*w + b) after the forward pass")


def expression_backward() -> Any:
    """The same expression after backward, with the colour legend."""
    root = parse_expression("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": NEURON["b"]})
    root.backward()
    return viz.draw(root, legend=True, title="tanh(x*w + b) after backward()")


def neuron() -> Any:
    """One neuron of a Value MLP, tanh(w·x + b), after backward."""
    cell = nn.Neuron(2, activation="tanh", rng=np.random.default_rng(0))
    cell.w[0].data, cell.w[1].data, cell.b.data = NEURON["w1"], NEURON["w2"], NEURON["b"]
    x = [Value(NEURON["x1"]), Value(NEURON["x2"])]
    z = cell.preactivation(x)
    a = nn.activate(z, cell.activation)
    a.backward()
    labels = {x[0]: "x₁", x[1]: "x₂", cell.w[0]: "w₁", cell.w[1]: "w₂", cell.b: "b", z: "z"}
    labels[a] = "a = tanh(z)"
    return viz.draw(
        a, parameters=cell.parameters(), labels=labels, title="one neuron: a = tanh(w·x + b)"
    )


def mlp_deltas() -> Any:
    """A 2-3-1 Value MLP on one example: each pre-activation labelled with its delta."""
    model = nn.MLP(2, [3, 1], activation="tanh", rng=np.random.default_rng(0))
    return viz.draw_mlp(model, [0.5, -1.0], [1.0], legend=True)


def mlp_summary() -> Any:
    """A 2-16-16-1 Value MLP drawn past max_nodes: one box per layer, with counts."""
    model = nn.MLP(2, [16, 16, 1], activation="tanh", rng=np.random.default_rng(0))
    return viz.draw_mlp(model, [0.5, -1.0], [1.0], legend=False)  # past viz.MAX_NODES


def tensor_mlp() -> Any:
    """A 2-3-1 Tensor MLP on a batch of four examples, grouped by layer."""
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(2, 3, rng=rng), nn.Tanh(), nn.Linear(3, 1, rng=rng))
    x = np.array([[0.5, -1.0], [1.0, 0.0], [-0.5, 0.5], [0.0, 1.0]])
    y = np.array([[1.0], [0.0], [0.0], [1.0]])
    return viz.draw_mlp(model, x, y, legend=False)


def stepper_step() -> Any:
    """The stepper's picture (`graph FILE` in `autograd-lite step --layers 2,2,1`) at the step
    that completes delta^1_1: layers, deltas, and the gradient's own arrow going backward."""
    example = build_network(NetworkSpec(layers=(2, 2, 1), seed=0))
    stepper = Stepper.for_graph(example.graph)
    stepper.run_to("z^1_1")
    return viz.draw_step(stepper, legend=True)


def figures() -> dict[str, Any]:
    """Every picture of the gallery, by file name (without extension)."""
    makers: list[Callable[[], Any]] = [
        expression_forward,
        expression_backward,
        neuron,
        mlp_deltas,
        mlp_summary,
        tensor_mlp,
        stepper_step,
    ]
    return {make.__name__: make() for make in makers}


def main() -> int:
    GALLERY.mkdir(exist_ok=True)
    for name, digraph in figures().items():
        viz.save(digraph, GALLERY / f"{name}.dot")
        try:
            viz.save(digraph, GALLERY / f"{name}.svg")
        except viz.GraphvizNotFound as error:
            print(error, file=sys.stderr)
            return 1
        print(f"wrote viz/{name}.dot and viz/{name}.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
