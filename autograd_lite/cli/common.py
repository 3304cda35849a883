"""Argument pieces several subcommands share: expressions, layer sizes, and the one
description of a network (``--layers --activation --output-activation --cost --seed
--weights --input --target``) that step, graph and compare read the same way."""

from __future__ import annotations

import argparse
import itertools
import os
from typing import Any

from . import UsageError


def add_expression_arguments(parser: argparse.ArgumentParser) -> None:
    """The positional expression and ``--set NAME=NUMBER ...`` (graph, step)."""
    parser.add_argument(
        "expression",
        nargs="?",
        help='an expression such as "tanh(x*w + b)": + - * / ** %%, and functions such as '
        "exp, log, tanh, sigmoid, relu, arctan2(y, x)",
    )
    parser.add_argument(
        "--set",
        dest="assignments",
        metavar="NAME=NUMBER",
        nargs="+",
        action="extend",
        default=[],
        help="values of the expression's variables, e.g. --set x=2 w=-3",
    )


def parse_expression_arguments(args: argparse.Namespace) -> Any:
    """The Value graph of ``args.expression`` with ``args.assignments`` as its leaves.

    The text goes through :mod:`autograd_lite.parse` (an allow-list over ``ast``);
    anything it rejects becomes a :class:`UsageError` with the parser's message.
    """
    from ..parse import ParseError, parse_assignments, parse_expression

    try:
        values = parse_assignments(args.assignments)
        root = parse_expression(args.expression, values)
    except ParseError as error:
        raise UsageError(error.summary) from None
    used = _variables(root)
    unused = [name for name in values if name not in used]
    if unused:  # a typo (--set X=1 for x) or a leftover: say so rather than ignore it
        names = ", ".join(sorted(used)) or "none"
        raise UsageError(
            f"--set {unused[0]}={values[unused[0]]:g}: {args.expression!r} has no variable "
            f"{unused[0]} (its variables: {names})"
        )
    return root


def _variables(root: Any) -> set[str]:
    """The labels of the leaves of ``root``'s graph (the expression's variables)."""
    seen: set[int] = set()
    labels: set[str] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.parents:
            stack.extend(node.parents)
        elif node.label:
            labels.add(node.label)
    return labels


def parse_sizes(text: str, option: str, example: str = "2,3,1") -> list[int]:
    """``"2,3,1"`` -> ``[2, 3, 1]`` (inputs first); anything else is a UsageError."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if len(sizes) < 2 or min(sizes) < 1:
        raise UsageError(
            f"{option}: expected layer sizes like {example} (inputs first, at least two "
            f"positive whole numbers), got {text!r}"
        )
    return sizes


# ----------------------------------------------------------------------------- memory

# Rough costs, measured on this project's engines: a Value node takes about 100 bytes
# (README, benchmarks/bench_value.py); a Tensor network keeps each parameter about five
# times (weights, gradients, two optimizer moments, a copy) and a few float64 arrays per
# layer and example (z, a and their gradients).
_VALUE_NODE_BYTES = 100
_FLOAT_BYTES = 8


def network_bytes(sizes: list[int], batch: int, engine: str) -> int:
    """About how many bytes one training or checking step of this network takes.

    ``engine`` is ``"value"`` (each example's graph holds a product and a sum node per
    weight, all alive until the batch's backward pass) or anything else (Tensor-like:
    arrays). An estimate to refuse the hopeless before allocating, not a measurement.
    """
    parameters = sum(n_in * n_out + n_out for n_in, n_out in itertools.pairwise(sizes))
    units = sum(sizes)
    if engine == "value":
        return _VALUE_NODE_BYTES * (parameters + batch * (2 * parameters + 3 * units))
    return _FLOAT_BYTES * (5 * parameters + 6 * batch * units)


def memory_limit() -> int:
    """The most memory a command may plan to use: half of this machine's (8 GiB if unknown)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def check_memory(needed: int, what: str, advice: str) -> None:
    """A :class:`UsageError` with the estimate when ``needed`` bytes exceed the limit."""
    limit = memory_limit()
    if needed > limit:
        raise UsageError(
            f"{what} would need about {_size(needed)} of memory, more than the "
            f"{_size(limit)} allowed (half of this machine's); {advice}"
        )


