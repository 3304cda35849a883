"""Networks to PyTorch and back: ``to_torch``, ``Sequential.from_torch`` and state dicts.

Agreement means: forward outputs and every parameter's gradient (after a backward pass
from the same random upstream gradient) within 1e-12 of each other, relative to the
largest magnitude of the quantity (or absolute below 1); weights that travel are equal
bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from autograd_lite import data, nn, optim, torch_bridge
from autograd_lite.tensor import Tensor
from autograd_lite.train import fit
from autograd_lite.weights import WeightsFileError

# Tiny networks: PyTorch's thread pool only costs time, a lot on a busy machine.
torch.set_num_threads(1)

TOL = 1e-12


def close(a: Any, b: Any) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and float(np.max(np.abs(a - b), initial=0.0)) <= TOL * max(
        1.0, float(np.max(np.abs(b), initial=0.0))
    )


def ours_forward_backward(model: nn.Sequential, X: np.ndarray, G: np.ndarray) -> tuple[Any, Any]:
    """Our outputs and every parameter's gradient, by name, after backward from G."""
    model.zero_grad()
    out = model(Tensor(X))
    (out * G).sum().backward()
    return out.data, {name: p.grad for name, p in model.named_parameters()}


def torch_forward_backward(module: Any, X: np.ndarray, G: np.ndarray) -> tuple[Any, Any]:
    module.zero_grad(set_to_none=True)
    out = module(torch.from_numpy(X))
    (out * torch.from_numpy(G)).sum().backward()
    grads = {name: p.grad.numpy() for name, p in module.named_parameters()}
    return out.detach().numpy(), grads


def assert_equivalent(ours: nn.Sequential, theirs: Any, seed: int = 0, batch: int = 7) -> None:
    rng = np.random.default_rng(seed)
    n_in, n_out = ours.sizes[0], ours.sizes[-1]
    X, G = rng.normal(size=(batch, n_in)), rng.normal(size=(batch, n_out))
    out_a, grads_a = ours_forward_backward(ours, X, G)
    out_b, grads_b = torch_forward_backward(theirs, X, G)
    assert close(out_a, out_b)
    assert list(grads_a) == list(grads_b)  # the same parameter names, in the same order
    for name in grads_a:
        assert close(grads_a[name], grads_b[name]), name


def assert_same_weights(ours: nn.Sequential, theirs: Any) -> None:
    """Every parameter equal bit for bit, under the same name."""
    mine = ours.state_dict()
    other = {name: t.detach().numpy() for name, t in theirs.state_dict().items()}
    assert list(mine) == list(other)
    for name in mine:
        assert other[name].dtype == np.float64
        assert np.array_equal(mine[name], other[name]), name


ARCHITECTURES = [
    ([3, 5, 2], "tanh", "sigmoid"),
    ([4, 6, 6, 3], "relu", "softmax"),
    ([2, 8, 1], "sigmoid", "linear"),
    ([5, 4, 4, 4, 2], "leaky_relu", "tanh"),
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("sizes, hidden, output", ARCHITECTURES)
def test_ours_to_torch_and_back(sizes: list[int], hidden: str, output: str, seed: int) -> None:
    ours = nn.mlp(sizes, hidden, output, rng=np.random.default_rng(seed), init="uniform")
    theirs = ours.to_torch()
    assert isinstance(theirs, torch.nn.Sequential)
    assert all(p.dtype == torch.float64 for p in theirs.parameters())
    assert_same_weights(ours, theirs)
    assert_equivalent(ours, theirs, seed)
    back = nn.Sequential.from_torch(theirs)
    assert back.activation_names == ours.activation_names
    assert_same_weights(back, theirs)
    assert_equivalent(back, theirs, seed + 10)
    for (W, b), (W2, b2) in zip(back.get_weights(), ours.get_weights()):
        assert np.array_equal(W, W2) and np.array_equal(b, b2)


def random_torch_network(seed: int) -> torch.nn.Sequential:
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(4, 6),
        torch.nn.LeakyReLU(0.2),
        torch.nn.Dropout(0.3),
        torch.nn.Linear(6, 5, bias=False),
        torch.nn.Tanh(),
        torch.nn.Linear(5, 5),
        torch.nn.Identity(),
        torch.nn.ReLU(inplace=True),
        torch.nn.Linear(5, 3),
        torch.nn.Softmax(dim=1),
    ).double()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_torch_to_ours_and_back(seed: int) -> None:
    theirs = random_torch_network(seed).eval()  # dropout off: the same function on both sides
    ours = nn.Sequential.from_torch(theirs)
    assert [type(layer).__name__ for layer in ours] == [
        "Linear",
        "LeakyReLU",
        "Dropout",
        "Linear",
        "Tanh",
        "Linear",
        "Identity",
        "ReLU",
        "Linear",
        "Softmax",
    ]
    assert ours[1].negative_slope == 0.2 and ours[2].p == 0.3 and ours[3].bias is None
    assert not ours.training and not ours[2].training
    assert_same_weights(ours, theirs)
    assert_equivalent(ours, theirs, seed)
    again = ours.to_torch()
    assert not again.training
    assert [type(layer) for layer in again] == [type(layer) for layer in theirs]
    assert again[1].negative_slope == 0.2 and again[2].p == 0.3 and again[3].bias is None
    for (name, a), (name2, b) in zip(theirs.state_dict().items(), again.state_dict().items()):
        assert name == name2 and torch.equal(a, b)
    assert_equivalent(ours, again, seed + 10)


