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
step 1 of 5: from tanh(x*w + b) to x*w + b (argument 1 of tanh)
  rule      d tanh(x*w + b)/d(x*w + b) = 1 - tanh(x*w + b)^2
  at        x*w + b = 0.88, tanh(x*w + b) = 0.706419
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

For a multilayer perceptron, :meth:`Stepper.for_mlp` (or :meth:`Stepper.for_graph` on
a network from :func:`autograd_lite.naming.build_network`) builds the cost from
``model.trace(x)`` and shows, at each step that reaches a pre-activation node
``z^l_j``, the delta ``delta^l_j = dC/dz^l_j`` beside its closed form (equation BP1 at
the output layer, BP2 below it) from :class:`autograd_lite.backprop.Network`.

Nodes are named by :mod:`autograd_lite.naming`, as the pictures of
:mod:`autograd_lite.viz` name them; this module imports neither the renderer nor the
terminal loop (``autograd_lite.cli.step``), so :func:`step_texts` gives the browser
explorer the very text the terminal prints.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import numpy as np

from . import engine, naming
from .naming import ClosedForm, Names, format_number, numbered_nodes, plain

__all__ = [
    "ClosedForm",
    "QUIZ_ATOL",
    "QUIZ_KINDS",
    "QUIZ_RTOL",
    "NeuronStep",
    "StepView",
    "Stepper",
    "format_number",
    "format_value",
    "numbered_nodes",
    "step_texts",
]

#: Arrays with at most this many numbers are printed whole; larger ones are summarised.
MAX_SHOWN = 8
#: What a quiz asks for before each step: the contribution (what the step adds to the
#: input's gradient) or the local derivative d node / d input. The terminal's and the
#: page's quiz ask the same and judge the same: an answer is right when it is within
#: QUIZ_RTOL of the step's number (relative) or QUIZ_ATOL of it (for numbers near zero).
QUIZ_KINDS = ("contribution", "local")
QUIZ_RTOL = 1e-3
QUIZ_ATOL = 1e-4
# Ops whose derivative formula is written with the op's own output (d tanh(a)/da =
# 1 - tanh(a)^2): the rule uses ``out``, so the shown number is ``out``.
_OUT_IN_FORMULA = {"tanh": "tanh(a)", "sigmoid": "sigmoid(a)", "exp": "exp(a)", "**": "a^b"}
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
_COSTS = naming.COSTS
_ATOM = 9  # as naming: names and calls are never parenthesised


# ----------------------------------------------------------------------------- numbers as text


def _precise(x: Any) -> str:
    """A delta to twelve significant digits, so closed form and autodiff can be compared."""
    x = float(x)
    return str(x) if math.isnan(x) or math.isinf(x) else f"{x:.12g}"


_plain = plain


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
    """The symbols of the generic derivative formulas (``Op.formulas``): a, b, c..."""
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


# ----------------------------------------------------------------------------- one step


