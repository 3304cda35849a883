"""``autograd-lite explore``: write the backward pass as one interactive web page.

The page (see :mod:`autograd_lite.explorer`) is self-contained: open it from disk in any
browser, offline. It takes the input of ``autograd-lite step``: an expression with
``--set``, or a network.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path
from typing import Any

from . import UsageError
from .common import add_expression_arguments, parse_expression_arguments, parse_numbers, parse_sizes

# As in ``step``: more weights than this make thousands of steps, too many to walk through.
_MAX_WEIGHTS = 2_000
_COSTS = ("quadratic", "mse")

_EXAMPLES = """\
examples:
  autograd-lite explore "tanh(x*w + b)" --set x=2 w=-3 b=6.88 -o neuron.html
  autograd-lite explore --layers 2,3,2 --seed 0 -o network.html
  autograd-lite explore --weights net.npz --input 0.5,-1 --target 0.2,0.7

Open the page in a browser: Next (or the right arrow key) computes the forward pass node
by node, then applies the chain rule one step at a time; Back, Run to end, Reset and the
slider move around; click a node for its record; "Quiz me" asks for each contribution.
With --layers the network is sigmoid in every layer (--activation), its weights and the
example are drawn from --seed as in `autograd-lite step`, and the cost is quadratic.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "explore",
        help="write an interactive web page to step through backpropagation",
        description="Write the backward pass of an expression (its variables set with "
        "--set) or of a small network as one self-contained HTML page: the graph, the "
        "forward pass, then every chain-rule step with its numbers.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_expression_arguments(parser)
    network = parser.add_argument_group("a network instead of an expression")
    network.add_argument(
        "--layers", "--mlp", dest="layers", metavar="SIZES", help="layer sizes, e.g. 2,3,2"
    )
    network.add_argument(
        "--weights", metavar="FILE", help="load the network from FILE.npz (weights.save)"
    )
    network.add_argument("--activation", help="activation of every layer (sigmoid)")
    network.add_argument(
        "--output-activation", help="activation of the last layer (as --activation)"
    )
    network.add_argument("--cost", choices=_COSTS, default="quadratic", help="cost (quadratic)")
    network.add_argument("--seed", type=int, default=0, help="seed of weights and example (0)")
    network.add_argument("--input", metavar="NUMBERS", help="the network's input, e.g. 0.5,-1")
    network.add_argument("--target", metavar="NUMBERS", help="the network's target, e.g. 0.2")
    parser.add_argument(
        "-o", "--output", metavar="FILE", default="explore.html", help="the page (explore.html)"
    )
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

    is_network = args.layers is not None or args.weights is not None
    if (args.expression is None) == (not is_network):
        raise UsageError(
            'give an expression (e.g. "tanh(x*w + b)") or a network (--layers or --weights), '
            "not both"
        )
    if args.max_nodes < 1:
        raise UsageError(f"--max-nodes must be at least 1, got {args.max_nodes}")
    path = Path(args.output)
    if path.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"-o {args.output}: the page is HTML; give a name ending in .html")
    if not path.parent.is_dir():
        raise UsageError(f"-o {args.output}: no such directory {str(path.parent)!r}")
    if is_network:
        if args.assignments:
            raise UsageError("--set gives values to an expression's variables; use --input")
        model, x, y = _network(args)
        options: dict[str, Any] = {"cost": args.cost}
        target: Any = model
    else:
        for option in ("input", "target", "activation", "output_activation"):
            if getattr(args, option) is not None:
                flag = "--" + option.replace("_", "-")
                raise UsageError(f"{flag} goes with a network (--layers or --weights)")
        target, x, y, options = parse_expression_arguments(args), None, None, {}
    try:
        page = viz.explorer(target, x, y, max_nodes=args.max_nodes, **options)
    except viz.GraphvizNotFound as error:
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


def _network(args: argparse.Namespace) -> tuple[Any, list[float], list[float]]:
    """The network and example of ``autograd-lite step``: the same seed, the same numbers."""
    import numpy as np

    from .. import nn, weights

    rng = np.random.default_rng(args.seed)
    if args.weights is not None:
        try:
            saved = weights.load(args.weights)
        except FileNotFoundError:
            raise UsageError(f"--weights: no such file {args.weights!r}") from None
        except ValueError as error:
            raise UsageError(f"--weights: {error}") from None
        pairs = saved.weights
        sizes = [pairs[0][0].shape[1]] + [W.shape[0] for W, _ in pairs]
        if args.layers is not None and parse_sizes(args.layers, "--layers") != sizes:
            shape = "-".join(map(str, sizes))
            raise UsageError(f"--layers {args.layers} does not match {args.weights} ({shape})")
        recorded = saved.activations or []
        hidden = args.activation or (recorded[0] if recorded else "sigmoid")
        output = (
            args.output_activation or args.activation or (recorded[-1] if recorded else "sigmoid")
        )
    else:
        sizes = parse_sizes(args.layers, "--layers", example="2,3,2")
        hidden = args.activation or "sigmoid"
        output = args.output_activation or hidden
        pairs = None
    count = sum(n_in * n_out + n_out for n_in, n_out in itertools.pairwise(sizes))
    if count > _MAX_WEIGHTS:
        raise UsageError(
            f"the network has {count:,} weights and biases: too many steps to walk through "
            f"(the limit is {_MAX_WEIGHTS:,})"
        )
    try:
        if pairs is not None:
            model = nn.MLP.from_weights(pairs, activation=hidden, output_activation=output)
        else:
            model = nn.MLP(
                sizes[0], sizes[1:], activation=hidden, output_activation=output, rng=rng
            )
    except ValueError as error:
        raise UsageError(f"--activation: {error}") from None
    x = [round(float(v), 4) for v in rng.uniform(-1.0, 1.0, size=int(sizes[0]))]
    y = [round(float(v), 4) for v in rng.uniform(0.0, 1.0, size=int(sizes[-1]))]
    if args.input is not None:
        x = parse_numbers(args.input, sizes[0], "--input")
    if args.target is not None:
        y = parse_numbers(args.target, sizes[-1], "--target")
    return model, x, y
