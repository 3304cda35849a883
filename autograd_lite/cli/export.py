"""``autograd-lite export``: print the PyTorch code that builds a saved network."""

from __future__ import annotations

import argparse
from typing import Any

from . import UsageError

_EXAMPLES = """\
examples:
  autograd-lite train --data digits --save digits.npz
  autograd-lite export --to torch digits.npz
  autograd-lite export --to torch digits.npz > digits_torch.py
  autograd-lite export --to torch model.pt --activation tanh --output-activation sigmoid

The code builds the network as a torch.nn.Sequential (Linear layers, each followed by
its activation) in float64, and loads the numbers of FILE into it: an .npz file through
NumPy, a PyTorch state dict (.pt) through torch.load(..., weights_only=True). Running it
needs PyTorch (pip install autograd-lite[torch]); printing it does not, except to read a
.pt file. The activations come from the file; --activation (every hidden layer) and
--output-activation (the last layer) replace them, and are needed when the file records
none (a state dict PyTorch saved, or weights saved as a bare list).

Exit status: 0 printed; 2 bad arguments or a file that is not an MLP's weights.
"""

_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear", "identity", "softmax")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="print the PyTorch code that builds a saved network and loads its weights",
        description="Print a short PyTorch program that builds the network saved in FILE "
        "(an .npz weights file or a .pt state dict) and loads its weights.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FILE", help="the weights (.npz, or .pt)")
    parser.add_argument(
        "--to", choices=("torch",), default="torch", help="the library to write code for (torch)"
    )
    parser.add_argument(
        "--activation",
        choices=_ACTIVATIONS[:-1],
        help="activation of the hidden layers (default: the file's)",
    )
    parser.add_argument(
        "--output-activation",
        choices=_ACTIVATIONS,
        help="activation of the output layer (default: the file's, else linear)",
    )
    parser.set_defaults(func=run)


def _activations(args: argparse.Namespace, recorded: list[str] | None, layers: int) -> list[str]:
    """Each layer's activation: the flags where given, else the file's."""
    if recorded is None and args.activation is None and layers > 1:
        raise UsageError(
            f"{args.file} does not record its activations (a state dict saved by PyTorch, "
            "or weights saved as a bare list): give --activation and --output-activation"
        )
    names = list(recorded) if recorded is not None else ["linear"] * layers
    if args.activation is not None:
        names[:-1] = [args.activation] * (layers - 1)
    if args.output_activation is not None:
        names[-1] = args.output_activation
    return names


def run(args: argparse.Namespace) -> int:
    from .. import weights
    from ..torch_bridge import require_torch, state_dict_keys, torch_code

    try:
        saved = weights.load(args.file)
    except FileNotFoundError:
        raise UsageError(f"no such file: {args.file}") from None
    except (OSError, ValueError, ImportError) as error:  # ImportError: .pt without PyTorch
        raise UsageError(str(error)) from None
    names = _activations(args, saved.activations, len(saved.weights))
    keys = None
    if weights.is_torch_file(args.file):  # where each layer sits in the state dict
        torch = require_torch("reading a .pt file")  # present: weights.load read it
        state = torch.load(args.file, map_location="cpu", weights_only=True)
        keys = state_dict_keys(state, args.file)
    try:
        code = torch_code(saved.weights, names, args.file, keys=keys)
    except ValueError as error:  # an activation name PyTorch code cannot be written for
        raise UsageError(f"{args.file}: {error}") from None
    print(code)
    return 0
