"""``autograd-lite compare``: one network on every engine, checked against the closed form."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from . import UsageError
from .common import add_network_arguments, build_example, parse_sizes, whole_number

_EXAMPLES = """\
examples:
  autograd-lite compare
  autograd-lite compare --layers 2,3,3,1 --activation sigmoid --cost quadratic --batch 8
  autograd-lite compare --layers 4,8,3 --activation tanh --output-activation softmax
  autograd-lite compare --engines value,numeric --json
  autograd-lite compare --weights moons.npz --batch 4
  autograd-lite compare --weights model.pt --activation tanh --output-activation sigmoid

The weights (uniform in (-1, 1)), the inputs X (standard normal) and the targets Y
(uniform in (0, 1); one-hot for a softmax output) are drawn from --seed. With --weights
the layers (and, when the file records them, the activations) come from the file; a
PyTorch state dict (.pt, read with weights_only=True; pip install autograd-lite[torch])
records no activations unless autograd-lite wrote it: give them with the flags.
Activations: sigmoid, tanh, relu, leaky_relu, identity (or linear); softmax (output only,
with the log_likelihood cost). Costs: quadratic, mse, cross_entropy, log_likelihood.

Exit status: 0 every engine agrees with the closed form; 1 something disagrees (the
culprit is named); 2 bad arguments.
"""

_DEFAULT_LAYERS = "2,3,3,1"
# Beyond this many weights and biases finite differences take minutes.
_MAX_WEIGHTS = 1_000_000


def register(subparsers: Any) -> None:
    from ..compare import DEFAULT_ENGINES

    parser = subparsers.add_parser(
        "compare",
        help="check one network's gradients on every engine against the closed form",
        description="Run one network on the Value and Tensor engines, the closed-form\n"
        "backpropagation equations (BP1-BP4), finite differences and PyTorch, and compare\n"
        "every layer's deltas, dW and db, and the cost, with the closed form.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_network_arguments(parser, layers_default=_DEFAULT_LAYERS)
    parser.add_argument(
        "--batch",
        default=None,
        metavar="N",
        help="examples in the batch (8; 1 with --input); the first is the example step "
        "and graph show",
    )
    parser.add_argument("--batch-size", dest="batch", metavar="N", help=argparse.SUPPRESS)
    parser.add_argument(
        "--engines",
        metavar="NAMES",
        default=",".join(DEFAULT_ENGINES),
        help=f"comma-separated ({','.join(DEFAULT_ENGINES)})",
    )
    parser.add_argument("--rtol", default="1e-10", metavar="X", help="tolerance (1e-10)")
    parser.add_argument(
        "--numeric-rtol",
        default="1e-6",
        metavar="X",
        help="tolerance of finite differences (1e-6)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    parser.set_defaults(func=run)


def _positive(text: str, option: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
        raise UsageError(f"{option}: expected a positive number, got {text!r}")
    return value


def parse_layers(text: str) -> list[int]:
    """``"2,3,1"`` -> ``[2, 3, 1]``; anything else is a :class:`UsageError`."""
    return parse_sizes(text, "--layers")


def run(args: argparse.Namespace) -> int:
    from ..compare import ENGINES, compare

    given = args.input is not None or args.target is not None
    batch = whole_number(args.batch or ("1" if given else "8"), "--batch", 1)
    if given and batch != 1:
        raise UsageError("--input and --target give one example: leave --batch out (or 1)")
    if given and (args.input is None or args.target is None):
        raise UsageError("--input and --target go together: give both, or neither")
    seed = whole_number(args.seed, "--seed", 0)
    rtol = _positive(args.rtol, "--rtol")
    numeric_rtol = _positive(args.numeric_rtol, "--numeric-rtol")
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    unknown = [name for name in engines if name not in ENGINES]
    if unknown or not engines:
        what = f"unknown engine {unknown[0]!r}" if unknown else "no engine named"
        raise UsageError(f"--engines: {what}; known engines: {', '.join(ENGINES)}")
    if args.layers is None and args.weights is None:
        args.layers = _DEFAULT_LAYERS
    example = build_example(args, _MAX_WEIGHTS, "is too many to compare", batch=batch)

    try:
        report = compare(
            example.weights,
            example.batch_X,
            example.batch_Y,
            activation=example.activation,
            output_activation=example.output_activation,
            cost=example.cost,
            engines=engines,
            rtol=rtol,
            numeric_rtol=numeric_rtol,
        )
    except ValueError as error:  # names, combinations and shapes, checked by compare
        raise UsageError(str(error)) from None

    if args.json:
        result = report.to_dict()
        result["input"] = {"seed": seed, "weights_file": args.weights}
        # every engine's gradients, layer by layer (dW^l, db^l), to check them number by number
        result["gradients"] = {
            name: {
                "dW": [W.tolist() for W in found.dW],
                "db": [b.tolist() for b in found.db],
            }
            for name, found in report.results.items()
        }
        print(json.dumps(result, indent=2))
    else:
        print(report.table())
    return 0 if report.ok else 1