def test_a_float32_network_comes_over_exactly_in_float64() -> None:
    torch.manual_seed(3)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Sigmoid(), torch.nn.Linear(4, 2))
    ours = nn.Sequential.from_torch(theirs)
    for name, value in ours.state_dict().items():
        assert value.dtype == np.float64
        assert np.array_equal(value, theirs.state_dict()[name].double().numpy())
    assert_equivalent(ours, theirs.double())


def test_training_mode_travels_both_ways() -> None:
    ours = nn.Sequential(nn.Linear(2, 3, rng=np.random.default_rng(0)), nn.Dropout(0.5))
    assert ours.to_torch().training and ours.to_torch()[1].training
    assert not ours.eval().to_torch()[1].training
    assert nn.Sequential.from_torch(ours.to_torch()).training is False


def test_the_numbers_are_copied_not_shared() -> None:
    ours = nn.mlp([2, 3, 1], "tanh", rng=np.random.default_rng(0))
    theirs = ours.to_torch()
    with torch.no_grad():
        theirs[0].weight.add_(1.0)
    assert not np.array_equal(ours[0].weight.data, theirs[0].weight.detach().numpy())
    back = nn.Sequential.from_torch(theirs)
    back[0].weight.data += 1.0
    assert not np.array_equal(back[0].weight.data, theirs[0].weight.detach().numpy())


def test_to_torch_leaves_torch_random_generator_alone() -> None:
    model = nn.mlp([30, 40, 10], "tanh", rng=np.random.default_rng(0))
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    model.to_torch()
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize(
    "hidden, output",
    [("relu", "linear"), ("tanh", "sigmoid"), ("leaky_relu", "tanh"), ("sigmoid", "relu")],
)
def test_a_value_mlp_goes_to_torch(hidden: str, output: str) -> None:
    rng = np.random.default_rng(4)
    value_net = nn.MLP(3, [4, 4, 2], activation=hidden, output_activation=output, rng=rng)
    theirs = value_net.to_torch()
    assert len(theirs) == 3 + 2 + (output != "linear")  # Linear layers and their activations
    X, G = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    out_b, grads_b = torch_forward_backward(theirs, X, G)
    loss = None
    for x, g, row in zip(X.tolist(), G.tolist(), out_b):
        out = value_net(x)
        assert close([v.data for v in out], row)
        for v, weight in zip(out, g):
            loss = v * weight if loss is None else loss + v * weight
    assert loss is not None
    loss.backward()
    linears = [
        name for name, layer in theirs.named_children() if isinstance(layer, torch.nn.Linear)
    ]
    for layer, name in zip(value_net.layers, linears):
        assert close([[w.grad for w in n.w] for n in layer.neurons], grads_b[f"{name}.weight"])
        assert close([n.b.grad for n in layer.neurons], grads_b[f"{name}.bias"])
    for (W, b), name in zip(value_net.get_weights(), linears):  # bit for bit
        assert np.array_equal(W, theirs.get_submodule(name).weight.detach().numpy())
        assert np.array_equal(b, theirs.get_submodule(name).bias.detach().numpy())


