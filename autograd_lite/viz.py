"""Pictures of computation graphs: Graphviz for notebooks and files, text for terminals.

:func:`draw` turns the graph behind a ``Value`` or ``Tensor`` into a
``graphviz.Digraph``, which a Jupyter notebook displays inline and :func:`save` writes
as ``.dot``, ``.svg``, ``.png`` or ``.pdf``. :func:`text` prints the same graph as an
indented tree, for a terminal without Graphviz. :func:`draw_mlp` runs a multilayer
perceptron on one example (or a batch), backpropagates a loss and draws the network
with every pre-activation node labelled by its delta.

>>> from autograd_lite.value import Value
>>> x = Value(0.5, label="x")
>>> y = (x * x).tanh()
>>> y.backward()
>>> print(text(y))
tanh(x*x) (tanh)  data 0.244919  grad 1.0
  x*x (*)  data 0.25  grad 0.940015
    1: x  data 0.5  grad 0.940015
    2: -> x

This is the only module of the project that imports ``graphviz``, and it only reads
graphs: nothing here computes a gradient (:func:`draw_mlp` asks the engine to run one
backward pass, the way a training step would, and puts the model's gradients back).
"""

from __future__ import annotations

import functools
import math
import re
import shutil
import subprocess
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import graphviz  # untyped: pyproject.toml tells mypy to ignore its missing stubs
import numpy as np

from . import engine, naming
from .files import atomic_write, free_name, save_figure
from .naming import Names, format_number, numbered_nodes, pretty

__all__ = [
    "COLOURS",
    "FORMATS",
    "INSTALL_HINT",
    "GraphvizFailed",
    "GraphvizNotFound",
    "LAYOUT_TIMEOUT",
    "draw",
    "draw_mlp",
    "hidden_units",
    "draw_step",
    "save",
    "text",
    "text_mlp",
]

#: Fill colours of the node kinds (X11 colour names, as Graphviz understands them).
COLOURS: dict[str, str] = {
    "parameter": "lightblue",
    "input": "gray90",
    "interior": "white",
    "output": "palegreen",
    "operation": "lemonchiffon",
    "highlight": "orange",
    "gradient": "blue",
}
_HIGHLIGHT_LINE = "red"
#: Graphs of more nodes than this are summarised by default (one box per layer or level).
MAX_NODES = 300


def argument_name(position: int) -> str:
    """An edge's label: the argument position, counted from 1 (as the stepper says it)."""
    return str(position + 1)


#: What :func:`save` writes, chosen by the file's extension or ``format=``.
FORMATS = ("dot", "svg", "png", "pdf")

_FIELDS = ("label", "data", "grad")
_RANKDIRS = ("LR", "TB", "RL", "BT")
_DEFAULT_SHOW = ("label", "data", "grad")

# Node kinds in the order the legend lists them, with what the legend says about each.
_LEGEND = (
    ("parameter", "parameter (leaf)"),
    ("input", "input or constant (leaf)"),
    ("interior", "computed value"),
    ("output", "output (the root)"),
    ("operation", "operation"),
    ("highlight", "highlighted"),
)

# Lines of the text tree are indented two spaces per level up to this depth; deeper
# lines say their depth instead, so a chain of 50,000 nodes stays a readable file.
_MAX_INDENT = 40

_T = TypeVar("_T")
GroupName = str | Sequence[str] | None
Grouping = Mapping[Any, GroupName] | Callable[[Any], GroupName]


class GraphvizNotFound(RuntimeError):
    """The Graphviz ``dot`` executable is not installed (or not on ``PATH``).

    ``written`` is the file :func:`save` wrote the DOT text to instead (``None`` if none).
    """

    def __init__(self, message: str, written: Path | None = None) -> None:
        super().__init__(message)
        self.written = written


class GraphvizFailed(RuntimeError):
    """The Graphviz ``dot`` executable failed on a graph, or took too long to lay it out.

    ``reason`` says what happened, e.g. ``"took more than 60 s to lay out a graph of 3,000
    DOT lines"``.
    """

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


# ----------------------------------------------------------------------------- the graph as drawn


class _Layout:
    """The nodes of the graph behind ``root``, each after its parents, and their names.

    Nodes get DOT identifiers ``n0, n1, ...`` in the order of
    :func:`autograd_lite.naming.numbered_nodes`, and are labelled by their
    :class:`autograd_lite.naming.Names`, as the stepper names them. Nodes the engine
    leaves out because they need no gradient (a Tensor of inputs, a target) are drawn
    as leaves: the engine records no history behind them.
    """

    def __init__(
        self, root: Any, labels: Mapping[Any, str] | None = None, constants: Iterable[Any] = ()
    ) -> None:
        self.root = root
        self._labels = labels or {}
        self._constants = list(constants)
        self.order, base = numbered_nodes(root)
        self.explored = set(base)
        self.names = [f"n{i}" for i in range(len(self.order))]
        self.index: dict[Any, int] = {node: i for i, node in enumerate(self.order)}

    @functools.cached_property
    def naming(self) -> Names:
        """The names of the nodes (built when asked for: a summary does not need them)."""
        return Names(self.root, self._labels, constants=self._constants)

    def parents(self, node: Any) -> tuple[Any, ...]:
        """The parents drawn for ``node`` (none for nodes the engine did not explore)."""
        return tuple(node.parents) if node in self.explored else ()

    def edge_count(self) -> int:
        return sum(len(self.parents(node)) for node in self.order)


def _is_parameter(node: Any, parameters: set[Any] | None) -> bool:
    if parameters is not None:
        return node in parameters
    if not node.requires_grad:
        return False
    # A Value always requires a gradient, so only a name makes it a parameter: ``x``
    # and ``w`` in ``x * w + 1`` are, the constant 1 is not.
    if not isinstance(node.data, np.ndarray):
        return bool(getattr(node, "label", ""))
    return True


def _label(node: Any, labels: Mapping[Any, str]) -> str:
    """The label shown for ``node``: its entry in ``labels``, else its own ``.label``."""
    label = labels.get(node)
    return label if label is not None else getattr(node, "label", "") or ""


def _op_name(node: Any) -> str:
    return node.op.name if node.op is not None else "?"


def _kind(node: Any, layout: _Layout, parameters: set[Any] | None) -> str:
    if node is layout.root:
        return "output"
    if layout.parents(node):
        return "interior"
    return "parameter" if _is_parameter(node, parameters) else "input"


# ----------------------------------------------------------------------------- numbers as text


def _number(x: Any) -> str:
    """A scalar as the pictures show it: four decimals, or scientific when far from 1."""
    try:
        x = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0.0000"  # also for -0.0, which would print as a puzzling "-0.0000"
    if 1e-4 <= abs(x) < 1e6:
        return f"{x:.4f}"
    return f"{x:.3e}"


