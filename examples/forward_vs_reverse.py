"""Forward mode against reverse mode: who wins depends on the shape of the problem.

    python examples/forward_vs_reverse.py        # a few seconds; writes viz/forward_vs_reverse.png
    python examples/forward_vs_reverse.py --output picture.png

Both modes apply the chain rule once per edge of the graph; they differ in how many passes
they need. Reverse mode (backpropagation) starts from one output and reaches every input in
one backward pass; forward mode starts from one input direction and reaches every output in
one forward pass. So:

1. One loss, n parameters (training a network): ``s = sum_i theta_i x_i``, then a deep
   computation shared by everything (``DEPTH`` layers ``h <- tanh(1.1 h + 0.1)``), and
   ``loss = h + 0.01 sum_i theta_i^2``. Reverse mode needs one backward pass for the
   whole gradient; forward mode needs n tangent passes, one per parameter, each through
   the shared layers.
2. One input, m outputs (a curve sampled at m points): the same deep computation of the
   input ``x``, then ``y_k = sin(k h)``, k = 1..m. Forward mode needs one tangent pass for
   all m derivatives; reverse mode needs m backward passes, one per output, each back
   through the shared layers.

The graphs are built from scalar ``Value`` nodes, so every edge is one elementary
derivative. The counts are *measured*: the derivative rules the engine applied (the steps
its backward pass reports to an observer, the rules ``engine.push_tangents`` applies),
for n and m from 1 to 64, and both modes' derivatives are checked to agree. (Reverse mode
also sends gradient to the constants 1.1 and 0.1, which are leaf Values; forward mode only
moves along edges that carry a tangent. Hence its small lead at n = 1.) Prints a table
and draws both problems side by side (needs matplotlib).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from autograd_lite import Value, engine

VIZ = Path(__file__).resolve().parent.parent / "viz"
SIZES = [1, 2, 4, 8, 16, 32, 64]
DEPTH = 16  # layers of the computation every output shares


def deep(h: Value) -> Value:
    """DEPTH layers of one scalar unit: what the outputs have in common."""
    for _ in range(DEPTH):
        h = (h * 1.1 + 0.1).tanh()
    return h


def reverse_pass(output: Value) -> tuple[int, dict[Value, float]]:
    """One backward pass from ``output``: (rules applied, gradient of every leaf)."""
    steps: list[engine.Step] = []
    engine.backward(output, 1.0, observer=steps.append)
    leaves = {s.input: s.input.grad for s in steps if s.input.op is None}
    return len(steps), leaves


def one_loss_many_parameters(n: int) -> tuple[int, int]:
    """Rules applied to get the gradient of one loss with respect to n parameters."""
    rng = np.random.default_rng(n)
    theta = [Value(float(t)) for t in rng.standard_normal(n)]
    x = rng.standard_normal(n)
    weighted = theta[0] * float(x[0])
    for t, xi in zip(theta[1:], x[1:]):
        weighted = weighted + t * float(xi)
    loss = deep(weighted)
    for t in theta:
        loss = loss + 0.01 * t * t

    reverse_count, leaves = reverse_pass(loss)  # one backward pass: every dL/dtheta_i
    forward_count = [0]
    for t in theta:  # one tangent pass per parameter: dL/dtheta_i along e_i
        slope = engine.push_tangents(loss, {t: 1.0}, counter=forward_count)
        assert math.isclose(slope, leaves[t], rel_tol=1e-12, abs_tol=1e-15), (slope, leaves[t])
    return forward_count[0], reverse_count


def one_input_many_outputs(m: int) -> tuple[int, int]:
    """Rules applied to get the derivatives of m outputs with respect to one input."""
    x = Value(0.7)
    h = deep(x)
    outputs = [(h * float(k)).sin() for k in range(1, m + 1)]

    forward_count = [0]
    slopes = engine.push_tangents(outputs, {x: 1.0}, counter=forward_count)  # one pass

    reverse_count = 0
    for y, slope in zip(outputs, slopes):  # one backward pass per output
        x.grad = 0.0
        count, leaves = reverse_pass(y)
        reverse_count += count
        assert math.isclose(slope, leaves[x], rel_tol=1e-12, abs_tol=1e-15), (slope, leaves[x])
    return forward_count[0], reverse_count


def draw(
    rows_a: list[tuple[int, int, int]], rows_b: list[tuple[int, int, int]], path: Path
) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4.4))
    panels = [
        (axes[0], rows_a, "One loss, n parameters", "n parameters"),
        (axes[1], rows_b, "One input, m outputs", "m outputs"),
    ]
    for axis, rows, title, label in panels:
        sizes = [r[0] for r in rows]
        axis.plot(sizes, [r[2] for r in rows], "o-", color="tab:red", label="reverse mode")
        axis.plot(sizes, [r[1] for r in rows], "s-", color="tab:blue", label="forward mode")
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_title(title)
        axis.set_xlabel(label)
        axis.set_ylabel("derivative rules applied (measured)")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    axes[0].annotate(
        "one backward pass\nfor the whole gradient",
        (16, rows_a[4][2]),
        textcoords="offset points",
        xytext=(-10, -45),
        fontsize=9,
    )
    axes[1].annotate(
        "one forward pass\nfor every output",
        (16, rows_b[4][1]),
        textcoords="offset points",
        xytext=(-30, 25),
        fontsize=9,
    )
    figure.suptitle("Reverse mode wins with many inputs, forward mode with many outputs")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".png")
    os.close(handle)
    try:
        figure.savefig(temporary, dpi=100)
        os.replace(temporary, path)  # a reader never sees half a picture
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    plt.close(figure)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output", type=Path, default=VIZ / "forward_vs_reverse.png", help="the picture (PNG)"
    )
    output = parser.parse_args().output
    rows_a = [(n, *one_loss_many_parameters(n)) for n in SIZES]
    rows_b = [(m, *one_input_many_outputs(m)) for m in SIZES]
    print("1. one loss, n parameters          2. one input, m outputs")
    print("     n   forward   reverse               m   forward   reverse")
    for (n, fa, ra), (m, fb, rb) in zip(rows_a, rows_b):
        print(f"  {n:4d}  {fa:8d}  {ra:8d}            {m:4d}  {fb:8d}  {rb:8d}")
    print("Both modes gave the same derivatives (checked to 1e-12).")
    try:
        path = draw(rows_a, rows_b, output)
    except ImportError:
        print("matplotlib is not installed: no picture (pip install autograd-lite[plots])")
        return 0
    print(f"Wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
