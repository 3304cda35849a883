"""Tests of ``autograd_lite.nn``: the Module base, Tensor layers, initialisation, MLP exchange."""

from __future__ import annotations

import doctest
import itertools
import random
from typing import Any

import numpy as np
import pytest
import torch

from autograd_lite import backprop, losses, nn
from autograd_lite.tensor import Tensor
from autograd_lite.value import Value

X4 = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5], [-1.5, 0.25, 0.75], [0.0, 1.0, 1.0]])


def small_weights(seed: int = 0, sizes: tuple[int, ...] = (3, 4, 2)) -> list[Any]:
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(size=(n_out, n_in)), rng.normal(size=n_out))
        for n_in, n_out in itertools.pairwise(sizes)
    ]


# ----------------------------------------------------------------------------- initialisation


@pytest.mark.parametrize("init", ["uniform", "xavier", "he"])
def test_same_seed_same_network_on_value_and_tensor(init: str) -> None:
    sizes = [3, 5, 4, 2]
    value_net = nn.mlp(sizes, "tanh", engine="value", rng=np.random.default_rng(7), init=init)
    tensor_net = nn.mlp(sizes, "tanh", engine="tensor", rng=np.random.default_rng(7), init=init)
    assert isinstance(value_net, nn.MLP) and isinstance(tensor_net, nn.Sequential)
    for (W, b), (W2, b2) in zip(value_net.get_weights(), tensor_net.get_weights()):
        assert np.array_equal(W, W2) and np.array_equal(b, b2)
        assert not np.any(b)  # biases start at zero
    # and they compute the same function
    out = np.array([[v.data for v in value_net(list(x))] for x in X4])
    assert np.allclose(out, tensor_net(X4).data, rtol=0, atol=1e-14)


@pytest.mark.parametrize("init", ["uniform", "xavier", "he"])
def test_python_random_seed_gives_the_same_network_without_rng(init: str) -> None:
    random.seed(11)
    value_net = nn.mlp([2, 3, 1], engine="value", init=init)
    random.seed(11)
    tensor_net = nn.mlp([2, 3, 1], engine="tensor", init=init)
    for (W, _), (W2, _) in zip(value_net.get_weights(), tensor_net.get_weights()):
        assert np.array_equal(W, W2)


def test_initialisation_scales() -> None:
    rng = np.random.default_rng(0)
    uniform = nn.init_weights(300, 200, "uniform", rng)
    assert uniform.shape == (200, 300)
    assert -1 <= uniform.min() < -0.99 and 0.99 < uniform.max() <= 1
    xavier = nn.init_weights(300, 200, "xavier", rng)
    bound = np.sqrt(6 / 500)
    assert np.abs(xavier).max() <= bound and np.abs(xavier).max() > 0.99 * bound
    assert xavier.std() == pytest.approx(np.sqrt(2 / 500), rel=0.01)
    he = nn.init_weights(300, 200, "he", rng)
    assert he.mean() == pytest.approx(0, abs=0.002)
    assert he.std() == pytest.approx(np.sqrt(2 / 300), rel=0.01)
    assert np.array_equal(nn.init_weights(2, 2, "glorot", np.random.default_rng(1)),
                          nn.init_weights(2, 2, "xavier", np.random.default_rng(1)))  # fmt: skip


def test_unknown_init_and_bad_sizes_are_named() -> None:
    with pytest.raises(ValueError, match="unknown init 'lecun'; known initialisations: uniform"):
        nn.Linear(2, 3, init="lecun")
    with pytest.raises(ValueError, match="n_out must be a positive integer, got 0"):
        nn.Linear(2, 0)
    with pytest.raises(ValueError, match="at least two sizes"):
        nn.mlp([3])
    with pytest.raises(ValueError, match="unknown engine 'jax'"):
        nn.mlp([2, 1], engine="jax")
    with pytest.raises(ValueError, match="softmax can only be the output activation"):
        nn.mlp([2, 3, 1], activation="softmax")
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.Sequential.from_weights(small_weights(), activation="swish")


def test_value_mlp_default_is_still_micrograd() -> None:
    random.seed(3)
    model = nn.MLP(2, [3, 1])
    random.seed(3)
    expected = [random.uniform(-1, 1) for _ in range(2 * 3 + 3 * 1)]
    weights = [p.data for p in model.parameters() if p.data != 0]
    assert weights == expected
    assert model.activation_names == ["relu", "linear"]


# ----------------------------------------------------------------------------- Module


def test_named_parameters_follow_pytorch_names() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2, bias=False))
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight"]
    assert model.parameters()[0] is model[0].weight  # type: ignore[attr-defined]
    value_net = nn.MLP(2, [2, 1], rng=np.random.default_rng(0))
    names = [name for name, _ in value_net.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]
    # the generic walk and micrograd's explicit parameters() agree
    assert [p for _, p in value_net.named_parameters()] == value_net.parameters()
    assert all(a is b for a, b in zip(nn.Module.parameters(value_net), value_net.parameters()))


def test_shared_parameters_are_listed_once() -> None:
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.Tanh(), layer)
    assert len(model.parameters()) == 2


