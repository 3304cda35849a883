"""Tests of ``autograd-lite compare``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import backprop, cli, weights
from autograd_lite.compare import compare, random_problem

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def only_compare(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test this subcommand alone (the subprocess test runs the whole command)."""
    monkeypatch.setattr(cli, "COMMANDS", ("compare",))


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(["compare", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_everything_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run([], capsys)
    assert status == 0 and err == ""
    assert "network 2-3-3-1, sigmoid hidden, sigmoid output, quadratic cost, batch of 8" in out
    header = next(line for line in out.splitlines() if line.lstrip().startswith("layer"))
    assert header.split() == ["layer", "quantity", "size", "value", "tensor", "numeric", "torch"]
    assert "OK: value, tensor, numeric and torch agree with the closed form" in out
    assert "✗" not in out


def test_json_parses_and_carries_the_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--layers", "3,4,2", "--activation", "tanh", "--output-activation", "sigmoid"]
    status, out, _ = run([*argv, "--cost", "mse", "--batch", "5", "--seed", "7", "--json"], capsys)
    assert status == 0
    data = json.loads(out)
    assert data["ok"] is True
    assert data["network"]["sizes"] == [3, 4, 2]
    assert data["input"] == {"seed": 7, "weights_file": None}
    # The same numbers as compare() on the same seeded problem
    problem = random_problem([3, 4, 2], 5, 7, "tanh", "sigmoid", "mse")
    report = compare(*problem, "tanh", "sigmoid", "mse")
    assert data["costs"]["closed_form"] == report.costs["closed_form"]
    assert data["costs"]["torch"] == pytest.approx(report.costs["closed_form"], rel=1e-12)
    value_db = next(
        c
        for c in data["comparisons"]
        if (c["engine"], c["layer"], c["quantity"]) == ("value", 2, "db")
    )
    expected = report.comparison("value", 2, "db")
    assert value_db["reference"] == expected.reference
    assert value_db["size"] == expected.size
    assert len(data["comparisons"]) == 4 * 7


def test_softmax_output_implies_log_likelihood(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["--layers", "4,5,3", "--output-activation", "softmax", "--json"], capsys)
    data = json.loads(out)
    assert status == 0 and data["network"]["cost"] == "log_likelihood"
    status, out, _ = run(["--layers", "4,3", "--cost", "log_likelihood", "--json"], capsys)
    assert status == 0 and json.loads(out)["network"]["output_activation"] == "softmax"


def test_chosen_engines(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["--engines", "value,numeric", "--json"], capsys)
    assert status == 0
    assert json.loads(out)["engines"] == ["closed_form", "value", "numeric"]


def test_a_wrong_closed_form_exits_1_naming_the_culprit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    right = backprop.activation_prime

    def wrong(name: str, z: Any) -> Any:
        return right(name, z) * (1.01 if name == "sigmoid" else 1.0)

    monkeypatch.setattr(backprop, "activation_prime", wrong)
    status, out, _ = run([], capsys)
    assert status == 1
    assert "DISAGREE" in out
    assert "culprit: the closed form (value, tensor, numeric and torch agree" in out
    assert "Worst at layer " in out
    status, out, _ = run(["--json"], capsys)
    assert status == 1
    data = json.loads(out)
    assert data["ok"] is False and data["culprits"] == ["closed_form"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--layers", "2,x"], "--layers: expected layer sizes like 2,3,1"),
        (["--layers", "2"], "--layers: expected layer sizes"),
        (["--layers", "2,0,1"], "--layers: expected layer sizes"),
        (["--activation", "swish"], "unknown activation 'swish'; known activations: sigmoid"),
        (["--output-activation", "gelu"], "unknown output activation 'gelu'"),
        (["--cost", "hinge"], "unknown cost 'hinge'; known costs: quadratic, mse"),
        (["--activation", "softmax"], "softmax can only be the output activation"),
        (["--cost", "log_likelihood", "--output-activation", "tanh"], "needs output_activ"),
        (
            ["--engines", "value,tensorflow"],
            "--engines: unknown engine 'tensorflow'; known engines: value",
        ),
        (["--engines", ","], "--engines: no engine named"),
        (["--batch", "0"], "--batch: must be at least 1, got 0"),
        (["--batch", "x"], "--batch: expected a whole number, got 'x'"),
        (["--seed", "-1"], "--seed: must be at least 0"),
        (["--rtol", "0"], "--rtol: expected a positive number, got '0'"),
        (["--weights", "/no/such/file.npz"], "--weights: no such file: /no/such/file.npz"),
        (["--input", "1,2"], "--input and --target go together"),
        (["--input", "1,2", "--target", "1", "--batch", "4"], "give one example"),
        (["--input", "1", "--target", "1"], "--input: the input has 1 numbers, the network"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(argv, capsys)
    assert status == 2
    assert out == ""
    assert err.startswith("autograd-lite compare: error: ")
    assert message in err
    assert err.count("\n") == 1


def test_weights_file_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved, _, _ = random_problem([3, 5, 4, 2], seed=11)
    saved = [(W * 0.5, b) for W, b in saved]
    path = tmp_path / "net.npz"
    weights.save(path, saved, activations=["tanh", "tanh", "sigmoid"])
    status, out, _ = run(["--weights", str(path), "--batch", "3", "--seed", "4", "--json"], capsys)
    assert status == 0
    data = json.loads(out)
    assert data["network"] == {
        "sizes": [3, 5, 4, 2],  # the layers come from the file
        "activation": "tanh",  # and so do the activations
        "output_activation": "sigmoid",
        "cost": "quadratic",
        "batch": 3,
    }
    assert data["input"]["weights_file"] == str(path)
    # The file's weights were compared: the cost is theirs, on the seeded X and Y
    _, X, Y = random_problem([3, 5, 4, 2], 3, 4, "tanh", "sigmoid", "quadratic")
    expected = backprop.Network(saved, "tanh", "sigmoid", "quadratic").cost(X, Y)
    assert data["costs"]["closed_form"] == expected
    # flags override what the file says; --layers must match the file
    status, out, _ = run(["--weights", str(path), "--activation", "relu", "--json"], capsys)
    assert status == 0 and json.loads(out)["network"]["activation"] == "relu"
    status, _, err = run(["--weights", str(path), "--layers", "3,5,2"], capsys)
    assert status == 2 and "does not match the network in" in err


def test_weights_file_without_activations_and_a_foreign_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "plain.npz"
    weights.save(path, random_problem([2, 2], seed=0)[0])
    status, out, _ = run(["--weights", str(path), "--json"], capsys)
    assert status == 0 and json.loads(out)["network"]["activation"] == "sigmoid"
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip archive")
    status, _, err = run(["--weights", str(junk)], capsys)
    assert status == 2 and "--weights:" in err and "not a readable weights file" in err
    mixed = tmp_path / "mixed.npz"
    weights.save(mixed, random_problem([2, 2, 2, 1], seed=0)[0], ["tanh", "relu", "linear"])
    status, _, err = run(["--weights", str(mixed)], capsys)
    assert status == 2 and "several activations" in err
    status, out, _ = run(["--weights", str(mixed), "--activation", "tanh", "--json"], capsys)
    assert status == 0 and json.loads(out)["network"]["output_activation"] == "identity"


def test_the_command_runs_as_a_program() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "compare", "--batch", "2", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] is True
    done = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "compare", "--layers", "2,x"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().endswith("got '2,x'")


def test_help_lists_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["compare", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--weights FILE" in out and "Exit status: 0" in out
