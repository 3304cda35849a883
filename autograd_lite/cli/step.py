"""``autograd-lite step``: walk through backpropagation one chain-rule step at a time.

The loop reads one command per line from standard input, so it works at a terminal
(with a prompt) and from a pipe or a file (no prompt), which makes it scriptable:

    printf 'n\\nn\\nt\\nq\\n' | autograd-lite step "tanh(x*w + b)" --set x=2 w=-3 b=6.88

End of input ends the session with exit status 0, as ``q`` does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from ..stepper import Stepper, format_number, format_value
from . import UsageError
from .common import (
    add_expression_arguments,
    parse_expression_arguments,
    parse_mlp_sizes,
    parse_numbers,
)

# More weights than this make thousands of steps: too many to walk through.
_MAX_WEIGHTS = 2_000

HELP = """\
commands (one per line):
  Enter or n    apply the next step
  b             go back one step (undo it)
  r             run to the end
  u NAME        run until NAME has all its gradient (a label, z^1_2, or n3)
  s             show the current step again
  l             list every gradient as it is now
  t             the table of all steps (> marks the current one)
  g FILE        draw the graph with the current step highlighted (.dot .svg .png .pdf)
  q             quit
  ?             this help"""

_EXAMPLES = """\
examples:
  autograd-lite step "tanh(x*w + b)" --set x=2 w=-3 b=6.88
  autograd-lite step "x*x + x" --set x=3 --explain
  autograd-lite step --mlp 2,2,1 --seed 0
  printf 'n\\nn\\nt\\n' | autograd-lite step "x*y + y" --set x=2 y=3

