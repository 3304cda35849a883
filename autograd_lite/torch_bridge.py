"""The way on to PyTorch: networks both ways, state dicts, and the PyTorch code of a network.

PyTorch is an optional extra (``pip install autograd-lite[torch]``, the CPU build
``torch==2.13.0``). It is imported inside the functions that need it, never when
``autograd_lite`` is imported; without it they raise :class:`TorchNotInstalled` (an
``ImportError``) saying which extra to install.

Networks
    :func:`to_torch` turns a Tensor ``nn.Sequential`` or a Value ``nn.MLP`` into a
    ``torch.nn.Sequential`` in float64 holding the same numbers (``model.to_torch()``);
    :func:`from_torch` builds an ``nn.Sequential`` from a ``torch.nn.Sequential`` of the
    layers in :data:`SUPPORTED` (``nn.Sequential.from_torch(module)``). Layer for layer:

    ==================  ==========================
    autograd-lite       PyTorch
    ==================  ==========================
    ``Linear``          ``torch.nn.Linear``
    ``Tanh``            ``torch.nn.Tanh``
    ``Sigmoid``         ``torch.nn.Sigmoid``
    ``ReLU``            ``torch.nn.ReLU``
    ``LeakyReLU(s)``    ``torch.nn.LeakyReLU(s)``
    ``Identity``        ``torch.nn.Identity``
    ``Softmax(dim)``    ``torch.nn.Softmax(dim)``
    ``Dropout(p)``      ``torch.nn.Dropout(p)``
    ==================  ==========================

    Both keep the layers' positions, so parameter names agree (``"0.weight"``,
    ``"2.bias"``...), and the training mode. The numbers are copied, never shared.

State dicts
    :func:`state_dict_of` and :func:`weights_from_state_dict` go between the common
    weights format (a list of ``(W, b)``, see :mod:`autograd_lite.weights`) and a
    PyTorch state dict; :func:`autograd_lite.weights.save` and ``load`` use them for
    ``.pt`` files. A layer's position in the ``torch.nn.Sequential`` follows from the
    activations: each ``Linear`` is followed by its activation layer, none for
    ``"linear"`` (so ``["tanh", "tanh", "linear"]`` gives ``0.weight``, ``2.weight``,
    ``4.weight``, the layout of :func:`to_torch` and of most hand-written networks).

Code
    :func:`torch_code` writes the short PyTorch program that builds a network and loads
    its weights (``autograd-lite export --to torch FILE``).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import nn
from .optional import import_optional
from .weights import Weights, WeightsFileError, check_weights

__all__ = [
    "EXTRA",
    "SUPPORTED",
    "TorchNotInstalled",
    "from_torch",
    "is_torch_module",
    "layer_positions",
    "require_torch",
    "state_dict_keys",
    "state_dict_of",
    "to_torch",
    "torch_code",
    "weights_from_state_dict",
]

#: How to install PyTorch for autograd-lite: the CPU build the tests use.
EXTRA = "pip install autograd-lite[torch] (torch==2.13.0, the CPU build)"

#: The torch.nn layers :func:`from_torch` converts.
SUPPORTED = ("Linear", "Tanh", "Sigmoid", "ReLU", "LeakyReLU", "Identity", "Softmax", "Dropout")

# The PyTorch class of each activation name of autograd-lite ("linear" adds no layer).
_TORCH_ACTIVATIONS = {
    "tanh": "Tanh()",
    "sigmoid": "Sigmoid()",
    "relu": "ReLU()",
    "leaky_relu": "LeakyReLU(0.01)",
    "softmax": "Softmax(dim=-1)",
}
_LINEAR_NAMES = ("linear", "identity", "none")


class TorchNotInstalled(ImportError):
    """A feature that needs PyTorch, which is not installed; the message says how to get it."""


def require_torch(feature: str) -> Any:
    """The ``torch`` module, or :class:`TorchNotInstalled` naming ``feature`` and the extra."""
    try:
        torch = import_optional("torch")
    except ImportError:
        raise TorchNotInstalled(
            f"{feature} needs PyTorch, which is not installed: {EXTRA}"
        ) from None
    return torch


def is_torch_module(obj: Any) -> bool:
    """Whether ``obj`` is a ``torch.nn.Module`` (without importing PyTorch: an object can
    only be one when PyTorch is already imported)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.nn.Module)


