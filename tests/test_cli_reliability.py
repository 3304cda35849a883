"""The command line as a careless or hostile user meets it: real processes, real signals.

Ctrl-C (SIGINT) in every command, a pipe closed early, a full disk behind stdout,
outputs that cannot be written, networks too big for memory, argparse mistakes. Each
ends with one line on stderr and the documented exit status (0, 1, 2 or 130), never a
traceback, and nothing the user had is lost.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lite import cli, weights

ROOT = Path(__file__).resolve().parent.parent
# The command, started so that it says "ready" on stderr once Python and NumPy are loaded:
# a signal before that point would hit the interpreter's start-up, not the command.
STARTER = (
    "import sys; from autograd_lite.cli import main_entry; "
    "sys.stderr.write('ready\\n'); sys.stderr.flush(); main_entry()"
)


def environment(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", **extra}


def start(argv: list[str], cwd: Path, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", STARTER, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=environment(**extra),
    )


def wait_for(stream: Any, pattern: str, timeout: float = 120.0) -> list[str]:
    """Read lines from ``stream`` until one matches ``pattern``; return all read."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        lines.append(line)
        if re.search(pattern, line):
            return lines
    raise AssertionError(f"no line matching {pattern!r} in {lines}")


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    return process.returncode, out, err


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment(),
        timeout=300,
    )


COMMAND = f"{sys.executable} -m autograd_lite"


# ----------------------------------------------------------------------------- Ctrl-C


def test_ctrl_c_in_train_stops_after_the_step_saves_and_exits_130(tmp_path: Path) -> None:
    saved = tmp_path / "w.npz"
    process = start(
        ["train", "--data", "moons", "--epochs", "2000", "--save", str(saved)], tmp_path
    )
    assert process.stdout is not None and process.stderr is not None
    assert wait_for(process.stderr, "ready") == ["ready\n"]
    before = wait_for(process.stdout, r"^epoch \d+/2000")
    process.send_signal(signal.SIGINT)
    status, out, err = finish(process)
    out = "".join(before) + out
    assert status == 130, err
    assert "Traceback" not in out + err
    assert "Ctrl-C: stopping after this step" in err
    stopped = re.search(
        r"stopped by Ctrl-C after epoch (\d+), step (\d+) of 10; saving the weights as they "
        rf"are to {re.escape(str(saved))}\n",
        err,
    )
    assert stopped is not None, err
    epoch = int(stopped.group(1))
    summary = re.search(
        r"^train accuracy \d+\.\d\d%, test accuracy \d+\.\d\d% \((\d+) full epochs, stopped "
        r"in epoch (\d+), [\d.]+ s\)$",
        out,
        re.MULTILINE,
    )
    assert summary is not None, out
    assert (int(summary.group(1)), int(summary.group(2))) == (epoch - 1, epoch)
    assert out.endswith(f"saved the weights to {saved}\n")
    assert [W.shape for W, _ in weights.load(saved).weights] == [(16, 2), (16, 16), (1, 16)]


def test_ctrl_c_in_train_with_json_reports_where_it_stopped(tmp_path: Path) -> None:
    process = start(["train", "--data", "xor", "--epochs", "5000", "--json"], tmp_path)
    assert process.stderr is not None
    wait_for(process.stderr, r"^epoch \d+/5000")
    process.send_signal(signal.SIGINT)
    status, out, err = finish(process)
    assert status == 130 and "Traceback" not in err
    summary = json.loads(out)
    assert summary["interrupted"]["steps"] == 10
    assert summary["epochs"] == summary["interrupted"]["epoch"] - 1
    assert 0.0 <= summary["train_accuracy"] <= 1.0


