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
``["sigmoid", "sigmoid", "linear"]``. :func:`load` reads it back without pickle, so a
weights file cannot run code, and within bounds: it checks every member's declared size
and ``.npy`` header before decompressing any array, so a small hostile file cannot make
it allocate gigabytes (see :data:`MAX_BYTES`).

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
import math
import os
import re
import zipfile
import zlib
from collections.abc import Sequence
from typing import IO, Any, NamedTuple, Union

import numpy as np
import numpy.typing as npt

from .files import atomic_open

__all__ = [
    "FORMAT",
    "MAX_BYTES",
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


#: The most bytes of arrays :func:`load` reads from one file unless told otherwise (1 GiB:
#: a 784-1024-1024-10 network is 15 MB). Checked against the sizes the file declares,
#: before anything is decompressed or allocated.
MAX_BYTES = 1 << 30
_MAX_MEMBERS = 20_000  # W and b for 10,000 layers, and the two text entries
_MAX_TEXT = 64 * 1024  # characters of the format and activations entries
_MAX_HEADER = 10_000  # bytes of one .npy header (NumPy's own default limit)
_LAYER_KEY = re.compile(r"([Wb])(0|[1-9][0-9]{0,5})")


def load(file: PathOrFile, *, max_bytes: int = MAX_BYTES) -> SavedWeights:
    """Read a file written by :func:`save`, without pickle and within bounds.

    Raises :class:`WeightsFileError` (a ``ValueError``) naming the problem for anything
    but a well-formed weights file: not a zip archive (or a single ``.npy`` array), a
    member that is not an ``.npy`` array or has a name other than ``W0, b0, W1, ...``,
    ``format`` and ``activations``, arrays declared larger than ``max_bytes`` in total
    (checked from the headers before anything is decompressed or allocated, so a small
    file cannot make it allocate gigabytes), non-float weights, NaN or infinite weights,
    a missing or skipped layer (``W0, b0, W2, b2``), shapes that do not chain, and
    metadata that is not a short flat JSON array of names. ``FileNotFoundError`` when
    there is no such file, ``OSError`` when it cannot be read.

    Every member's zip entry and ``.npy`` header is checked first; only then are the
    arrays read, each exactly to its declared size. A PyTorch state dict (a ``.pt`` or
    ``.pth`` file, or any file PyTorch wrote) is read with ``torch.load(...,
    weights_only=True)``, within the same ``max_bytes``.
    """
    if is_torch_file(file):
        return _load_torch(file, max_bytes)
    name = _describe(file)
    try:
        with zipfile.ZipFile(file) as archive:
            members = _checked_members(archive, name, max_bytes)
            contents = {
                key: _read_member(archive, info, header, name)
                for key, (info, header) in members.items()
            }
    except (FileNotFoundError, IsADirectoryError, PermissionError, WeightsFileError):
        raise
    except zipfile.BadZipFile as error:
        raise WeightsFileError(_not_a_zip(file, name, error)) from None
    except (OSError, EOFError, ValueError, RuntimeError, NotImplementedError, zlib.error) as error:
        # truncated, corrupt (bad CRC), encrypted or oddly compressed members
        raise WeightsFileError(
            f"{name} is not a readable weights file (a truncated or foreign file? expected "
            f"an .npz archive written by autograd_lite.weights.save): {error}"
        ) from None
    return _parse(contents, name)


class _Header(NamedTuple):
    shape: tuple[int, ...]
    fortran_order: bool
    dtype: np.dtype[Any]
    offset: int  # bytes before the array data


def _checked_members(
    archive: zipfile.ZipFile, name: str, max_bytes: int
) -> dict[str, tuple[zipfile.ZipInfo, _Header]]:
    """Every member's key, zip entry and .npy header, all checked before any array is read."""
    infos = archive.infolist()
    if len(infos) > _MAX_MEMBERS:
        raise WeightsFileError(
            f"{name} has {len(infos):,} members; a weights file has at most {_MAX_MEMBERS:,}"
        )
    keys = [_key(info.filename) for info in infos]
    if "W0" not in keys:
        found = ", ".join(
            sorted(member.removesuffix(".npy")[:40] for member in archive.namelist()[:20])
        )
        raise WeightsFileError(
            f"{name} is not an autograd-lite weights file: it holds {found or 'nothing'} "
            "(expected W0, b0, W1, b1, ...)"
        )
    members: dict[str, tuple[zipfile.ZipInfo, _Header]] = {}
    total = 0
    for info, key in zip(infos, keys):
        if key is None:
            raise WeightsFileError(
                f"{name}: unexpected member {info.filename[:80]!r} (a weights file holds "
                "only W0.npy, b0.npy, W1.npy, ..., format.npy and activations.npy)"
            )
        if key in members:
            raise WeightsFileError(f"{name}: member {info.filename!r} appears twice")
        if info.file_size > max_bytes + _MAX_HEADER:
            raise WeightsFileError(
                f"{name}: {info.filename} declares {info.file_size:,} bytes, more than the "
                f"limit of {max_bytes:,} (load(..., max_bytes=N) raises it)"
            )
        header = _read_header(archive, info, name)
        nbytes = math.prod(header.shape) * header.dtype.itemsize
        total += nbytes
        if total > max_bytes:
            raise WeightsFileError(
                f"{name}: {info.filename} declares an array of shape {header.shape}, which "
                f"brings the arrays to {total:,} bytes, more than the limit of {max_bytes:,} "
                "(load(..., max_bytes=N) raises it)"
            )
        if header.offset + nbytes != info.file_size:
            raise WeightsFileError(
                f"{name}: {info.filename} declares an array of shape {header.shape} "
                f"({nbytes:,} bytes) in a member of {info.file_size:,} bytes (a truncated or "
                "forged file?)"
            )
        members[key] = (info, header)
    return members


def _key(member: str) -> str | None:
    """The key of a member named ``W0.npy``, ``b3.npy``, ``format.npy``...; None for others."""
    key = member.removesuffix(".npy")
    if key != member and (key in ("format", "activations") or _LAYER_KEY.fullmatch(key)):
        return key
    return None


def _read_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> _Header:
    """The .npy header of one member, read from the start of its stream (a few hundred
    bytes decompressed), refusing every dtype but plain numbers and text."""
    with archive.open(info) as stream:
        try:
            version = np.lib.format.read_magic(stream)
            if version == (1, 0):
                read = np.lib.format.read_array_header_1_0
            elif version == (2, 0):
                read = np.lib.format.read_array_header_2_0
            else:
                raise ValueError(f"unsupported .npy version {version}")
            shape, fortran_order, dtype = read(stream, max_header_size=_MAX_HEADER)
        except ValueError as error:
            raise WeightsFileError(
                f"{name}: {info.filename} is not a readable .npy array: {error}"
            ) from None
        offset = stream.tell()
    if dtype.hasobject:
        raise WeightsFileError(
            f"{name} is not a readable weights file: {info.filename} holds Python objects "
            "(pickled data, which is never loaded)"
        )
    if dtype.kind not in "fiubU" or dtype.fields is not None:
        raise WeightsFileError(
            f"{name}: {info.filename} holds {dtype} data; a weights file holds float "
            "arrays and text"
        )
    return _Header(tuple(int(n) for n in shape), bool(fortran_order), dtype, offset)


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, header: _Header, name: str
) -> npt.NDArray[Any]:
    """One member's array, read to exactly the size its header declared."""
    nbytes = info.file_size - header.offset
    with archive.open(info) as stream:
        stream.read(header.offset)
        data = stream.read(nbytes)
    if len(data) != nbytes:
        raise WeightsFileError(f"{name}: {info.filename} is truncated")
    flat = np.frombuffer(data, dtype=header.dtype)
    if header.fortran_order:
        array: npt.NDArray[Any] = flat.reshape(header.shape[::-1]).T
    else:
        array = flat.reshape(header.shape)
    return np.array(array, order="C")


