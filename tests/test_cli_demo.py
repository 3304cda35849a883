"""Tests of ``autograd-lite demo``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from autograd_lite import backprop, cli, viz

ROOT = Path(__file__).resolve().parent.parent
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is missing")


@pytest.fixture(autouse=True)
def only_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test this subcommand alone (the subprocess test runs the whole command)."""
    monkeypatch.setattr(cli, "COMMANDS", ("demo",))


@needs_dot
def test_the_demo_trains_checks_and_draws(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "demo", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout
    assert "1. Trained an MLP 2-4-4-1" in out
    accuracy = float(out.split("accuracy ")[1].split("%")[0])
    assert accuracy > 90
    header = next(line for line in out.splitlines() if line.lstrip().startswith("layer"))
    assert header.split() == ["layer", "quantity", "size", "value", "tensor", "numeric", "torch"]
    assert "OK: value, tensor, numeric and torch agree with the closed form" in out
    picture = tmp_path / "autograd-lite-demo.svg"
    assert str(picture) in out
    svg = ET.parse(picture).getroot()
    assert svg.tag.endswith("svg")
    text = picture.read_text(encoding="utf-8")
    assert all(delta in text for delta in ("δ¹₁", "δ²₄", "δ³₁"))  # every layer's deltas
    assert len(out.splitlines()) < 40  # short enough to read at a glance


def test_without_graphviz_the_dot_text_is_written_and_install_is_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    status = cli.main(["demo", "--out", str(tmp_path / "new")])
    out = capsys.readouterr().out
    assert status == 0
    dot = tmp_path / "new" / "autograd-lite-demo.dot"
    assert dot.read_text(encoding="utf-8").startswith("digraph")
    assert not (tmp_path / "new" / "autograd-lite-demo.svg").exists()
    assert "install Graphviz" in out and "apt-get install graphviz" in out
    assert f"dot -Tsvg {dot}" in out


def test_a_disagreement_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    right = backprop.activation_prime

    def wrong(name: str, z: Any) -> Any:
        return right(name, z) * (1.01 if name == "tanh" else 1.0)

    monkeypatch.setattr(backprop, "activation_prime", wrong)
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)  # no need to render here
    status = cli.main(["demo", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 1
    assert "culprit: the closed form" in out


def test_out_must_be_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    status = cli.main(["demo", "--out", str(afile)])
    assert status == 2
    assert "is not a directory" in capsys.readouterr().err
