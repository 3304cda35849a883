"""The backward pass as one self-contained web page: step through it in a browser.

:func:`page` turns a :class:`~autograd_lite.stepper.Stepper` (the engine's own
:class:`~autograd_lite.engine.Step` records of one backward pass) and the SVG picture
of its graph into one HTML file that needs nothing else: the script
(``explorer.js``, kept beside this module), the styles (``explorer.css``) and the
picture are put inside it, so it works from ``file://``, offline and as an e-mail
attachment. :class:`Explorer` wraps a page for Jupyter (``_repr_html_``) and saves it.
Most people call :func:`autograd_lite.viz.explorer`, which draws the graph (the
renderer is the only module that imports Graphviz) and asks :func:`stepper_for` here for
the Stepper; this module imports neither the renderer nor Graphviz.

Everything the page shows comes from Python: each step's gradients before and after
(as the engine recorded them), the stepper's text for it, the numbers of the closed
form. The script only chooses which of these to show, so the page cannot disagree with
``backward()``. All of it travels as JSON in a ``<script type="application/json">``
element with ``<``, ``>`` and ``&`` escaped, and the script puts text on the page with
``textContent`` only, so a label such as ``<img src=x onerror=alert(1)>`` is shown as
those characters and never runs; the page's content security policy lets only its own
script run (by its hash) and fetch nothing.

The picture is never changed after the page loads: a large SVG is repainted whole when
one of its texts changes, which made a step on a graph of 1,000 values take hundreds of
milliseconds. Each node's data and grad fields are HTML text laid over the picture, and
the step's arrow and outlines are drawn on a transparent overlay, so a step redraws a
few small things (see ``benchmarks/bench_explorer.py``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .files import atomic_write
from .naming import Example, NetworkGraph
from .stepper import (
    QUIZ_ATOL,
    QUIZ_KINDS,
    QUIZ_RTOL,
    Stepper,
    StepView,
    argument_name,
    format_number,
    format_value,
)

__all__ = ["Explorer", "is_stepper", "network_roles", "page", "stepper_for", "summary_blocks"]

# Arrays with more numbers than this travel as text only (their summary), not as numbers.
_MAX_NUMBERS = 64


# ----------------------------------------------------------------------------- the adapter
# What the page takes from the stepper, in one place: the names of nodes (made by
# autograd_lite.naming, as in the terminal and the pictures), the text of a step (the
# terminal's), and the roles of a network's nodes (read from the literature's names that
# naming gives them: w^l_jk, b^l_j, z^l_j, a^l_j, x_k, y_j, C).


def _node_name(stepper: Stepper, node: Any) -> str:
    return stepper.names.name(node)


def _node_text(stepper: Stepper, node: Any) -> str:
    return stepper.names.text(node)


def _step_text(view: StepView) -> str:
    """Exactly what the terminal stepper prints for this step."""
    return view.text()


_ROLE = re.compile(r"^(w|b|z|a)\^(\d+)_([\d,]+)$|^(x|y)_([\d,]+)$|^(C)$")
# A Tensor network's nodes are whole layers: W^l, b^l, z^l, a^l, the batch X, targets Y.
_LAYER_ROLE = re.compile(r"^(W|b|z|a)\^(\d+)$|^(X|Y)$")


def _indices(text: str, count: int) -> list[int] | None:
    """``"12"`` -> [1, 2] (one digit each), ``"12,3"`` -> [12, 3]; None if not ``count``."""
    parts = text.split(",") if "," in text else list(text)
    if len(parts) != count or not all(p.isdigit() for p in parts):
        return None
    return [int(p) for p in parts]


def network_roles(stepper: Stepper) -> dict[Any, dict[str, Any]] | None:
    """What each node of a network's graph is, read from the names the stepper shows.

    Returns ``{node: {"role": ..., "layer": l, "neuron": j, "from": k}}`` with roles
    ``w``, ``b``, ``z``, ``a``, ``x``, ``y``, ``C``, ``sum`` (a product or partial sum of
    neuron ``j`` of layer ``l``) and ``cost`` (a node of the cost), or None when the
    graph is not a network named as :meth:`Stepper.for_mlp` names it.
    """
    names = stepper.names
    roles: dict[Any, dict[str, Any]] = {}
    for node in names.order:
        layer_match = _LAYER_ROLE.match(names.given(node))
        if layer_match is not None:  # a Tensor network: one role per layer, neuron None
            if layer_match.group(1):
                kind = layer_match.group(1).lower()
                layer = int(layer_match.group(2))
                roles[node] = {"role": kind, "layer": layer, "neuron": None, "whole": True}
            else:
                kind = layer_match.group(3).lower()
                roles[node] = {"role": kind, "neuron": None, "whole": True}
            continue
        match = _ROLE.match(names.given(node))
        if match is None:
            continue
        if match.group(1):
            kind, layer = match.group(1), int(match.group(2))
            numbers = _indices(match.group(3), 2 if kind == "w" else 1)
            if numbers is None:
                continue
            role = {"role": kind, "layer": layer, "neuron": numbers[0]}
            if kind == "w":
                role["from"] = numbers[1]
            roles[node] = role
        elif match.group(4):
            numbers = _indices(match.group(5), 1)
            if numbers is not None:
                roles[node] = {"role": match.group(4), "neuron": numbers[0]}
        else:
            roles[node] = {"role": "C"}
    if not any(r["role"] == "z" for r in roles.values()) or stepper.root not in roles:
        return None
    # The products and partial sums of neuron j of layer l lie between z^l_j and the
    # named nodes it is computed from; the nodes between the outputs and C make the cost.
    for node, role in list(roles.items()):
        if role["role"] != "z":
            continue
        stack = list(node.parents)
        while stack:
            parent = stack.pop()
            if parent in roles:
                continue
            roles[parent] = {"role": "sum", "layer": role["layer"], "neuron": role["neuron"]}
            stack.extend(parent.parents)
    for node in names.order:
        roles.setdefault(node, {"role": "cost"})
    return roles


def is_stepper(subject: Any) -> bool:
    return isinstance(subject, Stepper)


def stepper_for(
    subject: Any,
    x: Any = None,
    y: Any = None,
    *,
    cost: str = "quadratic",
    activation: str | None = None,
    output_activation: str | None = None,
    gradient: Any = None,
    constants: Iterable[Any] = (),
    title: str | None = None,
) -> tuple[Stepper, bool, str | None]:
    """The Stepper a page shows for ``subject`` (see :func:`autograd_lite.viz.explorer`),
    whether the page made it (and must close it), and the page's title.

    ``subject`` is a Stepper (handed over as it is), a network described by
    :func:`autograd_lite.naming.build_network` (or its graph), a network with an example
    ``x`` and target ``y``, or a ``Value`` / ``Tensor`` root.
    """
    if isinstance(subject, Stepper):
        return subject, False, title
    if isinstance(subject, (Example, NetworkGraph)):
        network = subject.graph if isinstance(subject, Example) else subject
        if title is None and isinstance(subject, Example):
            title = f"{subject.describe()} = {format_number(network.root.data)}"
        return Stepper.for_graph(network), True, title
    if hasattr(subject, "trace") and hasattr(subject, "get_weights"):
        if x is None or y is None:
            raise ValueError("explorer on a network needs an example x and a target y")
        stepper = Stepper.for_mlp(
            subject, x, y, cost=cost, activation=activation, output_activation=output_activation
        )
        if title is None and stepper.graph is not None:
            title = f"{stepper.graph.title} = {format_number(np.sum(stepper.root.data))}"
        return stepper, True, title
    return Stepper(subject, gradient, constants=list(constants)), True, title


# ----------------------------------------------------------------------------- numbers


def _number(x: Any) -> Any:
    """A number for JSON: floats as they are (JSON keeps every bit), inf and nan as text,
    small arrays as nested lists, large ones as None (shown by their summary)."""
    if x is None:
        return None
    if hasattr(x, "data") and hasattr(x, "parents"):
        x = x.data
    if isinstance(x, np.ndarray):
        if x.size > _MAX_NUMBERS:
            return None
        return [_number(v) for v in x.tolist()] if x.ndim else _number(x.item())
    if isinstance(x, list):
        return [_number(v) for v in x]
    value = float(x)
    return value if math.isfinite(value) else str(value)


def _short(x: Any) -> str | None:
    """What the picture shows of an array (its norm), where the whole would not fit; None
    for numbers, shown whole."""
    if hasattr(x, "data") and hasattr(x, "parents"):
        x = x.data
    if not isinstance(x, np.ndarray) or x.size <= 1:
        return None
    with np.errstate(all="ignore"):
        norm = float(np.linalg.norm(x.ravel().astype(np.float64)))
    return f"{x.shape} norm {format_number(norm)}"


def _add_short(record: dict[str, Any], **values: Any) -> None:
    """Add the picture's short forms of arrays (only arrays have one: it keeps pages of
    scalar graphs small)."""
    for key, value in values.items():
        short = _short(value)
        if short is not None:
            record[key] = short


def _scalar(x: Any) -> float | None:
    if x is None:
        return None
    if hasattr(x, "data") and hasattr(x, "parents"):
        x = x.data
    if isinstance(x, np.ndarray):
        return float(x.item()) if x.size == 1 else None
    return float(x)


# ----------------------------------------------------------------------------- page data


def _forward_text(stepper: Stepper, node: Any, number: int, total: int) -> str:
    """``forward 2 of 3: x*w + b = -6.0 + 6.88 = 0.88`` (the op's inputs, then its value)."""
    name = _node_text(stepper, node)
    inputs = ", ".join(
        f"{argument_name(i)} = {format_value(p.data)}" for i, p in enumerate(node.parents)
    )
    return (
        f"forward {number} of {total}: {name}\n"
        f"  op        {node.op.name}\n"
        f"  inputs    {inputs}\n"
        f"  value     {name} = {format_value(node.data)}"
    )


def _bp_of(view: StepView, roles: Mapping[Any, dict[str, Any]], last: int) -> str | None:
    """Which of BP1-BP4 the step is part of (None for the cost's inner steps and sums)."""
    role = roles.get(view.step.input, {})
    kind = role.get("role")
    if kind == "z":
        return "BP1" if role["layer"] == last else "BP2"
    if kind == "a":
        return "BP1" if role["layer"] == last else "BP2"
    if kind == "b":
        return "BP3"
    if kind == "w":
        return "BP4"
    return None


class _Network:
    """The four equations with the numbers of one network: the δ of each neuron in
    closed form (from the stepper's :class:`ClosedForm` records), and BP3/BP4 from them."""

    def __init__(self, stepper: Stepper, roles: dict[Any, dict[str, Any]]) -> None:
        self.roles = roles
        self.last = max(r.get("layer", 0) for r in roles.values())
        self.forms: dict[tuple[int, int | None], Any] = {}
        self.z: dict[tuple[int, int | None], Any] = {}
        self.a: dict[tuple[int, int | None], Any] = {}
        for node, role in roles.items():
            if role["role"] == "z":
                self.z[(role["layer"], role["neuron"])] = node
            elif role["role"] == "a":
                self.a[(role["layer"], role["neuron"])] = node
            elif role["role"] == "x":
                self.a[(0, role["neuron"])] = node
        for view in _single_steps(stepper):
            form = view.closed_form
            role = roles.get(view.step.input, {})
            if form is not None and role.get("role") == "z":
                self.forms[(role["layer"], role["neuron"])] = form

    def _activation_node(self, layer: int, neuron: int | None) -> Any:
        # A layer without activation node (linear) feeds its z onwards.
        return self.a.get((layer, neuron), self.z.get((layer, neuron)))

    def delta(self, layer: int, neuron: int) -> float | None:
        form = self.forms.get((layer, neuron))
        return None if form is None else _scalar(form.value)

    def record(self, node: Any) -> dict[str, Any] | None:
        """The closed-form lines shown in a node's record (δ, BP1/BP2, BP3, BP4)."""
        role = self.roles.get(node, {})
        kind = role.get("role")
        if kind == "z":
            form = self.forms.get((role["layer"], role["neuron"]))
            if form is None:
                return None
            z = f"z^{role['layer']}" + ("" if role.get("whole") else f"_{role['neuron']}")
            return {
                "equation": form.equation.split(" ")[0],
                "lines": [
                    f"{form.symbol} = dC/d{z}",
                    form.equation,
                    form.formula,
                    f"  {form.worked(format_value(form.value))}  (closed form)",
                ],
                "value": _number(form.value),
            }
        if kind in ("b", "w"):
            return self._parameter(role)
        return None

    def _layer_parameter(self, role: dict[str, Any]) -> dict[str, Any] | None:
        """BP3 and BP4 for a whole layer of a Tensor network, summed over the batch (the
        deltas of BP1 already carry the batch mean's 1/n)."""
        layer = role["layer"]
        form = self.forms.get((layer, None))
        if form is None:
            return None
        delta = np.asarray(form.value, dtype=np.float64)
        if role["role"] == "b":
            value = delta.sum(axis=0)
            return {
                "equation": "BP3",
                "lines": [
                    "BP3: dC/db^l = delta^l, summed over the batch",
                    f"dC/db^{layer} = sum over rows of delta^{layer} = {format_value(value)}  "
                    "(closed form)",
                ],
                "value": _number(value),
            }
        source = self._activation_node(layer - 1, None)
        if source is None:
            return None
        value = delta.T @ np.asarray(source.data, dtype=np.float64)
        symbol = "X" if layer == 1 else f"a^{layer - 1}"
        return {
            "equation": "BP4",
            "lines": [
                "BP4: dC/dW^l = (delta^l)^T a^(l-1), summed over the batch",
                f"dC/dW^{layer} = (delta^{layer})^T {symbol} = {format_value(value)}  "
                "(closed form)",
            ],
            "value": _number(value),
        }

    def _parameter(self, role: dict[str, Any]) -> dict[str, Any] | None:
        if role.get("whole"):
            return self._layer_parameter(role)
        layer, j = role["layer"], role["neuron"]
        delta = self.delta(layer, j)
        if delta is None:
            return None
        d = f"delta^{layer}_{j}"
        if role["role"] == "b":
            return {
                "equation": "BP3",
                "lines": [
                    "BP3: dC/db^l_j = delta^l_j",
                    f"dC/db^{layer}_{j} = {d} = {format_number(delta)}  (closed form)",
                ],
                "value": delta,
            }
        k = role["from"]
        source = self._activation_node(layer - 1, k)
        if source is None:
            return None
        a = float(source.data)
        symbol = f"x_{k}" if layer == 1 else f"a^{layer - 1}_{k}"
        return {
            "equation": "BP4",
            "lines": [
                "BP4: dC/dw^l_jk = a^(l-1)_k delta^l_j",
                f"dC/dw^{layer}_{j}{',' if max(j, k) > 9 else ''}{k} = {symbol} * {d} = "
                f"{format_number(a)} * {format_number(delta)} = {format_number(a * delta)}  "
                "(closed form)",
            ],
            "value": a * delta,
        }

    def at_work(self, view: StepView) -> dict[str, Any] | None:
        """The equation the step belongs to and its numbers, for the equations panel."""
        equation = _bp_of(view, self.roles, self.last)
        if equation is None:
            return None
        role = self.roles[view.step.input]
        layer, j = role["layer"], role["neuron"]
        # names of this layer's delta and activation: delta^2_1 and a^2_1, or delta^2, a^2
        index = "" if role.get("whole") else f"_{j}"
        if equation in ("BP3", "BP4"):
            record = self._parameter(role)
            numbers = record["lines"][1] if record else ""
            return {"equation": equation, "numbers": numbers}
        if role["role"] == "z":
            form = self.forms.get((layer, j))
            if form is None or not view.complete:
                so_far = f"{format_value(view.step.after)} so far"
                return {
                    "equation": equation,
                    "numbers": f"delta^{layer}{index}: {so_far} (path {view.arrival} of "
                    f"{view.arrivals}; complete at step {view.complete_at})",
                }
            return {
                "equation": equation,
                "numbers": f"{form.formula}\n  {form.worked(format_value(form.value))}"
                f"  (closed form); autodiff gives {format_value(view.step.after)}",
            }
        # An activation a^l_j receiving gradient: the output's ∇_a C (BP1) or one term
        # w^(l+1)_kj delta^(l+1)_k of the sum in BP2.
        if equation == "BP1":
            return {
                "equation": "BP1",
                "numbers": f"dC/da^{layer}{index} (the factor grad_a C of BP1) += "
                f"{format_value(view.step.contribution)}, now {format_value(view.step.after)}",
            }
        if role.get("whole"):  # a^l gets the whole first factor of BP2 in one step
            return {
                "equation": "BP2",
                "numbers": f"dC/da^{layer} = delta^{layer + 1} W^{layer + 1} (the factor "
                f"(W^(l+1))^T delta^(l+1) of BP2, one row per example) += "
                f"{format_value(view.step.contribution)}, now {format_value(view.step.after)}",
            }
        return {
            "equation": "BP2",
            "numbers": f"one term of sum_k w^{layer + 1}_kj delta^{layer + 1}_k for "
            f"a^{layer}_{j}: += {format_value(view.step.contribution)} (path {view.arrival} "
            f"of {view.arrivals}), now {format_value(view.step.after)}",
        }


def _single_steps(stepper: Stepper) -> list[StepView]:
    views = [move for move in stepper.steps if isinstance(move, StepView)]
    if len(views) != len(stepper.steps):
        raise ValueError(
            "the explorer shows one chain-rule step at a time: make the Stepper without "
            "collapse=True"
        )
    return views


def _data(
    stepper: Stepper,
    *,
    title: str,
    blocks: Mapping[Any, str] | None,
    position: int | None,
    quiz: str | None = None,
) -> dict[str, Any]:
    order = stepper.names.order
    index = {node: i for i, node in enumerate(order)}
    roles = network_roles(stepper)
    network = _Network(stepper, roles) if roles is not None else None
    views = _single_steps(stepper)
    taking_part = {view.step.input for view in views} | {stepper.root}
    first_before: dict[Any, Any] = {}
    last_after: dict[Any, Any] = {}
    for view in views:
        first_before.setdefault(view.step.input, view.step.before)
        last_after[view.step.input] = view.step.after
    forward = [node for node in order if node.op is not None and node.parents]

    nodes = []
    for node in order:
        start = stepper.seed if node is stepper.root else first_before.get(node)
        final = last_after.get(node, start)
        op = node.op
        record: dict[str, Any] = {
            "name": _node_name(stepper, node),
            "text": _node_text(stepper, node),
            "op": op.name if op is not None and node.parents else None,
            "rules": list(op.formulas) if op is not None and node.parents else [],
            "words": op.explanation if op is not None and node.parents else "",
            "inputs": [index[p] for p in node.parents] if op is not None else [],
            "data": format_value(node.data),
            "data_x": _number(node.data),
            "grad0": format_value(start) if node in taking_part else "none (not needed)",
            "grad0_x": _number(start),
            "final": format_value(final),
            "final_x": _number(final),
            "root": node is stepper.root,
            "takes_part": node in taking_part,
        }
        if isinstance(node.data, np.ndarray):
            record["shape"] = list(node.data.shape)
            _add_short(record, data_short=node.data, grad0_short=start)
        if roles is not None:
            record["role"] = roles[node]
        if network is not None:
            record["closed"] = network.record(node)
        if blocks is not None:
            record["block"] = blocks.get(node, "")
        nodes.append(record)

    steps = []
    for view in views:
        step = view.step
        local = view.local_derivative
        record = {
            "node": index[step.node],
            "input": index[step.input],
            "pos": step.position,
            "before": format_value(step.before),
            "after": format_value(step.after),
            "after_x": _number(step.after),
            "before_x": _number(step.before),
            "contribution": format_value(step.contribution),
            "contribution_x": _number(step.contribution),
            "local": None if local is None else format_number(local),
            "local_x": None if local is None else _number(local),
            "upstream": format_value(step.upstream),
            "text": _step_text(view),
            "summary": view.summary(),
            "words": view.explanation,
            "grad_of": view.grad_of,
            "bp": network.at_work(view) if network is not None else None,
        }
        _add_short(
            record,
            before_short=step.before,
            after_short=step.after,
            contribution_short=step.contribution,
        )
        steps.append(record)

    root_text = _node_text(stepper, stepper.root)
    count = len(views)
    return {
        "title": title,
        "root": index[stepper.root],
        "seed": format_value(stepper.seed),
        "nodes": nodes,
        "forward": [index[node] for node in forward],
        "forward_text": [
            _forward_text(stepper, node, k, len(forward)) for k, node in enumerate(forward, 1)
        ],
        "steps": steps,
        "start_text": (
            f"backward pass of {root_text} = {format_value(stepper.root.data)}\n"
            f"{count} step{'' if count == 1 else 's'}; at the start "
            f"{stepper.names.grad_of(stepper.root)} = {format_value(stepper.seed)} (the seed, "
            "d output/d output) and every other gradient is zero"
        ),
        "network": network is not None,
        "summary": blocks is not None,
        "position": 0 if position is None else len(forward) + position,
        # the quiz asks and judges as the terminal's (`step --quiz`)
        "quiz": {"kind": quiz, "rtol": QUIZ_RTOL, "atol": QUIZ_ATOL},
    }


# ----------------------------------------------------------------------------- the SVG


_SVG_START = re.compile(r"<svg\b")
_GROUP = re.compile(
    r'<g id="(?:node|edge)\d+" class="(node|edge)">\s*<title>([^<]*)</title>', re.MULTILINE
)
_NODE_NAME = re.compile(r"n(\d+)(_op)?$")
_BLOCK_NAME = re.compile(r"b(\d+)$")


def _address_svg(svg: str) -> str:
    """Graphviz's SVG with an id on every node, operation, edge and block.

    Graphviz numbers its groups ``node1``, ``edge3`` in its own order; the names the
    renderer gave (``n4``, ``n4_op``, edges ``n0->n4_op``, summary boxes ``b2``) are in
    each group's ``<title>``. The page needs ids it can compute: ``v4`` (the value n4),
    ``o4`` (its operation), ``e4-2-0`` (the first edge from n2 into n4's operation),
    ``r4`` (from the operation to n4), ``k2`` (box b2), ``k0-2`` (between boxes). Two
    edges from the same node into one operation (``x * x``) are numbered in order.
    The XML prologue is dropped: the SVG goes inside HTML.
    """
    start = _SVG_START.search(svg)
    svg = svg[start.start() :] if start else svg
    seen: dict[tuple[str, str], int] = {}

    def identify(match: re.Match[str]) -> str:
        kind, title = match.group(1), html.unescape(match.group(2))
        new_id = None
        if kind == "node":
            named = _NODE_NAME.match(title)
            block = _BLOCK_NAME.match(title)
            if named:
                new_id = ("o" if named.group(2) else "v") + named.group(1)
            elif block:
                new_id = "k" + block.group(1)
        else:
            tail, _, head = title.partition("->")
            tail_name, head_name = _NODE_NAME.match(tail), _NODE_NAME.match(head)
            tail_block, head_block = _BLOCK_NAME.match(tail), _BLOCK_NAME.match(head)
            if tail_name and head_name and head_name.group(2) and not tail_name.group(2):
                count = seen.get((tail, head), 0)
                seen[(tail, head)] = count + 1
                new_id = f"e{head_name.group(1)}-{tail_name.group(1)}-{count}"
            elif tail_name and head_name and tail_name.group(2) and not head_name.group(2):
                new_id = f"r{head_name.group(1)}"
            elif tail_block and head_block:
                new_id = f"k{tail_block.group(1)}-{head_block.group(1)}"
        if new_id is None:
            return match.group(0)
        return (
            f'<g id="{new_id}" class="{kind}" data-title="{html.escape(title)}">'
            f"\n<title>{match.group(2)}</title>"
        )

    return _GROUP.sub(identify, svg)


_BLOCK_GROUP = re.compile(
    r'<g id="(k\d+)" class="node"[^>]*>\s*<title>[^<]*</title>.*?<text[^>]*>([^<]*)</text>',
    re.DOTALL,
)


def summary_blocks(svg: str, groups: Mapping[Any, Any]) -> dict[Any, str]:
    """The id of the box (``k2``) that stands for each node in a summary drawing.

    ``groups`` is the grouping the drawing was made with; a box's first line is the name
    of its (outermost) group.
    """
    by_name = {
        html.unescape(name): block for block, name in _BLOCK_GROUP.findall(_address_svg(svg))
    }
    blocks = {}
    for node, group in groups.items():
        name = group if isinstance(group, str) else group[0]
        if name in by_name:
            blocks[node] = by_name[name]
    return blocks


# ----------------------------------------------------------------------------- the page


def _asset(name: str) -> str:
    return resources.files("autograd_lite").joinpath(name).read_text(encoding="utf-8")


def _json_for_script(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``</script>``, no ``<!--``."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def page(
    stepper: Stepper,
    svg: str,
    *,
    title: str | None = None,
    blocks: Mapping[Any, str] | None = None,
    position: int | None = None,
    quiz: str | None = None,
) -> str:
    """One self-contained HTML page for the backward pass that ``stepper`` recorded.

    ``svg`` is the graph as Graphviz drew it (:func:`autograd_lite.viz.draw` piped to
    SVG), its nodes named ``n0, n1, ...`` in the stepper's numbering; ``blocks`` maps
    nodes to the box (its id ``k2``) that stands for them when the picture is a summary.
    The page opens before the forward pass, or, with ``position``, after the forward
    pass and that many backward steps (where a Stepper stands that hands over). ``quiz``
    (``"contribution"`` or ``"local"``) opens it with the quiz on, asking for that.
    """
    if position is not None and not 0 <= position <= len(stepper):
        raise ValueError(f"position must be between 0 and {len(stepper)}, got {position}")
    if quiz is not None and quiz not in QUIZ_KINDS:
        raise ValueError(f"quiz must be one of {', '.join(QUIZ_KINDS)} or None, got {quiz!r}")
    if title is None:
        title = f"backward pass of {_node_text(stepper, stepper.root)}"
    data = _data(stepper, title=title, blocks=blocks, position=position, quiz=quiz)
    script = _asset("explorer.js")
    style = _asset("explorer.css")
    if "</" in script or "</" in style:  # would end the element early
        raise RuntimeError("explorer.js and explorer.css must not contain '</'")
    # The page runs its own script and nothing else: no inline handler, no other script.
    digest = base64.b64encode(hashlib.sha256(f"\n{script}\n".encode()).digest()).decode()
    return _TEMPLATE.format(
        script_hash=f"sha256-{digest}",
        title=html.escape(title),
        style=style,
        svg=_address_svg(svg),
        data=_json_for_script(data),
        script=script,
    )


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; \
script-src '{script_hash}'; style-src 'unsafe-inline'">
<title>{title}</title>
<style>
{style}
</style>
</head>
<body>
<header>
  <h1 id="title"></h1>
  <nav id="controls" aria-label="steps">
    <button id="reset" title="Reset (Home)">&#x00AB; Reset</button>
    <button id="back" title="Back (&#x2190;)">&#x25C0; Back</button>
    <button id="next" title="Next (&#x2192;)">Next &#x25B6;</button>
    <button id="run" title="Run to end (End)">Run to end &#x00BB;</button>
    <input id="slider" type="range" min="0" max="0" value="0" aria-label="step">
    <span id="where"></span>
    <label id="quiz-toggle"><input id="quiz" type="checkbox"> Quiz me</label>
    <select id="quiz-kind" aria-label="what the quiz asks for">
      <option value="contribution">the contribution</option>
      <option value="local">the local derivative</option>
    </select>
    <span id="score"></span>
    <button id="fit" title="Fit the graph to the window, or show it at full size">Full size</button>
  </nav>
</header>
<main>
  <section id="graph" aria-label="computation graph">
<div id="canvas">
{svg}
</div>
  </section>
  <aside id="side">
    <div id="ask" hidden>
      <p id="ask-question"></p>
      <pre id="ask-given"></pre>
      <input id="answer" type="text" inputmode="decimal" autocomplete="off" aria-label="answer">
      <button id="check">Check</button>
      <p id="ask-hint"></p>
    </div>
    <p id="verdict" hidden></p>
    <h2>Step</h2>
    <pre id="step-text"></pre>
    <p id="words"></p>
    <div id="equations" hidden>
      <h2>The four equations</h2>
      <ol>
        <li id="BP1"><b>BP1</b> &delta;<sup>L</sup> = &nabla;<sub>a</sub>C &#x2299; \
&sigma;&prime;(z<sup>L</sup>)</li>
        <li id="BP2"><b>BP2</b> &delta;<sup>l</sup> = ((W<sup>l+1</sup>)<sup>T</sup> \
&delta;<sup>l+1</sup>) &#x2299; &sigma;&prime;(z<sup>l</sup>)</li>
        <li id="BP3"><b>BP3</b> &part;C/&part;b<sup>l</sup><sub>j</sub> = \
&delta;<sup>l</sup><sub>j</sub></li>
        <li id="BP4"><b>BP4</b> &part;C/&part;w<sup>l</sup><sub>jk</sub> = \
a<sup>l-1</sup><sub>k</sub> &delta;<sup>l</sup><sub>j</sub></li>
      </ol>
      <pre id="bp-numbers"></pre>
    </div>
    <h2>Node</h2>
    <p id="node-hint">Click a node of the graph to see its full record.</p>
    <pre id="record"></pre>
  </aside>
</main>
<script type="application/json" id="explorer-data">{data}</script>
<script>
{script}
</script>
</body>
</html>
"""


# ----------------------------------------------------------------------------- Jupyter


class Explorer:
    """A page made by :func:`autograd_lite.viz.explorer`: shown inline in Jupyter, saved
    to a file with :meth:`save`.

    In a notebook the page runs inside an ``<iframe srcdoc=...>`` with scripts allowed
    and nothing else (no access to the notebook or to other explorers), so two
    explorers in one notebook never interfere.
    """

    def __init__(self, html_text: str, *, height: int = 680) -> None:
        self.html = html_text
        self.height = height

    def _repr_html_(self) -> str:
        frame_id = f"autograd-lite-explorer-{uuid.uuid4().hex[:12]}"
        return (
            f'<iframe id="{frame_id}" class="autograd-lite-explorer" '
            f'sandbox="allow-scripts" style="width: 100%; height: {self.height}px; '
            f'border: 1px solid #ccc;" srcdoc="{html.escape(self.html, quote=True)}"></iframe>'
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (through a temporary file renamed into place)."""
        return atomic_write(path, self.html)

    def __len__(self) -> int:
        return len(self.html.encode("utf-8"))

    def __repr__(self) -> str:
        return f"<Explorer: a page of {len(self) / 1024:.0f} KiB; .save(path) writes it>"
