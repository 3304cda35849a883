"""Tests of ``viz.hidden_units``: one image per first-layer unit on one symmetric scale."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lite import nn, viz


def images_of(figure: Any) -> list[Any]:
    return [image for axis in figure.axes for image in axis.images]


def test_one_image_per_unit_on_one_symmetric_scale_for_a_tensor_network() -> None:
    model = nn.mlp([64, 7, 10], rng=np.random.default_rng(0))
    W = model.get_weights()[0][0]
    model.layers[0].bias.data = np.full(7, 50.0)  # the bias is not drawn
    figure = viz.hidden_units(model, columns=3)
    images = images_of(figure)
    assert len(images) == 7
    largest = float(np.abs(W).max())
    assert {image.get_clim() for image in images} == {(-largest, largest)}
    for j, image in enumerate(images):
        np.testing.assert_array_equal(image.get_array(), W[j].reshape(8, 8))
    grid = [axis for axis in figure.axes if axis.get_subplotspec() is not None]
    assert len(grid) == 9  # 3 rows of 3; the two spare cells are blank


def test_value_network_with_another_image_shape() -> None:
    model = nn.MLP(6, [5, 1], rng=np.random.default_rng(1))
    figure = viz.hidden_units(model, image_shape=(2, 3))
    images = images_of(figure)
    W = model.get_weights()[0][0]
    assert len(images) == 5
    largest = float(np.abs(W).max())
    assert all(image.get_clim() == (-largest, largest) for image in images)
    np.testing.assert_array_equal(images[4].get_array(), W[4].reshape(2, 3))


def test_saves_a_png(tmp_path: Path) -> None:
    path = tmp_path / "units.png"
    viz.hidden_units(np.eye(4), image_shape=(2, 2), path=path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_inputs_that_are_not_the_image_are_refused() -> None:
    model = nn.mlp([60, 4, 2], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"60 inputs per unit, but image_shape \(8, 8\) holds 64"):
        viz.hidden_units(model)
    with pytest.raises(TypeError, match="get_weights"):
        viz.hidden_units([1.0, 2.0])
    with pytest.raises(ValueError, match="columns must be a positive integer"):
        viz.hidden_units(np.eye(4), image_shape=(2, 2), columns=0)


def test_without_matplotlib_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install autograd-lite\[plots\]"):
        viz.hidden_units(np.eye(4), image_shape=(2, 2))
