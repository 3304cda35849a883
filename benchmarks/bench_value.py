"""Value engine against micrograd 0.1.0, side by side in one run (not a timed test).

The MLP workload runs in interleaved rounds, each engine and collector setting in a fresh
process of this script (``--worker``), and each ratio is taken within a round: see
:func:`bench_mlp` for why.

Workloads (issue 2):
- micrograd's demo workload: MLP(2, [16, 16, 1]) on 100 two-dimensional inputs, forward,
  sum of squared errors, backward; the time per iteration includes freeing the graph,
  where micrograd's reference cycles cost it most.
- chains of 10^4, 10^5, 10^6 nodes: time per node must stay flat;
- memory per node (tracemalloc, 100,000 nodes).

    python benchmarks/bench_value.py            # needs `pip install micrograd==0.1.0`
"""

from __future__ import annotations

import gc
import json
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from typing import Any

import autograd_lite.nn as al_nn
from autograd_lite.value import Value as AlValue

try:
    import micrograd.engine as mg_engine
    import micrograd.nn as mg_nn
except ImportError:  # the comparison needs the reference; say so rather than guess
    mg_engine = mg_nn = None  # type: ignore[assignment]


def make_data(n: int = 100) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(1)
    X = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(n)]
    y = [1.0 if a * b > 0 else -1.0 for a, b in X]
    return X, y


def mlp_iteration(model: Any, X: list[list[float]], y: list[float]) -> Any:
    """One forward + sum of squared errors + backward; returns the loss node."""
    model.zero_grad()
    scores = [model(x) for x in X]
    loss = sum((s - t) ** 2 for s, t in zip(scores, y))
    loss.backward()
    return loss


def count_nodes(root: Any) -> int:
    seen = {id(root)}
    stack = [root]
    while stack:
        node = stack.pop()
        for p in node._prev:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return len(seen)


def mlp_worker(engine: str, gc_enabled: bool, repeats: int) -> list[float]:
    """Times of ``repeats`` iterations of the demo workload, in this (fresh) process.

    With the collector on (as shipped) the iterations follow each other as in a training
    loop, and each pays for whatever collections fall in it. With ``gc_enabled`` false
    the collector is off during each timed iteration and the garbage is collected
    between iterations, untimed: the engine's own work with no collector cost at all,
    and no heap swelling with uncollected cycles (the setting most favourable to
    micrograd).
    """
    nn = {"autograd-lite": al_nn, "micrograd 0.1.0": mg_nn}[engine]
    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])
    X, y = make_data()
    mlp_iteration(model, X, y)  # one untimed iteration: allocator and caches warm
    gc.collect()
    times = []
    for _ in range(repeats):
        if not gc_enabled:
            gc.collect()
            gc.disable()
        start = time.perf_counter()
        # The graph is freed inside the timed call (the loss is not kept), as in a
        # training loop: that is where micrograd's reference cycles cost it most.
        mlp_iteration(model, X, y)
        times.append(time.perf_counter() - start)
        gc.enable()
    return times


def bench_mlp(engines: list[str], rounds: int, repeats: int) -> list[dict[tuple[str, bool], float]]:
    """Per round, the median time per iteration of each engine and collector setting.

    Each engine and setting runs in a process of its own, so none inherits the heap
    another left behind (after micrograd's blocks, a gigabyte of freed cycles leaves
    memory that slows whatever runs next by a third). The processes are interleaved,
    every engine and setting once per round, so that the engines compared in one round
    saw the same machine: its speed drifts by a third over seconds here.
    """
    medians = []
    for _ in range(rounds):
        this_round = {}
        for engine in engines:
            for gc_enabled in (True, False):
                command = [sys.executable, __file__, "--worker", engine, str(gc_enabled)]
                output = subprocess.run(
                    [*command, str(repeats)], capture_output=True, text=True, check=True
                ).stdout
                this_round[engine, gc_enabled] = statistics.median(json.loads(output))
        medians.append(this_round)
    return medians