@dataclass(frozen=True)
class StepView:
    """One engine :class:`~autograd_lite.engine.Step` and what a person needs to read it.

    ``str(view)`` (and ``repr``, so a REPL prints it) shows the step: which node sends
    gradient to which input, the derivative rule written with the real operands
    (``d tanh(x*w + b)/d(x*w + b) = 1 - tanh(x*w + b)^2``), the numbers put into it, and
    the accumulation ``input.grad += local * upstream``; when the input already received
    gradient along another path, ``before + contribution = after`` and which path this
    is. ``view.explanation`` says it in one or two plain sentences.

    ``number`` counts the steps shown from 1 (steps into constants are not shown);
    ``arrival`` counts the gradients that have reached ``step.input`` so far in this pass
    (1 for the first), ``arrivals`` all that will; the input's gradient is complete
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
    operands: tuple[tuple[str, int], ...] = ()
    number: int = 0
    node_precedence: int = _ATOM

    @property
    def records(self) -> tuple[engine.Step, ...]:
        """The engine steps this view applies (one)."""
        return (self.step,)

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

    @property
    def rule(self) -> str:
        """The derivative rule with the step's own operands in place of ``a`` and ``b``."""
        node = (self.node_text, self.node_precedence)
        return _named_formula(self.step.formula, self.operands, node)

    # -- text

    def header(self) -> str:
        """``step 1 of 5: from tanh(x*w + b) to x*w + b (argument 1 of tanh)``."""
        return (
            f"step {self.number} of {self.total}: from {self.node_text} to "
            f"{self.input_text} (argument {self.step.position + 1} of {self.step.op.name})"
        )

    def lines(self, explain: bool = False) -> list[str]:
        """The step as lines of text (``explain=True`` adds the plain-words sentence)."""
        step = self.step
        lines = [self.header()]
        if step.formula:
            lines.append(f"  rule      {self.rule}")
        if self.is_array or _is_array_node(step.node):
            lines += self._array_lines()
        else:
            lines += self._scalar_lines()
        lines += self.closed_form_lines()
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

    def summary_lines(self) -> list[str]:
        """The summary, and the delta beside its closed form when the step completes one."""
        lines = [self.summary()]
        if self.closed_form is not None and self.complete:
            lines += self.closed_form_lines()
        return lines

    def _arguments(self) -> list[Any]:
        return [p.data for p in self.step.node.parents]

    def _scalar_lines(self) -> list[str]:
        step = self.step
        values = self._arguments()
        texts = [text for text, _ in self.operands] or [
            argument_name(i) for i in range(len(values))
        ]
        shown = [
            f"{text} = {format_number(v)}"
            for text, v in zip(texts, values)
            if text != f"{float(v):g}"  # a constant shows its number already
        ]
        shown.append(f"{self.node_text} = {format_number(step.node.data)}")
        lines = [f"  at        {', '.join(shown)}"]
        local = self.local_derivative
        if local is not None:
            substituted = _substitute(step.formula, step.op.name, values, step.node.data)
            rhs = self.rule.partition(" = ")[2]
            if substituted and substituted != format_number(local):
                lines.append(f"  local     {substituted} = {format_number(local)}")
            elif substituted and rhs != format_number(local):  # one symbol: d(w*x)/dx = w
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
        texts = [text for text, _ in self.operands] or [
            argument_name(i) for i in range(len(self._arguments()))
        ]
        shapes = [f"{text} {tuple(np.shape(v))}" for text, v in zip(texts, self._arguments())]
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

    def closed_form_lines(self) -> list[str]:
        """The delta of a pre-activation beside its closed form (BP1 or BP2), or []."""
        form = self.closed_form
        if form is None:
            return []
        symbol = f"{form.symbol} = dC/d{self.input_name}"
        if not self.complete:
            return [
                f"  delta     {symbol}: {format_value(self.step.after, _precise)} so far "
                f"(path {self.arrival} of {self.arrivals}; complete at step {self.complete_at})"
            ]
        return _closed_form_text(form, self.delta, symbol, self.grad_of)

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


def _closed_form_text(form: ClosedForm, autodiff: Any, symbol: str, grad_of: str) -> list[str]:
    with np.errstate(all="ignore"):
        gap = float(np.max(np.abs(np.asarray(autodiff) - np.asarray(form.value))))
    return [
        f"  delta     {symbol} = {format_value(autodiff, _precise)}  (autodiff: complete, "
        f"this is {grad_of})",
        f"  {form.equation}",
        f"            {form.formula}",
        f"              {form.worked(format_value(form.value, _precise))}  "
        f"(closed form; differs by {gap:.2g})",
    ]


