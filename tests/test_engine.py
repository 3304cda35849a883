"""The one backward algorithm: order, depth, determinism, steps, memory behaviour."""

from __future__ import annotations

import gc
import math
import sys
from typing import Any

import numpy as np
import pytest

from autograd_lite import Tensor, Value, engine, no_grad
from autograd_lite.engine import Op, Step, topological_order
from autograd_lite.tensor import concatenate


@pytest.mark.slow
def test_chain_of_a_million_nodes_at_default_recursion_limit() -> None:
    limit = sys.getrecursionlimit()
    x = Value(1.0)
    node = x
    steps = 500_000
    for _ in range(steps):
        node = node * 1.0 + 1.0  # two operation nodes per step; d node / d x stays 1
    assert len(topological_order(node)) >= 1_000_000
    node.backward()
    assert x.grad == 1.0
    assert node.data == 1.0 + steps
    assert sys.getrecursionlimit() == limit  # nothing raised it
    del node  # freeing a million-deep chain must not crash either
    gc.collect()


def test_deep_chain_gradient_is_the_product_of_local_derivatives() -> None:
    x = Value(0.5)
    node = x
    for _ in range(10_000):
        node = node * 1.0001
    node.backward()
    assert x.grad == pytest.approx(1.0001**10_000, rel=1e-12)


def test_topological_order_is_deterministic_and_valid() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert order == topological_order(e)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order) == 5
    for node in order:
        for parent in node.parents:
            assert position[parent] < position[node]
    assert order[-1] is e
    assert set(order[:2]) == {a, b}  # leaves first
    # backward walks the graph in reverse: the first argument's subtree comes first
    assert order[::-1][:3] == [e, d, c]


def test_parents_are_a_tuple_in_argument_order() -> None:
    a, b = Value(1.0), Value(2.0)
    assert (a - b).parents == (a, b)
    assert (b - a).parents == (b, a)
    assert a.tanh().parents == (a,)
    assert a.parents == ()


@pytest.mark.parametrize("count", [0, 1, 2, 3, 5])
def test_input_slots_give_back_the_same_parents(count: int) -> None:
    inputs = tuple(Tensor(float(i), requires_grad=True) for i in range(count))
    node = Tensor(0.0)
    node._a, node._b = engine.input_slots(inputs)
    assert engine.parents_of(node) == node.parents == inputs