@pytest.mark.parametrize(
    "argv",
    [
        ["compare", "--layers", "2,300,300,1", "--engines", "numeric"],
        ["graph", "tanh(x)", "--set", "x=1", "-o", "g.svg"],  # a dot that takes its time
        ["demo"],
        ["train", "--data", "moons", "--epochs", "2000"],
    ],
    ids=["compare", "graph", "demo", "train"],
)
def test_ctrl_c_is_exit_130_with_one_line(argv: list[str], tmp_path: Path) -> None:
    slow = tmp_path / "bin"
    slow.mkdir()
    (slow / "dot").write_text("#!/bin/sh\nexec sleep 60\n", encoding="utf-8")
    (slow / "dot").chmod(0o755)
    process = start(argv, tmp_path, PATH=f"{slow}:{os.environ['PATH']}")
    assert process.stderr is not None
    wait_for(process.stderr, "ready")
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    status, _, err = finish(process)
    assert status == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    lines = [line for line in err.splitlines() if line]
    # (on a busy machine the signal may come while the command line is still being read)
    last = lines[-1]
    assert last in (f"autograd-lite {argv[0]}: interrupted", "autograd-lite: interrupted") or (
        argv[0] == "train" and last.startswith("stopped by Ctrl-C after epoch ")
    )
    assert not (tmp_path / "g.svg").exists()


# ----------------------------------------------------------------------------- stdout


