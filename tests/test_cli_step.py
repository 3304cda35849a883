"""Tests of ``autograd-lite step``: the command loop, in-process and through a pipe."""

from __future__ import annotations

import importlib.util
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite import backprop, cli
from autograd_lite.compare import random_problem
from autograd_lite.naming import format_number
from autograd_lite.parse import ParseError, parse_expression

ROOT = Path(__file__).resolve().parent.parent
EXPRESSION = ["tanh(x*w + b)", "--set", "x=2", "w=-3", "b=6.88"]
HOSTILE = "__import__('os')"

FIRST_STEP = [
    "step 1 of 5: from tanh(x*w + b) to x*w + b (argument 1 of tanh)",
    "  rule      d tanh(x*w + b)/d(x*w + b) = 1 - tanh(x*w + b)^2",
    "  at        x*w + b = 0.88, tanh(x*w + b) = 0.706419",
    "  local     1 - 0.706419^2 = 0.500972",
    "  upstream  tanh(x*w + b).grad = 1.0",
    "  chain     (x*w + b).grad += 0.500972 * 1.0 = 0.500972",
]
INTRO = [
    "backward pass of tanh(x*w + b) = 0.706419",
    "5 steps; at the start tanh(x*w + b).grad = 1.0 (the seed, d output/d output) and every "
    "other gradient is zero",
    "Enter or next: next step, back, run, until NAME, table, list, explain, formulas, "
    "graph FILE, help, quit",
]


@pytest.fixture(autouse=True)
def only_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test this subcommand alone (the subprocess test runs the whole command)."""
    monkeypatch.setattr(cli, "COMMANDS", ("step",))


class Terminal(io.StringIO):
    """Standard input that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def session(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    commands: str,
    stdin: type[io.StringIO] = io.StringIO,
) -> tuple[int, list[str], str]:
    monkeypatch.setattr(sys, "stdin", stdin(commands))
    status = cli.main(["step", *argv])
    out, err = capsys.readouterr()
    return status, out.splitlines(), err