# ----------------------------------------------------------------------------- networks


def _linear_to_torch(torch: Any, W: Any, b: Any | None) -> Any:
    """A float64 ``torch.nn.Linear`` holding copies of ``W`` and ``b``.

    ``skip_init`` builds it without drawing weights, so PyTorch's random generator is
    left as it was (a conversion should not change what the user's next draw gives).
    """
    n_out, n_in = W.shape
    layer = torch.nn.utils.skip_init(
        torch.nn.Linear, n_in, n_out, bias=b is not None, dtype=torch.float64
    )
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(np.array(W, dtype=np.float64)))
        if b is not None:
            layer.bias.copy_(torch.from_numpy(np.array(b, dtype=np.float64)))
    return layer


def _activation_to_torch(torch: Any, name: str) -> Any | None:
    """The torch layer of a Value network's activation name (None for "linear")."""
    layers = {
        "tanh": torch.nn.Tanh,
        "sigmoid": torch.nn.Sigmoid,
        "relu": torch.nn.ReLU,
        "leaky_relu": lambda: torch.nn.LeakyReLU(0.01),
    }
    return None if name == "linear" else layers[name]()


def _layer_to_torch(torch: Any, index: int, layer: nn.Module) -> Any:
    """The torch layer for one of ours; exact classes only (a subclass may compute anything)."""
    ours = (nn.Linear, nn.Tanh, nn.Sigmoid, nn.ReLU, nn.LeakyReLU, nn.Identity, nn.Softmax)
    if type(layer) not in (*ours, nn.Dropout):
        raise ValueError(
            f"to_torch: layer {index} ({layer!r}) has no PyTorch counterpart here "
            f"(supported: {', '.join(SUPPORTED)})"
        )
    if isinstance(layer, nn.Linear):
        bias = None if layer.bias is None else layer.bias.data
        return _linear_to_torch(torch, layer.weight.data, bias)
    if isinstance(layer, nn.LeakyReLU):
        return torch.nn.LeakyReLU(layer.negative_slope)
    if isinstance(layer, nn.Softmax):
        return torch.nn.Softmax(dim=layer.dim)
    if isinstance(layer, nn.Dropout):
        return torch.nn.Dropout(layer.p)
    simple: dict[type[nn.Module], Any] = {
        nn.Tanh: torch.nn.Tanh,
        nn.Sigmoid: torch.nn.Sigmoid,
        nn.ReLU: torch.nn.ReLU,
        nn.Identity: torch.nn.Identity,
    }
    return simple[type(layer)]()


def to_torch(model: Any) -> Any:
    """An equivalent ``torch.nn.Sequential`` in float64, with copies of the numbers.

    ``model`` is a Tensor :class:`~autograd_lite.nn.Sequential` (layer for layer, the
    same positions and training mode) or a Value :class:`~autograd_lite.nn.MLP` (each
    layer becomes a ``Linear`` followed by its activation, none for ``"linear"``). The
    PyTorch network takes batches: row ``i`` of its output is the Value network's
    output on example ``i``.
    """
    torch = require_torch("to_torch()")
    layers: list[Any] = []
    if isinstance(model, nn.MLP):
        for (W, b), name in zip(model.get_weights(), model.activation_names):
            layers.append(_linear_to_torch(torch, W, b))
            activation = _activation_to_torch(torch, name)
            if activation is not None:
                layers.append(activation)
    elif isinstance(model, nn.Sequential):
        layers = [_layer_to_torch(torch, i, layer) for i, layer in enumerate(model)]
    else:
        raise TypeError(f"to_torch takes an nn.Sequential or an nn.MLP, got {type(model).__name__}")
    return torch.nn.Sequential(*layers).train(model.training)


