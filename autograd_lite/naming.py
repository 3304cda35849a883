"""One naming of the nodes of a graph, and the example networks every command shows.

The stepper (:mod:`autograd_lite.stepper`), the renderer (:mod:`autograd_lite.viz`)
and the browser explorer all call nodes by the names made here, so the text, the
pictures and the commands that take a name (the stepper's ``until NAME``) cannot
disagree. This module sits beneath all three and imports none of them.

**Names.** :class:`Names` gives every node of the graph behind a root one name:

- the name it was given (the ``names`` mapping; for a network the literature's
  ``x_k``, ``w^l_jk``, ``b^l_j``, ``z^l_j``, ``a^l_j``, ``y_j``, ``C``), else its label
  (an expression's variables: ``x``, ``w``);
- else the expression that computed it, written with its inputs' names
  (``x*w + b``, ``tanh(x*w + b)``, ``w^2_11*a^1_1``), when it is short;
- else ``n3`` (its position in :func:`numbered_nodes`), the last resort of very long
  expressions. Networks never need it: a neuron's partial sums are named after what
  they are, ``z^1_1[k<=2]`` (the bias plus the terms ``w^1_1k a^0_k`` for ``k <= 2``).

Text uses the ASCII form (``w^2_11``); pictures the same name typeset with Unicode
(``w²₁₁``, :func:`pretty`). :meth:`Names.find` accepts either, an expression's text
with or without spaces, and ``n3``.

**Example networks.** :func:`build_network` turns one description (:class:`NetworkSpec`:
layer sizes, activations, cost, seed, a weights file, an input and a target) into the
Value graph of the cost on one example, its names, the groups a picture draws as
clusters, and the closed-form oracle (BP1-BP4 from :mod:`autograd_lite.backprop`) with
each delta written out. ``step``, ``graph``, ``compare`` and the explorer build their
networks with it, so one seed gives one network everywhere.

>>> example = build_network(NetworkSpec(layers=(2, 2, 1), seed=0))
>>> example.root.backward()
>>> z = example.find("z^2_1")
>>> abs(z.grad - example.closed_forms[z].value) < 1e-12
True
>>> example.names.name(example.find("z^1_1").parents[0])
'z^1_1[k<=1]'
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import engine

__all__ = [
    "COSTS",
    "ClosedForm",
    "Example",
    "NetworkGraph",
    "NetworkSpec",
    "Names",
    "build_network",
    "format_number",
    "number_leaves",
    "numbered_nodes",
    "plain",
    "pretty",
    "value_network_graph",
]

#: The costs a network description may name (those of :class:`backprop.Network`).
COSTS = ("quadratic", "mse", "cross_entropy", "log_likelihood")

# Expressions longer than this are referred to by their name (n3) instead.
MAX_EXPRESSION = 40
_ATOM = 9  # precedence of names and function calls: never parenthesised
_CONSTANT = 8  # numbers: no parentheses as operands, but "(3).grad"
_INFIX = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2, "@": 2, "**": 4}
_SPACED = ("+", "-")  # "x*w + b": sums spaced, products tight
_NEG = 3


# ----------------------------------------------------------------------------- numbers


def format_number(x: Any) -> str:
    """A scalar as the text prints it: ``1.0``, ``-3.0``, ``0.500972``, ``nan``; never
    ``-0.0`` (a zero is a zero)."""
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == 0:
        return "0.0"
    if x == int(x) and abs(x) < 1e15:
        return f"{x:.1f}"
    return f"{x:.6g}"


def plain(x: Any) -> Any:
    """The number or array inside ``x`` (a node's ``.data``, or ``x`` itself)."""
    return x.data if hasattr(x, "data") and hasattr(x, "parents") else x


# ----------------------------------------------------------------------------- typesetting

_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUBSCRIPTS = str.maketrans("0123456789,k", "₀₁₂₃₄₅₆₇₈₉,ₖ")
_FROM_SUPERSCRIPTS = {v: k for k, v in zip("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")}
_FROM_SUBSCRIPTS = {v: k for k, v in zip("0123456789k", "₀₁₂₃₄₅₆₇₈₉ₖ")}


def pretty(name: str) -> str:
    """A name typeset for a picture: ``w^2_11`` -> ``w²₁₁``, ``<=`` -> ``≤``, ``delta`` -> ``δ``.

    >>> pretty("z^1_1[k<=2]"), pretty("delta^2_1"), pretty("w^2_11*a^1_1")
    ('z¹₁[k≤2]', 'δ²₁', 'w²₁₁·a¹₁')
    """
    text = re.sub(r"\^(\d+)", lambda m: m.group(1).translate(_SUPERSCRIPTS), name)
    text = re.sub(r"_(\d+(?:,\d+)*|k)", lambda m: m.group(1).translate(_SUBSCRIPTS), text)
    text = text.replace("<=", "≤").replace("delta", "δ")
    return re.sub(r"(?<=[\w)])\*(?=[\w(])", "·", text)


def _ascii(name: str) -> str:
    """The inverse of :func:`pretty` (what a person may type for a pictured name)."""
    out: list[str] = []
    mode = ""
    for char in name:
        if char in _FROM_SUPERSCRIPTS:
            if mode != "^":
                out.append("^")
                mode = "^"
            out.append(_FROM_SUPERSCRIPTS[char])
        elif char in _FROM_SUBSCRIPTS:
            if mode != "_":
                out.append("_")
                mode = "_"
            out.append(_FROM_SUBSCRIPTS[char])
        else:
            mode = "_" if (char == "," and mode == "_") else ""
            out.append(char)
    return "".join(out).replace("≤", "<=").replace("δ", "delta").replace("·", "*")


def _squeeze(name: str) -> str:
    return "".join(_ascii(name).split())


def sub(*indices: int) -> str:
    """Subscripts as in ``w^2_13``; with a comma when an index has two digits (``w^2_12,3``)."""
    separator = "," if any(i > 9 for i in indices) else ""
    return separator.join(str(i) for i in indices)


# ----------------------------------------------------------------------------- names


def numbered_nodes(root: Any) -> tuple[list[Any], list[Any]]:
    """The nodes behind ``root`` in the order that numbers them ``n0, n1, ...``, and the
    engine's own topological order (:func:`autograd_lite.engine.topological_order`).

    The numbering follows the engine's order; the nodes it leaves out because they need
    no gradient (a Tensor of inputs, a target) are numbered just before the first node
    that uses them. The same graph always gets the same numbers.
    """
    base = engine.topological_order(root)
    numbered: dict[Any, None] = {}
    for node in base:
        for parent in node.parents:
            numbered.setdefault(parent)
        numbered.setdefault(node)
    return list(numbered), base


def _is_array_node(node: Any) -> bool:
    return isinstance(node.data, np.ndarray)


class Names:
    """The one name of every node behind ``root``, as text and pictures show it.

    ``names`` maps nodes to given names (a network's ``w^l_jk``...). A node's *name* is
    its given name, else its label, else the expression that computed it when that is
    short (:data:`MAX_EXPRESSION` characters), else ``n3``; its *text* is the same but
    for constants, whose text is their number. Two nodes never read the same: when two
    expressions clash (``-x`` twice in ``relu(-x) + tanh(-x)``) both are called ``n3``.

    >>> from autograd_lite.parse import parse_expression
    >>> o = parse_expression("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})
    >>> names = Names(o)
    >>> [names.name(node) for node in names.order]
    ['b', 'w', 'x', 'x*w', 'x*w + b', 'tanh(x*w + b)']
    >>> names.find("x*w+b") is o.parents[0]
    True
    """

    def __init__(
        self,
        root: Any,
        names: Mapping[Any, str] | None = None,
        *,
        constants: Sequence[Any] = (),
    ) -> None:
        self.root = root
        self.order, self.base = numbered_nodes(root)
        self.custom: dict[Any, str] = dict(names or {})
        self.index: dict[Any, int] = {node: i for i, node in enumerate(self.order)}
        self._constants = set(constants)
        # Two different nodes must not read the same: those are called by their numbers,
        # and the texts built again until all differ.
        self._by_number: set[Any] = set()
        self._text: dict[Any, tuple[str, int]] = {}
        while True:
            for node in self.order:
                self._text[node] = self._expression(node)
            seen: dict[str, Any] = {}
            clashes: set[Any] = set()
            for node in self.order:
                text, precedence = self._text[node]
                if precedence == _CONSTANT or self.given(node):
                    continue
                other = seen.setdefault(text, node)
                if other is not node:
                    clashes.update((node, other))
            if not clashes:
                break
            self._by_number |= clashes

    # -- what a node is called

    def given(self, node: Any) -> str:
        """The given name or the label ("" when the node has neither)."""
        return self.custom.get(node) or getattr(node, "label", "") or ""

    def name(self, node: Any) -> str:
        """The node's name: given, label, its expression, or ``n3``."""
        return self._text[node][0]

    def text(self, node: Any) -> str:
        """The node as an expression reads it: its name, or the number of a constant."""
        return self._text[node][0]

    def precedence(self, node: Any) -> int:
        """How tightly the node's text binds (to know when it needs parentheses)."""
        return self._text[node][1]

    def wrapped(self, node: Any) -> str:
        """The text, parenthesised unless it is a single name or call: ``(x*w + b)``."""
        text, precedence = self._text[node]
        return text if precedence >= _CONSTANT else f"({text})"

    def grad_of(self, node: Any) -> str:
        """``x.grad``, ``tanh(x*w + b).grad`` or ``(x*w + b).grad``."""
        text, precedence = self._text[node]
        return f"{text}.grad" if precedence == _ATOM else f"({text}).grad"

    def pretty(self, node: Any) -> str:
        """The name typeset for a picture (``w²₁₁``); "" for a constant (its data shows it)."""
        if not node.parents and not self.given(node):
            return ""
        return pretty(self.name(node))

    @property
    def constants(self) -> list[Any]:
        """The constants given (numbers written into an expression, targets)."""
        return list(self._constants)

    def is_constant(self, node: Any) -> bool:
        """True for nodes nobody needs the gradient of: the ``constants`` given (numbers
        written into an expression, such as ``0.5`` or the ``3`` of ``x**3``: see
        :func:`number_leaves`; a network's targets) and leaves that need no gradient."""
        if node in self._constants:
            return True
        return not node.parents and not getattr(node, "requires_grad", True)

    # -- looking up

    def find(self, name: str) -> Any:
        """The node called ``name``: any name this object prints (ASCII or typeset, with
        or without spaces), a label, or ``n3``. ``ValueError`` lists the names when
        none (or several) match."""
        wanted = _squeeze(name)
        matches = [
            node
            for node in self.order
            if wanted in (_squeeze(self.name(node)), _squeeze(self.given(node) or "\0"))
            and not (self.is_constant(node) and not self.given(node))
        ]
        if not matches and re.fullmatch(r"n\d+", wanted):
            index = int(wanted[1:])
            if index < len(self.order):
                matches = [self.order[index]]
        if len(matches) != 1:
            problem = "no node" if not matches else f"{len(matches)} nodes"
            raise ValueError(f"{problem} called {name!r}; names: {', '.join(self.known())}")
        return matches[0]

    def known(self) -> list[str]:
        """Every name :meth:`find` accepts (constants left out), in the graph's order."""
        return [
            self.name(node) for node in self.order if self.given(node) or not self.is_constant(node)
        ]

    # -- building the texts

    def _expression(self, node: Any) -> tuple[str, int]:
        """The text of ``node`` and its precedence (to know when to add parentheses)."""
        given = self.given(node)
        if given:
            return given, _ATOM
        index = self.index[node]
        parents = node.parents if node.op is not None else ()
        if node in self._by_number:
            return f"n{index}", _ATOM
        if not parents:
            if _is_array_node(node) and (node.data.size != 1 or node.requires_grad):
                return f"n{index}", _ATOM
            value = float(node.data)
            return f"{value:g}", (_NEG if value < 0 else _CONSTANT)
        texts = [self._text[p] for p in parents]
        name = node.op.name
        if name in _INFIX and len(parents) == 2:
            precedence = _INFIX[name]
            left = _wrap(texts[0], precedence, strict=(name == "**"))
            right = _wrap(texts[1], precedence, strict=(name not in ("+", "*")))
            joined = f" {name} " if name in _SPACED else name
            text = f"{left}{joined}{right}"
        elif name == "neg" and len(parents) == 1:
            precedence = _NEG
            text = "-" + _wrap(texts[0], _NEG, strict=True)
        else:
            precedence = _ATOM
            text = f"{name}({', '.join(t for t, _ in texts)})"
        if len(text) > MAX_EXPRESSION:
            return f"n{index}", _ATOM
        return text, precedence


def number_leaves(root: Any) -> list[Any]:
    """The unlabelled scalar leaves behind ``root``: in a graph whose variables all have
    labels (an expression from :func:`autograd_lite.parse.parse_expression`), the numbers
    written into it, which nobody needs the gradient of.

    >>> from autograd_lite.parse import parse_expression
    >>> [leaf.data for leaf in number_leaves(parse_expression("x**3 + 0.5", {"x": 2.0}))]
    [3.0, 0.5]
    """
    order, _ = numbered_nodes(root)
    return [
        node
        for node in order
        if not node.parents and not getattr(node, "label", "") and not _is_array_node(node)
    ]


def _wrap(text: tuple[str, int], precedence: int, strict: bool) -> str:
    """Parenthesise an operand that binds less tightly than its operator."""
    body, own = text
    if own < precedence or (strict and own == precedence):
        return f"({body})"
    return body


# ----------------------------------------------------------------------------- closed form


@dataclass(frozen=True)
class ClosedForm:
    """A value computed in closed form, shown beside a node's gradient.

    Each pre-activation node ``z^l_j`` of an example network has one: the delta
    ``delta^l_j`` from equation BP1 (output layer) or BP2 (hidden layers), with the
    equation written out and its numbers substituted (BP2 as its sum of terms
    ``w^(l+1)_kj delta^(l+1)_k``).
    """

    symbol: str  #: what it is called, e.g. ``delta^2_1``
    equation: str  #: e.g. ``BP1 (output layer)``
    formula: str  #: e.g. ``delta^2_1 = (a^2_1 - y_1) * sigmoid'(z^2_1)``
    substituted: str  #: the right-hand side with numbers, e.g. ``(0.61 - 0.2) * 0.2379``
    value: Any  #: the closed-form value (a float, or an array for a batch)

    def worked(self, value_text: str) -> str:
        """``= substituted = value``, or ``= value`` where nothing is substituted (a
        batch, whose arrays would not fit on a line)."""
        if self.substituted:
            return f"= {self.substituted} = {value_text}"
        return f"= {value_text}"


# ----------------------------------------------------------------------------- networks


@dataclass
class NetworkGraph:
    """The graph of a network's cost on one example (or a batch), and how to show it.

    ``root`` is the cost ``C``; ``names`` the given names (``w^l_jk``...), ``groups``
    each node's cluster path (``("layer 1", "neuron 2")``), ``closed_forms`` the
    delta of each ``z`` node in closed form, ``constants`` the nodes nobody needs the
    gradient of (targets, the ``0.5`` of the quadratic cost), ``parameters`` the
    weights and biases, ``zs`` the pre-activation nodes by layer, ``title`` one line
    saying what the graph is.
    """

    root: Any
    names: dict[Any, str] = field(default_factory=dict)
    groups: dict[Any, tuple[str, ...]] = field(default_factory=dict)
    closed_forms: dict[Any, ClosedForm] = field(default_factory=dict)
    constants: list[Any] = field(default_factory=list)
    parameters: list[Any] = field(default_factory=list)
    zs: list[list[Any]] = field(default_factory=list)
    neurons: dict[Any, tuple[int, int]] = field(default_factory=dict)
    title: str = ""
    cost_text: str = ""

    def naming(self) -> Names:
        """The :class:`Names` of this graph."""
        return Names(self.root, self.names, constants=self.constants)


_COST_TEXTS = {
    "quadratic": "1/2 sum_j (a^L_j - y_j)^2",
    "mse": "sum_j (a^L_j - y_j)^2",
    "cross_entropy": "-sum_j [y_j ln a^L_j + (1 - y_j) ln(1 - a^L_j)]",
    "log_likelihood": "-sum_j y_j ln a^L_j",
    "sum": "sum_j a^L_j",
}


def _canonical_activation(name: str, output: bool) -> str:
    from . import backprop

    name = {"linear": "identity", "none": "identity"}.get(name, name)
    known = backprop.ACTIVATIONS if output else backprop.HIDDEN_ACTIVATIONS
    if name == "softmax" and not output:
        raise ValueError("softmax can only be the output activation (with log_likelihood)")
    if name not in known:
        where = "output activation" if output else "activation"
        raise ValueError(f"unknown {where} {name!r}; known activations: {', '.join(known)}")
    return name


def value_network_graph(
    model: Any,
    x: Any,
    y: Any = None,
    *,
    cost: str | Callable[[Any, Any], Any] = "quadratic",
    activation: str | None = None,
    output_activation: str | None = None,
) -> NetworkGraph:
    """The named graph of ``cost`` for a Value MLP (:class:`autograd_lite.nn.MLP`) on one
    example ``x`` with target ``y``, with the closed-form delta of every neuron.

    ``cost`` names a cost of :class:`autograd_lite.backprop.Network` (``quadratic``,
    ``mse``, ``cross_entropy``, ``log_likelihood``), or ``"sum"`` (the sum of the
    outputs; no target, no closed form), or is a function ``cost(outputs, y)``.
    ``output_activation="softmax"`` puts a softmax on the model's (linear) outputs.
    The activations default to the model's own.
    """
    from . import backprop
    from .value import Value

    layers = list(model.layers)
    own_output = str(getattr(layers[-1].neurons[0], "activation", "linear"))
    output = output_activation or own_output
    hidden = activation or (
        str(getattr(layers[0].neurons[0], "activation", "linear")) if len(layers) > 1 else output
    )
    softmax = output == "softmax"
    if softmax and own_output != "linear":
        raise ValueError("a softmax output needs a model whose last layer is linear")
    graph = NetworkGraph(root=None)
    names, groups = graph.names, graph.groups
    x_numbers = [float(plain(v)) for v in np.ravel(np.asarray(x, dtype=object))]
    inputs = [Value(v) for v in x_numbers]
    for k, v in enumerate(inputs, start=1):
        names[v] = f"x_{sub(k)}"
        groups[v] = ("input",)
    pairs = model.trace(inputs)
    for l, layer in enumerate(layers, start=1):
        for j, neuron in enumerate(layer.neurons, start=1):
            for k, w in enumerate(neuron.w, start=1):
                names[w] = f"w^{l}_{sub(j, k)}"
            names[neuron.b] = f"b^{l}_{sub(j)}"
            graph.parameters += [*neuron.w, neuron.b]
    previous: frozenset[Any] = frozenset(inputs)
    for l, (zs, activations) in enumerate(pairs, start=1):
        graph.zs.append(list(zs))
        last = l == len(pairs)
        for j, (z, a) in enumerate(zip(zs, activations), start=1):
            names[z] = f"z^{l}_{sub(j)}"
            graph.neurons[z] = (l, j)
            if a is not z and not (last and softmax):
                names[a] = f"a^{l}_{sub(j)}"
            _name_partial_sums(z, l, j, names)
            for node in engine.topological_order(a, stop=previous):
                groups.setdefault(node, (f"layer {l}", f"neuron {j}"))
        previous = frozenset(activations)
    outputs = list(pairs[-1][1])
    if softmax:
        outputs = _softmax(outputs, len(pairs), names, groups)
        previous = frozenset(outputs)

    cost_name = cost if isinstance(cost, str) else None
    targets: list[Any] = []
    if cost_name == "sum":
        root = outputs[0]
        for out in outputs[1:]:
            root = root + out
    elif cost_name is not None:
        if cost_name not in COSTS:
            raise ValueError(f"unknown cost {cost_name!r}; known costs: {', '.join(COSTS)}")
        if y is None:
            raise ValueError(f"the {cost_name} cost needs a target y")
        y_numbers = [float(plain(v)) for v in np.ravel(np.asarray(y, dtype=object))]
        if len(y_numbers) != len(outputs):
            raise ValueError(
                f"y has {len(y_numbers)} targets, the network has {len(outputs)} outputs"
            )
        targets = [Value(v) for v in y_numbers]
        for j, t in enumerate(targets, start=1):
            names[t] = f"y_{sub(j)}"
            groups[t] = ("cost",)
        root = _value_cost(cost_name, outputs, targets, names)
    else:
        assert callable(cost)
        root = cost(outputs, y)
    if root not in names:
        names[root] = "C"
    for node in engine.topological_order(root, stop=previous):
        groups.setdefault(node, ("cost",))
    graph.root = root
    graph.constants = targets + [
        node for node in engine.topological_order(root) if not node.parents and node not in names
    ]
    sizes = [len(inputs)] + [len(zs) for zs, _ in pairs]
    shape = "-".join(map(str, sizes))
    graph.cost_text = _COST_TEXTS.get(cost_name or "", "cost(a^L, y)")
    graph.title = f"MLP {shape} ({hidden}, output {output}): C = {graph.cost_text}"

    if cost_name in COSTS and not (cost_name == "log_likelihood" and not softmax):
        network = backprop.Network(
            model.get_weights(),
            activation=_canonical_activation(hidden, False),
            output_activation=_canonical_activation(output, True),
            cost=cost_name,
        )
        closed = network.backprop_example(x_numbers, [t.data for t in targets])
        graph.closed_forms = _closed_forms(graph, network, closed, hidden, output, cost_name)
    return graph


def _name_partial_sums(z: Any, l: int, j: int, names: dict[Any, str]) -> None:
    """Name the running sums of ``z = b + w_1 a_1 + ... + w_n a_n``: ``z^l_j[k<=2]``."""
    node, k = z, 0
    chain = []
    while node.op is not None and node.op.name == "+" and len(node.parents) == 2:
        chain.append(node)
        node = node.parents[0]
    for k, partial in enumerate(reversed(chain[1:]), start=1):
        names.setdefault(partial, f"z^{l}_{sub(j)}[k<={k}]")


def _softmax(zs: list[Any], layer: int, names: dict[Any, str], groups: dict[Any, Any]) -> list[Any]:
    """``a_j = exp(z_j) / sum_k exp(z_k)`` on Values, each node named."""
    exps = [z.exp() for z in zs]
    total = exps[0]
    for e in exps[1:]:
        total = total + e
    names[total] = f"sum_k exp(z^{layer}_k)"
    outputs = [e / total for e in exps]
    for j, (e, a) in enumerate(zip(exps, outputs), start=1):
        names[a] = f"a^{layer}_{sub(j)}"
        groups[e] = groups[a] = (f"layer {layer}", "softmax")
    groups[total] = (f"layer {layer}", "softmax")
    return outputs


def _value_cost(cost: str, outputs: list[Any], targets: list[Any], names: dict[Any, str]) -> Any:
    """The cost of one example as Value nodes, each difference computed once, and the
    nodes whose expressions would be long named after what they are: ``term_j`` (the
    cost's term for output j), ``sum[j<=2]`` (the running sum of the terms)."""
    terms = []
    for j, (a, t) in enumerate(zip(outputs, targets), start=1):
        if cost in ("quadratic", "mse"):
            d = a - t
            terms.append(d * d)
        elif cost == "cross_entropy":
            terms.append(t * a.log() + (1.0 - t) * (1.0 - a).log())
            names[terms[-1]] = f"term_{sub(j)}"
        elif t.data != 0:  # log_likelihood: 0 * ln a would only add 0 (or nan)
            terms.append(t * a.log())
    total = terms[0]
    for k, term in enumerate(terms[1:], start=2):
        total = total + term
        names[total] = f"sum[j<={k}]" if k < len(terms) else "sum_j"
    if cost == "quadratic":
        return total * 0.5
    if cost in ("cross_entropy", "log_likelihood"):
        return -total
    return total


def _closed_forms(
    graph: NetworkGraph,
    network: Any,
    closed: Any,
    hidden: str,
    output: str,
    cost: str,
) -> dict[Any, ClosedForm]:
    """BP1 at the output layer and BP2 (written as its sum of terms) below it."""
    from . import backprop

    weights = network.weights
    last = len(graph.zs)
    forms: dict[Any, ClosedForm] = {}
    for l, zs in enumerate(graph.zs, start=1):
        name = output if l == last else hidden
        primes = backprop.activation_prime(name, closed.zs[l - 1]) if name != "softmax" else None
        for j, z in enumerate(zs, start=1):
            i = j - 1
            delta = float(closed.deltas[l - 1][i])
            symbol = f"delta^{l}_{sub(j)}"
            sigma = f"{name}'(z^{l}_{sub(j)})"
            if l == last:
                a_j = float(closed.activations[l][i])
                y_j = float(network_target(closed, graph, i))
                a_minus_y = f"{format_number(a_j)} - {format_number(y_j)}"
                equation = "BP1 (output layer): delta^L = grad_a C (.) sigma'(z^L)"
                if output == "softmax" or (cost == "cross_entropy" and output == "sigmoid"):
                    why = "softmax" if output == "softmax" else "sigmoid"
                    formula = f"{symbol} = a^{l}_{sub(j)} - y_{sub(j)}  ({why}'s sigma' cancels)"
                    numbers = a_minus_y
                elif cost == "cross_entropy":
                    formula = (
                        f"{symbol} = (a^{l}_{sub(j)} - y_{sub(j)}) / "
                        f"(a^{l}_{sub(j)} (1 - a^{l}_{sub(j)})) * {sigma}"
                    )
                    numbers = (
                        f"({a_minus_y}) / ({format_number(a_j)} * (1 - {format_number(a_j)}))"
                        f" * {format_number(primes[i])}"  # type: ignore[index]
                    )
                else:
                    twice = "2 " if cost == "mse" else ""
                    formula = f"{symbol} = {twice}(a^{l}_{sub(j)} - y_{sub(j)}) * {sigma}"
                    numbers = f"{twice}({a_minus_y}) * {format_number(primes[i])}"  # type: ignore[index]
            else:
                W_next = weights[l][0]
                deltas_next = closed.deltas[l]
                symbols = " + ".join(
                    f"w^{l + 1}_{sub(k, j)} delta^{l + 1}_{sub(k)}"
                    for k in range(1, len(deltas_next) + 1)
                )
                products = " + ".join(
                    f"{_factor(W_next[k, i])} * {_factor(deltas_next[k])}"
                    for k in range(len(deltas_next))
                )
                formula = f"{symbol} = ({symbols}) * {sigma}"
                numbers = f"({products}) * {format_number(primes[i])}"  # type: ignore[index]
                equation = "BP2 (hidden layer): delta^l = ((W^(l+1))^T delta^(l+1)) (.) sigma'(z^l)"
            forms[z] = ClosedForm(symbol, equation, formula, numbers, delta)
    return forms


def network_target(closed: Any, graph: NetworkGraph, i: int) -> float:
    """Target ``y_i`` of the example (the named node ``y_{i+1}``)."""
    for node, name in graph.names.items():
        if name == f"y_{sub(i + 1)}":
            return float(node.data)
    return math.nan


def _factor(x: Any) -> str:
    text = format_number(x)
    return f"({text})" if text.startswith("-") else text


# ----------------------------------------------------------------------------- descriptions


@dataclass(frozen=True)
class NetworkSpec:
    """One description of a network and an example, shared by every command.

    ``layers`` are the sizes, inputs first (``(2, 2, 1)``); ``activation`` is that of
    the hidden layers and ``output_activation`` of the last (``None``: the hidden one, or
    ``softmax`` with the ``log_likelihood`` cost). Without ``weights`` (a ``.npz`` file
    from :func:`autograd_lite.weights.save`, or a list of ``(W, b)`` pairs) the weights
    are drawn from ``seed``, and so is the example unless ``input`` and ``target`` are
    given. ``None`` means "the default": sigmoid activations and the quadratic cost (the
    textbook's), or what a weights file records.
    """

    layers: tuple[int, ...] | None = None
    activation: str | None = None
    output_activation: str | None = None
    cost: str | None = None
    seed: int = 0
    weights: Any = None
    input: tuple[float, ...] | None = None
    target: tuple[float, ...] | None = None


#: The default network of ``step``, ``graph`` and ``compare``.
DEFAULT_LAYERS = (2, 2, 1)
DEFAULT_ACTIVATION = "sigmoid"
DEFAULT_COST = "quadratic"


@dataclass
class Example:
    """A network built from a :class:`NetworkSpec`: the model, the example, the graph of
    its cost with every node named, and the closed form to check it against.

    ``weights`` are the ``(W, b)`` pairs, ``x`` and ``y`` the example, ``batch_X`` and
    ``batch_Y`` the batch ``compare`` uses (its first row is the example), ``model`` the
    Value :class:`~autograd_lite.nn.MLP`, ``graph`` the :class:`NetworkGraph` of the
    cost on the example (``root``, ``names``, ``groups``, ``closed_forms``...),
    ``network`` the :class:`~autograd_lite.backprop.Network` and ``oracle`` its
    :class:`~autograd_lite.backprop.Gradients` on the example.
    """

    spec: NetworkSpec
    sizes: list[int]
    activation: str
    output_activation: str
    cost: str
    weights: list[tuple[Any, Any]]
    x: list[float]
    y: list[float]
    model: Any
    graph: NetworkGraph
    network: Any
    oracle: Any
    batch_X: Any = None
    batch_Y: Any = None

    @property
    def root(self) -> Any:
        return self.graph.root

    @property
    def closed_forms(self) -> dict[Any, ClosedForm]:
        return self.graph.closed_forms

    @property
    def names(self) -> Names:
        return self.graph.naming()

    def find(self, name: str) -> Any:
        """The node called ``name`` (``"w^2_11"``, ``"z^1_2"``, ``"C"``...)."""
        return self.names.find(name)

    def describe(self) -> str:
        """One line: the network, its activations, the example and the cost's formula."""
        shape = "-".join(map(str, self.sizes))
        source = (
            f"weights from {self.spec.weights}"
            if isinstance(self.spec.weights, (str, Path))
            else f"seed {self.spec.seed}"
        )
        inputs = ", ".join(map(format_number, self.x))
        targets = ", ".join(map(format_number, self.y))
        return (
            f"MLP {shape} ({self.activation}, output {self.output_activation}, {source}) "
            f"on x = [{inputs}], y = [{targets}]: C = {self.graph.cost_text}"
        )


def _resolve_weights(spec: NetworkSpec) -> tuple[list[tuple[Any, Any]] | None, list[str] | None]:
    from . import weights as weights_module

    if spec.weights is None:
        return None, None
    if isinstance(spec.weights, (str, Path)):
        saved = weights_module.load(spec.weights)
        return [(W, b) for W, b in saved.weights], saved.activations
    return weights_module.check_weights(spec.weights), None


def resolve_activations(spec: NetworkSpec, recorded: Sequence[str] | None) -> tuple[str, str, str]:
    """The hidden and output activations and the cost: the spec, else the weights file,
    else the textbook defaults (a softmax output and the log_likelihood cost imply each
    other)."""
    hidden, output = spec.activation, spec.output_activation
    if recorded is not None:
        inner = set(recorded[:-1])
        if hidden is None and len(inner) > 1:
            raise ValueError(
                f"the weights file's hidden layers use several activations {list(recorded)}; "
                "choose one with --activation"
            )
        if hidden is None:
            hidden = recorded[0] if inner else recorded[-1]
        if output is None:
            output = recorded[-1]
    hidden = _canonical_activation(hidden or DEFAULT_ACTIVATION, False)
    cost = spec.cost
    if cost is None:
        cost = "log_likelihood" if output == "softmax" else DEFAULT_COST
    if cost not in COSTS:
        raise ValueError(f"unknown cost {cost!r}; known costs: {', '.join(COSTS)}")
    if output is None:
        output = "softmax" if cost == "log_likelihood" else hidden
    output = _canonical_activation(output, True)
    return hidden, output, cost


def build_network(spec: NetworkSpec, batch: int = 1) -> Example:
    """The network and example ``spec`` describes, its named cost graph and closed form.

    The weights come from ``spec.weights`` or are drawn from ``spec.seed`` exactly as
    :func:`autograd_lite.compare.random_problem` draws them; the example is the first of
    that function's batch (any batch size gives the same first example), unless
    ``spec.input`` / ``spec.target`` say otherwise. ``ValueError`` says what is wrong
    with a description (unknown names, sizes that do not fit, a file that cannot be read).
    """
    from . import backprop, nn
    from .compare import random_problem

    given, recorded = _resolve_weights(spec)
    if given is not None:
        sizes = [int(given[0][0].shape[1]), *(int(W.shape[0]) for W, _ in given)]
        if spec.layers is not None and list(spec.layers) != sizes:
            raise ValueError(
                f"layers {','.join(map(str, spec.layers))} does not match the network in "
                f"{spec.weights} (layers {','.join(map(str, sizes))}); leave the layers out"
            )
    else:
        sizes = list(spec.layers or DEFAULT_LAYERS)
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"layer sizes must be at least two positive numbers, got {sizes}")
    hidden, output, cost = resolve_activations(spec, recorded)
    backprop.Network(
        [(np.zeros((n_out, n_in)), np.zeros(n_out)) for n_in, n_out in itertools.pairwise(sizes)],
        hidden,
        output,
        cost,
    )  # its checks of the combination (softmax only at the output with log_likelihood...)
    drawn, X, Y = random_problem(sizes, max(batch, 1), spec.seed, hidden, output, cost)
    weights = given if given is not None else drawn
    if spec.input is not None:
        if len(spec.input) != sizes[0]:
            raise ValueError(
                f"the input has {len(spec.input)} numbers, the network takes {sizes[0]}"
            )
        X = np.array([list(spec.input)], dtype=np.float64)
    if spec.target is not None:
        if len(spec.target) != sizes[-1]:
            raise ValueError(
                f"the target has {len(spec.target)} numbers, the network has {sizes[-1]} outputs"
            )
        Y = np.array([list(spec.target)], dtype=np.float64)
    x = [float(v) for v in X[0]]
    y = [float(v) for v in Y[0]]
    value_output = "linear" if output in ("softmax", "identity") else output
    model = nn.MLP.from_weights(
        weights,
        activation="linear" if hidden == "identity" else hidden,
        output_activation=value_output,
    )
    graph = value_network_graph(model, x, y, cost=cost, activation=hidden, output_activation=output)
    network = backprop.Network(weights, hidden, output, cost)
    oracle = network.backprop_example(x, y)
    return Example(
        spec, sizes, hidden, output, cost, list(weights), x, y, model, graph, network, oracle, X, Y
    )