def _size(count: int) -> str:
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if count >= scale:
            return f"{count / scale:,.1f} {unit}"
    return f"{count:,} bytes"


# ----------------------------------------------------------------------------- networks

#: What ``--activation`` and ``--output-activation`` accept (as backprop.Network; "linear"
#: is "identity"), and ``--cost``.
ACTIVATION_NAMES = "sigmoid, tanh, relu, leaky_relu, identity (or linear); softmax (output only)"
COST_NAMES = "quadratic, mse, cross_entropy, log_likelihood"


def add_quiz_argument(parser: argparse.ArgumentParser, *, then: str) -> None:
    """``--quiz [contribution|local]`` (step, explore): what the quiz asks for, as the
    stepper defines it; ``then`` says what follows the answers."""
    from ..stepper import QUIZ_KINDS

    parser.add_argument(
        "--quiz",
        nargs="?",
        const="contribution",
        choices=QUIZ_KINDS,
        help="ask for each step's contribution (or its local derivative: --quiz local) "
        f"before showing it; {then}",
    )


def add_network_arguments(parser: argparse.ArgumentParser, *, layers_default: str) -> None:
    """The one description of a network every subcommand takes (see ``naming.NetworkSpec``):
    ``--layers --activation --output-activation --cost --seed --weights --input --target``,
    with the textbook's defaults (sigmoid everywhere, the quadratic cost). ``--mlp`` is a
    hidden alias of ``--layers``, ``--loss`` of ``--cost``."""
    group = parser.add_argument_group(
        "the network (the same options and defaults in step, graph and compare)"
    )
    group.add_argument(
        "--layers", metavar="SIZES", help=f"layer sizes, inputs first ({layers_default})"
    )
    group.add_argument("--mlp", dest="layers", metavar="SIZES", help=argparse.SUPPRESS)
    group.add_argument(
        "--activation",
        metavar="NAME",
        help=f"activation of the hidden layers (sigmoid): {ACTIVATION_NAMES}",
    )
    group.add_argument(
        "--output-activation",
        metavar="NAME",
        help="activation of the output layer (default: the hidden one; softmax with "
        "--cost log_likelihood)",
    )
    group.add_argument("--cost", metavar="NAME", help=f"{COST_NAMES} (quadratic)")
    group.add_argument("--loss", dest="cost", metavar="NAME", help=argparse.SUPPRESS)
    group.add_argument(
        "--seed", default="0", metavar="N", help="seed of the weights and the example (0)"
    )
    group.add_argument(
        "--weights",
        metavar="FILE",
        help="a saved network (.npz from train --save, or a PyTorch state dict .pt): its "
        "layers and activations",
    )
    group.add_argument(
        "--input", metavar="NUMBERS", help="the example's input, e.g. 0.5,-1 (default: drawn)"
    )
    group.add_argument(
        "--target", metavar="NUMBERS", help="the example's target, e.g. 0.2 (default: drawn)"
    )


def wants_network(args: argparse.Namespace) -> bool:
    """True when the command line describes a network (``--layers`` or ``--weights``)."""
    return args.layers is not None or args.weights is not None


def check_expression_or_network(args: argparse.Namespace) -> bool:
    """True when the command line describes a network, False for an expression; a
    UsageError when it gives both or neither (step and explore take one or the other)."""
    network = wants_network(args) or any(
        getattr(args, option) is not None
        for option in ("input", "target", "activation", "output_activation", "cost")
    )
    if args.expression is not None and network:
        raise UsageError(
            'give an expression (e.g. "tanh(x*w + b)") or a network (--layers SIZES or '
            "--weights FILE), not both"
        )
    if args.expression is None and not wants_network(args):
        if network:
            raise UsageError("the network options need --layers SIZES or --weights FILE")
        raise UsageError(
            'give an expression (e.g. "tanh(x*w + b)") or a network (--layers SIZES or '
            "--weights FILE)"
        )
    return network


