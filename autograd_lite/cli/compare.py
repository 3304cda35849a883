"""``autograd-lite compare``: one network on every engine, checked against the closed form."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from . import UsageError
from .common import check_memory, network_bytes, parse_sizes

_EXAMPLES = """\
examples:
  autograd-lite compare
  autograd-lite compare --layers 2,3,3,1 --activation sigmoid --cost quadratic --batch 8
  autograd-lite compare --layers 4,8,3 --activation tanh --output-activation softmax
  autograd-lite compare --engines value,numeric --json
  autograd-lite compare --weights moons.npz --batch 4

The weights (uniform in (-1, 1)), the inputs X (standard normal) and the targets Y
(uniform in (0, 1); one-hot for a softmax output) are drawn from --seed. With --weights
the layers (and, when the file records them, the activations) come from the file.
Activations: sigmoid, tanh, relu, leaky_relu, identity (or linear); softmax (output only,
with the log_likelihood cost). Costs: quadratic, mse, cross_entropy, log_likelihood.

Exit status: 0 every engine agrees with the closed form; 1 something disagrees (the
culprit is named); 2 bad arguments.
"""

_DEFAULT_LAYERS = "2,3,3,1"


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
    parser.add_argument(
        "--layers", metavar="SIZES", help=f"layer sizes, inputs first ({_DEFAULT_LAYERS})"
    )
    parser.add_argument(
        "--activation", metavar="NAME", help="activation of the hidden layers (sigmoid)"
    )
    parser.add_argument(
        "--output-activation",
        metavar="NAME",
        help="activation of the output layer (default: the hidden one; softmax with "
        "--cost log_likelihood)",
    )
    parser.add_argument(
        "--cost", metavar="NAME", help="quadratic, mse, cross_entropy, log_likelihood (quadratic)"
    )
    parser.add_argument("--batch", default="8", metavar="N", help="examples in the batch (8)")
    parser.add_argument("--seed", default="0", metavar="N", help="seed of weights and data (0)")
    parser.add_argument(
        "--engines",
        metavar="NAMES",
        help=f"comma-separated ({','.join(DEFAULT_ENGINES)}; of these, one that cannot run "
        "here, such as torch without PyTorch, is skipped with the reason; one named here "
        "that cannot run is an error, exit status 2)",
    )
    parser.add_argument("--weights", metavar="FILE", help="compare a saved network (.npz)")
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


def _integer(text: str, option: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{option}: expected a whole number, got {text!r}") from None
    if value < minimum:
        raise UsageError(f"{option}: must be at least {minimum}, got {value}")
    return value


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


def _saved(path: str) -> tuple[list[Any], list[str] | None]:
    from .. import weights

    try:
        saved = weights.load(path)
    except FileNotFoundError:
        raise UsageError(f"--weights: no such file: {path}") from None
    except (OSError, ValueError) as error:
        raise UsageError(f"--weights: {error}") from None
    return list(saved.weights), saved.activations


def _activations(
    args: argparse.Namespace, recorded: list[str] | None
) -> tuple[str, str | None, str]:
    """The hidden and output activations and the cost: the flags, else the weights file,
    else the defaults (a softmax output and the log_likelihood cost imply each other)."""
    hidden, output = args.activation, args.output_activation
    if recorded is not None:
        inner = set(recorded[:-1])
        if hidden is None and len(inner) > 1:
            raise UsageError(
                f"--weights: the file's hidden layers use several activations {recorded}; "
                "compare needs one: choose it with --activation"
            )
        if hidden is None:
            hidden = recorded[0] if inner else recorded[-1]
        if output is None:
            output = recorded[-1]
    hidden = hidden or "sigmoid"
    cost = args.cost
    if cost is None:
        cost = "log_likelihood" if output == "softmax" else "quadratic"
    if output is None and cost == "log_likelihood":
        output = "softmax"
    return hidden, output, cost


def run(args: argparse.Namespace) -> int:
    from ..compare import ENGINES, compare, random_problem

    batch = _integer(args.batch, "--batch", 1)
    seed = _integer(args.seed, "--seed", 0)
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

    recorded: list[str] | None = None
    saved_weights: list[Any] | None = None
    if args.weights is not None:
        saved_weights, recorded = _saved(args.weights)
        sizes = [saved_weights[0][0].shape[1], *(W.shape[0] for W, _ in saved_weights)]
        if args.layers is not None and parse_layers(args.layers) != sizes:
            raise UsageError(
                f"--layers {args.layers} does not match the network in {args.weights} "
                f"(layers {','.join(map(str, sizes))}); leave --layers out"
            )
    else:
        sizes = parse_layers(args.layers or _DEFAULT_LAYERS)
    hidden, output, cost = _activations(args, recorded)
    arrays = sum(name != "value" for name in engines) + 1  # and the closed form
    needed = arrays * network_bytes(sizes, batch, "tensor")
    if "value" in engines:
        needed += network_bytes(sizes, batch, "value")
    check_memory(
        needed,
        f"comparing --layers {','.join(map(str, sizes))} on a --batch of {batch}",
        "use fewer or smaller layers or a smaller --batch"
        + (", or leave the value engine out" if "value" in engines else ""),
    )

    try:
        weights, X, Y = random_problem(sizes, batch, seed, hidden, output, cost)
        if saved_weights is not None:
            weights = saved_weights
        report = compare(
            weights,
            X,
            Y,
            activation=hidden,
            output_activation=output,
            cost=cost,
            engines=engines,
            rtol=rtol,
            numeric_rtol=numeric_rtol,
        )
    except ValueError as error:  # names, combinations and shapes, checked by compare
        raise UsageError(str(error)) from None

    if args.json:
        result = report.to_dict()
        result["input"] = {"seed": seed, "weights_file": args.weights}
        print(json.dumps(result, indent=2, default=_plain))
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
    """NumPy scalars and arrays as JSON's numbers and lists (NaN and inf as strings)."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return [_plain(item) for item in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
