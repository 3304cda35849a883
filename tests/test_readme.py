"""The README's Python examples run as written, and its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_python_block_runs(index: int) -> None:
    namespace: dict[str, object] = {}
    exec(compile(BLOCKS[index], f"README block {index}", "exec"), namespace)


def test_the_first_look_prints_the_gradients_it_claims() -> None:
    namespace: dict[str, object] = {}
    exec(compile(BLOCKS[0], "README block 0", "exec"), namespace)
    x, w, b = namespace["x"], namespace["w"], namespace["b"]
    assert round(x.grad, 4) == -1.5029
    assert round(w.grad, 4) == 1.0019
    assert round(b.grad, 4) == 0.5010


def test_readme_opens_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    first_block = re.search(r"```bash\n(.*?)```", text, flags=re.S)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == ["./scripts/demo", "./scripts/test"]
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "./scripts/test" in ci
