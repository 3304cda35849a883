"""Tensor: construction, graph recording, gradient semantics, numerics and errors.

The op-by-op comparison with PyTorch is in test_tensor_torch.py; here are the
behaviours around the ops: what is recorded and when, how gradients accumulate, what
the numbers are at the edges, and what the error messages say.
"""

from __future__ import annotations

import doctest
import gc
import re
import warnings

import numpy as np
import pytest

from autograd_lite import engine
from autograd_lite.engine import Op, no_grad
from autograd_lite.tensor import Tensor, concatenate, linear, maximum, stack, where

# ----------------------------------------------------------------------------- construction


def test_data_is_float64_by_default_and_float32_is_kept() -> None:
    assert Tensor([1, 2, 3]).dtype == np.float64
    assert Tensor(np.array([True, False])).dtype == np.float64
    assert Tensor(np.arange(3, dtype=np.uint8)).dtype == np.float64
    assert Tensor(2.5).dtype == np.float64
    assert Tensor(np.ones(2, dtype=np.float16)).dtype == np.float64
    f32 = np.ones((2, 2), dtype=np.float32)
    assert Tensor(f32).dtype == np.float32
    assert Tensor(f32).data is f32  # no copy when the dtype is already accepted
    np.testing.assert_array_equal(Tensor([[1, 2], [3, 4]]).data, [[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.parametrize(
    "bad, what",
    [
        (np.array([1 + 2j]), "complex"),
        (1 + 2j, "complex"),
        (np.array(["a", "b"]), "string"),
        ("hello", "string"),
        (np.array([object()]), "object"),
        ([1.0, None], "object"),
    ],
)
def test_rejects_non_real_data_with_a_clear_type_error(bad: object, what: str) -> None:
    with pytest.raises(TypeError) as error:
        Tensor(bad)
    message = str(error.value)
    assert what in message
    assert "float64" in message and "float32" in message and "int" in message


def test_ragged_data_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="rectangular"):
        Tensor([[1.0, 2.0], [3.0]])


def test_attributes() -> None:
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, label="t")
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and len(t) == 2
    assert t.dtype == np.float64 and t.label == "t"
    assert t.op is None and t.parents == () and t.grad is None and t.requires_grad
    assert t.numpy() is t.data
    assert Tensor([[4.0]]).item() == 4.0 and isinstance(Tensor(4.0).item(), float)
    assert float(Tensor(2.5)) == 2.5
    np.testing.assert_array_equal(np.asarray(t), t.data)
    with pytest.raises(ValueError, match=r"one element.*\(2, 3\)"):
        t.item()
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))


def test_slots_and_no_instance_dict() -> None:
    t = Tensor(1.0)
    assert not hasattr(t, "__dict__")
    with pytest.raises(AttributeError):
        t.something = 1  # type: ignore[attr-defined]


def test_repr() -> None:
    assert repr(Tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    t = Tensor([1.0], requires_grad=True, label="w")
    assert repr(t) == "Tensor([1.], requires_grad=True, label='w')"
    assert "op='*'" in repr(t * 2) and "dtype=float32" in repr(Tensor(np.ones(1, np.float32)))


# ----------------------------------------------------------------------------- graph recording


def test_result_records_parents_only_when_an_input_requires_grad() -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0])
    c = a * b
    assert c.requires_grad and c.parents == (a, b) and c.op is not None and c.op.name == "*"
    d = b * b
    assert not d.requires_grad and d.parents == () and d.op is None


def test_no_grad_records_nothing() -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        c = (a * 3).sum()
        i = a[[0, 0]]
        s = stack([a, a])
    for node in (c, i, s):
        assert node.parents == () and node.op is None and not node.requires_grad


