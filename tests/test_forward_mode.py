"""Issue 17's functional API, comparisons and mixing of node kinds.

Forward mode (jvp, jacfwd, hessian, hvp) is checked against reverse mode and against
``torch.func``; comparisons against the decision written in the README (a Value
comparison is a Comparison: Python truth and a 0/1 constant; a Tensor comparison is a
NumPy boolean array); mixing against closed forms.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import autograd_lite as al
from autograd_lite import (
    Comparison,
    Tensor,
    Value,
    elementwise_grad,
    engine,
    grad,
    grad_and_aux,
    hessian,
    hvp,
    jacfwd,
    jacrev,
    jvp,
    value_and_grad,
    vjp,
)
from autograd_lite.losses import binary_cross_entropy, cross_entropy, mse
from autograd_lite.tensor import concatenate, linear, stack, where

torch_func: Any = torch.func
RTOL = 1e-12


# ----------------------------------------------------------------------------- grad's options


def test_keyword_arguments_pass_through_and_are_not_differentiated() -> None:
    assert grad(lambda x, k=1.0: x * k)(2.0, k=3.0) == 3.0
    value, g = value_and_grad(lambda x, scale=1.0: (x * x).sum() * scale)(np.ones(2), scale=2.0)
    assert value == 4.0
    np.testing.assert_array_equal(g, [4.0, 4.0])


def test_has_aux_returns_the_auxiliary_data_as_plain_data() -> None:
    def f(x: Any) -> tuple[Any, Any]:
        return (x * x).sum(), {"squares": x * x, "note": "ok"}

    g, aux = grad(f, has_aux=True)(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(g, [2.0, 4.0])
    assert aux["note"] == "ok" and type(aux["squares"]) is np.ndarray
    (value, aux2), g2 = value_and_grad(f, has_aux=True)(np.array([1.0, 2.0]))
    assert value == 5.0 and np.array_equal(g2, g) and aux2["note"] == "ok"
    assert grad_and_aux(lambda x: (x**3, x.data))(2.0) == (12.0, 2.0)
    with pytest.raises(TypeError, match="must return a pair"):
        grad(lambda x: x, has_aux=True)(1.0)


@pytest.mark.parametrize(
    "f",
    [
        lambda x, y: 3.0,
        lambda x, y: x < y,
        lambda x, y: x >= y,
        lambda x, y: (x == y) * 2.0,
        lambda x, y: np.float64(1.5),
    ],
    ids=["constant", "<", ">=", "== times 2", "numpy scalar"],
)
def test_grad_of_a_constant_or_a_comparison_is_zero(f: Callable[..., Any]) -> None:
    assert grad(f, argnums=(0, 1))(0.7, 1.8) == (0.0, 0.0)
    ga, gb = grad(lambda a, b: np.sum(f(a, b)) + 0.0, argnums=(0, 1))(np.ones(3), np.zeros(3))
    np.testing.assert_array_equal(ga, np.zeros(3))
    np.testing.assert_array_equal(gb, np.zeros(3))
    assert grad(grad(f))(0.7, 1.8) == 0.0  # nested: zeros that can be differentiated


def test_value_and_grad_of_a_comparison_gives_its_value() -> None:
    value, g = value_and_grad(lambda x, y: x < y)(0.7, 1.8)
    assert value == 1.0 and g == 0.0


def test_elementwise_grad_is_the_diagonal_of_the_jacobian() -> None:
    x = np.array([0.3, -1.0, 2.0])
    f = lambda a: al.sin(a) * a + al.cosh(a)  # noqa: E731
    np.testing.assert_allclose(elementwise_grad(f)(x), np.diag(jacrev(f)(x)), rtol=RTOL)
    assert elementwise_grad(f)(0.3) == pytest.approx(grad(f)(0.3), rel=RTOL)


def test_vjp_matches_torch() -> None:
    x = np.array([0.5, -0.2, 1.5])
    v = np.array([1.0, 2.0, -3.0])
    out, pullback = vjp(lambda a: al.sin(a) * a.sum(), x)
    _, torch_pullback = torch_func.vjp(lambda a: torch.sin(a) * a.sum(), torch.tensor(x))
    np.testing.assert_allclose(out, np.sin(x) * x.sum(), rtol=RTOL)
    (ours,) = pullback(v)
    (theirs,) = torch_pullback(torch.tensor(v))
    np.testing.assert_allclose(ours, theirs.numpy(), rtol=RTOL)
    np.testing.assert_allclose(pullback(2 * v)[0], 2 * theirs.numpy(), rtol=RTOL)  # reusable


# ----------------------------------------------------------------------------- forward mode


def mlp(theta: Any) -> Any:
    w = theta[:6].reshape(3, 2)
    b = theta[6:9]
    x = np.array([[0.5, -1.0], [1.5, 0.25]])
    return (linear(x, w, b).tanh() * 2.0).softmax(-1)


def mlp_torch(theta: torch.Tensor) -> torch.Tensor:
    w = theta[:6].reshape(3, 2)
    b = theta[6:9]
    x = torch.tensor([[0.5, -1.0], [1.5, 0.25]], dtype=torch.float64)
    return (torch.nn.functional.linear(x, w, b).tanh() * 2.0).softmax(-1)


THETA = np.linspace(-1.0, 1.2, 9)


def test_jvp_matches_torch_on_a_small_network() -> None:
    direction = np.cos(np.arange(9.0))
    out, tangent = jvp(mlp, (THETA,), (direction,))
    t_out, t_tangent = torch_func.jvp(mlp_torch, (torch.tensor(THETA),), (torch.tensor(direction),))
    np.testing.assert_allclose(out, t_out.numpy(), rtol=RTOL)
    np.testing.assert_allclose(tangent, t_tangent.numpy(), rtol=1e-11, atol=1e-16)


def test_jacfwd_equals_jacrev_equals_torch() -> None:
    forward, reverse = jacfwd(mlp)(THETA), jacrev(mlp)(THETA)
    expected = torch_func.jacrev(mlp_torch)(torch.tensor(THETA)).numpy()
    assert forward.shape == reverse.shape == (2, 3, 9)
    np.testing.assert_allclose(forward, expected, rtol=1e-11, atol=1e-16)
    np.testing.assert_allclose(reverse, expected, rtol=1e-11, atol=1e-16)


def test_dual_numbers_on_values() -> None:
    def f(x: Any, y: Any) -> Any:
        return al.sin(x * y) + x**3 / y

    out, tangent = jvp(f, (1.2, 0.7), (1.0, 0.0))
    assert out == pytest.approx(math.sin(0.84) + 1.2**3 / 0.7, rel=RTOL)
    assert tangent == pytest.approx(0.7 * math.cos(0.84) + 3 * 1.2**2 / 0.7, rel=RTOL)
    assert jvp(f, (1.2, 0.7), (0.0, 1.0))[1] == pytest.approx(grad(f, 1)(1.2, 0.7), rel=RTOL)


def test_one_input_many_outputs_in_one_forward_pass() -> None:
    ks = np.arange(5.0)
    out, tangent = jvp(lambda x: al.sin(x * ks), (0.3,), (1.0,))
    np.testing.assert_allclose(out, np.sin(0.3 * ks), rtol=RTOL)
    np.testing.assert_allclose(tangent, ks * np.cos(0.3 * ks), rtol=RTOL)
    np.testing.assert_allclose(jacfwd(lambda x: al.sin(x * ks))(0.3), tangent, rtol=RTOL)
    np.testing.assert_allclose(jacrev(lambda x: al.sin(x * ks))(0.3), tangent, rtol=RTOL)


def loss(theta: Any) -> Any:
    return (mlp(theta) ** 2).sum() + (theta * theta).sum() * 0.1


def loss_torch(theta: torch.Tensor) -> torch.Tensor:
    return (mlp_torch(theta) ** 2).sum() + (theta * theta).sum() * 0.1


def test_hessian_is_forward_over_reverse_and_matches_torch() -> None:
    ours = hessian(loss)(THETA)
    expected = torch.autograd.functional.hessian(loss_torch, torch.tensor(THETA)).numpy()
    np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-14)
    assert hessian(lambda x: x**4)(2.0) == 48.0


def test_hvp_forward_over_reverse_equals_reverse_over_forward_and_reverse_over_reverse() -> None:
    v = np.sin(np.arange(9.0))
    forward_over_reverse = hvp(loss, THETA, v)
    reverse_over_forward = grad(lambda t: jvp(loss, (t,), (v,))[1])(THETA)
    reverse_over_reverse = grad(lambda t: (grad(loss)(t) * v).sum())(THETA)
    _, expected = torch.autograd.functional.hvp(loss_torch, torch.tensor(THETA), torch.tensor(v))
    for ours in (forward_over_reverse, reverse_over_forward, reverse_over_reverse):
        np.testing.assert_allclose(ours, expected.numpy(), rtol=1e-10, atol=1e-14)


def test_forward_over_forward_gives_second_derivatives() -> None:
    def second(x: float) -> Any:
        return jvp(lambda y: jvp(lambda z: z.tan(), (y,), (1.0,))[1], (x,), (1.0,))[1]

    x = 0.4
    assert second(x) == pytest.approx(2 * math.tan(x) / math.cos(x) ** 2, rel=RTOL)


TENSOR_OPS: dict[str, Callable[[Any], Any]] = {
    "reshape+transpose": lambda x: (x.reshape(3, 2).T * x.reshape(2, 3)).exp(),
    "sum/mean over axes": lambda x: x.sum(axis=0) * x.mean(axis=1, keepdims=True),
    "max with ties": lambda x: (x * 0.0 + 1.0).max(axis=1) * x.max(),
    "indexing with repeats": lambda x: x[[0, 0, 1], 1:] * 2.0,
    "concatenate/stack": lambda x: concatenate([x, x * x], axis=0)[1:3] + stack([x, x]).sum(0),
    "matmul (batched)": lambda x: (stack([x, x * 2]) @ x.T) @ x,
    "linear": lambda x: linear(x, x * x, x[:, 0]) + linear(x, np.ones((2, 3))),
    "softmax/log_softmax": lambda x: x.softmax(0) + x.log_softmax(-1),
    "where/maximum/minimum": lambda x: (
        where(x.data > 0.1, x, x * x) + al.maximum(x, 0.3) + al.minimum(x, x.T.reshape(2, 3))
    ),
    "broadcasting": lambda x: x + x[0] * x[:, :1],
    "mse": lambda x: mse(x, np.ones((2, 3))),
    "binary_cross_entropy": lambda x: binary_cross_entropy(x.sigmoid(), np.eye(2, 3)),
    "cross_entropy": lambda x: cross_entropy(x, np.array([2, 0])),
    "value among arrays": lambda x: x * Value(2.0) + x.sum() * x,
}


@pytest.mark.parametrize("name", list(TENSOR_OPS))
def test_forward_mode_through_every_tensor_op_equals_reverse_mode(name: str) -> None:
    x = np.array([[0.2, -0.7, 1.3], [0.9, 0.4, -0.1]])
    f = TENSOR_OPS[name]
    forward, reverse = jacfwd(f)(x), jacrev(f)(x)
    np.testing.assert_allclose(forward, reverse, rtol=1e-12, atol=1e-15)
    second_forward = jacfwd(lambda t: jacrev(lambda u: f(u).sum())(t))(x)
    second_reverse = jacrev(lambda t: jacrev(lambda u: f(u).sum())(t))(x)
    np.testing.assert_allclose(second_forward, second_reverse, rtol=1e-10, atol=1e-13)


def test_push_tangents_applies_one_rule_per_edge_reached() -> None:
    x, y = Value(1.0), Value(2.0)
    out = (x * y + x).tanh()  # edges: x->*, y->*, *->+, x->+, +->tanh; tanh(3)
    counter = [0]
    tangent = engine.push_tangents(out, {x: 1.0}, counter=counter)
    assert counter[0] == 4  # y's edge carries no tangent
    assert tangent == pytest.approx((1 - math.tanh(3.0) ** 2) * 3.0, rel=RTOL)


def test_jvp_checks_its_arguments() -> None:
    with pytest.raises(ValueError, match="2 primals but 1 tangents"):
        jvp(lambda a, b: a * b, (1.0, 2.0), (1.0,))
    with pytest.raises(ValueError, match=r"tangent of shape \(3,\).*\(2,\)"):
        jvp(lambda a: a, (np.ones(2),), (np.ones(3),))


# ----------------------------------------------------------------------------- comparisons


def test_a_value_comparison_is_python_truth_and_a_constant_node() -> None:
    x = Value(-2.0)
    branch = "positive" if x > 0 else "not positive"
    assert branch == "not positive"
    assert sorted([Value(3.0), x, Value(1.0)])[0] is x and max(Value(1.0), x).data == 1.0
    c = x < 0
    assert isinstance(c, Comparison) and bool(c) and c.data == 1.0 and c.parents == ()
    relu = (x > 0) * x + (x <= 0) * 0.01 * x  # a leaky ReLU built from comparisons
    relu.backward()
    assert relu.data == pytest.approx(-0.02) and x.grad == pytest.approx(0.01)
    assert repr(Value(1.0) + 1.2 > Value(0.5)) == "Comparison(True)"


def test_tensor_comparisons_are_boolean_arrays_usable_as_masks_and_constants() -> None:
    t = Tensor([-1.0, 0.5, 2.0], requires_grad=True)
    mask = t > 0
    assert type(mask) is np.ndarray and mask.dtype == bool
    np.testing.assert_array_equal(t[mask].data, [0.5, 2.0])
    y = (mask * t * t).sum() + where(t < 0, t, 0.0).sum()
    y.backward()
    np.testing.assert_array_equal(t.grad, [1.0, 1.0, 4.0])
    np.testing.assert_array_equal(t > Value(0.6), [False, False, True])
    np.testing.assert_array_equal(Value(0.6) < t, [False, False, True])


def test_maximum_and_minimum_split_ties_as_torch() -> None:
    a = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([2.0, 2.0, 1.0], dtype=torch.float64, requires_grad=True)
    (torch.maximum(a, b) * 3 + torch.minimum(a, b)).sum().backward()
    ta = Tensor(a.detach().numpy(), requires_grad=True)
    tb = Tensor(b.detach().numpy(), requires_grad=True)
    (al.maximum(ta, tb) * 3 + al.minimum(ta, tb)).sum().backward()
    assert a.grad is not None and b.grad is not None
    np.testing.assert_array_equal(ta.grad, a.grad.numpy())
    np.testing.assert_array_equal(tb.grad, b.grad.numpy())


# ----------------------------------------------------------------------------- mixing


def test_a_value_times_an_array_lifts_the_value_and_its_gradient_flows_back() -> None:
    assert grad(lambda x, y: (x * y).sum())(2.0, np.ones(4)) == 4.0
    x = Value(3.0)
    out = (np.arange(3.0) * x + x / np.ones(3) - np.ones(3) ** x).sum()
    assert isinstance(out, Tensor)
    out.backward()
    assert x.grad == pytest.approx(3.0 + 3.0 - 0.0, rel=RTOL)  # d(1^x)/dx = ln(1) = 0


def test_a_tensor_with_a_value_keeps_the_tensor_dtype_and_both_gradients() -> None:
    x = Value(0.5)
    t = Tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    y = t * x + x
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad == pytest.approx(3.0 + 2.0) and t.grad is not None
    np.testing.assert_array_equal(t.grad, [0.5, 0.5])


def test_second_derivatives_through_a_lifted_value() -> None:
    # d2/dx2 of sum(x^2 * a) = 2 sum(a)
    a = np.array([1.0, 2.0, 4.0])
    assert grad(grad(lambda x: (x * x * a).sum()))(1.5) == pytest.approx(14.0, rel=RTOL)
    assert hessian(lambda x: (x * x * a).sum())(1.5) == pytest.approx(14.0, rel=RTOL)


# ----------------------------------------------------------------------------- micrograd's names


def test_micrograd_op_names_where_its_tools_read_them() -> None:
    x = Value(2.0)
    assert (x**3)._op == "**3" and (x**0.5)._op == "**0.5" and (x**-1)._op == "**-1"
    assert x.relu()._op == "ReLU" and (x * x)._op == "*" and (x + 1)._op == "+"
    assert x.relu().op is not None and x.relu().op.name == "relu"  # our tools keep ours
    assert (x**3).op is not None and (x**3).op.name == "**"
    assert (x ** Value(2.0) * x)._op == "*"


def test_tangents_and_cotangents_given_as_nodes_stay_in_the_graph() -> None:
    """d/du of vjp(f, x)(u) is the gradient itself; d/dv of jvp(f, x, v) is J (a bug
    once turned a Value cotangent into a constant array, giving 0)."""
    x, w = np.array([0.3, -0.5, 1.0]), np.array([0.2, 1.0, -0.3])

    def f(y: Any) -> Any:
        return (al.sin(y) ** 2).sum()

    gradient = grad(f)(x)
    by_u = grad(lambda u: (vjp(f, x)[1](u)[0] * w).sum())(1.5)
    assert by_u == pytest.approx(float(gradient @ w), rel=RTOL)
    by_v = grad(lambda v: jvp(f, (x,), (v,))[1])(np.ones(3))
    np.testing.assert_allclose(by_v, gradient, rtol=RTOL)
    by_scalar_v = grad(lambda s: jvp(lambda y: y * np.arange(3.0), (2.0,), (s,))[1].sum())(1.0)
    assert by_scalar_v == 3.0


def test_value_methods_given_an_array_say_what_lifts_it() -> None:
    with pytest.raises(TypeError, match=r"shape \(2,\).*module functions.*0-d Tensor"):
        Value(1.0).hypot(np.ones(2))
    lifted = al.hypot(Value(1.0), np.ones(2))  # the module function lifts it
    np.testing.assert_allclose(lifted.data, np.sqrt(2.0))


def test_jacobians_with_several_argnums_are_tuples() -> None:
    def f(a: Any, b: Any) -> Any:
        return al.sin(a) * b

    a, b = np.array([0.2, 0.4]), np.array([1.5, -2.0])
    for jac in (jacfwd, jacrev):
        ja, jb = jac(f, argnums=(0, 1))(a, b)
        np.testing.assert_allclose(ja, np.diag(np.cos(a) * b), rtol=RTOL)
        np.testing.assert_allclose(jb, np.diag(np.sin(a)), rtol=RTOL)


def _cumsum(x: Tensor, tangent: bool) -> Tensor:
    """A user's own array op (a running sum): elementwise it is not."""
    op = al.engine.Op(
        "cumsum",
        (lambda g, out, a: np.cumsum(g[::-1])[::-1],),
        ("d cumsum(a)_i/da_j = 1 if j <= i",),
        tangent=(lambda ts, out, a: np.cumsum(ts[0])) if tangent else None,
    )
    return Tensor(np.cumsum(x.data), _parents=(x,), _op=op)


