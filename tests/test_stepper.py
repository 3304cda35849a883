"""Tests of ``autograd_lite.stepper``: replaying the engine's own backward steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Tensor, Value, backprop, engine, nn
from autograd_lite.naming import number_leaves
from autograd_lite.parse import parse_assignments, parse_expression
from autograd_lite.stepper import Stepper, format_value

KARPATHY_B = 6.8813735870195432  # makes tanh(x*w + b) = 0.7071... for x = 2, w = -3


def tanh_neuron(b: float = KARPATHY_B) -> Value:
    return parse_expression("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": b})


def square() -> Value:
    a = Value(3.0, label="a")
    return a * a


def diamond() -> Value:
    x = Value(0.5, label="x")
    shared = (x * 2.0).tanh()
    left, right = shared + 1.0, shared * x
    return (left * right).exp() - shared


def relu_and_friends() -> Value:
    return parse_expression(
        "relu(-x) + x/y + x**y + exp(y)*sigmoid(x) - abs(y) + log(x) + sin(x*y)",
        {"x": 2.0, "y": -3.0},
    )


VALUE_GRAPHS: list[Callable[[], Value]] = [tanh_neuron, square, diamond, relu_and_friends]


def tensor_graph() -> Tensor:
    """Broadcasting (a bias row), a matrix product, a ReLU and a node used twice."""
    x = Tensor(np.linspace(-1.0, 1.0, 12).reshape(4, 3), requires_grad=True, label="x")
    b = Tensor([[0.5, -0.25, 0.1]], requires_grad=True, label="b")
    W = Tensor(np.arange(6.0).reshape(3, 2) / 5 - 0.5, requires_grad=True, label="W")
    h = (x + b).relu()
    out = (h @ W).tanh() * 2.0 + h.sum(axis=1, keepdims=True)
    return (out * out).sum()


def grads(root: Any) -> list[Any]:
    """Every gradient of the graph, in the engine's order (arrays copied)."""
    return [
        n.grad.copy() if isinstance(n.grad, np.ndarray) else n.grad
        for n in engine.topological_order(root)
    ]


def same(a: Any, b: Any) -> bool:
    """Exactly equal (NaN equal to NaN), for floats, arrays and None."""
    if a is None or b is None:
        return a is None and b is None
    return bool(np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True))


def assert_same_grads(first: list[Any], second: list[Any]) -> None:
    assert len(first) == len(second)
    for i, (a, b) in enumerate(zip(first, second)):
        assert same(a, b), f"node {i}: {a!r} != {b!r}"


# ----------------------------------------------------------------------------- exactness


@pytest.mark.parametrize("build", VALUE_GRAPHS, ids=lambda f: f.__name__)
def test_after_run_every_value_gradient_is_exactly_backwards(build: Callable[[], Value]) -> None:
    reference = build()
    reference.backward()
    stepped = build()
    stepper = Stepper(stepped)
    stepper.run()
    assert stepper.done
    assert_same_grads(grads(stepped), grads(reference))


def test_after_run_every_tensor_gradient_is_exactly_backwards() -> None:
    reference = tensor_graph()
    reference.backward()
    stepped = tensor_graph()
    stepper = Stepper(stepped)
    stepper.run()
    assert any(view.step.summed_from == (4, 3) for view in stepper.steps)
    assert_same_grads(grads(stepped), grads(reference))


def test_a_non_scalar_tensor_needs_a_gradient_like_backward() -> None:
    def build() -> Tensor:
        x = Tensor([[1.0, 2.0], [3.0, -4.0]], requires_grad=True, label="x")
        return (x * x).tanh()

    with pytest.raises(ValueError, match=r"needs a gradient"):
        Stepper(build())
    with pytest.raises(ValueError, match=r"does not match"):
        Stepper(build(), gradient=np.ones(3))
    seed = np.array([[1.0, -2.0], [0.5, 3.0]])
    reference = build()
    reference.backward(seed)
    stepped = build()
    Stepper(stepped, gradient=seed).run()
    assert_same_grads(grads(stepped), grads(reference))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["+", "-", "*", "tanh", "sigmoid", "relu", "neg"]),
            st.integers(0, 100),
            st.integers(0, 100),
        ),
        min_size=1,
        max_size=12,
    ),
    st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3),
)
def test_random_graphs_with_sharing_replay_exactly(
    program: list[tuple[str, int, int]], inputs: list[float]
) -> None:
    def build() -> Value:
        nodes = [Value(v, label=f"v{i}") for i, v in enumerate(inputs)]
        for op, i, j in program:  # each op reads any earlier node: lots of sharing
            a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
            unary = {"tanh": a.tanh, "sigmoid": a.sigmoid, "relu": a.relu, "neg": a.__neg__}
            if op in unary:
                nodes.append(unary[op]())
            else:
                nodes.append({"+": a + b, "-": a - b, "*": a * b}[op])
        return nodes[-1]

    reference = build()
    reference.backward()
    stepped = build()
    stepper = Stepper(stepped)
    stepper.run()
    assert_same_grads(grads(stepped), grads(reference))
    stepper.reset()
    stepper.run()
    assert_same_grads(grads(stepped), grads(reference))