def _unsupported(name: str, layer: Any) -> ValueError:
    return ValueError(
        f"cannot convert layer {name} ({layer!r}) of the torch.nn.Sequential: autograd-lite "
        f"has no such layer (supported: {', '.join(SUPPORTED)})"
    )


def _layer_from_torch(torch: Any, name: str, layer: Any) -> nn.Module:
    """Our layer for one torch layer; exact classes only (a subclass may compute anything)."""
    kind = type(layer)
    if kind is torch.nn.Linear:
        ours = nn.Linear(
            layer.in_features,
            layer.out_features,
            bias=layer.bias is not None,
            rng=np.random.default_rng(0),
        )
        ours.weight.data = _numpy(layer.weight)
        if ours.bias is not None:
            ours.bias.data = _numpy(layer.bias)
        return ours
    simple: dict[Any, type[nn.Module]] = {
        torch.nn.Tanh: nn.Tanh,
        torch.nn.Sigmoid: nn.Sigmoid,
        torch.nn.ReLU: nn.ReLU,
        torch.nn.Identity: nn.Identity,
    }
    if kind in simple:
        return simple[kind]()
    if kind is torch.nn.LeakyReLU:
        return nn.LeakyReLU(layer.negative_slope)
    if kind is torch.nn.Softmax:
        # dim=None is PyTorch's old implicit choice: the last axis for 1-d and 2-d inputs.
        return nn.Softmax(-1 if layer.dim is None else int(layer.dim))
    if kind is torch.nn.Dropout:
        return nn.Dropout(layer.p)
    raise _unsupported(name, layer)


def _numpy(t: Any) -> Any:
    """A float64 NumPy copy of a torch tensor (float32 and float16 widen exactly)."""
    return t.detach().cpu().double().numpy().copy()


def from_torch(module: Any) -> nn.Sequential:
    """An :class:`~autograd_lite.nn.Sequential` equivalent to a ``torch.nn.Sequential``.

    The layers must be those of :data:`SUPPORTED` (their exact classes); anything else
    raises ``ValueError`` naming the first unsupported layer. Numbers are copied in
    float64, positions and training mode kept.
    """
    torch = require_torch("Sequential.from_torch()")
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(
            "from_torch takes a torch.nn.Sequential of Linear layers and activations, got "
            f"{type(module).__name__}"
        )
    if len(module) == 0:
        raise ValueError("from_torch: the torch.nn.Sequential has no layers")
    layers = [_layer_from_torch(torch, name, layer) for name, layer in module.named_children()]
    return nn.Sequential(*layers).train(module.training)


# ----------------------------------------------------------------------------- state dicts


def layer_positions(activations: Sequence[str] | None, layers: int) -> list[int]:
    """Where each Linear layer sits in the ``torch.nn.Sequential``: after a Linear layer
    comes its activation layer, none for ``"linear"``. Without activations, every layer
    but the last is taken to be followed by one.

    >>> layer_positions(["tanh", "tanh", "linear"], 3), layer_positions(["relu", "linear"], 2)
    ([0, 2, 4], [0, 2])
    >>> layer_positions(["linear", "sigmoid"], 2), layer_positions(None, 3)
    ([0, 1], [0, 2, 4])
    """
    if activations is None:
        activations = ["tanh"] * (layers - 1) + ["linear"]
    positions, at = [], 0
    for name in activations:
        positions.append(at)
        at += 1 if name in _LINEAR_NAMES else 2
    return positions


def state_dict_of(weights: Sequence[tuple[Any, Any]], activations: Sequence[str] | None) -> Any:
    """The state dict (float64 tensors) of the ``torch.nn.Sequential`` built from ``weights``
    with ``activations`` (see :func:`layer_positions`): what ``load_state_dict`` takes."""
    torch = require_torch("a PyTorch state dict")
    checked = check_weights(weights)
    state: dict[str, Any] = {}
    for at, (W, b) in zip(layer_positions(activations, len(checked)), checked):
        state[f"{at}.weight"] = torch.from_numpy(W)
        state[f"{at}.bias"] = torch.from_numpy(b)
    return state