def _short(x: Any) -> str:
    """An element of an array: four significant digits."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    try:
        return f"{x:.4g}"
    except (TypeError, ValueError):
        return str(x)


def _array_text(array: np.ndarray) -> str:
    """A few numbers shown as they are (up to 6), more as min, max and norm."""
    if array.size == 0:
        return "[] (empty)"
    if array.ndim == 0:
        return _short(array.item())
    if array.size <= 6:
        return np.array2string(
            array, separator=", ", formatter={"all": _short}, max_line_width=1_000_000
        ).replace("\n", "")
    flat = array.ravel()
    with np.errstate(all="ignore"):  # inf and nan are shown, not warned about
        norm = float(np.linalg.norm(flat.astype(np.float64)))
        return f"min {_short(flat.min())}, max {_short(flat.max())}, norm {_short(norm)}"


def _plain(x: Any) -> Any:
    """The raw number or array inside ``x`` (gradients are nodes after create_graph)."""
    return x.data if _is_node(x) else x


def _value_text(x: Any) -> str:
    x = _plain(x)
    if x is None:
        return "none yet"
    if isinstance(x, np.ndarray):
        return _array_text(x)
    return _number(x)


def _fields(
    node: Any, show: tuple[str, ...], names: Names | None, notes: Mapping[Any, str]
) -> list[str]:
    """The lines that describe a node: name, shape and dtype, data, grad, note."""
    lines = []
    if "label" in show and names is not None:
        label = names.pretty(node)
        if label:
            lines.append(label)
    data = node.data
    if isinstance(data, np.ndarray):
        lines.append(f"shape {tuple(data.shape)} {data.dtype}")
    if "data" in show:
        lines.append(f"data {_value_text(data)}")
    if "grad" in show:
        if names is not None and names.is_constant(node):
            lines.append("needs no grad")
        else:
            lines.append(f"grad {_value_text(node.grad)}")
    note = notes.get(node) if notes else None
    if note:
        lines.append(note)
    return lines


# ----------------------------------------------------------------------------- DOT text


def _escape(text: str) -> str:
    """Text shown literally in a Graphviz label (backslashes are escapes there)."""
    return text.replace("\\", "\\\\")


def _escape_record(text: str) -> str:
    """Text shown literally in one field of a Graphviz record label."""
    text = _escape(text)
    for special in "{}|<>":
        text = text.replace(special, "\\" + special)
    return text


def _record(lines: Sequence[str], rankdir: str, stacked: bool = False) -> str:
    """A record label: fields side by side ("x | data | grad"), or ``stacked`` in rows.

    Graphviz lays record fields across the direction of the layout, and braces turn
    them by 90 degrees. Tensors stack their fields: their lines are long.
    """
    body = " | ".join(_escape_record(line) for line in lines) or " "
    across = rankdir in ("LR", "RL")
    return "{ " + body + " }" if across != stacked else body


def _is_node(x: Any) -> bool:
    return hasattr(x, "parents") and hasattr(x, "data")


def _check_root(root: Any) -> None:
    if not _is_node(root):
        raise TypeError(f"expected a node (a Value or a Tensor) to draw, got {type(root).__name__}")


def _check_options(rankdir: str, show: Iterable[str]) -> tuple[str, ...]:
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(_RANKDIRS)}, got {rankdir!r}")
    if isinstance(show, str):
        show = (show,)
    fields = tuple(show)
    for field in fields:
        if field not in _FIELDS:
            raise ValueError(f"show: unknown field {field!r}; choose from {', '.join(_FIELDS)}")
    return fields


def _new_digraph(rankdir: str, title: str | None) -> Any:
    graph_attr = {"rankdir": rankdir, "fontname": "Helvetica"}
    if title:
        label = "\\n".join(_escape(line) for line in title.splitlines())
        graph_attr.update(label=graphviz.nohtml(label), labelloc="t", fontsize="14")
    return graphviz.Digraph(
        name="autograd_lite",
        graph_attr=graph_attr,
        node_attr={"shape": "record", "style": "filled", "fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.7"},
    )


def _add_legend(digraph: Any) -> None:
    with digraph.subgraph(name="cluster_legend") as legend:
        legend.attr(label="legend", style="rounded", color="gray60", fontsize="11")
        for kind, words in _LEGEND:
            attrs = {
                "fillcolor": COLOURS[kind],
                "shape": "ellipse" if kind == "operation" else "box",
            }
            if kind == "highlight":
                attrs.update(color=_HIGHLIGHT_LINE, penwidth="2")
            legend.node(f"legend_{kind}", graphviz.nohtml(words), **attrs)
        legend.node(
            "legend_edges",
            graphviz.nohtml(
                "edge labels 1, 2: argument positions; blue: the current step's gradient"
            ),
            shape="plaintext",
            style="",
        )


class _Clusters:
    """Graphviz clusters for group paths such as ("layer 1", "neuron 2"), nested."""

    def __init__(self, digraph: Any) -> None:
        self.digraph = digraph
        self.graphs: dict[tuple[str, ...], Any] = {(): digraph}

    def graph(self, path: tuple[str, ...]) -> Any:
        """The (sub)graph that holds the nodes of group ``path``; created on first use."""
        graph = self.graphs.get(path)
        if graph is None:
            for depth in range(1, len(path) + 1):
                prefix = path[:depth]
                if prefix not in self.graphs:
                    sub = graphviz.Digraph(name=f"cluster_{len(self.graphs) - 1}")
                    sub.attr(
                        label=graphviz.nohtml(_escape(prefix[-1])),
                        style="rounded",
                        color="gray60",
                        fontsize="11",
                    )
                    self.graphs[prefix] = sub
            graph = self.graphs[path]
        return graph

    def close(self) -> None:
        """Put every cluster inside its parent: the deepest first, each when complete."""
        paths = [path for path in self.graphs if path]
        paths.sort(key=len, reverse=True)  # stable: siblings keep their order
        for path in paths:
            self.graphs[path[:-1]].subgraph(self.graphs[path])


def _as_path(name: GroupName) -> tuple[str, ...]:
    """A group name as a path of cluster names: "layer 1" or ("layer 1", "neuron 2")."""
    if name is None or name == "":
        return ()
    if isinstance(name, str):
        return (name,)
    return tuple(str(part) for part in name)


def _group_function(group: Grouping | None) -> Callable[[Any], tuple[str, ...]]:
    if group is None:
        return lambda node: ()
    lookup: Callable[[Any], GroupName] = group if callable(group) else group.get
    return lambda node: _as_path(lookup(node))


def _open_clusters(clusters: _Clusters, group: Grouping | None, layout: _Layout) -> None:
    """Create the clusters of a group mapping in its own order (a network: input first)."""
    if group is not None and not callable(group):
        for node, name in group.items():
            if node in layout.index:
                clusters.graph(_as_path(name))


class _Highlights:
    """The highlighted nodes and edges, by index: edges as (child index, position)."""

    def __init__(self, items: Iterable[Any] | None, layout: _Layout) -> None:
        self.nodes: set[int] = set()
        self.edges: set[tuple[int, int]] = set()
        if items is None:
            items = ()
        elif _is_node(items) or isinstance(items, engine.Step):  # one node or step alone
            items = (items,)
        for item in items:
            if isinstance(item, engine.Step):
                self._edge(item.node, item.input, item.position, layout)
            elif isinstance(item, tuple):
                if len(item) not in (2, 3):
                    raise ValueError(
                        "highlight: an edge is a (child, parent) or (child, parent, position) "
                        f"tuple, got a tuple of {len(item)} items"
                    )
                self._edge(item[0], item[1], item[2] if len(item) == 3 else None, layout)
            else:
                self.nodes.add(self._index(item, layout))

    @staticmethod
    def _index(node: Any, layout: _Layout) -> int:
        index = layout.index.get(node) if isinstance(node, Hashable) else None
        if index is None:
            raise ValueError(f"highlight: {node!r} is not a node of the graph being drawn")
        return index

    def _edge(self, child: Any, parent: Any, position: int | None, layout: _Layout) -> None:
        child_index = self._index(child, layout)
        parents = layout.parents(child)
        positions = [p for p, node in enumerate(parents) if node is parent]
        if position is not None:
            positions = [p for p in positions if p == position]
        if not positions:
            raise ValueError(
                f"highlight: {parent!r} is not an input of {child!r}"
                + (f" at position {position}" if position is not None else "")
            )
        for p in positions:
            self.edges.add((child_index, p))


# ----------------------------------------------------------------------------- draw


def draw(
    root: Any,
    rankdir: str = "LR",
    show: Iterable[str] = _DEFAULT_SHOW,
    highlight: Any = None,
    max_nodes: int = MAX_NODES,
    group: Grouping | None = None,
    legend: bool = False,
    *,
    parameters: Iterable[Any] | None = None,
    labels: Mapping[Any, str] | None = None,
    notes: Mapping[Any, str] | None = None,
    title: str | None = None,
    step: Any = None,
    step_label: str = "",
    constants: Iterable[Any] = (),
) -> Any:
    """Draw the computation graph that produced ``root`` as a ``graphviz.Digraph``.

    Each value is a record ``label | data | grad`` (choose the fields with ``show``); a
    Tensor also shows its shape and dtype, and its numbers when it has at most six,
    otherwise their min, max and norm. Each operation is a small ellipse of its own
    (``*``, ``tanh``...) between its inputs and its result; when an operation has two or
    more inputs, the edges are labelled with the argument position ``a``, ``b``, ...
    as in the derivative formulas (``d(a/b)/db = -a/b^2``).

    The colours (drawn as a small cluster when ``legend=True``; see :data:`COLOURS`):

    ============  ==============  ======================================================
    kind          fill            which nodes
    ============  ==============  ======================================================
    parameter     light blue      leaves in ``parameters``; without it, Tensor leaves
                                  that require a gradient and Value leaves with a label
    input         light grey      every other leaf (inputs, targets, constants)
    interior      white           values computed by an operation
    output        pale green      ``root``
    operation     lemon chiffon   the operations (ellipses)
    highlight     orange, red     nodes in ``highlight``; highlighted edges are red
    ============  ==============  ======================================================

    ``highlight`` takes nodes and edges: an edge is a ``(child, parent)`` tuple, the
    edge from ``parent`` into the operation that made ``child`` (a gradient travels it
    backwards); ``(child, parent, position)`` picks one argument when ``parent`` is used
    twice (``x * x``), and an :class:`engine.Step` means its own edge.

    ``step`` (an :class:`engine.Step`) draws one step of the backward pass: a blue
    arrow from the operation that sends the gradient to the input that receives it
    (the direction the gradient travels), labelled ``step_label`` (its contribution).

    Nodes are labelled as :class:`autograd_lite.naming.Names` names them: ``labels``
    (or ``.label``) where given, else the expression that computed the node
    (``x*w + b``), typeset as in :func:`autograd_lite.naming.pretty`.

    ``group`` maps nodes (a mapping, or a function of the node) to a group name, or to a
    tuple of names for nested groups such as ``("layer 1", "neuron 2")``; each group is
    drawn as a cluster. ``labels`` and ``notes`` give nodes a shown label (instead of
    ``.label``) and an extra line, without touching the nodes.

    Graphs of more than ``max_nodes`` values (:data:`MAX_NODES`) are summarised: one
    box per group (the outermost of nested groups: a network's layers) or, without
    groups, per level of depth (distance from the leaves), so the summary is a DAG as
    the graph is; each box carries its node count and the norm of its gradients (and
    of its deltas, for a network's layer), each arrow the number of edges it stands
    for; the title says so.

    The output is deterministic: nodes are named ``n0, n1, ...`` by their position in
    the engine's topological order, so the same graph always gives the same DOT text
    (``draw(y).source``); an operation is named after its result (``n2_op``). Nodes the
    engine leaves out because they need no gradient (a Tensor of inputs, a constant
    Tensor) are drawn as leaves, numbered just before the first node that uses them.

    >>> from autograd_lite.value import Value
    >>> x = Value(3.0, label="x")
    >>> dot = draw(x * x)
    >>> print([line.strip() for line in dot.source.splitlines() if "->" in line])
    ['n0 -> n1_op [label=1]', 'n0 -> n1_op [label=2]', 'n1_op -> n1']
    """
    fields = _check_options(rankdir, show)
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, got {max_nodes}")
    _check_root(root)
    layout = _Layout(root, labels, constants)
    parameter_set = set(parameters) if parameters is not None else None
    highlights = _Highlights(highlight, layout)
    group_of = _group_function(group)
    if len(layout.order) > max_nodes:
        return _draw_summary(
            layout, rankdir, max_nodes, group, parameter_set, highlights, legend, title, labels
        )

    digraph = _new_digraph(rankdir, title)
    if legend:
        _add_legend(digraph)
    clusters = _Clusters(digraph)
    _open_clusters(clusters, group, layout)
    edges: list[tuple[str, str, dict[str, str]]] = []
    for i, node in enumerate(layout.order):
        name = layout.names[i]
        kind = _kind(node, layout, parameter_set)
        attrs = {"fillcolor": COLOURS[kind]}
        if i in highlights.nodes:
            attrs.update(fillcolor=COLOURS["highlight"], color=_HIGHLIGHT_LINE, penwidth="2")
        graph = clusters.graph(group_of(node))
        lines = _fields(node, fields, layout.naming, notes or {})
        label = _record(lines, rankdir, stacked=isinstance(node.data, np.ndarray))
        graph.node(name, graphviz.nohtml(label), **attrs)
        parents = layout.parents(node)
        if not parents:
            continue
        op_name = _op_name(node)
        op_attrs = {
            "shape": "ellipse",
            "fillcolor": COLOURS["operation"],
            "fontsize": "10",
            "height": "0.3",
            "margin": "0.04,0.02",
        }
        on_path = any((i, p) in highlights.edges for p in range(len(parents)))
        if on_path:
            op_attrs.update(color=_HIGHLIGHT_LINE, penwidth="2")
        graph.node(f"{name}_op", graphviz.nohtml(_escape(op_name)), **op_attrs)
        for position, parent in enumerate(parents):
            edge_attrs = {}
            if len(parents) > 1:
                edge_attrs["label"] = argument_name(position)
            if (i, position) in highlights.edges:
                edge_attrs.update(color=_HIGHLIGHT_LINE, penwidth="2.5")
            edges.append((layout.names[layout.index[parent]], f"{name}_op", edge_attrs))
        out_attrs = {"color": _HIGHLIGHT_LINE, "penwidth": "2.5"} if on_path else {}
        edges.append((f"{name}_op", name, out_attrs))
    clusters.close()
    for tail, head, edge_attrs in edges:
        digraph.edge(tail, head, **edge_attrs)
    if step is not None:
        child = _Highlights._index(step.node, layout)
        parent = _Highlights._index(step.input, layout)
        attrs = {
            "color": COLOURS["gradient"],
            "fontcolor": COLOURS["gradient"],
            "penwidth": "3",
            "constraint": "false",
            "style": "bold",
        }
        if step_label:
            attrs["label"] = graphviz.nohtml(_escape(step_label))
        digraph.edge(f"{layout.names[child]}_op", layout.names[parent], **attrs)
    return digraph


class _Block:
    """One box of a summarised drawing: a group's (or an operation's) nodes."""

    __slots__ = ("deltas", "grad_squares", "inner_edges", "kinds", "marked", "name", "nodes")

    def __init__(self, name: int) -> None:
        self.name = f"b{name}"
        self.nodes = 0
        self.inner_edges = 0
        self.kinds: set[str] = set()
        self.marked = False
        self.grad_squares: float | None = None
        self.deltas: float | None = None

    def add_grad(self, grad: Any, is_delta: bool) -> None:
        """Add a node's gradient to the box's sums of squares (None: no gradient yet)."""
        grad = _plain(grad)
        if grad is None:
            return
        if isinstance(grad, float):
            square = grad * grad
        else:
            with np.errstate(all="ignore"):
                square = float(np.sum(np.square(np.asarray(grad, dtype=np.float64))))
        self.grad_squares = (self.grad_squares or 0.0) + square
        if is_delta:
            self.deltas = (self.deltas or 0.0) + square


def _is_delta(node: Any, labels: Mapping[Any, str] | None) -> bool:
    """True for a network's pre-activation nodes (``z^l_j``, ``z^l``): their grads are deltas."""
    name = naming._ascii((labels or {}).get(node, ""))
    return re.fullmatch(r"z\^\d+(_[\d,]+)?", name) is not None


def _draw_summary(
    layout: _Layout,
    rankdir: str,
    max_nodes: int,
    group: Grouping | None,
    parameters: set[Any] | None,
    highlights: _Highlights,
    legend: bool,
    title: str | None,
    labels: Mapping[Any, str] | None = None,
) -> Any:
    """One box per group (or per level of depth), arrows between boxes with counts."""
    keys = _summary_keys(layout, _group_function(group), parameters)
    deltas = {node for node in (labels or {}) if _is_delta(node, labels)}
    blocks: dict[tuple[str, ...], _Block] = {}
    if len(set(keys)) > max_nodes:  # too many groups to draw: one box per level
        keys = _summary_keys(layout, lambda node: (), parameters)
    elif group is not None and not callable(group):  # boxes in the mapping's order
        present = set(keys)
        for name in group.values():
            key = _as_path(name)[:1]
            if key in present and key not in blocks:
                blocks[key] = _Block(len(blocks))

    for i, key in enumerate(keys):
        block = blocks.get(key)
        if block is None:
            block = blocks[key] = _Block(len(blocks))
        block.nodes += 1
        node = layout.order[i]
        block.kinds.add(_kind(node, layout, parameters))
        block.marked = block.marked or i in highlights.nodes
        block.add_grad(node.grad, node in deltas)

    between: dict[tuple[str, str], int] = {}
    marked_edges: set[tuple[str, str]] = set()
    for i, node in enumerate(layout.order):
        head = blocks[keys[i]]
        for position, parent in enumerate(layout.parents(node)):
            tail = blocks[keys[layout.index[parent]]]
            if tail is head:
                head.inner_edges += 1
                continue
            edge = (tail.name, head.name)
            between[edge] = between.get(edge, 0) + 1
            if (i, position) in highlights.edges:
                marked_edges.add(edge)

    per = "group" if any(key[0] != "\0" for key in blocks) else "level of depth"
    summary = (
        f"summarised: {len(layout.order):,} nodes and {layout.edge_count():,} edges "
        f"(more than max_nodes={max_nodes:,}), one box per {per}"
    )
    digraph = _new_digraph(rankdir, f"{title}\n{summary}" if title else summary)
    if legend:
        _add_legend(digraph)
    for key, block in blocks.items():
        attrs = {"shape": "box", "fillcolor": COLOURS[_block_kind(block.kinds)]}
        if block.marked:
            attrs.update(fillcolor=COLOURS["highlight"], color=_HIGHLIGHT_LINE, penwidth="2")
        lines = [key[-1], f"{block.nodes:,} node{'s' if block.nodes != 1 else ''}"]
        if block.inner_edges:
            lines.append(f"{block.inner_edges:,} edges inside")
        if block.deltas is not None:
            lines.append(f"‖δ‖ {_number(math.sqrt(block.deltas))}")
        if block.grad_squares is not None:
            lines.append(f"‖grad‖ {_number(math.sqrt(block.grad_squares))}")
        label = "\\n".join(_escape(line) for line in lines)
        digraph.node(block.name, graphviz.nohtml(label), **attrs)
    for edge, number in between.items():
        edge_attrs = {"label": f"{number:,}"}
        if edge in marked_edges:
            edge_attrs.update(color=_HIGHLIGHT_LINE, penwidth="2.5")
        digraph.edge(*edge, **edge_attrs)
    return digraph


def _summary_keys(
    layout: _Layout,
    group_of: Callable[[Any], tuple[str, ...]],
    parameters: set[Any] | None,
) -> list[tuple[str, ...]]:
    """The box of each node: its (outermost) group, or its level of depth.

    Levels count the longest path from a leaf (leaves are level 0), cut into at most
    twelve bands; every edge goes from a lower level to a higher one, so the boxes
    and arrows form a DAG, as the graph does (boxes per operation name would draw
    cycles such as ``+ <-> tanh``).
    """
    depth: dict[Any, int] = {}
    for node in layout.order:
        parents = layout.parents(node)
        depth[node] = 1 + max((depth[p] for p in parents), default=-1)
    deepest = max(depth.values(), default=0)
    band = max(1, math.ceil((deepest + 1) / 12))
    keys = []
    for node in layout.order:
        path = group_of(node)
        if path:
            keys.append(path[:1])
            continue
        low = depth[node] // band * band
        high = min(low + band - 1, deepest)
        name = f"level {low}" if low == high else f"levels {low}-{high}"
        if low == 0:
            name += " (leaves)"
        keys.append(("\0", name))
    return keys


def _block_kind(kinds: set[str]) -> str:
    for kind in ("output", "interior", "parameter"):
        if kind in kinds:
            return kind
    return "input"


# ----------------------------------------------------------------------------- text


def text(
    root: Any,
    show: Iterable[str] = _DEFAULT_SHOW,
    *,
    labels: Mapping[Any, str] | None = None,
    notes: Mapping[Any, str] | None = None,
    max_lines: int | None = None,
    constants: Iterable[Any] = (),
) -> str:
    """The graph behind ``root`` as an indented tree, for a terminal.

    The root comes first; each node's inputs follow, indented, in argument order
    (``1:``, ``2:`` when an operation has two or more). Each node is called by its
    name (:class:`autograd_lite.naming.Names`, as :func:`draw` and the stepper call
    it), its operation in parentheses. A node is written out once; where it appears
    again, ``-> name`` points back to it. Numbers are written as the stepper writes
    them. ``max_lines`` cuts a long tree short and says how many lines were left out.

    >>> from autograd_lite.value import Value
    >>> x = Value(3.0, label="x")
    >>> print(text(x * x, show=("label", "data")))
    x*x (*)  data 9.0
      1: x  data 3.0
      2: -> x
    """
    fields = _check_options("LR", show)
    if max_lines is not None and max_lines < 1:
        raise ValueError(f"max_lines must be at least 1, got {max_lines}")
    _check_root(root)
    layout = _Layout(root, labels, constants)
    names = layout.naming
    lines: list[str] = []
    written: set[int] = set()
    left_out = 0
    stack: list[tuple[Any, int, str]] = [(root, 0, "")]
    while stack:
        node, depth, position = stack.pop()
        index = layout.index[node]
        seen = index in written
        if not seen:
            written.add(index)
            parents = layout.parents(node)
            for p in range(len(parents) - 1, -1, -1):  # pushed last to first: popped in order
                label = f"{argument_name(p)}: " if len(parents) > 1 else ""
                stack.append((parents[p], depth + 1, label))
        if max_lines is not None and len(lines) >= max_lines:
            left_out += 1  # keep walking, to say how many lines were left out
            continue
        indent = "  " * min(depth, _MAX_INDENT)
        if depth > _MAX_INDENT:
            indent += f"(depth {depth}) "
        name = names.name(node) if "label" in fields else f"n{index}"
        if seen:
            lines.append(f"{indent}{position}-> {name}")
            continue
        head = f"{indent}{position}{name}"
        if layout.parents(node):
            head += f" ({_op_name(node)})"
        details = []
        if isinstance(node.data, np.ndarray):
            details.append(f"shape {tuple(node.data.shape)} {node.data.dtype}")
        if "data" in fields:
            details.append(f"data {_text_value(node.data)}")
        if "grad" in fields:
            constant = names.is_constant(node)
            details.append("needs no grad" if constant else f"grad {_text_value(node.grad)}")
        note = (notes or {}).get(node)
        if note:
            details.append(note)
        lines.append("  ".join([head, *details]).rstrip())
    if left_out:
        lines.append(f"... {left_out:,} more lines (max_lines={max_lines})")
    return "\n".join(lines)


def _text_value(x: Any) -> str:
    """A number as the stepper writes it (six significant digits); arrays as pictures do."""
    x = _plain(x)
    if x is None:
        return "None"
    if isinstance(x, np.ndarray):
        return _array_text(x)
    return format_number(x)


# ----------------------------------------------------------------------------- files

#: How to install the Graphviz executables, as error messages say it.
INSTALL_HINT = (
    "install Graphviz (Debian/Ubuntu: `apt-get install graphviz`; macOS: "
    "`brew install graphviz`; conda: `conda install graphviz`)"
)


#: Seconds :func:`save` lets Graphviz lay a graph out before giving up. Layout time grows
#: faster than the graph: on the project's machine an MLP graph of 1,100 values took 4 s,
#: one of 1,500 values 21 s, one of 1,900 more than 100 s.
LAYOUT_TIMEOUT = 60.0


def save(
    root_or_digraph: Any,
    path: str | Path,
    format: str | None = None,
    *,
    timeout: float | None = LAYOUT_TIMEOUT,
    **draw_options: Any,
) -> Path:
    """Write a graph to ``path`` as DOT text, SVG, PNG or PDF; return the path written.

    ``root_or_digraph`` is a node (drawn with :func:`draw` and ``draw_options``) or a
    ``graphviz.Digraph``. The format comes from ``format`` or the extension of
    ``path`` (``.dot`` or ``.gv``, ``.svg``, ``.png``, ``.pdf``); a ``format`` that
    contradicts the extension (``g.png`` with ``format="svg"``) is a ``ValueError``.
    DOT text needs nothing else; the other formats run the Graphviz ``dot`` executable,
    for at most ``timeout`` seconds (:class:`GraphvizFailed` when it fails or takes
    longer: draw with a smaller ``max_nodes``). When it is missing, the DOT text is
    written next to ``path`` (same name, ``.dot``; ``NAME-1.dot`` and so on when that
    file exists, so no file is replaced) and :class:`GraphvizNotFound` says where it
    went and how to install Graphviz. The file is written to a temporary name and renamed
    into place (:mod:`autograd_lite.files`): a failure leaves an existing file whole.

    >>> from autograd_lite.value import Value
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> save(Value(2.0, label="x") * 3, folder / "graph.dot").name
    'graph.dot'
    """
    digraph = (
        root_or_digraph
        if isinstance(root_or_digraph, graphviz.Digraph)
        else draw(root_or_digraph, **draw_options)
    )
    path = Path(path)
    chosen = _format_of(path, format)
    if chosen == "dot":
        return atomic_write(path, digraph.source)
    executable = getattr(digraph, "engine", None) or "dot"
    if shutil.which(executable) is None:
        _missing_dot(digraph, path)
    try:
        finished = subprocess.run(
            [executable, f"-T{chosen}"],
            input=digraph.source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:  # it vanished between the check and the run
        _missing_dot(digraph, path)
    except subprocess.TimeoutExpired:
        reason = f"took more than {timeout:g} s to lay out {_size(digraph)}"
    else:
        if finished.returncode == 0 and finished.stdout:
            return atomic_write(path, finished.stdout)
        said = finished.stderr.decode("utf-8", "replace").strip().splitlines()
        why = said[-1] if said else f"exit status {finished.returncode}"
        reason = f"`{executable}` failed on {_size(digraph)} ({why})"
    raise GraphvizFailed(
        f"cannot write {path}: Graphviz {reason}; draw fewer nodes (a smaller max_nodes "
        "summarises the graph) or write the DOT text (.dot)",
        reason,
    )


def _format_of(path: Path, format: str | None) -> str:
    """The format :func:`save` writes: ``format``, else the extension (``gv`` is ``dot``)."""

    def canonical(name: str) -> str:
        name = name.lower()
        return "dot" if name == "gv" else name

    by_extension = canonical(path.suffix.lstrip("."))
    if format is not None:
        chosen = canonical(format)
        if chosen not in FORMATS:
            raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
        if by_extension in FORMATS and by_extension != chosen:
            raise ValueError(
                f"{str(path)!r} has the extension of {by_extension} but the format asked "
                f"for is {chosen}; make them agree"
            )
        return chosen
    if by_extension not in FORMATS:
        raise ValueError(
            f"cannot tell the output format from the extension of {str(path)!r}; choose "
            f"one of {', '.join(FORMATS)} (by extension or format=...)"
        )
    return by_extension


def _size(digraph: Any) -> str:
    lines = digraph.source.count("\n")
    return f"a graph of {lines:,} DOT lines"


def _missing_dot(digraph: Any, path: Path) -> NoReturn:
    wanted = path.with_suffix(".dot")
    for _ in range(100):  # another writer may take the free name first
        fallback = free_name(wanted)
        try:
            atomic_write(fallback, digraph.source, overwrite=False)
            break
        except FileExistsError:
            continue
    else:
        raise GraphvizNotFound(
            f"cannot write {path}: the Graphviz `dot` executable is missing; {INSTALL_HINT}"
        )
    kept = f" ({wanted} already exists and was left alone)" if fallback != wanted else ""
    raise GraphvizNotFound(
        f"cannot write {path}: the Graphviz `dot` executable is missing (not found on "
        f"PATH); {INSTALL_HINT}; the DOT text was written to {fallback} instead{kept}",
        written=fallback,
    )


# ----------------------------------------------------------------------------- MLPs


def draw_mlp(
    model: Any,
    x: Any,
    y: Any = None,
    *,
    loss: str | Callable[[Any, Any], Any] | None = None,
    rankdir: str = "LR",
    show: Iterable[str] = _DEFAULT_SHOW,
    legend: bool = True,
    max_nodes: int = MAX_NODES,
    title: str | None = None,
    activation: str | None = None,
    output_activation: str | None = None,
) -> Any:
    """Backpropagate through ``model`` on ``x`` and draw it, layer by layer, with deltas.

    ``model.trace(x)`` gives each layer's pre-activations ``z`` and activations ``a``.
    For a Value MLP (:class:`autograd_lite.nn.MLP`) ``x`` is one example, a list of
    numbers; nodes are grouped by layer and neuron. For a Tensor network ``x`` is a batch
    (rows are examples); nodes are grouped by layer. The graph and its names come from
    :mod:`autograd_lite.naming`, as the stepper's: ``xₖ``, ``wˡⱼₖ``, ``bˡⱼ``, ``zˡⱼ``,
    ``aˡⱼ``, ``yⱼ``, ``C``, and each neuron's partial sums ``zˡⱼ[k≤2]`` (Tensor networks:
    ``X``, ``Wˡ``, ``bˡ``, ``zˡ``, ``aˡ``, ``Y``).

    ``loss`` names a cost of :class:`autograd_lite.backprop.Network` (``"quadratic"``,
    the default when ``y`` is given, ``"mse"``, ``"cross_entropy"``,
    ``"log_likelihood"``), or ``"sum"`` (the default without ``y``: the sum of the
    outputs), or is a function ``loss(output, y)``. After one backward pass from the
    cost, each pre-activation node carries its delta ``δˡⱼ = ∂C/∂zˡⱼ`` (its gradient,
    the quantity of equations BP1 and BP2) and, for a named cost, the closed form. The
    model's gradients are zeroed for that pass and put back afterwards, so drawing
    leaves the model as it was.

    >>> import numpy as np
    >>> from autograd_lite import nn
    >>> model = nn.MLP(2, [2, 1], activation="tanh", rng=np.random.default_rng(0))
    >>> dot = draw_mlp(model, [1.0, -1.0], [0.5])
    >>> [delta for delta in ("δ¹₁", "δ¹₂", "δ²₁") if delta in dot.source]
    ['δ¹₁', 'δ¹₂', 'δ²₁']
    """
    _check_options(rankdir, show)
    return _with_mlp(
        model,
        x,
        y,
        loss,
        activation,
        output_activation,
        lambda graph, labels, notes, heading: draw(
            graph.root,
            rankdir=rankdir,
            show=show,
            max_nodes=max_nodes,
            group=graph.groups,
            legend=legend,
            parameters=graph.parameters,
            labels=labels,
            notes=notes,
            title=title or heading,
            constants=graph.constants,
        ),
    )


def text_mlp(
    model: Any,
    x: Any,
    y: Any = None,
    *,
    loss: str | Callable[[Any, Any], Any] | None = None,
    show: Iterable[str] = _DEFAULT_SHOW,
    max_lines: int | None = None,
    activation: str | None = None,
    output_activation: str | None = None,
) -> str:
    """:func:`draw_mlp` for a terminal: a title line, then the :func:`text` tree."""
    _check_options("LR", show)
    return _with_mlp(
        model,
        x,
        y,
        loss,
        activation,
        output_activation,
        lambda graph, labels, notes, heading: (
            f"{graph.title} = {format_number(graph.root.data)}; delta^l_j = dC/dz^l_j"
            + "\n"
            + text(
                graph.root,
                show,
                labels=graph.names,
                notes=network_notes(graph, format_number, typeset=False),
                max_lines=max_lines,
                constants=graph.constants,
            )
        ),
    )


def network_labels(graph: naming.NetworkGraph) -> tuple[dict[Any, str], dict[Any, str], str]:
    """The typeset labels, the delta notes and the title of a network's picture.

    Each pre-activation gets the note ``δˡⱼ = <its gradient>`` and, when the closed form
    is known and agrees, ``= BP1`` or ``= BP2``.
    """
    labels = {node: pretty(name) for node, name in graph.names.items()}
    cost = _value_text(graph.root.data)
    heading = f"{typeset_title(graph.title)} = {cost}; δˡⱼ = ∂C/∂zˡⱼ"
    return labels, network_notes(graph, _value_text), heading


def typeset_title(title: str) -> str:
    """A network's title with the cost formula typeset: ``½ Σⱼ (aᴸⱼ - yⱼ)²``."""
    for plain_text, typeset in (
        ("1/2 ", "½ "),
        ("sum_j", "Σⱼ"),
        ("a^L_j", "aᴸⱼ"),
        ("y_j", "yⱼ"),
        (")^2", ")²"),
        ("ln", "ln"),
    ):
        title = title.replace(plain_text, typeset)
    return title


def network_notes(
    graph: naming.NetworkGraph, number: Callable[[Any], str], typeset: bool = True
) -> dict[Any, str]:
    """``δˡⱼ = 0.1474 (BP1 agrees)`` for each pre-activation (ASCII: ``typeset=False``)."""
    notes: dict[Any, str] = {}
    for layer in graph.zs:
        for z in layer:
            symbol = f"delta^{graph.names[z][2:]}"
            note = f"{pretty(symbol) if typeset else symbol} = {number(_plain(z.grad))}"
            form = graph.closed_forms.get(z)
            if form is not None:
                with np.errstate(all="ignore"):
                    agrees = np.allclose(_plain(z.grad), form.value, rtol=1e-9, atol=1e-12)
                equation = form.equation.split(" ")[0]
                note += f" ({equation} {'agrees' if agrees else 'DISAGREES'})"
            notes[z] = note
    return notes


def _with_mlp(
    model: Any,
    x: Any,
    y: Any,
    loss: str | Callable[[Any, Any], Any] | None,
    activation: str | None,
    output_activation: str | None,
    render: Callable[[naming.NetworkGraph, dict[Any, str], dict[Any, str], str], _T],
) -> _T:
    """Build the named graph, backpropagate the cost and render, then restore gradients."""
    parameters = list(model.parameters()) if hasattr(model, "parameters") else []
    saved = [p.grad for p in parameters]
    engine.zero_grad(parameters)
    cost = _loss_name(loss, y)
    try:
        build = (
            naming.tensor_network_graph
            if _is_node(x) or np.ndim(x) >= 2
            else naming.value_network_graph
        )
        graph = build(
            model, x, y, cost=cost, activation=activation, output_activation=output_activation
        )
        graph.root.backward()
        labels, notes, heading = network_labels(graph)
        return render(graph, labels, notes, heading)
    finally:
        for parameter, grad in zip(parameters, saved):
            parameter.grad = grad


def _loss_name(
    loss: str | Callable[[Any, Any], Any] | None, y: Any
) -> str | Callable[[Any, Any], Any]:
    if callable(loss):
        return loss
    name = loss if loss is not None else ("quadratic" if y is not None else "sum")
    known = (*naming.COSTS, "sum")
    if name not in known:
        raise ValueError(
            f"unknown loss {name!r}; choose one of {', '.join(known)} or pass a function"
        )
    if name != "sum" and y is None:
        raise ValueError(f"the {name!r} loss needs targets y")
    return name


def draw_step(stepper: Any, *, network: naming.NetworkGraph | None = None, **options: Any) -> Any:
    """The stepper's graph at its current step, as a ``graphviz.Digraph``.

    The input receiving gradient is highlighted (orange) and the step is drawn as a blue
    arrow from the operation to that input, the way the gradient travels, labelled with
    its contribution; gradients are those of the current step. With ``network`` (the
    :class:`~autograd_lite.naming.NetworkGraph` the stepper was made from; a Stepper
    from :meth:`Stepper.for_graph` remembers it) the picture is grouped by layer and
    neuron, parameters are coloured as such and each pre-activation carries its delta,
    as in :func:`draw_mlp`. ``options`` go to :func:`draw`.
    """
    network = network or getattr(stepper, "graph", None)
    labels = {node: pretty(stepper.names.name(node)) for node in stepper.names.order}
    options.setdefault("constants", stepper.names.constants)
    notes: dict[Any, str] = {}
    if network is not None:
        options.setdefault("group", network.groups)
        options.setdefault("parameters", network.parameters)
        for layer in network.zs:
            for z in layer:
                symbol = pretty(f"delta^{network.names[z][2:]}")
                notes[z] = f"{symbol} = {_value_text(z.grad)}"
    view = stepper.current
    if view is None:
        seed = _value_text(stepper.seed)
        options.setdefault("title", f"before step 1 of {len(stepper)}: the seed {seed} at the root")
        return draw(stepper.root, labels=labels, notes=notes, **options)
    step = view.step
    options.setdefault("title", pretty(view.header()))
    accumulation = view.summary().partition(": ")[2]
    if len(accumulation) > 60:
        accumulation = accumulation[:57] + "..."
    before = notes.get(step.input)
    notes[step.input] = (f"{before}; " if before else "") + pretty(
        f"step {view.number}: {accumulation}"
    )
    contribution = f"+= {_value_text(step.contribution)}"
    return draw(
        stepper.root,
        highlight=[step.input],
        labels=labels,
        notes=notes,
        step=step,
        step_label=contribution,
        **options,
    )


# ----------------------------------------------------------------------------- hidden units


def hidden_units(
    model: Any,
    image_shape: tuple[int, int] = (8, 8),
    columns: int | None = None,
    path: str | Path | None = None,
) -> Any:
    """What the first hidden layer looks for: each unit's incoming weights as an image.

    Unit j of the first layer computes ``w_j . x + b_j``; when the inputs are the pixels
    of an image, ``w_j`` can be laid out as that image (``image_shape``, row by row, as
    :func:`autograd_lite.data.load_digits` flattens the digits). Red pixels push the unit
    up, blue ones down, white ones do not matter; the bias is left out. Every image
    shares one symmetric colour scale, from ``-m`` to ``m`` with ``m`` the largest
    ``|w|`` of the layer, so the units can be compared with each other and white is
    exactly 0.

    ``model`` is a Value :class:`~autograd_lite.nn.MLP`, a Tensor
    :class:`~autograd_lite.nn.Sequential` (anything with ``get_weights()``: its first
    ``W``, shaped ``(n_hidden, n_in)``, is drawn) or that matrix itself. ``n_in`` must be
    the number of pixels of ``image_shape``. The grid has ``columns`` columns (default:
    about the square root of the number of units). Returns the matplotlib ``Figure``
    (drawn without pyplot, so no display is needed) and saves it to ``path`` if given
    (the format follows the extension). Needs matplotlib:
    ``pip install autograd-lite[plots]``.

    >>> import numpy as np
    >>> from autograd_lite import nn
    >>> figure = hidden_units(nn.mlp([64, 6, 10], rng=np.random.default_rng(0)))
    >>> len([image for axis in figure.axes for image in axis.images])
    6
    """
    weights = _first_layer_weights(model)
    n_hidden, n_in = weights.shape
    height, width = (int(size) for size in image_shape)
    if height * width != n_in:
        raise ValueError(
            f"hidden_units: the first layer has {n_in} inputs per unit, but image_shape "
            f"{tuple(image_shape)} holds {height * width} pixels; pass the shape of the "
            "input images (e.g. image_shape=(8, 8) for the digits)"
        )
    if columns is None:
        columns = math.ceil(math.sqrt(n_hidden))
    if isinstance(columns, bool) or not isinstance(columns, int) or columns < 1:
        raise ValueError(f"hidden_units: columns must be a positive integer, got {columns!r}")
    columns = min(columns, n_hidden)
    rows = math.ceil(n_hidden / columns)
    figure_class = _matplotlib_figure()
    largest = float(np.max(np.abs(weights)))
    scale = largest if largest > 0 else 1.0  # all zeros: any symmetric scale shows white
    figure = figure_class(figsize=(1.2 * columns + 1.2, 1.2 * rows + 0.7))
    axes = figure.subplots(rows, columns, squeeze=False)
    image = None
    for index, axis in enumerate(axes.flat):
        axis.set_xticks([])
        axis.set_yticks([])
        if index >= n_hidden:
            axis.set_axis_off()
            continue
        image = axis.imshow(
            weights[index].reshape(height, width),
            cmap="RdBu_r",
            vmin=-scale,
            vmax=scale,
            interpolation="nearest",
        )
        axis.set_title(f"unit {index}", fontsize=8)
    figure.suptitle(
        f"first-layer weights of {n_hidden} hidden units (colour scale ±{scale:.3g})",
        fontsize=10,
    )
    figure.colorbar(image, ax=list(axes.flat), shrink=0.8, label="weight")
    if path is not None:
        save_figure(figure, path)
    return figure


def _first_layer_weights(model: Any) -> np.ndarray:
    """The first ``W`` of a network (or ``model`` itself, a matrix), as float64."""
    if hasattr(model, "get_weights"):
        matrix = np.asarray(model.get_weights()[0][0], dtype=np.float64)
    elif isinstance(model, np.ndarray):
        matrix = np.asarray(model, dtype=np.float64)
    else:
        raise TypeError(
            "hidden_units needs a network with get_weights() (nn.MLP, nn.Sequential) or "
            f"a (n_hidden, n_in) weight matrix, got {type(model).__name__}"
        )
    if matrix.ndim != 2 or 0 in matrix.shape:
        raise ValueError(
            f"hidden_units: the first-layer weights must be a non-empty (n_hidden, n_in) "
            f"matrix, got shape {matrix.shape}"
        )
    return matrix


def _matplotlib_figure() -> Any:
    """matplotlib's Figure class (the Agg renderer draws it; pyplot is never imported)."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "hidden_units draws with matplotlib, which is not installed: "
            "pip install autograd-lite[plots]"
        ) from None
    return Figure


# ----------------------------------------------------------------------------- the explorer page

#: Graphs with more values than this open on the layer summary in :func:`explorer`.
EXPLORER_MAX_NODES = 250


def explorer(
    root_or_model: Any,
    x: Any = None,
    y: Any = None,
    *,
    cost: str = "quadratic",
    activation: str | None = None,
    output_activation: str | None = None,
    gradient: Any = None,
    constants: Iterable[Any] = (),
    max_nodes: int = EXPLORER_MAX_NODES,
    rankdir: str = "LR",
    title: str | None = None,
    quiz: str | None = None,
) -> Any:
    """The backward pass as an interactive page: shown inline in Jupyter, ``.save(path)``.

    ``root_or_model`` is one of:

    - a ``Value`` or ``Tensor``: the page steps through ``root.backward(gradient)``
      (``constants``: leaves nobody needs the gradient of, which get no step, as in
      :class:`~autograd_lite.stepper.Stepper`);
    - a network (``nn.MLP``, or a Tensor network with ``trace`` and ``get_weights``)
      with an example ``x`` and target ``y``: the page steps through backpropagation of
      ``cost`` (as :meth:`Stepper.for_mlp`), names nodes ``w^l_jk``, ``z^l_j``... and
      shows the four equations BP1-BP4 with their numbers in closed form;
    - a network built by :func:`autograd_lite.naming.build_network` (what the command
      line's ``--layers``, ``--weights``... describe), or its ``.graph``;
    - a :class:`~autograd_lite.stepper.Stepper`: the page opens where the Stepper is
      (after its ``position`` steps) and the Stepper is left as it was.

    The page (see :mod:`autograd_lite.explorer`) holds everything it needs: the graph as
    SVG, the engine's steps and their text, a script and styles; it works offline from
    ``file://``. Graphs of more than ``max_nodes`` values open on the summary of
    :func:`draw` (one box per layer of a network, per level of depth otherwise), with
    the same steps. ``quiz="contribution"`` or ``"local"`` opens the page with its quiz on
    (as ``step --quiz``): it asks for each step's contribution, or its local derivative,
    before showing it, and keeps a score. Returns an :class:`autograd_lite.explorer.Explorer`.

    >>> from autograd_lite.value import Value
    >>> x = Value(2.0, label="x")
    >>> page = explorer((x * x + 1).tanh())
    >>> "<svg" in page.html and 'id="explorer-data"' in page.html
    True
    """
    # The page builder (it makes the Stepper; it imports neither this module nor graphviz).
    from . import explorer as pages
    from .stepper import QUIZ_KINDS

    if max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, got {max_nodes}")
    if quiz is not None and quiz not in QUIZ_KINDS:  # before the layout, which takes time
        raise ValueError(f"quiz must be one of {', '.join(QUIZ_KINDS)} or None, got {quiz!r}")
    # A network (nn.MLP, naming.Example or NetworkGraph) or a Stepper; else a node.
    network = hasattr(root_or_model, "get_weights") or hasattr(root_or_model, "graph")
    if not network and not pages.is_stepper(root_or_model):
        _check_root(root_or_model)
    stepper, own, title = pages.stepper_for(
        root_or_model,
        x,
        y,
        cost=cost,
        activation=activation,
        output_activation=output_activation,
        gradient=gradient,
        constants=constants,
        title=title,
    )
    try:
        graph = stepper.graph
        labels = stepper.names.custom
        constants = list(graph.constants) if graph is not None else list(constants)
        parameters = list(graph.parameters) if graph is not None else None
        groups = dict(graph.groups) if graph is not None and graph.groups else None
        digraph = draw(
            stepper.root,
            rankdir=rankdir,
            max_nodes=max_nodes,
            group=groups,
            labels=labels,
            parameters=parameters,
            constants=constants,
        )
        svg = _explorer_svg(digraph)
        blocks = None
        if len(stepper.names.order) > max_nodes:
            layout = _Layout(stepper.root, labels, constants)
            keys = _summary_keys(
                layout, _group_function(groups), set(parameters) if parameters else None
            )
            boxes = {node: key[-1] for node, key in zip(layout.order, keys)}
            blocks = pages.summary_blocks(svg, boxes)
        text = pages.page(
            stepper,
            svg,
            title=title,
            blocks=blocks,
            position=None if own else stepper.position,
            quiz=quiz,
        )
    finally:
        if own:
            stepper.close()
    return pages.Explorer(text)


def _explorer_svg(digraph: Any) -> str:
    """The picture of the page, laid out by Graphviz within :data:`LAYOUT_TIMEOUT`."""
    if shutil.which("dot") is None:
        raise GraphvizNotFound(f"the Graphviz `dot` executable is missing; {INSTALL_HINT}")
    try:
        finished = subprocess.run(
            ["dot", "-Tsvg"],
            input=digraph.source.encode("utf-8"),
            capture_output=True,
            timeout=LAYOUT_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:  # it vanished between the check and the run
        raise GraphvizNotFound(
            f"the Graphviz `dot` executable is missing; {INSTALL_HINT}"
        ) from None
    except subprocess.TimeoutExpired:
        reason = f"took more than {LAYOUT_TIMEOUT:g} s to lay out {_size(digraph)}"
    else:
        if finished.returncode == 0 and finished.stdout:
            svg: str = finished.stdout.decode("utf-8")
            return svg
        said = finished.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = f"`dot` failed on {_size(digraph)} ({said[-1] if said else 'no output'})"
    raise GraphvizFailed(
        f"cannot draw the page's graph: Graphviz {reason}; a smaller max_nodes opens it on "
        "the layer summary",
        reason,
    )
