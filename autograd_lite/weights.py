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

A name ending in ``.pt`` or ``.pth`` means a PyTorch state dict instead (PyTorch is an
optional extra: ``pip install autograd-lite[torch]``): :func:`save` writes the state dict
of the equivalent ``torch.nn.Sequential`` (``model.load_state_dict(torch.load(path))``
takes it), and :func:`load` reads one, from any ``torch.nn.Sequential`` of ``Linear``
layers and activations, through ``torch.load(..., weights_only=True)``, PyTorch's loader
that refuses anything but tensors and plain containers (never unrestricted pickle).
The activations, when known, travel in the state dict's ``_metadata`` (which
``load_state_dict`` ignores); a state dict saved by PyTorch itself has none.

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
    "is_torch_file",
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
    A path ending in ``.pt`` or ``.pth`` gets a PyTorch state dict instead (see the
    module docstring).
    """
    if _is_torch_name(file):
        _save_torch(file, weights_or_model, activations)
        return
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
    when there is no such file. A PyTorch state dict (a ``.pt`` or ``.pth`` file, or any
    file PyTorch wrote) is read with ``torch.load(..., weights_only=True)``.
    """
    if is_torch_file(file):
        return _load_torch(file)
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


# ----------------------------------------------------------------------------- PyTorch files

TORCH_SUFFIXES = (".pt", ".pth")
# Where a state dict written by save() records its activations: a key of ``_metadata``
# that names no module, so ``load_state_dict`` passes over it.
_TORCH_METADATA_KEY = "autograd_lite"


def _is_torch_name(file: PathOrFile) -> bool:
    return isinstance(file, (str, os.PathLike)) and os.fspath(file).lower().endswith(TORCH_SUFFIXES)


def is_torch_file(file: PathOrFile) -> bool:
    """A ``.pt``/``.pth`` name, or a zip archive laid out as ``torch.save`` writes it
    (``NAME/data.pkl`` inside; an ``.npz`` holds ``.npy`` files at the top)."""
    if _is_torch_name(file):
        return True
    try:
        if isinstance(file, (str, os.PathLike)):
            with zipfile.ZipFile(file) as archive:
                names = archive.namelist()
        else:
            start = file.tell()
            try:
                with zipfile.ZipFile(file) as archive:
                    names = archive.namelist()
            finally:
                file.seek(start)
    except (OSError, zipfile.BadZipFile, ValueError):
        return False
    return any(name.endswith("/data.pkl") for name in names)


def _save_torch(file: PathOrFile, weights_or_model: Any, activations: Sequence[str] | None) -> None:
    """Write the state dict of the equivalent ``torch.nn.Sequential`` (float64 tensors).

    A Tensor ``Sequential`` keeps its own parameter names (its layers' positions); other
    networks and bare lists get the layout of
    :func:`autograd_lite.torch_bridge.layer_positions`.
    """
    from collections import OrderedDict

    from .nn import Sequential
    from .torch_bridge import require_torch, state_dict_of

    torch = require_torch(f"saving {_describe(file)} (a PyTorch state dict)")
    if hasattr(weights_or_model, "get_weights"):
        if activations is None:
            activations = getattr(weights_or_model, "activation_names", None)
        weights = check_weights(weights_or_model.get_weights())
    else:
        weights = check_weights(weights_or_model)
    names = None if activations is None else [str(name) for name in activations]
    if names is not None and len(names) != len(weights):
        raise ValueError(f"got {len(names)} activation names for {len(weights)} layers: {names}")
    if isinstance(weights_or_model, Sequential):  # its parameter names are PyTorch's already
        own = weights_or_model.state_dict()
        state = OrderedDict(
            (key, torch.from_numpy(np.array(a, np.float64))) for key, a in own.items()
        )
    else:
        state = OrderedDict(state_dict_of(weights, names))
    metadata: dict[str, Any] = {"format": FORMAT}
    if names is not None:
        metadata["activations"] = names
    state._metadata = OrderedDict([(_TORCH_METADATA_KEY, metadata)])  # type: ignore[attr-defined]
    if isinstance(file, (str, os.PathLike)):
        with atomic_open(file) as stream:  # the old file stays whole if saving fails
            torch.save(state, stream)
    else:
        torch.save(state, file)