def test_a_script_of_commands(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, err = session(monkeypatch, capsys, EXPRESSION, "n\n\nb\nb\nb\nr\nn\nq\n")
    assert status == 0 and err == ""
    assert lines[:3] == INTRO
    assert lines[3:9] == FIRST_STEP
    assert lines[9] == "step 2 of 5: from x*w + b to x*w (argument 1 of +)"  # Enter = n
    assert lines[15:] == [
        "undid step 2: (x*w).grad has no gradient again",
        "now after step 1",
        "undid step 1: (x*w + b).grad has no gradient again",
        "now at the start",
        "already at the start: nothing to undo",
        "step 1 of 5: (x*w + b).grad += 0.500972 * 1.0 = 0.500972",
        "step 2 of 5: (x*w).grad += 1.0 * 0.500972 = 0.500972",
        "step 3 of 5: b.grad += 1.0 * 0.500972 = 0.500972",
        "step 4 of 5: x.grad += -3.0 * 0.500972 = -1.50292",
        "step 5 of 5: w.grad += 2.0 * 0.500972 = 1.00194",
        "the backward pass is complete: every gradient now equals what backward() gives",
        "no step left: the pass is complete (b: back, t: table, q: quit)",
    ]


def test_quit_in_the_middle(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, _ = session(monkeypatch, capsys, EXPRESSION, "n\nq\nn\nn\n")
    assert status == 0
    assert lines == INTRO + FIRST_STEP


def test_end_of_input_exits_cleanly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, err = session(monkeypatch, capsys, EXPRESSION, "n")  # no newline, no q
    assert (status, err) == (0, "")
    assert lines == INTRO + FIRST_STEP
    # an empty standard input that is not a terminal: every step, as with --all
    status, lines, _ = session(monkeypatch, capsys, EXPRESSION, "")
    assert status == 0 and lines[:3] == INTRO
    assert lines[3] == "(no commands on standard input: every step follows)"
    assert lines[4:10] == FIRST_STEP and "final gradients:" in lines
    assert "  w              grad 1.00194" in lines


def test_bad_commands_get_a_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, _ = session(monkeypatch, capsys, EXPRESSION, "xyz\nn 3\ng\nu\nu nobody\n")
    assert status == 0
    assert lines[3:] == [
        "unknown command 'xyz'; type ? for help",
        "unknown command 'n 3'; type ? for help",
        "g needs an argument, e.g. graph step.svg",
        "u needs an argument, e.g. until x",
        "no node called 'nobody'; names: b, w, x, x*w, x*w + b, tanh(x*w + b)",
    ]


def test_help_show_list_table_and_until(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, _ = session(monkeypatch, capsys, EXPRESSION, "?\ns\nu b\ns\nl\nt\n")
    assert status == 0
    text = "\n".join(lines)
    assert "  back, b            go back one step (undo it)" in lines
    assert "at the start: no step applied yet (next)" in lines
    # u b: steps 1 and 2 as summaries, then step 3 (the one that completes b) in full
    start = lines.index("step 1 of 5: (x*w + b).grad += 0.500972 * 1.0 = 0.500972")
    assert lines[start + 2] == "step 3 of 5: from x*w + b to b (argument 2 of +)"
    assert lines.count("  chain     b.grad += 1.0 * 0.500972 = 0.500972") == 2  # u, then s
    assert "  x              grad 0.0" in lines and "  b              grad 0.500972" in lines
    assert re.search(r"^>  3  x\*w \+ b +b +d\(x\*w \+ b\)/d b = 1", text, re.MULTILINE)
    assert lines[-1] == "5 steps, 3 applied, > marks the current one"


def test_explain_adds_a_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, _ = session(
        monkeypatch, capsys, ["x*x + relu(x)", "--set", "x=-2", "--explain"], "r\nb\nn\n"
    )
    assert status == 0
    assert lines[1].startswith("5 steps; at the start (x*x + relu(x)).grad = 1.0")
    assert lines[-9] == "step 5 of 5: from relu(x) to x (argument 1 of relu)"
    assert lines[-2] == (
        "  in words  A ReLU passes the gradient where its input was positive and zero elsewhere."
        " Its input was -2.0, not positive, so it passes zero. x already holds gradient from 2"
        " other paths; it changes the output along every path, so the contributions add (the"
        " multivariable chain rule)."
    )


def test_prompt_only_at_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, lines, _ = session(monkeypatch, capsys, EXPRESSION, "n\n")
    assert not any("step> " in line for line in lines)
    status, lines, _ = session(monkeypatch, capsys, EXPRESSION, "n\n", stdin=Terminal)
    assert status == 0
    assert lines[3] == "step> " + FIRST_STEP[0]
    assert lines[-1] == "step> "  # the prompt before end of input, then a new line


def test_a_hostile_expression_is_rejected(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ParseError) as caught:
        parse_expression(HOSTILE, {})
    status, lines, err = session(monkeypatch, capsys, [HOSTILE], "n\n")
    assert status == 2 and lines == []
    assert err == f"autograd-lite step: error: {caught.value.summary}\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["x", "--layers", "2,1"], "give an expression"),
        (["x", "--mlp", "2,1"], "give an expression"),  # the old spelling, still accepted
        ([], "give an expression"),
        (["--layers", "2"], "--layers: expected layer sizes like 2,3,1"),
        (["--mlp", "2,x"], "--layers: expected layer sizes like 2,3,1"),
        (["--layers", "100,100"], "too many steps"),
        (["--layers", "2,1", "--set", "x=1"], "--set gives values to an expression's variables"),
        (["--layers", "2,1", "--input", "1"], "--input: the input has 1 numbers, the network"),
        (["--layers", "2,1", "--activation", "cube"], "--activation: unknown activation 'cube'"),
        (["--layers", "2,1", "--cost", "hinge"], "--cost: unknown cost 'hinge'"),
        (["--layers", "2,1", "--quiz", "--all"], "--all shows every answer"),
        (["--weights", "/nonexistent.npz"], "--weights: no such file"),
        (["x", "--set", "x=1", "--input", "1,2"], "give an expression"),
        (["--input", "1,2"], "the network options need --layers SIZES or --weights FILE"),
        (["x*y", "--set", "x=1"], "y"),
    ],
)
def test_usage_errors(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    status, lines, err = session(monkeypatch, capsys, argv, "")
    assert status == 2 and lines == []
    assert err.startswith("autograd-lite step: error: ") and message in err


def test_g_writes_dot_with_the_current_step_highlighted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before, after = tmp_path / "before.dot", tmp_path / "after.dot"
    status, lines, _ = session(monkeypatch, capsys, EXPRESSION, f"g {before}\nn\nn\ng {after}\n")
    assert status == 0
    assert f"wrote {before} (before step 1)" in lines
    assert lines[-1] == f"wrote {after} (step 2 highlighted)"
    assert "orange" not in before.read_text(encoding="utf-8")
    source = after.read_text(encoding="utf-8")
    node = next(line for line in source.splitlines() if line.strip().startswith("n3 [label="))
    assert "fillcolor=orange" in node and "step 2: (x·w).grad += 1.0 * 0.500972" in node
    assert 'n4_op -> n3 [label="+= 0.5010" color=blue' in source


def test_g_reports_problems_and_goes_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", "")  # no Graphviz executable
    picture = tmp_path / "step.svg"
    commands = f"g {picture}\ng {tmp_path / 'step.gif'}\ng {tmp_path / 'no' / 'x.dot'}\nn\n"
    status, lines, _ = session(monkeypatch, capsys, EXPRESSION, commands)
    assert status == 0
    assert lines[3].startswith(f"cannot write {picture}: the Graphviz `dot` executable is missing")
    assert (tmp_path / "step.dot").exists()  # the DOT text written instead
    assert lines[4].startswith("cannot tell the output format from the extension of")
    assert lines[5].startswith(f"cannot write {tmp_path / 'no' / 'x.dot'}: ")
    assert lines[6] == FIRST_STEP[0]


def test_network_session(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, _ = session(monkeypatch, capsys, ["--layers", "2,2,1", "--seed", "0"], "r\n")
    assert status == 0
    # the network compare checks with the same options: weights and example from the seed
    weights, X, Y = random_problem([2, 2, 1], 8, 0, "sigmoid", "sigmoid", "quadratic")
    x, y = X[0], Y[0]
    shown = f"x = [{format_number(x[0])}, {format_number(x[1])}], y = [{format_number(y[0])}]"
    assert lines[0].startswith(
        f"backward pass of MLP 2-2-1 (sigmoid, output sigmoid, seed 0) on {shown}: "
        "C = 1/2 sum_j (a^L_j - y_j)^2 = "
    )
    # no step goes into the target y_1 nor into the 0.5 of the cost
    assert lines[2].startswith("31 steps (and none into constants or targets")
    assert lines[-1].startswith("the backward pass is complete")
    # run keeps the delta and closed-form lines
    assert sum("(closed form; differs by " in line for line in lines) == 3
    deltas = backprop.Network(weights, "sigmoid").backprop_example(x, y).deltas
    status, lines, _ = session(
        monkeypatch, capsys, ["--mlp", "2,2,1", "--seed", "0"], "u z^2_1\nu z^1_1\nu z^1_2\n"
    )
    text = "\n".join(lines)
    for layer, neuron in [(1, 1), (1, 2), (2, 1)]:
        found = re.search(
            rf"delta\^{layer}_{neuron} = dC/dz\^{layer}_{neuron} = (\S+)  \(autodiff", text
        )
        assert found is not None
        assert float(found.group(1)) == pytest.approx(deltas[layer - 1][neuron - 1], abs=1e-12)
    assert text.count("(closed form; differs by ") == 3
    assert "BP1 (output layer)" in text and "BP2 (hidden layer)" in text
    # BP2 written as its sum of terms w^2_kj delta^2_k
    assert "delta^1_1 = (w^2_11 delta^2_1) * sigmoid'(z^1_1)" in text


def test_mlp_input_target_and_cost(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--layers", "2,1", "--input", "0.5,-1", "--target", "0.25", "--loss", "mse"]
    status, lines, _ = session(monkeypatch, capsys, argv, "u z^1_1\n")
    assert status == 0
    assert "on x = [0.5, -1.0], y = [0.25]: C = sum_j (a^L_j - y_j)^2" in lines[0]
    assert any(
        line.startswith("            delta^1_1 = 2 (a^1_1 - y_1) * sigmoid'") for line in lines
    )


def commands_available() -> bool:
    return all(importlib.util.find_spec(f"autograd_lite.cli.{name}") for name in cli.COMMANDS)


# The same entry point as `python -m autograd_lite`, with only this subcommand registered.
ONLY_STEP = "from autograd_lite import cli; cli.COMMANDS = ('step',); cli.main_entry()"


def test_the_command_through_a_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """``python -m autograd_lite step`` with commands on a pipe, as a script would run it.

    While another subcommand listed in ``cli.COMMANDS`` is still being written (so the
    whole parser cannot be built), the same entry point runs with ``step`` alone.
    """
    monkeypatch.undo()  # the real list of subcommands
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    entry = ["-m", "autograd_lite"] if commands_available() else ["-c", ONLY_STEP]
    command = [sys.executable, *entry, "step"]
    result = subprocess.run(
        [*command, *EXPRESSION],
        input="n\nb\nbogus\nr\nq\nn\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:9] == INTRO + FIRST_STEP
    assert lines[9:12] == [
        "undid step 1: (x*w + b).grad has no gradient again",
        "now at the start",
        "unknown command 'bogus'; type ? for help",
    ]
    assert lines[-1].startswith("the backward pass is complete")
    assert len(lines) == 12 + 5 + 1
    failed = subprocess.run(
        [*command, HOSTILE],
        input="n\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
    )
    assert failed.returncode == 2 and failed.stdout == ""
    assert failed.stderr.startswith("autograd-lite step: error: ")


# ----------------------------------------------------------------------------- issue 15


def test_commands_by_name_and_letter(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    by_letter = session(monkeypatch, capsys, EXPRESSION, "n\nn\nb\nu b\nt\nl\nr\nq\n")
    by_name = session(
        monkeypatch, capsys, EXPRESSION, "next\nnext\nback\nuntil b\ntable\nlist\nrun\nquit\n"
    )
    assert by_letter == by_name
    assert not any("unknown command" in line for line in by_name[1])


def test_explain_and_formulas_in_the_session(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, _ = session(monkeypatch, capsys, EXPRESSION, "explain\nn\nexplain\nformulas\n")
    assert status == 0
    assert lines[3].startswith("at the start: the root holds the seed 1")
    assert lines[10].startswith("step 1: tanh passes g*(1 - out^2)")
    assert "the rules of tanh (a, b: its arguments): d tanh(a)/da = 1 - tanh(a)^2" in lines
    assert "at step 1: d tanh(x*w + b)/d(x*w + b) = 1 - tanh(x*w + b)^2" in lines
    assert (
        "  BP2  delta^l = ((W^(l+1))^T delta^(l+1)) (.) sigma'(z^l)       (each layer below:"
        in lines
    )


def test_until_accepts_every_name_the_stepper_prints(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--layers", "2,2,1"]
    _, lines, _ = session(monkeypatch, capsys, argv, "")  # --all: every step
    printed = set()
    for line in lines:
        found = re.match(r"step \d+ of \d+: from (.+) to (.+) \(argument \d+ of", line)
        if found:
            printed.update(found.groups())
    assert {"z^1_1[k<=1]", "w^1_12*x_2", "(a^2_1 - y_1)*(a^2_1 - y_1)", "C"} <= printed
    for name in sorted(printed - {"C"}):
        status, out, _ = session(monkeypatch, capsys, argv, f"until {name}\n")
        assert status == 0 and not any(line.startswith("no node called") for line in out), name
        assert not any("nodes called" in line for line in out), name


def test_all_prints_every_step_and_the_final_gradients(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, _ = session(monkeypatch, capsys, [*EXPRESSION, "--all"], "n\nq\n")
    assert status == 0
    assert lines[:2] == INTRO[:2] and "Enter or next" not in lines[2]
    assert sum(line.startswith("step ") for line in lines) == 5
    assert lines[lines.index("final gradients:") + 1 :] == [
        "  b              grad 0.500972",
        "  w              grad 1.00194",
        "  x              grad -1.50292",
        "  x*w            grad 0.500972",
        "  x*w + b        grad 0.500972",
        "  tanh(x*w + b)  grad 1.0",
    ]


def test_network_steps_skip_constants_and_keep_deltas(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, _ = session(monkeypatch, capsys, ["--layers", "2,2,1"], "r\nl\nt\n")
    assert status == 0
    assert not any(re.search(r" to (y_1|0\.5) \(argument", line) for line in lines)
    text = "\n".join(lines)
    # run keeps the closed form, list shows each delta beside it, the table has a delta column
    assert text.count("(closed form; differs by ") == 3
    assert re.search(r"^  z\^2_1 +grad \S+  = delta\^2_1; closed form BP1 ", text, re.M)
    assert "delta (closed form)" in text and re.search(r"\(\S+ BP2\)", text)


def test_collapse_folds_each_neuron_into_one_step(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, full, _ = session(monkeypatch, capsys, ["--layers", "2,3,2", "--all"], "")
    _, folded, _ = session(monkeypatch, capsys, ["--layers", "2,3,2", "--all", "--collapse"], "")
    neurons = [line for line in folded if re.match(r"step \d+ of \d+: neuron ", line)]
    assert [re.search(r"neuron (z\S+)", line).group(1) for line in neurons] == [  # type: ignore[union-attr]
        "z^2_1", "z^2_2", "z^1_1", "z^1_2", "z^1_3"
    ]  # fmt: skip
    assert neurons[0].startswith("step 8 of 19: neuron z^2_1 = b^2_1 + w^2_11*a^1_1 + ")
    # the same final gradients, fewer steps
    assert full[full.index("final gradients:") :] == folded[folded.index("final gradients:") :]
    assert sum(line.startswith("step ") for line in full) == 62
    assert any(line.startswith("  chain     w^2_11.grad += 0.484281 * (") for line in folded)
    assert any(line.endswith("(BP3)") for line in folded)
    assert any(line.endswith("(a term of BP2, path 1 of 2)") for line in folded)


def test_quiz_through_a_pipe() -> None:
    """``step --quiz`` reads answers from a pipe, says right or wrong, shows the worked step
    and reports the score."""
    answers = "1\n0.501\nnot a number\n0.500972\n-1.5029\nq\n"
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "step", *EXPRESSION, "--quiz"],
        input=answers,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "answers within 0.1% (or 0.0001 of zero) count as right" in out
    assert "  (x*w + b).grad += ? 1\n  not quite: it is 0.500972 (you said 1)" in out
    assert "  (x*w).grad += ? 0.501\n  right: 0.500972" in out  # within 0.1%
    assert "'not a number' is not a number; type a number, or q to stop" in out
    assert "  x.grad += ? -1.5029\n  right: -1.50292" in out
    # before the question what it needs (rule, operands, upstream), after it the working
    assert (
        "  at        x*w = -6.0, b = 6.88, x*w + b = 0.88\n"
        "  upstream  (x*w + b).grad = 0.500972\n"
        "  b.grad += ? not a number\n"
    ) in out
    assert "  right: 0.500972\n  local     1.0\n  chain     b.grad += 1.0 * 0.500972" in out
    assert "  w.grad += ? q" in out
    assert out.rstrip().endswith("score: 3 of 4 right (stopped early)")


def test_quiz_local_derivatives(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines, _ = session(
        monkeypatch, capsys, ["x*y", "--set", "x=2", "y=3", "--quiz", "local"], "3\n2\n"
    )
    assert status == 0
    assert lines.count("  right: 3.0") == 1 and lines.count("  right: 2.0") == 1
    assert lines[-1] == "score: 2 of 2 right"
