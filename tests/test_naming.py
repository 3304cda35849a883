"""Tests of ``autograd_lite.naming``: one name per node, and the example networks."""

from __future__ import annotations

import numpy as np
import pytest

from autograd_lite import backprop, nn, weights
from autograd_lite.naming import (
    Names,
    NetworkSpec,
    build_network,
    number_leaves,
    pretty,
    value_network_graph,
)
from autograd_lite.parse import parse_expression
from autograd_lite.stepper import Stepper


def test_expressions_name_unnamed_nodes_and_find_takes_every_spelling() -> None:
    root = parse_expression("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})
    names = Names(root)
    assert [names.name(n) for n in names.order] == [
        "b", "w", "x", "x*w", "x*w + b", "tanh(x*w + b)"
    ]  # fmt: skip
    total = root.parents[0]
    for spelling in ("x*w + b", "x*w+b", " x * w + b ", "x·w + b", f"n{names.index[total]}"):
        assert names.find(spelling) is total
    assert names.grad_of(total) == "(x*w + b).grad" and names.grad_of(root) == "tanh(x*w + b).grad"
    with pytest.raises(ValueError, match="no node called 'q'; names: b, w, x, x\\*w"):
        names.find("q")


def test_constants_are_numbers_and_need_no_gradient() -> None:
    root = parse_expression("x**3 + 0.5*x", {"x": 2.0})
    names = Names(root, constants=number_leaves(root))
    constants = [n for n in names.order if names.is_constant(n)]
    assert sorted(names.text(n) for n in constants) == ["0.5", "3"]
    assert "3" not in names.known() and names.pretty(constants[0]) == ""
    stepper = Stepper(root, constants=number_leaves(root))
    assert stepper.hidden == 2 and all(not names.is_constant(v.step.input) for v in stepper.steps)
    stepper.run()
    assert names.find("x").grad == 3 * 2.0**2 + 0.5  # still exactly backward()'s gradient


def test_two_nodes_never_read_the_same() -> None:
    names = Names(parse_expression("relu(-x) + tanh(-x)", {"x": 2.0}))
    texts = [names.text(n) for n in names.order]
    assert len(texts) == len(set(texts)) and "-x" not in texts


def test_pretty_and_back() -> None:
    assert pretty("w^2_11") == "w²₁₁" and pretty("z^1_1[k<=2]") == "z¹₁[k≤2]"
    assert pretty("w^1_12,3") == "w¹₁₂,₃" and pretty("delta^2_1") == "δ²₁"


def test_network_names_partial_sums_and_targets() -> None:
    example = build_network(NetworkSpec(layers=(3, 2, 1), seed=1))
    names = example.names
    given = set(example.graph.names.values())
    for name in ("x_1", "x_3", "w^1_23", "b^1_2", "z^1_2", "a^1_2", "w^2_12", "z^2_1", "y_1", "C"):
        assert name in given
    z = example.find("z^1_1")
    partial = z.parents[0]
    assert names.name(partial) == "z^1_1[k<=2]" and names.find("z¹₁[k≤2]") is partial
    assert names.name(partial.parents[0]) == "z^1_1[k<=1]"
    assert names.name(partial.parents[1]) == "w^1_12*x_2"
    # no interior node of a network is called by its number
    assert not any(name.startswith("n") and name[1:].isdigit() for name in names.known())
    target = example.find("y_1")
    assert names.is_constant(target) and "y_1" in names.known()


@pytest.mark.parametrize(
    ("activation", "output", "cost"),
    [
        ("sigmoid", None, "quadratic"),
        ("tanh", "sigmoid", "mse"),
        ("relu", "sigmoid", "cross_entropy"),
        ("tanh", "tanh", "cross_entropy"),
        ("sigmoid", "softmax", "log_likelihood"),
        ("identity", "identity", "quadratic"),
    ],
)
def test_every_delta_equals_its_closed_form(activation: str, output: str | None, cost: str) -> None:
    spec = NetworkSpec(layers=(2, 3, 3), activation=activation, output_activation=output, cost=cost)
    if cost == "cross_entropy" and output == "tanh":
        # tanh outputs leave (0, 1): the closed form refuses, and so does build_network
        with pytest.raises(ValueError, match="strictly between 0 and 1"):
            build_network(spec, batch=1).root.backward()
        return
    example = build_network(spec)
    example.root.backward()
    oracle = example.oracle
    assert example.root.data == pytest.approx(oracle.cost, rel=1e-12)
    for l, zs in enumerate(example.graph.zs):
        for j, z in enumerate(zs):
            assert z.grad == pytest.approx(oracle.deltas[l][j], rel=1e-9, abs=1e-14)
            assert example.closed_forms[z].value == pytest.approx(z.grad, rel=1e-9, abs=1e-14)
    for l, layer in enumerate(example.model.layers):
        for j, neuron in enumerate(layer.neurons):
            assert neuron.b.grad == pytest.approx(oracle.db[l][j], rel=1e-9, abs=1e-14)


def test_bp2_is_written_as_its_sum_of_terms() -> None:
    example = build_network(NetworkSpec(layers=(2, 2, 2)))
    form = example.closed_forms[example.find("z^1_2")]
    assert form.formula == ("delta^1_2 = (w^2_12 delta^2_1 + w^2_22 delta^2_2) * sigmoid'(z^1_2)")
    W2 = example.weights[1][0]
    d2 = example.oracle.deltas[1]
    pulled = W2[0, 1] * d2[0] + W2[1, 1] * d2[1]
    assert form.value == pytest.approx(
        pulled * (example.oracle.activations[1][1] * (1 - example.oracle.activations[1][1]))
    )
    assert form.substituted.count(" * ") == 3  # two products and the sigma' factor


def test_weights_files_and_descriptions(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "net.npz"
    saved = [(np.array([[0.5, -1.0]]), np.array([0.25]))]
    weights.save(path, saved, ["tanh"])
    example = build_network(NetworkSpec(weights=path, input=(1.0, 2.0), target=(0.5,)))
    assert (example.sizes, example.activation, example.output_activation) == (
        [2, 1],
        "tanh",
        "tanh",
    )
    assert example.x == [1.0, 2.0] and example.y == [0.5]
    assert example.describe().startswith("MLP 2-1 (tanh, output tanh, weights from ")
    with pytest.raises(ValueError, match="does not match the network in"):
        build_network(NetworkSpec(weights=path, layers=(2, 2, 1)))
    with pytest.raises(ValueError, match="the input has 1 numbers, the network takes 2"):
        build_network(NetworkSpec(weights=path, input=(1.0,)))
    with pytest.raises(ValueError, match="unknown cost 'hinge'"):
        build_network(NetworkSpec(cost="hinge"))
    with pytest.raises(ValueError, match="softmax can only be the output activation"):
        build_network(NetworkSpec(activation="softmax"))


def test_graph_of_a_given_model_matches_the_closed_form() -> None:
    model = nn.MLP(
        2, [2, 1], activation="tanh", output_activation="sigmoid", rng=np.random.default_rng(4)
    )
    graph = value_network_graph(model, [0.3, -0.7], [1.0], cost="mse")
    graph.root.backward()
    expected = backprop.Network(model.get_weights(), "tanh", "sigmoid", "mse").backprop_example(
        [0.3, -0.7], [1.0]
    )
    assert graph.zs[1][0].grad == pytest.approx(expected.deltas[1][0], rel=1e-12)
    assert graph.title.startswith("MLP 2-2-1 (tanh, output sigmoid): C = sum_j")


def test_numbers_never_read_minus_zero() -> None:
    from autograd_lite.naming import format_number

    assert format_number(-0.0) == "0.0" and format_number(0.0) == "0.0"
    assert format_number(-3.0) == "-3.0" and format_number(0.5009721) == "0.500972"
