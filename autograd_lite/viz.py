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
[n2] tanh  data 0.2449  grad 1.0000
  [n1] *  data 0.2500  grad 0.9400
    a: [n0] x  data 0.5000  grad 0.9400
    b: -> [n0] x

This is the only module of the project that imports ``graphviz``, and it only reads
graphs: nothing here computes a gradient (:func:`draw_mlp` asks the engine to run one
backward pass, the way a training step would, and puts the model's gradients back).
"""

from __future__ import annotations

import math
import shutil
import subprocess
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import graphviz  # untyped: pyproject.toml tells mypy to ignore its missing stubs
import numpy as np

from . import engine
from .files import atomic_write, free_name, save_figure
from .stepper import argument_name, numbered_nodes

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
}
_HIGHLIGHT_LINE = "red"

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

    Nodes are named ``n0, n1, ...`` by :func:`autograd_lite.stepper.numbered_nodes`,
    as the stepper names them. Nodes the engine leaves out because they need no
    gradient (a Tensor of inputs, a target) are drawn as leaves: the engine records no
    history behind them.
    """

    def __init__(self, root: Any) -> None:
        self.root = root
        self.order, base = numbered_nodes(root)
        self.explored = set(base)
        self.names = [f"n{i}" for i in range(len(self.order))]
        self.index: dict[Any, int] = {node: i for i, node in enumerate(self.order)}

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
        return "None"
    if isinstance(x, np.ndarray):
        return _array_text(x)
    return _number(x)


def _fields(
    node: Any, show: tuple[str, ...], labels: Mapping[Any, str], notes: Mapping[Any, str]
) -> list[str]:
    """The lines that describe a node: label, shape and dtype, data, grad, note."""
    lines = []
    if "label" in show:
        label = _label(node, labels)
        if label:
            lines.append(label)
    data = node.data
    if isinstance(data, np.ndarray):
        lines.append(f"shape {tuple(data.shape)} {data.dtype}")
    if "data" in show:
        lines.append(f"data {_value_text(data)}")
    if "grad" in show:
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
            graphviz.nohtml("edge labels a, b: argument positions"),
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
    max_nodes: int = 2000,
    group: Grouping | None = None,
    legend: bool = False,
    *,
    parameters: Iterable[Any] | None = None,
    labels: Mapping[Any, str] | None = None,
    notes: Mapping[Any, str] | None = None,
    title: str | None = None,
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

    ``group`` maps nodes (a mapping, or a function of the node) to a group name, or to a
    tuple of names for nested groups such as ``("layer 1", "neuron 2")``; each group is
    drawn as a cluster. ``labels`` and ``notes`` give nodes a shown label (instead of
    ``.label``) and an extra line, without touching the nodes.

    Graphs of more than ``max_nodes`` values are summarised: one box per group (the
    outermost of nested groups: a network's layers) or, for nodes without a group, per
    operation name, with node counts, and arrows between boxes labelled with the number
    of edges they stand for; the title says so.

    The output is deterministic: nodes are named ``n0, n1, ...`` by their position in
    the engine's topological order, so the same graph always gives the same DOT text
    (``draw(y).source``); an operation is named after its result (``n2_op``). Nodes the
    engine leaves out because they need no gradient (a Tensor of inputs, a constant
    Tensor) are drawn as leaves, numbered just before the first node that uses them.

    >>> from autograd_lite.value import Value
    >>> x = Value(3.0, label="x")
    >>> dot = draw(x * x)
    >>> print([line.strip() for line in dot.source.splitlines() if "->" in line])
    ['n0 -> n1_op [label=a]', 'n0 -> n1_op [label=b]', 'n1_op -> n1']
    """
    fields = _check_options(rankdir, show)
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, got {max_nodes}")
    _check_root(root)
    layout = _Layout(root)
    parameter_set = set(parameters) if parameters is not None else None
    highlights = _Highlights(highlight, layout)
    group_of = _group_function(group)
    if len(layout.order) > max_nodes:
        return _draw_summary(
            layout, rankdir, max_nodes, group, parameter_set, highlights, legend, title
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
        lines = _fields(node, fields, labels or {}, notes or {})
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
    return digraph


class _Block:
    """One box of a summarised drawing: a group's (or an operation's) nodes."""

    __slots__ = ("inner_edges", "kinds", "marked", "name", "nodes")

    def __init__(self, name: int) -> None:
        self.name = f"b{name}"
        self.nodes = 0
        self.inner_edges = 0
        self.kinds: set[str] = set()
        self.marked = False


def _draw_summary(
    layout: _Layout,
    rankdir: str,
    max_nodes: int,
    group: Grouping | None,
    parameters: set[Any] | None,
    highlights: _Highlights,
    legend: bool,
    title: str | None,
) -> Any:
    """One box per group (or per operation name), arrows between boxes with counts."""
    keys = _summary_keys(layout, _group_function(group), parameters)
    blocks: dict[tuple[str, ...], _Block] = {}
    if len(set(keys)) > max_nodes:  # too many groups to draw: one box per operation
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
        block.kinds.add(_kind(layout.order[i], layout, parameters))
        block.marked = block.marked or i in highlights.nodes

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

    per = "group" if any(key[0] != "\0" for key in blocks) else "operation"
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
    """The block of each node: its (outermost) group, or "\\0" and its operation's name."""
    keys = []
    for node in layout.order:
        path = group_of(node)
        if path:
            keys.append(path[:1])
        elif node is layout.root:
            keys.append(("\0", "output"))
        elif layout.parents(node):
            keys.append(("\0", _op_name(node)))
        elif _is_parameter(node, parameters):
            keys.append(("\0", "parameters"))
        else:
            keys.append(("\0", "inputs and constants"))
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
) -> str:
    """The graph behind ``root`` as an indented tree, for a terminal.

    The root comes first; each node's inputs follow, indented, in argument order
    (``a:``, ``b:`` when an operation has two or more). A node is written out once; where
    it appears again, a reference ``-> [n3]`` points back to it. The names ``[n0]``,
    ``[n1]``... are the ones :func:`draw` uses. ``max_lines`` cuts a long tree short and
    says how many lines were left out.

    >>> from autograd_lite.value import Value
    >>> x = Value(3.0, label="x")
    >>> print(text(x * x, show=("label", "data")))
    [n1] *  data 9.0000
      a: [n0] x  data 3.0000
      b: -> [n0] x
    """
    fields = _check_options("LR", show)
    if max_lines is not None and max_lines < 1:
        raise ValueError(f"max_lines must be at least 1, got {max_lines}")
    _check_root(root)
    numbers = tuple(field for field in fields if field != "label")  # the label leads the line
    layout = _Layout(root)
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
        head = f"{indent}{position}{'-> ' if seen else ''}[{layout.names[index]}]"
        head += _text_name(node, layout, labels or {}, "label" in fields)
        if seen:
            lines.append(head)
        else:
            details = _fields(node, numbers, {}, notes or {})
            lines.append("  ".join([head, *details]).rstrip())
    if left_out:
        lines.append(f"... {left_out:,} more lines (max_lines={max_lines})")
    return "\n".join(lines)


