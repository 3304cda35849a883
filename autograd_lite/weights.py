"""The weights format every network in this project reads and writes, and its ``.npz`` file.

In memory, the weights of a multilayer perceptron are a list with one ``(W, b)`` pair
per layer, both float64 NumPy arrays: ``W`` shaped ``(n_out, n_in)`` (row ``j`` holds the
weights into neuron ``j``, column ``k`` the weights out of neuron ``k`` of the layer
below: the ``w^l_jk`` of the backpropagation literature) and ``b`` shaped ``(n_out,)``.
The Value MLP (:class:`autograd_lite.nn.MLP`), the Tensor network
(:class:`autograd_lite.nn.Sequential`) and the closed form
(:class:`autograd_lite.backprop.Network`) all take and give this list, so one network can
run on all three and their gradients can be compared number for number.

On disk, :func:`save` writes a NumPy ``.npz`` archive with the arrays ``W0, b0, W1, b1,
...`` (layer ``i`` of the list, counted from 0), a ``format`` string and, when known,
``activations``: the activation of every layer as a JSON array of names, e.g.
``["sigmoid", "sigmoid", "linear"]``. :func:`load` reads it back without pickle
(``allow_pickle=False``), so a weights file cannot run code.

>>> import io, numpy as np
>>> buffer = io.BytesIO()
>>> save(buffer, [(np.ones((3, 2)), np.zeros(3)), (np.ones((1, 3)), np.zeros(1))],
...      activations=["tanh", "linear"])
>>> saved = load(io.BytesIO(buffer.getvalue()))
>>> [W.shape for W, b in saved.weights], saved.activations
([(3, 2), (1, 3)], ['tanh', 'linear'])
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Sequence
from typing import IO, Any, NamedTuple, Union

import numpy as np
import numpy.typing as npt

from .files import atomic_open

__all__ = [
    "FORMAT",
    "SavedWeights",
    "Weights",
    "WeightsFileError",
    "check_weights",
    "load",
    "load_into",
    "save",
]

Weights = list[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]]
PathOrFile = Union[str, "os.PathLike[str]", IO[bytes]]

#: The value of the ``format`` entry of every file :func:`save` writes.
FORMAT = "autograd-lite weights 1"


class WeightsFileError(ValueError):
    """A file that is not a readable weights file (truncated, foreign, or inconsistent)."""


class SavedWeights(NamedTuple):
    """What a weights file holds: the ``(W, b)`` pairs and, if recorded, each layer's activation."""

    weights: Weights
    activations: list[str] | None


def check_weights(weights: Sequence[tuple[Any, Any]]) -> Weights:
    """Validate the common weights format and return float64 copies.

    Each layer must be a ``(W, b)`` pair with ``W`` 2-d, ``b`` shaped ``(W.shape[0],)``,
    and ``W``'s columns equal to the previous layer's rows. Errors name the layer.

    >>> check_weights([(np.ones((2, 3)), np.zeros(3))])
    Traceback (most recent call last):
    ...
    ValueError: layer 0: b has shape (3,), expected (2,) to match W of shape (2, 3)
    """
    if len(weights) == 0:
        raise ValueError("weights must be a non-empty list of (W, b) pairs")
    checked: Weights = []
    for index, pair in enumerate(weights):
        if len(pair) != 2:
            raise ValueError(f"layer {index}: expected a (W, b) pair, got {len(pair)} items")
        W = np.array(pair[0], dtype=np.float64)
        b = np.array(pair[1], dtype=np.float64)
        if W.ndim != 2:
            raise ValueError(f"layer {index}: W must be 2-d (n_out, n_in), got shape {W.shape}")
        if b.shape != (W.shape[0],):
            raise ValueError(
                f"layer {index}: b has shape {b.shape}, expected ({W.shape[0]},) to match "
                f"W of shape {W.shape}"
            )
        if checked and W.shape[1] != checked[-1][0].shape[0]:
            raise ValueError(
                f"layer {index}: W has shape {W.shape}, expected {W.shape[0]} rows by "
                f"{checked[-1][0].shape[0]} columns (the previous layer's outputs)"
            )
        checked.append((W, b))
    return checked


