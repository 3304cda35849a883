"""``autograd-lite graph``: draw the computation graph of an expression or of an MLP."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..files import atomic_write
from ..naming import number_leaves
from . import UsageError
from .common import (
    add_expression_arguments,
    add_network_arguments,
    build_example,
    parse_expression_arguments,
    wants_network,
)

# The output formats of ``viz.save`` (repeated here so that ``--help`` needs no Graphviz).
_FORMATS = ("dot", "svg", "png", "pdf")
# Graphviz's layout time grows faster than the graph: an MLP graph of 1,100 values took
# 4 s here, 1,500 values 21 s, 1,900 more than 100 s. Pictures stay within this many values.
_MAX_LAID_OUT = 1500
# An MLP larger than this is too slow to build and too dense to look at.
_MAX_WEIGHTS = 20_000
# Graphs of more values than this are summarised (viz.MAX_NODES, repeated so that
# ``--help`` needs no Graphviz).
MAX_NODES = 300

_EXAMPLES = """\
examples:
  autograd-lite graph "tanh(x*w + b)" --set x=2 w=-3 b=6.88 --backward -o graph.svg
  autograd-lite graph "x*x + 1" --set x=3 --backward --text
  autograd-lite graph --layers 2,3,1 --seed 0 -o mlp.svg
  autograd-lite graph --layers 2,2,1 --text          # the network `step` walks through

A network (--layers or --weights) is the one `step` walks through and `compare` checks
with the same options (sigmoid, the quadratic cost, weights and example from --seed),
after one backward pass: each pre-activation carries its delta and whether it agrees
with BP1 or BP2.

An expression that starts with '-' goes last, after '--':
  autograd-lite graph --set x=2 --text -- "-x*x"
Without -o the DOT text is printed (or, with --text, the graph as an indented tree).
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "graph",
        help="draw the computation graph of an expression or an MLP",
        description="Draw the computation graph of an expression (its variables set with\n"
        "--set) or of a small network with the delta of each neuron: as DOT text, SVG,\n"
        "PNG, PDF or an indented text tree.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_expression_arguments(parser)
    parser.add_argument(
        "--backward", action="store_true", help="run backward first, so gradients are shown"
    )
    add_network_arguments(parser, layers_default="e.g. 2,3,1")
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
        default=MAX_NODES,
        metavar="N",
        help=f"summarise graphs of more than N values, by layer or level ({MAX_NODES}; at "
        f"most {_MAX_LAID_OUT} for a picture: Graphviz needs minutes for larger graphs)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import viz

    stray = [item for item in args.assignments if "=" not in item]
    network = wants_network(args)
    if args.expression is None and not network and stray:  # --set took the expression
        raise UsageError(
            f"{stray[0]!r} is not NAME=NUMBER: put the expression before --set, "
            f'e.g. autograd-lite graph "tanh(x)" --set x=1'
        )
    if (args.expression is None) == (not network):
        raise UsageError(
            'give an expression (e.g. "tanh(x*w + b)") or a network (--layers SIZES or '
            "--weights FILE), not both"
        )
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

    if network:
        if args.assignments:
            raise UsageError(
                "--set gives values to an expression's variables; use --input with --layers"
            )
        example = build_example(args, _MAX_WEIGHTS, "is too many to draw")
        options = {
            "loss": example.cost,
            "activation": example.activation,
            "output_activation": example.output_activation,
        }
        if args.text:
            result = viz.text_mlp(example.model, example.x, example.y, **options)
        else:
            digraph = viz.draw_mlp(
                example.model,
                example.x,
                example.y,
                rankdir=args.rankdir,
                legend=args.legend,
                max_nodes=args.max_nodes,
                **options,
            )
    else:
        for option in ("input", "target", "activation", "output_activation", "cost"):
            if getattr(args, option) is not None:
                flag = "--" + option.replace("_", "-")
                raise UsageError(f"{flag} describes a network: add --layers SIZES")
        root = _expression(args)
        numbers = number_leaves(root)  # every variable has a name: these need no gradient
        if args.text:
            result = viz.text(root, constants=numbers)
        else:
            digraph = viz.draw(
                root,
                rankdir=args.rankdir,
                legend=args.legend,
                max_nodes=args.max_nodes,
                constants=numbers,
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
