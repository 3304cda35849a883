"""micrograd's moons demo, on autograd-lite's scalar ``Value``.

    python examples/moons_value.py

The set-up of micrograd's demo.ipynb: 100 points of two interleaving moons (noise 0.1),
a 2-16-16-1 MLP with ReLU hidden layers and a linear output, weights from uniform(-1, 1),
the max-margin (hinge) loss with labels -1 / +1 plus an L2 penalty of 1e-4, and plain
SGD on the whole set for 100 steps with micrograd's learning rate 1.0 - 0.9 k / 100.
Every weight is a Value, every multiply a node: about 60,000 nodes per step.

Prints the loss and accuracy every 10 steps, the final training accuracy and the time,
and writes moons_value.png (the loss curve and the decision regions) into the current
folder, or into ``--out DIR`` (``--out viz`` redraws the picture of the repository's
gallery). About 17 s of CPU time on the project's 2-core machine (wall time grows when
the machine is busy).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from autograd_lite import data, nn, optim
from autograd_lite.train import History, fit, objective, plot

SEED = 0


def micrograd_demo(engine: str, steps: int = 100, seed: int = SEED) -> tuple[Any, History, Any]:
    """Train micrograd's demo network on ``engine`` ("value" or "tensor").

    Returns the model, its history (one epoch per step: the whole set is one batch) and
    the data ``(X, y)``. The same ``seed`` gives the same data and weights on both
    engines.
    """
    X, y = data.make_moons(100, noise=0.1, rng=seed)
    model = nn.mlp(
        [2, 16, 16, 1],
        activation="relu",
        output_activation="linear",
        engine=engine,
        rng=np.random.default_rng(seed),
        init="uniform",
    )
    optimizer = optim.SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / 100)
    history = fit(
        model, X, y, loss="hinge", optimizer=optimizer, epochs=steps, l2=1e-4, shuffle=False
    )
    return model, history, (X, y)


def output_folder(argv: list[str]) -> Path:
    """The folder of ``--out DIR`` in ``argv`` (the current folder without it)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--out", metavar="DIR", default=".", help="where to write (.)")
    parser.add_argument("--compare", action="store_true", help=argparse.SUPPRESS)
    folder = Path(parser.parse_args(argv).out)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def report(name: str, model: Any, history: History, X: Any, y: Any, out: Path) -> None:
    """Print the figures of a run and write its picture to ``out/NAME.png``."""
    for record in history.records:
        if record.epoch % 10 == 0 or record.epoch == 1:
            print(
                f"step {record.epoch:3d}  loss {record.loss:.6f}  "
                f"accuracy {record.train_accuracy:.0%}"
            )
    print(
        f"{name}: final training accuracy {history.train_accuracy:.0%} after "
        f"{history.epochs} steps, {history.seconds:.2f} s"
    )
    path = out / f"{name}.png"
    chosen = objective("hinge", 1, "linear")
    plot(path, history, model=model, X=X, y=y, chosen=chosen, title=f"{name}: hinge loss + L2")
    print(f"wrote {path}")


def main(argv: list[str]) -> int:
    out = output_folder(argv)
    start = time.perf_counter()
    model, history, (X, y) = micrograd_demo("value")
    report("moons_value", model, history, X, y, out)
    print(f"total {time.perf_counter() - start:.1f} s")
    return 0 if history.train_accuracy == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
