"""One network, every engine: autodiff against the closed form, finite differences and PyTorch.

:func:`compare` runs the same multilayer perceptron (the same weights, inputs and
targets) on several *engines* and compares, layer by layer, what each one says about
the gradient of the batch cost ``C = (1/n) sum_x C_x``:

``delta``  ``dC/dz^l``, shape ``(batch, n_l)``: the gradient held by the pre-activation
           nodes (``z.grad`` after one backward pass, gathered from ``trace``, never
           recomputed); for the closed form, BP1 and BP2.
``dW``     ``dC/dW^l``, shaped like ``W^l`` (BP4).
``db``     ``dC/db^l``, shaped like ``b^l`` (BP3).

and the cost itself. The engines (see :data:`ENGINES`; :func:`register_engine` adds one):

``closed_form``  :class:`autograd_lite.backprop.Network`: BP1-BP4 in NumPy, the reference.
``value``        the Value MLP (:class:`autograd_lite.nn.MLP`): one graph over the whole
                 batch, one backward pass.
``tensor``       the Tensor network (:class:`autograd_lite.nn.Sequential`).
``numeric``      central finite differences of an independent NumPy forward pass: for
                 ``dW`` and ``db`` each parameter is moved by ``+-h``; for the deltas each
                 pre-activation ``z^l`` is moved by ``+-h`` inside the forward pass.
``torch``        PyTorch in float64, ``retain_grad()`` on every pre-activation (skipped,
                 with the reason, when PyTorch is not installed).
``module``       a ``torch.nn.Module`` given in place of the weights: the user's own
                 network, run by PyTorch (a float64 copy), the deltas caught by hooks on
                 each ``Linear`` layer's output.
``jax``          ``jax.grad`` in float64 (64-bit mode only inside the run), the deltas as
                 gradients of an offset on each ``z^l``; not in the default list (ask for
                 it with ``engines=(..., "jax")``); skipped, with the reason, when JAX is
                 not installed.

How differences are judged
--------------------------
Every number an engine gives is compared with the closed form's. For one quantity (say
``dW`` of layer 2 on the value engine) the *difference* is the largest
``|engine - closed form|`` over its elements, and the *relative difference* is that
divided by the quantity's *size*:

* the largest ``|closed form|`` of the quantity, for ``delta`` and the cost;
* the largest sum of absolute terms, for ``dW`` and ``db``: they are sums over the batch
  (``dW = Delta^T A``), and rounding errors are proportional to the terms, not to a sum
  that happens to cancel. So the size of ``dW`` is the largest element of
  ``|Delta|^T |A|``, and of ``db`` the largest of ``sum_x |delta_x|``;
* never less than a millionth of the largest size in the whole comparison, so that a
  gradient that is exactly zero in one engine and ``1e-17`` in another passes;
* for finite differences, never less than their rounding noise divided by
  ``numeric_rtol``: a difference quotient is only as accurate as
  ``32 * machine epsilon * |C| / h``.

A quantity agrees when its relative difference is at most ``rtol`` (``numeric_rtol``
for finite differences). NaN and infinity never agree. When something disagrees, the
report names the culprit: the engine that disagrees or, when all the others disagree
with the closed form and agree with one another, the closed form.

Where the engines legitimately differ: the cross-entropy of the Value and Tensor losses
(and of PyTorch's ``binary_cross_entropy``, which the torch engine uses) clamps ``ln`` at
-100, and their log-likelihood takes ``ln`` of the softmax outputs, while the closed form
works from the logits. With saturated outputs (a sigmoid output that rounds to exactly 0
or 1, a softmax probability that underflows to 0) they then differ, and the report shows
it rather than hiding it.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> weights = [(rng.uniform(-1, 1, (3, 2)), rng.uniform(-1, 1, 3)),
...            (rng.uniform(-1, 1, (1, 3)), rng.uniform(-1, 1, 1))]
>>> X, Y = rng.normal(size=(4, 2)), rng.uniform(size=(4, 1))
>>> report = compare(weights, X, Y, engines=("value", "tensor", "numeric"))
>>> report.ok
True
>>> report.comparison("value", 1, "delta").relative < 1e-10
True
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from . import backprop, losses, nn
from .optional import import_optional
from .tensor import Tensor
from .torch_bridge import EXTRA, is_torch_module, require_torch
from .value import Value
from .weights import Weights, check_weights

__all__ = [
    "DEFAULT_ENGINES",
    "ENGINES",
    "MODULE",
    "QUANTITIES",
    "REFERENCE",
    "Comparison",
    "CompareReport",
    "Engine",
    "EngineResult",
    "EngineUnavailable",
    "Problem",
    "compare",
    "make_problem",
    "random_problem",
    "register_engine",
]

Array = npt.NDArray[np.float64]

#: The engine every other one is compared with.
REFERENCE = "closed_form"
#: The engine of a ``torch.nn.Module`` given to :func:`compare` in place of the weights.
MODULE = "module"
#: The engines :func:`compare` runs when none are named.
DEFAULT_ENGINES = ("value", "tensor", "closed_form", "numeric", "torch")
#: What is compared in every layer, in the order reports list them.
QUANTITIES = ("delta", "dW", "db")

#: The step of the central differences.
NUMERIC_STEP = 1e-6
# Rounding noise of a central difference, in units of machine epsilon times |C| / h.
_NOISE_ULPS = 32.0
# A quantity's size is never below this fraction of the largest size in the comparison.
_SIZE_FLOOR = 1e-6


# ----------------------------------------------------------------------------- the problem


@dataclass(frozen=True)
class Problem:
    """One network and one batch, checked and in float64: what every engine runs.

    ``activation`` is the hidden layers' activation, ``output_activation`` the last
    layer's (both with aliases resolved: ``"identity"``, never ``"linear"``); ``cost``
    is one of :data:`autograd_lite.backprop.COSTS`.
    """

    weights: list[tuple[Array, Array]]
    X: Array
    Y: Array
    activation: str
    output_activation: str
    cost: str

    @property
    def sizes(self) -> list[int]:
        """Neurons per layer, inputs first."""
        return [self.weights[0][0].shape[1], *(W.shape[0] for W, _ in self.weights)]

    @property
    def batch(self) -> int:
        return int(self.X.shape[0])

    @property
    def layers(self) -> int:
        return len(self.weights)

    def activation_of(self, index: int) -> str:
        """The activation of layer ``index`` (0-based: ``weights[index]``)."""
        return self.output_activation if index == self.layers - 1 else self.activation


def _activation_name(name: Any, what: str) -> str:
    known = (*backprop.ACTIVATIONS, *backprop.ALIASES)
    if not isinstance(name, str) or name not in known:
        raise ValueError(f"unknown {what} {name!r}; known activations: {', '.join(known)}")
    return backprop.ALIASES.get(name, name)


def make_problem(
    weights: Sequence[tuple[Any, Any]],
    X: Any,
    Y: Any,
    activation: str = "sigmoid",
    output_activation: str | None = None,
    cost: str = "quadratic",
) -> Problem:
    """Check names and shapes and return the :class:`Problem` (``ValueError`` if wrong).

    ``output_activation=None`` means the hidden activation (the textbook network, as
    :class:`autograd_lite.backprop.Network`). The combinations the closed form refuses
    (softmax in a hidden layer, softmax without the log_likelihood cost and the
    reverse) are refused here too, with its message.
    """
    hidden = _activation_name(activation, "activation")
    output = hidden if output_activation is None else output_activation
    output = _activation_name(output, "output activation")
    if not isinstance(cost, str) or cost not in backprop.COSTS:
        raise ValueError(f"unknown cost {cost!r}; known costs: {', '.join(backprop.COSTS)}")
    checked = check_weights(weights)
    backprop.Network(checked, hidden, output, cost)  # its checks of the combination
    sizes = [checked[0][0].shape[1], *(W.shape[0] for W, _ in checked)]
    X_array = np.array(X, dtype=np.float64)
    Y_array = np.array(Y, dtype=np.float64)
    if X_array.ndim != 2 or X_array.shape[1] != sizes[0] or X_array.shape[0] == 0:
        raise ValueError(
            f"X has shape {X_array.shape}; the network takes {sizes[0]} inputs, so X must "
            f"have shape (batch, {sizes[0]}) with one example per row"
        )
    expected = (X_array.shape[0], sizes[-1])
    if Y_array.shape != expected:
        raise ValueError(
            f"Y has shape {Y_array.shape}; with X of shape {X_array.shape} and "
            f"{sizes[-1]} outputs, Y must have shape {expected}"
        )
    return Problem(checked, X_array, Y_array, hidden, output, cost)


def random_problem(
    sizes: Sequence[int],
    batch: int = 8,
    seed: int = 0,
    activation: str = "sigmoid",
    output_activation: str | None = None,
    cost: str = "quadratic",
) -> tuple[list[tuple[Array, Array]], Array, Array]:
    """Random ``(weights, X, Y)`` for a network of ``sizes`` (inputs first), from ``seed``.

    Weights and biases are uniform in (-1, 1), ``X`` standard normal. ``Y`` is one-hot
    (a random class per example) for a softmax output or the log_likelihood cost, else
    uniform in (0, 1). Examples are drawn one after another, so the first ``k`` examples
    are the same for every ``batch >= k``.

    >>> weights, X, Y = random_problem([2, 3, 1], batch=5)
    >>> [W.shape for W, b in weights], X.shape, Y.shape
    ([(3, 2), (1, 3)], (5, 2), (5, 1))
    """
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must be at least two positive numbers, got {sizes}")
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    rng = np.random.default_rng(seed)
    weights = [
        (rng.uniform(-1.0, 1.0, (n_out, n_in)), rng.uniform(-1.0, 1.0, n_out))
        for n_in, n_out in itertools.pairwise(sizes)
    ]
    # One example after another (its input, then its target), so the first examples do
    # not depend on the batch size: `step` and `graph` show example 1 of `compare`'s batch.
    output = output_activation or activation
    one_hot = output == "softmax" or cost == "log_likelihood"
    X = np.empty((batch, sizes[0]))
    Y = np.zeros((batch, sizes[-1]))
    for i in range(batch):
        X[i] = rng.normal(size=sizes[0])
        if one_hot:
            Y[i, rng.integers(0, sizes[-1])] = 1.0
        else:
            Y[i] = rng.uniform(0.0, 1.0, sizes[-1])
    return weights, X, Y


# ----------------------------------------------------------------------------- engines


@dataclass(frozen=True)
class EngineResult:
    """What every engine returns: the batch cost and, per layer (index 0 is layer 1),
    the deltas ``(batch, n_l)``, ``dW`` and ``db``, all float64 arrays."""

    cost: float
    deltas: list[Array]
    dW: list[Array]
    db: list[Array]

    def quantity(self, name: str, index: int) -> Array:
        """``deltas``, ``dW`` or ``db`` of layer ``index`` (0-based), by name."""
        chosen: list[Array] = {"delta": self.deltas, "dW": self.dW, "db": self.db}[name]
        return chosen[index]


class EngineUnavailable(RuntimeError):
    """An engine cannot run here (a missing optional package); the message says why."""


Runner = Callable[[Problem], EngineResult]


@dataclass(frozen=True)
class Engine:
    """A named way of computing the gradients: ``run(problem) -> EngineResult``.

    ``approximate`` engines (finite differences) are judged with ``numeric_rtol`` and
    their rounding noise; the others with ``rtol``.
    """

    name: str
    run: Runner
    description: str
    approximate: bool = False


#: Every engine :func:`compare` knows, by name (in the order they were registered).
ENGINES: dict[str, Engine] = {}


def register_engine(
    name: str, run: Runner, description: str, *, approximate: bool = False
) -> Engine:
    """Add (or replace) an engine. ``run`` takes a :class:`Problem` and returns an
    :class:`EngineResult`; it raises :class:`EngineUnavailable` when it cannot run here
    (e.g. its package is not installed), and :func:`compare` then lists it as skipped.

    A JAX engine, for example, is a function that builds the same network with
    ``jax.numpy`` (float64), takes ``jax.grad`` of the cost with respect to the weights
    and to an additive offset on each ``z^l`` (which gives the deltas), and returns the
    arrays; then ``register_engine("jax", run_jax, "JAX, float64")``.
    """
    engine = Engine(name, run, description, approximate)
    ENGINES[name] = engine
    return engine


def _floats(arrays: Iterable[Any]) -> list[Array]:
    return [np.array(a, dtype=np.float64) for a in arrays]


def _run_closed_form(problem: Problem) -> EngineResult:
    network = backprop.Network(
        problem.weights, problem.activation, problem.output_activation, problem.cost
    )
    grads = network.gradients(problem.X, problem.Y)
    return EngineResult(grads.cost, _floats(grads.deltas), _floats(grads.dW), _floats(grads.db))


def _value_softmax(zs: list[Value]) -> list[Value]:
    """Softmax of one example's Values, built from Value operations (so it is differentiated
    by the engine). The largest z is subtracted first as a constant: exp never overflows."""
    top = max(z.data for z in zs)
    exps = [(z - top).exp() for z in zs]
    total = exps[0]
    for e in exps[1:]:
        total = total + e
    return [e / total for e in exps]


def _run_value(problem: Problem) -> EngineResult:
    # The Value MLP knows no softmax: its last layer is then linear and the softmax is
    # built here from Value operations, after the z nodes.
    softmax = problem.output_activation == "softmax"
    model = nn.MLP.from_weights(
        problem.weights,
        problem.activation,
        "linear" if softmax else problem.output_activation,
    )
    traces = [model.trace(row) for row in problem.X.tolist()]
    outputs = [_value_softmax(pairs[-1][0]) if softmax else list(pairs[-1][1]) for pairs in traces]
    cost = losses.NETWORK_COSTS[problem.cost](outputs, problem.Y)
    cost.backward()
    deltas = [
        np.array([[z.grad for z in pairs[index][0]] for pairs in traces], dtype=np.float64)
        for index in range(problem.layers)
    ]
    dW = [
        np.array([[w.grad for w in neuron.w] for neuron in layer.neurons], dtype=np.float64)
        for layer in model.layers
    ]
    db = [np.array([n.b.grad for n in layer.neurons], dtype=np.float64) for layer in model.layers]
    return EngineResult(float(cost.data), deltas, dW, db)


def _run_tensor(problem: Problem) -> EngineResult:
    model = nn.Sequential.from_weights(
        problem.weights,
        activation=problem.activation,
        output_activation=problem.output_activation,
    )
    pairs = model.trace(Tensor(problem.X))
    cost = losses.NETWORK_COSTS[problem.cost](pairs[-1][1], problem.Y)
    cost.backward()
    linears = [layer for layer in model.layers if isinstance(layer, nn.Linear)]
    zero = np.zeros(0)
    return EngineResult(
        float(cost.data),
        _floats(z.grad if z.grad is not None else zero for z, _ in pairs),
        _floats(layer.weight.grad for layer in linears),
        _floats(layer.bias.grad if layer.bias is not None else zero for layer in linears),
    )


# -- finite differences, on a NumPy forward pass of their own (nothing shared with backprop)


def _np_activation(name: str, z: Array) -> Array:
    out: Array
    if name == "sigmoid":
        out = 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + e^-z), and it never overflows
    elif name == "tanh":
        out = np.tanh(z)
    elif name == "relu":
        out = np.where(z > 0, z, 0.0)
    elif name == "leaky_relu":
        out = np.where(z > 0, z, backprop.LEAKY_RELU_SLOPE * z)
    elif name == "identity":
        out = z
    else:  # softmax over each example's outputs
        e = np.exp(z - z.max(axis=1, keepdims=True))
        out = e / e.sum(axis=1, keepdims=True)
    return out


def _np_forward(
    problem: Problem,
    weights: Sequence[tuple[Array, Array]],
    nudge: tuple[int, tuple[int, int], float] | None = None,
) -> tuple[float, list[Array]]:
    """The batch cost, and ``a^0 ... a^L``; ``nudge = (layer, (row, column), h)`` adds
    ``h`` to one pre-activation ``z^layer[row, column]`` (layer 0-based) on the way."""
    a = problem.X
    activations = [a]
    z = a
    for index, (W, b) in enumerate(weights):
        z = a @ W.T + b
        if nudge is not None and nudge[0] == index:
            z = z.copy()
            z[nudge[1]] += nudge[2]
        a = _np_activation(problem.activation_of(index), z)
        activations.append(a)
    y, n = problem.Y, problem.batch
    terms: Array
    if problem.cost == "quadratic":
        terms = 0.5 * (a - y) ** 2
    elif problem.cost == "mse":
        terms = (a - y) ** 2
    elif problem.cost == "log_likelihood":
        shifted = z - z.max(axis=1, keepdims=True)
        terms = -y * (shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))
    elif problem.output_activation == "sigmoid":
        # -ln sigmoid(z) = ln(1 + e^-z): finite even where sigmoid(z) rounds to 0 or 1
        terms = y * np.logaddexp(0.0, -z) + (1.0 - y) * np.logaddexp(0.0, z)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = -(y * np.log(a) + (1.0 - y) * np.log1p(-a))
    return float(terms.sum() / n), activations


def _run_numeric(problem: Problem) -> EngineResult:
    h = NUMERIC_STEP
    weights = [(W.copy(), b.copy()) for W, b in problem.weights]
    cost, activations = _np_forward(problem, weights)

    def difference(up: float, down: float) -> float:
        return (up - down) / (2.0 * h)

    dW: list[Array] = []
    db: list[Array] = []
    deltas: list[Array] = []
    for index, (W, b) in enumerate(weights):
        for param, grads in ((W, dW), (b, db)):
            grad = np.zeros_like(param)
            for element in np.ndindex(param.shape):
                original = param[element]
                param[element] = original + h
                up = _np_forward(problem, weights)[0]
                param[element] = original - h
                down = _np_forward(problem, weights)[0]
                param[element] = original
                grad[element] = difference(up, down)
            grads.append(grad)
        delta = np.zeros_like(activations[index + 1])
        for row, column in np.ndindex(delta.shape):
            spot = (row, column)
            up = _np_forward(problem, weights, (index, spot, h))[0]
            down = _np_forward(problem, weights, (index, spot, -h))[0]
            delta[spot] = difference(up, down)
        deltas.append(delta)
    return EngineResult(cost, deltas, dW, db)


# -- PyTorch


_TORCH_MISSING = (
    f"PyTorch is not installed ({EXTRA}; an unpinned torch pulls gigabytes of GPU packages)"
)


def _run_torch(problem: Problem) -> EngineResult:
    try:
        torch = import_optional("torch")
    except ImportError:
        raise EngineUnavailable(_TORCH_MISSING) from None
    F = torch.nn.functional

    def tensor(array: Array, grad: bool = False) -> Any:
        return torch.tensor(array, dtype=torch.float64, requires_grad=grad)

    functions: dict[str, Callable[[Any], Any]] = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda z: F.leaky_relu(z, backprop.LEAKY_RELU_SLOPE),
        "identity": lambda z: z,
        "softmax": lambda z: torch.softmax(z, dim=1),
    }
    a = tensor(problem.X)
    y = tensor(problem.Y)
    parameters, zs = [], []
    z = a
    for index, (W, b) in enumerate(problem.weights):
        W_t, b_t = tensor(W, grad=True), tensor(b, grad=True)
        parameters.append((W_t, b_t))
        z = F.linear(a, W_t, b_t)
        z.retain_grad()
        zs.append(z)
        a = functions[problem.activation_of(index)](z)
    cost = _torch_cost(problem, a, zs[-1], y)
    cost.backward()
    return EngineResult(
        float(cost.item()),
        [_numpy(z.grad) for z in zs],
        [_numpy(W_t.grad) for W_t, _ in parameters],
        [_numpy(b_t.grad) for _, b_t in parameters],
    )


def _numpy(t: Any) -> Array:
    return np.array(t.detach().cpu().numpy(), dtype=np.float64)


def _torch_cost(problem: Problem, a: Any, z: Any, y: Any) -> Any:
    """The batch cost in PyTorch from the output ``a`` (the log-likelihood from the last
    pre-activation ``z``, as the closed form)."""
    import torch.nn.functional as F

    n = problem.batch
    if problem.cost == "quadratic":
        return 0.5 * ((a - y) ** 2).sum() / n
    if problem.cost == "mse":
        return ((a - y) ** 2).sum() / n
    if problem.cost == "cross_entropy":
        return F.binary_cross_entropy(a, y, reduction="sum") / n
    return -(y * F.log_softmax(z, dim=1)).sum() / n


def _module_engine(module: Any) -> Engine:
    """An engine running the user's own ``torch.nn.Module``: a float64 copy of it on the
    CPU in evaluation mode (the module itself is left as it is). A forward hook on each
    ``Linear`` layer registers a hook on its output ``z``, which receives ``dC/dz``
    during the backward pass: the layer's deltas, as PyTorch itself computes them."""
    torch = require_torch("comparing a torch.nn.Module")
    own = copy.deepcopy(module).to(device="cpu", dtype=torch.float64).eval()
    own.requires_grad_(True)  # frozen layers too: every gradient is compared
    linears = [layer for layer in own.modules() if type(layer) is torch.nn.Linear]

    def run(problem: Problem) -> EngineResult:
        zs: list[Any] = []
        deltas: list[Any] = []

        def keep(layer: Any, inputs: Any, z: Any) -> None:
            index = len(zs)
            zs.append(z)
            deltas.append(None)

            def store(grad: Any) -> None:
                deltas[index] = grad.detach().clone()

            z.register_hook(store)

        own.zero_grad(set_to_none=True)
        handles = [layer.register_forward_hook(keep) for layer in linears]
        try:
            a = own(torch.tensor(problem.X, dtype=torch.float64))
        finally:
            for handle in handles:
                handle.remove()
        y = torch.tensor(problem.Y, dtype=torch.float64)
        if problem.cost == "log_likelihood":  # from the module's own softmax output
            cost = -(y * torch.log(a)).sum() / problem.batch
        else:
            cost = _torch_cost(problem, a, zs[-1], y)
        cost.backward()
        zero = np.zeros(0)
        return EngineResult(
            float(cost.item()),
            [zero if d is None else _numpy(d) for d in deltas],
            [_numpy(layer.weight.grad) for layer in linears],
            [_numpy(layer.bias.grad) for layer in linears],
        )

    return Engine(MODULE, run, "your torch.nn.Module: a float64 copy, hooks on each Linear")


