"""Grad mode belongs to the thread, as in PyTorch.

Each test pins down an interleaving with events, so it fails deterministically on a
process-wide flag (the state before grad mode became per thread) instead of failing
once in a thousand runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from autograd_lite import Tensor, Value, engine, is_grad_enabled, no_grad

TIMEOUT = 10.0


def run_in_thread(target: Callable[[], None]) -> threading.Thread:
    errors: list[BaseException] = []

    def wrapped() -> None:
        try:
            target()
        except BaseException as error:  # re-raised in the main thread by join_all
            errors.append(error)

    thread = threading.Thread(target=wrapped)
    thread.errors = errors  # type: ignore[attr-defined]
    thread.start()
    return thread


def join_all(*threads: threading.Thread) -> None:
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "a thread did not finish"
        for error in thread.errors:  # type: ignore[attr-defined]
            raise error


def test_no_grad_in_one_thread_does_not_stop_recording_in_another() -> None:
    inside = threading.Event()
    done = threading.Event()

    def holder() -> None:
        with no_grad():
            inside.set()
            done.wait(TIMEOUT)

    thread = run_in_thread(holder)
    assert inside.wait(TIMEOUT)
    x = Value(3.0)
    y = x * x + x
    t = Tensor(np.ones(3), requires_grad=True)
    u = (t * 2).sum()
    recorded = is_grad_enabled()
    done.set()
    join_all(thread)
    assert recorded
    assert y.parents != ()
    assert u.requires_grad
    y.backward()
    assert x.grad == 7.0


def test_overlapping_no_grad_blocks_in_two_threads_leave_recording_on() -> None:
    # A enters, B enters, A leaves, B leaves: with one flag for the process, B restores
    # the "off" it saw on entry and recording stays off for good.
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with no_grad():
            a_in.set()
            b_in.wait(TIMEOUT)
        a_out.set()

    def second() -> None:
        a_in.wait(TIMEOUT)
        with no_grad():
            b_in.set()
            a_out.wait(TIMEOUT)

    join_all(run_in_thread(first), run_in_thread(second))
    assert is_grad_enabled()
    x = Value(2.0)
    assert (x * x).parents == (x, x)


def test_a_new_thread_starts_with_recording_on() -> None:
    seen: list[bool] = []
    with no_grad():
        join_all(run_in_thread(lambda: seen.append(is_grad_enabled())))
        assert not is_grad_enabled()
    assert seen == [True]


def test_backward_in_another_thread_does_not_change_what_this_thread_records() -> None:
    # Thread A stops in the middle of its backward pass (its observer waits), the moment
    # the pass has switched recording off for its own rules. Meanwhile this thread builds
    # and differentiates x*x + x: it must see recording on and get 2x + 1.
    paused = threading.Event()
    resume = threading.Event()

    def backward_that_pauses() -> None:
        a = Value(1.5)
        out = (a * a).tanh()

        def observer(step: engine.Step) -> None:
            paused.set()
            resume.wait(TIMEOUT)

        engine.backward(out, 1.0, observer=observer)

    thread = run_in_thread(backward_that_pauses)
    assert paused.wait(TIMEOUT)
    x = Value(3.0)
    y = x * x + x
    y.backward()
    resume.set()
    join_all(thread)
    assert x.grad == 7.0


def test_many_threads_differentiating_at_once_all_get_exact_gradients() -> None:
    # The workload of the report that found the bug: every thread builds and
    # differentiates its own graphs; none may ever see a zero gradient.
    failures: list[tuple[float, float]] = []
    start = threading.Barrier(4)

    def worker(seed: int) -> None:
        start.wait(TIMEOUT)
        for i in range(300):
            value = seed + i / 100
            x = Value(value)
            if i % 3 == 0:  # some work without recording, as an evaluation loop would do
                with no_grad():
                    (x * x).tanh()
            y = x * x + x
            y.backward()
            if abs(x.grad - (2 * value + 1)) > 1e-12:
                failures.append((value, x.grad))

    join_all(*[run_in_thread(lambda s=s: worker(s)) for s in range(4)])
    assert failures == []
