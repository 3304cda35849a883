"""``autograd-lite train``: train a network on a data set, with progress, figures and a plot."""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import threading
import time
from types import FrameType
from typing import IO, Any

import numpy as np

from .. import data, nn, weights
from ..train import (
    LOSSES,
    OPTIMIZERS,
    EpochRecord,
    History,
    TrainingDiverged,
    accuracy,
    default_output_activation,
    fit,
    fit_minimize,
    make_optimizer,
    objective,
    plot,
)
from . import INTERRUPTED, UsageError
from .common import check_memory, network_bytes, parse_sizes

# What `--data NAME` alone trains: each set's settings, chosen to learn it well in seconds.
_PLANAR: dict[str, Any] = {"layers": [2, 16, 16, 1], "activation": "tanh",
                           "loss": "cross_entropy", "optimizer": "adam", "lr": 0.01,
                           "batch_size": 32, "epochs": 100}  # fmt: skip
DEFAULTS: dict[str, dict[str, Any]] = {
    "digits": {**_PLANAR, "layers": [64, 30, 10], "batch_size": 10, "epochs": 30},
    "moons": _PLANAR,
    "circles": _PLANAR,
    "xor": _PLANAR,
    "spirals": {**_PLANAR, "layers": [2, 64, 64, 3], "batch_size": 20, "epochs": 200},
}


def _defaults_table() -> str:
    """DEFAULTS as the help shows them, one line per distinct setting."""
    names_by_line: dict[str, list[str]] = {}
    for name, d in DEFAULTS.items():
        line = (
            f"{','.join(map(str, d['layers']))}  {d['activation']}  {d['loss']}  "
            f"{d['optimizer']} lr {d['lr']:g}  batch {d['batch_size']}  {d['epochs']} epochs"
        )
        names_by_line.setdefault(line, []).append(name)
    return "\n".join(f"  {', '.join(names):<8}  {line}" for line, names in names_by_line.items())


# The learning rate when the optimizer (or, for plain SGD, the loss) is not the data set's
# default. Plain SGD's rate depends on the loss: the quadratic cost's 1/(2n) makes its
# gradients small (the textbook uses 3.0 with it).
SGD_LR = {"quadratic": 3.0, "mse": 1.5, "cross_entropy": 0.5, "hinge": 0.1}
OPTIMIZER_LR = {"momentum": 0.1, "adam": 0.01, "adamw": 0.01, "rprop": 0.01, "lbfgs": 1.0}
# Every --optimizer: cg is not an optimizer object but one run of SciPy's conjugate
# gradients (train.fit_minimize). The last three take full-batch steps; Newton and CG set
# their own step lengths, so they take no --lr.
CHOICES = (*OPTIMIZERS, "cg")
FULL_BATCH = ("lbfgs", "newton", "cg")
NO_LR = {
    "newton": "the Hessian sets the length of its steps",
    "cg": "its line search sets the length of its steps",
}

