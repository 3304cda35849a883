"""How much slower training is on the Value engine than on the Tensor engine (not a test).

The command ``autograd-lite train --data moons`` on each engine: the 2-16-16-1 tanh
network, cross-entropy, Adam, batches of 32, the same data, weights and batch order
(the two engines compute the same numbers). Each round trains a fresh network for a few
epochs on each engine, in alternating order; the figure is the CPU time per epoch
(``time.process_time``, so that other programs on the machine count less) and the ratio
within each round. The README quotes the median ratio (target: a floor of 20x, so that
"the Value engine is for looking, not for speed" stays true).

    OMP_NUM_THREADS=1 python benchmarks/bench_train_engines.py [--rounds N]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before NumPy loads its BLAS

import argparse
import statistics
import time

import numpy as np

from autograd_lite import data, nn, optim
from autograd_lite.train import fit

EPOCHS = {"value": 2, "tensor": 40}  # a few seconds each


def seconds_per_epoch(engine: str) -> float:
    dataset = data.load_dataset("moons", rng=0)
    model = nn.mlp([2, 16, 16, 1], "tanh", "sigmoid", engine=engine, rng=np.random.default_rng(0))
    start = time.process_time()
    fit(
        model,
        dataset.X_train,
        dataset.y_train,
        loss="cross_entropy",
        optimizer=optim.Adam(model.parameters(), 0.01),
        epochs=EPOCHS[engine],
        batch_size=32,
        rng=0,
    )
    return (time.process_time() - start) / EPOCHS[engine]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    ratios, value_times, tensor_times = [], [], []
    for index in range(rounds):
        order = ("value", "tensor") if index % 2 == 0 else ("tensor", "value")
        times = {engine: seconds_per_epoch(engine) for engine in order}
        value_times.append(times["value"])
        tensor_times.append(times["tensor"])
        ratios.append(times["value"] / times["tensor"])
        print(
            f"round {index + 1}: value {times['value'] * 1e3:.0f} ms/epoch, tensor "
            f"{times['tensor'] * 1e3:.1f} ms/epoch, ratio {ratios[-1]:.0f}x",
            flush=True,
        )
    print(
        f"median: value {statistics.median(value_times) * 1e3:.0f} ms/epoch, tensor "
        f"{statistics.median(tensor_times) * 1e3:.1f} ms/epoch, the Value engine "
        f"{statistics.median(ratios):.0f}x slower (rounds: {min(ratios):.0f}-"
        f"{max(ratios):.0f}x)"
    )


if __name__ == "__main__":
    main()
