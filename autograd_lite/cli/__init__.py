"""The ``autograd-lite`` command: one subcommand per module in this package.

Each subcommand module defines ``register(subparsers)``, which adds its parser and sets
``func`` to a function taking the parsed arguments and returning the exit status.

Exit status: 0 success; 1 a check that disagreed or a training that diverged; 2 bad
arguments or input (one line on stderr, never a traceback), including an output that
cannot be written; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
from collections.abc import Sequence
from typing import IO, Any, NoReturn

from .. import __version__

# The subcommands, in the order ``--help`` lists them.
COMMANDS = ("demo", "compare", "graph", "step", "explore", "train", "export")
PROG = "autograd-lite"
#: The exit status of a command stopped by Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED = 130


class UsageError(Exception):
    """Bad arguments or input found after parsing: printed, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors on one line that points to the right ``--help``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands: dict[str, argparse.ArgumentParser] = {}

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        command = getattr(parsed, "command", None)
        if extras and self.prog == PROG and command is not None:
            # A flag the subcommand does not know: say so in the subcommand's words.
            self.commands[command].error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Reverse-mode automatic differentiation you can watch: "
        "check gradients, render graphs, step through backpropagation, train networks.",
        epilog="Exit status: 0 success; 1 engines disagree or training diverged; 2 bad "
        "arguments or input; 130 interrupted (Ctrl-C).",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
    parser.commands = dict(subparsers.choices)
    return parser


class _GuardedStream:
    """stdout or stderr that never stops the command when writing to it fails.

    ``train --save F | head -1`` closes the pipe after one line; ``> /dev/full`` fails
    every flush. The first failure is remembered, the stream's file descriptor is
    pointed at /dev/null (so Python's own flush at exit has nothing to complain about)
    and later writes are dropped: the work goes on and files are still saved.
    """

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.failure: OSError | None = None

    def write(self, text: str) -> int:
        if self.failure is None:
            try:
                return self.stream.write(text)
            except OSError as error:
                self._fail(error)
        return len(text)

    def flush(self) -> None:
        if self.failure is None:
            try:
                self.stream.flush()
            except OSError as error:
                self._fail(error)

    def isatty(self) -> bool:
        return self.failure is None and self.stream.isatty()

    def _fail(self, error: OSError) -> None:
        self.failure = error
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)
        except (OSError, AttributeError, ValueError):  # no descriptor (captured in tests)
            pass

    @property
    def broken_pipe(self) -> bool:
        return isinstance(self.failure, BrokenPipeError) or (
            self.failure is not None and self.failure.errno == errno.EPIPE
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    name = f"{PROG} {args.command}"
    saved = sys.stdout, sys.stderr
    out = _GuardedStream(sys.stdout) if sys.stdout is not None else None
    err = _GuardedStream(sys.stderr) if sys.stderr is not None else None
    sys.stdout, sys.stderr = out or sys.stdout, err or sys.stderr
    try:
        status: int = args.func(args)
    except UsageError as error:
        print(f"{name}: error: {error}", file=sys.stderr)
        status = 2
    except KeyboardInterrupt:
        print(f"\n{name}: interrupted", file=sys.stderr)
        status = INTERRUPTED
    except MemoryError:
        print(f"{name}: error: out of memory; try a smaller network or batch", file=sys.stderr)
        status = 2
    finally:
        for stream in (out, err):
            if stream is not None:
                stream.flush()
        sys.stdout, sys.stderr = saved
    if out is not None and out.failure is not None and not out.broken_pipe:
        reason = out.failure.strerror or out.failure
        print(f"{name}: error: cannot write to standard output: {reason}", file=sys.stderr)
        return 2
    return status


def main_entry() -> None:
    """Console-script entry point: exit with :func:`main`'s status."""
    try:
        status = main()
    except KeyboardInterrupt:  # before a command started (while parsing, importing)
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        status = INTERRUPTED
    sys.exit(status)
