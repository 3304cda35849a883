"""Every ``autograd-lite`` command the README shows is one the command line accepts, and
what it needs beyond the package is installed by ``./scripts/demo`` (the README's first
command) or named next to it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from autograd_lite import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[tuple[list[str], str]]:
    """Each command line of the README's bash blocks, with its line (comment included)."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", README, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip()
            if line.startswith("autograd-lite "):
                commands.append((shlex.split(line, comments=True)[1:], line))
    return commands


COMMANDS = readme_commands()


def test_the_readme_shows_commands_of_every_kind() -> None:
    kinds = {argv[0] for argv, _ in COMMANDS}
    assert {"compare", "graph", "step", "train"} <= kinds
    assert len(COMMANDS) >= 15


@pytest.mark.parametrize(("argv", "line"), COMMANDS, ids=[line for _, line in COMMANDS])
def test_every_readme_command_parses(argv: list[str], line: str) -> None:
    parser = cli.build_parser()
    args = parser.parse_args(argv)  # an unknown flag or a bad choice exits here
    assert args.command == argv[0]


def demo_extras() -> set[str]:
    bootstrap = re.search(r'^bootstrap "\.\[([^\]]*)\]"', (ROOT / "scripts/demo").read_text(), re.M)
    assert bootstrap is not None, "scripts/demo installs no extras"
    return set(bootstrap.group(1).split(","))


# What a command line needs beyond numpy and graphviz: (pattern, extra of pyproject.toml).
NEEDS = [
    (r"--data digits", "digits"),
    (r"--plot(-units)? ", "plots"),
    (r"--optimizer cg", "scipy"),
]


@pytest.mark.parametrize(("argv", "line"), COMMANDS, ids=[line for _, line in COMMANDS])
def test_what_each_readme_command_needs_is_installed_by_the_demo_or_named(
    argv: list[str], line: str
) -> None:
    extras = demo_extras()
    for pattern, extra in NEEDS:
        if re.search(pattern, " ".join(argv) + " "):
            assert extra in extras, f"{line!r} needs the extra {extra!r}"
    if re.search(r"\b(torch|jax)\b|\.pth?\b", " ".join(argv)):
        assert re.search(r"needs (PyTorch|JAX)", line), f"{line!r} does not say what it needs"


def test_the_readme_names_the_demos_extras() -> None:
    extras = ",".join(sorted(demo_extras()))
    assert f"pip install -e '.[{extras}]'" in README
