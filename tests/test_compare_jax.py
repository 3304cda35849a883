"""JAX as a comparison engine: float64 inside, switched off after, skipped when missing."""

from __future__ import annotations

import json
import sys

import jax
import numpy as np
import pytest

from autograd_lite import check
from autograd_lite.cli import main
from autograd_lite.compare import random_problem


def test_jax_agrees_with_every_engine_on_the_default_network(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["compare", "--engines", "value,tensor,closed_form,torch,jax", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 0 and report["ok"] is True
    jax_rows = [c for c in report["comparisons"] if c["engine"] == "jax"]
    assert len(jax_rows) == 3 * 3 + 1  # delta, dW, db for three layers, and the cost
    assert all(float(c["relative"]) <= 1e-10 for c in jax_rows)


@pytest.mark.parametrize(
    ("activation", "output_activation", "cost"),
    [
        ("tanh", "sigmoid", "cross_entropy"),
        ("relu", "identity", "mse"),
        ("leaky_relu", "softmax", "log_likelihood"),
    ],
)
def test_jax_matches_the_closed_form_number_for_number(
    activation: str, output_activation: str, cost: str
) -> None:
    weights, X, Y = random_problem(
        [3, 4, 3],
        batch=5,
        seed=1,
        activation=activation,
        output_activation=output_activation,
        cost=cost,
    )
    report = check.compare(
        weights,
        X,
        Y,
        activation=activation,
        output_activation=output_activation,
        cost=cost,
        engines=("closed_form", "jax"),
    )
    assert report.ok, report.table()
    assert report.comparison("jax", None, "cost").relative <= 1e-12


def test_jax_64_bit_mode_is_not_left_switched_on() -> None:
    assert not jax.config.jax_enable_x64
    weights, X, Y = random_problem([2, 3, 1], batch=4, seed=0)
    check.compare(weights, X, Y, engines=("closed_form", "jax"))
    assert not jax.config.jax_enable_x64
    assert jax.numpy.asarray(np.ones(2)).dtype == np.float32


def test_missing_jax_is_skipped_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jax", None)  # makes `import jax` raise ImportError
    weights, X, Y = random_problem([2, 3, 1], batch=4, seed=0)
    report = check.compare(weights, X, Y, engines=("closed_form", "tensor", "jax"))
    assert report.ok
    assert "jax" in report.skipped
    assert "pip install autograd-lite[jax]" in report.skipped["jax"]
