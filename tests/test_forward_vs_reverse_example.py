"""``examples/forward_vs_reverse.py``: the operation counts it measures, and its picture."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_example() -> ModuleType:
    path = ROOT / "examples/forward_vs_reverse.py"
    spec = importlib.util.spec_from_file_location("forward_vs_reverse", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reverse_wins_for_one_loss_and_forward_for_one_input() -> None:
    example = load_example()
    forward_8, reverse_8 = example.one_loss_many_parameters(8)
    forward_32, reverse_32 = example.one_loss_many_parameters(32)
    assert reverse_32 < forward_32 / 5  # one backward pass against 32 tangent passes
    assert forward_32 / forward_8 > 4 > reverse_32 / reverse_8  # n passes: faster growth
    forward_m8, reverse_m8 = example.one_input_many_outputs(8)
    forward_m32, reverse_m32 = example.one_input_many_outputs(32)
    assert forward_m32 < reverse_m32 / 5
    assert reverse_m32 == 4 * reverse_m8  # one backward pass per output
    assert forward_m32 - forward_m8 == 2 * (32 - 8)  # each new output adds its two edges


@pytest.mark.slow
def test_the_example_prints_its_table_and_writes_its_picture(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples/forward_vs_reverse.py"),
            "--output",
            str(tmp_path / "counts.png"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Both modes gave the same derivatives" in done.stdout
    picture = tmp_path / "counts.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counts.png"]  # no temporary left