def test_unsupported_layers_are_named() -> None:
    module = torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.GELU(), torch.nn.BatchNorm1d(3)
    )
    with pytest.raises(
        ValueError,
        match=r"^cannot convert layer 2 \(GELU\(approximate='none'\)\)"
        r" of the torch.nn.Sequential: .*supported: Linear, Tanh",
    ):
        nn.Sequential.from_torch(module)

    class MyLinear(torch.nn.Linear):  # a subclass may compute anything: refused by name
        pass

    with pytest.raises(ValueError, match=r"layer 0 \(MyLinear"):
        nn.Sequential.from_torch(torch.nn.Sequential(MyLinear(2, 2)))
    with pytest.raises(TypeError, match=r"takes a torch.nn.Sequential .* got Linear"):
        nn.Sequential.from_torch(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="has no layers"):
        nn.Sequential.from_torch(torch.nn.Sequential())

    class Square(nn.Module):
        def forward(self, x: Any) -> Any:
            return x * x

    with pytest.raises(ValueError, match=r"to_torch: layer 1 \(.*Square.*\) has no PyTorch"):
        nn.Sequential(nn.Linear(2, 2, rng=np.random.default_rng(0)), Square()).to_torch()

    class Steep(nn.Tanh):  # a subclass of ours computes something else: refused too
        def forward(self, x: Any) -> Any:
            return super().forward(x * 2)

    with pytest.raises(ValueError, match=r"to_torch: layer 0 \(Steep\(\)\)"):
        nn.Sequential(Steep()).to_torch()


@pytest.fixture(scope="module")
def digits() -> data.Dataset:
    return data.load_dataset("digits", rng=0)


def test_a_trained_digits_network_round_trips(digits: data.Dataset) -> None:
    model = nn.mlp([64, 16, 10], "sigmoid", "sigmoid", rng=np.random.default_rng(0))
    history = fit(
        model,
        digits.X_train,
        digits.y_train,
        loss="quadratic",
        optimizer=optim.SGD(model.parameters(), lr=3.0),
        epochs=3,
        batch_size=10,
        X_test=digits.X_test,
        y_test=digits.y_test,
    )
    assert history.test_accuracy > 0.8  # a network that learned, not the random start
    theirs = model.to_torch()
    assert_same_weights(model, theirs)
    X = digits.X_test[:50]
    G = np.random.default_rng(1).normal(size=(50, 10))
    out_a, grads_a = ours_forward_backward(model, X, G)
    out_b, grads_b = torch_forward_backward(theirs, X, G)
    assert close(out_a, out_b)
    assert all(close(grads_a[name], grads_b[name]) for name in grads_a)
    predicted = theirs(torch.from_numpy(digits.X_test)).argmax(dim=1).numpy()
    assert np.mean(predicted == digits.y_test) == history.test_accuracy
    back = nn.Sequential.from_torch(theirs)
    assert all(
        np.array_equal(a, b)
        for a, b in zip(back.state_dict().values(), model.state_dict().values())
    )


def test_a_network_trained_in_torch_comes_over(digits: data.Dataset) -> None:
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    opt = torch.optim.Adam(theirs.parameters(), lr=0.01)
    X = torch.tensor(digits.X_train, dtype=torch.float32)
    y = torch.tensor(digits.y_train)
    for _ in range(60):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(theirs(X), y).backward()
        opt.step()
    ours = nn.Sequential.from_torch(theirs)
    accuracy = np.mean(ours(digits.X_test).data.argmax(axis=1) == digits.y_test)
    assert accuracy > 0.85
    theirs64 = theirs.double()
    assert_same_weights(ours, theirs64)
    assert_equivalent(ours, theirs64, batch=40)
    again = ours.to_torch()
    for a, b in zip(theirs64.state_dict().values(), again.state_dict().values()):
        assert torch.equal(a, b)


# ----------------------------------------------------------------------------- state dicts


def test_layer_positions_follow_the_activations() -> None:
    assert torch_bridge.layer_positions(["tanh", "linear"], 2) == [0, 2]
    assert torch_bridge.layer_positions(["linear", "identity", "relu", "sigmoid"], 4) == [
        0,
        1,
        2,
        4,
    ]


