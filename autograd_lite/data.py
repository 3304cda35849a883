"""Data sets and the small tools around them: batches, standardisation, one-hot, splits.

Every generator is deterministic: ``rng`` is a seed (an int, default 0) or a NumPy
``Generator``, so the same call gives the same numbers on every machine. Features come
as float64 arrays shaped ``(n, features)``; class labels as int64 arrays ``(n,)``
numbered from 0.

Toy problems in the plane (two features):
    :func:`make_moons` (two interleaving half circles, built as scikit-learn's
    ``make_moons``), :func:`make_circles` (a small circle inside a large one, as
    scikit-learn's ``make_circles``), :func:`make_spirals` (arms of a spiral, one per
    class), :func:`make_xor` (the four quadrants, opposite ones alike).
A regression curve:
    :func:`make_curve` (``y = sin(3x)`` plus noise, x in [-1, 1]).
Real data:
    :func:`load_digits`: the 1,797 handwritten digits (8x8 images, 10 classes) that
    scikit-learn ships, read from the installed package (no download).

:func:`load_dataset` gives any of them by name, split into training and test sets the
same way every time (see its docstring).

>>> X, y = make_moons(6, noise=0.0, shuffle=False)
>>> X.shape, y.tolist()
((6, 2), [0, 0, 0, 1, 1, 1])
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Union

import numpy as np
import numpy.typing as npt

__all__ = [
    "DATASETS",
    "Dataset",
    "Standardizer",
    "batch_indices",
    "batches",
    "load_dataset",
    "load_digits",
    "make_circles",
    "make_curve",
    "make_moons",
    "make_spirals",
    "make_xor",
    "one_hot",
    "train_test_split",
]

Array = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int64]
Seed = Union[int, np.random.Generator, None]

#: The data sets :func:`load_dataset` knows, by name.
DATASETS = ("moons", "circles", "spirals", "xor", "digits")


def _generator(rng: Seed) -> np.random.Generator:
    """A Generator from a seed (``None`` means fresh entropy: not reproducible)."""
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _check_count(n: int, what: str, minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}, got {n!r}")
    return int(n)


def _check_noise(noise: float) -> float:
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    return float(noise)


def _finish(
    X: Array, y: Labels, noise: float, shuffle: bool, generator: np.random.Generator
) -> tuple[Array, Labels]:
    """Shuffle the examples (optionally), then add Gaussian noise to every coordinate."""
    if shuffle:
        order = generator.permutation(len(y))
        X, y = X[order], y[order]
    if noise > 0:
        X = X + generator.normal(scale=noise, size=X.shape)
    return X, y


# ----------------------------------------------------------------------------- generators


def make_moons(
    n_samples: int = 100, noise: float = 0.1, *, shuffle: bool = True, rng: Seed = 0
) -> tuple[Array, Labels]:
    """Two interleaving half circles: class 0 on the upper arc, class 1 on the lower.

    The upper arc is ``(cos t, sin t)`` and the lower one ``(1 - cos t, 0.5 - sin t)``
    for ``t`` evenly spaced in ``[0, pi]``; the first ``n_samples // 2`` points are on
    the upper arc. The examples are then shuffled (unless ``shuffle=False``) and
    Gaussian noise of standard deviation ``noise`` is added. This is the construction
    of scikit-learn's ``make_moons`` (the random numbers differ: ours come from a NumPy
    ``Generator``).
    """
    n_samples = _check_count(n_samples, "n_samples", 2)
    noise = _check_noise(noise)
    n_upper = n_samples // 2
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_samples - n_upper)
    X = np.concatenate(
        [
            np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1),
            np.stack([1.0 - np.cos(t_lower), 1.0 - np.sin(t_lower) - 0.5], axis=1),
        ]
    )
    y = np.concatenate([np.zeros(n_upper, np.int64), np.ones(n_samples - n_upper, np.int64)])
    return _finish(X, y, noise, shuffle, _generator(rng))


def make_circles(
    n_samples: int = 100,
    noise: float = 0.05,
    factor: float = 0.5,
    *,
    shuffle: bool = True,
    rng: Seed = 0,
) -> tuple[Array, Labels]:
    """A circle of radius ``factor`` (class 1) inside a circle of radius 1 (class 0).

    Points are evenly spaced in angle (``2 pi k / m``, k = 0..m-1) on each circle, the
    first ``n_samples // 2`` on the outer one; then shuffled and noised as
    :func:`make_moons`. The construction of scikit-learn's ``make_circles``.
    """
    n_samples = _check_count(n_samples, "n_samples", 2)
    noise = _check_noise(noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor (inner radius / outer radius) must be in (0, 1), got {factor}")
    n_outer = n_samples // 2
    t_outer = np.linspace(0.0, 2 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0.0, 2 * np.pi, n_samples - n_outer, endpoint=False)
    X = np.concatenate(
        [
            np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1),
            np.stack([np.cos(t_inner) * factor, np.sin(t_inner) * factor], axis=1),
        ]
    )
    y = np.concatenate([np.zeros(n_outer, np.int64), np.ones(n_samples - n_outer, np.int64)])
    return _finish(X, y, noise, shuffle, _generator(rng))


def make_spirals(
    n_samples: int = 300,
    classes: int = 3,
    noise: float = 0.2,
    *,
    shuffle: bool = True,
    rng: Seed = 0,
) -> tuple[Array, Labels]:
    """Spiral arms, one per class, winding out from the origin (CS231n's data set).

    Class ``c`` has ``n_samples // classes`` points (the first classes one more when it
    does not divide) at radius ``r`` evenly spaced in ``[0, 1]`` and angle
    ``4 (c + r) + noise * N(0, 1)`` radians: ``(r sin angle, r cos angle)``. Here the
    noise perturbs the angle, not the coordinates.
    """
    n_samples = _check_count(n_samples, "n_samples", 2)
    classes = _check_count(classes, "classes", 2)
    noise = _check_noise(noise)
    generator = _generator(rng)
    counts = [n_samples // classes + (1 if c < n_samples % classes else 0) for c in range(classes)]
    points, labels = [], []
    for c, count in enumerate(counts):
        radius = np.linspace(0.0, 1.0, count)
        angle = 4.0 * (c + radius) + noise * generator.standard_normal(count)
        points.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        labels.append(np.full(count, c, dtype=np.int64))
    return _finish(np.concatenate(points), np.concatenate(labels), 0.0, shuffle, generator)


def make_xor(n_samples: int = 200, noise: float = 0.1, *, rng: Seed = 0) -> tuple[Array, Labels]:
    """XOR in the plane: points uniform in the square [-1, 1]^2, class 1 where x1 x2 < 0.

    The class is decided by the clean point; Gaussian noise of standard deviation
    ``noise`` is added afterwards, so a few points cross the axes.
    """
    n_samples = _check_count(n_samples, "n_samples", 2)
    noise = _check_noise(noise)
    generator = _generator(rng)
    X = generator.uniform(-1.0, 1.0, size=(n_samples, 2))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64)
    return _finish(X, y, noise, False, generator)


def make_curve(n_samples: int = 100, noise: float = 0.1, *, rng: Seed = 0) -> tuple[Array, Array]:
    """A 1-d regression problem: ``y = sin(3x) + noise * N(0, 1)`` for x uniform in [-1, 1].

    Returns ``X`` shaped ``(n, 1)`` (sorted) and ``y`` shaped ``(n, 1)``.
    """
    n_samples = _check_count(n_samples, "n_samples", 1)
    noise = _check_noise(noise)
    generator = _generator(rng)
    x = np.sort(generator.uniform(-1.0, 1.0, size=n_samples))
    y = np.sin(3.0 * x) + noise * generator.standard_normal(n_samples)
    return x.reshape(-1, 1), y.reshape(-1, 1)


# ----------------------------------------------------------------------------- tools


def batches(
    X: Any,
    y: Any,
    batch_size: int | None,
    *,
    shuffle: bool = True,
    rng: Seed = None,
) -> Iterator[tuple[Any, Any]]:
    """Mini-batches ``(X_batch, y_batch)`` covering every example once (one epoch).

    With ``shuffle`` the order is a permutation drawn from ``rng`` (pass the same
    Generator every epoch for a new, reproducible order each time); ``batch_size=None``
    gives the whole set as one batch. The last batch may be smaller.

    >>> [b.tolist() for b, _ in batches(np.arange(5), np.arange(5), 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)}")
    for chosen in batch_indices(len(X), batch_size, shuffle=shuffle, rng=rng):
        yield X[chosen], y[chosen]