def _module_network(
    module: Any, activation: str | None, output_activation: str | None
) -> tuple[Weights, str, str]:
    """The weights and the hidden and output activations of a ``torch.nn.Sequential`` MLP,
    refusing what the closed form cannot follow (naming the layer)."""
    ours = nn.Sequential.from_torch(module)  # refuses layers we do not have
    blocks: list[tuple[int, nn.Linear, list[nn.Module]]] = []
    for position, layer in enumerate(ours):
        if isinstance(layer, nn.Linear):
            if layer.bias is None:
                raise ValueError(
                    f"compare: layer {position} of the module is a Linear layer without bias; "
                    "the closed form has a bias in every layer"
                )
            blocks.append((position, layer, []))
        elif not blocks:
            raise ValueError(f"compare: layer {position} ({layer!r}) comes before the first Linear")
        else:
            blocks[-1][2].append(layer)
    names = []
    for position, _, after in blocks:
        found = [layer for layer in after if not isinstance(layer, (nn.Dropout, nn.Identity))]
        if len(found) > 1:
            raise ValueError(
                f"compare: the Linear layer {position} of the module is followed by "
                f"{len(found)} activations; the closed form takes one per layer"
            )
        if (
            found
            and isinstance(found[0], nn.LeakyReLU)
            and (found[0].negative_slope != backprop.LEAKY_RELU_SLOPE)
        ):
            raise ValueError(
                f"compare: the LeakyReLU after layer {position} has slope "
                f"{found[0].negative_slope:g}; the closed form's is {backprop.LEAKY_RELU_SLOPE:g}"
            )
        if found and isinstance(found[0], nn.Softmax) and found[0].dim not in (-1, 1):
            raise ValueError(
                f"compare: the Softmax after layer {position} is over dim {found[0].dim}; "
                "the closed form's is over each example's outputs (dim=-1)"
            )
        names.append(
            found[0].name if found and isinstance(found[0], nn._Activation) else "identity"
        )
    names = [backprop.ALIASES.get(name, name) for name in names]
    hidden_names = list(dict.fromkeys(names[:-1]))
    if len(hidden_names) > 1:
        raise ValueError(
            f"compare: the module's hidden layers use several activations {names[:-1]}; "
            "the closed form takes one for all hidden layers"
        )
    hidden = hidden_names[0] if hidden_names else names[-1]
    for given, found_name, what in (
        (activation, hidden, "activation"),
        (output_activation, names[-1], "output_activation"),
    ):
        if given is not None and backprop.ALIASES.get(given, given) != found_name:
            raise ValueError(
                f"compare: {what}={given!r} was given, but the module's is {found_name!r} "
                "(leave it out: a module brings its own activations)"
            )
    return ours.get_weights(), hidden, names[-1]


