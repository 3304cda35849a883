"""Argument pieces several subcommands share: expressions, layer sizes, number lists."""

from __future__ import annotations

import argparse
import itertools
import os
from typing import Any

from . import UsageError


def add_expression_arguments(parser: argparse.ArgumentParser) -> None:
    """The positional expression and ``--set NAME=NUMBER ...`` (graph, step)."""
    parser.add_argument("expression", nargs="?", help='an expression such as "tanh(x*w + b)"')
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
        return parse_expression(args.expression, parse_assignments(args.assignments))
    except ParseError as error:
        raise UsageError(error.summary) from None


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


def parse_mlp_sizes(text: str, limit: int, too_many: str, example: str = "2,3,1") -> list[int]:
    """The layer sizes of ``--mlp`` (see :func:`parse_sizes`), for a network of at most
    ``limit`` weights and biases; ``too_many`` says what a larger one would be."""
    sizes = parse_sizes(text, "--mlp", example)
    count = sum(n_in * n_out + n_out for n_in, n_out in itertools.pairwise(sizes))
    if count > limit:
        raise UsageError(
            f"--mlp {text}: {count:,} weights and biases {too_many} (the limit is {limit:,})"
        )
    return sizes


def parse_numbers(text: str, count: int, option: str) -> list[float]:
    """``count`` numbers separated by commas or spaces, e.g. an MLP's input."""
    try:
        numbers = [float(part) for part in text.replace(",", " ").split()]
    except ValueError:
        raise UsageError(f"{option}: expected numbers separated by commas, got {text!r}") from None
    if len(numbers) != count:
        raise UsageError(f"{option}: expected {count} numbers, got {len(numbers)} in {text!r}")
    return numbers


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