def batch_indices(
    n: int, batch_size: int | None, *, shuffle: bool = True, rng: Seed = None
) -> Iterator[npt.NDArray[np.intp]]:
    """The row numbers of each mini-batch of one epoch over ``n`` examples, as :func:`batches`.

    >>> [rows.tolist() for rows in batch_indices(5, 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    size = n if batch_size is None else _check_count(batch_size, "batch_size")
    order = _generator(rng).permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, size):
        yield order[start : start + size]


class Standardizer:
    """Scale each feature to mean 0 and standard deviation 1, as learned from training data.

    ``fit`` on the training set only, then ``transform`` both sets with the same numbers
    (the test set must not influence the preprocessing). A constant feature is only
    centred.

    >>> scaler = Standardizer().fit(np.array([[1.0, 5.0], [3.0, 5.0]]))
    >>> scaler.transform(np.array([[2.0, 6.0]])).tolist()
    [[0.0, 1.0]]
    """

    def __init__(self) -> None:
        self.mean: Array | None = None
        self.scale: Array | None = None

    def fit(self, X: Any) -> Standardizer:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or len(X) == 0:
            raise ValueError(f"fit needs a non-empty (n, features) array, got shape {X.shape}")
        self.mean = X.mean(axis=0)
        std = X.std(axis=0)
        self.scale = np.where(std > 0, std, 1.0)
        return self

    def transform(self, X: Any) -> Array:
        if self.mean is None or self.scale is None:
            raise RuntimeError("Standardizer: call fit(X_train) before transform")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.mean.shape[0]:
            raise ValueError(
                f"transform: expected (n, {self.mean.shape[0]}) features, got shape {X.shape}"
            )
        out: Array = (X - self.mean) / self.scale
        return out

    def fit_transform(self, X: Any) -> Array:
        return self.fit(X).transform(X)

    def inverse_transform(self, X: Any) -> Array:
        if self.mean is None or self.scale is None:
            raise RuntimeError("Standardizer: call fit(X_train) before inverse_transform")
        out: Array = np.asarray(X, dtype=np.float64) * self.scale + self.mean
        return out


def one_hot(labels: Any, classes: int | None = None) -> Array:
    """Rows with a 1 in the column of each label: ``one_hot([2, 0], 3)`` is ``[[0,0,1],[1,0,0]]``.

    >>> one_hot([2, 0], 3).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    given = np.asarray(labels)
    if given.ndim != 1 or given.dtype.kind not in "iub":
        raise ValueError(
            f"one_hot needs a 1-d array of integer labels, got {given.dtype} {given.shape}"
        )
    indices = given.astype(np.int64)
    count = int(indices.max()) + 1 if classes is None and indices.size else int(classes or 0)
    if indices.size and (indices.min() < 0 or indices.max() >= count):
        raise ValueError(f"labels must be in [0, {count}), got {indices.min()}..{indices.max()}")
    out = np.zeros((indices.size, count))
    out[np.arange(indices.size), indices] = 1.0
    return out


