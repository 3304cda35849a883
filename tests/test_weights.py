"""Tests of ``autograd_lite.weights``: the common format and its ``.npz`` files."""

from __future__ import annotations

import doctest
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lite import nn, weights

X = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]])


def tensor_model(seed: int = 0) -> Any:
    return nn.mlp([3, 4, 2], "tanh", "sigmoid", rng=np.random.default_rng(seed))


def test_round_trip_keeps_every_number_and_the_activations(tmp_path: Path) -> None:
    model = tensor_model()
    path = tmp_path / "model.npz"
    weights.save(path, model)
    saved = weights.load(path)
    assert saved.activations == ["tanh", "sigmoid"]
    for (W, b), (W2, b2) in zip(saved.weights, model.get_weights()):
        assert W.dtype == np.float64 and np.array_equal(W, W2) and np.array_equal(b, b2)
    with np.load(path, allow_pickle=False) as archive:  # readable without pickle
        assert sorted(archive.files) == ["W0", "W1", "activations", "b0", "b1", "format"]
        assert str(archive["format"]) == weights.FORMAT


def test_a_value_network_and_a_tensor_network_share_files(tmp_path: Path) -> None:
    value_net = nn.mlp([3, 4, 2], "tanh", "sigmoid", engine="value", rng=np.random.default_rng(3))
    path = tmp_path / "value.npz"
    weights.save(path, value_net)
    tensor_net = tensor_model(seed=9)
    assert weights.load_into(tensor_net, path).activations == ["tanh", "sigmoid"]
    expected = [[v.data for v in value_net(list(x))] for x in X]
    assert np.allclose(tensor_net(X).data, expected, rtol=0, atol=1e-15)
    plain = tmp_path / "plain.npz"
    weights.save(plain, value_net.get_weights())  # a bare list: no activations recorded
    assert weights.load(plain).activations is None


def test_the_file_is_written_exactly_where_asked(tmp_path: Path) -> None:
    path = tmp_path / "weights.bin"
    weights.save(path, tensor_model())
    assert path.exists() and not (tmp_path / "weights.bin.npz").exists()


def test_shapes_that_do_not_fit_name_the_layer_and_both_shapes(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    weights.save(path, tensor_model())
    other = nn.mlp([3, 5, 2], "tanh", "sigmoid", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"layer 0 \(W0\) has shape \(4, 3\) in the file, "
                       r"the model expects \(5, 3\)"):  # fmt: skip
        weights.load_into(other, path)
    deeper = nn.mlp([3, 4, 4, 2], "tanh", "sigmoid", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"holds 2 layers .* the model has 3 layers"):
        weights.load_into(deeper, path)
    relu = nn.mlp([3, 4, 2], "relu", "sigmoid", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"activations \['tanh', 'sigmoid'\]; the model has"):
        weights.load_into(relu, path)


def test_a_truncated_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    weights.save(path, tensor_model())
    content = path.read_bytes()
    for cut in (len(content) // 3, len(content) - 30):
        broken = tmp_path / f"cut{cut}.npz"
        broken.write_bytes(content[:cut])
        with pytest.raises(weights.WeightsFileError, match=f"{broken} is not a readable weights"):
            weights.load(broken)


def test_foreign_files_are_clear_errors(tmp_path: Path) -> None:
    other = tmp_path / "other.npz"
    np.savez(other, alpha=np.ones(3), beta=np.zeros(2))
    with pytest.raises(weights.WeightsFileError, match=r"it holds alpha, beta \(expected W0, b0"):
        weights.load(other)
    text = tmp_path / "notes.npz"
    text.write_text("these are not weights")
    with pytest.raises(weights.WeightsFileError, match="not a readable weights file"):
        weights.load(text)
    single = tmp_path / "array.npy"
    np.save(single, np.ones(3))
    with pytest.raises(weights.WeightsFileError, match=r"a single array, not an \.npz"):
        weights.load(single)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, W0=np.array([{"code": 1}], dtype=object), b0=np.zeros(1))
    with pytest.raises(weights.WeightsFileError, match="not a readable weights file"):
        weights.load(pickled)
    ints = tmp_path / "ints.npz"
    np.savez(ints, W0=np.ones((2, 2), dtype=np.int64), b0=np.zeros(2))
    with pytest.raises(weights.WeightsFileError, match="holds int64 and float64 arrays"):
        weights.load(ints)
    with pytest.raises(FileNotFoundError):
        weights.load(tmp_path / "missing.npz")


def test_inconsistent_archives_are_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    np.savez(path, W0=np.ones((2, 3)), b0=np.zeros(3))
    with pytest.raises(weights.WeightsFileError, match=r"layer 0: b has shape \(3,\), expected"):
        weights.load(path)
    np.savez(path, W0=np.ones((2, 3)), b0=np.zeros(2), W1=np.ones((1, 2)))
    with pytest.raises(weights.WeightsFileError, match="W1 has no bias b1"):
        weights.load(path)
    np.savez(path, W0=np.ones((2, 3)), b0=np.zeros(2), activations=np.array('["relu", "x"]'))
    with pytest.raises(weights.WeightsFileError, match="2 activation names for 1 layers"):
        weights.load(path)
    np.savez(path, W0=np.ones((2, 3)), b0=np.zeros(2), format=np.array("other 9"))
    with pytest.raises(weights.WeightsFileError, match="has format 'other 9'"):
        weights.load(path)
    with zipfile.ZipFile(path) as archive:
        assert "W0.npy" in archive.namelist()


def test_check_weights_is_the_one_nn_uses() -> None:
    assert nn._check_weights is weights.check_weights
    with pytest.raises(ValueError, match="weights must be a non-empty list"):
        weights.check_weights([])
    with pytest.raises(ValueError, match=r"layer 1: W has shape \(2, 5\), expected 2 rows by"):
        weights.check_weights([(np.ones((4, 3)), np.zeros(4)), (np.ones((2, 5)), np.zeros(2))])
    with pytest.raises(ValueError, match=r"layer 0: expected a \(W, b\) pair, got 3 items"):
        weights.check_weights([(np.ones((1, 1)), np.zeros(1), 0)])
    with pytest.raises(ValueError, match="got 1 activation names for 2 layers"):
        weights.save("unused.npz", tensor_model().get_weights(), activations=["tanh"])


def test_docstring_examples() -> None:
    results = doctest.testmod(weights)
    assert results.failed == 0 and results.attempted >= 5
