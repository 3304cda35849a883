"""Handwritten digits with a Tensor MLP 64-30-10: the textbook set-up, then a modern one.

    python examples/digits.py

The data are the 1,797 8x8 digit images scikit-learn ships (``pip install
autograd-lite[digits]``), pixels scaled to [0, 1], split once and for all into 1,438
training and 359 test images (``autograd_lite.data.load_dataset("digits")``).

1. The textbook network of Nielsen's *Neural Networks and Deep Learning*: sigmoid
   neurons everywhere, the quadratic cost 1/(2n) sum ||y - a||^2 against one-hot
   targets, plain SGD with learning rate 3.0 on mini-batches of 10, 30 epochs.
2. Softmax cross-entropy on the output logits, tanh hidden neurons, Adam with learning
   rate 0.01, the same batches and epochs.

Prints each run's test accuracy and time, and writes digits_quadratic_sgd.png and
digits_cross_entropy_adam.png (loss and accuracies per epoch) into the current folder,
or into ``--out DIR`` (``--out viz`` redraws the repository's gallery pictures). About
8 s of CPU time for both runs on the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from autograd_lite import data, nn
from autograd_lite.train import History, fit, make_optimizer, plot

SETUPS: dict[str, dict[str, Any]] = {
    "quadratic_sgd": {
        "activation": "sigmoid",
        "output_activation": "sigmoid",
        "loss": "quadratic",
        "optimizer": "sgd",
        "lr": 3.0,
    },
    "cross_entropy_adam": {
        "activation": "tanh",
        "output_activation": "linear",
        "loss": "cross_entropy",
        "optimizer": "adam",
        "lr": 0.01,
    },
}


def train_digits(setup: str, epochs: int = 30, seed: int = 0) -> tuple[Any, History]:
    """Train the 64-30-10 network with one of :data:`SETUPS`; returns the model and history."""
    settings = SETUPS[setup]
    digits = data.load_dataset("digits")
    model_rng, order_rng = np.random.default_rng(seed).spawn(2)
    model = nn.mlp(
        [64, 30, 10],
        settings["activation"],
        settings["output_activation"],
        rng=model_rng,
        init="xavier",
    )
    optimizer = make_optimizer(settings["optimizer"], model.parameters(), settings["lr"])
    history = fit(
        model,
        digits.X_train,
        digits.y_train,
        loss=settings["loss"],
        optimizer=optimizer,
        epochs=epochs,
        batch_size=10,
        X_test=digits.X_test,
        y_test=digits.y_test,
        rng=order_rng,
    )
    return model, history


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--out", metavar="DIR", default=".", help="where to write (.)")
    out = Path(parser.parse_args(argv).out)
    out.mkdir(parents=True, exist_ok=True)
    for setup, settings in SETUPS.items():
        _, history = train_digits(setup)
        print(
            f"{setup}: {settings['activation']} 64-30-10, {settings['loss']} loss, "
            f"{settings['optimizer']} lr {settings['lr']:g}, batches of 10, "
            f"{history.epochs} epochs: train accuracy {history.train_accuracy:.2%}, "
            f"test accuracy {history.test_accuracy:.2%}, {history.seconds:.1f} s"
        )
        path = out / f"digits_{setup}.png"
        title = (
            f"digits, 64-30-10 {settings['activation']}: {settings['loss']} cost, "
            f"{settings['optimizer']} (lr {settings['lr']:g})"
        )
        plot(path, history, title=title)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