def train_test_split(
    X: Any, y: Any, test_fraction: float = 0.25, *, rng: Seed = 0
) -> tuple[Any, Any, Any, Any]:
    """A fixed random split: ``X_train, X_test, y_train, y_test`` (scikit-learn's order).

    ``round(test_fraction * n)`` examples (at least 1) go to the test set, chosen by a
    permutation drawn from ``rng``; both parts keep the original order of their
    examples.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    n = len(X)
    n_test = min(max(1, round(test_fraction * n)), n - 1)
    test = np.zeros(n, dtype=bool)
    test[_generator(rng).permutation(n)[:n_test]] = True
    return X[~test], X[test], y[~test], y[test]


# ----------------------------------------------------------------------------- real data


def load_digits() -> tuple[Array, Labels]:
    """The handwritten digits that scikit-learn ships: 1,797 images of 8x8 pixels.

    Returns ``X`` shaped ``(1797, 64)`` (each row an image, row by row, pixel values
    0..16 scaled to [0, 1]) and the digits ``y`` (0..9). Read from the installed
    scikit-learn package, offline. scikit-learn is an optional extra.
    """
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise ImportError(
            "the digits data set is read from scikit-learn, which is not installed: "
            "pip install autograd-lite[digits]"
        ) from None
    bunch = sklearn_digits()
    X = np.asarray(bunch.data, dtype=np.float64) / 16.0
    y = np.asarray(bunch.target, dtype=np.int64)
    return X, y


@dataclass(frozen=True)
class Dataset:
    """A classification data set, split: ``X_train, y_train, X_test, y_test``."""

    name: str
    X_train: Array
    y_train: Labels
    X_test: Array
    y_test: Labels
    classes: int

    @property
    def features(self) -> int:
        return int(self.X_train.shape[1])


def load_dataset(name: str, *, rng: Seed = 0) -> Dataset:
    """One of :data:`DATASETS`, split into a training and a test set, the same way every time.

    ``digits``: 20% of the images (359), chosen by :func:`train_test_split` with seed 0
    whatever ``rng`` is, are the test set, the other 1,438 the training set; pixels
    scaled to [0, 1]. (The last 20% in scikit-learn's order would be a harder test set:
    the same networks score about 6 points lower on it.)

    The planar sets have 400 points (``spirals``: 600, three classes), drawn with seed
    ``rng``; a quarter of them, chosen by :func:`train_test_split` with the same seed,
    are the test set. Features are standardised with the training set's mean and
    standard deviation. Noise: moons 0.2, circles 0.1 (inner radius 0.5), xor 0.1,
    spirals 0.2.
    """
    if name == "digits":
        X, y = load_digits()
        X_train, X_test, y_train, y_test = train_test_split(X, y, 0.2, rng=0)
        return Dataset(name, X_train, y_train, X_test, y_test, 10)
    generator = _generator(rng)
    if name == "moons":
        X, y = make_moons(400, noise=0.2, rng=generator)
    elif name == "circles":
        X, y = make_circles(400, noise=0.1, factor=0.5, rng=generator)
    elif name == "spirals":
        X, y = make_spirals(600, classes=3, noise=0.2, rng=generator)
    elif name == "xor":
        X, y = make_xor(400, noise=0.1, rng=generator)
    else:
        raise ValueError(f"unknown data set {name!r}; known data sets: {', '.join(DATASETS)}")
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.25, rng=generator)
    scaler = Standardizer().fit(X_train)
    classes = int(y.max()) + 1
    return Dataset(
        name, scaler.transform(X_train), y_train, scaler.transform(X_test), y_test, classes
    )