def test_numbers_and_arrays_become_constant_parents() -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    c = a + 1.5
    constant = c.parents[1]
    assert isinstance(constant, Tensor) and not constant.requires_grad
    d = np.array([2.0, 3.0]) * a  # ndarray on the left defers to Tensor
    assert isinstance(d, Tensor) and isinstance(d.parents[0], Tensor)
    d.sum().backward()
    np.testing.assert_array_equal(a.grad, [2.0, 3.0])
    assert constant.grad is None and d.parents[0].grad is None


def test_number_operand_keeps_float32() -> None:
    a = Tensor(np.ones(3, np.float32), requires_grad=True)
    assert (a * 0.5 + 1).dtype == np.float32
    assert (2.0**a).dtype == np.float32
    (a * 0.5).sum().backward()
    assert a.grad.dtype == np.float32


def test_float32_leaf_gets_float32_gradient_even_after_promotion() -> None:
    a = Tensor(np.ones(3, np.float32), requires_grad=True)
    out = (a * np.arange(3.0)).sum()  # a float64 array: the output is float64, as in NumPy
    assert out.dtype == np.float64
    out.backward()
    assert type(a.grad) is np.ndarray and a.grad.dtype == np.float32  # as PyTorch
    np.testing.assert_array_equal(a.grad, [0.0, 1.0, 2.0])


def test_comparisons_return_plain_boolean_arrays() -> None:
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = Tensor([3.0, 2.0, 1.0])
    for result, expected in [
        (a < b, [True, False, False]),
        (a <= b, [True, True, False]),
        (a > 2.0, [False, False, True]),
        (a >= np.array([1.0, 3.0, 3.0]), [True, False, True]),
        (a == b, [False, True, False]),
        (a != b, [True, False, True]),
    ]:
        assert type(result) is np.ndarray and result.dtype == bool
        np.testing.assert_array_equal(result, expected)
    assert {a, b} == {a, b} and len({a, b}) == 2  # hashable by identity


def test_graphs_hold_no_reference_cycles() -> None:
    # One Op per parameter, closing over the parameter only (never over the node), so a
    # graph is freed by reference counting alone: the cyclic collector finds nothing.
    gc.collect()
    gc.disable()
    try:
        a = Tensor(np.ones((3, 4)), requires_grad=True)
        out = (a[[0, 0, 2]].sum(axis=0, keepdims=True).max(axis=-1) * 2).mean()
        out = concatenate([out.reshape(1), stack([a.sum()])]).leaky_relu(0.3).softmax().sum()
        out.backward()
        out.backward()
        del out, a
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_ops_with_the_same_parameters_share_one_op() -> None:
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    assert a.sum(axis=1).op is a.sum(axis=-1).op
    assert a.leaky_relu(0.2).op is a.leaky_relu(0.2).op


# ----------------------------------------------------------------------------- gradients


def test_backward_on_scalar_seeds_one() -> None:
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, -4.0, 6.0])


def test_size_one_tensor_seeds_ones_of_its_shape() -> None:
    x = Tensor([[2.0]], requires_grad=True)
    y = x * x
    y.backward()
    assert y.grad.shape == (1, 1)
    np.testing.assert_array_equal(x.grad, [[4.0]])


def test_zero_dimensional_tensors_get_ndarray_gradients() -> None:
    a = Tensor(3.0, requires_grad=True)
    b = a * a  # NumPy computes 0-d arithmetic as scalars (np.float64)
    c = b + a * 2.0  # two contributions to a, added
    c.backward()
    for node in (a, b, c):
        assert type(node.grad) is np.ndarray and node.grad.shape == ()
    assert a.grad == 8.0 and b.grad == 1.0


def test_backward_with_explicit_gradient() -> None:
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 3
    y.backward(np.array([[1.0, 0.0], [0.5, 2.0]]))
    np.testing.assert_array_equal(x.grad, [[3.0, 0.0], [1.5, 6.0]])


def test_non_scalar_backward_without_gradient_says_what_to_pass() -> None:
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    with pytest.raises(RuntimeError) as error:
        y.backward()
    message = str(error.value)
    assert "(2, 3)" in message and "gradient=" in message and ".sum().backward()" in message