def test_state_dict_of_loads_into_the_torch_network() -> None:
    ours = nn.mlp([3, 4, 4, 2], "relu", "linear", engine="value", rng=np.random.default_rng(0))
    state = torch_bridge.state_dict_of(ours.get_weights(), ours.activation_names)
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    theirs = ours.to_torch()
    theirs.load_state_dict(state)  # strict: every name fits
    for (W, b), name in zip(ours.get_weights(), ["0", "2", "4"]):
        assert np.array_equal(state[f"{name}.weight"].numpy(), W)
        assert np.array_equal(state[f"{name}.bias"].numpy(), b)


def test_weights_from_a_state_dict_and_what_is_refused() -> None:
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(3, 4),
        torch.nn.ReLU(),
        torch.nn.Dropout(),
        torch.nn.Linear(4, 2, bias=False),
    )
    weights = torch_bridge.weights_from_state_dict(module.state_dict())
    assert [W.shape for W, _ in weights] == [(4, 3), (2, 4)]
    assert np.array_equal(weights[1][1], np.zeros(2))  # no bias: zeros
    assert np.array_equal(weights[0][0], module[0].weight.detach().double().numpy())
    assert torch_bridge.state_dict_keys(module.state_dict()) == [
        ("0.weight", "0.bias"),
        ("3.weight", None),
    ]

    cases = {
        "is not a Linear layer's weight or bias": torch.nn.Sequential(
            torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3)
        ).state_dict(),
        r"weight has shape \(4, 1, 3, 3\), not a Linear": torch.nn.Conv2d(1, 4, 3).state_dict(),
        r"2.weight has shape \(1, 4\), so it takes 4 inputs, but the layer before \(0.weight\) "
        "gives 3 outputs": torch.nn.Sequential(
            torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(4, 1)
        ).state_dict(),
        r"0.bias has shape \(2,\), expected \(3,\)": {
            "0.weight": torch.ones(3, 2),
            "0.bias": torch.ones(2),
        },
        "0.weight holds a torch.int64 tensor": {"0.weight": torch.ones(3, 2, dtype=torch.long)},
        "holds a list, not a state dict": [torch.ones(2)],
        "empty state dict": {},
        "0.bias is a bias without a weight": {"0.bias": torch.ones(2)},
    }
    for message, state in cases.items():
        with pytest.raises(WeightsFileError, match=message):
            torch_bridge.weights_from_state_dict(state, "model.pt")


# ----------------------------------------------------------------------------- code


@pytest.mark.parametrize(
    "path", ["plain.npz", 'x"); import os; os.system("boom.npz', "back\\slash 'q'.npz", "é\n.pt"]
)
def test_the_printed_code_names_the_file_and_nothing_else(path: str) -> None:
    """Whatever the file is called, the code is valid Python whose only string naming a
    file is that name (a name cannot inject code)."""
    import ast

    pairs = [(np.ones((3, 2)), np.zeros(3)), (np.ones((1, 3)), np.zeros(1))]
    keys = [("0.weight", "0.bias"), ("2.weight", "2.bias")] if path.endswith(".pt") else None
    code = torch_bridge.torch_code(pairs, ["tanh", "linear"], path, keys=keys)
    tree = ast.parse(code)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    loads = [c for c in calls if isinstance(c.func, ast.Attribute) and c.func.attr == "load"]
    assert len(loads) == 1 and isinstance(loads[0].args[0], ast.Constant)
    assert loads[0].args[0].value == path
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert names <= {"np", "torch", "nn", "model", "arrays"}  # no os, no system


def test_torch_code_refuses_what_it_cannot_write() -> None:
    pairs = [(np.ones((3, 2)), np.zeros(3)), (np.ones((1, 3)), np.zeros(1))]
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        torch_bridge.torch_code(pairs, ["gelu", "linear"], "m.npz")
    with pytest.raises(ValueError, match="softmax can only be the output activation"):
        torch_bridge.torch_code(pairs, ["softmax", "linear"], "m.npz")
    with pytest.raises(ValueError, match="1 activation names for 2 layers"):
        torch_bridge.torch_code(pairs, ["tanh"], "m.npz")


def test_docstring_examples() -> None:
    import doctest

    results = doctest.testmod(torch_bridge)
    assert results.failed == 0 and results.attempted >= 5