_JAX_MISSING = "JAX is not installed (pip install autograd-lite[jax], the CPU build)"


def _run_jax(problem: Problem) -> EngineResult:
    """The network in ``jax.numpy``, differentiated by ``jax.grad`` in float64.

    The deltas are the gradients with respect to an additive offset on each ``z^l``,
    taken at zero: d C / d offset = d C / d z. JAX's 64-bit mode is switched on only
    inside this function (``jax.enable_x64``) and restored after.
    """
    try:
        jax = import_optional("jax")
        jnp = import_optional("jax.numpy")
    except ImportError:
        raise EngineUnavailable(_JAX_MISSING) from None

    slope = backprop.LEAKY_RELU_SLOPE
    functions: dict[str, Callable[[Any], Any]] = {
        "sigmoid": jax.nn.sigmoid,
        "tanh": jnp.tanh,
        "relu": lambda z: jnp.maximum(z, 0.0),
        "leaky_relu": lambda z: jnp.where(z > 0, z, slope * z),
        "identity": lambda z: z,
        "softmax": lambda z: jax.nn.softmax(z, axis=1),
    }
    n = problem.batch

    with jax.enable_x64(True):
        X, Y = jnp.asarray(problem.X), jnp.asarray(problem.Y)

        def cost(params: list[tuple[Any, Any]], offsets: list[Any]) -> Any:
            a = X
            for index, ((W, b), offset) in enumerate(zip(params, offsets)):
                z = a @ W.T + b + offset
                a = functions[problem.activation_of(index)](z)
            if problem.cost == "quadratic":
                return 0.5 * jnp.sum((a - Y) ** 2) / n
            if problem.cost == "mse":
                return jnp.sum((a - Y) ** 2) / n
            if problem.cost == "cross_entropy":
                return -jnp.sum(Y * jnp.log(a) + (1 - Y) * jnp.log(1 - a)) / n
            return -jnp.sum(Y * jax.nn.log_softmax(z, axis=1)) / n

        params = [(jnp.asarray(W), jnp.asarray(b)) for W, b in problem.weights]
        offsets = [jnp.zeros((n, W.shape[0])) for W, _ in problem.weights]
        value, (d_params, d_offsets) = jax.value_and_grad(cost, argnums=(0, 1))(params, offsets)
        return EngineResult(
            float(value),
            [np.asarray(d, dtype=np.float64) for d in d_offsets],
            [np.asarray(dW, dtype=np.float64) for dW, _ in d_params],
            [np.asarray(db, dtype=np.float64) for _, db in d_params],
        )