@dataclass(frozen=True)
class NeuronStep:
    """The steps inside one neuron's ``z = b + sum_k w_k a_k``, shown as one step.

    With ``Stepper(..., collapse=True)`` the chain of partial sums and products of a
    neuron is folded into one step from ``z^l_j`` to its bias, weights and inputs, with
    the sum written out: ``b.grad += delta``, ``w_k.grad += a_k * delta`` (BP3, BP4) and
    ``a_k.grad += w_k * delta`` (what BP2 sums). ``views`` are the steps folded in.
    """

    views: tuple[StepView, ...]
    z_name: str
    delta: float
    number: int
    total: int
    sum_text: str
    closed_form: ClosedForm | None = None

    @property
    def records(self) -> tuple[engine.Step, ...]:
        return tuple(view.step for view in self.views)

    @property
    def step(self) -> engine.Step:
        """The last engine step folded in."""
        return self.views[-1].step

    @property
    def complete(self) -> bool:
        return True

    @property
    def second_path(self) -> bool:
        return False

    @property
    def local_derivative(self) -> float | None:
        return None

    @property
    def input_text(self) -> str:
        return self.views[-1].input_text

    @property
    def grad_of(self) -> str:
        return self.views[-1].grad_of

    def _leaf_views(self) -> list[StepView]:
        """The steps that end at a weight, the bias or an input (not at a partial sum)."""
        return [v for v in self.views if v.step.input.op is None or v.input_name[:1] == "a"]

    def header(self) -> str:
        return (
            f"step {self.number} of {self.total}: neuron {self.z_name} = {self.sum_text} "
            f"({len(self.views)} chain-rule steps in one)"
        )

    def lines(self, explain: bool = False) -> list[str]:
        delta = format_number(self.delta)
        lines = [self.header(), f"  delta     {self.z_name}.grad = {delta} arrives at the sum"]
        for view in self._leaf_views():
            step = view.step
            local = view.local_derivative
            factor = "" if local == 1.0 or local is None else f"{format_number(local)} * "
            kind = view.input_name[:2]
            why = {"b^": "BP3", "w^": "BP4"}.get(kind, "a term of BP2")
            path = "" if view.complete else f", path {view.arrival} of {view.arrivals}"
            lines.append(
                f"  {'sum rule' if view.second_path else 'chain':<9} {view.grad_of} "
                f"+= {factor}{_operand(step.upstream)} = {format_number(step.after)}"
                f"  ({why}{path})"
            )
        if explain:
            lines.append(
                "  in words  A sum passes its gradient unchanged to each term, and each term "
                "w*a sends w the gradient times a (BP4) and a the gradient times w (BP2); "
                "the bias gets the gradient itself (BP3)."
            )
        return lines

    def text(self, explain: bool = False) -> str:
        return "\n".join(self.lines(explain))

    def __str__(self) -> str:
        return self.text()

    def summary(self) -> str:
        return (
            f"step {self.number} of {self.total}: neuron {self.z_name}: delta "
            f"{format_number(self.delta)} to its bias, {len(self._leaf_views()) - 1} weights "
            "and inputs"
        )

    def summary_lines(self) -> list[str]:
        return [self.summary()]

    def closed_form_lines(self) -> list[str]:
        return []

    @property
    def explanation(self) -> str:
        return self.lines(explain=True)[-1].strip()[len("in words") :].strip()


def step_texts(
    root: Any,
    names: Mapping[Any, str] | None = None,
    closed_forms: Mapping[Any, ClosedForm] | None = None,
    *,
    constants: Sequence[Any] = (),
    explain: bool = False,
    collapse: bool = False,
) -> list[str]:
    """The text of every step of the backward pass from ``root``, exactly as the terminal
    stepper prints it (for the browser explorer and notebooks; the graph's gradients are
    left as they were).

    >>> from autograd_lite.parse import parse_expression
    >>> texts = step_texts(parse_expression("x*y", {"x": 2.0, "y": 3.0}))
    >>> print(texts[0])
    step 1 of 2: from x*y to x (argument 1 of *)
      rule      d(x*y)/d x = y
      at        x = 2.0, y = 3.0, x*y = 6.0
      local     y = 3.0
      upstream  (x*y).grad = 1.0
      chain     x.grad += 3.0 * 1.0 = 3.0
    """
    with Stepper(
        root, names=names, closed_forms=closed_forms, constants=constants, collapse=collapse
    ) as stepper:
        return [view.text(explain) for view in stepper.steps]