def test_gradient_of_the_wrong_shape_names_both_shapes() -> None:
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    with pytest.raises(ValueError) as error:
        y.backward(np.ones(3))
    assert "(3,)" in str(error.value) and "(2, 3)" in str(error.value)


def test_backward_on_a_constant_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        (Tensor([1.0]) * 2).backward()


def test_backward_twice_doubles_leaves_and_recomputes_interior() -> None:
    x = Tensor([0.5, -1.0], requires_grad=True)
    hidden = (x * x).tanh()
    out = (hidden * 3).sum()
    out.backward()
    first_leaf = x.grad.copy()
    first_hidden = hidden.grad.copy()
    out.backward()
    np.testing.assert_array_equal(x.grad, 2 * first_leaf)  # exactly twice
    np.testing.assert_array_equal(hidden.grad, first_hidden)  # recomputed, not doubled
    x.zero_grad()
    assert x.grad is None
    out.backward()
    np.testing.assert_array_equal(x.grad, first_leaf)


def test_tensor_used_twice_gets_the_sum_of_both_paths() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x.exp()).sum()  # d/dx = e^x + x e^x
    y.backward()
    np.testing.assert_allclose(x.grad, np.exp(x.data) * (1 + x.data), rtol=1e-15)


def test_repeated_indices_accumulate() -> None:
    t = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    t[[0, 0, 1]].backward(np.array([1.0, 2.0, 4.0]))
    np.testing.assert_array_equal(t.grad, [3.0, 4.0, 0.0])
    m = Tensor(np.zeros((2, 3)), requires_grad=True)
    m[[1, 1, 0], [2, 2, 2]].sum().backward()
    np.testing.assert_array_equal(m.grad, [[0.0, 0.0, 1.0], [0.0, 0.0, 2.0]])


def test_basic_slices_scatter_without_accumulating_twice() -> None:
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    (t[:, 1:] * 2).sum().backward()
    np.testing.assert_array_equal(t.grad, [[0.0, 2.0, 2.0], [0.0, 2.0, 2.0]])


def test_keepdims_and_negative_axes() -> None:
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    s = x.sum(axis=-1, keepdims=True)
    assert s.shape == (2, 3, 1)
    m = x.mean(axis=(-3, -1))
    assert m.shape == (3,)
    np.testing.assert_allclose(m.data, x.data.mean(axis=(0, 2)))
    (s.sum() + m.sum()).backward()
    np.testing.assert_allclose(x.grad, np.full((2, 3, 4), 1.0 + 1.0 / 8.0))


def test_reductions_over_tuples_of_axes() -> None:
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3, 4)), requires_grad=True)
    for axis in [(0, 2), (2, 0), (-1, 0), (0, 1, 2)]:
        np.testing.assert_allclose(x.sum(axis=axis).data, x.data.sum(axis=axis), rtol=1e-15)
        np.testing.assert_array_equal(x.max(axis=axis).data, x.data.max(axis=axis))
    x.max(axis=(0, 2)).sum().backward()
    assert x.grad.sum() == 3.0  # one winner per remaining position


def test_axis_errors_name_the_op_and_shape() -> None:
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"sum: .*3.*\(2, 3\)"):
        x.sum(axis=3)
    with pytest.raises(ValueError, match=r"mean: .*\(2, 3\)"):
        x.mean(axis=(0, 0))
    with pytest.raises(ValueError, match=r"max: .*-3.*\(2, 3\)"):
        x.max(axis=-3)


