"""Ctrl-C while PyTorch or JAX loads is held until the import is over (autograd_lite.optional)."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import pytest

from autograd_lite.optional import import_optional, interrupts_held


def _module_that_interrupts_its_own_import(folder: Path, name: str) -> None:
    (folder / f"{name}.py").write_text(
        "import signal\n"
        "signal.raise_signal(signal.SIGINT)  # as if Ctrl-C came half-way through\n"
        "LOADED_TO_THE_END = True\n",
        encoding="utf-8",
    )


def test_a_ctrl_c_during_the_import_comes_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _module_that_interrupts_its_own_import(tmp_path, "slow_extension_a")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        import_optional("slow_extension_a")
    # the import ran to its end before the interrupt was delivered
    assert sys.modules["slow_extension_a"].LOADED_TO_THE_END is True
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_the_held_interrupt_goes_to_the_callers_own_handler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _module_that_interrupts_its_own_import(tmp_path, "slow_extension_b")
    monkeypatch.syspath_prepend(str(tmp_path))
    calls: list[int] = []

    def stop_after_this_step(signum: int, frame: FrameType | None) -> None:
        calls.append(signum)

    previous = signal.signal(signal.SIGINT, stop_after_this_step)
    try:
        module = import_optional("slow_extension_b")
        assert signal.getsignal(signal.SIGINT) is stop_after_this_step
    finally:
        signal.signal(signal.SIGINT, previous)
    assert module.LOADED_TO_THE_END is True
    assert calls == [signal.SIGINT]


def test_without_a_ctrl_c_nothing_changes() -> None:
    with interrupts_held():
        value = 1 + 1
    assert value == 2
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_missing_module_is_still_an_import_error() -> None:
    with pytest.raises(ImportError):
        import_optional("no_such_module_for_autograd_lite")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_outside_the_main_thread_it_does_nothing() -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with interrupts_held():  # signal.signal would raise ValueError here
                pass
        except BaseException as error:  # reported to the main thread
            errors.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert errors == []
