"""The ``autograd-lite`` command: one subcommand per module in this package.

Each subcommand module defines ``register(subparsers)``, which adds its parser and sets
``func`` to a function taking the parsed arguments and returning the exit status.
Exit status: 0 success, 1 a check that disagreed, 2 bad arguments or input.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# The subcommands, in the order ``--help`` lists them.
COMMANDS = ("demo", "compare", "graph", "step", "explore", "train", "export")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="autograd-lite",
        description="Reverse-mode automatic differentiation you can watch: "
        "check gradients, render graphs, step through backpropagation, train networks, "
        "export them to PyTorch.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    return parser


class UsageError(Exception):
    """Bad arguments or input found after parsing: printed, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        status: int = args.func(args)
    except UsageError as error:
        print(f"autograd-lite {args.command}: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `autograd-lite ... | head` is not an error
        return 0
    return status


def main_entry() -> None:
    """Console-script entry point: exit with :func:`main`'s status."""
    sys.exit(main())
