"""``autograd-lite demo``: train a small network, check its gradients four ways, draw its graph.

The first thing a new user runs, so it is short, quick (a few seconds) and needs nothing
beyond the package: the moons data are generated, PyTorch is used when installed and
skipped (with the reason) when not, and without Graphviz the picture is written as DOT
text with a word on how to install Graphviz.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import UsageError

#: The file the picture is written to (in the current directory, or in ``--out DIR``).
PICTURE = "autograd-lite-demo.svg"
# The network: small enough to draw every scalar operation, big enough for BP2 to matter.
SIZES = [2, 4, 4, 1]
ACTIVATION, OUTPUT_ACTIVATION, COST = "tanh", "sigmoid", "quadratic"
EPOCHS, BATCH_SIZE, LEARNING_RATE = 100, 32, 0.05
CHECKED_EXAMPLES = 8


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="train a small network, check its gradients on every engine, draw its graph",
        description="Train a 2-4-4-1 network on the moons data (Tensor engine), check its "
        "gradients against the closed-form backpropagation equations on the Value and "
        "Tensor engines, finite differences and PyTorch, and draw its computation graph "
        f"with every delta ({PICTURE}).",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and weights (0)")
    parser.add_argument("--out", metavar="DIR", default=".", help="where to write the picture (.)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import data, nn, optim, train
    from ..compare import compare

    out = _output_folder(args.out)
    shape = "-".join(str(n) for n in SIZES)

    # 1. Train, on the Tensor engine.
    dataset = data.load_dataset("moons", rng=args.seed)
    model = nn.mlp(SIZES, ACTIVATION, OUTPUT_ACTIVATION, rng=np.random.default_rng(args.seed))
    start = time.perf_counter()
    history = train.fit(
        model,
        dataset.X_train,
        dataset.y_train,
        loss=COST,
        optimizer=optim.Adam(model.parameters(), LEARNING_RATE),
        epochs=EPOCHS,
        batch_size=BATCH_SIZE,
        X_test=dataset.X_test,
        y_test=dataset.y_test,
        rng=args.seed,
    )
    seconds = time.perf_counter() - start
    print(
        f"1. Trained an MLP {shape} ({ACTIVATION}, {OUTPUT_ACTIVATION} output) on the moons "
        f"data\n   ({len(dataset.X_train)} points), {COST} cost, Adam, {EPOCHS} epochs on the "
        f"Tensor engine, in {seconds:.1f} s:\n   loss {history.loss:.4f}, accuracy "
        f"{history.train_accuracy:.1%} (test {history.test_accuracy or 0.0:.1%})."
    )

    # 2. Check its gradients on a few training examples, on every engine.
    weights = model.get_weights()
    X = dataset.X_train[:CHECKED_EXAMPLES]
    Y = dataset.y_train[:CHECKED_EXAMPLES].reshape(-1, 1).astype(np.float64)
    report = compare(weights, X, Y, ACTIVATION, OUTPUT_ACTIVATION, COST)
    print(
        f"\n2. Checked its gradients on {CHECKED_EXAMPLES} training examples: the Value and "
        "Tensor engines,\n   finite differences (numeric) and PyTorch against the closed-form "
        "equations BP1-BP4:\n"
    )
    print(_indent(report.table()))

    # 3. Draw the Value network on one example, every z labelled with its delta.
    print(f"\n3. {_picture(weights, X[0], Y[0], out)}")
    return 0 if report.ok else 1


def _output_folder(text: str) -> Path:
    """``--out``, created if missing and checked to be writable before any work is done."""
    from ..files import OutputPathError, check_output_path

    out = Path(text)
    if out.exists() and not out.is_dir():
        raise UsageError(
            f"--out {text}: is not a directory (a file); expected a folder for {PICTURE}"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"--out {text}: cannot create the folder: {error.strerror}") from None
    try:
        check_output_path(out / PICTURE, what="--out")
    except OutputPathError as error:
        raise UsageError(f"--out {text}: {error.problem}") from None
    return out


def _indent(text: str) -> str:
    return "\n".join(f"   {line}" if line else "" for line in text.splitlines())


def _picture(weights: Any, x: Any, y: Any, out: Path) -> str:
    """Write the picture (or its DOT text) and say what was written; never fails on Graphviz."""
    from .. import nn

    what = "The computation graph of one example on the Value engine, each z with its delta"
    try:
        from .. import viz
    except ImportError:
        return f"{what}: not drawn, the graphviz Python package is missing (pip install graphviz)."
    model = nn.MLP.from_weights(weights, ACTIVATION, OUTPUT_ACTIVATION)
    digraph = viz.draw_mlp(model, x.tolist(), y.tolist(), loss=COST)
    path = out / PICTURE
    try:
        viz.save(digraph, path)
    except viz.GraphvizNotFound as error:
        dot = error.written
        return (
            f"{what}:\n   Graphviz's `dot` is missing, so its DOT text is in {dot}.\n   To "
            f"draw it, {viz.INSTALL_HINT}\n   and run: dot -Tsvg {dot} -o {path}"
        )
    except viz.GraphvizFailed as error:
        return f"{what}: not drawn, Graphviz {error.reason}"
    except OSError as error:
        return f"{what}: not written, cannot write {path}: {error.strerror or error}"
    return f"{what}:\n   {path}"
