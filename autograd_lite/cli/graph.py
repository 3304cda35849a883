"""``autograd-lite graph``: draw the computation graph of an expression or of an MLP."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..files import atomic_write
from . import UsageError
from .common import (
    add_expression_arguments,
    parse_expression_arguments,
    parse_mlp_sizes,
    parse_numbers,
)

# The output formats of ``viz.save`` (repeated here so that ``--help`` needs no Graphviz).
_FORMATS = ("dot", "svg", "png", "pdf")
# Graphviz's layout time grows faster than the graph: an MLP graph of 1,100 values took
# 4 s here, 1,500 values 21 s, 1,900 more than 100 s. Pictures stay within this many values.
_DEFAULT_MAX_NODES = 1000
_MAX_LAID_OUT = 1500
# An MLP larger than this is too slow to build and too dense to look at.
_MAX_WEIGHTS = 20_000

_EXAMPLES = """\
examples:
  autograd-lite graph "tanh(x*w + b)" --set x=2 w=-3 b=6.88 --backward -o graph.svg
  autograd-lite graph "x*x + 1" --set x=3 --backward --text
  autograd-lite graph --mlp 2,3,1 --seed 0 -o mlp.svg

An expression that starts with '-' goes last, after '--':
  autograd-lite graph --set x=2 --text -- "-x*x"