def _not_a_zip(file: PathOrFile, name: str, error: Exception) -> str:
    start = b""
    try:
        if isinstance(file, (str, os.PathLike)):
            with open(file, "rb") as handle:
                start = handle.read(6)
        else:
            file.seek(0)
            start = file.read(6)
    except (OSError, ValueError, AttributeError):
        pass
    if start == b"\x93NUMPY":
        return f"{name} holds a single array, not an .npz archive of weights"
    return (
        f"{name} is not a readable weights file (a truncated or foreign file? expected an "
        f".npz archive written by autograd_lite.weights.save): {error}"
    )


def _parse(contents: dict[str, Any], name: str) -> SavedWeights:
    keys = sorted(contents)
    found = ", ".join(keys[:20]) + (f" and {len(keys) - 20:,} more" if len(keys) > 20 else "")
    found = found or "nothing"
    if "format" in contents:
        text = _text(contents["format"], "format", name)
        if text != FORMAT:
            raise WeightsFileError(
                f"{name} has format {text[:80]!r}; this version reads {FORMAT!r}"
            )
    if "W0" not in contents:
        raise WeightsFileError(
            f"{name} is not an autograd-lite weights file: it holds {found} "
            "(expected W0, b0, W1, b1, ...)"
        )
    layers = sorted({int(key[1:]) for key in contents if key not in ("format", "activations")})
    pairs = []
    for index in range(layers[-1] + 1):
        has_W, has_b = f"W{index}" in contents, f"b{index}" in contents
        if not (has_W and has_b):
            if has_W:
                problem = f"W{index} has no bias b{index}"
            elif has_b:
                problem = f"b{index} has no weights W{index}"
            else:
                problem = (
                    f"layer {index} is missing (no W{index}, b{index}) before layer {layers[-1]}"
                )
            raise WeightsFileError(
                f"{name}: {problem} (it holds {found}; expected W0, b0, W1, b1, ... without gaps)"
            )
        W, b = contents[f"W{index}"], contents[f"b{index}"]
        if W.dtype.kind != "f" or b.dtype.kind != "f":
            raise WeightsFileError(
                f"{name}: layer {index} holds {W.dtype} and {b.dtype} arrays, not floats"
            )
        for key, array in ((f"W{index}", W), (f"b{index}", b)):
            bad = array.size - int(np.count_nonzero(np.isfinite(array)))
            if bad:
                raise WeightsFileError(
                    f"{name}: {key} holds {bad:,} NaN or infinite number"
                    f"{'s' if bad > 1 else ''}; weights must be finite"
                )
        pairs.append((W, b))
    try:
        weights = check_weights(pairs)
    except ValueError as error:
        raise WeightsFileError(f"{name}: {error}") from None
    activations = None
    if "activations" in contents:
        activations = _activation_names(contents["activations"], len(weights), name)
    return SavedWeights(weights, activations)