def _text_name(node: Any, layout: _Layout, labels: Mapping[Any, str], with_label: bool) -> str:
    """`` tanh``, `` o = tanh`` or `` x``: the operation, the label, or both."""
    label = _label(node, labels) if with_label else ""
    if layout.parents(node):
        op_name = _op_name(node)
        return f" {label} = {op_name}" if label else f" {op_name}"
    return f" {label}" if label else " leaf"


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

_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _sup(n: int) -> str:
    return str(n).translate(_SUPERSCRIPTS)


def _sub(*indices: int) -> str:
    """Subscript indices: ``_sub(1, 2)`` is "₁₂"; a comma separates them past 9."""
    separator = "," if any(i > 9 for i in indices) else ""
    return separator.join(str(i) for i in indices).translate(_SUBSCRIPTS)


def draw_mlp(
    model: Any,
    x: Any,
    y: Any = None,
    *,
    loss: str | Callable[[Any, Any], Any] | None = None,
    rankdir: str = "LR",
    show: Iterable[str] = _DEFAULT_SHOW,
    legend: bool = True,
    max_nodes: int = 2000,
    title: str | None = None,
) -> Any:
    """Backpropagate through ``model`` on ``x`` and draw it, layer by layer, with deltas.

    ``model.trace(x)`` gives each layer's pre-activations ``z`` and activations ``a``.
    For a Value MLP (:class:`autograd_lite.nn.MLP`) ``x`` is one example, a list of
    numbers; nodes are grouped by layer and neuron. For a Tensor network ``x`` is a batch
    (rows are examples); nodes are grouped by layer. Layers are numbered from 1 (the
    input is layer 0), neurons from 1, and names follow the backpropagation literature:
    ``xₖ``, ``wˡⱼₖ``, ``bˡⱼ``, ``zˡⱼ``, ``aˡⱼ`` (Tensor networks: ``X``, ``Wˡ``,
    ``bˡ``, ``zˡ``, ``aˡ``, ``Y``).

    The loss is ``loss(output, y)`` when ``loss`` is a function; otherwise it is named
    as the costs of :class:`autograd_lite.backprop.Network`: ``"quadratic"`` (the
    default when ``y`` is given) is ``½ Σⱼ (aᴸⱼ - yⱼ)²``, ``"mse"`` is
    ``Σⱼ (aᴸⱼ - yⱼ)²``, both averaged over the examples of a batch; ``"sum"`` (the
    default without ``y``) is the sum of the outputs. After one
    backward pass from the loss, each pre-activation node carries its delta
    ``δˡⱼ = ∂loss/∂zˡⱼ`` (its gradient, the quantity of equations BP1 and BP2). The
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
        lambda picture: draw(
            picture.root,
            rankdir=rankdir,
            show=show,
            max_nodes=max_nodes,
            group=picture.group,
            legend=legend,
            parameters=picture.parameters,
            labels=picture.labels,
            notes=picture.notes,
            title=title or picture.title,
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
) -> str:
    """:func:`draw_mlp` for a terminal: a title line, then the :func:`text` tree."""
    _check_options("LR", show)
    return _with_mlp(
        model,
        x,
        y,
        loss,
        lambda picture: (
            picture.title
            + "\n"
            + text(
                picture.root,
                show,
                labels=picture.labels,
                notes=picture.notes,
                max_lines=max_lines,
            )
        ),
    )


class _MLPPicture:
    """What a picture of an MLP needs: the loss node and the names, notes and groups."""

    def __init__(self, model: Any) -> None:
        self.root: Any = None
        self.labels: dict[Any, str] = {}
        self.notes: dict[Any, str] = {}
        self.group: dict[Any, tuple[str, ...]] = {}
        self.parameters: list[Any] = (
            list(model.parameters()) if hasattr(model, "parameters") else []
        )
        self.title = ""


def _with_mlp(
    model: Any,
    x: Any,
    y: Any,
    loss: str | Callable[[Any, Any], Any] | None,
    render: Callable[[_MLPPicture], _T],
) -> _T:
    """Run the model, backpropagate the loss and render, then restore the gradients."""
    picture = _MLPPicture(model)
    saved = [p.grad for p in picture.parameters]
    engine.zero_grad(picture.parameters)
    try:
        if _is_node(x) or np.ndim(x) >= 2:
            _trace_tensor_mlp(picture, model, x, y, loss)
        else:
            _trace_value_mlp(picture, model, x, y, loss)
        return render(picture)
    finally:
        for parameter, grad in zip(picture.parameters, saved):
            parameter.grad = grad


def _loss_name(loss: str | Callable[[Any, Any], Any] | None, y: Any) -> str | None:
    if callable(loss):
        return None
    name = loss if loss is not None else ("quadratic" if y is not None else "sum")
    if name not in _LOSSES:
        raise ValueError(
            f"unknown loss {name!r}; choose one of {', '.join(_LOSSES)} or pass a function"
        )
    if name != "sum" and y is None:
        raise ValueError(f"the {name!r} loss needs targets y")
    return name


# The losses draw_mlp builds, named as in backprop.Network: C for one example (a batch
# takes the mean over its examples), with what the title says about each.
_LOSSES = {"quadratic": "½ Σ (a - y)²", "mse": "Σ (a - y)²", "sum": "Σ outputs"}


def _mlp_title(sizes: Sequence[int], loss_name: str | None, cost: Any, examples: int = 0) -> str:
    loss_text = _LOSSES[loss_name] if loss_name is not None else "loss"
    if examples and loss_name != "sum":
        loss_text += f", the mean over {examples} examples"
    shape = "-".join(str(size) for size in sizes)
    return f"MLP {shape}: loss = {loss_text} = {_value_text(cost)}; δˡⱼ = ∂loss/∂zˡⱼ"


def _trace_value_mlp(
    picture: _MLPPicture,
    model: Any,
    x: Any,
    y: Any,
    loss: str | Callable[[Any, Any], Any] | None,
) -> None:
    from .value import Value

    loss_name = _loss_name(loss, y)
    inputs = [v if isinstance(v, Value) else Value(float(v)) for v in np.ravel(x).tolist()]
    labels, notes, group = picture.labels, picture.notes, picture.group
    for k, v in enumerate(inputs, start=1):
        labels[v] = f"x{_sub(k)}"
        group[v] = ("input",)
    pairs = model.trace(inputs)
    outputs = list(pairs[-1][1])
    targets: list[Any] = []
    if loss_name in ("quadratic", "mse"):
        targets = [Value(float(t)) for t in np.ravel(y).tolist()]
        if len(targets) != len(outputs):
            raise ValueError(
                f"y has {len(targets)} targets, the network has {len(outputs)} outputs"
            )
        squares = [(a - t) * (a - t) for a, t in zip(outputs, targets)]
        cost = sum(squares[1:], squares[0])
        if loss_name == "quadratic":
            cost = cost * 0.5
    elif loss_name == "sum":
        cost = sum(outputs[1:], outputs[0])
    else:
        assert callable(loss)
        cost = loss(outputs, y)
    cost.backward()

    previous = frozenset(inputs)
    for l, (zs, activations) in enumerate(pairs, start=1):
        for j, (z, a) in enumerate(zip(zs, activations), start=1):
            for node in engine.topological_order(a, stop=previous):
                group.setdefault(node, (f"layer {l}", f"neuron {j}"))
            labels[z] = f"z{_sup(l)}{_sub(j)}"
            if a is not z:
                labels[a] = f"a{_sup(l)}{_sub(j)}"
            notes[z] = f"δ{_sup(l)}{_sub(j)} = {_number(z.grad)}"
        previous = frozenset(activations)
    for l, layer in enumerate(getattr(model, "layers", []), start=1):
        for j, neuron in enumerate(getattr(layer, "neurons", []), start=1):
            for k, w in enumerate(getattr(neuron, "w", []), start=1):
                labels[w] = f"w{_sup(l)}{_sub(j, k)}"
            if hasattr(neuron, "b"):
                labels[neuron.b] = f"b{_sup(l)}{_sub(j)}"
    for j, t in enumerate(targets, start=1):
        labels[t] = f"y{_sub(j)}"
    labels.setdefault(cost, "loss")  # a one-output network's "sum" loss is its output
    for node in engine.topological_order(cost, stop=previous):
        group.setdefault(node, ("loss",))
    picture.root = cost
    picture.title = _mlp_title([len(inputs)] + [len(zs) for zs, _ in pairs], loss_name, cost.data)


def _trace_tensor_mlp(
    picture: _MLPPicture,
    model: Any,
    x: Any,
    y: Any,
    loss: str | Callable[[Any, Any], Any] | None,
) -> None:
    from .losses import NETWORK_COSTS
    from .tensor import Tensor

    loss_name = _loss_name(loss, y)
    inputs = x if _is_node(x) else Tensor(np.asarray(x, dtype=np.float64))
    labels, notes, group = picture.labels, picture.notes, picture.group
    labels[inputs] = "X"
    group[inputs] = ("input",)
    pairs = model.trace(inputs)
    output = pairs[-1][1]
    target = None
    if loss_name in ("quadratic", "mse"):
        target = y if _is_node(y) else Tensor(np.asarray(y, dtype=np.float64))
        cost = NETWORK_COSTS[loss_name](output, target)
    elif loss_name == "sum":
        cost = output.sum()
    else:
        assert callable(loss)
        cost = loss(output, y)
    cost.backward()

    parameters = set(picture.parameters)
    previous = frozenset([inputs])
    for l, (z, a) in enumerate(pairs, start=1):
        for node in _with_constants(engine.topological_order(a, stop=previous)):
            group.setdefault(node, (f"layer {l}",))
            if node in parameters and node not in labels:
                labels[node] = f"{'W' if node.data.ndim == 2 else 'b'}{_sup(l)}"
        labels[z] = f"z{_sup(l)}"
        if a is not z:
            labels[a] = f"a{_sup(l)}"
        notes[z] = f"δ{_sup(l)} = ∂loss/∂z{_sup(l)}: its grad"
        previous = frozenset([a])
    if target is not None:
        labels[target] = "Y"
        group[target] = ("loss",)
    labels.setdefault(cost, "loss")
    for node in _with_constants(engine.topological_order(cost, stop=previous)):
        group.setdefault(node, ("loss",))
    picture.root = cost
    sizes = [inputs.shape[-1]] + [z.shape[-1] for z, _ in pairs]
    examples = inputs.shape[0] if len(inputs.shape) > 1 else 1
    picture.title = _mlp_title(sizes, loss_name, cost.data, examples)


def _with_constants(nodes: list[Any]) -> list[Any]:
    """``nodes`` and the inputs they use that need no gradient (which the engine skips)."""
    extra = [p for node in nodes for p in node.parents if not p.requires_grad]
    return nodes + extra


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