def test_a_pipe_closed_early_does_not_stop_training(tmp_path: Path) -> None:
    result = shell(
        f"{COMMAND} train --data moons --epochs 300 --save w.npz | head -1; "
        "exit ${PIPESTATUS[0]}",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("training a 2-16-16-1 tanh network")
    assert result.stdout.count("\n") == 1
    assert weights.load(tmp_path / "w.npz").weights[0][0].shape == (16, 2)


def test_a_full_disk_behind_stdout_is_one_line_and_the_weights_are_saved(
    tmp_path: Path,
) -> None:
    result = shell(f"{COMMAND} train --data xor --epochs 5 --save w.npz > /dev/full", tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "autograd-lite train: error: cannot write to standard output: No space left on device\n"
    )
    assert weights.load(tmp_path / "w.npz").weights[0][0].shape == (16, 2)
    result = shell(f"{COMMAND} compare --json > /dev/full", tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "No space left on device" in result.stderr


# ----------------------------------------------------------------------------- in process


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status = cli.main(argv)
    except SystemExit as exit:  # argparse
        status = int(exit.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from autograd_lite import __version__

    assert run(["--version"], capsys) == (0, f"autograd-lite {__version__}\n", "")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["train", "--epochs", "x"], "autograd-lite train: error: argument --epochs: invalid int"),
        (["train", "--bogus", "1"], "autograd-lite train: error: unrecognized arguments: --bogus"),
        (["compare", "--nope"], "autograd-lite compare: error: unrecognized arguments: --nope"),
        (["graph", "x", "--format", "gif"], "autograd-lite graph: error: argument --format"),
        (["step", "--wat"], "autograd-lite step: error: unrecognized arguments: --wat"),
        (["demo", "--seed"], "autograd-lite demo: error: argument --seed: expected one"),
        (["trian"], "autograd-lite: error: argument COMMAND: invalid choice: 'trian'"),
        (["--frobnicate"], "autograd-lite: error: unrecognized arguments: --frobnicate"),
        (["train", "--activation", "softsign"], "autograd-lite train: error: argument --act"),
    ],
)
def test_argparse_errors_are_one_line_with_the_right_help(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    assert err.startswith(expected)
    prog = expected.split(": error")[0]
    assert err.endswith(f" (see '{prog} --help')\n")
    assert err.count("\n") == 1 and "usage:" not in err


def unwritable(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    return Path("/sys")  # root may write anywhere on disk, not in sysfs


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--save", "{tmp}/missing/w.npz"], "--save {tmp}/missing/w.npz: the folder "),
        (["--save", "{tmp}"], "--save {tmp}: is a folder"),
        (["--save", "{locked}/w.npz"], "--save {locked}/w.npz: cannot create files in"),
        (["--plot", "{tmp}/nowhere/p.png"], "--plot {tmp}/nowhere/p.png: the folder"),
        (["--plot", "{tmp}/p.xyz"], "--plot {tmp}/p.xyz: .xyz is not a picture format"),
        (["--plot", "{tmp}/p.png", "--plot-units", "{tmp}/p.png"], "--plot and --plot-units both"),
        (["--plot-units", "{locked}/u.png"], "--plot-units {locked}/u.png: cannot create"),
    ],
)
def test_train_checks_every_output_before_training(
    flags: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("sklearn")
    names = {"tmp": str(tmp_path), "locked": str(unwritable(tmp_path))}
    argv = ["train", "--data", "digits", *[flag.format(**names) for flag in flags]]
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""  # not a line of training: refused before it
    assert err.startswith("autograd-lite train: error: " + message.format(**names)), err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--layers", "2,100000000,1"], r"would need about 5\.2 GiB|would need about"),
        (["train", "--engine", "value", "--layers", "2,10000,1000,1"], "would need about"),
        (["compare", "--layers", "2,100000,100000,1"], "would need about 17.3 TiB"),
        (["compare", "--batch", "1000000000"], "on a --batch of 1000000000 would need about"),
    ],
)
def test_networks_too_big_for_memory_are_refused_with_the_estimate(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    from autograd_lite.cli import common

    monkeypatch.setattr(common, "memory_limit", lambda: 4 * 2**30)  # the same on any machine
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    assert re.search(message, err), err
    assert "more than the 4.0 GiB allowed" in err and err.count("\n") == 1


def test_compare_json_is_valid_with_any_tolerance(capsys: pytest.CaptureFixture[str]) -> None:
    for tolerance in ("1e-8", "1e-14", "0.5"):
        status, out, _ = run(["compare", "--numeric-rtol", tolerance, "--json"], capsys)
        result = json.loads(out)
        assert status == (0 if result["ok"] else 1)
        assert all(type(c["ok"]) is bool for c in result["comparisons"])


def test_an_engine_named_that_cannot_run_is_an_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # as if PyTorch were not installed
    status, out, err = run(["compare", "--engines", "value,torch"], capsys)
    assert status == 2
    assert "skipped torch" in out
    assert err.startswith("autograd-lite compare: error: --engines asked for torch, which ")
    assert "cannot run here (torch: " in err and err.count("\n") == 1
    status, out, err = run(["compare"], capsys)  # the defaults skip it, with the reason
    assert status == 0 and "skipped torch" in out and err == ""


def test_demo_out_that_cannot_be_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    locked = unwritable(tmp_path)
    for out, message in [
        (f"{locked}", f"--out {locked}: cannot create files in {locked}"),
        (f"{locked}/new", f"--out {locked}/new: cannot create the folder"),
    ]:
        status, stdout, err = run(["demo", "--out", out], capsys)
        assert status == 2 and stdout == ""
        assert err.startswith(f"autograd-lite demo: error: {message}"), err


def test_weights_saved_by_an_interrupted_run_are_the_models(tmp_path: Path) -> None:
    """The file an interrupted train saves is loadable and finite: it was written whole."""
    path = tmp_path / "w.npz"
    weights.save(path, [(np.ones((2, 2)), np.zeros(2))])
    process = start(["train", "--data", "xor", "--epochs", "3000", "--save", str(path)], tmp_path)
    assert process.stderr is not None
    wait_for(process.stderr, r"^ready")
    assert process.stdout is not None
    wait_for(process.stdout, r"^epoch ")
    process.send_signal(signal.SIGINT)
    status, _, err = finish(process)
    assert status == 130, err
    saved = weights.load(path).weights
    assert saved[0][0].shape == (16, 2)
    assert all(np.isfinite(W).all() and np.isfinite(b).all() for W, b in saved)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["graph", "x*y", "--set", "x=1", "y=2", "z=3", "--text"], "--set z=3: 'x*y' has no "
         "variable z (its variables: x, y)"),
        (["step", "x*2", "--set", "x=1", "X=4"], "--set X=4: 'x*2' has no variable X"),
        (["train", "--data", "moons", "--output-activation", "softmax"],
         "--loss cross_entropy with --output-activation softmax and 1 output (--layers "
         "2,16,16,1): "),
        (["train", "--data", "spirals", "--engine", "value", "--output-activation", "softmax"],
         "--output-activation softmax: the Value engine has no softmax layer"),
        (["train", "--data", "xor", "--loss", "cross_entropy", "--output-activation", "tanh"],
         "--loss cross_entropy with --output-activation tanh and 1 output"),
    ],
)  # fmt: skip
def test_errors_speak_the_command_lines_language(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    assert err.startswith(f"autograd-lite {argv[0]}: error: {message}"), err
    assert err.count("\n") == 1
    assert "output_activation=" not in err and "Traceback" not in err
