"""Tests of ``autograd_lite.data``: generators, batches, scaling, splits, the digits."""

from __future__ import annotations

import doctest
import sys

import numpy as np
import pytest
import sklearn.datasets

from autograd_lite import data


def test_moons_and_circles_are_scikit_learns_construction() -> None:
    for n in (7, 100):
        X, y = data.make_moons(n, noise=0.0, shuffle=False)
        X_ref, y_ref = sklearn.datasets.make_moons(n, shuffle=False)
        assert np.allclose(X, X_ref, rtol=0, atol=1e-15) and np.array_equal(y, y_ref)
        X, y = data.make_circles(n, noise=0.0, factor=0.3, shuffle=False)
        X_ref, y_ref = sklearn.datasets.make_circles(n, shuffle=False, factor=0.3)
        assert np.allclose(X, X_ref, rtol=0, atol=1e-15) and np.array_equal(y, y_ref)


def test_shuffling_keeps_each_point_with_its_label() -> None:
    X, y = data.make_moons(60, noise=0.0, rng=3)
    assert y.tolist() != sorted(y.tolist())  # shuffled
    upper = X[y == 0]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    lower = X[y == 1]
    assert np.allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    X, y = data.make_circles(60, noise=0.0, factor=0.5, rng=3)
    assert np.allclose(np.hypot(X[:, 0], X[:, 1]), np.where(y == 0, 1.0, 0.5))


def test_generators_are_deterministic_per_seed() -> None:
    makers = [data.make_moons, data.make_circles, data.make_spirals, data.make_xor, data.make_curve]
    for make in makers:
        a, b, c = make(rng=4), make(rng=4), make(rng=5)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
        assert not np.array_equal(a[0], c[0])
    generator = np.random.default_rng(9)
    first = data.make_moons(rng=generator)[0]
    assert not np.array_equal(first, data.make_moons(rng=generator)[0])  # a Generator moves on


def test_noise_has_the_asked_standard_deviation() -> None:
    X, _ = data.make_moons(20000, noise=0.2, shuffle=False)
    clean, _ = data.make_moons(20000, noise=0.0, shuffle=False)
    assert (X - clean).std() == pytest.approx(0.2, rel=0.02)


def test_spirals_xor_and_curve() -> None:
    X, y = data.make_spirals(301, classes=3, noise=0.0)
    assert X.shape == (301, 2) and np.bincount(y).tolist() == [101, 100, 100]
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius.max() == pytest.approx(1.0) and radius.min() == 0.0
    angle = np.arctan2(X[:, 0], X[:, 1])  # x = r sin(a), y = r cos(a)
    expected = 4.0 * (y + radius)
    keep = radius > 0  # each point on its class's arm (the angle is undefined at 0)
    assert np.allclose(np.sin(angle[keep] - expected[keep]), 0.0, atol=1e-12)
    X, y = data.make_xor(500, noise=0.0)
    assert np.array_equal(y, (np.sign(X[:, 0]) != np.sign(X[:, 1])).astype(int))
    assert 0.4 < y.mean() < 0.6
    X, y = data.make_curve(50, noise=0.0)
    assert X.shape == y.shape == (50, 1)
    assert np.all(np.diff(X[:, 0]) >= 0) and np.allclose(y, np.sin(3 * X))


def test_bad_generator_arguments() -> None:
    with pytest.raises(ValueError, match="n_samples must be an integer >= 2, got 1"):
        data.make_moons(1)
    with pytest.raises(ValueError, match=r"noise must be >= 0, got -0\.1"):
        data.make_xor(noise=-0.1)
    with pytest.raises(ValueError, match=r"factor .* must be in \(0, 1\), got 1.5"):
        data.make_circles(factor=1.5)