_EXAMPLES = f"""\
examples:
  autograd-lite train --data digits
  autograd-lite train --data digits --layers 64,30,10 --activation sigmoid --cost quadratic \\
      --optimizer sgd --lr 3.0 --batch 10 --epochs 30
  autograd-lite train --data moons --engine value --epochs 20 --plot moons.png
  autograd-lite train --data spirals --save spirals.npz --json
  autograd-lite train --data digits --save digits.pt     # a PyTorch state dict
  autograd-lite train --data digits --optimizer lbfgs --plot-units units.png
  autograd-lite train --data xor --layers 2,4,1 --optimizer newton --epochs 30

--layers gives every layer's size, the inputs first and the outputs last: the first must
be the data set's number of features (2, or 64 for digits), the last its number of classes
(or 1 for a data set of two classes). Unset flags take the data set's defaults:
{_defaults_table()}
Another optimizer gets its own default rate: sgd 3.0 (quadratic), 1.5 (mse), 0.5
(cross_entropy), 0.1 (hinge); momentum 0.1; adam, adamw, rprop 0.01; lbfgs 1.0.

Optimizers that use curvature take full-batch steps, each on the whole training set:
  lbfgs     L-BFGS with a strong Wolfe line search; an epoch is one step of up to 20
            iterations; --lr is the first trial step length (1.0)
  newton    damped Newton with the exact Hessian; an epoch is one step; no --lr;
            networks of at most 2,000 parameters (use lbfgs for bigger ones)
  cg        SciPy's conjugate gradients (pip install autograd-lite[scipy]); an epoch is
            one iteration, --epochs the most it may take (it may stop sooner); no --lr
--batch is then the whole training set: a smaller one is an error, not ignored.

--plot-units draws each first-layer unit's incoming weights as an 8x8 image (digits only).

Exit status: 0 trained; 1 training diverged (the loss became NaN or infinite, or grew past
1e10: the message names the epoch and step; with --json the one JSON object says so too);
2 bad arguments (an unknown data set or optimizer, layer sizes that do not fit the data, a
network that cannot learn such as a softmax over one output, a learning rate <= 0, a
network too big for newton or for memory, an output file that cannot be written: all
checked before training) or a missing optional package; 130 interrupted: Ctrl-C stops
after the current step, saves the weights when --save was given and prints the figures (a
second Ctrl-C stops at once). A closed pipe on the output (train ... | head) does not stop
the training.
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a network on a data set (moons, circles, spirals, xor, digits)",
        description="Train a multilayer perceptron on a classification data set, with a "
        "progress bar, the final train and test accuracy, and optionally the weights "
        "(.npz), a plot (PNG) and a JSON summary.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data", default="moons", metavar="NAME", help=f"{', '.join(data.DATASETS)} (moons)"
    )
    parser.add_argument(
        "--layers", metavar="SIZES", help="layer sizes, inputs first, e.g. 64,30,10"
    )
    parser.add_argument(
        "--activation",
        choices=("sigmoid", "tanh", "relu", "leaky_relu"),
        help="activation of the hidden layers",
    )
    parser.add_argument(
        "--output-activation",
        choices=("sigmoid", "softmax", "linear", "tanh"),
        help="activation of the output layer (default: what the loss expects)",
    )
    parser.add_argument(
        "--cost",
        dest="loss",
        choices=LOSSES,
        help="the cost to minimise (default: the data set's, listed below)",
    )
    parser.add_argument("--loss", dest="loss", choices=LOSSES, help=argparse.SUPPRESS)
    parser.add_argument(
        "--optimizer",
        metavar="NAME",
        help=f"{', '.join(CHOICES)} (lbfgs, newton, cg: full batch, see below)",
    )
    parser.add_argument("--lr", type=float, help="learning rate")
    parser.add_argument(
        "--batch", dest="batch_size", type=int, metavar="N", help="examples per step"
    )
    parser.add_argument("--batch-size", dest="batch_size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, metavar="N", help="passes over the training set")
    parser.add_argument(
        "--l2", type=float, default=0.0, metavar="ALPHA", help="L2 penalty alpha * sum w^2 (0)"
    )
    parser.add_argument(
        "--init",
        choices=nn.INITS,
        help="weight initialisation (default: he for relu, else xavier)",
    )
    parser.add_argument(
        "--engine",
        choices=("tensor", "value"),
        default="tensor",
        help="Tensor (batches, fast) or Value (one scalar node per number, slow) (tensor)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of data, weights, order (0)")
    parser.add_argument(
        "--save",
        metavar="FILE",
        help="write the trained weights (.npz; .pt: a PyTorch state dict that "
        "load_state_dict takes)",
    )
    parser.add_argument("--plot", metavar="FILE", help="write a PNG of the training")
    parser.add_argument(
        "--plot-units",
        metavar="FILE",
        help="write a PNG of the first hidden layer's weights, one 8x8 image per unit "
        "(digits only)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="end with one line of JSON (progress then goes to stderr)",
    )
    parser.set_defaults(func=run)


# ----------------------------------------------------------------------------- settings


def _layers(text: str) -> list[int]:
    return parse_sizes(text, "--layers", example="64,30,10")


def _check_fit(sizes: list[int], dataset: data.Dataset, text: str) -> None:
    if sizes[0] != dataset.features:
        raise UsageError(
            f"--layers {text}: the first size is the input layer and must be "
            f"{dataset.features}, the number of features of {dataset.name}"
        )
    allowed = [dataset.classes] + ([1] if dataset.classes == 2 else [])
    if sizes[-1] not in allowed:
        one = " (or 1: one output for two classes)" if dataset.classes == 2 else ""
        raise UsageError(
            f"--layers {text}: the last size is the output layer and must be "
            f"{dataset.classes}, the number of classes of {dataset.name}{one}"
        )


def _settings(args: argparse.Namespace, dataset: data.Dataset) -> dict[str, Any]:
    """Every setting of the run: the flags given, the data set's defaults for the rest."""
    defaults = DEFAULTS[dataset.name]
    sizes = _layers(args.layers) if args.layers else list(defaults["layers"])
    _check_fit(sizes, dataset, args.layers or ",".join(map(str, sizes)))
    loss = args.loss or defaults["loss"]
    optimizer = args.optimizer or defaults["optimizer"]
    if optimizer not in CHOICES:
        raise UsageError(f"unknown optimizer {optimizer!r}; known optimizers: {', '.join(CHOICES)}")
    lr: float | None
    if optimizer in NO_LR:
        if args.lr is not None:
            raise UsageError(
                f"--lr {args.lr}: {optimizer} takes no learning rate ({NO_LR[optimizer]})"
            )
        lr = None
    elif args.lr is not None:
        lr = args.lr
    elif optimizer == defaults["optimizer"] and loss == defaults["loss"]:
        lr = defaults["lr"]
    else:
        lr = SGD_LR[loss] if optimizer == "sgd" else OPTIMIZER_LR[optimizer]
    if lr is not None and not (lr > 0 and math.isfinite(lr)):
        raise UsageError(f"--lr {args.lr}: the learning rate must be a positive number")
    batch_size = args.batch_size if args.batch_size is not None else defaults["batch_size"]
    epochs = args.epochs if args.epochs is not None else defaults["epochs"]
    if batch_size < 1:
        raise UsageError(f"--batch {batch_size}: must be at least 1")
    examples = len(dataset.X_train)
    if optimizer in FULL_BATCH:
        if args.batch_size is not None and args.batch_size < examples:
            raise UsageError(
                f"--batch {args.batch_size}: {optimizer} takes full-batch steps (each "
                f"uses all {examples} training examples); leave --batch out"
            )
        batch_size = examples
    if epochs < 1:
        raise UsageError(f"--epochs {epochs}: must be at least 1")
    if not (args.l2 >= 0 and math.isfinite(args.l2)):
        raise UsageError(f"--l2 {args.l2}: must be a number >= 0")
    activation = args.activation or defaults["activation"]
    output_activation = args.output_activation or default_output_activation(loss, sizes[-1])
    if args.engine == "value" and output_activation == "softmax":
        raise UsageError(
            "--output-activation softmax: the Value engine has no softmax layer; use --engine "
            "tensor, or a linear output with --loss cross_entropy (the loss applies softmax)"
        )
    try:
        objective(loss, sizes[-1], output_activation)
    except ValueError as error:  # said in the command line's words: the flags involved
        outputs = f"{sizes[-1]} output" + ("s" if sizes[-1] > 1 else "")
        raise UsageError(
            f"--loss {loss} with --output-activation {output_activation} and {outputs} "
            f"(--layers {','.join(map(str, sizes))}): {error}"
        ) from None
    return {
        "data": dataset.name,
        "engine": args.engine,
        "layers": sizes,
        "activation": activation,
        "output_activation": output_activation,
        "init": args.init or ("he" if activation in ("relu", "leaky_relu") else "xavier"),
        "loss": loss,
        "optimizer": optimizer,
        "lr": lr,
        "batch_size": min(batch_size, examples),
        "epochs": epochs,
        "l2": args.l2,
        "seed": args.seed,
    }


