"""Tests of autograd_lite.parse: the safe expression parser of the command line."""

from __future__ import annotations

import ast
import builtins
import doctest
import math
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import engine, parse
from autograd_lite.parse import ParseError, parse_assignments, parse_expression
from autograd_lite.value import Value

VARIABLES = {"x": 2.0, "w": -3.0, "b": 0.5}
Builder = Callable[[dict[str, Value]], Value]


def leaves(root: Value) -> dict[str, Value]:
    """The labelled leaves of a graph, by label."""
    return {n.label: n for n in engine.topological_order(root) if not n.parents and n.label}


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def check_against_python(text: str, build: Builder, variables: dict[str, float]) -> None:
    """Parsing ``text`` gives the graph ``build`` makes: same value, same gradients."""
    parsed = parse_expression(text, variables)
    env = {name: Value(value, label=name) for name, value in variables.items()}
    built = build(env)
    assert same(parsed.data, built.data), (text, parsed.data, built.data)
    parsed.backward()
    built.backward()
    found = leaves(parsed)
    for name, leaf in found.items():
        assert same(leaf.grad, env[name].grad), (text, name, leaf.grad, env[name].grad)
    for name, leaf in env.items():  # a variable the expression does not use gets no gradient
        if name not in found:
            assert leaf.grad == 0.0


# ----------------------------------------------------------------------------- valid input

CASES: list[tuple[str, Builder]] = [
    ("tanh(x*w + b)", lambda v: (v["x"] * v["w"] + v["b"]).tanh()),
    ("x * x", lambda v: v["x"] * v["x"]),
    ("-x + +w", lambda v: -v["x"] + v["w"]),
    ("x ** 2 - w / b", lambda v: v["x"] ** 2 - v["w"] / v["b"]),
    ("2 ** x", lambda v: 2 ** v["x"]),
    ("x ** w ** b", lambda v: v["x"] ** v["w"] ** v["b"]),
    ("-x ** 2", lambda v: -(v["x"] ** 2)),
    ("x * -2.5e-1", lambda v: v["x"] * -0.25),
    ("(x - w) * (x + w)", lambda v: (v["x"] - v["w"]) * (v["x"] + v["w"])),
    ("exp(log(x)) + sqrt(b)", lambda v: v["x"].log().exp() + v["b"].sqrt()),
    ("relu(w) + relu(x) + sigmoid(w)", lambda v: v["w"].relu() + v["x"].relu() + v["w"].sigmoid()),
    ("sin(x) * cos(w) + abs(w)", lambda v: v["x"].sin() * v["w"].cos() + abs(v["w"])),
    ("1 / (1 + exp(-x))", lambda v: 1 / (1 + (-v["x"]).exp())),
    ("x / 0", lambda v: v["x"] / 0),
    ("log(w)", lambda v: v["w"].log()),
    ("3", lambda v: Value(3.0)),
    ("x", lambda v: v["x"]),
    ("  x\t*\tw  ", lambda v: v["x"] * v["w"]),
    ("(x\n + w)", lambda v: v["x"] + v["w"]),
    # every elementwise function of Value, and % (the library's names, on the command line)
    (
        "tan(x) + sinh(w) * cosh(b) - log2(x) / log10(x)",
        lambda v: v["x"].tan() + v["w"].sinh() * v["b"].cosh() - v["x"].log2() / v["x"].log10(),
    ),
    (
        "arcsin(b) + arccos(b) * arctan(w) + arctanh(b)",
        lambda v: v["b"].arcsin() + v["b"].arccos() * v["w"].arctan() + v["b"].arctanh(),
    ),
    (
        "arcsinh(w) + arccosh(x) + sinc(w) + sign(w) + exp2(b) + expm1(b) + log1p(b)",
        lambda v: (
            v["w"].arcsinh()
            + v["x"].arccosh()
            + v["w"].sinc()
            + v["w"].sign()
            + v["b"].exp2()
            + v["b"].expm1()
            + v["b"].log1p()
        ),
    ),
    ("deg2rad(x) * rad2deg(w)", lambda v: v["x"].deg2rad() * v["w"].rad2deg()),
    (
        "arctan2(w, x) + hypot(x, w) * maximum(x, w) - minimum(b, 1)",
        lambda v: (
            v["w"].arctan2(v["x"])
            + v["x"].hypot(v["w"]) * v["x"].maximum(v["w"])
            - v["b"].minimum(1.0)
        ),
    ),
    ("x % 1.5 + w % x * 2", lambda v: v["x"] % 1.5 + v["w"] % v["x"] * 2),
    (
        "hypot(tanh(x), arctan2(b, w % 2))",
        lambda v: v["x"].tanh().hypot(v["b"].arctan2(v["w"] % 2)),
    ),
]