def whole_number(text: str, option: str, minimum: int) -> int:
    """``text`` as an int of at least ``minimum``; anything else is a UsageError."""
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"{option}: expected a whole number, got {text!r}") from None
    if value < minimum:
        raise UsageError(f"{option}: must be at least {minimum}, got {value}")
    return value


def network_spec(args: argparse.Namespace) -> Any:
    """The :class:`autograd_lite.naming.NetworkSpec` the network options describe."""
    from ..naming import NetworkSpec

    sizes = parse_sizes(args.layers, "--layers") if args.layers is not None else None
    inputs = targets = None
    if args.input is not None:
        inputs = tuple(_numbers(args.input, "--input"))
    if args.target is not None:
        targets = tuple(_numbers(args.target, "--target"))
    return NetworkSpec(
        layers=tuple(sizes) if sizes else None,
        activation=args.activation,
        output_activation=args.output_activation,
        cost=args.cost,
        seed=whole_number(args.seed, "--seed", 0),
        weights=args.weights,
        input=inputs,
        target=targets,
    )


def build_example(args: argparse.Namespace, limit: int, too_many: str, batch: int = 1) -> Any:
    """The network the options describe (``naming.build_network``), at most ``limit``
    weights and biases; every problem with it is a one-line UsageError."""
    from ..naming import build_network
    from ..weights import WeightsFileError

    spec = network_spec(args)
    if spec.layers is not None and spec.weights is None:
        count = sum(n_in * n_out + n_out for n_in, n_out in itertools.pairwise(spec.layers))
        if count > limit:
            raise UsageError(
                f"--layers {args.layers}: {count:,} weights and biases {too_many} "
                f"(the limit is {limit:,})"
            )
    try:
        example = build_network(spec, batch=batch)
    except FileNotFoundError:
        raise UsageError(f"--weights: no such file: {args.weights}") from None
    except WeightsFileError as error:
        raise UsageError(f"--weights: {error}") from None
    except OSError as error:
        raise UsageError(f"--weights: cannot read {args.weights}: {error.strerror}") from None
    except ImportError as error:  # a .pt file without PyTorch: the message names the extra
        raise UsageError(f"--weights: {error}") from None
    except ValueError as error:
        option = _option_of(str(error))
        raise UsageError(f"{option}{error}") from None
    count = sum(W.size + b.size for W, b in example.weights)
    if count > limit:
        raise UsageError(
            f"--weights {args.weights}: {count:,} weights and biases {too_many} "
            f"(the limit is {limit:,})"
        )
    if args.weights is not None and args.activation is None:
        _require_torch_activations(args.weights)
    return example


def _require_torch_activations(path: str) -> None:
    """A state dict PyTorch saved does not say which activations its network had, and
    guessing the default would check another network: the flags must say."""
    from ..weights import is_torch_file, load

    if is_torch_file(path) and load(path).activations is None:
        raise UsageError(
            f"--weights {path}: a PyTorch state dict does not record the activations: give "
            "--activation (the hidden layers') and --output-activation"
        )


def _option_of(message: str) -> str:
    """The option a build error is about, as a prefix ("--cost: "), or ""."""
    for words, option in (
        ("output activation", "--output-activation"),
        ("activation", "--activation"),
        ("cost", "--cost"),
        ("input", "--input"),
        ("target", "--target"),
        ("layers", "--layers"),
        ("softmax", "--output-activation"),
    ):
        if words in message:
            return f"{option}: "
    return ""


def _numbers(text: str, option: str) -> list[float]:
    try:
        numbers = [float(part) for part in text.replace(",", " ").split()]
    except ValueError:
        raise UsageError(f"{option}: expected numbers separated by commas, got {text!r}") from None
    if not numbers:
        raise UsageError(f"{option}: expected numbers separated by commas, got {text!r}")
    return numbers