# ----------------------------------------------------------------------------- progress


class _Progress:
    """Progress on ``stream``: a bar redrawn in place on a terminal, else plain lines.

    Each epoch shows its loss and training accuracy (measured as :func:`_measured` says)
    and the test accuracy after it; runs expected to take more than ``_ETA_AFTER``
    seconds also show an estimate of the time left.
    """

    def __init__(self, stream: IO[str], epochs: int) -> None:
        self.stream = stream
        self.epochs = epochs
        self.terminal = bool(getattr(stream, "isatty", lambda: False)())
        self.every = max(1, math.ceil(epochs / 50))  # at most about 50 plain lines
        self.last_draw = 0.0
        self.start = time.perf_counter()
        self.records: list[EpochRecord] = []

    @property
    def last(self) -> EpochRecord | None:
        return self.records[-1] if self.records else None

    def _figures(self, record: EpochRecord | None) -> str:
        if record is None:
            return ""
        test = "" if record.test_accuracy is None else f"  test {record.test_accuracy:6.2%}"
        return f"  loss {record.loss:.4g}  train {record.train_accuracy:6.2%}{test}"

    def _left(self, done: float) -> str:
        """``"  ETA 1m05s"``: the time left at the pace so far, on long runs only."""
        elapsed = time.perf_counter() - self.start
        if done <= 0 or done >= 1 or elapsed / done < _ETA_AFTER:
            return ""
        seconds = round(elapsed * (1 - done) / done)
        minutes, seconds = divmod(seconds, 60)
        return f"  ETA {minutes}m{seconds:02d}s" if minutes else f"  ETA {seconds}s"

    def step(self, epoch: int, step: int, steps: int, loss: float) -> None:
        now = time.perf_counter()
        if not self.terminal or now - self.last_draw < 0.1:
            return
        self.last_draw = now
        done = (epoch - 1 + step / steps) / self.epochs
        self._draw(epoch, done, f"  batch loss {loss:.4g}{self._left(done)}")

    def epoch(self, record: EpochRecord) -> None:
        self.records.append(record)
        done = record.epoch / self.epochs
        if self.terminal:
            self._draw(record.epoch, done, self._figures(record) + self._left(done))
            if record.epoch == self.epochs:
                self.stream.write("\n")
                self.stream.flush()
        elif record.epoch % self.every == 0 or record.epoch == self.epochs:
            print(
                f"epoch {record.epoch}/{self.epochs}{self._figures(record)}  "
                f"({record.seconds:.1f} s){self._left(done)}",
                file=self.stream,
                flush=True,
            )

    def finish(self) -> None:
        """End the bar's line when training stopped before its last epoch (SciPy may)."""
        if self.terminal and (self.last is None or self.last.epoch != self.epochs):
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, epoch: int, done: float, figures: str) -> None:
        width = 24
        filled = min(width, int(done * width))
        bar = "#" * filled + "." * (width - filled)
        line = f"\repoch {epoch:>{len(str(self.epochs))}}/{self.epochs} [{bar}]{figures}"
        self.stream.write(line + "\033[K")  # clear what a longer previous line left
        self.stream.flush()


