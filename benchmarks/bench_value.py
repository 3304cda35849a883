"""Value engine against micrograd 0.1.0, side by side in one run (not a timed test).

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
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
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


def time_per_call(fn: Callable[[], Any], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_mlp(value_cls: Any, nn: Any, repeats: int, gc_enabled: bool) -> tuple[float, int]:
    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])
    X, y = make_data()
    nodes = count_nodes(mlp_iteration(model, X, y))
    gc.collect()  # start clean: no garbage left by the previous engine's run
    if not gc_enabled:
        gc.disable()
    try:
        # The graph is freed inside the timed call (the loss is not kept), as in a
        # training loop: that is where micrograd's reference cycles cost it most.
        seconds = time_per_call(lambda: mlp_iteration(model, X, y) and None, repeats)
    finally:
        gc.enable()
    return seconds, nodes


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
    results = {}
    for name, value_cls, nn in engines:
        on, nodes = bench_mlp(value_cls, nn, repeats=15, gc_enabled=True)
        off, _ = bench_mlp(value_cls, nn, repeats=15, gc_enabled=False)
        results[name] = (on, off)
        print(
            f"  {name:16} {on * 1e3:8.1f} ms (gc on)  {off * 1e3:8.1f} ms (gc off)  {nodes} nodes"
        )
    if len(results) == 2:
        ours, theirs = results["autograd-lite"], results["micrograd 0.1.0"]
        # Ours always runs as shipped (collector on); only micrograd's setting changes.
        print(f"  ours vs micrograd (collector on):  {theirs[0] / ours[0]:5.1f}x   (floor 10x)")
        print(f"  ours vs micrograd (collector off): {theirs[1] / ours[0]:5.1f}x   (floor 1.5x)")
        print(f"  both with the collector off:       {theirs[1] / ours[1]:5.1f}x")

    print("\nChains (forward + backward), time per node")
    for n in (10**4, 10**5, 10**6):
        row = "  ".join(f"{name}: {bench_chain(v, n)}" for name, v, _ in engines)
        print(f"  {n:>9,} nodes  {row}")

    print("\nMemory per node (tracemalloc, 100,000 nodes; ceiling 250 bytes)")
    for name, value_cls, _ in engines:
        print(f"  {name:16} {bytes_per_node(value_cls):6.0f} bytes")


if __name__ == "__main__":
    main()
