"""``autograd-lite step``: walk through backpropagation one chain-rule step at a time.

The loop reads one command per line from standard input, so it works at a terminal
(with a prompt) and from a pipe or a file (no prompt), which makes it scriptable:

    printf 'next\\nnext\\ntable\\nquit\\n' | autograd-lite step "x*w + b" --set x=2 w=-3 b=1

End of input ends the session with exit status 0, as ``quit`` does. ``--all`` prints
every step and the final gradients without asking (so does an empty, non-terminal
standard input, e.g. ``< /dev/null`` in CI); ``--quiz`` asks for each step's number
before showing it, and works through a pipe as well.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any, TextIO

from ..naming import format_number, number_leaves
from ..stepper import QUIZ_ATOL, QUIZ_RTOL, Stepper, format_value
from . import UsageError
from .common import (
    add_expression_arguments,
    add_network_arguments,
    add_quiz_argument,
    build_example,
    check_expression_or_network,
    parse_expression_arguments,
)

# More weights than this make thousands of steps: too many to walk through.
_MAX_WEIGHTS = 2_000

HELP = """\
commands (one per line; a name or its letter):
  next, n or Enter   apply the next step
  back, b            go back one step (undo it)
  run, r             run to the end
  until NAME, u      run until NAME has all its gradient (any name shown: x, x*w + b,
                     z^1_2, w^2_11, z^1_1[k<=1], or n3)
  show, s            show the current step again
  list, l            every gradient as it is now (deltas beside their closed form)
  table, t           the table of all steps (> marks the current one, with a delta column)
  explain            the current step in plain words
  formulas           the chain rule, the current rule in general form, BP1-BP4
  graph FILE, g      draw the graph with the current step (.dot .svg .png .pdf)
  help, ?            this help
  quit, q            quit"""

_FORMULAS = """\
the chain rule, one edge at a time:   input.grad += (d node / d input) * node.grad
the sum rule: an input used along several paths adds up their contributions
backpropagation (delta^l_j = dC/dz^l_j; sigma the activation, (.) elementwise):
  BP1  delta^L = grad_a C (.) sigma'(z^L)                       (the output layer)
  BP2  delta^l = ((W^(l+1))^T delta^(l+1)) (.) sigma'(z^l)       (each layer below:
       delta^l_j = (sum_k w^(l+1)_kj delta^(l+1)_k) sigma'(z^l_j))
  BP3  dC/db^l_j = delta^l_j
  BP4  dC/dw^l_jk = a^(l-1)_k delta^l_j"""

_EXAMPLES = """\
examples:
  autograd-lite step "tanh(x*w + b)" --set x=2 w=-3 b=6.88
  autograd-lite step "x*x + x" --set x=3 --explain
  autograd-lite step --layers 2,2,1 --seed 0
  autograd-lite step --layers 2,3,1 --collapse --all
  autograd-lite step --weights net.npz --input 0.5,-1 --target 1 --quiz
  printf 'next\\nnext\\ntable\\n' | autograd-lite step "x*y + y" --set x=2 y=3