def test_concatenate_and_stack_route_gradients() -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0], requires_grad=True)
    (concatenate([a, b, a]) * np.array([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
    np.testing.assert_array_equal(a.grad, [5.0, 7.0])
    np.testing.assert_array_equal(b.grad, [3.0])
    a.zero_grad()
    (stack([a, a * 2], axis=1) * np.array([[1.0, 10.0], [100.0, 1000.0]])).sum().backward()
    np.testing.assert_array_equal(a.grad, [21.0, 2100.0])


def test_where_and_maximum_route_gradients() -> None:
    x = Tensor([-1.0, 2.0, 3.0], requires_grad=True)
    y = Tensor([5.0, 5.0, 3.0], requires_grad=True)
    where(x > 0, x * 10, y).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 10.0, 10.0])
    np.testing.assert_array_equal(y.grad, [1.0, 0.0, 0.0])
    x.zero_grad()
    y.zero_grad()
    maximum(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.5])
    np.testing.assert_array_equal(y.grad, [1.0, 1.0, 0.5])


def test_linear_is_one_node_with_three_parents() -> None:
    x = Tensor(np.ones((4, 3)))
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.zeros(2), requires_grad=True)
    out = linear(x, w, b)
    assert out.op is not None and out.op.name == "linear" and out.parents == (x, w, b)
    out.sum().backward()
    np.testing.assert_array_equal(w.grad, np.full((2, 3), 4.0))
    np.testing.assert_array_equal(b.grad, [4.0, 4.0])
    assert x.grad is None  # a constant input gets nothing


def test_detach_cuts_the_graph_and_shares_data() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).detach()
    assert y.parents == () and not y.requires_grad
    z = x * 2
    assert z.detach().data is z.data


def test_functional_hooks() -> None:
    x = Tensor([1.0, 2.0], label="x")
    wrapped = x._as_input()
    assert wrapped.requires_grad and wrapped.parents == (x,) and wrapped.op is not None
    np.testing.assert_array_equal(x._seed(False), [1.0, 1.0])
    assert isinstance(x._seed(True), Tensor)
    np.testing.assert_array_equal(x._zeros_like(), [0.0, 0.0])
    assert isinstance(x._constant(np.ones(2)), Tensor)


def test_engine_zero_grad_sets_tensor_gradients_to_none() -> None:
    a = Tensor([1.0], requires_grad=True)
    (a * 2).sum().backward()
    engine.zero_grad([a])
    assert a.grad is None


# ----------------------------------------------------------------------------- numerics


def test_ieee_results_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Tensor(0.0).log().item() == -np.inf
        assert np.isnan(Tensor(-1.0).log().item())
        assert Tensor(1000.0).exp().item() == np.inf
        assert np.isnan(Tensor(-1.0).sqrt().item())
        assert (Tensor(1.0) / 0.0).item() == np.inf
        assert np.isnan((Tensor(0.0) / Tensor(0.0)).item())
        assert (Tensor(0.0) ** -1.0).item() == np.inf
        assert np.isnan((Tensor(-8.0) ** (1.0 / 3.0)).item())
        x = Tensor([0.0, -1.0, 1000.0], requires_grad=True)
        (x.log() + x.exp() + x.sqrt()).sum().backward()  # inf and nan gradients, quietly
        assert x.grad[0] == np.inf and np.isnan(x.grad[1]) and x.grad[2] == np.inf