register_engine("value", _run_value, "Value MLP: one scalar node per number, one graph")
register_engine("tensor", _run_tensor, "Tensor network (nn.Sequential), a batch at once")
register_engine(REFERENCE, _run_closed_form, "closed form: BP1-BP4 in NumPy (backprop.py)")
register_engine(
    "numeric",
    _run_numeric,
    f"central finite differences, h = {NUMERIC_STEP:g}, on a NumPy forward pass",
    approximate=True,
)
register_engine("torch", _run_torch, "PyTorch, float64, retain_grad() on each z")
register_engine("jax", _run_jax, "JAX, float64 (jax.grad, with an offset on each z)")


# ----------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class Comparison:
    """One quantity of one layer on one engine, against the closed form.

    ``layer`` counts from 1 (``None`` for the cost); ``quantity`` is ``"delta"``,
    ``"dW"``, ``"db"`` or ``"cost"``. ``difference`` is the largest
    ``|engine - closed form|``, found at ``index`` where the engine says ``value`` and the
    closed form ``reference``; ``relative = difference / size`` (see the module
    docstring) and the quantity agrees when ``relative <= tolerance``.
    """

    engine: str
    layer: int | None
    quantity: str
    difference: float
    relative: float
    size: float
    tolerance: float
    index: tuple[int, ...]
    value: float
    reference: float

    @property
    def ok(self) -> bool:
        return bool(self.relative <= self.tolerance)  # False for NaN; a bool, not NumPy's

    @property
    def where(self) -> str:
        """``"layer 2 dW[0, 1]"``, ``"cost"``."""
        if self.layer is None:
            return "cost"
        element = f"[{', '.join(str(i) for i in self.index)}]" if self.index else ""
        return f"layer {self.layer} {self.quantity}{element}"

    def describe(self) -> str:
        """One line: where, both numbers, and how far apart they are."""
        verdict = "<=" if self.ok else ">"
        return (
            f"{self.where}: {self.engine} {_number(self.value)}, closed form "
            f"{_number(self.reference)} (|difference| {_g(self.difference)}, relative "
            f"{_g(self.relative)} {verdict} tolerance {self.tolerance:g})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "layer": self.layer,
            "quantity": self.quantity,
            "difference": _json_number(self.difference),
            "relative": _json_number(self.relative),
            "size": _json_number(self.size),
            "tolerance": self.tolerance,
            "index": [int(i) for i in self.index],
            "value": _json_number(self.value),
            "reference": _json_number(self.reference),
            "ok": self.ok,
        }