# ----------------------------------------------------------------------------- back and reset


@pytest.mark.parametrize("build", [*VALUE_GRAPHS, tensor_graph], ids=lambda f: f.__name__)
def test_back_restores_the_gradients_of_the_previous_step(build: Callable[[], Any]) -> None:
    root = build()
    stepper = Stepper(root)
    states = [grads(root)]
    while not stepper.done:
        view = stepper.next()
        assert view is not None and view.number == len(states)
        assert same(view.step.input.grad, view.step.after)
        states.append(grads(root))
    for k in range(len(stepper), 0, -1):
        undone = stepper.back()
        assert undone is not None and undone.number == k
        assert stepper.position == k - 1
        assert_same_grads(grads(root), states[k - 1])
    assert stepper.back() is None and stepper.current is None
    stepper.run_to(stepper.steps[len(stepper) // 2].step.input, first=True)
    stepper.reset()
    assert_same_grads(grads(root), states[0])


def test_the_pass_starts_from_zero_with_the_seed_at_the_root() -> None:
    root = tanh_neuron()
    stepper = Stepper(root)
    assert root.grad == 1.0 and stepper.seed == 1.0
    leaves = [n for n in engine.topological_order(root) if n.op is None]
    interior = [n for n in engine.topological_order(root) if n.op is not None and n is not root]
    assert [n.grad for n in leaves] == [0.0, 0.0, 0.0]
    assert [n.grad for n in interior] == [None, None]  # as the engine has them mid-pass


def test_earlier_leaf_gradients_are_saved_and_restored_on_close() -> None:
    root = tanh_neuron()
    root.backward()
    root.backward()  # leaves now hold twice the gradient
    before = grads(root)
    single = tanh_neuron()
    single.backward()
    with Stepper(root) as stepper:
        stepper.run()
        assert_same_grads(grads(root), grads(single))  # one pass from zero, not added in
    assert stepper.closed
    assert_same_grads(grads(root), before)
    with pytest.raises(RuntimeError, match="closed"):
        stepper.next()


def test_next_at_the_end_and_back_at_the_start_return_none() -> None:
    stepper = Stepper(square())
    assert len(stepper) == 2 and stepper.current is None and stepper.back() is None
    stepper.run()
    assert stepper.next() is None and stepper.done
    assert stepper.current is stepper.steps[-1]


def test_a_leaf_root_has_no_steps() -> None:
    x = Value(2.0, label="x")
    stepper = Stepper(x)
    assert len(stepper) == 0 and stepper.done and x.grad == 1.0
    assert stepper.run() == [] and stepper.run_to(x) == []


def test_records_are_safe_from_in_place_changes() -> None:
    root = tensor_graph()
    stepper = Stepper(root)
    view = stepper.next()
    assert view is not None
    expected = view.step.after.copy()
    view.step.input.grad += 100.0  # a user's in-place change to the shown gradient
    stepper.back()
    stepper.next()
    assert np.array_equal(view.step.input.grad, expected)


# ----------------------------------------------------------------------------- run_to


def test_run_to_stops_when_the_node_has_all_its_gradient() -> None:
    root = parse_expression("x*x + x*y", {"x": 2.0, "y": 5.0})
    stepper = Stepper(root)
    x = stepper.find("x")
    applied = stepper.run_to(x, first=True)
    assert applied[-1].step.input is x and applied[-1].arrival == 1
    assert x.grad == 2.0  # the first of three paths
    applied = stepper.run_to("x")
    assert applied[-1].step.input is x and applied[-1].complete
    assert x.grad == 2 * 2.0 + 5.0
    assert stepper.run_to("x") == []  # already there: nothing moves back
    assert stepper.run_to(root) == []  # the root holds the seed from the start
    with pytest.raises(ValueError, match=r"no node called 'q'; names: "):
        stepper.run_to("q")
    with pytest.raises(ValueError, match="not a node of this graph"):
        stepper.run_to(Value(1.0))


def test_find_by_label_or_drawing_name() -> None:
    stepper = Stepper(tanh_neuron())
    assert stepper.find("w").label == "w"
    assert stepper.find("n5") is stepper.root  # the name viz.draw and viz.text use
    twice = Stepper(Value(1.0, label="x") + Value(2.0, label="x"))
    with pytest.raises(ValueError, match="2 nodes called 'x'"):
        twice.find("x")


# ----------------------------------------------------------------------------- what a step says


def test_the_tanh_step_shows_rule_numbers_and_accumulation() -> None:
    stepper = Stepper(tanh_neuron())
    first = stepper.next()
    assert str(first) == repr(first)
    assert str(first).splitlines() == [
        "step 1 of 5: from tanh(x*w + b) to x*w + b (argument 1 of tanh)",
        "  rule      d tanh(x*w + b)/d(x*w + b) = 1 - tanh(x*w + b)^2",
        "  at        x*w + b = 0.881374, tanh(x*w + b) = 0.707107",
        "  local     1 - 0.707107^2 = 0.5",
        "  upstream  tanh(x*w + b).grad = 1.0",
        "  chain     (x*w + b).grad += 0.5 * 1.0 = 0.5",
    ]
    assert first is not None and first.local_derivative == pytest.approx(0.5, abs=1e-15)
    stepper.run_to("b")
    text = str(stepper.current)
    assert "d(x*w + b)/d b = 1" in text and "b.grad += 1.0 * 0.5 = 0.5" in text


def test_the_product_step_substitutes_the_other_input() -> None:
    stepper = Stepper(tanh_neuron(6.88))
    views = stepper.run()
    to_x = next(v for v in views if v.input_name == "x")
    assert to_x.text().splitlines()[2:] == [
        "  at        x = 2.0, w = -3.0, x*w = -6.0",
        "  local     w = -3.0",
        "  upstream  (x*w).grad = 0.500972",
        "  chain     x.grad += -3.0 * 0.500972 = -1.50292",
    ]


def test_a_second_path_shows_the_sum() -> None:
    stepper = Stepper(square())
    first, second = stepper.run()
    assert first.arrival == 1 and first.arrivals == 2 and not first.second_path
    assert "a.grad += 3.0 * 1.0 = 3.0  (path 1 of 2 into a)" in str(first)
    assert second.second_path and second.complete
    assert str(second).splitlines()[-2:] == [
        "  chain     contribution = 3.0 * 1.0 = 3.0",
        "  sum rule  a.grad = 3.0 + 3.0 = 6.0  (second of 2 paths into a: their gradients add up)",
    ]
    # The engine's Step.shared cannot tell for Value leaves (their grad starts at 0.0);
    # the stepper counts the arrivals itself.
    assert "the multivariable chain rule" in second.explanation
    assert "the multivariable chain rule" not in first.explanation


def test_negative_numbers_get_parentheses_where_needed() -> None:
    stepper = Stepper(parse_expression("x/y", {"x": 2.0, "y": -3.0}))
    to_x, to_y = stepper.run()
    assert "  local     1/(-3.0) = -0.333333" in str(to_x)
    assert "  local     -2.0/(-3.0)^2 = -0.222222" in str(to_y)


def test_explanations_say_why() -> None:
    relu = Stepper(parse_expression("relu(x)", {"x": -1.5})).next()
    assert relu is not None
    assert relu.explanation == (
        "A ReLU passes the gradient where its input was positive and zero elsewhere. "
        "Its input was -1.5, not positive, so it passes zero."
    )
    assert "relu(x).grad" in str(relu) and "x.grad += 0.0 * 1.0 = 0.0" in str(relu)
    stepper = Stepper(tensor_graph())
    views = stepper.run()
    to_b = next(v for v in views if v.input_name == "b")
    assert to_b.explanation.endswith(
        "b was broadcast from (1, 3) to (4, 3): each of its numbers was used 4 times, so the 4 "
        "gradients that reach each one are summed back."
    )
    relus = [v for v in views if v.step.op.name == "relu"]
    assert "4 of its 12 inputs were not positive; those get zero." in relus[0].explanation
    assert "in words  " + to_b.explanation in to_b.text(explain=True)
    assert "in words" not in to_b.text()


def test_tensor_steps_show_shapes_arrays_and_the_sum_back() -> None:
    stepper = Stepper(tensor_graph())
    views = stepper.run()
    to_b = next(v for v in views if v.input_name == "b")
    lines = to_b.text().splitlines()
    assert lines[0].endswith("to b (argument 2 of +)")
    assert "  shapes    x (4, 3), b (1, 3) -> out (4, 3)" in lines
    assert "  sum-back  summed over broadcast axis 0 from (4, 3) to (1, 3)" in lines
    assert lines[-1] == f"  chain     b.grad += {format_value(to_b.step.after)}"
    assert format_value(to_b.step.after).startswith("[[") and to_b.local_derivative is None
    upstream = next(line for line in lines if line.startswith("  upstream"))
    assert "array of shape (4, 3): min " in upstream and ", norm " in upstream


def test_format_value() -> None:
    assert format_value(None) == "none yet"
    assert format_value(np.array([[1.0, -2.5], [3.0, 0.125]])) == "[[1.0, -2.5], [3.0, 0.125]]"
    assert format_value(np.arange(9.0)) == "array of shape (9,): min 0.0, max 8.0, norm 14.2829"
    assert format_value(np.float64(2.0)) == "2.0" and format_value(float("nan")) == "nan"


def test_expressions_name_nodes_without_ambiguity() -> None:
    root = parse_expression("relu(-x) + tanh(-x) + 3*x", {"x": 2.0})
    stepper = Stepper(root, constants=number_leaves(root))
    texts = [v.input_text for v in stepper.steps]
    assert "-x" not in texts  # two different nodes would both read "-x"
    assert any(t.startswith("n") and t[1:].isdigit() for t in texts)
    # the 3 of 3*x is a constant: nobody needs its gradient, so no step goes into it
    assert "3" not in texts and stepper.hidden == 1
    assert "(3*x).grad" in str(stepper.run_to(stepper.find("x"))[-1])


def test_unlabelled_values_of_a_python_program_get_their_steps() -> None:
    # micrograd-style code labels nothing: its leaves are parameters, not constants
    a, b = Value(2.0), Value(3.0)
    stepper = Stepper(a * b + a)
    assert stepper.hidden == 0 and len(stepper) == 4
    stepper.run()
    assert (a.grad, b.grad) == (4.0, 2.0)


def test_table_lists_every_step_and_marks_the_current_one() -> None:
    stepper = Stepper(square())
    table = stepper.table().splitlines()
    assert table[0].split() == [
        "#", "from", "to", "rule", "local", "upstream", "contribution", "grad", "after",
        "delta", "(closed", "form)",
    ]  # fmt: skip
    row = ["1", "a*a", "a", "d(a*a)/d", "a", "=", "a", "3.0", "1.0", "3.0", "3.0", "path", "1/2"]
    assert table[1].split() == row
    assert table[-1] == "2 steps, 0 applied"
    stepper.next()
    stepper.next()
    table = stepper.table().splitlines()
    assert table[2].startswith(">") and table[2].split()[-2:] == ["path", "2/2"]
    assert table[2].split()[-3] == "6.0"
    assert table[-1] == "2 steps, 2 applied, > marks the current one"


def test_draw_highlights_the_node_and_the_gradient_of_the_current_step() -> None:
    from autograd_lite import viz

    stepper = Stepper(tanh_neuron(6.88))
    assert "orange" not in viz.draw_step(stepper).source
    stepper.next()
    stepper.next()  # x*w + b sends gradient to x*w (node n3) along its argument 1
    source = viz.draw_step(stepper).source
    # the gradient travels backward: from the + operation (n4_op) to its input x*w (n3)
    assert 'n4_op -> n3 [label="+= 0.5010" color=blue' in source
    assert "n3 -> n4_op [label=1]" in source  # the forward edge stays as it is
    node = next(line for line in source.splitlines() if line.strip().startswith("n3 [label="))
    assert "fillcolor=orange" in node and "step 2: (x·w).grad += 1.0 * 0.500972" in node
    assert "x·w" in node and "grad 0.5010" in node  # its name, and its gradient at this step
    assert viz.draw_step(stepper, rankdir="TB").source != source


# ----------------------------------------------------------------------------- networks


def closed_form_deltas(model: Any, x: list[float], y: list[float], cost: str) -> list[Any]:
    layers = model.layers
    output = layers[-1].neurons[0].activation
    hidden = layers[0].neurons[0].activation if len(layers) > 1 else output
    network = backprop.Network(model.get_weights(), hidden, output, cost)
    return network.backprop_example(x, y).deltas


@pytest.mark.parametrize(
    ("sizes", "activation", "output", "cost"),
    [
        ([2, 2, 1], "sigmoid", "sigmoid", "quadratic"),
        ([3, 4, 3, 2], "tanh", "linear", "quadratic"),
        ([2, 3, 2], "relu", "sigmoid", "mse"),
        ([2, 2, 2], "linear", "tanh", "mse"),  # z^1 = a^1 receives gradient on two paths
        ([3, 2], "tanh", "tanh", "quadratic"),  # one layer: BP1 only
    ],
)
def test_mlp_deltas_equal_the_closed_form(
    sizes: list[int], activation: str, output: str, cost: str
) -> None:
    rng = np.random.default_rng(7)
    model = nn.MLP(sizes[0], sizes[1:], activation=activation, output_activation=output, rng=rng)
    x = [float(v) for v in rng.uniform(-1, 1, sizes[0])]
    y = [float(v) for v in rng.uniform(0, 1, sizes[-1])]
    expected = closed_form_deltas(model, x, y, cost)
    stepper = Stepper.for_mlp(model, x, y, cost=cost)
    stepper.run()
    seen = {}
    for view in stepper.steps:
        if view.closed_form is None:
            continue
        layer, neuron = map(int, view.input_name[2:].split("_"))
        assert view.input_name == f"z^{layer}_{neuron}"
        if not view.complete:
            assert view.delta is None and "so far" in str(view)
            continue
        closed = expected[layer - 1][neuron - 1]
        assert view.closed_form.value == pytest.approx(closed, abs=1e-12)
        assert view.delta == pytest.approx(closed, abs=1e-12)
        assert view.delta == view.step.input.grad  # the z node's gradient, complete
        equation = "BP1" if layer == len(sizes) - 1 else "BP2"
        text = str(view)
        assert (
            f"  {equation} (" in text and f"delta^{layer}_{neuron} = dC/dz^{layer}_{neuron}" in text
        )
        assert f"{view.delta:.12g}" in text and f"{view.closed_form.value:.12g}" in text
        seen[(layer, neuron)] = view.delta
    assert len(seen) == sum(sizes[1:])


def test_for_mlp_restores_the_model_gradients_on_close() -> None:
    model = nn.MLP(2, [2, 1], activation="tanh", rng=np.random.default_rng(0))
    for i, p in enumerate(model.parameters()):
        p.grad = float(i)
    with Stepper.for_mlp(model, [0.5, -1.0], [0.25]) as stepper:
        stepper.run()
        assert model.parameters()[0].grad != 0.0
    assert [p.grad for p in model.parameters()] == [float(i) for i in range(9)]


def test_for_mlp_rejects_what_it_cannot_show() -> None:
    model = nn.MLP(2, [1], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="unknown cost 'hinge'; for_mlp knows quadratic, mse"):
        Stepper.for_mlp(model, [1.0, 2.0], [0.0], cost="hinge")
    with pytest.raises(ValueError, match="y has 2 targets, the network has 1 outputs"):
        Stepper.for_mlp(model, [1.0, 2.0], [0.0, 1.0])


class TinyTensorMLP:
    """A Tensor network with ``trace`` and ``get_weights``, as nn's Tensor networks have."""

    activation = "tanh"
    output_activation = "sigmoid"

    def __init__(self, weights: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.params = [
            (Tensor(W, requires_grad=True), Tensor(b, requires_grad=True)) for W, b in weights
        ]

    def trace(self, x: Tensor) -> list[tuple[Tensor, Tensor]]:
        pairs = []
        for i, (W, b) in enumerate(self.params):
            z = x @ W.T + b
            x = z.sigmoid() if i == len(self.params) - 1 else z.tanh()
            pairs.append((z, x))
        return pairs

    def get_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(W.data.copy(), b.data.copy()) for W, b in self.params]


def test_tensor_mlp_deltas_equal_the_closed_form() -> None:
    rng = np.random.default_rng(3)
    weights = [
        (rng.normal(size=(4, 3)), rng.normal(size=4)),
        (rng.normal(size=(2, 4)), rng.normal(size=2)),
    ]
    model = TinyTensorMLP(weights)
    X, Y = rng.uniform(-1, 1, (5, 3)), rng.uniform(0, 1, (5, 2))
    expected = backprop.Network(weights, "tanh", "sigmoid").gradients(X, Y).deltas
    stepper = Stepper.for_mlp(model, X, Y)
    stepper.run()
    complete = [v for v in stepper.steps if v.closed_form is not None and v.complete]
    assert [v.input_name for v in complete] == ["z^2", "z^1"]
    for view, closed in zip(complete, reversed(expected)):
        assert np.allclose(view.closed_form.value, closed, atol=1e-12, rtol=0)
        assert np.allclose(view.delta, closed, atol=1e-12, rtol=0)
    names = {v.input_name for v in stepper.steps}
    assert {"W^1", "b^1", "W^2", "b^2", "z^1", "a^1", "z^2", "a^2"} <= names
    bias = next(v for v in stepper.steps if v.input_name == "b^1")
    assert "summed over broadcast axis 0 from (5, 4) to (4,)" in str(bias)


def test_a_tensor_network_on_one_example_is_a_batch_of_one() -> None:
    # The same example as a list, as a row: one graph, one set of deltas (this used to
    # fail inside the Value network's naming with an AttributeError).
    from autograd_lite import nn

    model = nn.mlp([2, 3, 1], "tanh", "sigmoid", rng=np.random.default_rng(4))
    weights = model.get_weights()
    one = Stepper.for_mlp(model, [0.5, -1.0], [0.8])
    row = Stepper.for_mlp(model, np.array([[0.5, -1.0]]), np.array([[0.8]]))
    assert one.graph is not None and one.graph.title.endswith("the mean over 1 example")
    expected = backprop.Network(weights, "tanh", "sigmoid").gradients(
        np.array([[0.5, -1.0]]), np.array([[0.8]])
    )
    for stepper in (one, row):
        stepper.run()
        complete = [v for v in stepper.steps if v.closed_form is not None and v.complete]
        assert [v.input_name for v in complete] == ["z^2", "z^1"]
        for view, closed in zip(complete, reversed(expected.deltas)):
            np.testing.assert_allclose(view.delta, closed, rtol=0, atol=1e-12)
        stepper.close()


def test_parsed_assignments_work_as_variables() -> None:
    root = parse_expression("x*y", parse_assignments("x=2 y=3"))
    assert [v.summary() for v in Stepper(root).run()] == [
        "step 1 of 2: x.grad += 3.0 * 1.0 = 3.0",
        "step 2 of 2: y.grad += 2.0 * 1.0 = 2.0",
    ]


def test_node_kinds_do_not_import_presentation() -> None:
    import ast
    from pathlib import Path

    import autograd_lite

    package = Path(autograd_lite.__file__).parent
    presentation = {"stepper", "viz", "cli", "naming", "explorer"}

    def imported(module: str) -> set[str]:
        tree = ast.parse((package / f"{module}.py").read_text(encoding="utf-8"))
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module.split(".")[0])
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.Import):
                names.update(alias.name.split(".")[-1] for alias in node.names)
        return names

    for kind in ("value", "tensor", "engine"):
        assert not imported(kind) & presentation, kind
    # Arrows between presentation modules point one way: naming at the bottom, then the
    # stepper, the page builder and the renderer (whose `explorer()` puts them together).
    modules = ("naming", "stepper", "explorer", "viz")
    arrows = {m: imported(m) & (set(modules) - {m}) for m in modules}
    assert arrows["naming"] == set()
    assert "viz" not in arrows["stepper"] and "explorer" not in arrows["stepper"]
    assert "viz" not in arrows["explorer"]
    assert "cli" not in set().union(*(imported(m) for m in modules))
    stepper = Stepper(tanh_neuron())
    assert repr(stepper) == "<Stepper tanh(x*w + b): 0 of 5 steps applied>"


def test_arguments_past_z_are_numbered_as_in_the_picture() -> None:
    from autograd_lite import viz
    from autograd_lite.tensor import concatenate

    parts = [Tensor(np.array([float(i)]), requires_grad=True) for i in range(28)]
    root = concatenate(parts).sum()
    stepper = Stepper(root)
    header = stepper.run()[-1].header()
    assert header.endswith("(argument 28 of concatenate)"), header
    assert "argument argument" not in stepper.table()
    edge = [line.strip() for line in viz.draw(root).source.splitlines() if "[label=28]" in line]
    assert len(edge) == 1
