"""Step through a backward pass, one application of the chain rule at a time.

A :class:`Stepper` asks the engine for one ordinary backward pass
(:func:`autograd_lite.engine.backward`) with an ``observer``, and keeps the engine's
own :class:`~autograd_lite.engine.Step` records. Nothing here applies a derivative
rule to compute a gradient: stepping forward and back only *replays* those records,
setting each node's ``.grad`` to the value the engine gave it at that moment
(``step.after``, or ``step.before`` when going back). So after the last step every
gradient is exactly (``==``) what ``backward()`` gives.

>>> from autograd_lite.parse import parse_expression
>>> o = parse_expression("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})
>>> stepper = Stepper(o)
>>> len(stepper)
5
>>> print(stepper.next())
step 1 of 5: from tanh(x*w + b) to x*w + b (argument a of tanh)
  rule      d tanh(a)/da = 1 - tanh(a)^2
  at        a = 0.88, tanh(a) = 0.706419
  local     1 - 0.706419^2 = 0.500972
  upstream  tanh(x*w + b).grad = 1.0
  chain     (x*w + b).grad += 0.500972 * 1.0 = 0.500972
>>> stepper.run()[-1].summary()
'step 5 of 5: w.grad += 2.0 * 0.500972 = 1.00194'
>>> round(stepper.find("w").grad, 6)
1.001943
>>> stepper.close()  # put back the gradients the graph held before

**One pass, from zero.** A Stepper shows one backward pass with every gradient
starting from zero (``0.0`` for a Value leaf, ``None`` for a Tensor leaf and for
every interior node, as the engine has it mid-pass) and the root holding the seed.
Gradients that leaves held before (from earlier ``backward()`` calls) are saved when
the Stepper is made, not added in, and :meth:`Stepper.close` (or leaving a ``with``
block) puts them back. Until then the graph shows the state of the current step.

For a multilayer perceptron, :meth:`Stepper.for_mlp` builds the loss from
``model.trace(x)`` and shows, at each step that reaches a pre-activation node
``z^l_j``, the delta ``delta^l_j = dC/dz^l_j`` beside its closed form (equation BP1 at
the output layer, BP2 below it) from :class:`autograd_lite.backprop.Network`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import numpy as np

from . import engine

__all__ = ["ClosedForm", "StepView", "Stepper", "format_number", "format_value"]

#: Arrays with at most this many numbers are printed whole; larger ones are summarised.
MAX_SHOWN = 8
# Expressions longer than this are referred to by node name (n3) instead.
_MAX_EXPRESSION = 32
_ATOM = 9  # precedence of names and function calls: never parenthesised
_CONSTANT = 8  # numbers: no parentheses as operands, but "(3).grad"
_INFIX = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "**": 4}
_SPACED = ("+", "-")  # "x*w + b": sums spaced, products tight
_NEG = 3
# Ops whose derivative formula is written with the op's own output (d tanh(a)/da =
# 1 - tanh(a)^2): the rule uses ``out``, so the shown number is ``out``.
_OUT_IN_FORMULA = {"tanh": "tanh(a)", "sigmoid": "sigmoid(a)", "exp": "exp(a)", "**": "a^b"}
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
_COSTS = ("quadratic", "mse")


# ----------------------------------------------------------------------------- numbers as text


def format_number(x: Any) -> str:
    """A scalar as the stepper prints it: ``1.0``, ``-3.0``, ``0.500972``, ``nan``."""
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    if x == int(x) and abs(x) < 1e15:
        return f"{x:.1f}"
    return f"{x:.6g}"


def _precise(x: Any) -> str:
    """A delta to twelve significant digits, so closed form and autodiff can be compared."""
    x = float(x)
    return str(x) if math.isnan(x) or math.isinf(x) else f"{x:.12g}"


def _plain(x: Any) -> Any:
    """The number or array inside ``x`` (a node's ``.data``, or ``x`` itself)."""
    return x.data if hasattr(x, "data") and hasattr(x, "parents") else x


def format_value(x: Any, number: Any = format_number) -> str:
    """A gradient or value: a number, a small array whole, a large one summarised."""
    x = _plain(x)
    if x is None:
        return "none yet"
    if not isinstance(x, np.ndarray):
        return str(number(x))
    if x.ndim == 0:
        return str(number(x.item()))
    if x.size == 0:
        return f"[] (empty, shape {x.shape})"
    if x.size <= MAX_SHOWN:
        text = np.array2string(
            x, separator=", ", formatter={"all": number}, max_line_width=1_000_000
        )
        return " ".join(text.split())
    with np.errstate(all="ignore"):  # inf and nan are shown, not warned about
        flat = x.ravel().astype(np.float64)
        return (
            f"array of shape {x.shape}: min {format_number(flat.min())}, "
            f"max {format_number(flat.max())}, norm {format_number(np.linalg.norm(flat))}"
        )


def _cell(x: Any) -> str:
    """A number for a table cell: scalars, one-element arrays, otherwise the shape."""
    x = _plain(x)
    if x is None:
        return "-"
    if isinstance(x, np.ndarray):
        return format_number(x.item()) if x.size == 1 else f"shape {x.shape}"
    return format_number(x)


def _ordinal(n: int) -> str:
    return _ORDINALS[n - 1] if 0 < n <= len(_ORDINALS) else f"number {n}"


def argument_name(position: int) -> str:
    """Argument positions as the derivative formulas name them: a, b, c... (then 26, 27...).

    Shared with :mod:`autograd_lite.viz`, whose edge labels are these names.
    """
    return chr(ord("a") + position) if position < 26 else str(position)


def _is_array_node(node: Any) -> bool:
    return isinstance(node.data, np.ndarray)


def _zero_grad(node: Any) -> None:
    """Zero a leaf as its node kind does it (Value: 0.0, Tensor: None)."""
    if hasattr(node, "zero_grad"):
        node.zero_grad()
    else:
        node.grad = None


def _copy(x: Any) -> Any:
    """Arrays are copied when handed to a node, so the records never change."""
    return x.copy() if isinstance(x, np.ndarray) else x


# ----------------------------------------------------------------------------- names


def numbered_nodes(root: Any) -> tuple[list[Any], list[Any]]:
    """The nodes behind ``root`` in the order that names them ``n0, n1, ...``, and the
    engine's own topological order (:func:`autograd_lite.engine.topological_order`).

    The numbering follows the engine's order; the nodes it leaves out because they need
    no gradient (a Tensor of inputs, a target) are numbered just before the first node
    that uses them. :func:`autograd_lite.viz.draw`, :func:`~autograd_lite.viz.text` and
    the stepper all number nodes with this function, so a name in the stepper's text is
    the name in the picture, and the same graph always gets the same names.
    """
    base = engine.topological_order(root)
    numbered: dict[Any, None] = {}
    for node in base:
        for parent in node.parents:
            numbered.setdefault(parent)
        numbered.setdefault(node)
    return list(numbered), base


class _Names:
    """How the stepper refers to nodes: a name, and a short expression where one fits.

    Nodes are numbered ``n0, n1, ...`` by :func:`numbered_nodes`, as the pictures of
    :mod:`autograd_lite.viz` number them. A node's *name* is its entry in
    ``custom``, else its label, else ``n3``; its *text* is the expression that made it,
    such as ``x*w + b``, when that is short, else its name.
    """

    def __init__(self, order: list[Any], custom: Mapping[Any, str]) -> None:
        self.custom = dict(custom)
        self.order = order  # from numbered_nodes
        self.index: dict[Any, int] = {node: i for i, node in enumerate(order)}
        # Two different nodes must not read the same ("-x" twice in "relu(-x) + tanh(-x)"):
        # those are called by their names, and the texts built again until all differ.
        self._by_name: set[Any] = set()
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
            self._by_name |= clashes

    def given(self, node: Any) -> str:
        """The custom name or the label ("" when the node has neither)."""
        return self.custom.get(node) or getattr(node, "label", "") or ""

    def name(self, node: Any) -> str:
        return self.given(node) or f"n{self.index[node]}"

    def text(self, node: Any) -> str:
        return self._text[node][0]

    def grad_of(self, node: Any) -> str:
        """``x.grad``, ``tanh(x*w + b).grad`` or ``(x*w + b).grad``."""
        text, precedence = self._text[node]
        return f"{text}.grad" if precedence == _ATOM else f"({text}).grad"

    def _expression(self, node: Any) -> tuple[str, int]:
        """The text of ``node`` and its precedence (to know when to add parentheses)."""
        given = self.given(node)
        if given:
            return given, _ATOM
        index = self.index[node]
        parents = node.parents if node.op is not None else ()
        if node in self._by_name:
            return f"n{index}", _ATOM
        if not parents:
            if _is_array_node(node):
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
        if len(text) > _MAX_EXPRESSION:
            return f"n{index}", _ATOM
        return text, precedence


def _wrap(text: tuple[str, int], precedence: int, strict: bool) -> str:
    """Parenthesise an operand that binds less tightly than its operator."""
    body, own = text
    if own < precedence or (strict and own == precedence):
        return f"({body})"
    return body


# ----------------------------------------------------------------------------- one step


@dataclass(frozen=True)
class ClosedForm:
    """A value computed in closed form, shown beside a node's gradient.

    :meth:`Stepper.for_mlp` gives one to each pre-activation node ``z^l_j``: the delta
    ``delta^l_j`` from equation BP1 (output layer) or BP2 (hidden layers), with the
    equation written out and its numbers substituted.
    """

    symbol: str  #: what it is called, e.g. ``delta^2_1``
    equation: str  #: e.g. ``BP1 (output layer)``
    formula: str  #: e.g. ``delta^2_1 = (a^2_1 - y_1) * sigmoid'(z^2_1)``
    substituted: str  #: the right-hand side with numbers, e.g. ``(0.61 - 0.2) * 0.2379``
    value: Any  #: the closed-form value (a float, or an array for a batch)


@dataclass(frozen=True)
class StepView:
    """One engine :class:`~autograd_lite.engine.Step` and what a person needs to read it.

    ``str(view)`` (and ``repr``, so a REPL prints it) shows the step: which node sends
    gradient to which input, the derivative rule, the numbers put into it, and the
    accumulation ``input.grad += local * upstream``; when the input already received
    gradient along another path, ``before + contribution = after`` and which path this
    is. ``view.explanation`` says it in one or two plain sentences.

    ``arrival`` counts the gradients that have reached ``step.input`` so far in this
    pass (1 for the first), ``arrivals`` all that will; the input's gradient is complete
    (``view.complete``) at its last arrival, step number ``complete_at``.
    """

    step: engine.Step
    total: int
    arrival: int
    arrivals: int
    complete_at: int
    node_name: str
    node_text: str
    input_name: str
    input_text: str
    upstream_of: str
    grad_of: str
    closed_form: ClosedForm | None = None

    @property
    def number(self) -> int:
        """The step's number, counting from 1."""
        return self.step.index + 1

    @property
    def complete(self) -> bool:
        """True when this is the last gradient to reach the input in this pass."""
        return self.arrival == self.arrivals

    @property
    def second_path(self) -> bool:
        """True when the input already held gradient from another path (the sum rule)."""
        return self.arrival > 1

    @property
    def is_array(self) -> bool:
        return _is_array_node(self.step.input)

    @property
    def local_derivative(self) -> float | None:
        """d node / d input for a scalar step (the engine's rule with g = 1), else None."""
        if self.is_array or _is_array_node(self.step.node):
            return None
        return float(self.step.local_derivative())

    @property
    def delta(self) -> Any:
        """The autodiff delta once the input's gradient is complete (``step.after``)."""
        if self.closed_form is None or not self.complete:
            return None
        return _plain(self.step.after)

    # -- text

    def header(self) -> str:
        """``step 1 of 5: from tanh(x*w + b) to x*w + b (argument a of tanh)``."""
        argument = argument_name(self.step.position)
        return (
            f"step {self.number} of {self.total}: from {self.node_text} to "
            f"{self.input_text} (argument {argument} of {self.step.op.name})"
        )

    def lines(self, explain: bool = False) -> list[str]:
        """The step as lines of text (``explain=True`` adds the plain-words sentence)."""
        step = self.step
        lines = [self.header()]
        if step.formula:
            lines.append(f"  rule      {step.formula}")
        if self.is_array or _is_array_node(step.node):
            lines += self._array_lines()
        else:
            lines += self._scalar_lines()
        lines += self._closed_form_lines()
        if explain:
            lines.append(f"  in words  {self.explanation}")
        return lines

    def text(self, explain: bool = False) -> str:
        return "\n".join(self.lines(explain))

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self.text()

    def summary(self) -> str:
        """One line: the step's number and its accumulation."""
        return f"step {self.number} of {self.total}: {self._accumulation()}"

    def _arguments(self) -> list[Any]:
        return [p.data for p in self.step.node.parents]

    def _scalar_lines(self) -> list[str]:
        step = self.step
        values = self._arguments()
        shown = [f"{argument_name(i)} = {format_number(v)}" for i, v in enumerate(values)]
        shown.append(f"{_out_symbol(step.op.name, len(values))} = {format_number(step.node.data)}")
        lines = [f"  at        {', '.join(shown)}"]
        local = self.local_derivative
        if local is not None:
            substituted = _substitute(step.formula, step.op.name, values, step.node.data)
            rhs = step.formula.partition(" = ")[2]
            if substituted and substituted != format_number(local):
                lines.append(f"  local     {substituted} = {format_number(local)}")
            elif substituted:  # the rule is one symbol: d(a*b)/da = b
                lines.append(f"  local     {rhs} = {format_number(local)}")
            else:
                lines.append(f"  local     {format_number(local)}")
        lines.append(f"  upstream  {self.upstream_of} = {format_number(step.upstream)}")
        if self.second_path:
            factor = f"{format_number(local)} * " if local is not None else ""
            lines.append(
                f"  chain     contribution = {factor}{_operand(step.upstream)} = "
                f"{format_number(step.contribution)}"
            )
        lines.append(f"  {'sum rule' if self.second_path else 'chain':<9} {self._accumulation()}")
        return lines

    def _array_lines(self) -> list[str]:
        step = self.step
        shapes = [
            f"{argument_name(i)} {tuple(np.shape(v))}" for i, v in enumerate(self._arguments())
        ]
        lines = [f"  shapes    {', '.join(shapes)} -> out {tuple(np.shape(step.node.data))}"]
        lines.append(f"  upstream  {self.upstream_of} = {format_value(step.upstream)}")
        if step.summed_from is not None:
            shape = tuple(np.shape(step.input.data))
            axes = _summed_axes(step.summed_from, shape)
            which = "axis" if len(axes) == 1 else "axes"
            lines.append(
                f"  sum-back  summed over broadcast {which} {', '.join(map(str, axes))} "
                f"from {step.summed_from} to {shape}"
            )
        lines.append(f"  {'sum rule' if self.second_path else 'chain':<9} {self._accumulation()}")
        return lines

    def _accumulation(self) -> str:
        step = self.step
        if not self.second_path:
            local = self.local_derivative
            if local is None:
                return f"{self.grad_of} += {format_value(step.contribution)}{self._path_note()}"
            return (
                f"{self.grad_of} += {format_number(local)} * {_operand(step.upstream)} = "
                f"{format_number(step.after)}{self._path_note()}"
            )
        return (
            f"{self.grad_of} = {format_value(step.before)} + {_operand(step.contribution)} = "
            f"{format_value(step.after)}{self._path_note()}"
        )

    def _path_note(self) -> str:
        if self.arrivals == 1:
            return ""
        if self.arrival == 1:
            return f"  (path 1 of {self.arrivals} into {self.input_text})"
        return (
            f"  ({_ordinal(self.arrival)} of {self.arrivals} paths into {self.input_text}: "
            "their gradients add up)"
        )

    def _closed_form_lines(self) -> list[str]:
        form = self.closed_form
        if form is None:
            return []
        symbol = f"{form.symbol} = dC/d{self.input_name}"
        if not self.complete:
            return [
                f"  delta     {symbol}: {format_value(self.step.after, _precise)} so far "
                f"(path {self.arrival} of {self.arrivals}; complete at step {self.complete_at})"
            ]
        autodiff = self.delta
        with np.errstate(all="ignore"):
            gap = float(np.max(np.abs(np.asarray(autodiff) - np.asarray(form.value))))
        return [
            f"  delta     {symbol} = {format_value(autodiff, _precise)}  (autodiff: complete, "
            f"this is {self.grad_of})",
            f"  {form.equation}",
            f"            {form.formula}",
            f"              = {form.substituted} = {format_value(form.value, _precise)}  "
            f"(closed form; differs by {gap:.2g})",
        ]

    @property
    def explanation(self) -> str:
        """The step in plain words: the op's rule, plus why when something is special."""
        step = self.step
        words = [step.op.explanation or f"{step.op.name} applies its derivative rule."]
        name = step.op.name
        if name in ("relu", "leaky_relu"):
            words.append(self._relu_words())
        if step.summed_from is not None:
            shape = tuple(np.shape(step.input.data))
            copies = math.prod(step.summed_from) // max(math.prod(shape), 1)
            words.append(
                f"{self.input_text} was broadcast from {shape} to {step.summed_from}: each "
                f"of its numbers was used {copies} times, so the {copies} gradients that "
                "reach each one are summed back."
            )
        if self.second_path:
            words.append(
                f"{self.input_text} already holds gradient from {self.arrival - 1} other "
                f"path{'s' if self.arrival > 2 else ''}; it changes the output along every "
                "path, so the contributions add (the multivariable chain rule)."
            )
        elif self.arrivals > 1:
            words.append(
                f"{self.input_text} is reached by {self.arrivals} paths; the others add to "
                "this one."
            )
        return " ".join(words)

    def _relu_words(self) -> str:
        value = np.asarray(self.step.input.data)
        passes_zero = self.step.op.name == "relu"
        what = "zero" if passes_zero else "only a small fraction of the gradient"
        if value.ndim == 0:
            x = float(value)
            if x > 0:
                return (
                    f"Its input was {format_number(x)}, positive, so the gradient passes unchanged."
                )
            return f"Its input was {format_number(x)}, not positive, so it passes {what}."
        blocked = int(np.count_nonzero(~(value > 0)))
        if blocked == 0:
            return f"All {value.size} of its inputs were positive, so all the gradient passes."
        return f"{blocked} of its {value.size} inputs were not positive; those get {what}."


def _out_symbol(op_name: str, arity: int) -> str:
    """How the formulas write the output: ``tanh(a)``, ``a*b``, ``-a``..."""
    if op_name in _INFIX and arity == 2:
        return "a^b" if op_name == "**" else f"a{op_name}b"
    if op_name == "neg":
        return "-a"
    if op_name == "abs":
        return "|a|"
    return f"{op_name}(a)" if arity == 1 else "out"


def _substitute(formula: str, op_name: str, values: Sequence[float], out: float) -> str:
    """The right-hand side of ``formula`` with the step's numbers put in, or "".

    ``d tanh(a)/da = 1 - tanh(a)^2`` with tanh(a) = 0.706419 gives ``1 - 0.706419^2``;
    a formula with no symbol on the right (``d(a+b)/da = 1``) gives "". A negative
    number gets parentheses where an operator would otherwise swallow its sign.
    """
    _, equals, rhs = formula.partition(" = ")
    if not equals:
        return ""
    numbers = {argument_name(i): format_number(v) for i, v in enumerate(values[:2])}
    out_symbol = _OUT_IN_FORMULA.get(op_name)
    pattern = r"\b[ab]\b" if out_symbol is None else rf"{re.escape(out_symbol)}|\b[ab]\b"

    def number(match: re.Match[str]) -> str:
        symbol = match.group(0)
        text = format_number(out) if symbol == out_symbol else numbers.get(symbol, symbol)
        before = match.string[: match.start()].rstrip()[-1:]
        after = match.string[match.end() :].lstrip()[:1]
        if text.startswith("-") and (before in ("*", "/", "^", "+", "-") or after == "^"):
            return f"({text})"
        return text

    result = re.sub(pattern, number, rhs)
    return "" if result == rhs else result


def _operand(x: Any) -> str:
    """A number that follows an operator: parenthesised when negative."""
    text = format_value(x)
    return f"({text})" if text.startswith("-") else text


def _summed_axes(full: tuple[int, ...], shape: tuple[int, ...]) -> list[int]:
    """The axes :func:`engine.sum_to_shape` sums over to take ``full`` back to ``shape``."""
    extra = len(full) - len(shape)
    return list(range(extra)) + [
        extra + i for i, size in enumerate(shape) if size == 1 and full[extra + i] != 1
    ]


# ----------------------------------------------------------------------------- the stepper


class Stepper:
    """Step forward and back through the backward pass from ``root``.

    ``gradient`` is the seed d output / d root: 1.0 for a Value, ones for a
    one-element Tensor; a larger Tensor needs it (as ``Tensor.backward``). ``names``
    maps nodes to the names to show (otherwise labels, or ``n3`` as in
    :func:`autograd_lite.viz.draw`); ``closed_forms`` maps nodes to a
    :class:`ClosedForm` shown at each step that reaches them (:meth:`for_mlp` fills
    both).

    Making a Stepper runs the engine's backward pass once, records its steps, and then
    puts the graph at the start of the pass: the root holds the seed, every other
    gradient is zero (see the module's docstring). ``with Stepper(root) as s:`` calls
    :meth:`close` at the end, which puts back the gradients held before.

    >>> from autograd_lite.value import Value
    >>> a = Value(3.0, label="a")
    >>> s = Stepper(a * a)
    >>> s.next().summary()
    'step 1 of 2: a.grad += 3.0 * 1.0 = 3.0  (path 1 of 2 into a)'
    >>> s.next().summary()
    'step 2 of 2: a.grad = 3.0 + 3.0 = 6.0  (second of 2 paths into a: their gradients add up)'
    >>> s.done, a.grad
    (True, 6.0)
    >>> s.back().number, a.grad
    (2, 3.0)
    """

    def __init__(
        self,
        root: Any,
        gradient: Any = None,
        *,
        names: Mapping[Any, str] | None = None,
        closed_forms: Mapping[Any, ClosedForm] | None = None,
    ) -> None:
        if not getattr(root, "requires_grad", True):
            raise ValueError(
                "cannot step through backward from a node that does not require a gradient "
                "(it was not computed from anything with requires_grad=True)"
            )
        self.root = root
        numbered, nodes = numbered_nodes(root)
        self.names = _Names(numbered, names or {})
        seed = _seed(root, gradient)
        self._saved: list[tuple[Any, Any]] = [(node, node.grad) for node in nodes]
        records: list[engine.Step] = []
        try:
            for node in nodes:
                if node.op is None:
                    _zero_grad(node)
            engine.backward(root, seed, observer=records.append)
        except BaseException:
            self._restore()
            raise
        self._records = tuple(records)
        self._root_grad = root.grad
        self._arrivals: dict[Any, list[int]] = {}
        for step in records:
            self._arrivals.setdefault(step.input, []).append(step.index)
        self._views = tuple(self._view(step, dict(closed_forms or {})) for step in records)
        self._position = 0
        self._closed = False
        self._show_start()

    def _view(self, step: engine.Step, closed_forms: dict[Any, ClosedForm]) -> StepView:
        arrivals = self._arrivals[step.input]
        names = self.names
        return StepView(
            step=step,
            total=len(self._records),
            arrival=arrivals.index(step.index) + 1,
            arrivals=len(arrivals),
            complete_at=arrivals[-1] + 1,
            node_name=names.name(step.node),
            node_text=names.text(step.node),
            input_name=names.name(step.input),
            input_text=names.text(step.input),
            upstream_of=names.grad_of(step.node),
            grad_of=names.grad_of(step.input),
            closed_form=closed_forms.get(step.input),
        )

    # -- where we are

    @property
    def steps(self) -> tuple[StepView, ...]:
        """Every step of the pass, in the engine's order (applied or not)."""
        return self._views

    @property
    def position(self) -> int:
        """How many steps are applied (0 at the start, ``len(self)`` at the end)."""
        return self._position

    @property
    def current(self) -> StepView | None:
        """The step applied last, or None at the start."""
        return self._views[self._position - 1] if self._position else None

    @property
    def done(self) -> bool:
        """True when every step is applied: every gradient is then what backward() gives."""
        return self._position == len(self._views)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def seed(self) -> Any:
        """The root's gradient throughout the pass: d output / d root."""
        return self._root_grad

    def __len__(self) -> int:
        return len(self._views)

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{self._position} of {len(self)} steps applied"
        return f"<Stepper {self.names.text(self.root)}: {state}>"

    # -- moving

    def next(self) -> StepView | None:
        """Apply the next step and return it (None when every step is applied)."""
        self._check_open()
        if self.done:
            return None
        view = self._views[self._position]
        view.step.input.grad = _copy(view.step.after)
        self._position += 1
        return view

    def back(self) -> StepView | None:
        """Undo the last applied step and return it (None at the start).

        The input's gradient goes back to what it held before that step.
        """
        self._check_open()
        if self._position == 0:
            return None
        self._position -= 1
        view = self._views[self._position]
        view.step.input.grad = _copy(view.step.before)
        return view

    def run(self) -> list[StepView]:
        """Apply every remaining step; return them."""
        applied = []
        while not self.done:
            view = self.next()
            assert view is not None
            applied.append(view)
        return applied

    def run_to(self, node: Any, *, first: bool = False) -> list[StepView]:
        """Apply steps until ``node`` has received all of its gradient; return them.

        With ``first=True``, stop at the first step that reaches ``node`` instead. Only
        moves forward: if that step is already applied, nothing changes. ``node`` is a
        node of the graph or its name (``"x"``, ``"n3"``, an MLP name such as
        ``"z^1_2"``). The root receives no step (it holds the seed from the start).
        """
        target = self.find(node) if isinstance(node, str) else node
        if target not in self.names.index:
            raise ValueError(f"run_to: {node!r} is not a node of this graph")
        arrivals = self._arrivals.get(target, [])
        applied: list[StepView] = []
        if not arrivals:
            return applied
        stop = (arrivals[0] if first else arrivals[-1]) + 1
        while self._position < stop:
            view = self.next()
            assert view is not None
            applied.append(view)
        return applied

    def reset(self) -> None:
        """Go back to the start of the pass (the seed at the root, zero elsewhere)."""
        self._check_open()
        self._show_start()

    def close(self) -> None:
        """Put back the gradients the graph held before this Stepper; stepping ends."""
        if not self._closed:
            self._restore()
            self._closed = True

    def __enter__(self) -> Stepper:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _show_start(self) -> None:
        for node, arrivals in self._arrivals.items():
            node.grad = _copy(self._records[arrivals[0]].before)
        self.root.grad = _copy(self._root_grad)
        self._position = 0

    def _restore(self) -> None:
        for node, grad in self._saved:
            node.grad = grad

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(
                "this Stepper is closed (its graph has its earlier gradients back); "
                "make a new one to step again"
            )

    # -- looking

    def find(self, name: str) -> Any:
        """The node called ``name`` (a custom name, a label, or ``n3``)."""
        matches = [node for node in self.names.order if self.names.given(node) == name]
        if not matches and re.fullmatch(r"n\d+", name):
            index = int(name[1:])
            if index < len(self.names.order):
                matches = [self.names.order[index]]
        if len(matches) != 1:
            known = ", ".join(sorted({self.names.name(n) for n in self.names.order}))
            problem = "no node" if not matches else f"{len(matches)} nodes"
            raise ValueError(f"{problem} called {name!r}; names: {known}")
        return matches[0]

    def gradients(self) -> list[tuple[str, Any]]:
        """``(name, grad)`` of every node that takes part, as the graph holds them now."""
        return [
            (self.names.text(node), node.grad)
            for node in self.names.order
            if node is self.root or node in self._arrivals
        ]

    def table(self) -> str:
        """Every step as a row of a text table; ``>`` marks the current step.

        Columns: the step's number, the node the gradient comes from, the input it goes
        to, the derivative rule, the local derivative (scalars), the upstream gradient,
        the contribution, and the input's gradient after the step (``path 2/2`` when the
        input receives gradient along several paths).
        """
        header = ("", "#", "from", "to", "rule", "local", "upstream", "contribution", "grad after")
        rows = [(*header, "")]
        for view in self._views:
            step = view.step
            local = view.local_derivative
            notes = []
            if view.arrivals > 1:
                notes.append(f"path {view.arrival}/{view.arrivals}")
            if step.summed_from is not None:
                notes.append(f"summed from {step.summed_from}")
            rows.append(
                (
                    ">" if view.number == self._position else "",
                    str(view.number),
                    _clip(view.node_text, 24),
                    _clip(view.input_text, 24),
                    _clip(step.formula, 40),
                    "-" if local is None else format_number(local),
                    _cell(step.upstream),
                    _cell(step.contribution),
                    _cell(step.after),
                    ", ".join(notes),
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        numeric = {1, 5, 6, 7, 8}
        lines = []
        for row in rows:
            cells = [
                cell.rjust(width) if i in numeric else cell.ljust(width)
                for i, (cell, width) in enumerate(zip(row, widths))
            ]
            lines.append("  ".join(cells).rstrip())
        where = f"{self._position} applied" + (
            ", > marks the current one" if self._position else ""
        )
        lines.append(f"{len(self)} steps, {where}")
        return "\n".join(lines)

    def draw(self, **options: Any) -> Any:
        """The graph as a ``graphviz.Digraph``, the current step highlighted.

        The input receiving gradient and the edge it travels on are highlighted (orange
        node, red edge); the input's box carries a note with the step's accumulation.
        Gradients are the ones of the current step. ``options`` go to
        :func:`autograd_lite.viz.draw`.
        """
        from . import viz  # the only module that imports graphviz, loaded when asked for

        labels = {node: self.names.name(node) for node in self.names.order}
        view = self.current
        if view is None:
            seed = format_value(self._root_grad)
            options.setdefault(
                "title", f"before step 1 of {len(self)}: the seed {seed} at the root"
            )
            return viz.draw(self.root, labels=labels, **options)
        notes = {view.step.input: f"step {view.number}: {_clip(view._accumulation(), 60)}"}
        options.setdefault("title", view.header())
        highlight = [view.step.input, view.step]
        return viz.draw(self.root, highlight=highlight, labels=labels, notes=notes, **options)

    # -- networks

    @classmethod
    def for_mlp(
        cls,
        model: Any,
        x: Any,
        y: Any,
        *,
        cost: str = "quadratic",
        activation: str | None = None,
        output_activation: str | None = None,
    ) -> Stepper:
        """Step through backpropagation of ``cost`` for ``model`` on one example (or a batch).

        The loss is built from ``model.trace(x)`` (the pre-activations ``z`` and
        activations ``a`` of each layer): ``cost="quadratic"`` is ``C = 1/2 sum_j (a^L_j
        - y_j)^2``, ``"mse"`` is ``sum_j (a^L_j - y_j)^2`` (averaged over the examples of
        a batch), as in :class:`autograd_lite.backprop.Network`. Nodes are named as in
        the literature: ``x_k``, ``w^l_jk``, ``b^l_j``, ``z^l_j``, ``a^l_j``, ``y_j``,
        ``C`` (layers from 1). Each step that reaches ``z^l_j`` shows
        ``delta^l_j = dC/dz^l_j`` and, once complete, the closed form from
        ``backprop.Network(model.get_weights(), ...).backprop_example(x, y)``: equation
        BP1 at the output layer, BP2 in hidden layers.

        A Value :class:`autograd_lite.nn.MLP` takes one example (``x`` a list of
        numbers); the activations are read from it. A Tensor network takes a batch
        (``x`` of shape ``(batch, n_in)``) and needs ``trace`` and ``get_weights``; its
        activations come from ``activation`` and ``output_activation`` (or the model's
        attributes of those names).

        >>> import numpy as np
        >>> from autograd_lite import nn
        >>> model = nn.MLP(2, [2, 1], activation="sigmoid", output_activation="sigmoid",
        ...                rng=np.random.default_rng(0))
        >>> s = Stepper.for_mlp(model, [0.5, -1.0], [0.2])
        >>> view = s.run_to("z^2_1")[-1]
        >>> abs(view.delta - view.closed_form.value) < 1e-12
        True
        """
        if cost not in _COSTS:
            raise ValueError(f"unknown cost {cost!r}; for_mlp knows {', '.join(_COSTS)}")
        if hasattr(x, "parents") or np.ndim(x) >= 2:
            return _tensor_mlp(cls, model, x, y, cost, activation, output_activation)
        return _value_mlp(cls, model, x, y, cost, activation, output_activation)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _seed(root: Any, gradient: Any) -> Any:
    """The seed as ``backward()`` would make it, with the same checks."""
    data = root.data
    if not isinstance(data, np.ndarray):
        return 1.0 if gradient is None else float(_plain(gradient))
    if gradient is None:
        if data.size != 1:
            raise ValueError(
                f"a Tensor of shape {data.shape} needs a gradient to step from: pass "
                f"gradient=<array of shape {data.shape}>, or reduce it to one number first"
            )
        return np.ones(data.shape, data.dtype)
    seed = np.array(_plain(gradient), dtype=data.dtype)
    if seed.shape != data.shape:
        raise ValueError(
            f"gradient of shape {seed.shape} does not match the root's shape {data.shape}"
        )
    return seed


# ----------------------------------------------------------------------------- networks


def _sub(*indices: int) -> str:
    """Subscripts as in w^2_13; with a comma when an index has two digits (w^2_12,3)."""
    separator = "," if any(i > 9 for i in indices) else ""
    return separator.join(str(i) for i in indices)


def _activation_name(neuron: Any) -> str:
    return str(getattr(neuron, "activation", "linear"))


def _value_mlp(
    cls: type[Stepper],
    model: Any,
    x: Any,
    y: Any,
    cost: str,
    activation: str | None,
    output_activation: str | None,
) -> Stepper:
    from . import backprop
    from .value import Value

    layers = list(model.layers)
    output = output_activation or _activation_name(layers[-1].neurons[0])
    hidden = activation or (_activation_name(layers[0].neurons[0]) if len(layers) > 1 else output)
    x_numbers = [float(_plain(v)) for v in np.ravel(np.asarray(x, dtype=object))]
    y_numbers = [float(_plain(v)) for v in np.ravel(np.asarray(y, dtype=object))]
    names: dict[Any, str] = {}
    inputs = [Value(v) for v in x_numbers]
    for k, v in enumerate(inputs, start=1):
        names[v] = f"x_{_sub(k)}"
    pairs = model.trace(inputs)
    outputs = list(pairs[-1][1])
    if len(y_numbers) != len(outputs):
        raise ValueError(f"y has {len(y_numbers)} targets, the network has {len(outputs)} outputs")
    targets = [Value(v) for v in y_numbers]
    for j, t in enumerate(targets, start=1):
        names[t] = f"y_{_sub(j)}"
    differences = [a - t for a, t in zip(outputs, targets)]
    squares = [d * d for d in differences]
    loss = sum(squares[1:], squares[0])
    if cost == "quadratic":
        loss = loss * 0.5
    names[loss] = "C"
    for l, layer in enumerate(layers, start=1):
        for j, neuron in enumerate(layer.neurons, start=1):
            for k, w in enumerate(neuron.w, start=1):
                names[w] = f"w^{l}_{_sub(j, k)}"
            names[neuron.b] = f"b^{l}_{_sub(j)}"
    for l, (zs, activations) in enumerate(pairs, start=1):
        for j, (z, a) in enumerate(zip(zs, activations), start=1):
            names[z] = f"z^{l}_{_sub(j)}"
            if a is not z:
                names[a] = f"a^{l}_{_sub(j)}"

    network = backprop.Network(
        model.get_weights(), activation=hidden, output_activation=output, cost=cost
    )
    closed = network.backprop_example(x_numbers, y_numbers)
    weights = network.weights
    last = len(layers)
    closed_forms: dict[Any, ClosedForm] = {}
    for l, (zs, _) in enumerate(pairs, start=1):
        name = output if l == last else hidden
        primes = backprop.activation_prime(name, closed.zs[l - 1])
        for j, z in enumerate(zs, start=1):
            i = j - 1
            delta = float(closed.deltas[l - 1][i])
            sigma = f"{name}'(z^{l}_{_sub(j)})"
            if l == last:
                a_j, y_j = closed.activations[l][i], y_numbers[i]
                twice = "2 " if cost == "mse" else ""
                formula = f"delta^{l}_{_sub(j)} = {twice}(a^{l}_{_sub(j)} - y_{_sub(j)}) * {sigma}"
                a_minus_y = f"{format_number(a_j)} - {format_number(y_j)}"
                numbers = f"{twice}({a_minus_y}) * {format_number(primes[i])}"
                equation = "BP1 (output layer): delta^L = grad_a C (.) sigma'(z^L)"
            else:
                pulled = float((weights[l][0].T @ closed.deltas[l])[i])
                w_kj = f"w^{l + 1}_k{',' if j > 9 else ''}{j}"
                formula = f"delta^{l}_{_sub(j)} = (sum_k {w_kj} delta^{l + 1}_k) * {sigma}"
                numbers = f"{format_number(pulled)} * {format_number(primes[i])}"
                equation = "BP2 (hidden layer): delta^l = ((W^(l+1))^T delta^(l+1)) (.) sigma'(z^l)"
            closed_forms[z] = ClosedForm(f"delta^{l}_{_sub(j)}", equation, formula, numbers, delta)
    return cls(loss, names=names, closed_forms=closed_forms)


def _tensor_mlp(
    cls: type[Stepper],
    model: Any,
    x: Any,
    y: Any,
    cost: str,
    activation: str | None,
    output_activation: str | None,
) -> Stepper:
    from . import backprop
    from .losses import NETWORK_COSTS
    from .tensor import Tensor

    hidden = activation or getattr(model, "activation", None)
    output = output_activation or getattr(model, "output_activation", None) or hidden
    if not isinstance(hidden, str) or not isinstance(output, str):
        raise ValueError(
            "for_mlp on a Tensor network needs its activations: pass activation=... and "
            "output_activation=... (names as in backprop.Network)"
        )
    inputs = x if hasattr(x, "parents") else Tensor(np.asarray(x, dtype=np.float64))
    target = y if hasattr(y, "parents") else Tensor(np.asarray(y, dtype=np.float64))
    names: dict[Any, str] = {inputs: "X", target: "Y"}
    pairs = model.trace(inputs)
    output_node = pairs[-1][1]
    if tuple(target.shape) != tuple(output_node.shape):
        raise ValueError(
            f"y has shape {tuple(target.shape)}, the network's output has shape "
            f"{tuple(output_node.shape)}"
        )
    loss = NETWORK_COSTS[cost](output_node, target)
    names[loss] = "C"
    previous = frozenset([inputs])
    for l, (z, a) in enumerate(pairs, start=1):
        for node in engine.topological_order(a, stop=previous):
            if node.op is None and node not in names and node.requires_grad:
                names[node] = f"{'W' if node.data.ndim == 2 else 'b'}^{l}"
        names[z] = f"z^{l}"
        if a is not z:
            names[a] = f"a^{l}"
        previous = frozenset([a])

    network = backprop.Network(
        model.get_weights(), activation=hidden, output_activation=output, cost=cost
    )
    closed = network.gradients(np.asarray(inputs.data), np.asarray(target.data))
    examples = output_node.shape[0] if len(output_node.shape) > 1 else 1
    last = len(pairs)
    closed_forms: dict[Any, ClosedForm] = {}
    for l, (z, _) in enumerate(pairs, start=1):
        name = output if l == last else hidden
        twice = "2 " if cost == "mse" else ""
        if l == last:
            equation = "BP1 (output layer, batch mean)"
            formula = f"delta^{l} = (1/n) {twice}(a^{l} - Y) (.) {name}'(z^{l})"
        else:
            equation = "BP2 (hidden layer)"
            formula = f"delta^{l} = (delta^{l + 1} W^{l + 1}) (.) {name}'(z^{l})  (rows: examples)"
        value = closed.deltas[l - 1]
        closed_forms[z] = ClosedForm(f"delta^{l}", equation, formula, f"n = {examples}", value)
    return cls(loss, names=names, closed_forms=closed_forms)
