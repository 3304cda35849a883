"""The functional API on both node kinds: grad, value_and_grad, hvp, jacobian.

Higher-order results are checked against PyTorch's ``torch.autograd.functional``
(float64) and against closed forms.
"""

from __future__ import annotations

import doctest
from typing import Any

import numpy as np
import pytest
import torch

from autograd_lite.functional import grad, hvp, jacobian, value_and_grad
from autograd_lite.losses import mse
from autograd_lite.tensor import Tensor, linear
from autograd_lite.value import Value


def torch_grad(t: torch.Tensor) -> np.ndarray:
    assert t.grad is not None
    return t.grad.numpy()


# torch.autograd.functional and Tensor.backward carry no annotations
torch_functional: Any = torch.autograd.functional

RTOL = 1e-12

# ----------------------------------------------------------------------------- grad on Tensors


def test_grad_of_a_tensor_function_returns_an_ndarray() -> None:
    x = np.array([0.5, -1.0, 2.0])
    g = grad(lambda t: (t**3).sum())(x)
    assert type(g) is np.ndarray and g.shape == (3,)
    np.testing.assert_allclose(g, 3 * x**2, rtol=RTOL)


def test_grad_returns_arrays_of_the_input_dtype_even_for_0d() -> None:
    g = grad(lambda t: t * t + t)(np.array(3.0))
    assert type(g) is np.ndarray and g.shape == () and g == 7.0
    g32 = grad(lambda t: (t * np.arange(2.0)).sum())(np.ones(2, np.float32))
    assert type(g32) is np.ndarray and g32.dtype == np.float32
    np.testing.assert_array_equal(g32, [0.0, 1.0])


def test_value_and_grad_with_several_arguments() -> None:
    a, b = np.array([1.0, 2.0]), np.array([[3.0], [4.0]])
    value, (ga, gb) = value_and_grad(lambda x, y: (x * y).sum(), argnums=(0, 1))(a, b)
    assert value == pytest.approx(21.0)
    np.testing.assert_array_equal(ga, [7.0, 7.0])  # broadcast: summed back to (2,)
    np.testing.assert_array_equal(gb, [[3.0], [3.0]])


def test_gradient_of_an_unused_argument_is_zero() -> None:
    g = grad(lambda x, y: (Tensor(x) * 2).sum(), argnums=1)(np.ones(2), np.ones((2, 2)))
    np.testing.assert_array_equal(g, np.zeros((2, 2)))


def test_grad_rejects_a_vector_output() -> None:
    with pytest.raises(ValueError, match=r"scalar output.*\(3,\).*jacobian"):
        grad(lambda x: x * 2)(np.ones(3))


def test_nested_grad_on_tensors() -> None:
    x = np.array([0.3, -1.2, 2.0])

    def f(t: Tensor) -> Tensor:
        return (t**3).sum()

    second = grad(lambda t: grad(f)(t).sum())(x)  # d/dx sum(3 x^2) = 6 x
    np.testing.assert_allclose(second, 6 * x, rtol=RTOL)
    third = grad(lambda t: grad(lambda u: grad(f)(u).sum())(t).sum())(x)
    np.testing.assert_allclose(third, np.full(3, 6.0), rtol=RTOL)


def test_nested_grad_on_values() -> None:
    assert grad(grad(grad(lambda x: x**4)))(2.0) == pytest.approx(48.0, rel=RTOL)
    assert grad(grad(lambda x: x.tanh()))(0.5) == pytest.approx(
        -2 * np.tanh(0.5) * (1 - np.tanh(0.5) ** 2), rel=RTOL
    )


def test_mixed_order_partial_derivative() -> None:
    # d^2/dxdy of x^2 y^3 = 6 x y^2
    def f(x: Any, y: Any) -> Any:
        return (x * x * y * y * y).sum()

    dxdy = grad(lambda x, y: grad(f, argnums=0)(x, y).sum(), argnums=1)
    np.testing.assert_allclose(dxdy(np.array([2.0]), np.array([3.0])), [108.0], rtol=RTOL)


# ----------------------------------------------------------------------------- a small MLP

SIZES = (3, 5, 4, 2)
SHAPES = [(SIZES[i + 1], SIZES[i]) for i in range(3)] + [(SIZES[i + 1],) for i in range(3)]


def unpack(theta: Any) -> list[Any]:
    """Split one flat parameter vector into W1, W2, W3, b1, b2, b3 (on Tensors or torch)."""
    pieces, start = [], 0
    for shape in SHAPES:
        size = int(np.prod(shape))
        pieces.append(theta[start : start + size].reshape(shape))
        start += size
    return pieces


N_PARAMS = sum(int(np.prod(s)) for s in SHAPES)
rng = np.random.default_rng(3)
X = rng.standard_normal((6, SIZES[0]))
Y = rng.standard_normal((6, SIZES[-1]))
THETA = rng.standard_normal(N_PARAMS) * 0.7
V = rng.standard_normal(N_PARAMS)


def mlp_loss(theta: Tensor) -> Tensor:
    w1, w2, w3, b1, b2, b3 = unpack(theta)
    h = linear(X, w1, b1).tanh()
    h = linear(h, w2, b2).sigmoid()
    return mse(linear(h, w3, b3), Y)


def mlp_loss_torch(theta: torch.Tensor) -> torch.Tensor:
    w1, w2, w3, b1, b2, b3 = unpack(theta)
    F = torch.nn.functional
    h = F.linear(torch.tensor(X), w1, b1).tanh()
    h = F.linear(h, w2, b2).sigmoid()
    return F.mse_loss(F.linear(h, w3, b3), torch.tensor(Y))