@pytest.mark.parametrize(("text", "build"), CASES, ids=[text for text, _ in CASES])
def test_valid_expressions_match_python(text: str, build: Builder) -> None:
    check_against_python(text, build, VARIABLES)


def test_a_variable_is_one_shared_leaf() -> None:
    root = parse_expression("x * x + x", {"x": 3.0, "unused": 1.0})
    product = root.parents[0]
    assert product.parents[0] is product.parents[1] is root.parents[1]
    assert product.parents[0].label == "x"
    root.backward()
    assert product.parents[0].grad == 7.0
    assert set(leaves(root)) == {"x"}


def test_numbers_are_floats_and_negative_literals_fold() -> None:
    root = parse_expression("x * -2 + 10", {"x": 1.0})
    constant = root.parents[0].parents[1]
    assert constant.parents == () and constant.data == -2.0 and constant.label == ""
    assert type(root.parents[1].data) is float and root.parents[1].data == 10.0


def test_huge_powers_finish_instantly_as_inf() -> None:
    start = time.perf_counter()
    root = parse_expression("9**9**9**9", {})
    assert root.data == math.inf
    root = parse_expression("x ** 1e308 ** 2", {"x": 2.0})
    assert root.data == math.inf
    assert time.perf_counter() - start < 1.0


def test_sums_of_many_terms_count_as_one_level() -> None:
    text = " + ".join(["x"] * 300)  # 300 terms: far beyond MAX_DEPTH as a tree, flat to read
    assert parse_expression(text, {"x": 1.0}).data == 300.0


# Random expressions: the text and the same computation written in Python, side by side.
OPERATORS: dict[str, Callable[[Value, Value], Value]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
    "%": lambda a, b: a % b,
}


def _variable(name: str) -> tuple[str, Builder]:
    return name, lambda v: v[name]


def _constant(c: float) -> tuple[str, Builder]:
    return repr(c), lambda v: Value(c)


def _binary(op: str, left: tuple[str, Builder], right: tuple[str, Builder]) -> tuple[str, Builder]:
    (lt, lb), (rt, rb), f = left, right, OPERATORS[op]
    return f"({lt} {op} {rt})", lambda v: f(lb(v), rb(v))


def _function(name: str, arg: tuple[str, Builder]) -> tuple[str, Builder]:
    text, build = arg
    return f"{name}({text})", lambda v: getattr(build(v), name)()


def _function_of_two(
    name: str, first: tuple[str, Builder], second: tuple[str, Builder]
) -> tuple[str, Builder]:
    (ft, fb), (st_, sb) = first, second
    return f"{name}({ft}, {st_})", lambda v: getattr(fb(v), name)(sb(v))


def _negate(arg: tuple[str, Builder]) -> tuple[str, Builder]:
    text, build = arg
    return f"(-{text})", lambda v: -build(v)