def weights_from_state_dict(state: Any, name: str = "the state dict") -> Weights:
    """The ``(W, b)`` pairs of an MLP's state dict, in order, as float64 arrays.

    Every key must be ``PREFIX.weight`` or ``PREFIX.bias`` of a ``Linear`` layer (2-d
    weight, a bias of ``n_out`` numbers; a layer without bias gets zeros), holding
    floats, and each layer's inputs must be the previous layer's outputs. Anything else
    raises :class:`~autograd_lite.weights.WeightsFileError` naming the key.
    """
    return [(W, b) for _, W, _, b in _linear_layers(state, name)]


def state_dict_keys(state: Any, name: str = "the state dict") -> list[tuple[str, str | None]]:
    """The keys of each Linear layer's weight and bias (None: no bias) in an MLP's state
    dict, checked as :func:`weights_from_state_dict` checks them.

    >>> import torch
    >>> state_dict_keys(torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(),
    ...                 torch.nn.Linear(3, 1, bias=False)).state_dict())
    [('0.weight', '0.bias'), ('2.weight', None)]
    """
    return [(key, bias_key) for key, _, bias_key, _ in _linear_layers(state, name)]


def _linear_layers(state: Any, name: str) -> list[tuple[str, Any, str | None, Any]]:
    """``(weight key, W, bias key or None, b)`` of each layer of an MLP's state dict."""
    torch = require_torch("reading a PyTorch state dict")
    if not isinstance(state, Mapping):
        raise WeightsFileError(
            f"{name} holds a {type(state).__name__}, not a state dict (save "
            "model.state_dict(), a dict of tensors)"
        )
    if not state:
        raise WeightsFileError(f"{name} holds an empty state dict")
    grouped: dict[str, dict[str, tuple[str, Any]]] = {}
    for key, value in state.items():
        prefix, _, kind = str(key).rpartition(".")
        if not isinstance(key, str) or kind not in ("weight", "bias"):
            raise WeightsFileError(
                f"{name} is not the state dict of an MLP: {key!r} is not a Linear layer's "
                "weight or bias (expected keys such as 0.weight, 0.bias, 2.weight, 2.bias)"
            )
        if not (isinstance(value, torch.Tensor) and value.is_floating_point()):
            what = f"a {value.dtype} tensor" if isinstance(value, torch.Tensor) else type(value)
            raise WeightsFileError(f"{name}: {key} holds {what}, not a tensor of floats")
        grouped.setdefault(prefix, {})[kind] = (key, value)
    layers: list[tuple[str, Any, str | None, Any]] = []
    for found in grouped.values():
        if "weight" not in found:
            raise WeightsFileError(f"{name}: {found['bias'][0]} is a bias without a weight")
        key, weight = found["weight"]
        W = _numpy(weight)
        if W.ndim != 2:
            raise WeightsFileError(
                f"{name} is not the state dict of an MLP: {key} has shape {W.shape}, "
                "not a Linear layer's (n_out, n_in)"
            )
        bias_key, b = None, np.zeros(W.shape[0])
        if "bias" in found:
            bias_key, b = found["bias"][0], _numpy(found["bias"][1])
            if b.shape != (W.shape[0],):
                raise WeightsFileError(
                    f"{name}: {bias_key} has shape {b.shape}, expected ({W.shape[0]},) to "
                    f"match {key} of shape {W.shape}"
                )
        if layers and W.shape[1] != layers[-1][1].shape[0]:
            raise WeightsFileError(
                f"{name}: {key} has shape {W.shape}, so it takes {W.shape[1]} inputs, but "
                f"the layer before ({layers[-1][0]}) gives {layers[-1][1].shape[0]} outputs"
            )
        layers.append((key, W, bias_key, b))
    return layers


# ----------------------------------------------------------------------------- code


def _literal(text: str) -> str:
    """A Python string literal in double quotes (ruff's style) that reads back as ``text``."""
    if text.isprintable() and "\\" not in text and '"' not in text:
        return f'"{text}"'
    return repr(text)


