"""Tests of autograd_lite.viz: DOT text, rendering, large graphs, text trees, MLPs."""

from __future__ import annotations

import doctest
import importlib.util
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lite import backprop, engine, nn, viz
from autograd_lite.tensor import Tensor
from autograd_lite.value import Value

ROOT = Path(__file__).resolve().parent.parent
HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="the Graphviz dot executable is missing")
SVG = "{http://www.w3.org/2000/svg}"

HEADER = [
    "digraph autograd_lite {",
    "\tgraph [fontname=Helvetica rankdir=LR]",
    "\tnode [fontname=Helvetica fontsize=11 shape=record style=filled]",
    "\tedge [arrowsize=0.7 fontname=Helvetica fontsize=9]",
]
OP = 'fillcolor=lemonchiffon fontsize=10 height=0.3 margin="0.04,0.02" shape=ellipse'


def small_expression() -> tuple[Value, Value, Value]:
    """y = tanh(a*b + a) with a = 0.5, b = -1: a*b + a = 0, so every number is exact."""
    a, b = Value(0.5, label="a"), Value(-1.0, label="b")
    y = (a * b + a).tanh()
    return y, a, b


def names(root: Any) -> dict[Any, str]:
    """The names the drawing must use: positions in the engine's topological order."""
    return {node: f"n{i}" for i, node in enumerate(engine.topological_order(root))}