def _g(x: float) -> str:
    return f"{x:.2g}" if math.isfinite(x) else str(x)


def _number(x: float) -> str:
    """Enough digits to see where two nearly equal numbers part."""
    return f"{x:.12g}"


def _json_number(x: float) -> float | str:
    """JSON has no NaN or infinity: those become the strings "nan", "inf", "-inf"."""
    return x if math.isfinite(x) else str(x)


@dataclass
class CompareReport:
    """What :func:`compare` found. ``ok`` is true when every engine that ran agrees with
    the closed form on every quantity; :meth:`table` shows it, :meth:`to_dict` gives it
    as JSON-ready data, :attr:`culprits` names who is wrong when something disagrees."""

    sizes: list[int]
    activation: str
    output_activation: str
    cost_name: str
    batch: int
    rtol: float
    numeric_rtol: float
    engines: list[str]
    skipped: dict[str, str]
    costs: dict[str, float]
    comparisons: list[Comparison]
    #: The closed form's magnitude of each quantity, by ``(layer, quantity)`` (before the
    #: floors of the module docstring are applied).
    magnitudes: dict[tuple[int | None, str], float]
    results: dict[str, EngineResult] = field(repr=False)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.comparisons)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def failures(self) -> list[Comparison]:
        """The comparisons outside their tolerance, in report order."""
        return [c for c in self.comparisons if not c.ok]

    def comparison(self, engine: str, layer: int | None, quantity: str) -> Comparison:
        """The comparison of one engine, layer (from 1; ``None`` for the cost) and quantity."""
        for c in self.comparisons:
            if (c.engine, c.layer, c.quantity) == (engine, layer, quantity):
                return c
        raise KeyError(f"no comparison for engine {engine!r}, layer {layer}, {quantity!r}")

    @property
    def culprits(self) -> list[str]:
        """The engines judged wrong, ``"closed_form"`` included.

        Where every other engine disagrees with the closed form but, when there are at
        least two of them, they all agree with one another, the closed form is the one
        that is wrong; otherwise each engine that disagrees is.
        """
        found: list[str] = []
        checked = [e for e in self.engines if e != REFERENCE]
        for key in dict.fromkeys((c.layer, c.quantity) for c in self.failures):
            failing = [c.engine for c in self.failures if (c.layer, c.quantity) == key]
            blame_reference = (
                len(checked) >= 2 and set(failing) == set(checked) and self._agree(checked, *key)
            )
            for name in [REFERENCE] if blame_reference else failing:
                if name not in found:
                    found.append(name)
        return found

    def _agree(self, engines: list[str], layer: int | None, quantity: str) -> bool:
        """Whether the engines agree with one another on one quantity: each pair judged
        with the larger of their tolerances, against the larger of their sizes."""
        numbers = [self._numbers(e, layer, quantity) for e in engines]
        sizes = [self.comparison(e, layer, quantity).size for e in engines]
        for i, j in itertools.combinations(range(len(engines)), 2):
            a, b = numbers[i], numbers[j]
            if a.shape != b.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
                return False
            size = max(sizes[i], sizes[j])
            tolerance = max(self._tolerance(engines[i]), self._tolerance(engines[j]))
            if float(np.max(np.abs(a - b), initial=0.0)) > tolerance * size:
                return False
        return True

    def _numbers(self, engine: str, layer: int | None, quantity: str) -> Array:
        result = self.results[engine]
        if layer is None:
            return np.array([result.cost])
        return result.quantity(quantity, layer - 1)

    def _tolerance(self, engine: str) -> float:
        approximate = engine in ENGINES and ENGINES[engine].approximate
        return self.numeric_rtol if approximate else self.rtol

    # -- presentation

    def _network_line(self) -> str:
        shape = "-".join(str(n) for n in self.sizes)
        examples = "example" if self.batch == 1 else "examples"
        return (
            f"network {shape}, {self.activation} hidden, {self.output_activation} output, "
            f"{self.cost_name} cost, batch of {self.batch} {examples}"
        )

    def table(self) -> str:
        """The report for a terminal: one row per layer and quantity (and the cost), one
        column per engine with its relative difference from the closed form; a cell
        outside the tolerance is marked ``✗``; then the verdict, naming the culprit."""
        columns = [e for e in self.engines if e != REFERENCE]
        width = max([11, *(len(e) + 2 for e in columns)])
        header = f"{'layer':>5}  {'quantity':<8}  {'size':>11}" + "".join(
            f"  {name:>{width}}" for name in columns
        )
        lines = [
            self._network_line(),
            "largest |engine - closed form| / size, per layer and quantity, and for the cost:",
            "",
            header,
        ]
        rows = [(layer, q) for layer in range(1, len(self.sizes)) for q in QUANTITIES]
        for layer, quantity in [*rows, (None, "cost")]:
            cells = []
            size = self.magnitudes[(layer, quantity)]
            for name in columns:
                c = self.comparison(name, layer, quantity)
                mark = "" if c.ok else " ✗"
                cells.append(f"  {_g(c.relative) + mark:>{width}}")
            if layer is None:
                label = f"{'':>5}  {'cost':<8}"
            else:
                label = f"{layer:>5}  {quantity:<8}"
            lines.append(f"{label}  {_size(size):>11}" + "".join(cells))
        lines.append("")
        lines.append("size: the closed form's magnitude (help(autograd_lite.compare) explains it).")
        lines.append(f"tolerance: {self.rtol:g} (numeric: {self.numeric_rtol:g}).")
        for name, reason in self.skipped.items():
            lines.append(f"skipped {name}: {reason}")
        lines.extend(self._verdict())
        return "\n".join(lines)

    def _verdict(self) -> list[str]:
        ran = [e for e in self.engines if e != REFERENCE]
        if self.ok:
            if not ran:
                return ["OK: only the closed form ran; there was nothing to compare it with."]
            return [f"OK: {_join(ran)} agree with the closed form on every layer."]
        failures = self.failures
        lines = [f"DISAGREE: {len(failures)} of {len(self.comparisons)} quantities differ."]
        for culprit in self.culprits:
            if culprit == REFERENCE:
                worst = max(failures, key=_badness)
                lines.append(
                    f"culprit: the closed form ({_join(ran)} agree with one another, not with "
                    f"it). Worst at {worst.where}: closed form {_number(worst.reference)}, "
                    f"{worst.engine} {_number(worst.value)} (relative difference "
                    f"{_g(worst.relative)})"
                )
                continue
            worst = max((c for c in failures if c.engine == culprit), key=_badness)
            lines.append(f"culprit: {culprit}. Worst: {worst.describe()}")
            if len(ran) == 1:
                lines.append(
                    "(with one engine beside the closed form, either may be wrong: "
                    "add engines to tell which)"
                )
        return lines

    def __str__(self) -> str:
        return self.table()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the network, the tolerances, each engine's cost, every comparison,
        the skipped engines with their reasons, ``ok`` and the culprits. NaN and infinity
        are written as the strings ``"nan"``, ``"inf"``, ``"-inf"``."""
        return {
            "ok": self.ok,
            "network": {
                "sizes": list(self.sizes),
                "activation": self.activation,
                "output_activation": self.output_activation,
                "cost": self.cost_name,
                "batch": self.batch,
            },
            "reference": REFERENCE,
            "rtol": self.rtol,
            "numeric_rtol": self.numeric_rtol,
            "engines": list(self.engines),
            "skipped": dict(self.skipped),
            "costs": {name: _json_number(cost) for name, cost in self.costs.items()},
            "comparisons": [c.to_dict() for c in self.comparisons],
            "culprits": self.culprits,
        }


def _badness(c: Comparison) -> float:
    return math.inf if math.isnan(c.relative) else c.relative / c.tolerance


def _size(x: float) -> str:
    return f"{x:.4g}" if math.isfinite(x) else str(x)


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# ----------------------------------------------------------------------------- compare


def compare(
    weights: Sequence[tuple[Any, Any]] | Any,
    X: Any,
    Y: Any,
    activation: str | None = None,
    output_activation: str | None = None,
    cost: str = "quadratic",
    engines: Sequence[str] = DEFAULT_ENGINES,
    rtol: float = 1e-10,
    numeric_rtol: float = 1e-6,
) -> CompareReport:
    """Run one network on every engine in ``engines`` and compare each with the closed form.

    ``weights`` is the common format (a list of ``(W, b)``, ``W`` shaped
    ``(n_out, n_in)``); ``X`` is ``(batch, n_in)``, one example per row; ``Y`` is
    ``(batch, n_out)`` (one-hot rows for a softmax output). ``activation`` is the hidden
    layers' (default sigmoid), ``output_activation`` the last layer's (``None``: the same),
    ``cost`` one of ``quadratic``, ``mse``, ``cross_entropy``, ``log_likelihood`` (the
    names and rules of :class:`autograd_lite.backprop.Network`). The closed form always
    runs: it is the reference. An engine that cannot run here (PyTorch not installed) is
    skipped, with the reason, and does not make the report fail.

    ``weights`` may instead be a ``torch.nn.Module``: a ``torch.nn.Sequential`` of
    ``Linear`` layers, each followed by at most one activation (``Dropout`` is left out:
    the module runs in evaluation mode). Its weights and activations are the network's,
    and the module itself runs as one more engine, ``"module"`` (a float64 copy on the
    CPU; hooks on each ``Linear`` layer's output catch the deltas in the backward pass).

    Raises ``ValueError`` for an unknown engine, activation or cost, for shapes that do
    not fit (naming them), and for a module the closed form cannot follow (naming the
    layer).
    """
    names = list(dict.fromkeys(engines))
    module_given = is_torch_module(weights)
    unknown = [n for n in names if n not in ENGINES and not (module_given and n == MODULE)]
    if unknown or not names:
        what = f"unknown engine {unknown[0]!r}" if unknown else "no engines given"
        raise ValueError(f"{what}; known engines: {', '.join(ENGINES)}")
    if not (rtol > 0 and numeric_rtol > 0):
        raise ValueError(
            f"tolerances must be positive, got rtol={rtol}, numeric_rtol={numeric_rtol}"
        )
    available = dict(ENGINES)
    if module_given:
        module = weights
        weights, activation, output_activation = _module_network(
            module, activation, output_activation
        )
        available[MODULE] = _module_engine(module)
        if MODULE not in names:
            names.insert(0, MODULE)
    problem = make_problem(weights, X, Y, activation or "sigmoid", output_activation, cost)

    if REFERENCE not in names:
        names.insert(0, REFERENCE)  # it always runs: every other engine is compared with it
    results: dict[str, EngineResult] = {}
    skipped: dict[str, str] = {}
    with np.errstate(all="ignore"):  # overflow and NaN are reported, not warned about
        reference = _run_closed_form(problem)
        for name in names:
            if name == REFERENCE:
                results[name] = reference
                continue
            try:
                results[name] = available[name].run(problem)
            except EngineUnavailable as error:
                skipped[name] = str(error)
        sizes = _sizes(problem, reference)
    comparisons = []
    for name, result in results.items():
        if name == REFERENCE:
            continue
        approximate = available[name].approximate
        tolerance = numeric_rtol if approximate else rtol
        floor = _SIZE_FLOOR * max(sizes.values(), default=0.0)
        if approximate:
            noise = _NOISE_ULPS * np.finfo(np.float64).eps * abs(reference.cost) / NUMERIC_STEP
            floor = max(floor, noise / numeric_rtol)
        for (layer, quantity), size in sizes.items():
            got = np.array([result.cost]) if layer is None else result.quantity(quantity, layer - 1)
            want = (
                np.array([reference.cost])
                if layer is None
                else reference.quantity(quantity, layer - 1)
            )
            comparisons.append(
                _judge(name, layer, quantity, got, want, max(size, floor), tolerance)
            )
    return CompareReport(
        sizes=problem.sizes,
        activation=problem.activation,
        output_activation=problem.output_activation,
        cost_name=problem.cost,
        batch=problem.batch,
        rtol=rtol,
        numeric_rtol=numeric_rtol,
        engines=list(results),
        skipped=skipped,
        costs={name: result.cost for name, result in results.items()},
        comparisons=comparisons,
        magnitudes=sizes,
        results=results,
    )


def _sizes(problem: Problem, reference: EngineResult) -> dict[tuple[int | None, str], float]:
    """The magnitude each quantity is measured against (see the module docstring), by
    ``(layer, quantity)`` in report order, the cost last."""
    _, activations = _np_forward(problem, problem.weights)
    sizes: dict[tuple[int | None, str], float] = {}
    for index in range(problem.layers):
        delta = np.abs(reference.deltas[index])
        terms = {
            "delta": delta,
            "dW": delta.T @ np.abs(activations[index]),
            "db": delta.sum(axis=0),
        }
        for quantity in QUANTITIES:
            sizes[(index + 1, quantity)] = _largest(terms[quantity])
    sizes[(None, "cost")] = abs(reference.cost) if math.isfinite(reference.cost) else 0.0
    return sizes


def _largest(a: Array) -> float:
    finite = a[np.isfinite(a)]
    return float(finite.max(initial=0.0))


def _judge(
    engine: str,
    layer: int | None,
    quantity: str,
    got: Array,
    want: Array,
    size: float,
    tolerance: float,
) -> Comparison:
    if got.shape != want.shape:
        # An engine bug, not a numerical difference: report it as a total disagreement.
        nan = math.nan
        return Comparison(engine, layer, quantity, nan, nan, size, tolerance, (), nan, nan)
    difference = np.abs(got - want)
    bad = ~(np.isfinite(got) & np.isfinite(want))
    if bad.any():
        flat = int(np.argmax(bad))
        worst, largest = math.nan, math.nan
    else:
        flat = int(np.argmax(difference)) if difference.size else 0
        largest = float(difference.flat[flat]) if difference.size else 0.0
        worst = largest / size if size > 0 else (0.0 if largest == 0 else math.inf)
    index = tuple(int(i) for i in np.unravel_index(flat, got.shape)) if got.size else ()
    value = float(got.flat[flat]) if got.size else 0.0
    expected = float(want.flat[flat]) if want.size else 0.0
    shown = () if layer is None else index
    return Comparison(
        engine, layer, quantity, largest, worst, size, tolerance, shown, value, expected
    )
