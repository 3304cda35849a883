"""Argument pieces several subcommands share: expressions, layer sizes, number lists."""

from __future__ import annotations

import argparse
import itertools
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