def test_an_array_op_without_a_tangent_rule_is_refused_not_guessed() -> None:
    # Applying the backward rule to the tangent would be right only for an elementwise op;
    # here it would give the reversed running sum, a wrong answer without a word.
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(NotImplementedError, match="'cumsum' op: it has no tangent rule"):
        jvp(lambda t: _cumsum(t, tangent=False), (x,), (np.array([1.0, 0.0, 0.0]),))
    # reverse mode through the same op works, and with a tangent rule forward mode agrees
    f = lambda t: _cumsum(t, tangent=True) * 2.0  # noqa: E731
    _, forward = jvp(f, (x,), (np.array([1.0, 0.0, 0.0]),))
    np.testing.assert_array_equal(forward, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(jacfwd(f)(x), jacrev(f)(x))


def test_every_library_op_without_a_tangent_rule_is_elementwise_or_has_one_output() -> None:
    # The ops forward mode may apply backward rules to: marked elementwise (or broadcasting),
    # or losses with one output number (where the gradient is dotted with the tangents).
    x = Tensor(np.array([[0.3, -0.2], [0.1, 0.5]]), requires_grad=True)
    for name in (*al.elementwise.METHODS_OF_ONE, "neg"):
        op = (-x if name == "neg" else getattr(x, name)()).op
        assert op is not None and (op.tangent is not None or op.elementwise), name
    for name in al.elementwise.METHODS_OF_TWO:
        op = getattr(x, name)(x * 0.5).op
        assert op is not None and (op.tangent is not None or op.elementwise), name
