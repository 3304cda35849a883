"""Tests of ``autograd-lite train``."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import cli, data, nn, weights
from autograd_lite.train import accuracy, objective


@pytest.fixture(autouse=True)
def only_train(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test this subcommand alone."""
    monkeypatch.setattr(cli, "COMMANDS", ("train",))


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(["train", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def last_json(text: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(text.strip().splitlines()[-1])
    return result


def test_plain_lines_and_the_final_figures(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["--data", "moons", "--epochs", "3"], capsys)
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("training a 2-16-16-1 tanh network (tensor engine) on moons: ")
    assert lines[1] == (
        "each epoch: mean loss and train accuracy of its batches, each measured before its "
        "step; test accuracy after the epoch"
    )
    assert [line.split()[1] for line in lines[2:5]] == ["1/3", "2/3", "3/3"]
    assert all(" loss " in line and " train " in line and " test " in line for line in lines[2:5])
    assert lines[5].startswith("train accuracy ") and "(3 epochs, " in lines[5]
    assert "\r" not in out  # not a terminal: no bar


def test_json_summary_is_the_last_line(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["--data", "circles", "--epochs", "60", "--json"], capsys)
    assert status == 0
    summary = json.loads(out)  # the only output on stdout
    assert {"loss", "train_accuracy", "test_accuracy", "epochs", "seconds"} <= set(summary)
    assert summary["epochs"] == 60 and summary["train_accuracy"] >= 0.95
    assert summary["test_accuracy"] >= 0.95 and 0 < summary["loss"] < 0.2
    assert summary["settings"]["layers"] == [2, 16, 16, 1]
    assert summary["settings"]["optimizer"] == "adam" and summary["settings"]["lr"] == 0.01
    assert "epoch 60/60" in err  # the progress went to stderr


def test_progress_bar_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    assert cli.main(["train", "--data", "xor", "--epochs", "4"]) == 0
    text = screen.getvalue()
    assert "\repoch 4/4 [########################]  loss " in text
    assert "\repoch 1/4 [######..................]" in text
    assert text.count("\n") == 4  # header and its legend, the bar's end, the final figures


def test_value_engine_gives_the_tensor_engines_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    common = ["--data", "moons", "--layers", "2,4,1", "--epochs", "2", "--batch-size", "50",
              "--json", "--seed", "3"]  # fmt: skip
    _, tensor_out, _ = run([*common, "--engine", "tensor"], capsys)
    _, value_out, _ = run([*common, "--engine", "value"], capsys)
    tensor, value = last_json(tensor_out), last_json(value_out)
    assert value["loss"] == pytest.approx(tensor["loss"], rel=0, abs=1e-9)
    assert value["train_accuracy"] == tensor["train_accuracy"]
    assert value["settings"]["engine"] == "value"


@pytest.mark.slow
def test_digits_alone_trains_well(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["--data", "digits", "--json"], capsys)
    summary = last_json(out)
    assert status == 0 and summary["test_accuracy"] >= 0.95 and summary["seconds"] < 60
    assert summary["settings"]["layers"] == [64, 30, 10] and summary["epochs"] == 30


def test_textbook_flags_pick_the_textbook_rate(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--data", "moons", "--activation", "sigmoid", "--loss", "quadratic",
            "--optimizer", "sgd", "--epochs", "1", "--json"]  # fmt: skip
    settings = last_json(run(argv, capsys)[1])["settings"]
    assert settings["lr"] == 3.0 and settings["output_activation"] == "sigmoid"
    settings = last_json(run([*argv[:-4], "momentum", "--epochs", "1", "--json"], capsys)[1])[
        "settings"
    ]
    assert settings["optimizer"] == "momentum" and settings["lr"] == 0.1


def test_save_and_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved, picture = tmp_path / "moons.npz", tmp_path / "moons.png"
    argv = ["--data", "moons", "--epochs", "20", "--save", str(saved), "--plot", str(picture)]
    status, out, _ = run([*argv, "--json"], capsys)
    assert status == 0
    summary = last_json(out)
    assert picture.read_bytes()[:4] == b"\x89PNG"
    content = weights.load(saved)
    assert [W.shape for W, _ in content.weights] == [(16, 2), (16, 16), (1, 16)]
    assert content.activations == ["tanh", "tanh", "sigmoid"]
    model = nn.Sequential.from_weights(content.weights, "tanh", "sigmoid")
    moons = data.load_dataset("moons")
    found = accuracy(model, moons.X_test, moons.y_test, objective("cross_entropy", 1))
    assert found == summary["test_accuracy"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--data", "mnist"], "unknown data set 'mnist'; known data sets: moons, circles, spirals"),
        (["--data", "digits", "--layers", "2,30,10"], "first size is the input layer and must be"),
        (["--data", "digits", "--layers", "64,30,2"], "last size is the output layer and must be"),
        (["--data", "moons", "--layers", "2,8,3"], r"must be 2, .* \(or 1: one output"),
        (["--layers", "2,x,1"], "--layers: expected layer sizes like 64,30,10"),
        (["--layers", "2"], "--layers: expected layer sizes like 64,30,10 .* got '2'"),
        (["--lr", "0"], "--lr 0.0: the learning rate must be a positive number"),
        (["--lr", "-0.5"], "--lr -0.5: the learning rate must be a positive number"),
        (["--optimizer", "bfgs"],
         "unknown optimizer 'bfgs'; known optimizers: sgd, momentum, adam, adamw, rprop, "
         "lbfgs, newton, cg$"),
        (["--epochs", "0"], "--epochs 0: must be at least 1"),
        (["--batch-size", "0"], "--batch 0: must be at least 1"),
        (["--layers", "2,4,1", "--loss", "cross_entropy", "--output-activation", "linear"],
         "cross_entropy on one linear output is not defined"),
    ],
)  # fmt: skip
def test_bad_input_is_exit_status_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    assert err.startswith("autograd-lite train: error: ")
    assert len(err.splitlines()) == 1
    assert re.search(message, err), err


def test_divergence_is_exit_status_1_naming_the_step(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--data", "moons", "--loss", "mse", "--output-activation", "linear",
            "--optimizer", "sgd", "--lr", "10", "--epochs", "30"]  # fmt: skip
    status, out, err = run(argv, capsys)
    assert status == 1
    assert err == (
        "autograd-lite train: error: the loss grew to 3.66e+11, past 1e+10, at epoch 1, "
        "step 5 of 10: training diverged (learning rate 10; try a smaller one)\n"
    )
    assert "\ntrain accuracy" not in out


def test_missing_optional_packages(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    status, _, err = run(["--epochs", "1", "--plot", "x.png"], capsys)
    assert status == 2 and "pip install autograd-lite[plots]" in err
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    status, _, err = run(["--data", "digits"], capsys)
    assert status == 2 and "pip install autograd-lite[digits]" in err
    assert not Path("x.png").exists()


def test_help_documents_layers_defaults_and_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["train", "--help"])
    assert caught.value.code == 0
    text = capsys.readouterr().out
    assert "--layers gives every layer's size, the inputs first" in text
    assert "1 training diverged" in text and "2 bad arguments" in text


def test_long_runs_show_the_time_left(monkeypatch: pytest.MonkeyPatch) -> None:
    from autograd_lite.cli import train as command
    from autograd_lite.train import EpochRecord

    clock = [100.0]
    monkeypatch.setattr(command.time, "perf_counter", lambda: clock[0])
    screen = io.StringIO()
    progress = command._Progress(screen, epochs=100)  # starts at 100.0
    clock[0] = 120.0  # 10 epochs in 20 s: 180 s to go
    progress.epoch(EpochRecord(10, 0.5, 0.75, 0.7, 20.0))
    assert screen.getvalue() == (
        "epoch 10/100  loss 0.5  train 75.00%  test 70.00%  (20.0 s)  ETA 3m00s\n"
    )
    clock[0] = 202.0  # 50 epochs in 102 s: 102 s to go
    progress.epoch(EpochRecord(50, 0.25, 0.875, None, 102.0))
    assert screen.getvalue().splitlines()[-1].endswith("(102.0 s)  ETA 1m42s")
    quick = io.StringIO()
    short = command._Progress(quick, epochs=100)
    clock[0] += 0.5  # 10 epochs in half a second: no estimate on a run of 5 s
    short.epoch(EpochRecord(10, 0.5, 0.75, None, 0.5))
    assert "ETA" not in quick.getvalue()
