"""Importing the optional extras (PyTorch, JAX) with Ctrl-C held back until the import ends.

PyTorch and JAX run Python code from C++ while they load. A Ctrl-C that lands there
raises ``KeyboardInterrupt`` inside C++, which at best is printed and swallowed
("Exception ignored in ...") and at worst aborts the process (``terminate called after
throwing an instance of 'pybind11::error_already_set'``, a core dump instead of exit 130).
So the import runs with SIGINT recorded rather than raised, and the interrupt is delivered
to whatever handler was in place as soon as the import is over: the user still stops the
program, a second later at most, and cleanly.
"""

from __future__ import annotations

import importlib
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, ModuleType


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Within the block, Ctrl-C is noted, not raised; on leaving it, it is delivered.

    Only the main thread receives signals (and may set handlers); elsewhere this does
    nothing. A handler installed by the caller (``train``'s "stop after this step") gets
    the held signal, so held and unheld Ctrl-C behave the same apart from the delay.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = signal.signal(signal.SIGINT, note)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            if callable(previous):
                previous(signal.SIGINT, None)
            elif previous != signal.SIG_IGN:  # SIG_DFL or a handler set outside Python
                raise KeyboardInterrupt


def import_optional(name: str) -> ModuleType:
    """``importlib.import_module(name)`` with Ctrl-C held back (:func:`interrupts_held`).

    Raises ``ImportError`` as the import does, so callers can name the extra to install.
    """
    with interrupts_held():
        return importlib.import_module(name)