def torch_code(
    weights: Sequence[tuple[Any, Any]],
    activations: Sequence[str],
    path: str,
    *,
    keys: Sequence[tuple[str, str | None]] | None = None,
) -> str:
    """The PyTorch program building the network of ``weights`` with ``activations`` (one
    name per layer: tanh, sigmoid, relu, leaky_relu, softmax or linear) and loading its
    numbers from ``path``: an ``.npz`` weights file, or, when ``keys`` gives the state
    dict keys of each layer's weight and bias (:func:`state_dict_keys`), a ``.pt`` state
    dict. Plain text: it is printed, never run here.

    >>> import numpy as np
    >>> print(torch_code([(np.ones((3, 2)), np.zeros(3)), (np.ones((1, 3)), np.zeros(1))],
    ...                  ["tanh", "linear"], "xor.pt",
    ...                  keys=[("0.weight", "0.bias"), ("2.weight", "2.bias")]))
    import torch
    from torch import nn
    <BLANKLINE>
    # The 2-3-1 network of xor.pt, in float64 as in autograd-lite.
    model = nn.Sequential(
        nn.Linear(2, 3),
        nn.Tanh(),
        nn.Linear(3, 1),
    ).double()
    model.load_state_dict(torch.load("xor.pt", weights_only=True))
    """
    checked = check_weights(weights)
    if len(activations) != len(checked):
        raise ValueError(f"got {len(activations)} activation names for {len(checked)} layers")
    if keys is not None and len(keys) != len(checked):
        raise ValueError(f"got the keys of {len(keys)} layers for {len(checked)} layers")
    body = []
    for index, ((W, _), name) in enumerate(zip(checked, activations)):
        if name not in _TORCH_ACTIVATIONS and name not in _LINEAR_NAMES:
            known = ", ".join([*_TORCH_ACTIVATIONS, "linear"])
            raise ValueError(f"layer {index}: unknown activation {name!r}; known: {known}")
        if name == "softmax" and index != len(checked) - 1:
            raise ValueError("softmax can only be the output activation")
        no_bias = keys is not None and keys[index][1] is None
        body.append(
            f"    nn.Linear({W.shape[1]}, {W.shape[0]}{', bias=False' if no_bias else ''}),"
        )
        if name in _TORCH_ACTIVATIONS:
            body.append(f"    nn.{_TORCH_ACTIVATIONS[name]},")
    sizes = "-".join(str(n) for n in [checked[0][0].shape[1], *(W.shape[0] for W, _ in checked)])
    source = _literal(path)
    lines = [] if keys is not None else ["import numpy as np"]
    lines += [
        "import torch",
        "from torch import nn",
        "",
        # a name with a line break in it must not end the comment: it is shown escaped
        f"# The {sizes} network of {path if path.isprintable() else repr(path)}, in float64 "
        "as in autograd-lite.",
        "model = nn.Sequential(",
        *body,
        ").double()",
    ]
    positions = layer_positions(list(activations), len(checked))
    sources: list[tuple[str, str | None]]
    if keys is None:
        lines.append(
            f"arrays = np.load({source})  # W0, b0, W1, b1, ...: layer i's weight and bias"
        )
        sources = [(f'arrays["W{i}"]', f'arrays["b{i}"]') for i in range(len(checked))]
        wrap = "torch.from_numpy({})"
    else:
        ours = [(f"{at}.weight", None if bias is None else f"{at}.bias")
                for at, (_, bias) in zip(positions, keys)]  # fmt: skip
        if ours == list(keys):
            lines.append(f"model.load_state_dict(torch.load({source}, weights_only=True))")
            return "\n".join(lines)
        lines.append(f"state = torch.load({source}, weights_only=True)  # its layers sit elsewhere")
        sources = [(f'state["{w}"]', None if b is None else f'state["{b}"]') for w, b in keys]
        wrap = "{}"
    lines.append("model.load_state_dict({")
    for at, (weight, bias) in zip(positions, sources):
        entry = f'    "{at}.weight": {wrap.format(weight)},'
        if bias is not None:
            entry += f' "{at}.bias": {wrap.format(bias)},'
        lines.append(entry)
    lines.append("})")
    return "\n".join(lines)