def test_zero_grad_follows_each_node_kind() -> None:
    tensor_net = nn.mlp([3, 2, 1], rng=np.random.default_rng(0))
    tensor_net(X4).sum().backward()
    assert all(p.grad is not None for p in tensor_net.parameters())
    tensor_net.zero_grad()
    assert all(p.grad is None for p in tensor_net.parameters())
    value_net = nn.mlp([3, 2, 1], engine="value", rng=np.random.default_rng(0))
    value_net(list(X4[0])).backward()
    value_net.zero_grad()
    assert all(p.grad == 0.0 for p in value_net.parameters())


def test_train_and_eval_reach_every_submodule() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Sequential(nn.Linear(4, 1)))
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert len(model.modules()) == 5 and not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_state_dict_round_trip_and_errors() -> None:
    source = nn.mlp([3, 4, 2], rng=np.random.default_rng(0))
    target = nn.mlp([3, 4, 2], rng=np.random.default_rng(1))
    state = source.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    state["0.weight"][0, 0] = 123.0  # a copy: the model is untouched
    assert source[0].weight.data[0, 0] != 123.0  # type: ignore[attr-defined]
    target.load_state_dict(source.state_dict())
    assert np.array_equal(target(X4).data, source(X4).data)
    with pytest.raises(ValueError, match=r"missing \['2.bias'\], unexpected \['extra'\]"):
        target.load_state_dict({**{k: v for k, v in state.items() if k != "2.bias"}, "extra": 1})
    bad = {**source.state_dict(), "2.weight": np.zeros((3, 4))}
    with pytest.raises(ValueError, match=r"2.weight: state_dict holds shape \(3, 4\), the "):
        target.load_state_dict(bad)
    value_net = nn.mlp([3, 2], engine="value", rng=np.random.default_rng(0))
    value_state = value_net.state_dict()
    assert all(isinstance(v, float) for v in value_state.values())
    value_state["layers.0.neurons.1.b"] = 0.5
    value_net.load_state_dict(value_state)
    assert value_net.layers[1 - 1].neurons[1].b.data == 0.5


# ----------------------------------------------------------------------------- Tensor layers


def test_linear_computes_x_w_transpose_plus_b_with_pytorch_gradients() -> None:
    layer = nn.Linear(3, 2, rng=np.random.default_rng(0))
    layer.bias.data = np.array([0.5, -0.25])  # type: ignore[union-attr]
    assert layer.weight.shape == (2, 3) and layer.n_in == 3 and layer.n_out == 2
    out = layer(X4)
    assert np.allclose(out.data, X4 @ layer.weight.data.T + np.array([0.5, -0.25]), atol=1e-15)
    (out * out).sum().backward()
    reference = torch.nn.Linear(3, 2, dtype=torch.float64)
    with torch.no_grad():
        reference.weight.copy_(torch.tensor(layer.weight.data))
        reference.bias.copy_(torch.tensor([0.5, -0.25]))
    t_out = reference(torch.tensor(X4))
    (t_out * t_out).sum().backward()
    assert np.allclose(layer.weight.grad, reference.weight.grad.numpy(), rtol=1e-13, atol=0)
    assert np.allclose(layer.bias.grad, reference.bias.grad.numpy(), rtol=1e-13, atol=0)  # type: ignore[union-attr]
    assert repr(layer) == "Linear(n_in=3, n_out=2, bias=True)"


def test_activation_layers() -> None:
    x = np.array([[-2.0, 0.0, 3.0]])
    assert np.allclose(nn.Tanh()(x).data, np.tanh(x))
    assert np.allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp(-x)))
    assert nn.ReLU()(x).data.tolist() == [[0.0, 0.0, 3.0]]
    assert nn.LeakyReLU(0.1)(x).data.tolist() == [[-0.2, 0.0, 3.0]]
    assert nn.Identity()(x).data.tolist() == x.tolist()
    probabilities = nn.Softmax()(np.array([[1.0, 2.0], [3.0, 3.0]])).data
    assert np.allclose(probabilities.sum(axis=1), 1) and probabilities[1, 0] == 0.5


def test_dropout_is_inverted_seeded_and_off_in_eval_mode() -> None:
    x = Tensor(np.ones((200, 50)), requires_grad=True)
    layer = nn.Dropout(0.3, rng=5)
    out = layer(x)
    kept = out.data != 0
    assert set(np.unique(out.data)) == {0.0, 1 / 0.7}
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    out.sum().backward()
    assert np.array_equal(x.grad, out.data)  # the gradient flows through the kept ones only
    assert np.array_equal(nn.Dropout(0.3, rng=5)(x).data, out.data)  # same seed, same mask
    layer.eval()
    assert layer(x) is x
    assert np.all(nn.Dropout(1.0)(x).data == 0)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\], got 1.5"):
        nn.Dropout(1.5)