def save(
    file: PathOrFile,
    weights_or_model: Any,
    activations: Sequence[str] | None = None,
) -> None:
    """Write weights (a ``(W, b)`` list, or any model with ``get_weights()``) to ``.npz``.

    ``activations`` names each layer's activation; for a model it defaults to the model's
    ``activation_names``. The file is written exactly at ``file`` (NumPy's habit of
    appending ``.npz`` to a name without it does not apply), through a temporary file
    in the same folder renamed into place (:func:`autograd_lite.files.atomic_open`): a
    save that fails (full disk, kill, bad weights) leaves an existing file untouched.
    """
    if hasattr(weights_or_model, "get_weights"):
        if activations is None:
            activations = getattr(weights_or_model, "activation_names", None)
        weights = check_weights(weights_or_model.get_weights())
    else:
        weights = check_weights(weights_or_model)
    arrays: dict[str, Any] = {"format": np.array(FORMAT)}
    if activations is not None:
        names = [str(name) for name in activations]
        if len(names) != len(weights):
            raise ValueError(
                f"got {len(names)} activation names for {len(weights)} layers: {names}"
            )
        arrays["activations"] = np.array(json.dumps(names))
    for index, (W, b) in enumerate(weights):
        arrays[f"W{index}"] = W
        arrays[f"b{index}"] = b
    if isinstance(file, (str, os.PathLike)):
        # A temporary file renamed into place: a failed save leaves the old file whole.
        with atomic_open(file) as handle:
            np.savez(handle, **arrays)
    else:
        np.savez(file, **arrays)


def load(file: PathOrFile) -> SavedWeights:
    """Read a file written by :func:`save` (without pickle).

    Raises :class:`WeightsFileError` (a ``ValueError``) for a file that is truncated,
    not an ``.npz`` archive, or an archive without ``W0, b0, ...``; ``FileNotFoundError``
    when there is no such file.
    """
    name = _describe(file)
    try:
        loaded = np.load(file, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):  # a plain .npy array
            raise WeightsFileError(f"{name} holds a single array, not an .npz archive of weights")
        with loaded as archive:
            contents = {key: archive[key] for key in archive.files}
    except (FileNotFoundError, WeightsFileError):
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as error:
        raise WeightsFileError(
            f"{name} is not a readable weights file (a truncated or foreign file? "
            f"expected an .npz archive written by autograd_lite.weights.save): {error}"
        ) from None
    return _parse(contents, name)


def _parse(contents: dict[str, Any], name: str) -> SavedWeights:
    found = ", ".join(sorted(contents)) or "nothing"
    if "format" in contents and str(contents["format"]) != FORMAT:
        raise WeightsFileError(
            f"{name} has format {str(contents['format'])!r}; this version reads {FORMAT!r}"
        )
    if "W0" not in contents:
        raise WeightsFileError(
            f"{name} is not an autograd-lite weights file: it holds {found} "
            "(expected W0, b0, W1, b1, ...)"
        )
    pairs = []
    index = 0
    while f"W{index}" in contents:
        if f"b{index}" not in contents:
            raise WeightsFileError(f"{name}: W{index} has no bias b{index} (it holds {found})")
        W, b = contents[f"W{index}"], contents[f"b{index}"]
        if W.dtype.kind != "f" or b.dtype.kind != "f":
            raise WeightsFileError(
                f"{name}: layer {index} holds {W.dtype} and {b.dtype} arrays, not floats"
            )
        pairs.append((W, b))
        index += 1
    try:
        weights = check_weights(pairs)
    except ValueError as error:
        raise WeightsFileError(f"{name}: {error}") from None
    activations = None
    if "activations" in contents:
        activations = _activation_names(contents["activations"], len(weights), name)
    return SavedWeights(weights, activations)


def _activation_names(entry: Any, layers: int, name: str) -> list[str]:
    try:
        names = json.loads(str(entry))
    except json.JSONDecodeError:
        names = None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise WeightsFileError(f"{name}: 'activations' is not a JSON array of names")
    if len(names) != layers:
        raise WeightsFileError(
            f"{name}: {len(names)} activation names for {layers} layers: {names}"
        )
    return names


def load_into(model: Any, file: PathOrFile) -> SavedWeights:
    """Load a weights file into ``model`` (a Value MLP or a Tensor ``Sequential``).

    The file must fit the model: the same number of layers, and each ``W`` of the same
    shape, else a ``ValueError`` names the layer and both shapes. Activations recorded in
    the file must equal the model's. Returns what was read.
    """
    saved = load(file)
    name = _describe(file)
    expected = [W.shape for W, _ in model.get_weights()]
    found = [W.shape for W, _ in saved.weights]
    if len(found) != len(expected):
        raise ValueError(
            f"{name} holds {len(found)} layers with W shapes {found}; the model has "
            f"{len(expected)} layers with W shapes {expected}"
        )
    for index, (got, want) in enumerate(zip(found, expected)):
        if got != want:
            raise ValueError(
                f"{name}: layer {index} (W{index}) has shape {got} in the file, the model "
                f"expects {want}"
            )
    own = getattr(model, "activation_names", None)
    if saved.activations is not None and own is not None and list(own) != saved.activations:
        raise ValueError(
            f"{name} was saved from a network with activations {saved.activations}; "
            f"the model has {list(own)}"
        )
    model.set_weights(saved.weights)
    return saved


def _describe(file: PathOrFile) -> str:
    if isinstance(file, (str, os.PathLike)):
        return os.fspath(file)
    return "the weights file"