def _named_formula(
    formula: str, operands: Sequence[tuple[str, int]], node: tuple[str, int] | None = None
) -> str:
    """``d(a*b)/db = a`` with the operands' texts in place of ``a`` and ``b``, and the
    node's own name on the left: ``d(w^2_11*a^1_1)/d a^1_1 = w^2_11``.

    An operand that is more than one name gets parentheses where it needs them:
    ``d tanh(a)/da`` with ``a = x*w + b`` reads ``d tanh(x*w + b)/d(x*w + b)``.
    """
    if not operands or not formula:
        return formula
    texts = {argument_name(i): operand for i, operand in enumerate(operands)}
    lhs, equals, rhs = formula.partition(" = ")
    top, slash, variable = lhs.rpartition("/d")
    if not (equals and slash and variable in texts and top.startswith("d")):
        return formula
    text, precedence = texts[variable]
    left = f"d {text}" if precedence >= _ATOM - 1 else f"d({text})"
    if node is not None:
        name, own = node
        top = f"d {name}" if own >= _ATOM - 1 else f"d({name})"
    else:
        top = _put_operands(top, texts)

    return f"{top}/{left} = {_put_operands(rhs, texts)}"


def _put_operands(text: str, texts: Mapping[str, tuple[str, int]]) -> str:
    def replace(match: re.Match[str]) -> str:
        symbol = match.group(0)
        if symbol not in texts:
            return symbol
        body, precedence = texts[symbol]
        before = match.string[: match.start()].rstrip()[-1:]
        after = match.string[match.end() :].lstrip()[:1]
        alone = before in ("", "(", ",", "|") and after in ("", ")", ",", "|")
        if precedence >= _ATOM - 1 or alone:
            return body
        return f"({body})"

    return re.sub(r"\b[a-z]\b", replace, text)


def _out_symbol(op_name: str, arity: int) -> str:
    """How the formulas write the output: ``tanh(a)``, ``a*b``, ``-a``..."""
    if op_name in ("+", "-", "*", "/", "@", "**") and arity == 2:
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

Move = StepView | NeuronStep