def test_ops_with_more_than_two_inputs_keep_all_of_them_in_order() -> None:
    parts = [Tensor([float(i)], requires_grad=True) for i in range(4)]
    joined = concatenate(parts)
    assert joined.parents == tuple(parts)
    (joined * Tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert [float(p.grad[0]) for p in parts] == [1.0, 2.0, 3.0, 4.0]


def test_constants_get_no_gradient() -> None:
    constant = Tensor([2.0, 3.0])
    weight = Tensor([4.0, 5.0], requires_grad=True)
    (constant * weight).sum().backward()
    assert constant.grad is None
    assert weight.grad.tolist() == [2.0, 3.0]


def test_walks_over_shared_subgraphs_do_not_disturb_each_other() -> None:
    # Each walk marks the nodes it finds with its own token; marks left by an earlier
    # walk over part of the graph must not make a later walk skip those nodes.
    x = Value(1.5)
    shared = (x * x).tanh()
    first = shared * 3.0
    second = shared + first
    assert len(topological_order(first)) == 5  # x, 3.0, x*x, tanh, *3
    first.backward()
    assert len(topological_order(second)) == 6  # and the sum
    x.grad = 0.0
    second.backward()
    expected = 4.0 * (1 - math.tanh(1.5**2) ** 2) * 2 * 1.5
    assert x.grad == pytest.approx(expected, rel=1e-14)
    # a pass cut short by a failing rule leaves marks and reset gradients behind;
    # the next pass over the graph is whole all the same
    boom = Op("boom", (lambda g, out, a: 1 / 0,))
    broken = Value(shared.data, _parents=(shared,), _op=boom)
    with pytest.raises(ZeroDivisionError):
        broken.backward()
    x.grad = 0.0
    second.backward()
    assert x.grad == pytest.approx(expected, rel=1e-14)


def test_backward_twice_doubles_leaves_and_recomputes_interior() -> None:
    x = Value(3.0)
    h = x * x
    y = h + x
    y.backward()
    first_x, first_h = x.grad, h.grad
    y.backward()
    assert x.grad == 2 * first_x == 14.0
    assert h.grad == first_h == 1.0


def test_gradients_add_at_a_node_used_many_times() -> None:
    x = Value(2.0)
    total = Value(0.0)
    for k in range(100):
        total = total + x * k
    total.backward()
    assert x.grad == sum(range(100))


def test_no_grad_records_nothing_and_restores_state() -> None:
    x = Value(2.0)
    assert engine.is_grad_enabled()
    with no_grad():
        y = x * 3
        with no_grad():
            pass
        assert not engine.is_grad_enabled()
        with engine.enable_grad():
            z = x * 3
        assert not engine.is_grad_enabled()
    assert engine.is_grad_enabled()
    assert y.parents == () and y.op is None
    assert z.parents == (x, z.parents[1])
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("inside")
    assert engine.is_grad_enabled()


def test_no_grad_as_decorator() -> None:
    @no_grad()
    def f(v: Value) -> Value:
        return v * 2

    assert f(Value(1.0)).parents == ()
    assert engine.is_grad_enabled()


def test_detach_cuts_the_graph() -> None:
    x = Value(2.0)
    y = (x * x).detach() * x
    y.backward()
    assert x.grad == 4.0  # only the outer multiply sees x


def test_observer_sees_every_step_and_the_same_gradients() -> None:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    out = (x * w + b).tanh()
    steps: list[Step] = []
    engine.backward(out, 1.0, observer=steps.append)
    watched = {node: node.grad for node in topological_order(out)}
    for node in watched:
        node.grad = 0.0
    out.backward()
    assert {node: node.grad for node in topological_order(out)} == watched
    # one step per edge: tanh -> sum, sum -> (x*w, b), x*w -> (x, w)
    assert len(steps) == 5
    assert [step.index for step in steps] == list(range(5))
    first = steps[0]
    assert first.node is out and first.position == 0
    assert first.formula == "d tanh(a)/da = 1 - tanh(a)^2"
    assert first.contribution == pytest.approx(1 - out.data**2)
    assert first.local_derivative() == pytest.approx(1 - out.data**2)
    assert first.before is None and not first.shared
    last = steps[-1]
    assert last.input is w and last.after == w.grad


def test_observer_marks_a_shared_node() -> None:
    a = Value(3.0, label="a")
    out = a * a
    steps: list[Step] = []
    engine.backward(out, 1.0, observer=steps.append)
    assert [s.input for s in steps] == [a, a]
    assert steps[0].after == 3.0 and steps[1].before == 3.0 and steps[1].shared
    assert a.grad == 6.0


def test_observer_shows_broadcast_sum_as_its_own_field() -> None:
    x = Tensor(np.ones((1, 3)), requires_grad=True)
    y = Tensor(np.ones((4, 3)), requires_grad=True)
    out = (x * y).sum()
    steps: list[Step] = []
    engine.backward(out, np.array(1.0), observer=steps.append)
    to_x = [s for s in steps if s.input is x]
    assert len(to_x) == 1 and to_x[0].summed_from == (4, 3)
    np.testing.assert_array_equal(x.grad, np.full((1, 3), 4.0))


def test_no_reference_cycles_per_node() -> None:
    """Building and dropping a graph leaves nothing for the cyclic collector."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        x = Value(1.0)
        node = x
        for _ in range(1000):
            node = (node * 1.01).tanh() + x
        node.backward()
        del node, x
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()


def test_backward_restores_the_garbage_collector_state() -> None:
    x = Value(1.0)
    y = x * 2
    assert gc.isenabled()
    y.backward()
    assert gc.isenabled()
    gc.disable()
    try:
        y.backward()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_create_graph_gives_second_derivative() -> None:
    x = Value(1.5)
    y = x**3
    y.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value) and first.data == pytest.approx(3 * 1.5**2)
    x.grad = 0.0
    first.backward()
    assert x.grad == pytest.approx(6 * 1.5)


def test_zero_grad_helper_takes_nodes_and_collections() -> None:
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    (a * b * c).backward()
    engine.zero_grad(a, [b, c])
    assert (a.grad, b.grad, c.grad) == (0.0, 0.0, 0.0)


def _fast_and_observed_gradients(
    root: Value, leaves: list[Any]
) -> tuple[list[Any], list[Any], list[Step]]:
    """The leaves' gradients from plain backward and from an observed one (`_propagate`)."""
    for leaf in leaves:
        leaf.grad = 0.0 if isinstance(leaf, Value) else None
    engine.backward(root, 1.0)
    fast = [leaf.grad for leaf in leaves]
    for leaf in leaves:
        leaf.grad = 0.0 if isinstance(leaf, Value) else None
    steps: list[Step] = []
    engine.backward(root, 1.0, observer=steps.append)
    return fast, [leaf.grad for leaf in leaves], steps


def test_unchanged_rules_give_what_calling_them_gives() -> None:
    # The scalar loop skips calling `unchanged` (+, the first input of - and %): the
    # gradients must be those of the observed pass, which calls every rule.
    assert engine.unchanged(2.5, 1.0, 3.0, 4.0) == 2.5
    a, b, c = Value(1.7), Value(-0.4), Value(0.9)
    out = ((a + b) * c - (b % c) + a * (c - a)).tanh()
    fast, observed, steps = _fast_and_observed_gradients(out, [a, b, c])
    assert fast == observed
    sums = [step for step in steps if step.op.name == "+"]
    assert sums and all(step.contribution == step.upstream for step in sums)
    assert all(step.local_derivative() == 1.0 for step in sums)


def test_a_scalar_graph_with_arrays_inside_gets_the_observed_gradients() -> None:
    # Second order through arrays: x.grad is a Value whose graph holds broadcasting
    # Tensor nodes, which the scalar loop hands to _propagate.
    x, t = Value(3.0), Tensor([1.0, 2.0], requires_grad=True)
    (t * x * x).sum().backward(create_graph=True)
    gx = x.grad
    assert isinstance(gx, Value) and gx.data == 18.0
    assert any(n.op is not None and n.op.broadcasts for n in topological_order(gx))
    fast, observed, _ = _fast_and_observed_gradients(gx, [x, t])
    assert fast[0] == observed[0] == 6.0
    assert np.array_equal(fast[1], observed[1]) and np.array_equal(fast[1], [6.0, 6.0])
