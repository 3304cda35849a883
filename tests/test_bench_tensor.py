"""The code benchmarks/bench_tensor.py times computes the closed form's gradients.

Both ways the benchmark writes a network (the natural code, ``a @ W.T + b`` and the
loss written out, and the fused ops ``linear``, ``mse``, ``cross_entropy``) are run on
the benchmark's three networks (with small batches) and compared with
:class:`autograd_lite.backprop.Network`, the hand-written BP1-BP4 that shares no code
with the engine. The natural code's graph is checked to be the graph written there.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from autograd_lite.backprop import Network
from autograd_lite.engine import topological_order
from autograd_lite.tensor import Tensor

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_tensor.py"


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_tensor", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


bench = load_benchmark()


def closed_form(weights: Any, x: Any, y: Any, cost: str) -> tuple[float, Any]:
    """Loss and gradients from the oracle, for the benchmark's sigmoid networks."""
    if cost == "mse":
        network = Network(weights, activation="sigmoid", output_activation="identity", cost="mse")
        # backprop's mse is the mean over examples of the sum over outputs; the benchmark
        # averages over every element, so with one output the two agree.
        targets = y
    else:
        network = Network(
            weights, activation="sigmoid", output_activation="softmax", cost="log_likelihood"
        )
        targets = np.eye(weights[-1][0].shape[0])[y]
    result = network.gradients(x, targets)
    return result.cost, list(zip(result.dW, result.db))


@pytest.mark.parametrize("work", bench.WORKLOADS, ids=lambda w: w.name.split(",")[0])
@pytest.mark.parametrize("fused", [False, True], ids=["natural", "fused"])
def test_gradients_equal_the_closed_forms(work: Any, fused: bool) -> None:
    weights, x, y = bench.make_problem(work.sizes, 5, work.cost, seed=3)
    step = bench.make_ours(weights, x, y, work.cost, fused=fused)
    expected_loss, expected = closed_form(weights, x, y, work.cost)
    for _ in range(2):  # a second step starts again from zero gradients
        loss, grads = step()
        assert loss == pytest.approx(expected_loss, rel=1e-12)
        for (gW, gb), (eW, eb) in zip(grads, expected, strict=True):
            assert type(gW) is np.ndarray and gW.shape == eW.shape
            assert type(gb) is np.ndarray and gb.shape == eb.shape
            np.testing.assert_allclose(gW, eW, rtol=1e-10, atol=1e-13)
            np.testing.assert_allclose(gb, eb, rtol=1e-10, atol=1e-13)


def test_the_benchmarks_own_closed_form_agrees_with_the_oracle() -> None:
    for work in bench.WORKLOADS:
        weights, x, y = bench.make_problem(work.sizes, 4, work.cost, seed=5)
        loss, grads = bench.numpy_closed_form(weights, x, y, work.cost)
        expected_loss, expected = closed_form(weights, x, y, work.cost)
        assert loss == pytest.approx(expected_loss, rel=1e-12)
        for got, want in zip(grads, expected, strict=True):
            np.testing.assert_allclose(got[0], want[0], rtol=1e-10, atol=1e-13)
            np.testing.assert_allclose(got[1], want[1], rtol=1e-10, atol=1e-13)


def test_the_natural_code_records_the_graph_as_written() -> None:
    # Nothing is fused behind the user's back: one node per operation written.
    weights = [(np.ones((3, 2)), np.zeros(3)), (np.ones((1, 3)), np.zeros(1))]
    (W1, b1), (W2, b2) = [
        (Tensor(W, requires_grad=True), Tensor(b, requires_grad=True)) for W, b in weights
    ]
    x = Tensor(np.ones((4, 2)))
    a = (x @ W1.T + b1).sigmoid()
    z = a @ W2.T + b2
    loss = -(z.log_softmax(axis=1)[np.arange(4), np.zeros(4, dtype=int)]).mean()
    names = Counter(node.op.name for node in topological_order(loss) if node.op is not None)
    assert names == Counter(
        {"transpose": 2, "@": 2, "+": 2, "sigmoid": 1, "log_softmax": 1, "getitem": 1,
         "mean": 1, "neg": 1}
    )  # fmt: skip
    assert W1.T.parents == (W1,) and W1.T.op is not None
    assert W1.T.op.formulas == ("d transpose(a, (1, 0))/da: transpose the gradient back",)