# Runs expected to take longer than this many seconds show the time left.
_ETA_AFTER = 10.0


def _measured(optimizer: str) -> str:
    """What the numbers of each epoch's line are, for the line printed before them."""
    if optimizer == "cg":
        return (
            "each epoch: loss and train accuracy on the training set after the iteration; "
            "test accuracy after it"
        )
    if optimizer in FULL_BATCH:
        return (
            "each epoch: loss and train accuracy on the training set before the step; test "
            "accuracy after it"
        )
    return (
        "each epoch: mean loss and train accuracy of its batches, each measured before its "
        "step; test accuracy after the epoch"
    )


class _Interrupted(Exception):
    """Ctrl-C was pressed: training stopped after ``step`` of ``steps`` in ``epoch``."""

    def __init__(self, epoch: int, step: int, steps: int) -> None:
        super().__init__(f"epoch {epoch}, step {step} of {steps}")
        self.epoch, self.step, self.steps = epoch, step, steps


class _StopAfterStep:
    """Ctrl-C while this is active asks training to stop after the current step.

    A second Ctrl-C stops at once (Python's own KeyboardInterrupt: exit 130, nothing
    saved). Signal handlers live in the main thread: elsewhere this does nothing.
    """

    def __init__(self) -> None:
        self.requested = False
        self.previous: Any = None
        self.installed = False

    def __enter__(self) -> _StopAfterStep:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
            self.installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self.installed:
            signal.signal(signal.SIGINT, self.previous)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)
        print(
            "\nCtrl-C: stopping after this step (press it again to stop at once, unsaved)",
            file=sys.stderr,
            flush=True,
        )


# ----------------------------------------------------------------------------- the command


