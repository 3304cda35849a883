"""``autograd-lite explore``: write the backward pass as one interactive web page.

The page (see :mod:`autograd_lite.explorer`) is self-contained: open it from disk in any
browser, offline. It takes the input of ``autograd-lite step``: an expression with
``--set``, or a network.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..files import OutputPathError, check_output_path
from ..naming import number_leaves
from . import UsageError
from .common import (
    add_expression_arguments,
    add_network_arguments,
    add_quiz_argument,
    build_example,
    check_expression_or_network,
    parse_expression_arguments,
)

# As in ``step``: more weights than this make thousands of steps, too many to walk through.
_MAX_WEIGHTS = 2_000

_EXAMPLES = """\
examples:
  autograd-lite explore "tanh(x*w + b)" --set x=2 w=-3 b=6.88 -o neuron.html
  autograd-lite explore --layers 2,3,2 --seed 0 -o network.html
  autograd-lite explore --weights net.npz --input 0.5,-1 --target 0.2,0.7

Open the page in a browser: Next (or the right arrow key) computes the forward pass node
by node, then applies the chain rule one step at a time; Back, Run to end, Reset and the
slider move around; click a node for its record; "Quiz me" asks for each contribution
(or each local derivative) before showing it; --quiz opens the page with it on.
The network options are those of `autograd-lite step` (and graph, compare), with the same
defaults: sigmoid in every layer, the quadratic cost, weights and example drawn from
--seed, so the same options give the same network in every command.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "explore",
        help="write an interactive web page to step through backpropagation",
        description="Write the backward pass of an expression (its variables set with "
        "--set) or of a small network as one self-contained HTML page: the graph, the "
        "forward pass, then every chain-rule step with its numbers. It takes the input of "
        "`autograd-lite step`.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_expression_arguments(parser)
    add_network_arguments(parser, layers_default="2,2,1 with --seed, --input or --target")
    parser.add_argument(
        "-o", "--output", metavar="FILE", default="explore.html", help="the page (explore.html)"
    )
    add_quiz_argument(parser, then="the page opens with its quiz on (as `step --quiz`)")
    parser.add_argument(
        "--max-nodes",
        type=int,
        default=250,
        metavar="N",
        help="open graphs of more than N values on the layer summary (250)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .. import viz

    network = check_expression_or_network(args)
    if args.max_nodes < 1:
        raise UsageError(f"--max-nodes must be at least 1, got {args.max_nodes}")
    try:
        path = check_output_path(args.output, what="-o")
    except OutputPathError as error:
        raise UsageError(str(error)) from None
    if path.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"-o {args.output}: the page is HTML; give a name ending in .html")
    if network:
        if args.assignments:
            raise UsageError("--set gives values to an expression's variables; use --input")
        subject = build_example(args, _MAX_WEIGHTS, "make too many steps to walk through")
        options: dict[str, Any] = {}
    else:
        subject = parse_expression_arguments(args)
        options = {"constants": number_leaves(subject)}  # as `step`: numbers get no step
    try:
        page = viz.explorer(subject, max_nodes=args.max_nodes, quiz=args.quiz, **options)
    except (viz.GraphvizNotFound, viz.GraphvizFailed) as error:
        raise UsageError(str(error)) from None
    except ValueError as error:
        raise UsageError(str(error)) from None
    try:
        page.save(path)
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None
    steps = page.html.count('"summary":"step ')
    print(f"wrote {path} ({len(page) / 1024:.0f} KiB, {steps} backward steps)", file=sys.stderr)
    return 0
