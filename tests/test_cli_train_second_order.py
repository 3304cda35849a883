"""Tests of ``autograd-lite train`` with the curvature-aware optimizers and --plot-units."""

from __future__ import annotations

import itertools
import re
import sys
from pathlib import Path

import pytest

# The same helpers (and the autouse fixture registering only `train`) as the main file.
from test_cli_train import last_json, only_train, run  # noqa: F401

from autograd_lite import cli

XOR_2_2_1 = ["--data", "xor", "--layers", "2,2,1", "--activation", "tanh", "--epochs", "30"]


def epoch_losses(progress: str) -> list[float]:
    """The loss of every epoch from the plain progress lines."""
    return [float(x) for x in re.findall(r"^epoch \d+/\d+  loss (\S+)", progress, re.MULTILINE)]


def test_newton_on_xor_reaches_the_minimum_in_30_steps(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run([*XOR_2_2_1, "--optimizer", "newton", "--json"], capsys)
    assert status == 0
    newton = last_json(out)
    settings = newton["settings"]
    assert settings["optimizer"] == "newton" and settings["lr"] is None
    assert settings["batch_size"] == 300 and newton["epochs"] == 30  # one step per epoch
    assert "newton, full batch, 30 epochs (each one damped Newton step)" in err
    losses = epoch_losses(err)
    assert len(losses) == 30 and losses[0] > 0.69  # from about log 2 (outputs near 1/2)
    assert all(later <= earlier for earlier, later in itertools.pairwise(losses))  # never up
    # A 2-2-1 network cannot draw the two axes of noisy XOR: the best it can do here is a
    # loss of 0.3223 (84% right), the minimum L-BFGS finds from the same start in 600
    # iterations. Newton is there after 30 steps; full-batch Adam (lr 0.01) is at 0.65.
    _, out, _ = run([*XOR_2_2_1, "--optimizer", "lbfgs", "--json"], capsys)
    lbfgs = last_json(out)
    assert newton["loss"] == pytest.approx(lbfgs["loss"], rel=0, abs=1e-6)
    assert newton["loss"] < 0.33 and newton["train_accuracy"] >= 0.84
    _, out, _ = run([*XOR_2_2_1, "--batch-size", "300", "--json"], capsys)
    assert last_json(out)["loss"] > 0.6


def test_lbfgs_on_digits_reaches_97_percent(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["--data", "digits", "--optimizer", "lbfgs", "--json"], capsys)
    assert status == 0
    summary = last_json(out)
    assert summary["test_accuracy"] >= 0.97 and summary["train_accuracy"] == 1.0
    assert summary["loss"] < 1e-3 and summary["epochs"] == 30
    assert summary["evaluations"] <= 30 * 25  # at most max_eval = 25 per step
    assert summary["settings"]["lr"] == 1.0 and summary["settings"]["batch_size"] == 1438
    assert "lbfgs lr 1, full batch, 30 epochs (each one L-BFGS step of up to 20 iterations)" in err
    assert f"(30 epochs, {summary['evaluations']} evaluations, " in err


def test_cg_lowers_the_loss_and_says_why_it_stopped(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["--data", "moons", "--optimizer", "cg", "--epochs", "40"], capsys)
    assert status == 0 and err == ""
    assert "SciPy's cg, full batch, at most 40 iterations (one per epoch)" in out
    losses = epoch_losses(out)
    assert len(losses) == 40 and losses[-1] < losses[0] / 3
    assert all(later <= earlier for earlier, later in itertools.pairwise(losses))
    assert "SciPy's CG stopped after 40 iterations: Maximum number of iterations" in out
    final = out.splitlines()[-1]
    assert re.match(r"train accuracy (9\d|100)\.\d\d%, test accuracy (9\d|100)\.\d\d% ", final)
    assert re.search(r"\(40 epochs, \d+ evaluations, ", final)


def test_newton_refuses_digits_and_suggests_lbfgs(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["--data", "digits", "--optimizer", "newton"], capsys)
    assert status == 2 and out == ""
    assert err.startswith("autograd-lite train: error: Newton: the parameters hold 2,260 numbers")
    assert "--optimizer lbfgs" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--optimizer", "newton", "--lr", "0.1"],
         r"--lr 0.1: newton takes no learning rate \(the Hessian sets the length of its steps\)"),
        (["--optimizer", "cg", "--lr", "0.1"], "--lr 0.1: cg takes no learning rate"),
        (["--optimizer", "lbfgs", "--batch-size", "32"],
         r"--batch 32: lbfgs takes full-batch steps \(each uses all 300 training examples\); "
         "leave --batch out"),
        (["--optimizer", "lbfgs", "--lr", "-1"],
         "--lr -1.0: the learning rate must be a positive number"),
        (["--data", "moons", "--plot-units", "units.png"],
         "--plot-units draws each first-layer unit's incoming weights as an 8x8 image, so it "
         "needs the 64 pixels of digits as inputs; moons has 2 features"),
    ],
)  # fmt: skip
def test_refused_before_training(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    assert re.fullmatch(f"autograd-lite train: error: {message}.*\n", err), err
    assert not Path("units.png").exists()


def test_full_batch_size_may_be_given(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["--optimizer", "lbfgs", "--batch-size", "5000", "--epochs", "1",
                          "--json"], capsys)  # fmt: skip
    assert status == 0 and last_json(out)["settings"]["batch_size"] == 300


def test_plot_units_draws_the_digits_units(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    picture = tmp_path / "units.png"
    argv = ["--data", "digits", "--optimizer", "lbfgs", "--epochs", "1"]
    status, out, _ = run([*argv, "--plot-units", str(picture)], capsys)
    assert status == 0 and f"wrote the hidden units' weights to {picture}" in out
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size > 10_000


def test_missing_scipy_or_matplotlib_is_exit_status_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "scipy", None)
    status, out, err = run(["--optimizer", "cg", "--epochs", "1"], capsys)
    assert status == 2 and out == ""  # refused before training
    assert err == (
        "autograd-lite train: error: --optimizer cg hands the training to SciPy, which is not "
        "installed: pip install autograd-lite[scipy]\n"
    )
    assert run(["--optimizer", "lbfgs", "--epochs", "1"], capsys)[0] == 0  # no SciPy needed
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    status, out, err = run(["--data", "digits", "--plot-units", "units.png"], capsys)
    assert status == 2 and out == ""
    assert "--plot-units needs matplotlib" in err and "pip install autograd-lite[plots]" in err
    assert not Path("units.png").exists()


def test_help_documents_the_full_batch_optimizers(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = capsys.readouterr().out
    assert "sgd, momentum, adam, adamw, rprop, lbfgs, newton, cg" in text
    assert "--batch is then the whole training set: a smaller one is an error" in text
    assert "networks of at most 2,000 parameters (use lbfgs for bigger ones)" in text
    assert "--plot-units FILE" in text and "(digits only)" in text