def test_sigmoid_is_stable_and_exact_in_the_tail() -> None:
    x = np.array([-1000.0, -745.0, -40.0, -20.0, 0.0, 20.0, 40.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = Tensor(x).sigmoid().data
    np.testing.assert_allclose(s[2], 4.248354255291589e-18, rtol=1e-12)
    np.testing.assert_allclose(s[3], 2.0611536181902037e-09, rtol=1e-12)
    assert s[0] == 0.0 and s[4] == 0.5 and s[-1] == 1.0 and s[-2] == 1.0
    assert np.all(np.isfinite(s))


def test_log_softmax_of_huge_logits_is_finite() -> None:
    z = Tensor([[1e300, 0.0, -1e300]], requires_grad=True)
    out = z.log_softmax()
    np.testing.assert_array_equal(out.data, [[0.0, -1e300, -2e300]])
    out[0, 0].backward()
    assert np.all(np.isfinite(z.grad))


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "operation, symbol",
    [
        (lambda a, b: a + b, "+"),
        (lambda a, b: a - b, "-"),
        (lambda a, b: a * b, "*"),
        (lambda a, b: a / b, "/"),
        (lambda a, b: a**b, "**"),
        (maximum, "maximum"),
    ],
)
def test_broadcast_error_names_both_shapes_and_the_op(operation: object, symbol: str) -> None:
    a = Tensor(np.ones((2, 3)))
    b = Tensor(np.ones(4))
    with pytest.raises(
        ValueError, match=rf"cannot broadcast \(2, 3\) and \(4,\) in {re.escape(symbol)}$"
    ):
        operation(a, b)  # type: ignore[operator]


def test_broadcast_error_with_an_ndarray_operand() -> None:
    with pytest.raises(ValueError, match=r"cannot broadcast \(2, 3\) and \(2,\) in \+"):
        Tensor(np.ones((2, 3))) + np.ones(2)


def test_weight_gradient_through_a_transpose_is_bp4_in_the_weights_layout() -> None:
    # x @ W.T: W's gradient is g^T x, computed as BP4 writes it (a C-ordered array like
    # W), not the transpose of x^T g (a strided view), and equal to it number for number.
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((5, 7)), rng.standard_normal((3, 7))
    g = rng.standard_normal((5, 3))
    W = Tensor(w, requires_grad=True)
    (Tensor(x) @ W.T).backward(g)
    assert W.grad.flags.c_contiguous
    np.testing.assert_array_equal(W.grad, g.T @ x)


def test_gradients_stored_without_the_setter_keep_its_promise() -> None:
    # float64 contributions to a float32 Tensor, 0-d results, and sums of two paths all
    # arrive as ndarrays of the Tensor's own dtype
    a = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    s = Tensor(2.0, requires_grad=True)
    loss = ((a * np.full(3, 0.5) + a) * s).sum() * 3.0
    loss.backward()
    assert type(a.grad) is np.ndarray and a.grad.dtype == np.float32
    assert type(s.grad) is np.ndarray and s.grad.shape == () and s.grad.dtype == np.float64
    np.testing.assert_array_equal(a.grad, np.full((2, 3), 9.0, np.float32))
    assert s.grad == 27.0


def test_two_dimensional_products_are_numpys_products() -> None:
    # Products of two small matrices go through np.dot (faster than @ on small arrays);
    # the numbers are NumPy's @ in every layout, to the last bits (exact where the sums
    # are). Large products are @'s own.
    rng = np.random.default_rng(7)
    x, w = rng.normal(size=(64, 784)), rng.normal(size=(128, 784))
    np.testing.assert_array_equal((Tensor(x) @ Tensor(w).T).data, x @ w.T)
    for n, k, m in [(100, 16, 16), (100, 1, 16), (100, 16, 1), (1, 3, 1), (0, 3, 2), (3, 0, 2)]:
        x, w = rng.normal(size=(n, k)), rng.normal(size=(m, k))
        for a, b in [(x, w.T), (np.asfortranarray(x), np.ascontiguousarray(w.T)), (x[::-1], w.T)]:
            got = (Tensor(a) @ Tensor(b)).data
            assert got.shape == (n, m) and got.dtype == np.float64
            np.testing.assert_allclose(got, a @ b, rtol=1e-14, atol=1e-14)
    ints = rng.integers(-9, 9, size=(5, 4)), rng.integers(-9, 9, size=(4, 3))
    product = Tensor(ints[0]) @ Tensor(ints[1])  # small whole numbers: every sum is exact
    np.testing.assert_array_equal(product.data, ints[0] @ ints[1])
    assert product.data.dtype == np.float64  # a Tensor holds floats
    # 1-d operands and batches keep @'s rules, which np.dot's differ from
    batch = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4, 5))
    np.testing.assert_array_equal((Tensor(batch[0]) @ Tensor(batch[1])).data, batch[0] @ batch[1])
    assert (Tensor(np.ones(3)) @ Tensor(np.ones(3))).data.shape == ()