A network (--layers or --weights) is the one `graph` draws and `compare` checks with
the same options: sigmoid in every layer and the quadratic cost C = 1/2 sum_j (a_j -
y_j)^2 unless told otherwise, weights drawn from --seed as compare draws them, and the
example its first (input standard normal, target uniform in [0, 1]). Each step that
completes a pre-activation z^l_j shows its delta beside the closed form from BP1 or BP2.
Constants (the 0.5 of the cost, the 3 of x**3) and targets need no gradient: no step
goes into them.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "step",
        help="step through backpropagation, one chain-rule step at a time",
        description="Step through the backward pass of an expression (its variables set "
        "with --set) or of a small network: each step shows the derivative rule with its "
        "operands, the numbers put into it and the gradient it adds. Commands are read "
        "from standard input.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_expression_arguments(parser)
    add_network_arguments(parser, layers_default="e.g. 2,2,1")
    parser.add_argument(
        "--explain", action="store_true", help="add one plain-words sentence to every step"
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="print every step and the final gradients without asking (scripts, CI)",
    )
    add_quiz_argument(parser, then="the score comes at the end")
    parser.add_argument(
        "--collapse",
        action="store_true",
        help="fold each neuron's b + sum w*a chain into one step",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    network = check_expression_or_network(args)
    if args.all and args.quiz:
        raise UsageError("--all shows every answer: use it without --quiz")
    if network:
        if args.assignments:
            raise UsageError("--set gives values to an expression's variables; use --input")
        stepper, title = _network(args)
    else:
        stepper, title = _expression(args)
    session = Session(stepper, title, explain=args.explain)
    if args.all:
        return session.run_all(sys.stdout)
    if args.quiz:
        return session.quiz(sys.stdin, sys.stdout, ask=args.quiz)
    return session.loop(sys.stdin, sys.stdout)


def _expression(args: argparse.Namespace) -> tuple[Any, str]:
    root = parse_expression_arguments(args)
    # every variable has a name: the unnamed leaves are the numbers written into it
    stepper = Stepper(root, constants=number_leaves(root), collapse=args.collapse)
    return stepper, f"{stepper.names.text(root)} = {format_number(root.data)}"


def _network(args: argparse.Namespace) -> tuple[Any, str]:
    example = build_example(args, _MAX_WEIGHTS, "make too many steps to walk through")
    stepper = Stepper.for_graph(example.graph, collapse=args.collapse)
    title = (
        f"{example.describe()} = {format_number(example.root.data)}\n"
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
        self.out: TextIO = sys.stdout

    # -- the three ways to go through a pass

    def loop(self, commands: TextIO, out: TextIO) -> int:
        """Read commands until ``quit`` or the end of input; return the exit status (0).

        A standard input that is not a terminal and ends before any command prints the
        whole pass, as ``--all`` does (``autograd-lite step ... < /dev/null``).
        """
        self.out = out
        interactive = commands.isatty()
        self._intro()
        first = True
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
                if first and not interactive:
                    self._say("(no commands on standard input: every step follows)")
                    self._all_steps()
                elif interactive:
                    self._say("")
                return 0
            first = False
            command, _, argument = line.strip().partition(" ")
            if command in ("q", "quit", "exit"):
                return 0
            self._do(command, argument.strip())

    def run_all(self, out: TextIO) -> int:
        """Print the introduction, every step and the final gradients (``--all``)."""
        self.out = out
        self._intro(commands=False)
        self._all_steps()
        return 0

    def quiz(self, answers: TextIO, out: TextIO, ask: str = "contribution") -> int:
        """Ask for each step's number before showing it; report the score (``--quiz``)."""
        self.out = out
        interactive = answers.isatty()
        self._intro(commands=False)
        what = (
            "the contribution (what the step adds)"
            if ask == "contribution"
            else ("the local derivative d node / d input")
        )
        self._say(
            f"quiz: before each step, type {what}; answers within {QUIZ_RTOL:.1%} (or "
            f"{QUIZ_ATOL} of zero) count as right. q quits."
        )
        right = asked = 0
        stepper = self.stepper
        while not stepper.done:
            view = stepper.steps[stepper.position]
            truth = self._quiz_truth(view, ask)
            if truth is None:  # an array step, or a neuron's folded steps: shown, not asked
                self._view(stepper.next())
                continue
            # what the question needs (the rule, the operands and, for the contribution,
            # the upstream gradient); the answer's working comes after the answer
            given = ("  rule ", "  at ") + (("  upstream ",) if ask == "contribution" else ())
            lines = view.lines(self.explain)
            self._say("\n".join([lines[0], *(line for line in lines if line.startswith(given))]))
            question = (
                f"  {view.grad_of} += ? " if ask == "contribution" else "  local derivative = ? "
            )
            answer = self._ask(answers, out, question, interactive)
            if answer is None:
                break
            asked += 1
            if math.isclose(answer, truth, rel_tol=QUIZ_RTOL, abs_tol=QUIZ_ATOL):
                right += 1
                self._say(f"  right: {format_number(truth)}")
            else:
                self._say(f"  not quite: it is {format_number(truth)} (you said {answer:g})")
            stepper.next()
            self._say("\n".join(line for line in lines[1:] if not line.startswith(given)))
        self._finished()
        self._say(f"score: {right} of {asked} right" + ("" if stepper.done else " (stopped early)"))
        return 0

    @staticmethod
    def _quiz_truth(view: Any, ask: str) -> float | None:
        local = getattr(view, "local_derivative", None)
        if local is None:
            return None
        return float(local) if ask == "local" else float(view.step.contribution)

    def _ask(self, answers: TextIO, out: TextIO, question: str, interactive: bool) -> float | None:
        while True:
            out.write(question)
            out.flush()
            try:
                line = answers.readline()
            except KeyboardInterrupt:
                return None
            if not interactive:
                out.write(line if line.endswith("\n") or not line else line + "\n")
            if not line or line.strip() in ("q", "quit"):
                if not line:
                    self._say("")
                return None
            try:
                return float(line.strip())
            except ValueError:
                self._say(f"  {line.strip()!r} is not a number; type a number, or q to stop")

    # -- output

    def _say(self, text: str) -> None:
        self.out.write(text + "\n")

    def _intro(self, commands: bool = True) -> None:
        stepper = self.stepper
        root_grad = stepper.names.grad_of(stepper.root)
        self._say(f"backward pass of {self.title}")
        count = len(stepper)
        plural = "" if count == 1 else "s"
        seed = format_value(stepper.seed)
        hidden = ""
        if stepper.hidden:
            hidden = (
                f" (and none into constants or targets: they need no gradient, "
                f"{stepper.hidden} step{'' if stepper.hidden == 1 else 's'} left out)"
            )
        self._say(
            f"{count} step{plural}{hidden}; at the start {root_grad} = {seed} (the seed, "
            "d output/d output) and every other gradient is zero"
        )
        if commands:
            self._say(
                "Enter or next: next step, back, run, until NAME, table, list, explain, "
                "formulas, graph FILE, help, quit"
            )

    def _all_steps(self) -> None:
        for view in self.stepper.run():
            self._view(view)
        self._finished()
        self._say("final gradients:")
        self._list()

    def _do(self, command: str, argument: str) -> None:
        handlers = {
            "": self._next,
            "n": self._next,
            "next": self._next,
            "b": self._back,
            "back": self._back,
            "r": self._run,
            "run": self._run,
            "s": self._show,
            "show": self._show,
            "l": self._list,
            "list": self._list,
            "t": self._table,
            "table": self._table,
            "explain": self._explain,
            "formulas": self._formulas,
            "?": self._help,
            "h": self._help,
            "help": self._help,
        }
        if command in ("g", "graph", "u", "until"):
            if not argument:
                example = "graph step.svg" if command in ("g", "graph") else "until x"
                self._say(f"{command} needs an argument, e.g. {example}")
            elif command in ("g", "graph"):
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
        before = view.step.before if len(view.records) == 1 else None
        if len(view.records) == 1:
            back = (
                "has no gradient again" if before is None else f"is back to {format_value(before)}"
            )
            self._say(f"undid step {view.number}: {view.grad_of} {back}")
        else:
            self._say(f"undid step {view.number} ({len(view.records)} chain-rule steps)")
        current = self.stepper.current
        self._say(f"now after step {current.number}" if current else "now at the start")

    def _run(self) -> None:
        views = self.stepper.run()
        if not views:
            self._say("nothing to run: the pass is complete")
            return
        for view in views:
            self._say("\n".join(view.summary_lines()))
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
            self._say("\n".join(view.summary_lines()))
        self._view(views[-1])
        self._finished()

    def _show(self) -> None:
        current = self.stepper.current
        if current is None:
            self._say("at the start: no step applied yet (next)")
        else:
            self._view(current)

    def _explain(self) -> None:
        current = self.stepper.current
        if current is None:
            self._say(
                "at the start: the root holds the seed 1 (d output/d output); each step "
                "multiplies a node's gradient by one local derivative and adds it to an input"
            )
        else:
            self._say(f"step {current.number}: {current.explanation}")

    def _formulas(self) -> None:
        current = self.stepper.current
        if current is not None and len(current.records) == 1:
            op = current.step.op
            self._say(f"the rules of {op.name} (a, b: its arguments): {'; '.join(op.formulas)}")
            self._say(f"at step {current.number}: {current.rule}")
        self._say(_FORMULAS)

    def _list(self) -> None:
        for line in self.stepper.gradient_lines():
            self._say(line)

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
            viz.save(viz.draw_step(self.stepper), path)
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