With --mlp the network is sigmoid in every layer, its weights and the example (input
uniform in [-1, 1], target uniform in [0, 1]) are drawn from --seed, and the cost is
quadratic, C = 1/2 sum_j (a_j - y_j)^2. Each step that completes a pre-activation z^l_j
shows its delta beside the closed-form value from equations BP1 and BP2.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "step",
        help="step through backpropagation, one chain-rule step at a time",
        description="Step through the backward pass of an expression (its variables set "
        "with --set) or of a small MLP: each step shows the derivative rule, the numbers "
        "put into it and the gradient it adds. Commands are read from standard input.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_expression_arguments(parser)
    parser.add_argument(
        "--mlp", metavar="SIZES", help="step through an MLP instead: sizes, e.g. 2,2,1"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the MLP and example (0)")
    parser.add_argument(
        "--activation", default="sigmoid", help="activation of every MLP layer (sigmoid)"
    )
    parser.add_argument(
        "--cost", choices=("quadratic", "mse"), default="quadratic", help="MLP cost (quadratic)"
    )
    parser.add_argument("--input", metavar="NUMBERS", help="the MLP's input, e.g. 0.5,-1")
    parser.add_argument("--target", metavar="NUMBERS", help="the MLP's target, e.g. 0.2")
    parser.add_argument(
        "--explain", action="store_true", help="add one plain-words sentence to every step"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if (args.expression is None) == (args.mlp is None):
        raise UsageError('give an expression (e.g. "tanh(x*w + b)") or --mlp SIZES, not both')
    if args.mlp is not None:
        if args.assignments:
            raise UsageError("--set gives values to an expression's variables; use --input")
        stepper, title = _mlp(args)
    else:
        for option in ("input", "target"):
            if getattr(args, option) is not None:
                raise UsageError(f"--{option} goes with --mlp")
        stepper, title = _expression(args)
    return Session(stepper, title, explain=args.explain).loop(sys.stdin, sys.stdout)


def _expression(args: argparse.Namespace) -> tuple[Any, str]:
    root = parse_expression_arguments(args)
    stepper = Stepper(root)
    return stepper, f"{stepper.names.text(root)} = {format_number(root.data)}"


def _mlp(args: argparse.Namespace) -> tuple[Any, str]:
    import numpy as np

    from .. import nn

    sizes = parse_mlp_sizes(
        args.mlp, _MAX_WEIGHTS, "make too many steps to walk through", example="2,2,1"
    )
    rng = np.random.default_rng(args.seed)
    try:
        model = nn.MLP(
            sizes[0],
            sizes[1:],
            activation=args.activation,
            output_activation=args.activation,
            rng=rng,
        )
    except ValueError as error:
        raise UsageError(f"--activation: {error}") from None
    x = [round(float(v), 4) for v in rng.uniform(-1.0, 1.0, size=sizes[0])]
    y = [round(float(v), 4) for v in rng.uniform(0.0, 1.0, size=sizes[-1])]
    if args.input is not None:
        x = parse_numbers(args.input, sizes[0], "--input")
    if args.target is not None:
        y = parse_numbers(args.target, sizes[-1], "--target")
    stepper = Stepper.for_mlp(model, x, y, cost=args.cost)
    half = "1/2 " if args.cost == "quadratic" else ""
    shape = "-".join(map(str, sizes))
    inputs, targets = ", ".join(map(format_number, x)), ", ".join(map(format_number, y))
    title = (
        f"MLP {shape} ({args.activation}, seed {args.seed}) on x = [{inputs}], y = [{targets}]: "
        f"C = {half}sum_j (a_j - y_j)^2 = {format_number(stepper.root.data)}\n"
        "delta^l_j = dC/dz^l_j is shown at each z^l_j, beside its closed form "
        "(BP1 at the output layer, BP2 below)"
    )
    return stepper, title


class Session:
    """The command loop around one :class:`~autograd_lite.stepper.Stepper`."""

    def __init__(self, stepper: Any, title: str, *, explain: bool = False) -> None:
        self.stepper = stepper
        self.title = title
        self.explain = explain

    def loop(self, commands: TextIO, out: TextIO) -> int:
        """Read commands until ``q`` or the end of input; return the exit status (0)."""
        self.out = out
        interactive = commands.isatty()
        self._intro()
        while True:
            if interactive:
                out.write("step> ")
                out.flush()
            try:
                line = commands.readline()
            except KeyboardInterrupt:
                self._say("")
                return 130
            if not line:  # end of input
                if interactive:
                    self._say("")
                return 0
            command, _, argument = line.strip().partition(" ")
            if command == "q":
                return 0
            self._do(command, argument.strip())

    def _say(self, text: str) -> None:
        self.out.write(text + "\n")

    def _intro(self) -> None:
        stepper = self.stepper
        root_grad = stepper.names.grad_of(stepper.root)
        self._say(f"backward pass of {self.title}")
        count = len(stepper)
        plural = "" if count == 1 else "s"
        seed = format_value(stepper.seed)
        self._say(
            f"{count} step{plural}; at the start {root_grad} = {seed} (the seed, "
            "d output/d output) and every other gradient is zero"
        )
        self._say("Enter or n: next step, b: back, r: run to the end, t: table, ?: help, q: quit")

    def _do(self, command: str, argument: str) -> None:
        handlers = {
            "": self._next,
            "n": self._next,
            "b": self._back,
            "r": self._run,
            "s": self._show,
            "l": self._list,
            "t": self._table,
            "?": self._help,
            "h": self._help,
            "help": self._help,
        }
        if command in ("g", "u"):
            if not argument:
                example = "g step.dot" if command == "g" else "u x"
                self._say(f"{command} needs an argument, e.g. {example}")
            elif command == "g":
                self._draw(argument)
            else:
                self._until(argument)
            return
        handler = handlers.get(command)
        if handler is None or argument:
            self._say(f"unknown command {(command + ' ' + argument).strip()!r}; type ? for help")
            return
        handler()

    def _view(self, view: Any) -> None:
        self._say(view.text(explain=self.explain))

    def _next(self) -> None:
        view = self.stepper.next()
        if view is None:
            self._say("no step left: the pass is complete (b: back, t: table, q: quit)")
            return
        self._view(view)
        self._finished()

    def _finished(self) -> None:
        if self.stepper.done:
            self._say(
                "the backward pass is complete: every gradient now equals what backward() gives"
            )

    def _back(self) -> None:
        view = self.stepper.back()
        if view is None:
            self._say("already at the start: nothing to undo")
            return
        before = view.step.before
        back = "has no gradient again" if before is None else f"is back to {format_value(before)}"
        self._say(f"undid step {view.number}: {view.grad_of} {back}")
        current = self.stepper.current
        self._say(f"now after step {current.number}" if current else "now at the start")

    def _run(self) -> None:
        views = self.stepper.run()
        if not views:
            self._say("nothing to run: the pass is complete")
            return
        for view in views:
            self._say(view.summary())
        self._finished()

    def _until(self, name: str) -> None:
        try:
            views = self.stepper.run_to(name)
        except ValueError as error:
            self._say(str(error))
            return
        if not views:
            self._say(f"{name} already has all its gradient (no step to apply)")
            return
        for view in views[:-1]:
            self._say(view.summary())
        self._view(views[-1])
        self._finished()

    def _show(self) -> None:
        current = self.stepper.current
        if current is None:
            self._say("at the start: no step applied yet (n: next)")
        else:
            self._view(current)

    def _list(self) -> None:
        gradients = self.stepper.gradients()
        width = max(len(name) for name, _ in gradients)
        for name, grad in gradients:
            self._say(f"  {name.ljust(width)}  grad {format_value(grad)}")

    def _table(self) -> None:
        self._say(self.stepper.table())

    def _help(self) -> None:
        self._say(HELP)

    def _draw(self, filename: str) -> None:
        try:
            from .. import viz
        except ImportError as error:  # the graphviz Python package is missing
            self._say(f"cannot draw: {error}")
            return
        path = Path(filename)
        try:
            viz.save(self.stepper.draw(), path)
        except (viz.GraphvizNotFound, viz.GraphvizFailed) as error:
            self._say(str(error))
        except ValueError as error:  # an extension that names no format
            self._say(str(error))
        except OSError as error:
            self._say(f"cannot write {path}: {error.strerror or error}")
        else:
            current = self.stepper.current
            where = f"step {current.number} highlighted" if current else "before step 1"
            self._say(f"wrote {path} ({where})")