def _torch_refusal(error: BaseException) -> str:
    """The one sentence of a ``torch.load`` error that says what is wrong with the file."""
    text = str(error)
    marker = "WeightsUnpickler error:"
    if marker in text:
        text = text.split(marker, 1)[1]
    first = " ".join(text.split()).split(". ")[0].rstrip(".") or type(error).__name__
    if "Unsupported global" in first:  # e.g. torch.save(model): a pickled module, not tensors
        first += "; save model.state_dict(), not the model"
    return first


# The most bytes a .pt file may hold (1 GiB: a 784-1024-1024-10 network is 15 MB).
_TORCH_MAX_BYTES = 1 << 30


def _check_torch_size(file: PathOrFile, name: str, max_bytes: int) -> None:
    """Refuse, before ``torch.load`` allocates anything, a file whose contents would be
    larger than ``max_bytes``: the sizes its zip entries declare (``torch.save`` stores
    them uncompressed, so a compressed entry is refused too), or else its length."""
    try:
        if isinstance(file, (str, os.PathLike)):
            with zipfile.ZipFile(file) as archive:
                entries = archive.infolist()
        else:
            start = file.tell()
            try:
                with zipfile.ZipFile(file) as archive:
                    entries = archive.infolist()
            finally:
                file.seek(start)
    except (zipfile.BadZipFile, ValueError, OSError):
        entries = None  # not a zip: torch.load says what it is, or refuses it
    if entries is None:
        if isinstance(file, (str, os.PathLike)) and os.path.isfile(file):
            total = os.path.getsize(file)
            if total > max_bytes:
                raise WeightsFileError(f"{name} holds {total:,} bytes, more than {max_bytes:,}")
        return
    packed = [e.filename for e in entries if e.compress_type != zipfile.ZIP_STORED]
    if packed:
        raise WeightsFileError(
            f"{name}: {packed[0]} is compressed, which torch.save never does: not a file "
            "PyTorch wrote"
        )
    total = sum(e.file_size for e in entries)
    if total > max_bytes:
        raise WeightsFileError(f"{name} declares {total:,} bytes, more than {max_bytes:,}")


def _load_torch(file: PathOrFile, max_bytes: int = _TORCH_MAX_BYTES) -> SavedWeights:
    """Read a PyTorch state dict with ``torch.load(..., weights_only=True)``, within
    ``max_bytes``; NaN or infinite weights are refused, as in an ``.npz`` file."""
    import pickle

    from .torch_bridge import require_torch, state_dict_keys, weights_from_state_dict

    name = _describe(file)
    torch = require_torch(f"reading {name} (a PyTorch file)")
    _check_torch_size(file, name, max_bytes)
    try:
        state = torch.load(file, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError) as error:
        raise WeightsFileError(
            f"{name} is not a PyTorch state dict that loads with weights_only=True "
            f"(a truncated or foreign file, or one holding Python objects): "
            f"{_torch_refusal(error)}"
        ) from None
    weights = weights_from_state_dict(state, name)
    for (W, b), keys in zip(weights, state_dict_keys(state, name)):
        for key, array in zip(keys, (W, b)):
            if key is not None and not np.all(np.isfinite(array)):
                raise WeightsFileError(f"{name}: {key} holds NaN or infinite numbers")
    activations = None
    metadata = getattr(state, "_metadata", None)
    recorded = metadata.get(_TORCH_METADATA_KEY) if isinstance(metadata, dict) else None
    if isinstance(recorded, dict) and "activations" in recorded:
        names = recorded["activations"]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise WeightsFileError(f"{name}: the recorded activations are not a list of names")
        if len(names) != len(weights):
            raise WeightsFileError(
                f"{name}: {len(names)} activation names for {len(weights)} layers: {names}"
            )
        activations = names
    return SavedWeights(weights, activations)