def test_mlp_gradient_matches_torch() -> None:
    value, g = value_and_grad(mlp_loss)(THETA)
    theta = torch.tensor(THETA, requires_grad=True)
    expected = mlp_loss_torch(theta)
    torch.autograd.backward(expected)
    assert float(value) == pytest.approx(expected.item(), rel=RTOL)
    np.testing.assert_allclose(g, torch_grad(theta), rtol=RTOL, atol=1e-15)


def test_hessian_vector_product_of_mlp_loss_matches_torch() -> None:
    ours = hvp(mlp_loss, THETA, V)
    _, expected = torch_functional.hvp(mlp_loss_torch, torch.tensor(THETA), torch.tensor(V))
    assert ours.shape == (N_PARAMS,)
    np.testing.assert_allclose(ours, expected.numpy(), rtol=1e-10, atol=1e-14)


def test_hvp_equals_a_column_of_the_full_hessian() -> None:
    hessian = jacobian(grad(mlp_loss))(THETA)
    assert hessian.shape == (N_PARAMS, N_PARAMS)
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-10, atol=1e-13)  # symmetric
    expected = torch_functional.hessian(mlp_loss_torch, torch.tensor(THETA))
    np.testing.assert_allclose(hessian, expected.numpy(), rtol=1e-10, atol=1e-13)
    e3 = np.zeros(N_PARAMS)
    e3[3] = 1.0
    np.testing.assert_allclose(hvp(mlp_loss, THETA, e3), hessian[:, 3], rtol=1e-10, atol=1e-14)


def test_hvp_on_values_and_numbers() -> None:
    assert hvp(lambda x: x**3, 2.0, 1.0) == pytest.approx(12.0, rel=RTOL)
    assert hvp(lambda x: x.sin(), 0.5, 2.0) == pytest.approx(-2 * np.sin(0.5), rel=RTOL)


def test_hvp_with_cross_entropy_softmax_network() -> None:
    from autograd_lite.losses import cross_entropy

    labels = np.array([0, 1, 1, 0, 1, 0])

    def loss(theta: Tensor) -> Tensor:
        w1, w2, w3, b1, b2, b3 = unpack(theta)
        h = linear(linear(X, w1, b1).sigmoid(), w2, b2).tanh()
        return cross_entropy(linear(h, w3, b3), labels)

    def loss_torch(theta: torch.Tensor) -> torch.Tensor:
        w1, w2, w3, b1, b2, b3 = unpack(theta)
        F = torch.nn.functional
        h = F.linear(F.linear(torch.tensor(X), w1, b1).sigmoid(), w2, b2).tanh()
        return F.cross_entropy(F.linear(h, w3, b3), torch.tensor(labels))

    _, expected = torch_functional.hvp(loss_torch, torch.tensor(THETA), torch.tensor(V))
    np.testing.assert_allclose(hvp(loss, THETA, V), expected.numpy(), rtol=1e-10, atol=1e-14)


# ----------------------------------------------------------------------------- jacobian


def vector_function(x: Any) -> Any:
    return ((x * x).softmax(-1) * x.sum()).tanh()


def test_jacobian_matches_torch() -> None:
    x = np.array([0.2, -0.5, 1.1, 0.7])
    ours = jacobian(vector_function)(x)
    expected = torch_functional.jacobian(vector_function, torch.tensor(x))
    assert ours.shape == (4, 4)
    np.testing.assert_allclose(ours, expected.numpy(), rtol=RTOL, atol=1e-15)


def test_jacobian_shape_is_output_shape_then_input_shape() -> None:
    x = np.arange(6.0).reshape(2, 3) / 10

    def f(t: Any) -> Any:
        return t.sum(axis=0) * t[0]

    ours = jacobian(f)(x)
    expected = torch_functional.jacobian(f, torch.tensor(x))
    assert ours.shape == (3, 2, 3)
    np.testing.assert_allclose(ours, expected.numpy(), rtol=RTOL, atol=1e-15)


def test_jacobian_of_a_constant_function_is_zero() -> None:
    np.testing.assert_array_equal(
        jacobian(lambda t: Tensor(np.ones(2)))(np.ones(3)), np.zeros((2, 3))
    )


def test_jacobian_with_argnums_and_scalar_value_function() -> None:
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    j = jacobian(lambda x, m: m @ x, argnums=1)(np.array([1.0, -1.0]), w)
    assert j.shape == (2, 2, 2)
    np.testing.assert_array_equal(j[0, 0], [1.0, -1.0])
    np.testing.assert_array_equal(j[0, 1], [0.0, 0.0])
    assert jacobian(lambda v: v * v)(3.0) == pytest.approx(6.0)


def test_jacobian_of_a_scalar_function_evaluates_it_once() -> None:
    calls = []

    def f(v: Value) -> Value:
        calls.append(v)
        return v * v

    assert jacobian(f)(3.0) == 6.0
    assert len(calls) == 1


def test_jacobian_nests_inside_grad() -> None:
    # d/dx of trace(J(x)) for J of x -> x^3 (elementwise) is 6x
    x = np.array([0.5, -2.0])
    g = grad(lambda t: (jacobian(lambda u: u**3)(t) * np.eye(2)).sum())(x)
    np.testing.assert_allclose(g, 6 * x, rtol=RTOL)


def test_value_inputs_to_grad_return_values_for_nesting() -> None:
    v = Value(3.0)
    g = grad(lambda x: x * x)(v)
    assert isinstance(g, Value) and g.data == 6.0


def test_docstring_examples() -> None:
    from autograd_lite import functional

    results = doctest.testmod(functional)
    assert results.failed == 0 and results.attempted >= 8