def _check_extras(
    args: argparse.Namespace, settings: dict[str, Any], dataset: data.Dataset
) -> None:
    """Refuse, before training, what could only fail after it: missing packages, --plot-units."""
    if args.plot_units and dataset.features != 64:
        raise UsageError(
            f"--plot-units draws each first-layer unit's incoming weights as an 8x8 image, "
            f"so it needs the 64 pixels of digits as inputs; {dataset.name} has "
            f"{dataset.features} features"
        )
    pictures = [flag for flag, path in (("--plot", args.plot), ("--plot-units", args.plot_units))
                if path]  # fmt: skip
    if pictures:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise UsageError(
                f"{pictures[0]} needs matplotlib, which is not installed: "
                "pip install autograd-lite[plots]"
            ) from None
    if args.save and args.save.lower().endswith(weights.TORCH_SUFFIXES):
        from ..torch_bridge import TorchNotInstalled, require_torch

        try:
            require_torch(f"--save {args.save} (a PyTorch state dict)")
        except TorchNotInstalled as error:
            raise UsageError(str(error)) from None
    if settings["optimizer"] == "cg":
        try:
            import scipy.optimize  # noqa: F401
        except ImportError:
            raise UsageError(
                "--optimizer cg hands the training to SciPy, which is not installed: "
                "pip install autograd-lite[scipy]"
            ) from None


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before training, an output that could not be written after it."""
    from ..files import OutputPathError, check_output_path

    named = [(flag, path) for flag, path in (("--save", args.save), ("--plot", args.plot),
             ("--plot-units", args.plot_units)) if path is not None]  # fmt: skip
    seen: dict[str, str] = {}
    for flag, text in named:
        try:
            path = check_output_path(text, what=flag)
        except OutputPathError as error:
            raise UsageError(str(error)) from None
        key = str(path.resolve())
        if key in seen:
            raise UsageError(f"{seen[key]} and {flag} both name {text}; give each its own file")
        seen[key] = flag
        if flag != "--save":
            from matplotlib.figure import Figure

            formats = Figure().canvas.get_supported_filetypes()
            extension = path.suffix.lstrip(".").lower() or "png"
            if extension not in formats:
                raise UsageError(
                    f"{flag} {text}: .{extension} is not a picture format matplotlib writes; "
                    f"use .png (or {', '.join('.' + f for f in sorted(formats) if f != 'png')})"
                )


def _check_size(settings: dict[str, Any], dataset: data.Dataset, plot: bool) -> None:
    """Refuse a network whose training would not fit in memory, with the estimate."""
    needed = network_bytes(settings["layers"], settings["batch_size"], settings["engine"])
    needed += network_bytes(settings["layers"], len(dataset.X_test), "tensor")  # test accuracy
    if plot:  # the decision regions: the network on a 200 x 200 grid
        needed += network_bytes(settings["layers"], 200 * 200, "tensor")
    shape = ",".join(map(str, settings["layers"]))
    check_memory(
        needed,
        f"training --layers {shape} ({settings['engine']} engine, batches of "
        f"{settings['batch_size']})",
        "use fewer or smaller layers, or a smaller --batch-size",
    )


def _plan(settings: dict[str, Any], optimizer: Any) -> str:
    """How the run will train, for the first line it prints."""
    name, epochs = settings["optimizer"], settings["epochs"]
    if name == "lbfgs":
        return (
            f"lbfgs lr {settings['lr']:g}, full batch, {epochs} epochs (each one L-BFGS step "
            f"of up to {optimizer.max_iter} iterations)"
        )
    if name == "newton":
        return f"newton, full batch, {epochs} epochs (each one damped Newton step)"
    if name == "cg":
        return f"SciPy's cg, full batch, at most {epochs} iterations (one per epoch)"
    return f"{name} lr {settings['lr']:g}, batches of {settings['batch_size']}, {epochs} epochs"


def run(args: argparse.Namespace) -> int:
    try:
        dataset = data.load_dataset(args.data, rng=args.seed)
    except (ValueError, ImportError) as error:
        raise UsageError(str(error)) from None
    settings = _settings(args, dataset)
    _check_extras(args, settings, dataset)
    _check_outputs(args)
    _check_size(settings, dataset, plot=args.plot is not None)

    out = sys.stderr if args.json else sys.stdout
    model_rng, order_rng = np.random.default_rng(args.seed).spawn(2)
    try:
        model = nn.mlp(
            settings["layers"],
            settings["activation"],
            settings["output_activation"],
            engine=settings["engine"],
            rng=model_rng,
            init=settings["init"],
        )
    except ValueError as error:  # e.g. an activation this engine does not have
        raise UsageError(
            f"--engine {settings['engine']} with --activation {settings['activation']} and "
            f"--output-activation {settings['output_activation']}: {error}"
        ) from None
    optimizer = None
    if settings["optimizer"] != "cg":
        try:
            optimizer = make_optimizer(settings["optimizer"], model.parameters(), settings["lr"])
        except ValueError as error:
            raise UsageError(str(error)) from None  # it names the optimizer
    shape = "-".join(map(str, settings["layers"]))
    print(
        f"training a {shape} {settings['activation']} network ({settings['engine']} engine) "
        f"on {dataset.name}: {len(dataset.X_train)} training and {len(dataset.X_test)} test "
        f"examples; {settings['loss']} loss, {_plan(settings, optimizer)}\n"
        f"{_measured(settings['optimizer'])}",
        file=out,
        flush=True,
    )
    progress = _Progress(out, settings["epochs"])
    stop = _StopAfterStep()

    def on_step(epoch: int, step: int, steps: int, loss: float) -> None:
        progress.step(epoch, step, steps, loss)
        if stop.requested:
            raise _Interrupted(epoch, step, steps)

    common: dict[str, Any] = {
        "loss": settings["loss"],
        "epochs": settings["epochs"],
        "X_test": dataset.X_test,
        "y_test": dataset.y_test,
        "l2": settings["l2"],
        "on_epoch": progress.epoch,
        "on_step": on_step,
    }
    chosen = objective(settings["loss"], settings["layers"][-1], settings["output_activation"])
    interrupted: _Interrupted | None = None
    try:
        with stop:
            history = _train(model, dataset, settings, optimizer, order_rng, common)
    except _Interrupted as caught:
        interrupted = caught
        progress.finish()
        history = History(
            records=progress.records,
            train_accuracy=accuracy(model, dataset.X_train, dataset.y_train, chosen),
            test_accuracy=accuracy(model, dataset.X_test, dataset.y_test, chosen),
            seconds=time.perf_counter() - progress.start,
        )
        print(
            f"stopped by Ctrl-C after epoch {caught.epoch}, step {caught.step} of "
            f"{caught.steps}"
            + (f"; saving the weights as they are to {args.save}" if args.save else ""),
            file=sys.stderr,
            flush=True,
        )
    except TrainingDiverged as error:
        if progress.terminal:
            out.write("\n")
        print(f"autograd-lite train: error: {error}", file=sys.stderr)
        if args.json:  # the one JSON object the run prints says why it stopped
            print(json.dumps({**error.summary(), "settings": settings}))
        return 1
    else:
        progress.finish()
    return _report(args, settings, dataset, model, history, chosen, interrupted, out)


def _train(
    model: Any,
    dataset: data.Dataset,
    settings: dict[str, Any],
    optimizer: Any,
    order_rng: Any,
    common: dict[str, Any],
) -> History:
    if optimizer is None:
        return fit_minimize(model, dataset.X_train, dataset.y_train, method="CG", **common)
    return fit(
        model,
        dataset.X_train,
        dataset.y_train,
        optimizer=optimizer,
        batch_size=settings["batch_size"],
        rng=order_rng,
        **common,
    )


def _report(
    args: argparse.Namespace,
    settings: dict[str, Any],
    dataset: data.Dataset,
    model: Any,
    history: History,
    chosen: Any,
    interrupted: _Interrupted | None,
    out: IO[str],
) -> int:
    """The final figures, the files asked for and the JSON summary; the exit status."""
    if history.message is not None:
        print(f"SciPy's CG stopped after {history.epochs} iterations: {history.message}", file=out)
    evaluations = (
        f"{history.evaluations} evaluations, " if settings["optimizer"] in FULL_BATCH else ""
    )
    epochs = f"{history.epochs} epochs"
    if interrupted is not None:
        epochs = f"{history.epochs} full epochs, stopped in epoch {interrupted.epoch}"
    print(
        f"train accuracy {history.train_accuracy:.2%}, test accuracy "
        f"{history.test_accuracy:.2%} ({epochs}, {evaluations}"
        f"{history.seconds:.1f} s)",
        file=out,
    )
    if args.save:
        weights.save(args.save, model)
        print(f"saved the weights to {args.save}", file=out)
    shape = "-".join(map(str, settings["layers"]))
    if args.plot and not history.records:
        print(f"--plot {args.plot}: not drawn, no epoch was completed", file=sys.stderr)
    elif args.plot:
        plot(
            args.plot,
            history,
            model=model,
            X=dataset.X_train,
            y=dataset.y_train,
            chosen=chosen,
            title=f"{dataset.name}: {shape} {settings['activation']}, {settings['loss']}, "
            f"{settings['optimizer']}",
        )
        print(f"wrote the plot to {args.plot}", file=out)
    if args.plot_units:
        from .. import viz  # loads Graphviz: only when asked for

        viz.hidden_units(model, image_shape=(8, 8), path=args.plot_units)
        print(f"wrote the hidden units' weights to {args.plot_units}", file=out)
    if args.json:
        summary: dict[str, Any] = {**history.summary(), "settings": settings}
        if interrupted is not None:
            summary["interrupted"] = {
                "epoch": interrupted.epoch,
                "step": interrupted.step,
                "steps": interrupted.steps,
            }
        print(json.dumps(summary))
    return INTERRUPTED if interrupted is not None else 0