def tensor_network_graph(
    model: Any,
    X: Any,
    Y: Any = None,
    *,
    cost: str | Callable[[Any, Any], Any] = "quadratic",
    activation: str | None = None,
    output_activation: str | None = None,
) -> NetworkGraph:
    """:func:`value_network_graph` for a Tensor network (anything with ``trace`` and
    ``get_weights``, such as :class:`autograd_lite.nn.Sequential`) on a batch ``X``
    (rows are examples): nodes ``X``, ``W^l``, ``b^l``, ``z^l``, ``a^l``, ``Y``, ``C``,
    the cost averaged over the batch, and the closed-form delta of each layer."""
    from . import backprop
    from .losses import NETWORK_COSTS
    from .tensor import Tensor

    graph = NetworkGraph(root=None)
    names, groups = graph.names, graph.groups
    inputs = X if hasattr(X, "parents") else Tensor(np.asarray(X, dtype=np.float64))
    names[inputs] = "X"
    groups[inputs] = ("input",)
    pairs = model.trace(inputs)
    output_node = pairs[-1][1]
    parameters = set(model.parameters()) if hasattr(model, "parameters") else set()
    graph.parameters = list(parameters)
    previous: frozenset[Any] = frozenset([inputs])
    for l, (z, a) in enumerate(pairs, start=1):
        graph.zs.append([z])
        for node in _with_constants(engine.topological_order(a, stop=previous)):
            groups.setdefault(node, (f"layer {l}",))
            is_parameter = node in parameters or (
                not parameters and node.op is None and node.requires_grad
            )
            if is_parameter and node not in names:
                names[node] = f"{'W' if node.data.ndim == 2 else 'b'}^{l}"
        names[z] = f"z^{l}"
        if a is not z:
            names[a] = f"a^{l}"
        previous = frozenset([a])
    cost_name = cost if isinstance(cost, str) else None
    target = None
    if cost_name == "sum":
        root = output_node.sum()
    elif cost_name is not None:
        if cost_name not in COSTS:
            raise ValueError(f"unknown cost {cost_name!r}; known costs: {', '.join(COSTS)}")
        if Y is None:
            raise ValueError(f"the {cost_name} cost needs targets Y")
        target = Y if hasattr(Y, "parents") else Tensor(np.asarray(Y, dtype=np.float64))
        if tuple(target.shape) != tuple(output_node.shape):
            raise ValueError(
                f"Y has shape {tuple(target.shape)}, the network's output has shape "
                f"{tuple(output_node.shape)}"
            )
        names[target] = "Y"
        groups[target] = ("cost",)
        root = NETWORK_COSTS[cost_name](output_node, target)
    else:
        assert callable(cost)
        root = cost(output_node, Y)
    names.setdefault(root, "C")
    for node in _with_constants(engine.topological_order(root, stop=previous)):
        groups.setdefault(node, ("cost",))
    graph.root = root
    graph.constants = [target] if target is not None else []
    sizes = [inputs.shape[-1]] + [z.shape[-1] for z, _ in pairs]
    examples = inputs.shape[0] if len(inputs.shape) > 1 else 1
    graph.cost_text = _COST_TEXTS.get(cost_name or "", "cost(a^L, Y)")
    if cost_name in COSTS:
        graph.cost_text += f", the mean over {examples} example{'' if examples == 1 else 's'}"
    hidden = activation or getattr(model, "activation", None)
    output = output_activation or getattr(model, "output_activation", None) or hidden
    names_of = getattr(model, "activation_names", None)
    if (hidden is None or output is None) and names_of is not None:
        recorded = list(names_of)
        hidden = hidden or (recorded[0] if len(recorded) > 1 else recorded[-1])
        output = output or recorded[-1]
    shape = "-".join(map(str, sizes))
    graph.title = f"MLP {shape}: C = {graph.cost_text}"
    if cost_name in COSTS and isinstance(hidden, str) and isinstance(output, str):
        network = backprop.Network(
            model.get_weights(),
            activation=_canonical_activation(hidden, False),
            output_activation=_canonical_activation(output, True),
            cost=cost_name,
        )
        closed = network.gradients(np.asarray(inputs.data), np.asarray(target.data))  # type: ignore[union-attr]
        last = len(pairs)
        for l, (z, _) in enumerate(pairs, start=1):
            name = output if l == last else hidden
            if l == last:
                equation = "BP1 (output layer, batch mean)"
                formula = f"delta^{l} = (1/n) grad_a C (.) {name}'(z^{l}), n = {examples}"
            else:
                equation = "BP2 (hidden layer)"
                formula = (
                    f"delta^{l} = (delta^{l + 1} W^{l + 1}) (.) {name}'(z^{l})  (rows: examples)"
                )
            graph.closed_forms[z] = ClosedForm(
                f"delta^{l}", equation, formula, "", closed.deltas[l - 1]
            )
    return graph


def _with_constants(nodes: list[Any]) -> list[Any]:
    """``nodes`` and the inputs they use that need no gradient (which the engine skips)."""
    extra = [p for node in nodes for p in node.parents if not p.requires_grad]
    return nodes + extra