def test_sequential_weights_round_trip_copies_the_arrays() -> None:
    weights = small_weights()
    model = nn.Sequential.from_weights(weights, activation="tanh", output_activation="sigmoid")
    assert [type(layer).__name__ for layer in model] == ["Linear", "Tanh", "Linear", "Sigmoid"]
    assert model.sizes == [3, 4, 2] and model.activation_names == ["tanh", "sigmoid"]
    weights[0][0][0, 0] = 99.0
    assert model.get_weights()[0][0][0, 0] != 99.0
    exported = model.get_weights()
    exported[0][0][0, 0] = 42.0
    assert model.get_weights()[0][0][0, 0] != 42.0
    other = nn.mlp([3, 4, 2], "tanh", "sigmoid", rng=np.random.default_rng(0))
    other.set_weights(model.get_weights())
    assert np.array_equal(other(X4).data, model(X4).data)
    with pytest.raises(ValueError, match=r"layer 1: weight matrix has shape \(3, 4\), the "):
        other.set_weights(small_weights(sizes=(3, 4, 3)))
    with pytest.raises(ValueError, match="got weights for 1 layers, the network has 2"):
        other.set_weights(small_weights(sizes=(3, 4)))
    with pytest.raises(ValueError, match="not an MLP: layer 0"):
        nn.Sequential(nn.Tanh(), nn.Linear(2, 2)).get_weights()


def test_value_mlp_and_sequential_compute_the_same_function_from_weights() -> None:
    weights = small_weights(2)
    value_net = nn.MLP.from_weights(weights, activation="sigmoid", output_activation="tanh")
    tensor_net = nn.Sequential.from_weights(weights, activation="sigmoid", output_activation="tanh")
    expected = backprop.Network(weights, "sigmoid", "tanh").feedforward(X4)
    assert np.allclose(tensor_net(X4).data, expected, rtol=0, atol=1e-15)
    for x, row in zip(X4, expected):
        assert np.allclose([v.data for v in value_net(list(x))], row, rtol=0, atol=1e-15)


# ----------------------------------------------------------------------------- trace: deltas


def test_tensor_trace_deltas_are_the_closed_form_deltas() -> None:
    weights = small_weights(4, sizes=(3, 5, 4, 2))
    Y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    model = nn.Sequential.from_weights(weights, activation="sigmoid", output_activation="sigmoid")
    pairs = model.trace(X4)
    assert [z.shape for z, _ in pairs] == [(4, 5), (4, 4), (4, 2)]
    losses.quadratic_cost(pairs[-1][1], Y).backward()
    oracle = backprop.Network(weights, "sigmoid", "sigmoid", cost="quadratic").gradients(X4, Y)
    for (z, _), delta in zip(pairs, oracle.deltas):
        assert np.allclose(z.grad, delta, rtol=1e-12, atol=1e-16)
    for layer, dW, db in zip(model.layers[::2], oracle.dW, oracle.db):
        assert np.allclose(layer.weight.grad, dW, rtol=1e-12, atol=1e-16)  # type: ignore[attr-defined]
        assert np.allclose(layer.bias.grad, db, rtol=1e-12, atol=1e-16)  # type: ignore[attr-defined]


def test_value_trace_deltas_are_the_closed_form_deltas() -> None:
    weights = small_weights(5)
    model = nn.MLP.from_weights(weights, activation="tanh", output_activation="linear")
    x, y = X4[0], np.array([0.5, -0.5])
    pairs = model.trace(list(x))
    losses.quadratic_cost(pairs[-1][1], y).backward()
    oracle = backprop.Network(weights, "tanh", "identity", cost="quadratic").backprop_example(x, y)
    for (zs, _), delta in zip(pairs, oracle.deltas):
        assert np.allclose([z.grad for z in zs], delta, rtol=1e-12, atol=1e-16)


def test_a_linear_output_layer_traces_a_as_z_itself() -> None:
    model = nn.mlp([3, 4, 2], "relu", "linear", rng=np.random.default_rng(0))
    (z1, a1), (z2, a2) = model.trace(X4)
    assert a2 is z2 and a1 is not z1
    value_pairs = nn.mlp([3, 2], engine="value", rng=np.random.default_rng(0)).trace([1.0] * 3)
    assert all(a is z for a, z in zip(*value_pairs[-1]))
    assert isinstance(value_pairs[0][0][0], Value)


def test_docstring_examples() -> None:
    results = doctest.testmod(nn)
    assert results.failed == 0 and results.attempted >= 10


def test_a_layer_makes_one_leaf_per_input_number_shared_by_its_neurons() -> None:
    from autograd_lite.engine import topological_order

    random.seed(0)
    layer = nn.Layer(2, 3, nonlin=False)
    outputs = layer([1.5, -2.0])
    assert isinstance(outputs, list)
    parameters = {id(p) for p in layer.parameters()}
    inputs = {
        id(node): node.data
        for out in outputs
        for node in topological_order(out)
        if node.op is None and id(node) not in parameters
    }
    assert sorted(inputs.values()) == [-2.0, 1.5]  # two leaves, not six
    # and the arithmetic is micrograd's: w . x + b for every neuron
    for neuron, out in zip(layer.neurons, outputs):
        w = [wi.data for wi in neuron.w]
        assert out.data == neuron.b.data + w[0] * 1.5 + w[1] * -2.0
