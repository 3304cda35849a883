"""``autograd-lite compare``: one network on every engine, checked against the closed form."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from . import UsageError
from .common import (
    add_network_arguments,
    build_example,
    check_memory,
    network_bytes,
    parse_sizes,
    whole_number,
)

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
culprit is named); 2 bad arguments, or an engine named in --engines that cannot run here
(the reason is given); 130 interrupted.
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
        help=f"comma-separated ({','.join(DEFAULT_ENGINES)}; of these, one that cannot run "
        "here, such as torch without PyTorch, is skipped with the reason; one named here "
        "that cannot run is an error, exit status 2)",
    )
    parser.add_argument(
        "--rtol",
        default="1e-10",
        metavar="X",
        help="how far the exact engines may be from the closed form: the largest "
        "|difference| of each quantity divided by the size of that quantity (1e-10)",
    )
    parser.add_argument(
        "--numeric-rtol",
        default="1e-6",
        metavar="X",
        help="the same for finite differences (the numeric engine); their size is never "
        "taken below their rounding noise (32 eps |C| / h, h = 1e-6) divided by X, so a "
        "smaller X is stricter but never fails them for noise alone (1e-6)",
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
    from ..compare import DEFAULT_ENGINES

    named = args.engines is not None  # engines asked for by name must run
    engines = [
        name.strip()
        for name in (args.engines or ",".join(DEFAULT_ENGINES)).split(",")
        if name.strip()
    ]
    unknown = [name for name in engines if name not in ENGINES]
    if unknown or not engines:
        what = f"unknown engine {unknown[0]!r}" if unknown else "no engine named"
        raise UsageError(f"--engines: {what}; known engines: {', '.join(ENGINES)}")
    if args.layers is None and args.weights is None:
        args.layers = _DEFAULT_LAYERS
    if args.weights is None:  # (a weights file's network is bounded by _MAX_WEIGHTS)
        sizes = parse_sizes(args.layers, "--layers")
        arrays = sum(name != "value" for name in engines) + 1  # and the closed form
        needed = arrays * network_bytes(sizes, batch, "tensor")
        if "value" in engines:
            needed += network_bytes(sizes, batch, "value")
        check_memory(
            needed,
            f"comparing --layers {args.layers} on a --batch of {batch}",
            "use fewer or smaller layers or a smaller --batch"
            + (", or leave the value engine out" if "value" in engines else ""),
        )
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
        # strict JSON: NumPy scalars become numbers, NaN and infinity strings
        print(json.dumps(_plain(result), indent=2, allow_nan=False))
    else:
        print(report.table())
    missing = [name for name in engines if name in report.skipped] if named else []
    if missing:
        reasons = "; ".join(f"{name}: {report.skipped[name]}" for name in missing)
        print(
            f"autograd-lite compare: error: --engines asked for {', '.join(missing)}, which "
            f"cannot run here ({reasons})",
            file=sys.stderr,
        )
        return 2
    return 0 if report.ok else 1


def _plain(value: Any) -> Any:
    """``value`` with NumPy scalars and arrays as JSON's numbers and lists, and NaN and
    infinity as the strings "nan", "inf", "-inf" (JSON has no such numbers)."""
    import numpy as np

    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