Without -o the DOT text is printed (or, with --text, the graph as an indented tree).
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "graph",
        help="draw the computation graph of an expression or an MLP",
        description="Draw the computation graph of an expression (its variables set with\n"
        "--set) or of a small Value MLP with the delta of each neuron: as DOT text, SVG,\n"
        "PNG, PDF or an indented text tree.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_expression_arguments(parser)
    parser.add_argument(
        "--backward", action="store_true", help="run backward first, so gradients are shown"
    )
    parser.add_argument(
        "--mlp",
        metavar="SIZES",
        help="draw a Value MLP instead: layer sizes, inputs first, e.g. 2,3,1",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the MLP's weights (0)")
    parser.add_argument(
        "--activation", default="tanh", help="activation of the MLP's hidden layers (tanh)"
    )
    parser.add_argument(
        "--input", metavar="NUMBERS", help="the MLP's input, e.g. 0.5,-1 (default: random)"
    )
    parser.add_argument(
        "--target",
        metavar="NUMBERS",
        help="the MLP's target: the loss is then ½ Σ (a - y)² (default: the sum of outputs)",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (.dot .svg .png .pdf)"
    )
    parser.add_argument("--format", choices=_FORMATS, help="output format (default: from FILE)")
    parser.add_argument("--text", action="store_true", help="an indented text tree instead")
    parser.add_argument("--rankdir", choices=("LR", "TB"), default="LR", help="direction (LR)")
    parser.add_argument("--legend", action="store_true", help="add the colour legend")
    parser.add_argument(
        "--max-nodes",
        type=int,
        default=_DEFAULT_MAX_NODES,
        metavar="N",
        help=f"summarise graphs of more than N values ({_DEFAULT_MAX_NODES}; at most "
        f"{_MAX_LAID_OUT} for a picture: Graphviz needs minutes for larger graphs)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import viz

    stray = [item for item in args.assignments if "=" not in item]
    if args.expression is None and args.mlp is None and stray:  # --set took the expression
        raise UsageError(
            f"{stray[0]!r} is not NAME=NUMBER: put the expression before --set, "
            f'e.g. autograd-lite graph "tanh(x)" --set x=1'
        )
    if (args.expression is None) == (args.mlp is None):
        raise UsageError('give an expression (e.g. "tanh(x*w + b)") or --mlp SIZES, not both')
    if args.max_nodes < 1:
        raise UsageError(f"--max-nodes must be at least 1, got {args.max_nodes}")
    if args.output is None and args.format not in (None, "dot") and not args.text:
        raise UsageError(f"--format {args.format} needs an output file: add -o FILE")
    path = _output_path(args)
    laid_out = path is not None and not args.text
    if path is not None and (args.format or path.suffix.lower()) in ("dot", ".dot", ".gv"):
        laid_out = False
    if laid_out and args.max_nodes > _MAX_LAID_OUT:
        raise UsageError(
            f"--max-nodes {args.max_nodes}: Graphviz needs minutes to lay out more than "
            f"{_MAX_LAID_OUT:,} values; use --max-nodes {_MAX_LAID_OUT} or less (larger "
            "graphs are summarised by block), or write the DOT text (-o FILE.dot)"
        )

    if args.mlp is not None:
        if args.assignments:
            raise UsageError(
                "--set gives values to an expression's variables; use --input with --mlp"
            )
        model, x, y = _mlp(args)
        if args.text:
            result = viz.text_mlp(model, x, y)
        else:
            digraph = viz.draw_mlp(
                model, x, y, rankdir=args.rankdir, legend=args.legend, max_nodes=args.max_nodes
            )
    else:
        root = _expression(args)
        if args.text:
            result = viz.text(root)
        else:
            digraph = viz.draw(
                root, rankdir=args.rankdir, legend=args.legend, max_nodes=args.max_nodes
            )

    if path is None:
        print(result if args.text else digraph.source.rstrip("\n"))
        return 0
    try:
        if args.text:
            atomic_write(path, result + "\n")
        else:
            viz.save(digraph, path, format=args.format)
    except viz.GraphvizNotFound as error:
        raise UsageError(str(error)) from None
    except viz.GraphvizFailed as error:
        raise UsageError(
            f"cannot write {path}: Graphviz {error.reason}; lower --max-nodes (now "
            f"{args.max_nodes}: larger graphs are summarised by block) or write the DOT text "
            "(-o FILE.dot) or a text tree (--text)"
        ) from None
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None
    print(f"wrote {path}", file=sys.stderr)
    return 0


def _output_path(args: argparse.Namespace) -> Path | None:
    """``-o FILE``, checked before any work: a writable place, a format that fits."""
    from ..files import OutputPathError, check_output_path

    if args.output is None:
        return None
    try:
        path = check_output_path(args.output, what="-o")
    except OutputPathError as error:
        raise UsageError(str(error)) from None
    if args.text:
        if args.format not in (None, "dot"):
            raise UsageError(f"--text writes a text tree, not --format {args.format}")
        return path
    extension = path.suffix.lstrip(".").lower()
    extension = "dot" if extension == "gv" else extension
    if args.format is None and extension not in _FORMATS:
        raise UsageError(
            f"-o {args.output}: cannot tell the format from the extension; use one of "
            f"{', '.join('.' + f for f in _FORMATS)}, or give --format"
        )
    if args.format is not None and extension in _FORMATS and extension != args.format:
        raise UsageError(
            f"-o {args.output} --format {args.format}: the extension says {extension}, "
            f"--format says {args.format}; make them agree (or leave --format out)"
        )
    return path


def _expression(args: argparse.Namespace) -> Any:
    root = parse_expression_arguments(args)
    if args.backward:
        root.backward()
    return root


def _mlp(args: argparse.Namespace) -> tuple[Any, list[float], list[float] | None]:
    import numpy as np

    from .. import nn

    sizes = parse_mlp_sizes(args.mlp, _MAX_WEIGHTS, "is too many to draw")
    rng = np.random.default_rng(args.seed)
    try:
        model = nn.MLP(sizes[0], sizes[1:], activation=args.activation, rng=rng)
    except ValueError as error:
        raise UsageError(f"--activation: {error}") from None
    if args.input is not None:
        x = parse_numbers(args.input, sizes[0], "--input")
    else:
        x = [round(float(v), 4) for v in rng.uniform(-1.0, 1.0, size=sizes[0])]
    y = parse_numbers(args.target, sizes[-1], "--target") if args.target is not None else None
    return model, x, y
