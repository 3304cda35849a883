"""``check.compare`` on a ``torch.nn.Module``: the user's own network against BP1-BP4."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from autograd_lite import check
from autograd_lite.compare import MODULE

# Tiny networks: PyTorch's thread pool only costs time, a lot on a busy machine.
torch.set_num_threads(1)


def batch(n_in: int, n_out: int, one_hot: bool = False, seed: int = 0) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(6, n_in))
    Y = np.eye(n_out)[rng.integers(0, n_out, 6)] if one_hot else rng.uniform(size=(6, n_out))
    return X, Y


def network(seed: int = 0) -> torch.nn.Sequential:
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(3, 5),
        torch.nn.ReLU(inplace=True),
        torch.nn.Dropout(0.5),
        torch.nn.Linear(5, 4),
        torch.nn.ReLU(),
        torch.nn.Linear(4, 2),
        torch.nn.Sigmoid(),
    )


def test_a_module_is_checked_layer_by_layer() -> None:
    module = network()
    X, Y = batch(3, 2)
    report = check.compare(module, X, Y, cost="cross_entropy")
    assert report.ok, report.table()
    assert report.engines == [MODULE, "value", "tensor", "closed_form", "numeric", "torch"]
    assert (report.activation, report.output_activation) == ("relu", "sigmoid")
    assert report.sizes == [3, 5, 4, 2]
    header = report.table().splitlines()[3].split()
    assert header[3] == MODULE
    reference, mine = report.results["closed_form"], report.results[MODULE]
    for layer in range(3):  # the deltas caught by the hooks are BP1 and BP2's
        assert np.max(np.abs(mine.deltas[layer] - reference.deltas[layer])) < 1e-15
        assert report.comparison(MODULE, layer + 1, "dW").relative < 1e-14
    module[0].requires_grad_(False)  # a frozen layer's gradients are checked too
    assert check.compare(module, X, Y, cost="cross_entropy", engines=("tensor",)).ok
    module[0].requires_grad_(True)
    # the module itself is left as it was: float32, training mode, no gradients, no hooks
    assert module.training and module[0].weight.dtype == torch.float32
    assert all(p.grad is None for p in module.parameters())
    assert not any(m._forward_hooks for m in module.modules())


def test_a_module_with_softmax_and_the_log_likelihood() -> None:
    torch.manual_seed(1)
    module = torch.nn.Sequential(
        torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 3), torch.nn.Softmax(dim=-1)
    ).double()
    X, Y = batch(4, 3, one_hot=True)
    report = check.compare(module, X, Y, cost="log_likelihood", engines=("tensor", "numeric"))
    assert report.ok, report.table()
    assert report.engines == ["closed_form", MODULE, "tensor", "numeric"]
    only = check.compare(module, X, Y, cost="log_likelihood", engines=("numeric", MODULE))
    assert only.ok and only.engines == ["closed_form", "numeric", MODULE]
    with pytest.raises(ValueError, match="unknown engine 'module'"):  # no module given
        check.compare([(np.ones((3, 4)), np.zeros(3))], X, Y, engines=(MODULE,))
    assert report.output_activation == "softmax"


def test_a_module_whose_gradient_is_wrong_is_the_culprit() -> None:
    module = network()

    def halve(layer: Any, grad_input: Any, grad_output: Any) -> Any:
        return (grad_input[0] * 0.5,)  # a wrong ReLU derivative: half of it

    module[4].register_full_backward_hook(halve)
    X, Y = batch(3, 2)
    report = check.compare(module, X, Y, cost="cross_entropy")
    assert not report.ok
    assert report.culprits == [MODULE]
    failing = {(c.layer, c.quantity) for c in report.failures}
    assert (1, "delta") in failing and (2, "dW") in failing  # below the bad ReLU
    assert (3, "delta") not in failing and (3, "dW") not in failing  # above it: right
    assert "culprit: module" in report.table()


@pytest.mark.parametrize(
    "module, message",
    [
        (
            torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.GELU(), torch.nn.Linear(3, 1)),
            r"cannot convert layer 1 \(GELU",
        ),
        (
            torch.nn.Sequential(
                torch.nn.Linear(2, 3),
                torch.nn.Tanh(),
                torch.nn.Linear(3, 3),
                torch.nn.ReLU(),
                torch.nn.Linear(3, 1),
            ),
            r"hidden layers use several activations \['tanh', 'relu'\]",
        ),
        (
            torch.nn.Sequential(
                torch.nn.Linear(2, 3), torch.nn.LeakyReLU(0.2), torch.nn.Linear(3, 1)
            ),
            "has slope 0.2; the closed form's is 0.01",
        ),
        (
            torch.nn.Sequential(torch.nn.Linear(2, 3, bias=False), torch.nn.Linear(3, 1)),
            "layer 0 of the module is a Linear layer without bias",
        ),
        (
            torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Sigmoid()),
            "followed by 2 activations",
        ),
    ],
)
def test_modules_the_closed_form_cannot_follow(module: Any, message: str) -> None:
    X, Y = batch(2, module[-1].out_features if isinstance(module[-1], torch.nn.Linear) else 3)
    with pytest.raises(ValueError, match=message):
        check.compare(module, X, Y)


def test_given_activations_must_be_the_modules() -> None:
    X, Y = batch(3, 2)
    with pytest.raises(
        ValueError, match=r"activation='tanh' was given, but the module's is 'relu'"
    ):
        check.compare(network(), X, Y, activation="tanh")
    report = check.compare(network(), X, Y, activation="relu", output_activation="sigmoid",
                           engines=("tensor",))  # fmt: skip
    assert report.ok
