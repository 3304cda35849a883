"""Why the weights wait for the deltas: backpropagation with the update in the wrong place.

    python examples/update_order.py

Backpropagation computes every delta first and changes the weights after. Some write-ups
(and many first implementations) interleave the two: walking backward, as soon as
``dC/dW^{l+1}`` is known they update ``W^{l+1}``, and then compute ``delta^l`` with the
*updated* matrix in BP2, ``delta^l = ((W^{l+1})^T delta^{l+1}) (.) sigma'(z^l)``. The
output layer's gradient is still right (it is computed before any update), but every
layer below it now gets the gradient of a network that never existed: half old, half
new. :meth:`autograd_lite.backprop.Network.gradients` reproduces that order with
``update_during_backward=eta``.

This script takes the textbook network (sigmoid neurons, quadratic cost, one-hot
targets; here 64-30-20-10, so that two layers lie below the output) on the digits, and

1. prints, layer by layer, how far the wrong-order gradient is from the true one
   (``|wrong - true| / |true|`` over each layer's W and b, on one mini-batch), for
   several learning rates: exactly 0 at the output layer, growing with eta below it;
2. trains the network twice from the same weights, with the same mini-batches
   (SGD, batches of 10), once in each order, for eta = 3 (the textbook's rate) and
   eta = 10, and prints the cost and test accuracy. The error is eta times a product
   of deltas, so it fades as the network learns: at eta = 3 the wrong order still
   trains (which is why the mistake survives in so many programs); at eta = 10 it
   does not;
3. draws both into ``update_order.png`` in the current folder, or in ``--out DIR``
   (``--out viz`` redraws the repository's gallery picture).

Needs scikit-learn for the digits and matplotlib for the picture
(``pip install autograd-lite[digits,plots]``). About 14 s of CPU time on the project's
2-core machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from autograd_lite import backprop, data, nn
from autograd_lite.files import save_figure
from autograd_lite.weights import Weights

Array = npt.NDArray[np.float64]

SIZES = [64, 30, 20, 10]
ETAS_FOR_GAPS = [0.0, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0]
ETAS_FOR_TRAINING = [3.0, 10.0]


def network(weights: Sequence[tuple[Array, Array]]) -> backprop.Network:
    """The textbook network on these weights: sigmoid everywhere, quadratic cost."""
    return backprop.Network(weights, activation="sigmoid", cost="quadratic")


def layer_gaps(net: backprop.Network, X: Array, Y: Array, eta: float) -> list[float]:
    """For each layer, ``|wrong - true| / |true|`` of its gradient (W and b together).

    "true" is backpropagation as it should be; "wrong" updates each weight matrix with
    learning rate ``eta`` before BP2 uses it. Index ``i`` is layer ``i + 1``; the last
    entry (the output layer) is always exactly 0.
    """
    true = net.gradients(X, Y)
    wrong = net.gradients(X, Y, update_during_backward=eta)
    gaps = []
    for dW, db, dW_wrong, db_wrong in zip(true.dW, true.db, wrong.dW, wrong.db):
        difference = np.concatenate([(dW_wrong - dW).ravel(), db_wrong - db])
        size = np.linalg.norm(np.concatenate([dW.ravel(), db]))
        gaps.append(float(np.linalg.norm(difference) / size))
    return gaps


def training_step(
    weights: Sequence[tuple[Array, Array]], X: Array, Y: Array, eta: float, wrong_order: bool
) -> Weights:
    """One SGD step on the batch ``(X, Y)``: ``W <- W - eta dC/dW`` for every layer.

    With ``wrong_order`` the gradients are those of the interleaved order (each W
    updated before the layer below computes its delta); the update itself is the same.
    """
    grads = network(weights).gradients(X, Y, update_during_backward=eta if wrong_order else 0.0)
    return [(W - eta * dW, b - eta * db) for (W, b), dW, db in zip(weights, grads.dW, grads.db)]


@dataclass
class Run:
    """One training run: the cost on the training set and the test accuracy per epoch."""

    eta: float
    wrong_order: bool
    costs: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def label(self) -> str:
        order = "update during backward" if self.wrong_order else "deltas first (correct)"
        return f"eta {self.eta:g}, {order}"


def train(
    weights: Sequence[tuple[Array, Array]],
    X: Array,
    Y: Array,
    eta: float,
    *,
    wrong_order: bool,
    epochs: int = 30,
    batch_size: int = 10,
    seed: int = 0,
    test: tuple[Array, Array] | None = None,
) -> tuple[Weights, Run]:
    """Mini-batch SGD from ``weights``; the batches depend on ``seed`` only, not on the order.

    Returns the final weights and a :class:`Run` (the cost on all of ``X`` after each
    epoch and, with ``test``, the test accuracy).
    """
    rng = np.random.default_rng(seed)
    current: Weights = [(W.copy(), b.copy()) for W, b in weights]
    run = Run(eta, wrong_order)
    start = time.perf_counter()
    for _ in range(epochs):
        for X_batch, Y_batch in data.batches(X, Y, batch_size, rng=rng):
            current = training_step(current, X_batch, Y_batch, eta, wrong_order)
        net = network(current)
        run.costs.append(net.cost(X, Y))
        if test is not None:
            run.accuracies.append(net.accuracy(*test))
    run.seconds = time.perf_counter() - start
    return current, run


def plot(path: Path, gaps: dict[float, list[float]], runs: list[Run]) -> None:
    """Left: each layer's gradient error against eta. Right: the training cost per epoch."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(12, 4.8))
    left, right = figure.subplots(1, 2)
    etas = [eta for eta in gaps if eta > 0]
    layers = len(next(iter(gaps.values())))
    for i in range(layers - 1):
        left.plot(etas, [gaps[eta][i] for eta in etas], "o-", label=f"layer {i + 1} (hidden)")
    left.plot(etas, etas, ":", color="grey", label="proportional to eta")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("learning rate eta")
    left.set_ylabel("|wrong - true| / |true|")
    left.set_title(f"gradient error per layer (output layer {layers}: exactly 0)")
    left.legend()
    styles = {3.0: "tab:blue", 10.0: "tab:red"}
    for run in runs:
        right.plot(
            range(1, len(run.costs) + 1),
            run.costs,
            "--" if run.wrong_order else "-",
            color=styles.get(run.eta, "black"),
            label=run.label,
        )
    right.set_yscale("log")
    right.set_xlabel("epoch")
    right.set_ylabel("quadratic cost on the training set")
    right.set_title("training, 64-30-20-10 sigmoid, batches of 10")
    right.legend(loc="center right", fontsize=8)
    figure.tight_layout()
    save_figure(figure, path)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--out", metavar="DIR", default=".", help="where to write (.)")
    out = Path(parser.parse_args(argv).out)
    digits = data.load_dataset("digits")
    Y_train = data.one_hot(digits.y_train, digits.classes)
    Y_test = data.one_hot(digits.y_test, digits.classes)
    model = nn.mlp(SIZES, "sigmoid", "sigmoid", rng=np.random.default_rng(0), init="xavier")
    weights = model.get_weights()
    start = network(weights)

    first_batch = np.random.default_rng(0).permutation(len(Y_train))[:10]
    X_first, Y_first = digits.X_train[first_batch], Y_train[first_batch]
    print("1. Gradient error of the wrong order, |wrong - true| / |true|, on one batch of 10")
    print("   at the initial weights (layer 3 is the output layer):")
    print("   eta     " + "".join(f"layer {i + 1:<6}" for i in range(len(SIZES) - 1)))
    gaps = {}
    for eta in ETAS_FOR_GAPS:
        gaps[eta] = layer_gaps(start, X_first, Y_first, eta)
        print(f"   {eta:<7g} " + "".join(f"{gap:<12.3g}" for gap in gaps[eta]))

    print("\n2. Training from the same weights with the same batches, 30 epochs:")
    runs = []
    trained: dict[float, Weights] = {}
    for eta in ETAS_FOR_TRAINING:
        for wrong_order in (False, True):
            final, run = train(
                weights,
                digits.X_train,
                Y_train,
                eta,
                wrong_order=wrong_order,
                test=(digits.X_test, Y_test),
            )
            runs.append(run)
            print(
                f"   {run.label:<38} cost after epoch 1 {run.costs[0]:.4f}, after 30 "
                f"{run.costs[-1]:.4f}; test accuracy {run.accuracies[-1]:.1%} "
                f"({run.seconds:.1f} s)"
            )
            if not wrong_order:
                trained[eta] = final

    # The error of the wrong order is eta times a product of deltas: it fades as the
    # network learns and its deltas shrink, which is why the mistake is easy to miss.
    eta = ETAS_FOR_TRAINING[0]
    late = layer_gaps(network(trained[eta]), X_first, Y_first, eta)
    print(
        f"\n   After training (eta {eta:g}, correct order) the same batch gives errors of "
        + ", ".join(f"{gap:.3g}" for gap in late)
        + ":\n   the deltas have shrunk, and the wrong order's error with them."
    )

    out.mkdir(parents=True, exist_ok=True)
    path = out / "update_order.png"
    plot(path, gaps, runs)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