def chain(length: int) -> Value:
    """A graph of exactly ``length`` Values: x, then (previous * 1.0) over and over.

    Each step adds two Values (the constant 1.0 and the product), so ``length`` is odd.
    """
    assert length % 2 == 1
    node = Value(1.0, label="x")
    for _ in range((length - 1) // 2):
        node = node * 1.0
    return node


# ----------------------------------------------------------------------------- DOT text


def test_dot_text_of_a_known_expression_is_exact() -> None:
    y, a, b = small_expression()
    y.backward()
    product, total = y.parents[0].parents[0], y.parents[0]
    n = names(y)
    expected = [
        *HEADER,
        *sorted(
            [
                f'\t{n[a]} [label="{{ a | data 0.5000 | grad 0.0000 }}" fillcolor=lightblue]',
                f'\t{n[b]} [label="{{ b | data -1.0000 | grad 0.5000 }}" fillcolor=lightblue]',
            ],
            key=lambda line: int(line.split()[0][1:]),
        ),
        # unnamed interior nodes are named by the expression they compute
        f'\t{n[product]} [label="{{ a·b | data -0.5000 | grad 1.0000 }}" fillcolor=white]',
        f'\t{n[product]}_op [label="*" {OP}]',
        f'\t{n[total]} [label="{{ a·b + a | data 0.0000 | grad 1.0000 }}" fillcolor=white]',
        f'\t{n[total]}_op [label="+" {OP}]',
        f'\t{n[y]} [label="{{ tanh(a·b + a) | data 0.0000 | grad 1.0000 }}" fillcolor=palegreen]',
        f"\t{n[y]}_op [label=tanh {OP}]",
        # edges in argument order: a is the first argument of * and the second of +
        f"\t{n[a]} -> {n[product]}_op [label=1]",
        f"\t{n[b]} -> {n[product]}_op [label=2]",
        f"\t{n[product]}_op -> {n[product]}",
        f"\t{n[product]} -> {n[total]}_op [label=1]",
        f"\t{n[a]} -> {n[total]}_op [label=2]",
        f"\t{n[total]}_op -> {n[total]}",
        f"\t{n[total]} -> {n[y]}_op",
        f"\t{n[y]}_op -> {n[y]}",
        "}",
    ]
    assert viz.draw(y).source.splitlines() == expected
    assert sorted(n.values()) == ["n0", "n1", "n2", "n3", "n4"]


def test_same_graph_same_text_and_no_ids() -> None:
    y, _, _ = small_expression()
    first = viz.draw(y).source
    assert viz.draw(y).source == first
    # A separately built but identical graph (other ids) gives the very same text.
    other, _, _ = small_expression()
    assert viz.draw(other).source == first
    assert str(id(y)) not in first


def test_show_chooses_the_fields() -> None:
    y, a, _ = small_expression()
    source = viz.draw(y, show=("data",)).source
    assert f'{names(y)[a]} [label="{{ data 0.5000 }}"' in source
    assert "| grad" not in source and "| a |" not in source
    with pytest.raises(ValueError, match="unknown field 'value'"):
        viz.draw(y, show=("value",))
    with pytest.raises(ValueError, match="rankdir must be one of"):
        viz.draw(y, rankdir="XY")


def test_top_to_bottom_records_have_no_braces() -> None:
    y, a, _ = small_expression()
    source = viz.draw(y, rankdir="TB").source
    assert "rankdir=TB" in source
    assert f'{names(y)[a]} [label="a | data 0.5000 | grad 0.0000"' in source


def test_labels_are_escaped_for_records() -> None:
    x = Value(1.0, label="{x|<y>}\\")
    source = viz.draw(x * 2).source
    assert '"{ \\{x\\|\\<y\\>\\}\\\\ | data 1.0000 | grad 0.0000 }"' in source


def test_numbers_far_from_one_use_scientific_notation() -> None:
    big, tiny, nan = Value(1.5e7, label="big"), Value(-2e-6, label="tiny"), Value(float("nan"))
    source = viz.draw(big + tiny + nan).source
    assert "data 1.500e+07" in source
    assert "data -2.000e-06" in source
    assert "data nan" in source


def test_kinds_and_colours() -> None:
    x = Value(2.0, label="x")
    constant = Value(3.0)  # an unlabelled leaf: a constant
    y = x * constant
    n = names(y)
    source = viz.draw(y).source
    assert f"{n[x]} [" in source and "fillcolor=lightblue" in _line(source, n[x])
    assert "fillcolor=gray90" in _line(source, n[constant])
    assert "fillcolor=palegreen" in _line(source, n[y])
    # parameters= decides which leaves are parameters
    source = viz.draw(y, parameters=[constant]).source
    assert "fillcolor=gray90" in _line(source, n[x])
    assert "fillcolor=lightblue" in _line(source, n[constant])


def _line(source: str, name: str) -> str:
    (line,) = [line for line in source.splitlines() if line.strip().startswith(f"{name} [")]
    return line


def test_highlight_nodes_and_edges() -> None:
    x = Value(3.0, label="x")
    w = Value(2.0, label="w")
    square = x * x
    y = square + w
    n = names(y)
    source = viz.draw(y, highlight=[w, (square, x, 1)]).source
    assert "fillcolor=orange" in _line(source, n[w])
    assert "penwidth=2" in _line(source, n[w])
    edges = [line.strip() for line in source.splitlines() if "->" in line]
    # only the second use of x (position b) is highlighted, and the op's output edge
    assert f"{n[x]} -> {n[square]}_op [label=1]" in edges
    assert f"{n[x]} -> {n[square]}_op [label=2 color=red penwidth=2.5]" in edges
    assert f"{n[square]}_op -> {n[square]} [color=red penwidth=2.5]" in edges
    # (child, parent) without a position highlights every use
    source = viz.draw(y, highlight=[(square, x)]).source
    assert source.count("label=1 color=red") == 1 and source.count("label=2 color=red") == 1
    # an engine.Step means its own edge
    steps: list[engine.Step] = []
    engine.backward(y, 1.0, observer=steps.append)
    step = next(s for s in steps if s.node is square and s.position == 0)
    source = viz.draw(y, highlight=[step]).source
    assert f"{n[x]} -> {n[square]}_op [label=1 color=red penwidth=2.5]" in source
    with pytest.raises(ValueError, match="not a node of the graph"):
        viz.draw(y, highlight=[Value(1.0)])
    with pytest.raises(ValueError, match="is not an input of"):
        viz.draw(y, highlight=[(y, x)])


def test_legend_only_when_asked() -> None:
    y, _, _ = small_expression()
    assert "cluster_legend" not in viz.draw(y).source
    source = viz.draw(y, legend=True).source
    assert "subgraph cluster_legend" in source
    for kind, colour in viz.COLOURS.items():
        if kind == "gradient":  # an edge colour, which the legend's last line names
            assert "blue: the current step's gradient" in source
            continue
        assert f"legend_{kind} [" in source
        assert f"fillcolor={colour}" in _line(source, f"legend_{kind}")
    # the docstring carries the same legend
    assert viz.draw.__doc__ is not None
    for word in ("parameter", "input", "interior", "output", "operation", "highlight"):
        assert word in viz.draw.__doc__


def test_groups_become_nested_clusters_in_mapping_order() -> None:
    x = Value(1.0, label="x")
    hidden = (x * 2).tanh()
    y = hidden * 3
    group = {y: ("net", "out"), hidden: ("net", "hidden"), x: "input"}
    source = viz.draw(y, group=group).source
    assert source.index("label=out style=rounded") < source.index("label=hidden style=rounded")
    assert source.index("label=hidden style=rounded") < source.index("label=input style=rounded")
    assert source.count("subgraph cluster_") == 4  # net, out, hidden, input
    # the cluster "net" encloses both inner clusters
    net = source.index("label=net")
    assert net < source.index("label=out") and net < source.index("label=hidden")
    # a callable works too; nodes it maps to None stay outside every cluster
    source = viz.draw(y, group=lambda node: "leaves" if not node.parents else None).source
    assert source.count("subgraph cluster_") == 1


# ----------------------------------------------------------------------------- rendering


@needs_dot
def test_svg_and_png_through_dot(tmp_path: Path) -> None:
    y, _, _ = small_expression()
    y.backward()
    svg = viz.save(y, tmp_path / "graph.svg")
    tree = ET.parse(svg)
    groups = [g for g in tree.iter(f"{SVG}g") if g.get("class") == "node"]
    titles = sorted(g.find(f"{SVG}title").text or "" for g in groups)  # type: ignore[union-attr]
    assert titles == sorted(["n0", "n1", "n2", "n2_op", "n3", "n3_op", "n4", "n4_op"])
    assert [g for g in tree.iter(f"{SVG}g") if g.get("class") == "edge"].__len__() == 8
    png = viz.save(y, tmp_path / "graph.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pdf = viz.save(viz.draw(y), tmp_path / "graph.out", format="pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"


@needs_dot
def test_jupyter_display_still_works() -> None:
    y, _, _ = small_expression()
    bundle = viz.draw(y)._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")


def test_save_dot_text_needs_no_graphviz(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    y, _, _ = small_expression()
    path = viz.save(y, tmp_path / "graph.gv")
    assert path.read_text(encoding="utf-8") == viz.draw(y).source
    with pytest.raises(ValueError, match="cannot tell the output format"):
        viz.save(y, tmp_path / "graph.jpeg")


def test_missing_dot_explains_and_writes_the_dot_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "")
    y, _, _ = small_expression()
    with pytest.raises(viz.GraphvizNotFound) as caught:
        viz.save(y, tmp_path / "picture.svg")
    message = str(caught.value)
    assert isinstance(caught.value, RuntimeError)
    assert "the Graphviz `dot` executable is missing" in message
    assert "apt-get install graphviz" in message
    assert "brew install graphviz" in message
    assert "conda install graphviz" in message
    fallback = tmp_path / "picture.dot"
    assert f"the DOT text was written to {fallback} instead" in message
    assert fallback.read_text(encoding="utf-8") == viz.draw(y).source
    assert not (tmp_path / "picture.svg").exists()


# ----------------------------------------------------------------------------- size


def test_a_graph_of_two_thousand_values_is_drawn_whole() -> None:
    root = chain(1999).tanh()  # 2,000 Values
    source = viz.draw(root, max_nodes=2000).source
    assert "summarised" not in source
    assert len(re.findall(r"^\tn\d+ \[", source, flags=re.M)) == 2000
    assert len(re.findall(r"^\tn\d+_op \[", source, flags=re.M)) == 1000
    assert "\tn1999 [" in source and "\tn2000 [" not in source
    assert "summarised: 2,001 nodes" in viz.draw(root.tanh(), max_nodes=2000).source
    # by default, graphs are summarised well before they are unreadable
    assert viz.MAX_NODES == 300 and "summarised: 2,000 nodes" in viz.draw(root).source


def test_fifty_thousand_nodes_are_summarised_without_recursion() -> None:
    # How fast is for benchmarks to say; this checks the summary of a deep graph is right.
    root = chain(50_001)
    source = viz.draw(root).source
    assert "summarised: 50,001 nodes and 50,000 edges (more than max_nodes=300)" in source
    assert "one box per level of depth" in source
    assert_summary_is_a_dag(source)
    boxes = re.findall(r'^\t(b\d+) \[label="([^"]*)"', source, flags=re.M)
    counts = [int(label.split("\\n")[1].split()[0].replace(",", "")) for _, label in boxes]
    assert sum(counts) == 50_001 and len(boxes) <= 13
    inside = sum(int(m.replace(",", "")) for m in re.findall(r"\\n([\d,]+) edges inside", source))
    arrows = re.findall(r"-> b\d+ \[label=\"?([\d,]+)", source)
    edge_counts = [int(c.replace(",", "")) for c in arrows]
    assert sum(edge_counts) + inside == 50_000  # every edge counted once
    # the text tree of the same depth needs no recursion either
    tree = viz.text(root, max_lines=5)
    assert tree.splitlines()[-1] == "... 49,996 more lines (max_lines=5)"  # one per node
    assert len(tree.splitlines()) == 6


def test_summary_by_group_with_counts_and_highlight() -> None:
    root = chain(101)
    order = engine.topological_order(root)
    halves = {node: ("first" if i < 50 else "second") for i, node in enumerate(order)}
    inside = {"first": 0, "second": 0}
    across = 0
    for node in order:
        for parent in node.parents:
            if halves[parent] == halves[node]:
                inside[halves[node]] += 1
            else:
                across += 1
    source = viz.draw(root, max_nodes=10, group=halves, highlight=[root]).source
    assert "one box per group" in source

    def box(name: str, nodes: int, edges: int) -> str:
        inner = f"\\n{edges} edges inside" if edges else ""
        return f"{name}\\n{nodes} nodes{inner}\\n‖grad‖ 0.0000"  # before backward

    assert f'\tb0 [label="{box("first", 50, inside["first"])}"' in source
    assert f'\tb1 [label="{box("second", 51, inside["second"])}"' in source
    assert "color=red fillcolor=orange" in _line(source, "b1")
    assert f"\tb0 -> b1 [label={across}]" in source
    assert across + inside["first"] + inside["second"] == 100


# ----------------------------------------------------------------------------- text


def test_text_tree_prints_each_node_once() -> None:
    y, a, _ = small_expression()
    y.backward()
    n = names(y)
    assert viz.text(y).splitlines() == [
        "tanh(a*b + a) (tanh)  data 0.0  grad 1.0",
        "  a*b + a (+)  data 0.0  grad 1.0",
        "    1: a*b (*)  data -0.5  grad 1.0",
        "      1: a  data 0.5  grad 0.0",
        "      2: b  data -1.0  grad 0.5",
        "    2: -> a",
    ]
    assert viz.text(y, show=("label",)).splitlines()[3] == "      1: a"
    # without names, the tree uses the DOT identifiers of the picture
    assert viz.text(y, show=()).splitlines()[3] == f"      1: {n[a]}"


def test_text_names_labelled_interior_nodes_and_leaves() -> None:
    x = Value(2.0)
    y = x * 3.0
    y.label = "y"
    lines = viz.text(y, show=("label",)).splitlines()
    assert lines[0] == "y (*)"
    assert viz.text(y, show=()).splitlines()[0] == "n2 (*)"
    # the unlabelled x is named by its number, the constant 3 too; given as a constant,
    # the 3 needs no grad
    assert lines[1:] == ["  1: 2", "  2: 3"]
    three = y.parents[1]
    assert viz.text(y, show=("grad",)).splitlines()[2].endswith("  grad 0.0")
    assert (
        viz.text(y, show=("grad",), constants=[three]).splitlines()[2].endswith("  needs no grad")
    )


def assert_summary_is_a_dag(source: str) -> None:
    """The boxes and arrows of a summary have no cycle (Kahn's algorithm empties them)."""
    edges = re.findall(r"^\t(b\d+) -> (b\d+)", source, flags=re.M)
    boxes = set(re.findall(r"^\t(b\d+) \[", source, flags=re.M))
    incoming = {box: 0 for box in boxes}
    for _, head in edges:
        incoming[head] += 1
    ready = [box for box, count in incoming.items() if count == 0]
    removed = 0
    while ready:
        box = ready.pop()
        removed += 1
        for tail, head in edges:
            if tail == box:
                incoming[head] -= 1
                if incoming[head] == 0:
                    ready.append(head)
    assert removed == len(boxes), "the summary has a cycle"


def test_summary_of_an_expression_has_no_cycles() -> None:
    # tanh and + alternate: boxes per operation would draw + <-> tanh, levels cannot
    x = Value(0.5, label="x")
    y = x
    for _ in range(200):
        y = (y + x).tanh()
    y.backward()
    source = viz.draw(y, max_nodes=50).source
    assert_summary_is_a_dag(source)
    assert re.search(r"‖grad‖ \d", source)


def test_deep_indentation_is_capped() -> None:
    lines = viz.text(chain(201), show=()).splitlines()
    deepest = next(line for line in lines if "(depth 100) " in line)
    assert deepest.startswith("  " * 40 + "(depth")


# ----------------------------------------------------------------------------- MLPs


def value_mlp() -> nn.MLP:
    return nn.MLP(2, [3, 2], activation="tanh", rng=np.random.default_rng(1))


def test_mlp_deltas_agree_with_the_closed_form_equations() -> None:
    model = value_mlp()
    x, y = [0.5, -1.0], [1.0, -0.5]
    source = viz.draw_mlp(model, x, y).source
    oracle = backprop.Network(
        model.get_weights(), activation="tanh", output_activation="identity", cost="quadratic"
    ).backprop_example(x, y)
    sup, sub = "⁰¹²³⁴⁵⁶⁷⁸⁹", "₀₁₂₃₄₅₆₇₈₉"
    for l, delta in enumerate(oracle.deltas, start=1):
        for j, value in enumerate(delta, start=1):
            expected = f"δ{sup[l]}{sub[j]} = {value:.4f}".replace("-0.0000", "0.0000")
            assert expected in source
    assert f"C = ½ Σⱼ (aᴸⱼ - yⱼ)² = {oracle.cost:.4f}" in source
    assert source.count("BP1 agrees") == 2 and source.count("BP2 agrees") == 3


def test_mlp_grouping_labels_and_restored_gradients() -> None:
    model = value_mlp()
    for p in model.parameters():
        p.grad = 7.0
    source = viz.draw_mlp(model, [0.5, -1.0], [1.0, -0.5]).source
    assert [p.grad for p in model.parameters()] == [7.0] * len(model.parameters())
    cluster_labels = re.findall(r"label=\"?([^\"\]=]+?)\"? style=rounded", source)
    assert cluster_labels == [
        "legend",
        "input",
        "layer 1",
        "neuron 1",
        "neuron 2",
        "neuron 3",
        "layer 2",
        "neuron 1",
        "neuron 2",
        "cost",
    ]
    for name in ("x₁", "x₂", "w¹₁₁", "w¹₃₂", "b¹₃", "w²₂₃", "z¹₁", "a¹₃", "z²₂", "y₂", "C"):
        assert f"{{ {name} |" in source
    # parameters are drawn as parameters, inputs as inputs
    assert re.search(r"\{ w¹₁₁ \|[^\n]*fillcolor=lightblue", source)
    assert re.search(r"\{ x₁ \|[^\n]*fillcolor=gray90", source)


def test_mlp_without_targets_backpropagates_the_sum_of_outputs() -> None:
    model = nn.MLP(2, [1], output_activation="tanh", rng=np.random.default_rng(0))
    x = [0.5, -1.0]
    (out,) = model.trace([Value(v) for v in x])[0][1]
    expected = 1.0 - out.data**2  # d tanh(z)/dz
    text = viz.text_mlp(model, x)
    assert text.splitlines()[0].startswith("MLP 2-1 (tanh, output tanh): C = sum_j a^L_j")
    assert f"delta^1_1 = {expected:.6g}" in text
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        viz.draw_mlp(model, x, [1.0], loss="hinge")
    with pytest.raises(ValueError, match="needs targets y"):
        viz.draw_mlp(model, x, loss="quadratic")


def test_large_mlp_is_summarised_by_layer() -> None:
    model = nn.MLP(2, [16, 16, 1], activation="tanh", rng=np.random.default_rng(0))
    source = viz.draw_mlp(model, [0.5, -1.0], [1.0], max_nodes=300, legend=False).source
    boxes = re.findall(r'^\t(b\d+) \[label="([^"\\]*)', source, flags=re.M)
    assert [label for _, label in boxes] == ["input", "layer 1", "layer 2", "layer 3", "cost"]
    assert_summary_is_a_dag(source)
    assert source.count("‖δ‖") == 3  # each layer's box: the norm of its deltas
    assert "\tb1 -> b2 [label=256]" in source  # 16 x 16 weights times their inputs


# ----------------------------------------------------------------------------- Tensors


def test_tensor_nodes_show_shape_dtype_numbers_and_statistics() -> None:
    X = Tensor(np.arange(6.0).reshape(3, 2), label="X")
    W = Tensor(np.linspace(-1.0, 1.0, 8).reshape(2, 4), requires_grad=True, label="W")
    out = (X @ W).sum()
    out.backward()
    # X needs no gradient: the engine leaves it out, the picture numbers it before its use
    order = engine.topological_order(out)
    assert all(node is not X for node in order)
    product = out.parents[0]
    at = next(i for i, node in enumerate(order) if node is product)  # not .index: == is elementwise
    expected_order = [*order[:at], X, *order[at:]]
    n = {node: f"n{i}" for i, node in enumerate(expected_order)}
    source = viz.draw(out).source
    assert _line(source, n[X]) == (
        f'\t{n[X]} [label="X | shape (3, 2) float64 | data [[0, 1], [2, 3], [4, 5]] '
        f'| needs no grad" fillcolor=gray90]'
    )
    flat = W.data.ravel()
    grad = W.grad.ravel()
    assert _line(source, n[W]) == (
        f'\t{n[W]} [label="W | shape (2, 4) float64 | data min -1, max 1, '
        f"norm {np.linalg.norm(flat):.4g} | grad min {grad.min():.4g}, max {grad.max():.4g}, "
        f'norm {np.linalg.norm(grad):.4g}" fillcolor=lightblue]'
    )
    assert f"\t{n[X]} -> {n[product]}_op [label=1]" in source
    assert viz.text(out).splitlines()[2].startswith("    1: X  shape (3, 2) float64")
    # Tensor fields are stacked in rows (no braces in a left-to-right picture), Values not
    assert _line(viz.draw(out, rankdir="TB").source, n[X]).startswith(f'\t{n[X]} [label="{{ X |')


class TinyTensorMLP:
    """A two-layer Tensor network with the ``trace`` contract of ``nn.Sequential``."""

    def __init__(self) -> None:
        rng = np.random.default_rng(3)
        self.layers = [
            (
                Tensor(rng.normal(size=(2, 3)), requires_grad=True),
                Tensor(np.zeros(3), requires_grad=True),
            ),
            (
                Tensor(rng.normal(size=(3, 1)), requires_grad=True),
                Tensor(np.zeros(1), requires_grad=True),
            ),
        ]

    def trace(self, x: Any) -> list[tuple[Any, Any]]:
        pairs = []
        for i, (W, b) in enumerate(self.layers):
            z = x @ W + b
            x = z.tanh() if i == 0 else z
            pairs.append((z, x))
        return pairs

    def parameters(self) -> list[Any]:
        return [p for pair in self.layers for p in pair]


def test_tensor_mlp_drawing_against_the_trace_contract() -> None:
    model = TinyTensorMLP()
    x = np.array([[0.5, -1.0], [1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    y = np.array([[1.0], [0.0], [0.0], [1.0]])
    source = viz.draw_mlp(model, x, y).source
    # the oracle: the closed form with the same weights (W transposed to (n_out, n_in))
    weights = [(W.data.T, b.data) for W, b in model.layers]
    oracle = backprop.Network(
        weights, activation="tanh", output_activation="identity", cost="quadratic"
    ).gradients(x, y)
    assert f"C = ½ Σⱼ (aᴸⱼ - yⱼ)², the mean over 4 examples = {oracle.cost:.4g};" in source
    for label in ("X", "W¹", "b¹", "z¹", "a¹", "W²", "b²", "z²", "Y", "C"):
        assert f'label="{label} | shape' in source
    assert "δ¹ = min " in source  # its gradient, summarised (12 numbers)
    assert re.findall(r"label=\"?([^\"\]=]+?)\"? style=rounded", source) == [
        "legend",
        "input",
        "layer 1",
        "layer 2",
        "cost",
    ]
    z2 = model.trace(Tensor(x))[1][0]
    assert z2.shape == (4, 1)
    assert all(p.grad is None for p in model.parameters())  # restored after drawing


# ----------------------------------------------------------------------------- docs, gallery


def test_docstring_examples() -> None:
    results = doctest.testmod(viz, optionflags=doctest.ELLIPSIS)
    assert results.failed == 0 and results.attempted >= 5


def load_gallery() -> Any:
    spec = importlib.util.spec_from_file_location("gallery", ROOT / "examples" / "gallery.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gallery_dot_files_match_the_code() -> None:
    figures = load_gallery().figures()
    committed = {path.stem for path in (ROOT / "viz").glob("*.dot")}
    assert committed == set(figures), "run: python examples/gallery.py"
    for name, digraph in figures.items():
        text = (ROOT / "viz" / f"{name}.dot").read_text(encoding="utf-8")
        assert text == digraph.source, f"viz/{name}.dot is stale: run python examples/gallery.py"
        assert (ROOT / "viz" / f"{name}.svg").exists()


def test_wrong_arguments_are_named() -> None:
    y, a, _ = small_expression()
    with pytest.raises(
        TypeError, match="expected a node \\(a Value or a Tensor\\) to draw, got float"
    ):
        viz.draw(1.5)
    with pytest.raises(TypeError, match="got list"):
        viz.text([y])
    with pytest.raises(ValueError, match="max_nodes must be at least 1"):
        viz.draw(y, max_nodes=0)
    with pytest.raises(ValueError, match="an edge is a \\(child, parent\\)"):
        viz.draw(y, highlight=[(y,)])
    # one node alone is accepted as highlight
    assert "fillcolor=orange" in _line(viz.draw(y, highlight=a).source, names(y)[a])


def test_sequential_deltas_agree_with_the_closed_form_equations() -> None:
    rng = np.random.default_rng(5)
    model = nn.Sequential(nn.Linear(2, 3, rng=rng), nn.Tanh(), nn.Linear(3, 2, rng=rng))
    x = np.array([[0.5, -1.0], [1.0, 0.0], [-0.5, 0.5]])
    y = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    source = viz.draw_mlp(model, x, y).source
    oracle = backprop.Network(
        model.get_weights(), activation="tanh", output_activation="identity", cost="quadratic"
    ).gradients(x, y)
    assert f"mean over 3 examples = {oracle.cost:.4g};" in source
    z1_delta, z2_delta = oracle.deltas  # rows: examples, each delta divided by the batch size
    z2_text = viz._array_text(z2_delta)
    assert f"| grad {z2_text} | δ² = {z2_text} (BP1 agrees)" in source
    z1_text = (
        f"min {z1_delta.min():.4g}, max {z1_delta.max():.4g}, norm {np.linalg.norm(z1_delta):.4g}"
    )
    assert f"| grad {z1_text} | δ¹ = {z1_text} (BP2 agrees)" in source
    for W, label in ((model[0].weight, "W¹"), (model[2].weight, "W²")):  # type: ignore[attr-defined]
        assert W.grad is None  # the model's gradients are put back
        assert f"{label} | shape {W.shape} float64" in source


def test_the_stepper_picture_of_a_network_teaches() -> None:
    """``graph FILE`` in the stepper: layers and neurons as clusters, parameters coloured
    as parameters, each delta noted, and the step drawn from the output side to its input
    in its own colour, labelled with its contribution."""
    from autograd_lite.naming import NetworkSpec, build_network
    from autograd_lite.stepper import Stepper

    stepper = Stepper.for_graph(build_network(NetworkSpec(layers=(2, 2, 1))).graph)
    view = stepper.run_to("z^1_1")[-1]
    source = viz.draw_step(stepper).source
    clusters = re.findall(r"label=\"?([^\"\]=]+?)\"? style=rounded", source)
    assert clusters[:4] == ["input", "layer 1", "neuron 1", "neuron 2"] and "cost" in clusters
    assert re.search(r"\{ w¹₁₁ \|[^\n]*fillcolor=lightblue", source)
    assert re.search(r"\{ x₁ \|[^\n]*fillcolor=gray90", source)
    assert "δ²₁ = 0.1474" in source and "δ¹₂ = none yet" in source  # z¹₂ not reached yet
    n = {node: f"n{i}" for i, node in enumerate(viz._Layout(stepper.root).order)}
    arrow = f'{n[view.step.node]}_op -> {n[view.step.input]} [label="+= 0.0073" color=blue'
    assert arrow in source
    assert "step 12: z¹₁.grad += 0.230944 * 0.0314448 = 0.00726197" in source
    assert "grad None" not in source and "y₁ | data 0.0027 | needs no grad" in source