class Stepper:
    """Step forward and back through the backward pass from ``root``.

    ``gradient`` is the seed d output / d root: 1.0 for a Value, ones for a
    one-element Tensor; a larger Tensor needs it (as ``Tensor.backward``). ``names``
    maps nodes to the names to show (otherwise labels, or the expression that computed
    the node, as :class:`autograd_lite.naming.Names` names them); ``closed_forms`` maps
    nodes to a :class:`ClosedForm` shown at each step that reaches them (:meth:`for_mlp`
    fills both). ``constants`` are nodes nobody needs the gradient of (a network's
    targets); like the numbers written into an expression (the ``3`` of ``x**3``) they
    get no step. ``collapse=True`` folds each neuron's ``b + sum_k w_k a_k`` chain into
    one step (:class:`NeuronStep`).

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
        constants: Sequence[Any] = (),
        collapse: bool = False,
    ) -> None:
        if not getattr(root, "requires_grad", True):
            raise ValueError(
                "cannot step through backward from a node that does not require a gradient "
                "(it was not computed from anything with requires_grad=True)"
            )
        self.root = root
        #: the network graph this Stepper was made from (:meth:`for_graph`), or None
        self.graph: naming.NetworkGraph | None = None
        self.names = Names(root, names or {}, constants=constants)
        nodes = self.names.base
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
        self._root_grad = root.grad
        # Steps into constants are the engine's too, but nobody needs their gradient.
        shown = [step for step in records if not self.names.is_constant(step.input)]
        self.hidden = len(records) - len(shown)
        self._records = tuple(shown)
        self._arrivals: dict[Any, list[int]] = {}
        for i, step in enumerate(shown):
            self._arrivals.setdefault(step.input, []).append(i)
        forms = dict(closed_forms or {})
        views = [self._view(i, step, forms, len(shown)) for i, step in enumerate(shown)]
        moves: list[Move] = list(views)
        if collapse:
            moves = _collapse(views, self.names, forms)
        self._views: tuple[Move, ...] = tuple(moves)
        self._position = 0
        self._closed = False
        self._show_start()

    def _view(
        self, index: int, step: engine.Step, closed_forms: dict[Any, ClosedForm], total: int
    ) -> StepView:
        arrivals = self._arrivals[step.input]
        names = self.names
        operands = tuple((names.text(p), names.precedence(p)) for p in step.node.parents)
        return StepView(
            step=step,
            total=total,
            arrival=arrivals.index(index) + 1,
            arrivals=len(arrivals),
            complete_at=arrivals[-1] + 1,
            node_name=names.name(step.node),
            node_text=names.text(step.node),
            input_name=names.name(step.input),
            input_text=names.text(step.input),
            upstream_of=names.grad_of(step.node),
            grad_of=names.grad_of(step.input),
            closed_form=closed_forms.get(step.input),
            operands=operands,
            number=index + 1,
            node_precedence=names.precedence(step.node),
        )

    # -- where we are

    @property
    def steps(self) -> tuple[Move, ...]:
        """Every step of the pass, in the engine's order (applied or not)."""
        return self._views

    @property
    def position(self) -> int:
        """How many steps are applied (0 at the start, ``len(self)`` at the end)."""
        return self._position

    @property
    def current(self) -> Move | None:
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

    def next(self) -> Move | None:
        """Apply the next step and return it (None when every step is applied)."""
        self._check_open()
        if self.done:
            return None
        view = self._views[self._position]
        for step in view.records:
            step.input.grad = _copy(step.after)
        self._position += 1
        return view

    def back(self) -> Move | None:
        """Undo the last applied step and return it (None at the start).

        The input's gradient goes back to what it held before that step.
        """
        self._check_open()
        if self._position == 0:
            return None
        self._position -= 1
        view = self._views[self._position]
        for step in reversed(view.records):
            step.input.grad = _copy(step.before)
        return view

    def run(self) -> list[Move]:
        """Apply every remaining step; return them."""
        applied = []
        while not self.done:
            view = self.next()
            assert view is not None
            applied.append(view)
        return applied

    def run_to(self, node: Any, *, first: bool = False) -> list[Move]:
        """Apply steps until ``node`` has received all of its gradient; return them.

        With ``first=True``, stop at the first step that reaches ``node`` instead. Only
        moves forward: if that step is already applied, nothing changes. ``node`` is a
        node of the graph or its name (``"x"``, ``"x*w + b"``, an MLP name such as
        ``"z^1_2"``). The root receives no step (it holds the seed from the start).
        """
        target = self.find(node) if isinstance(node, str) else node
        if target not in self.names.index:
            raise ValueError(f"run_to: {node!r} is not a node of this graph")
        arrivals = self._arrivals.get(target, [])
        applied: list[Move] = []
        if not arrivals:
            return applied
        wanted = self._records[arrivals[0] if first else arrivals[-1]]
        stop = next(i for i, view in enumerate(self._views) if wanted in view.records) + 1
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
        """The node called ``name``: any name the stepper prints, a label, or ``n3``."""
        return self.names.find(name)

    def closed_form_of(self, node: Any) -> ClosedForm | None:
        """The closed form shown for ``node`` (a pre-activation of a network), or None."""
        for view in self._views:
            for inner in getattr(view, "views", (view,)):
                if inner.step.input is node and inner.closed_form is not None:
                    form: ClosedForm = inner.closed_form
                    return form
        return None

    def gradients(self) -> list[tuple[str, Any]]:
        """``(name, grad)`` of every node that takes part, as the graph holds them now."""
        return [
            (self.names.text(node), node.grad)
            for node in self.names.order
            if node is self.root or node in self._arrivals
        ]

    def gradient_lines(self) -> list[str]:
        """Every gradient as it is now, one per line, with each delta's closed form
        (and whether the two agree) once the delta is complete."""
        gradients = self.gradients()
        width = max(len(name) for name, _ in gradients)
        lines = []
        for name, grad in gradients:
            line = f"  {name.ljust(width)}  grad {format_value(grad)}"
            node = self.find(name) if name in self.names.known() else None
            form = self.closed_form_of(node) if node is not None else None
            if form is not None:
                arrivals = self._arrivals.get(node, [])
                if arrivals and self._applied(arrivals[-1]):
                    with np.errstate(all="ignore"):
                        gap = float(np.max(np.abs(np.asarray(_plain(grad)) - form.value)))
                    line += (
                        f"  = {form.symbol}; closed form {form.equation.split(' (')[0]} "
                        f"{format_value(form.value, _precise)} (differs by {gap:.2g})"
                    )
                else:
                    line += f"  ({form.symbol} not complete yet)"
            lines.append(line)
        return lines

    def _applied(self, record_index: int) -> bool:
        record = self._records[record_index]
        return any(record in view.records for view in self._views[: self._position])

    def table(self) -> str:
        """Every step as a row of a text table; ``>`` marks the current step.

        Columns: the step's number, the node the gradient comes from, the input it goes
        to, the derivative rule, the local derivative (scalars), the upstream gradient,
        the contribution, the input's gradient after the step (``path 2/2`` when the
        input receives gradient along several paths), and the delta with its closed form
        at the step that completes a pre-activation.
        """
        header = (
            "",
            "#",
            "from",
            "to",
            "rule",
            "local",
            "upstream",
            "contribution",
            "grad after",
            "delta (closed form)",
        )
        rows = [(*header, "")]
        for move in self._views:
            views: tuple[StepView, ...] = move.views if isinstance(move, NeuronStep) else (move,)
            for view in views:
                step = view.step
                local = view.local_derivative
                notes = []
                if view.arrivals > 1:
                    notes.append(f"path {view.arrival}/{view.arrivals}")
                if step.summed_from is not None:
                    notes.append(f"summed from {step.summed_from}")
                delta = ""
                if view.closed_form is not None and view.complete:
                    delta = (
                        f"{_cell(view.step.after)} ({_cell(view.closed_form.value)} "
                        f"{view.closed_form.equation.split(' ')[0]})"
                    )
                rows.append(
                    (
                        ">" if move.number == self._position and view is views[-1] else "",
                        str(move.number),
                        _clip(view.node_text, 24),
                        _clip(view.input_text, 24),
                        _clip(view.rule, 40),
                        "-" if local is None else format_number(local),
                        _cell(step.upstream),
                        _cell(step.contribution),
                        _cell(step.after),
                        delta,
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
        count = len(self)
        where = f"{self._position} applied" + (
            ", > marks the current one" if self._position else ""
        )
        lines.append(f"{count} step{'' if count == 1 else 's'}, {where}")
        return "\n".join(lines)

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
        collapse: bool = False,
    ) -> Stepper:
        """Step through backpropagation of ``cost`` for ``model`` on one example (or a batch).

        The graph and its names come from :mod:`autograd_lite.naming`
        (:func:`~autograd_lite.naming.value_network_graph`, or
        :func:`~autograd_lite.naming.tensor_network_graph` for a batch): ``x_k``,
        ``w^l_jk``, ``b^l_j``, ``z^l_j``, ``a^l_j``, ``y_j``, ``C`` (layers from 1), and
        each neuron's partial sums ``z^l_j[k<=2]``. Each step that reaches ``z^l_j``
        shows ``delta^l_j = dC/dz^l_j`` and, once complete, its closed form from
        :class:`autograd_lite.backprop.Network`: BP1 at the output layer, BP2 (its sum of
        terms) in hidden layers. ``cost`` is one of quadratic, mse, cross_entropy,
        log_likelihood (the last with ``output_activation="softmax"``).

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
        # A Value MLP is made of neurons; anything else with ``trace`` (a Tensor network)
        # takes a batch, so one example becomes a batch of one.
        value_mlp = all(hasattr(layer, "neurons") for layer in getattr(model, "layers", [None]))
        if not value_mlp and not hasattr(x, "parents") and np.ndim(x) < 2:
            x = np.asarray(x, dtype=np.float64).reshape(1, -1)
            y = None if y is None else np.asarray(y, dtype=np.float64).reshape(1, -1)
        if hasattr(x, "parents") or np.ndim(x) >= 2:
            graph = naming.tensor_network_graph(
                model,
                x,
                y,
                cost=cost,
                activation=activation,
                output_activation=output_activation,
            )
            if not graph.closed_forms:
                raise ValueError(
                    "for_mlp on a Tensor network needs its activations: pass activation=... "
                    "and output_activation=... (names as in backprop.Network)"
                )
        else:
            graph = naming.value_network_graph(
                model,
                x,
                y,
                cost=cost,
                activation=activation,
                output_activation=output_activation,
            )
        return cls.for_graph(graph, collapse=collapse)

    @classmethod
    def for_graph(cls, graph: naming.NetworkGraph, *, collapse: bool = False) -> Stepper:
        """A Stepper through a named network graph (``naming.build_network(...).graph``)."""
        stepper = cls(
            graph.root,
            names=graph.names,
            closed_forms=graph.closed_forms,
            constants=graph.constants,
            collapse=collapse,
        )
        stepper.graph = graph
        return stepper


def _collapse(views: list[StepView], names: Names, forms: dict[Any, ClosedForm]) -> list[Move]:
    """Fold the steps inside each neuron's sum (from ``z^l_j`` down to its bias, weights
    and inputs, through the partial sums and products) into one :class:`NeuronStep`."""
    owner: dict[Any, Any] = {}  # interior node of a neuron's sum -> its z
    for node in names.order:
        name = names.given(node)
        if re.fullmatch(r"z\^\d+_[\d,]+", name):
            stack = [node]
            while stack:
                inner = stack.pop()
                owner[inner] = node
                for parent in inner.parents:
                    if (
                        parent.op is not None
                        and parent.op.name in ("+", "*")
                        and not (
                            names.given(parent) and not names.given(parent).startswith(name + "[")
                        )
                    ):
                        stack.append(parent)
    # The engine reaches a neuron's terms in its own order, possibly with other steps in
    # between. A neuron's steps move together to its first one when no step in between
    # touches the same inputs (so every replayed before/after stays exact); otherwise
    # each unbroken run of them is one step.
    positions: dict[Any, list[int]] = {}
    for i, view in enumerate(views):
        z = owner.get(view.step.node)
        if z is not None:
            positions.setdefault(z, []).append(i)
    movable = set()
    for z, indices in positions.items():
        members = set(indices)
        inputs = {views[i].step.input for i in indices}
        between = range(indices[0], indices[-1] + 1)
        if all(views[k].step.input not in inputs for k in between if k not in members):
            movable.add(z)
    moves: list[Move] = []
    groups: list[list[StepView]] = []
    placed: set[Any] = set()
    for view in views:
        z = owner.get(view.step.node)
        if z in movable:
            if z not in placed:
                placed.add(z)
                groups.append([views[k] for k in positions[z]])
        elif z is not None and groups and owner.get(groups[-1][-1].step.node) is z:
            groups[-1].append(view)
        else:
            groups.append([view])
    total = len(groups)
    for number, group in enumerate(groups, start=1):
        z = owner.get(group[0].step.node)
        if z is None or len(group) == 1:
            view = group[0]
            moves.append(dataclasses.replace(view, number=number, total=total))
            continue
        terms = [names.text(p) for p in _sum_terms(z)]
        inner = tuple(dataclasses.replace(v, number=number, total=total) for v in group)
        moves.append(
            NeuronStep(
                views=inner,
                z_name=names.name(z),
                delta=float(_plain(group[0].step.upstream)),
                number=number,
                total=total,
                sum_text=" + ".join(terms),
                closed_form=forms.get(z),
            )
        )
    return moves


def _sum_terms(z: Any) -> list[Any]:
    """The terms of ``b + w_1 a_1 + ... + w_n a_n``, bias first."""
    terms = []
    node = z
    while node.op is not None and node.op.name == "+" and len(node.parents) == 2:
        terms.append(node.parents[1])
        node = node.parents[0]
    terms.append(node)
    return list(reversed(terms))


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
