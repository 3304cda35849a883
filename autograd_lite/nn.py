"""Neural networks: micrograd's Value MLP, and PyTorch-style Tensor layers.

Two kinds of network, one base class (:class:`Module`) and one weights format.

Value networks (scalar nodes, every multiply visible)
    ``Neuron``, ``Layer`` and ``MLP`` behave exactly as micrograd's by default (ReLU
    hidden layers, a linear output layer, weights drawn from Python's
    ``random.uniform(-1, 1)`` in micrograd's order, biases zero), so a micrograd program
    runs unchanged with ``from autograd_lite.nn import MLP``. On top of that: a choice of
    activation and of initialisation, and a seedable NumPy generator.

Tensor networks (array nodes, for real data), in PyTorch's conventions
    ``Linear`` (weight shaped ``(n_out, n_in)``, bias ``(n_out,)``, one fused
    :func:`~autograd_lite.tensor.linear` node), ``Sequential``, the activations ``Tanh``,
    ``Sigmoid``, ``ReLU``, ``LeakyReLU``, ``Identity``, ``Softmax``, and ``Dropout``.
    Inputs are batches: one example per row.

Both MLP kinds are built from and exported to the common weights format (a list of
``(W, b)`` float64 arrays, ``W`` shaped ``(n_out, n_in)``; see
:mod:`autograd_lite.weights`) with ``from_weights`` / ``get_weights`` / ``set_weights``,
and both have ``trace(x)``: the forward pass with every layer's pre-activation ``z`` and
activation ``a`` (after a backward pass, ``z``'s gradient is the layer's delta). Both go
to PyTorch with ``to_torch()``, and ``Sequential.from_torch(module)`` comes back (see
:mod:`autograd_lite.torch_bridge`; PyTorch is an optional extra).

Initialisation (``init=``), drawn from a NumPy ``Generator`` (``rng=``) or, without one,
from Python's ``random`` (so ``random.seed`` reproduces it, as in micrograd); biases are 0:

``"uniform"``   micrograd's: every weight from uniform(-1, 1)
``"xavier"``    Glorot and Bengio's uniform(-a, a), ``a = sqrt(6 / (n_in + n_out))``
``"he"``        He et al.'s normal(0, std), ``std = sqrt(2 / n_in)``

The weights are drawn layer by layer, each ``W`` row by row, so the same seed gives the
same network on both node kinds:

>>> import numpy as np
>>> value_net = mlp([2, 3, 1], engine="value", rng=np.random.default_rng(0))
>>> tensor_net = mlp([2, 3, 1], engine="tensor", rng=np.random.default_rng(0))
>>> all((a == c).all() and (b == d).all()
...     for (a, b), (c, d) in zip(value_net.get_weights(), tensor_net.get_weights()))
True
>>> [W.shape for W, b in tensor_net.get_weights()]
[(3, 2), (1, 3)]
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from .tensor import Tensor, linear
from .value import Value, weighted_sum
from .weights import Weights
from .weights import check_weights as _check_weights

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "MLP",
    "Dropout",
    "Identity",
    "Layer",
    "LeakyReLU",
    "Linear",
    "Module",
    "Neuron",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "activate",
    "init_weights",
    "mlp",
]

_M = TypeVar("_M", bound="Module")

#: Activation names understood by the Value networks ("linear" applies nothing).
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "linear")
_ALIASES = {"identity": "linear", "none": "linear"}

#: Initialisation names (see the module docstring).
INITS = ("uniform", "xavier", "he")
_INIT_ALIASES = {"micrograd": "uniform", "glorot": "xavier", "kaiming": "he"}


def _activation_name(name: str) -> str:
    name = _ALIASES.get(name, name)
    if name not in ACTIVATIONS:
        known = ", ".join(ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}; known activations: {known}")
    return name


_ACTIVATION_METHODS: dict[str, Callable[[Value], Value]] = {
    "linear": lambda z: z,
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "leaky_relu": Value.leaky_relu,
}


def activate(z: Value, activation: str) -> Value:
    """Apply a named activation (one of :data:`ACTIVATIONS`) to one pre-activation Value."""
    return _ACTIVATION_METHODS[_activation_name(activation)](z)


# ----------------------------------------------------------------------------- initialisation


def _init_name(init: str) -> str:
    name = _INIT_ALIASES.get(init, init)
    if name not in INITS:
        known = ", ".join(INITS)
        raise ValueError(f"unknown init {init!r}; known initialisations: {known}")
    return name


def _draw(init: str, n_in: int, n_out: int, count: int, rng: np.random.Generator | None) -> Any:
    """``count`` weights of a layer with ``n_in`` inputs and ``n_out`` neurons.

    Without ``rng`` the numbers come from Python's ``random``, one call per weight (for
    ``"uniform"`` exactly micrograd's calls, so its networks are reproduced).
    """
    if init == "he":
        std = math.sqrt(2.0 / n_in)
        if rng is None:
            return [random.gauss(0.0, std) for _ in range(count)]
        return rng.normal(0.0, std, size=count)
    if init == "xavier":
        bound = math.sqrt(6.0 / (n_in + n_out))
        if rng is None:
            return [random.uniform(-bound, bound) for _ in range(count)]
        return rng.uniform(-bound, bound, size=count)
    if rng is None:  # micrograd's initialisation, from Python's global generator
        return [random.uniform(-1, 1) for _ in range(count)]
    return rng.uniform(-1.0, 1.0, size=count)


def init_weights(
    n_in: int, n_out: int, init: str = "xavier", rng: np.random.Generator | None = None
) -> npt.NDArray[np.float64]:
    """A weight matrix of shape ``(n_out, n_in)`` drawn with ``init`` (one of :data:`INITS`).

    >>> init_weights(2, 3, "uniform", np.random.default_rng(0)).shape
    (3, 2)
    """
    name = _init_name(init)
    _check_size(n_in, "n_in")
    _check_size(n_out, "n_out")
    drawn = _draw(name, n_in, n_out, n_in * n_out, rng)
    return np.asarray(drawn, dtype=np.float64).reshape(n_out, n_in)


def _check_size(n: Any, what: str) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{what} must be a positive integer, got {n!r}")


# ----------------------------------------------------------------------------- weights format


def _sizes_of(weights: Weights) -> list[int]:
    """Neurons per layer of checked ``(W, b)`` pairs, inputs first."""
    return [weights[0][0].shape[1]] + [W.shape[0] for W, _ in weights]


def _fitting_weights(
    weights: Sequence[tuple[Any, Any]], shapes: Sequence[tuple[int, ...]]
) -> Weights:
    """``weights`` checked (float64 copies), each ``W`` of the shape its layer expects."""
    checked = _check_weights(weights)
    if len(checked) != len(shapes):
        raise ValueError(f"got weights for {len(checked)} layers, the network has {len(shapes)}")
    for index, ((W, _), expected) in enumerate(zip(checked, shapes)):
        if W.shape != tuple(expected):
            raise ValueError(
                f"layer {index}: weight matrix has shape {W.shape}, the network expects "
                f"{tuple(expected)}"
            )
    return checked


# ----------------------------------------------------------------------------- Module


class Module:
    """Base class of every network: its parameters, their gradients, train/eval mode.

    Parameters are found by looking through the attributes (in the order they were
    set): a ``Value``, a ``Tensor`` with ``requires_grad``, a ``Module`` (searched in
    turn) or a list or tuple of them. Attributes whose name starts with ``_`` are left
    out. Names are dotted paths, as PyTorch's: ``"0.weight"``,
    ``"layers.1.neurons.0.w.2"``. Calling a module calls its ``forward``.

    The Value classes keep micrograd's interface (``parameters()``, ``zero_grad()``,
    ``__call__``); the rest (``named_parameters``, ``state_dict``, ``train``/``eval``)
    works for both node kinds.
    """

    #: True in training mode (``Dropout`` drops), False after ``eval()``.
    training: bool = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def _members(self) -> Iterator[tuple[str, Any]]:
        """The attributes that may hold parameters or sub-modules, by name."""
        for name, value in vars(self).items():
            if not name.startswith("_"):
                yield name, value

    def named_children(self) -> list[tuple[str, Module]]:
        """The direct sub-modules, by name (lists of modules give ``name.0``, ``name.1``...)."""
        found: list[tuple[str, Module]] = []
        for name, value in self._members():
            if isinstance(value, Module):
                found.append((name, value))
            elif isinstance(value, (list, tuple)):
                found.extend(
                    (f"{name}.{i}", item)
                    for i, item in enumerate(value)
                    if isinstance(item, Module)
                )
        return found

    def modules(self) -> list[Module]:
        """This module and every module inside it, depth first."""
        found: list[Module] = [self]
        for _, child in self.named_children():
            found.extend(child.modules())
        return found

    def named_parameters(self) -> list[tuple[str, Any]]:
        """Every parameter with its dotted name, each once, in the order of the attributes."""
        found: list[tuple[str, Any]] = []
        seen: set[int] = set()

        def visit(name: str, item: Any) -> None:
            if isinstance(item, Module):
                for child_name, child in item._members():
                    visit(f"{name}.{child_name}" if name else child_name, child)
            elif isinstance(item, Value) or (isinstance(item, Tensor) and item.requires_grad):
                if id(item) not in seen:
                    seen.add(id(item))
                    found.append((name, item))
            elif isinstance(item, (list, tuple)):
                for i, element in enumerate(item):
                    visit(f"{name}.{i}" if name else str(i), element)

        visit("", self)
        return found

    def parameters(self) -> list[Any]:
        """Every parameter (Values or Tensors), in the order of :meth:`named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's gradient before the next backward pass.

        Values get ``0.0`` (micrograd), Tensors ``None`` (PyTorch's ``set_to_none``).
        """
        for p in self.parameters():
            p.zero_grad()

    def train(self: _M, mode: bool = True) -> _M:
        """Set training mode (``mode=True``) or evaluation mode here and in every sub-module."""
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self: _M) -> _M:
        """Evaluation mode: ``Dropout`` passes its input through unchanged."""
        return self.train(False)

    def state_dict(self) -> dict[str, Any]:
        """A copy of every parameter's data by name: floats (Values) or arrays (Tensors)."""
        return {
            name: (p.data if isinstance(p, Value) else p.data.copy())
            for name, p in self.named_parameters()
        }

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> None:
        """Copy the numbers of ``state`` (as from :meth:`state_dict`) into the parameters.

        With ``strict`` (the default) the names must match exactly; a missing or unknown
        name, or an array of another shape, raises ``ValueError`` naming it.
        """
        own = dict(self.named_parameters())
        if strict:
            missing = [name for name in own if name not in state]
            unexpected = [name for name in state if name not in own]
            if missing or unexpected:
                raise ValueError(
                    f"state_dict does not fit {type(self).__name__}: missing {missing}, "
                    f"unexpected {unexpected}"
                )
        for name, p in own.items():
            if name not in state:
                continue
            given = np.asarray(state[name], dtype=np.float64)
            if isinstance(p, Value):
                if given.size != 1:
                    raise ValueError(f"{name}: expected one number, got shape {given.shape}")
                p.data = float(given.reshape(()))
                continue
            if given.shape != p.data.shape:
                raise ValueError(
                    f"{name}: state_dict holds shape {given.shape}, the parameter has shape "
                    f"{p.data.shape}"
                )
            p.data = given.astype(p.data.dtype, copy=True)


# ----------------------------------------------------------------------------- Value networks


class Neuron(Module):
    """One neuron: ``activation(w . x + b)``.

    ``nonlin`` is micrograd's switch (True: ReLU, False: linear); ``activation``
    chooses another function by name and overrides it. ``init`` chooses how the
    weights are drawn (micrograd's uniform(-1, 1) by default); ``fan_out``, the size of
    the neuron's layer, matters only to ``"xavier"``.
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        *,
        activation: str | None = None,
        rng: np.random.Generator | None = None,
        init: str = "uniform",
        fan_out: int = 1,
    ) -> None:
        drawn = _draw(_init_name(init), nin, fan_out, nin, rng)
        self.w = [Value(float(w)) for w in drawn]
        self.b = Value(0)
        self.activation = _activation_name(activation or ("relu" if nonlin else "linear"))
        self._activate = _ACTIVATION_METHODS[self.activation]

    @property
    def nonlin(self) -> bool:
        return self.activation != "linear"

    def preactivation(self, x: Sequence[Any]) -> Value:
        """z = b + sum_i w_i x_i, summed in micrograd's order (so results match it)."""
        if len(x) != len(self.w):
            raise ValueError(f"neuron expects {len(self.w)} inputs, got {len(x)}")
        return weighted_sum(self.b, self.w, x)

    def __call__(self, x: Sequence[Any]) -> Value:
        return self._activate(self.preactivation(x))

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        kind = {"relu": "ReLU", "linear": "Linear"}.get(self.activation, self.activation)
        return f"{kind}Neuron({len(self.w)})"


def _input_values(x: Sequence[Any]) -> Sequence[Any]:
    """Plain numbers in ``x`` become leaf Values once, shared by every neuron of a layer.

    (micrograd wraps a number afresh at each multiplication: the same arithmetic, but a
    layer of 16 neurons then draws, and allocates, 16 leaves for each input.)
    """
    return [xi if isinstance(xi, Value) else Value(xi) for xi in x]


class Layer(Module):
    """A layer of ``nout`` neurons, each seeing all ``nin`` inputs."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        kwargs.setdefault("fan_out", nout)
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def trace(self, x: Sequence[Any]) -> tuple[list[Value], list[Value]]:
        """The pre-activations and activations of every neuron, for one input."""
        x = _input_values(x)
        zs = [n.preactivation(x) for n in self.neurons]
        return zs, [n._activate(z) for z, n in zip(zs, self.neurons)]

    def __call__(self, x: Sequence[Any]) -> Value | list[Value]:
        x = _input_values(x)
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multilayer perceptron on Values, for one example at a time: ``MLP(2, [16, 16, 1])``.

    Hidden layers use ``activation`` (micrograd: ReLU), the last layer
    ``output_activation`` (micrograd: linear). ``rng`` (a NumPy ``Generator``) draws
    the weights reproducibly; without it, Python's ``random`` is used in micrograd's
    order. ``init`` is one of :data:`INITS` (micrograd: ``"uniform"``). Calling the
    network on one example (a list of numbers or Values) gives a Value when the last
    layer has one neuron, else a list of Values (as micrograd).
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        activation: str = "relu",
        output_activation: str = "linear",
        rng: np.random.Generator | None = None,
        init: str = "uniform",
    ) -> None:
        if not nouts:
            raise ValueError("MLP needs at least one layer size in nouts, e.g. MLP(2, [16, 1])")
        if nin < 1 or any(n < 1 for n in nouts):
            raise ValueError(f"layer sizes must be positive, got nin={nin}, nouts={list(nouts)}")
        hidden, last = _activation_name(activation), _activation_name(output_activation)
        init = _init_name(init)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation=last if i == len(nouts) - 1 else hidden,
                rng=rng,
                init=init,
            )
            for i in range(len(nouts))
        ]

    @property
    def sizes(self) -> list[int]:
        """Neurons per layer, inputs first: ``[n_in, n_1, ..., n_out]``."""
        return [len(self.layers[0].neurons[0].w)] + [len(layer.neurons) for layer in self.layers]

    @property
    def activation_names(self) -> list[str]:
        """The activation of every layer, e.g. ``["relu", "relu", "linear"]``."""
        return [layer.neurons[0].activation for layer in self.layers]

    def __call__(self, x: Sequence[Any]) -> Any:
        for layer in self.layers:
            x = layer(x)  # type: ignore[assignment]
        return x

    def forward(self, x: Sequence[Any]) -> Any:
        """The same as calling the network."""
        return self(x)

    def trace(self, x: Sequence[Any]) -> list[tuple[list[Value], list[Value]]]:
        """A forward pass on one example that keeps each layer's ``(z, a)`` lists.

        After a backward pass from a loss, ``z[j].grad`` is delta^l_j, the quantity
        the backpropagation equations BP1 and BP2 compute.
        """
        pairs = []
        activations: Sequence[Any] = x
        for layer in self.layers:
            zs, activations = layer.trace(activations)
            pairs.append((zs, activations))
        return pairs

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def get_weights(self) -> Weights:
        """The weights as a list of ``(W, b)`` float64 arrays, ``W`` shaped (n_out, n_in)."""
        return [
            (
                np.array([[w.data for w in n.w] for n in layer.neurons], dtype=np.float64),
                np.array([n.b.data for n in layer.neurons], dtype=np.float64),
            )
            for layer in self.layers
        ]

    def set_weights(self, weights: Sequence[tuple[Any, Any]]) -> None:
        """Load ``(W, b)`` pairs (shapes must match this network's layers)."""
        shapes = [(len(layer.neurons), len(layer.neurons[0].w)) for layer in self.layers]
        for layer, (W, b) in zip(self.layers, _fitting_weights(weights, shapes)):
            for neuron, row, bias in zip(layer.neurons, W, b):
                for w, value in zip(neuron.w, row):
                    w.data = float(value)
                neuron.b.data = float(bias)

    @classmethod
    def from_weights(
        cls,
        weights: Sequence[tuple[Any, Any]],
        activation: str = "sigmoid",
        output_activation: str = "linear",
    ) -> MLP:
        """Build an MLP holding the given ``(W, b)`` pairs."""
        checked = _check_weights(weights)
        sizes = _sizes_of(checked)
        model = cls(
            sizes[0],
            sizes[1:],
            activation=activation,
            output_activation=output_activation,
            rng=np.random.default_rng(0),
        )
        model.set_weights(checked)
        return model

    def to_torch(self) -> Any:
        """An equivalent ``torch.nn.Sequential`` in float64 (needs PyTorch: ``pip install
        autograd-lite[torch]``): each layer a ``Linear`` with copies of ``W`` and ``b``,
        followed by its activation (none for ``"linear"``). It takes batches: row ``i``
        of its output is this network's output on example ``i``. See
        :mod:`autograd_lite.torch_bridge`."""
        from .torch_bridge import to_torch

        return to_torch(self)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.layers)

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


# ----------------------------------------------------------------------------- Tensor layers


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


class Linear(Module):
    """A fully connected layer ``x @ weight.T + bias`` (PyTorch's ``nn.Linear``).

    ``weight`` is a Tensor of shape ``(n_out, n_in)`` (row j: the weights into neuron j),
    ``bias`` one of shape ``(n_out,)`` (zeros at first; ``bias=False`` leaves it out).
    ``init`` is one of :data:`INITS` (default ``"xavier"``), drawn from ``rng`` (a NumPy
    ``Generator``) or, without one, from Python's ``random``. The forward pass is one
    fused :func:`~autograd_lite.tensor.linear` node.

    >>> layer = Linear(3, 2, rng=np.random.default_rng(0))
    >>> layer(np.ones((5, 3))).shape
    (5, 2)
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        bias: bool = True,
        *,
        rng: np.random.Generator | None = None,
        init: str = "xavier",
    ) -> None:
        self.weight = Tensor(init_weights(n_in, n_out, init, rng), requires_grad=True)
        self.bias: Tensor | None = Tensor(np.zeros(n_out), requires_grad=True) if bias else None

    @property
    def n_in(self) -> int:
        return int(self.weight.shape[1])

    @property
    def n_out(self) -> int:
        return int(self.weight.shape[0])

    def forward(self, x: Any) -> Tensor:
        return linear(x, self.weight, self.bias)

    def __repr__(self) -> str:
        return f"Linear(n_in={self.n_in}, n_out={self.n_out}, bias={self.bias is not None})"


class _Activation(Module):
    """An activation function as a layer (no parameters)."""

    #: The activation's name, as in the weights files and ``from_weights``.
    name = ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Tanh(_Activation):
    """tanh, elementwise."""

    name = "tanh"

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).tanh()


class Sigmoid(_Activation):
    """The logistic sigmoid 1 / (1 + e^-x), elementwise."""

    name = "sigmoid"

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).sigmoid()


class ReLU(_Activation):
    """max(0, x), elementwise."""

    name = "relu"

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).relu()


class LeakyReLU(_Activation):
    """x where x > 0, ``negative_slope * x`` elsewhere (default slope 0.01, as PyTorch)."""

    name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01) -> None:
        self.negative_slope = float(negative_slope)

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).leaky_relu(self.negative_slope)

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope:g})"


class Identity(_Activation):
    """Passes its input on unchanged (the "linear" activation)."""

    name = "linear"

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x)


class Softmax(_Activation):
    """exp(x) / sum(exp(x)) along ``dim`` (the last axis: over each example's outputs)."""

    name = "softmax"

    def __init__(self, dim: int = -1) -> None:
        self.dim = dim

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x).softmax(self.dim)

    def __repr__(self) -> str:
        return f"Softmax(dim={self.dim})"


class Dropout(Module):
    """Inverted dropout: in training mode, zero each input with probability ``p``.

    The survivors are scaled by ``1 / (1 - p)`` so that the expected output equals the
    input; in evaluation mode (``model.eval()``) the layer is the identity. The mask is
    drawn from ``rng`` (a NumPy ``Generator``, or an int seed), so runs are reproducible.

    >>> layer = Dropout(0.5, rng=0)
    >>> sorted(set(layer(np.ones((2, 4))).data.ravel().tolist()))
    [0.0, 2.0]
    >>> layer.eval()(np.ones(3)).data
    array([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, *, rng: np.random.Generator | int | None = None) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout probability p must be in [0, 1], got {p}")
        self.p = float(p)
        self._rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)

    def forward(self, x: Any) -> Tensor:
        t = _as_tensor(x)
        if not self.training or self.p == 0.0:
            return t
        keep = self._rng.random(t.shape) >= self.p
        scale = 0.0 if self.p == 1.0 else 1.0 / (1.0 - self.p)
        return t * (keep * scale).astype(t.dtype)

    def __repr__(self) -> str:
        return f"Dropout(p={self.p:g})"


_ACTIVATION_LAYERS: dict[str, Callable[[], _Activation]] = {
    "relu": ReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "leaky_relu": LeakyReLU,
}


def _activation_layer(name: str, output: bool) -> Callable[[], _Activation] | None:
    """What makes the layer of an activation name (None for "linear"); softmax only last."""
    if name == "softmax":
        if not output:
            raise ValueError("softmax can only be the output activation")
        return Softmax
    name = _activation_name(name)
    return None if name == "linear" else _ACTIVATION_LAYERS[name]


def _tensor_layers(
    sizes: Sequence[int],
    activation: str,
    output_activation: str,
    rng: np.random.Generator | None,
    init: str,
) -> list[Module]:
    """``Linear`` layers of the given sizes (inputs first), each followed by its activation."""
    hidden_layer = _activation_layer(activation, output=False)
    output_layer = _activation_layer(output_activation, output=True)
    layers: list[Module] = []
    for i in range(len(sizes) - 1):
        layers.append(Linear(sizes[i], sizes[i + 1], rng=rng, init=init))
        after = output_layer if i == len(sizes) - 2 else hidden_layer
        if after is not None:
            layers.append(after())
    return layers


class Sequential(Module):
    """Layers applied one after the other: ``Sequential(Linear(2, 16), Tanh(), Linear(16, 1))``.

    Parameter names are the layer positions, as PyTorch's: ``"0.weight"``, ``"0.bias"``,
    ``"2.weight"``... A Sequential of ``Linear`` layers, each followed by its activation
    layers, is an MLP: it has :meth:`trace`, :meth:`get_weights`, :meth:`set_weights`
    and :meth:`from_weights` in the common weights format.
    """

    def __init__(self, *layers: Module) -> None:
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential: layer {i} is a {type(layer).__name__}, not a Module")
        self.layers = list(layers)

    def _members(self) -> Iterator[tuple[str, Any]]:
        return ((str(i), layer) for i, layer in enumerate(self.layers))

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, index: int) -> Module:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.layers)

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"

    # -- PyTorch (an optional extra: pip install autograd-lite[torch])

    def to_torch(self) -> Any:
        """An equivalent ``torch.nn.Sequential`` in float64: the same layers at the same
        positions (so the same parameter names), copies of the numbers, the same training
        mode. See :mod:`autograd_lite.torch_bridge` for the layers it converts."""
        from .torch_bridge import to_torch

        return to_torch(self)

    @classmethod
    def from_torch(cls, module: Any) -> Sequential:
        """Build ours from a ``torch.nn.Sequential`` of ``Linear`` layers and activations
        (``Tanh``, ``Sigmoid``, ``ReLU``, ``LeakyReLU``, ``Identity``, ``Softmax``,
        ``Dropout``), copying the numbers in float64. Any other layer raises
        ``ValueError`` naming the first one that is not supported.

        >>> import torch
        >>> net = Sequential.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 3),
        ...                             torch.nn.Tanh(), torch.nn.Linear(3, 1)))
        >>> net.sizes, net.activation_names
        ([2, 3, 1], ['tanh', 'linear'])
        """
        from .torch_bridge import from_torch

        return from_torch(module)

    # -- the MLP view: Linear layers, each with the layers that follow it

    def _blocks(self) -> list[tuple[Linear, list[Module]]]:
        blocks: list[tuple[Linear, list[Module]]] = []
        for i, layer in enumerate(self.layers):
            if isinstance(layer, Linear):
                blocks.append((layer, []))
            elif not blocks:
                raise ValueError(
                    f"this Sequential is not an MLP: layer {i} ({layer!r}) comes before "
                    "the first Linear layer"
                )
            else:
                blocks[-1][1].append(layer)
        if not blocks:
            raise ValueError("this Sequential is not an MLP: it has no Linear layer")
        return blocks

    @property
    def sizes(self) -> list[int]:
        """Neurons per layer, inputs first: ``[n_in, n_1, ..., n_out]``."""
        blocks = self._blocks()
        return [blocks[0][0].n_in] + [linear_layer.n_out for linear_layer, _ in blocks]

    @property
    def activation_names(self) -> list[str]:
        """The activation after each Linear layer ("linear" when there is none)."""
        names = []
        for _, after in self._blocks():
            found = [layer.name for layer in after if isinstance(layer, _Activation)]
            found = [name for name in found if name != "linear"] or ["linear"]
            names.append("+".join(found))
        return names

    def trace(self, x: Any) -> list[tuple[Tensor, Tensor]]:
        """A forward pass on a batch ``x`` (rows are examples) keeping every ``(z, a)``.

        ``z`` is a Linear layer's output, ``a`` the output of the layers after it (``a``
        is ``z`` itself when none follow). After a backward pass from a loss, ``z.grad``
        is the layer's delta, one row per example.
        """
        blocks = self._blocks()
        pairs = []
        a = _as_tensor(x)
        for linear_layer, after in blocks:
            z = a = linear_layer(a)
            for layer in after:
                a = layer(a)
            pairs.append((z, a))
        return pairs

    def get_weights(self) -> Weights:
        """Each Linear layer's ``(W, b)`` as float64 copies (``b`` zeros when it has none)."""
        return [
            (
                np.array(layer.weight.data, dtype=np.float64),
                np.zeros(layer.n_out)
                if layer.bias is None
                else np.array(layer.bias.data, dtype=np.float64),
            )
            for layer, _ in self._blocks()
        ]

    def set_weights(self, weights: Sequence[tuple[Any, Any]]) -> None:
        """Copy ``(W, b)`` pairs into the Linear layers (shapes must match, layer by layer)."""
        layers = [layer for layer, _ in self._blocks()]
        checked = _fitting_weights(weights, [layer.weight.shape for layer in layers])
        for index, (layer, (W, b)) in enumerate(zip(layers, checked)):
            if layer.bias is None:
                if np.any(b != 0):
                    raise ValueError(f"layer {index} has no bias, but the weights give one")
            else:
                layer.bias.data = b.astype(layer.bias.dtype)
            layer.weight.data = W.astype(layer.weight.dtype)

    @classmethod
    def from_weights(
        cls,
        weights: Sequence[tuple[Any, Any]],
        activation: str = "sigmoid",
        output_activation: str = "linear",
    ) -> Sequential:
        """Linear layers holding the given ``(W, b)`` pairs, with activation layers between.

        ``activation`` follows every layer but the last, ``output_activation`` the last
        (``"linear"``: nothing). ``"softmax"`` is allowed as the output activation only.
        The arrays are copied.
        """
        checked = _check_weights(weights)
        sizes = _sizes_of(checked)
        model = cls(
            *_tensor_layers(
                sizes, activation, output_activation, np.random.default_rng(0), "xavier"
            )
        )
        model.set_weights(checked)
        return model


# ----------------------------------------------------------------------------- factory


def mlp(
    sizes: Sequence[int],
    activation: str = "sigmoid",
    output_activation: str = "linear",
    *,
    engine: str = "tensor",
    rng: np.random.Generator | None = None,
    init: str = "xavier",
) -> Any:
    """A multilayer perceptron with the given ``sizes`` (inputs first), on either node kind.

    ``engine="tensor"`` gives a :class:`Sequential` of :class:`Linear` and activation
    layers (for batches), ``engine="value"`` an :class:`MLP` (one example at a time).
    With the same ``rng`` seed (or the same ``random.seed``) both hold the same weights.

    >>> mlp([64, 30, 10], rng=np.random.default_rng(0)).sizes
    [64, 30, 10]
    """
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2:
        raise ValueError(f"mlp needs at least two sizes (inputs and outputs), got {sizes}")
    for n in sizes:
        _check_size(n, "every layer size")
    if engine == "value":
        return MLP(
            sizes[0],
            sizes[1:],
            activation=activation,
            output_activation=output_activation,
            rng=rng,
            init=init,
        )
    if engine != "tensor":
        raise ValueError(f"unknown engine {engine!r}; known engines: value, tensor")
    return Sequential(*_tensor_layers(sizes, activation, output_activation, rng, init))