def _text(entry: Any, key: str, name: str) -> str:
    if entry.dtype.kind != "U" or entry.shape != ():
        raise WeightsFileError(f"{name}: {key!r} is {entry.dtype} {entry.shape}, not text")
    text = str(entry)
    if len(text) > _MAX_TEXT:
        raise WeightsFileError(
            f"{name}: {key!r} holds {len(text):,} characters (at most {_MAX_TEXT:,})"
        )
    return text


def _activation_names(entry: Any, layers: int, name: str) -> list[str]:
    text = _text(entry, "activations", name)
    names = None
    if _json_depth(text) <= 1:  # a flat array: nesting is refused before parsing
        try:
            names = json.loads(text)
        except json.JSONDecodeError:
            names = None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise WeightsFileError(f"{name}: 'activations' is not a flat JSON array of names")
    if len(names) != layers:
        raise WeightsFileError(
            f"{name}: {len(names)} activation names for {layers} layers: {names[:20]}"
        )
    return names


def _json_depth(text: str) -> int:
    """How deeply ``[`` and ``{`` nest in JSON text (outside strings), without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


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


def _zip_entries(file: PathOrFile) -> list[zipfile.ZipInfo] | None:
    """The entries of a zip archive (a path, or an open file left where it was), or
    ``None`` when it is not one or cannot be read."""
    try:
        if isinstance(file, (str, os.PathLike)):
            with zipfile.ZipFile(file) as archive:
                return archive.infolist()
        start = file.tell()
        try:
            with zipfile.ZipFile(file) as archive:
                return archive.infolist()
        finally:
            file.seek(start)
    except (OSError, zipfile.BadZipFile, ValueError):
        return None


def is_torch_file(file: PathOrFile) -> bool:
    """A ``.pt``/``.pth`` name, or a zip archive laid out as ``torch.save`` writes it
    (``NAME/data.pkl`` inside; an ``.npz`` holds ``.npy`` files at the top)."""
    if _is_torch_name(file):
        return True
    entries = _zip_entries(file)
    if entries is None:
        return False
    return any(entry.filename.endswith("/data.pkl") for entry in entries)


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


def _check_torch_size(file: PathOrFile, name: str, max_bytes: int) -> None:
    """Refuse, before ``torch.load`` allocates anything, a file whose contents would be
    larger than ``max_bytes``: the sizes its zip entries declare (``torch.save`` stores
    them uncompressed, so a compressed entry is refused too), or else its length."""
    entries = _zip_entries(file)  # None if not a zip: torch.load says what it is, or refuses it
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


def _load_torch(file: PathOrFile, max_bytes: int = MAX_BYTES) -> SavedWeights:
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