leaf_strategy = st.one_of(
    st.sampled_from(["x", "w", "b"]).map(_variable),
    st.floats(min_value=0.0, max_value=4.0, allow_nan=False).map(_constant),
)
expressions = st.recursive(
    leaf_strategy,
    lambda inner: st.one_of(
        st.builds(_binary, st.sampled_from(list(OPERATORS)), inner, inner),
        st.builds(_function, st.sampled_from(parse.FUNCTIONS), inner),
        st.builds(_function_of_two, st.sampled_from(parse.FUNCTIONS_OF_TWO), inner, inner),
        st.builds(_negate, inner),
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    expression=expressions,
    values=st.tuples(*[st.floats(-3.0, 3.0, allow_nan=False)] * 3),
)
def test_random_expressions_match_python(
    expression: tuple[str, Builder], values: tuple[float, float, float]
) -> None:
    text, build = expression
    check_against_python(text, build, dict(zip(["x", "w", "b"], values)))


# ----------------------------------------------------------------------------- hostile input

HOSTILE: list[tuple[str, str, int | None]] = [
    # text, part of the message, column (from 1) the caret points at (None: no place)
    ("__import__('os')", "names starting with '_' are not allowed: '__import__'", 1),
    ("().__class__", "attribute access ('.') is not allowed", 3),
    ("x.__dict__", "attribute access ('.') is not allowed", 2),
    ("lambda: 0", "lambda is not allowed", 1),
    ("'a'*9**9", "strings are not allowed", 1),
    ("[1][0]", "indexing ('[...]') is not allowed", 1),
    ("x if x else x", "conditional expressions ('... if ... else ...') are not allowed", 1),
    ("f(x)", "unknown function 'f'; the functions are abs, arccos, arccosh, arcsin", 1),
    ("f(x)", "tan, tanh (one argument); arctan2, hypot, maximum, minimum (two)", 1),
    ("hypot(x)", "hypot() takes two arguments, got one", 1),
    ("maximum(x, w, b)", "maximum() takes two arguments, got 3 arguments", 15),
    ("arctan2", "'arctan2' is a function: call it with two arguments, arctan2(x, y)", 1),
    ("x*", "the expression ends with '*': a number, a name or '(' must follow", 3),
    ("x ** ", "the expression ends with '**': a number, a name or '(' must follow", 5),
    ("x +\n w -", "the expression ends with '-'", 5),
    ("tanh(x, x)", "tanh() takes exactly one argument, got 2 arguments", 9),
    ("tanh()", "tanh() takes exactly one argument, got none", 1),
    ("tanh(x=1)", "tanh() takes no keyword arguments", 6),
    ("tanh(*x)", "starred arguments ('*x') are not allowed", 6),
    ("(x := 1)", "assignments (':=') are not allowed", 2),
    ("*x", "invalid syntax", 1),
    ("x < 1", "comparisons are not allowed", 1),
    ("x and 1", "'and' and 'or' are not allowed", 1),
    ("not x", "'not' is not allowed", 1),
    ("~x", "'~' is not allowed", 1),
    ("x ^ 2", "'^' is not allowed (for a power, write **); the operators are + - * / ** %", 3),
    ("(x) // 2", "'//' is not allowed (use /)", 5),
    ("tanh(x + 1", "invalid syntax: '(' was never closed", 5),
    ("x + 1)", "invalid syntax: unmatched ')'", 6),
    ("y + x", "unknown name 'y' (variables set: b, w, x)", 1),
    ("tanh", "'tanh' is a function: call it with one argument, tanh(x)", 1),
    ("x.y()", "only these functions can be called: abs, arccos", 1),
    ("tanh(x)(x)", "only these functions can be called", 1),
    ('"a"', "strings are not allowed", 1),
    ("b'x'", "bytes are not allowed", 1),
    ("f'{x}'", "f-strings are not allowed", 1),
    ("1j", "complex numbers are not allowed", 1),
    ("True + x", "True is not a number", 1),
    ("None", "None is not a number", 1),
    ("{1: x}", "dictionaries are not allowed", 1),
    ("{x}", "sets are not allowed", 1),
    ("x, w", "tuples are not allowed", 1),
    ("[x for x in b]", "comprehensions are not allowed", 1),
    ("__builtins__", "names starting with '_' are not allowed: '__builtins__'", 1),
    ("_x", "names starting with '_' are not allowed", 1),
    ("9" * 400, "number too large (floats end near 1.8e308)", 1),
    ("", "empty expression", None),
    ("x + \0", "null bytes", 5),
    ("x" * 100_000, "expression too long: 100,000 characters (the limit is 10,000)", 10_001),
    ("(" * 10_000 + "x" + ")" * 10_000, "expression too long: 20,001 characters", 10_001),
    ("(" * 4_000 + "x" + ")" * 4_000, "nested too deeply: more than 200 levels of brackets", 201),
    ("-" * 300 + "x", "nested too deeply: more than 200 levels", 201),
    ("-" * 5_000 + "x", "nested too deeply for Python's parser", None),
    ("tanh(" * 250 + "x" + ")" * 250, "more than 200 levels of brackets", 201 * 5),
    ("  x +", "the expression ends with '+'", 6),
    ("\t y", "unknown name 'y'", 3),
]


@pytest.fixture
def nothing_executed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """eval and exec refuse to run; compile may only build syntax trees."""
    executed: list[str] = []
    original_compile = builtins.compile

    def refuse(*args: Any, **kwargs: Any) -> Any:
        executed.append(repr(args)[:80])
        raise AssertionError("the parser must not execute anything")

    def only_ast(source: Any, filename: Any, mode: Any, flags: int = 0, *a: Any, **k: Any) -> Any:
        if not flags & ast.PyCF_ONLY_AST:
            refuse(source)
        return original_compile(source, filename, mode, flags, *a, **k)

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    monkeypatch.setattr(builtins, "compile", only_ast)
    yield executed
    assert executed == []


@pytest.mark.parametrize(
    ("text", "message", "column"),
    HOSTILE,
    ids=[
        repr(text[:24]) + (f"...({len(text)})" if len(text) > 24 else "") for text, _, _ in HOSTILE
    ],
)
def test_hostile_input_is_refused_clearly(
    text: str, message: str, column: int | None, nothing_executed: list[str]
) -> None:
    start = time.perf_counter()
    with pytest.raises(ParseError) as caught:
        parse_expression(text, VARIABLES)
    assert time.perf_counter() - start < 1.0
    error = caught.value
    assert isinstance(error, ValueError)
    assert message in error.reason
    assert message in error.summary and "\n" not in error.summary
    if column is None:
        assert error.column is None
    else:
        assert error.column is not None and error.column + 1 == column
        lines = str(error).splitlines()
        assert lines[0] == error.reason
        caret = lines[2].index("^")
        shown = lines[1]
        # the caret sits under the offending character (of the excerpt shown)
        source_line = text.split("\n")[error.line - 1]
        if error.column < len(source_line):
            assert shown[caret] == source_line[error.column]


def test_caret_layout_is_exact() -> None:
    with pytest.raises(ParseError) as caught:
        parse_expression("tanh(x*y)", {"x": 1.0, "w": 2.0})
    assert str(caught.value) == "unknown name 'y' (variables set: w, x)\n  tanh(x*y)\n         ^"
    assert caught.value.summary == (
        "unknown name 'y' (variables set: w, x) (at column 8 of 'tanh(x*y)')"
    )
    with pytest.raises(ParseError, match=r"variables set: none"):
        parse_expression("x", {})


def test_columns_count_characters_not_bytes() -> None:
    with pytest.raises(ParseError) as caught:
        parse_expression("δ + y", {"δ": 1.0})
    assert caught.value.column == 4
    assert str(caught.value).splitlines()[2] == "      ^"


def test_long_lines_are_cut_around_the_problem() -> None:
    text = "x + " * 100 + "y"
    with pytest.raises(ParseError) as caught:
        parse_expression(text, {"x": 1.0})
    _, shown, caret = str(caught.value).splitlines()
    assert len(shown) < 80 and shown.startswith("  ...")
    assert shown[caret.index("^")] == "y"


# ----------------------------------------------------------------------------- assignments


def test_assignments() -> None:
    assert parse_assignments(["x=2", "w = -3.5", "b=1e-3"]) == {"x": 2.0, "w": -3.5, "b": 0.001}
    assert parse_assignments("x=2 w=-3") == {"x": 2.0, "w": -3.0}
    assert parse_assignments([]) == {}


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["x2"], "expected NAME=NUMBER, got 'x2'"),
        (["x=2", "w"], "expected NAME=NUMBER, got 'w'"),
        (["2=x"], "expected NAME=NUMBER, got '2=x': '2' is not a name"),
        (["x=abc"], "expected NAME=NUMBER, got 'x=abc': 'abc' is not a number"),
        (["x="], "expected NAME=NUMBER, got 'x=': '' is not a number"),
        (["_x=1"], "names starting with '_' are not allowed: '_x'"),
        (["lambda=1"], "'lambda' is a Python keyword; choose another name"),
        (["tanh=1"], "'tanh' is the name of a function; choose another name"),
        (["x=1", "x=2"], "'x' is set twice"),
    ],
)
def test_malformed_assignments(items: list[str], message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_assignments(items)
    assert str(caught.value) == message


def test_docstring_examples() -> None:
    results = doctest.testmod(parse)
    assert results.failed == 0 and results.attempted >= 4


def test_only_text_is_parsed() -> None:
    with pytest.raises(TypeError, match="expected the expression as a str, got bytes"):
        parse_expression(b"x", {"x": 1.0})  # type: ignore[arg-type]
