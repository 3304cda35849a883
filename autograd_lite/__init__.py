"""autograd-lite: reverse-mode automatic differentiation you can watch.

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad
7.0

The public names are re-exported here; nothing is defined in this file. Presentation
modules (``viz``, ``stepper``) are imported only when asked for, so the engine never
loads Graphviz.
"""

from . import backprop, check, data, functional, losses, nn, optim, train, weights
from .engine import enable_grad, is_grad_enabled, no_grad, zero_grad
from .functional import grad, value_and_grad
from .tensor import Tensor
from .value import Value

__version__ = "0.1.0"

__all__ = [
    "Tensor",
    "Value",
    "backprop",
    "check",
    "data",
    "enable_grad",
    "functional",
    "grad",
    "is_grad_enabled",
    "losses",
    "nn",
    "no_grad",
    "optim",
    "train",
    "value_and_grad",
    "weights",
    "zero_grad",
]