def test_matmul_errors_name_shapes_and_the_cause() -> None:
    a = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"^matmul: \(2, 3\) @ \(4, 5\): inner dimensions 3 and 4"):
        a @ Tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"matmul: \(2, 2, 3\) @ \(3, 3, 4\): batch dimensions"):
        Tensor(np.ones((2, 2, 3))) @ Tensor(np.ones((3, 3, 4)))
    with pytest.raises(ValueError, match=r"matmul: \(\) @ \(2, 3\): .*at least one dimension"):
        Tensor(2.0) @ a


def test_linear_shape_errors() -> None:
    with pytest.raises(ValueError, match=r"linear: input \(4, 3\) and weight \(2, 5\)"):
        linear(Tensor(np.ones((4, 3))), Tensor(np.ones((2, 5))))
    with pytest.raises(ValueError, match=r"linear: bias \(3,\) does not fit weight \(2, 3\)"):
        linear(Tensor(np.ones((4, 3))), Tensor(np.ones((2, 3))), Tensor(np.ones(3)))


def test_shape_op_errors() -> None:
    t = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"reshape: .*\(2, 3\).*6 elements.*\(4,\)"):
        t.reshape(4)
    with pytest.raises(ValueError, match=r"transpose: .*\(2, 3\)"):
        t.transpose(0, 0)
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        t[5]
    with pytest.raises(ValueError, match=r"concatenate along axis 0: shapes \(2, 3\), \(2, 4\)"):
        concatenate([t, Tensor(np.ones((2, 4)))])
    with pytest.raises(ValueError, match=r"stack: .*\(2, 3\), \(3,\)"):
        stack([t, Tensor(np.ones(3))])
    with pytest.raises(ValueError, match=r"where"):
        where(np.ones(4, bool), t, 0.0)
    with pytest.raises(TypeError, match="not with a Tensor"):
        t[Tensor([0.0])]


def test_numpy_integers_stand_for_one_dimension_or_axis() -> None:
    t = Tensor(np.ones((2, 3)))
    assert t.reshape(np.int64(6)).shape == (6,)
    assert t.transpose(np.int64(1), np.int64(0)).shape == (3, 2)
    with pytest.raises(ValueError, match=r"reshape: .*\(2, 3\).*6 elements"):
        t.reshape(np.int64(4))
    with pytest.raises(ValueError, match=r"transpose: .* do not permute .*\(2, 3\)"):
        t.transpose(np.int64(0))


# ----------------------------------------------------------------------------- higher order


def test_create_graph_gives_a_differentiable_gradient() -> None:
    x = Tensor([0.3, -0.7], requires_grad=True)
    y = (x**3).sum()
    y.backward(create_graph=True)
    g = x.grad
    assert isinstance(g, Tensor) and g.requires_grad
    np.testing.assert_allclose(g.data, 3 * x.data**2, rtol=1e-15)
    x.zero_grad()
    g.sum().backward()
    np.testing.assert_allclose(x.grad, 6 * x.data, rtol=1e-15)