def test_batches_cover_every_example_once_in_a_seeded_order() -> None:
    X, y = np.arange(23).reshape(-1, 1) * 10, np.arange(23)
    chunks = list(data.batches(X, y, 5, rng=1))
    assert [len(b) for b, _ in chunks] == [5, 5, 5, 5, 3]
    seen = np.concatenate([labels for _, labels in chunks])
    assert sorted(seen.tolist()) == list(range(23)) and seen.tolist() != list(range(23))
    assert all(np.array_equal(b[:, 0], labels * 10) for b, labels in chunks)  # rows stay paired
    again = np.concatenate([labels for _, labels in data.batches(X, y, 5, rng=1)])
    assert np.array_equal(seen, again)
    (whole, _), = data.batches(X, y, None, shuffle=False)  # fmt: skip
    assert np.array_equal(whole, X)
    with pytest.raises(ValueError, match="X has 23 examples but y has 3"):
        next(data.batches(X, y[:3], 5))
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        next(data.batches(X, y, 0))


def test_standardizer_uses_the_training_statistics() -> None:
    train = np.array([[1.0, 10.0, 5.0], [3.0, 30.0, 5.0], [5.0, 20.0, 5.0]])
    scaler = data.Standardizer().fit(train)
    scaled = scaler.transform(train)
    assert np.allclose(scaled.mean(axis=0), 0) and np.allclose(scaled.std(axis=0), [1, 1, 0])
    test = np.array([[3.0, 20.0, 6.0]])
    assert np.allclose(scaler.transform(test), [[0.0, 0.0, 1.0]])
    assert np.allclose(scaler.inverse_transform(scaler.transform(test)), test)
    with pytest.raises(RuntimeError, match="call fit"):
        data.Standardizer().transform(test)
    with pytest.raises(ValueError, match=r"expected \(n, 3\) features, got shape \(1, 2\)"):
        scaler.transform([[1.0, 2.0]])


def test_one_hot() -> None:
    assert data.one_hot(np.array([1, 0, 2])).tolist() == [[0, 1, 0], [1, 0, 0], [0, 0, 1]]
    assert data.one_hot([0], 3).shape == (1, 3)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\), got 0..2"):
        data.one_hot([0, 2], 2)
    with pytest.raises(ValueError, match="integer labels"):
        data.one_hot([0.5, 1.0])


def test_train_test_split_is_fixed_and_disjoint() -> None:
    X, y = np.arange(40).reshape(20, 2), np.arange(20)
    _, X_test, y_train, y_test = data.train_test_split(X, y, 0.25, rng=0)
    assert len(y_test) == 5 and len(y_train) == 15
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(20))
    assert np.all(np.diff(y_train) > 0) and np.all(np.diff(y_test) > 0)  # order kept
    assert np.array_equal(X_test[:, 0], y_test * 2)
    again = data.train_test_split(X, y, 0.25, rng=0)
    assert np.array_equal(again[3], y_test)
    with pytest.raises(ValueError, match=r"test_fraction must be in \(0, 1\), got 1.0"):
        data.train_test_split(X, y, 1.0)


def test_digits_come_from_scikit_learn_scaled_and_split_the_same_way() -> None:
    X, y = data.load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0 and set(np.unique(y)) == set(range(10))
    digits = data.load_dataset("digits")
    assert (len(digits.X_train), len(digits.X_test)) == (1438, 359)
    assert digits.features == 64 and digits.classes == 10
    assert np.array_equal(data.load_dataset("digits", rng=5).y_test, digits.y_test)  # fixed


def test_missing_scikit_learn_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install autograd-lite\[digits\]"):
        data.load_digits()


def test_planar_data_sets() -> None:
    for name, classes in [("moons", 2), ("circles", 2), ("xor", 2), ("spirals", 3)]:
        dataset = data.load_dataset(name, rng=1)
        assert dataset.features == 2 and dataset.classes == classes
        assert len(dataset.X_test) * 3 == len(dataset.X_train)
        assert np.allclose(dataset.X_train.mean(axis=0), 0, atol=1e-12)
        assert np.allclose(dataset.X_train.std(axis=0), 1)
    with pytest.raises(ValueError, match="unknown data set 'mnist'; known data sets: moons, "):
        data.load_dataset("mnist")


def test_docstring_examples() -> None:
    results = doctest.testmod(data)
    assert results.failed == 0 and results.attempted >= 6