def count_mlp_nodes(nn: Any) -> int:
    random.seed(1337)
    X, y = make_data()
    return count_nodes(mlp_iteration(nn.MLP(2, [16, 16, 1]), X, y))


def chain(value_cls: Any, n: int) -> float:
    x = value_cls(1.0)
    node = x
    for i in range(n):
        node = node * 1.0000001 if i % 2 else node + 0.5
    node.backward()
    return float(x.grad)


def bench_chain(value_cls: Any, n: int) -> str:
    gc.collect()  # start clean: no garbage left by the previous engine's run
    start = time.perf_counter()
    try:
        chain(value_cls, n)
    except RecursionError:
        return "RecursionError"
    seconds = time.perf_counter() - start
    return f"{seconds * 1e9 / n:7.0f} ns/node"


def bytes_per_node(value_cls: Any, n: int = 100_000) -> float:
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    x = value_cls(1.0)
    node = x
    for _ in range(n // 2):  # each step makes an operation node and a constant leaf
        node = node * 1.0000001
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    del node
    return used / n


def main() -> None:
    engines: list[tuple[str, Any, Any]] = [("autograd-lite", AlValue, al_nn)]
    if mg_engine is not None:
        engines.append(("micrograd 0.1.0", mg_engine.Value, mg_nn))
    else:
        print("micrograd is not installed (pip install micrograd==0.1.0): ours only\n")
    print(f"Python {sys.version.split()[0]}, default settings (garbage collector on)\n")

    print("MLP(2, [16, 16, 1]), 100 inputs, forward + squared error + backward")
    rounds, repeats = 9, 6
    print(
        f"  {rounds} rounds; in each, every engine and setting runs {repeats} iterations in a"
        f" fresh process.\n  Times: median over the rounds of each round's median. Ratios:"
        f" median over the rounds\n  of the ratio within the round [lowest - highest].\n"
    )
    rounds_run = bench_mlp([name for name, _, _ in engines], rounds, repeats)

    def median_over_rounds(key: tuple[str, bool]) -> float:
        return statistics.median(r[key] for r in rounds_run)

    for name, _, nn in engines:
        on, off = median_over_rounds((name, True)), median_over_rounds((name, False))
        print(
            f"  {name:16} {on * 1e3:8.1f} ms (gc on)  {off * 1e3:8.1f} ms (gc off)"
            f"  {count_mlp_nodes(nn)} nodes"
        )
    if len(engines) == 2:
        ours, theirs = "autograd-lite", "micrograd 0.1.0"

        def ratio(theirs_gc: bool, ours_gc: bool) -> str:
            ratios = sorted(r[theirs, theirs_gc] / r[ours, ours_gc] for r in rounds_run)
            middle = statistics.median(ratios)
            return f"{middle:5.2f}x [{ratios[0]:.2f} - {ratios[-1]:.2f}]"

        # Ours always runs as shipped (collector on); only micrograd's setting changes.
        print(f"  ours vs micrograd (collector on):  {ratio(True, True)}   (floor 10x)")
        print(f"  ours vs micrograd (collector off): {ratio(False, True)}   (floor 1.5x)")
        print(f"  both with the collector off:       {ratio(False, False)}")

    print("\nChains (forward + backward), time per node")
    for n in (10**4, 10**5, 10**6):
        row = "  ".join(f"{name}: {bench_chain(v, n)}" for name, v, _ in engines)
        print(f"  {n:>9,} nodes  {row}")

    print("\nMemory per node (tracemalloc, 100,000 nodes; ceiling 250 bytes)")
    for name, value_cls, _ in engines:
        print(f"  {name:16} {bytes_per_node(value_cls):6.0f} bytes")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        engine, gc_setting, repeats = sys.argv[2:5]
        print(json.dumps(mlp_worker(engine, gc_setting == "True", int(repeats))))
    else:
        main()