def test_second_order_through_indexing_uses_scatter_add() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x[[0, 0, 2]] ** 2).sum()  # = 2 x0^2 + x2^2
    y.backward(create_graph=True)
    g = x.grad
    np.testing.assert_array_equal(g.data, [4.0, 0.0, 6.0])
    assert g.op is not None and g.op.name in {"scatter_add", "+"}
    x.zero_grad()
    (g * np.array([1.0, 1.0, 1.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [4.0, 0.0, 2.0])


def test_a_custom_op_plugs_into_the_engine() -> None:
    # A node kind only declares ops; here a test-only op, d(3a)/da = 3.
    triple = Op("triple", (lambda g, out, a: g * 3.0,))
    a = Tensor([1.0, 2.0], requires_grad=True)
    out = Tensor(a.data * 3, _parents=(a,), _op=triple)
    assert out.requires_grad and out.op is triple
    out.backward(np.ones(2))
    np.testing.assert_array_equal(a.grad, [3.0, 3.0])


def test_docstring_examples() -> None:
    from autograd_lite import tensor

    results = doctest.testmod(tensor)
    assert results.failed == 0 and results.attempted >= 20


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bias_shape", [(4,), (1, 4)])
def test_a_bias_gradient_is_the_batch_summed_in_its_own_shape_and_dtype(
    dtype: type, bias_shape: tuple[int, ...]
) -> None:
    # Backward sums a bias's gradient over the batch as ones @ g: the same sums as
    # g.sum(axis=0), in a fresh writable array each pass; with create_graph, as a node.
    rng = np.random.default_rng(3)
    x = Tensor(rng.standard_normal((7, 4)).astype(dtype))
    b = Tensor(rng.standard_normal(bias_shape).astype(dtype), requires_grad=True)
    weights = rng.standard_normal((7, 4)).astype(dtype)
    ((x + b) * Tensor(weights)).sum().backward()
    first = b.grad
    assert first.shape == bias_shape and first.dtype == dtype and first.flags.writeable
    expected = weights.astype(np.float64).sum(axis=0).reshape(bias_shape)
    tolerance = {np.float64: 1e-13, np.float32: 1e-5}[dtype]
    np.testing.assert_allclose(first, expected, rtol=tolerance, atol=tolerance)
    ((x + b) * Tensor(weights)).sum().backward()  # accumulates into a new array
    np.testing.assert_allclose(b.grad, 2 * expected, rtol=tolerance, atol=2 * tolerance)
    b.grad[...] = 0.0  # writable, and no later pass sees it
    b.zero_grad()
    ((x + b) * Tensor(weights)).sum().backward()
    np.testing.assert_allclose(b.grad, expected, rtol=tolerance, atol=tolerance)
    b.zero_grad()
    ((x + b) * Tensor(weights)).sum().backward(create_graph=True)
    assert isinstance(b.grad, Tensor) and b.grad.shape == bias_shape  # differentiable
    np.testing.assert_allclose(b.grad.data, expected, rtol=tolerance, atol=tolerance)


def test_a_bias_gradient_agrees_with_the_stepper_path_bit_for_bit() -> None:
    # The observed pass (stepper, pictures) and the fast pass sum a bias the same way.
    from autograd_lite import engine

    rng = np.random.default_rng(4)
    x = Tensor(rng.standard_normal((100, 16)))
    b = Tensor(rng.standard_normal(16), requires_grad=True)
    loss = ((x + b).sigmoid() ** 2).sum()
    loss.backward()
    fast = b.grad.copy()
    b.zero_grad()
    engine.backward(loss, np.ones(()), observer=lambda step: None)
    np.testing.assert_array_equal(b.grad, fast)


@pytest.mark.parametrize("exponent", [2, 2.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_squaring_is_a_power_node_with_the_exact_square(exponent: float, dtype: type) -> None:
    # x ** 2 computes x*x (correctly rounded, no warning when it overflows) but records
    # the power the user wrote: a '**' node whose second input is the constant 2.
    import warnings

    data = np.array([1.1, -3.3, 1e200 if dtype is np.float64 else 1e30, 0.0], dtype=dtype)
    x = Tensor(data, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = x**exponent
        y.sum().backward()
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(y.data, data * data)
    assert y.dtype == dtype and y.op is not None and y.op.name == "**"
    assert y.parents[0] is x and y.parents[1].data.dtype == dtype and y.parents[1].item() == 2.0
    np.testing.assert_array_equal(x.grad, 2.0 * data)
