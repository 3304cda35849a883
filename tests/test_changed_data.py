"""Issue 14, item 2: data assigned after the forward pass is refused by backward.

The derivative rules read the inputs' data when backward runs. Before, changing a leaf's
data between the forward pass and backward silently gave a gradient that mixed old and
new numbers (200 instead of 2 below); now backward raises DataChangedError, as PyTorch
does for a tensor changed in place, while the ordinary training loop (forward, backward,
optimizer step, forward again) runs as before.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from autograd_lite import Tensor, Value, grad, nn, no_grad, optim
from autograd_lite.engine import DataChangedError, topological_order


def test_the_reported_case_is_refused_instead_of_giving_200() -> None:
    x = Value(0.01, label="x")
    y = 100 * x * x
    y.label = "y"
    x.data = 1.0  # after the forward pass: the old code gave x.grad == 200.0
    with pytest.raises(DataChangedError) as caught:
        y.backward()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("x.data was changed after it was used to compute y")
    assert "recompute y" in message
    assert x.grad == 0.0  # refused before any gradient moved


def test_recomputing_after_the_change_gives_the_right_gradient() -> None:
    x = Value(0.01, label="x")
    y = 100 * x * x
    x.data = 1.0
    with pytest.raises(DataChangedError):
        y.backward()
    y = 100 * x * x
    y.backward()
    assert x.grad == pytest.approx(200.0, rel=1e-15)  # d(100 x^2)/dx at the new x = 1


def test_the_refusal_repeats_on_a_second_try() -> None:
    x = Value(2.0)
    y = (x * x).tanh() * 3.0
    x.data = 3.0
    for _ in range(2):
        with pytest.raises(DataChangedError):
            y.backward()


def test_backward_again_after_a_change_is_refused() -> None:
    x = Value(2.0)
    y = x * x
    y.backward()
    assert x.grad == 4.0
    x.data = 5.0
    with pytest.raises(DataChangedError):
        y.backward()
    assert x.grad == 4.0


def test_backward_twice_without_a_change_still_accumulates() -> None:
    x = Value(2.0)
    y = x * x * x
    y.backward()
    y.backward()
    assert x.grad == 24.0


def test_ops_whose_rules_do_not_read_their_inputs_accept_the_change() -> None:
    # d(x + 1)/dx = 1 and d(-x)/dx = -1 whatever x is: nothing to refuse (as in PyTorch).
    x = Value(2.0)
    y = -(x + 1.0) - x
    x.data = 7.0
    y.backward()
    assert x.grad == -2.0


def test_a_change_before_the_forward_pass_is_fine_inside_or_outside_no_grad() -> None:
    x = Value(2.0)
    x.data = 3.0
    with no_grad():
        x.data = 4.0
    y = x * x
    y.backward()
    assert x.grad == 8.0


def test_no_grad_does_not_make_a_change_after_the_forward_pass_safe() -> None:
    x = Value(2.0)
    y = x * x
    with no_grad():
        x.data = 4.0
    with pytest.raises(DataChangedError):
        y.backward()


def test_an_input_that_needs_no_gradient_is_checked_too() -> None:
    # W's gradient is x: a new batch written into x after the forward pass would be used.
    W = Tensor(np.ones((2, 3)), requires_grad=True, label="W")
    x = Tensor(np.arange(3.0), label="x")
    loss = (W @ x).sum()
    x.data = np.zeros(3)
    with pytest.raises(DataChangedError, match=r"^x\.data was changed"):
        loss.backward()
    assert W.grad is None


def test_tensor_assignment_and_augmented_assignment_are_seen() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    w.data += 1.0  # NumPy adds in place, then the property assigns: seen
    with pytest.raises(DataChangedError, match="leaf Tensor of shape"):
        loss.backward()


def test_numpy_edits_in_place_are_seen_after_mark_data_changed() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    w.data[0] = 100.0
    w.mark_data_changed()
    with pytest.raises(DataChangedError):
        loss.backward()


def test_an_optimizer_step_between_forward_and_backward_is_refused() -> None:
    for make in (lambda: Value(1.5), lambda: Tensor([1.5], requires_grad=True)):
        w = make()
        opt = optim.SGD([w], lr=0.1)
        (w * w).sum().backward() if isinstance(w, Tensor) else (w * w).backward()
        loss = w * w * w
        opt.step()
        with pytest.raises(DataChangedError):
            loss.sum().backward() if isinstance(w, Tensor) else loss.backward()


@pytest.mark.parametrize("kind", ["value", "tensor"])
def test_the_normal_training_loop_is_not_refused(kind: str) -> None:
    random.seed(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 2))
    Y = np.tanh(X[:, :1] - X[:, 1:])
    if kind == "value":
        model: object = nn.MLP(2, [4, 1])
        rows = [[Value(float(a)) for a in row] for row in X]

        def loss_fn() -> object:
            outs = [model(row) for row in rows]  # type: ignore[operator]
            return sum((o - float(t)) ** 2 for o, t in zip(outs, Y[:, 0]))
    else:
        model = nn.mlp([2, 4, 1], activation="tanh")
        inputs, targets = Tensor(X), Tensor(Y)

        def loss_fn() -> object:
            return ((model(inputs) - targets) ** 2).sum()  # type: ignore[operator]

    opt = optim.Adam(model.parameters(), lr=0.05)  # type: ignore[attr-defined]
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()  # type: ignore[attr-defined]
        opt.step()
        losses.append(float(loss.data))  # type: ignore[attr-defined]
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("layer", [0, 1])
def test_a_weight_changed_after_a_neuron_used_it_is_refused(layer: int) -> None:
    # A Value network's neurons build their sums with value.weighted_sum, which fills
    # the nodes itself: its nodes must carry the time stamp the check compares.
    random.seed(0)
    model = nn.MLP(2, [3, 1])
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    model.layers[layer].neurons[0].w[1].data = 0.25
    with pytest.raises(DataChangedError, match="was changed after it was used"):
        loss.backward()
    loss = (model([0.5, -1.0]) - 1.0) ** 2  # recomputed: fine
    loss.backward()


def test_setting_weights_and_loading_then_training_is_not_refused() -> None:
    model = nn.mlp([2, 3, 1], activation="tanh")
    x = Tensor(np.ones((4, 2)))
    model(x).sum().backward()
    model.set_weights(model.get_weights())
    model.zero_grad()
    model(x).sum().backward()  # a fresh forward pass after the change: fine
    assert all(p.grad is not None for p in model.parameters())


def test_functional_grad_and_second_order_are_not_refused() -> None:
    f = grad(lambda x: (x * x * x).tanh())
    assert f(Value(0.3)).data == pytest.approx(3 * 0.09 * (1 - np.tanh(0.027) ** 2), rel=1e-12)
    x = Value(0.5)
    y = x**3
    y.backward(create_graph=True)
    g = x.grad
    x.zero_grad()
    g.backward()
    assert x.grad == pytest.approx(3.0)  # d^2(x^3)/dx^2 = 6x


def test_value_data_assignment_converts_to_float_and_refuses_non_numbers() -> None:
    x = Value(1.0)
    x.data = 3
    assert type(x.data) is float and x.data == 3.0
    with pytest.raises(TypeError, match="real number"):
        x.data = "3"  # type: ignore[assignment]


def test_looking_at_a_changed_graph_is_refused_too() -> None:
    # topological_order is what the stepper walks: it must not show mixed numbers.
    x = Value(2.0)
    y = x * x
    x.data = 3.0
    with pytest.raises(DataChangedError):
        topological_order(y)


def test_a_node_kind_that_forgets_the_stamp_gets_a_clear_error() -> None:
    # What a node kind written elsewhere sees if it leaves _mark as None (the engine's
    # contract: an int, see engine.py "Changed data").
    x = Value(2.0)
    y = x * x
    x._mark = None
    with pytest.raises(TypeError, match="without a time stamp in its _mark slot"):
        y.backward()
