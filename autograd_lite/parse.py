"""Read arithmetic typed by a person into a graph of ``Value`` nodes, safely.

The command line takes expressions such as ``"tanh(x*w + b)"``; this module turns one
into the root of a ``Value`` graph whose leaves are the variables, each labelled with
its name. Python's own parser (:func:`ast.parse`) reads the text; nothing is ever
evaluated by Python: the syntax tree is checked against a short allow-list and then
walked by this module, which only builds ``Value`` nodes.

Allowed: numbers, variables, ``+ - * / ** %``, unary ``-`` and ``+``, parentheses, the
functions in :data:`FUNCTIONS` (one argument) and :data:`FUNCTIONS_OF_TWO` (two
arguments): the elementwise functions of the Value node kind. Everything else
(attribute access, indexing, strings, other calls, comparisons, lambdas...) is a
:class:`ParseError` that shows where the problem is:

>>> parse_expression("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.0}).op.name
'tanh'
>>> parse_expression("x.__class__", {"x": 1.0})
Traceback (most recent call last):
    ...
autograd_lite.parse.ParseError: attribute access ('.') is not allowed
  x.__class__
   ^
"""

from __future__ import annotations

import ast
import keyword
import operator
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .elementwise import METHODS_OF_ONE, METHODS_OF_TWO
from .value import Value

__all__ = [
    "FUNCTIONS",
    "FUNCTIONS_OF_TWO",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "ParseError",
    "parse_assignments",
    "parse_expression",
]

#: The functions an expression may call with one argument: every elementwise method of
#: ``Value`` (``tan(x)`` is ``x.tan()``), so the command line and the library agree.
FUNCTIONS = METHODS_OF_ONE
#: The functions an expression may call with two arguments (``arctan2(y, x)`` is
#: ``y.arctan2(x)``, as ``numpy.arctan2(y, x)``).
FUNCTIONS_OF_TWO = METHODS_OF_TWO
_ALL_FUNCTIONS = FUNCTIONS + FUNCTIONS_OF_TWO
#: The longest expression accepted, in characters.
MAX_LENGTH = 10_000
#: How deeply parentheses, calls and operators may nest (``a + b + c`` is one level).
MAX_DEPTH = 200

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.Mod: operator.mod,
}
_REFUSED_OPERATORS = {
    ast.BitXor: "'^' is not allowed (for a power, write **)",
    ast.FloorDiv: "'//' is not allowed (use /)",
    ast.MatMult: "'@' is not allowed",
    ast.LShift: "'<<' is not allowed",
    ast.RShift: "'>>' is not allowed",
    ast.BitAnd: "'&' is not allowed",
    ast.BitOr: "'|' is not allowed",
    ast.Invert: "'~' is not allowed",
    ast.Not: "'not' is not allowed",
}
# Left-associative chains such as a + b - c or a * b / c nest in the syntax tree but
# not for a reader, so a sum of many terms counts as one level.
_CHAINS = {ast.Add: 0, ast.Sub: 0, ast.Mult: 1, ast.Div: 1}

_REFUSED_NODES: dict[type, str] = {
    ast.Attribute: "attribute access ('.') is not allowed",
    ast.Subscript: "indexing ('[...]') is not allowed",
    ast.Slice: "slices are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "generator expressions are not allowed",
    ast.List: "lists are not allowed",
    ast.Tuple: "tuples are not allowed (a comma outside a function call?)",
    ast.Dict: "dictionaries are not allowed",
    ast.Set: "sets are not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "'and' and 'or' are not allowed",
    ast.IfExp: "conditional expressions ('... if ... else ...') are not allowed",
    ast.NamedExpr: "assignments (':=') are not allowed",
    ast.Starred: "starred arguments ('*x') are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
}


class ParseError(ValueError):
    """An expression or assignment that cannot be read, and where the problem is.

    ``reason`` says what is wrong; ``text`` is the input, ``line`` (from 1) and
    ``column`` (from 0, in characters; ``None`` when no single place is to blame) point
    at the problem. ``str(error)`` shows the line with a caret under that column;
    :attr:`summary` says it all on one line, for command-line messages.
    """

    def __init__(self, reason: str, text: str = "", column: int | None = None, line: int = 1):
        self.reason = reason
        self.text = text
        self.line = line
        self.column = column
        super().__init__(self._message())

    def _excerpt(self) -> tuple[str, int]:
        """The offending line, cut to about 70 characters around the column."""
        lines = self.text.split("\n")
        source = lines[self.line - 1] if 0 < self.line <= len(lines) else ""
        column = min(self.column or 0, len(source))
        start = max(0, column - 35)
        end = min(len(source), start + 70)
        shown = source[start:end]
        if start > 0:
            shown, column = "..." + shown, column - start + 3
        else:
            column -= start
        if end < len(source):
            shown += "..."
        return shown, column

    def _message(self) -> str:
        if self.column is None or not self.text:
            return self.reason
        shown, column = self._excerpt()
        return f"{self.reason}\n  {shown}\n  {' ' * column}^"

    @property
    def summary(self) -> str:
        """The reason and the place on one line."""
        if self.column is None or not self.text:
            return self.reason
        shown, _ = self._excerpt()
        where = f"line {self.line}, column" if "\n" in self.text else "column"
        return f"{self.reason} (at {where} {self.column + 1} of {shown!r})"


# ----------------------------------------------------------------------------- reading


def _read(text: str) -> ast.Expression:
    """The syntax tree of ``text``, or a ParseError for text Python cannot parse."""
    if len(text) > MAX_LENGTH:
        raise ParseError(
            f"expression too long: {len(text):,} characters (the limit is {MAX_LENGTH:,})",
            text,
            MAX_LENGTH,
        )
    if not text.strip():
        raise ParseError("empty expression: nothing to compute", text)
    # Python's parser gives up on deep brackets with errors of its own (or RecursionError);
    # counting them first gives one clear message and a place.
    depth, line, column = 0, 1, 0
    for char in text:
        if char in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ParseError(
                    f"nested too deeply: more than {MAX_DEPTH} levels of brackets",
                    text,
                    column,
                    line,
                )
        elif char in ")]}":
            depth -= 1
        if char == "\n":
            line, column = line + 1, 0
        else:
            column += 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning for "1 is 1": refused anyway
            return ast.parse(text, mode="eval")
    except SyntaxError as error:
        line = error.lineno or 1
        column = max((error.offset or 1) - 1, 0)
        message = (error.msg or "invalid syntax").replace(" (<unknown>, line 1)", "")
        if "null bytes" in message:
            column = text.find("\0")
        reason = message if message.startswith("invalid syntax") else f"invalid syntax: {message}"
        dangling = _dangling_operator(text)
        if dangling is not None and message == "invalid syntax":
            # Python blames the start of the text; the problem is at its end.
            reason = f"the expression ends with {dangling!r}: a number, a name or '(' must follow"
            line = text.count("\n", 0, len(text.rstrip())) + 1
            column = len(text.rstrip().split("\n")[-1])
        raise ParseError(reason, text, column, line) from None
    except (RecursionError, MemoryError):
        raise ParseError(
            f"nested too deeply for Python's parser (the limit is {MAX_DEPTH} levels)", text
        ) from None
    except ValueError as error:  # older Pythons: null bytes
        raise ParseError(f"invalid expression: {error}", text) from None


def _dangling_operator(text: str) -> str | None:
    """The operator the text ends with (``"x*"``, ``"x ** "``), if it ends with one."""
    end = text.rstrip()
    for operator_text in ("**", "+", "-", "*", "/", "%"):
        if end.endswith(operator_text):
            return operator_text
    return None


def _column(text: str, line: int, byte_offset: int) -> int:
    """``ast`` counts columns in UTF-8 bytes; people count characters."""
    lines = text.split("\n")
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(source.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


def _refuse(text: str, node: ast.AST, reason: str, *, at_end: int = 0) -> ParseError:
    """A ParseError pointing at ``node`` (or ``at_end`` characters before its end)."""
    line = getattr(node, "lineno", 1)
    if at_end:
        line = getattr(node, "end_lineno", line)
        column = _column(text, line, getattr(node, "end_col_offset", 0)) - at_end
    else:
        column = _column(text, line, getattr(node, "col_offset", 0))
    return ParseError(reason, text, max(column, 0), line)


def _operator_column(text: str, node: ast.BinOp) -> tuple[int, int]:
    """Where the operator of ``left OP right`` is: the first symbol after ``left``."""
    line = node.left.end_lineno or node.lineno
    lines = text.split("\n")
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    column = _column(text, line, node.left.end_col_offset or 0)
    while column < len(source) and source[column] in " \t)":
        column += 1
    return column, line


def _check(text: str, tree: ast.Expression, variables: Mapping[str, Any]) -> None:
    """Refuse anything outside the allow-list, leftmost problem first, without recursion."""
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _refuse(text, node, f"nested too deeply: more than {MAX_DEPTH} levels")
        if isinstance(node, ast.Constant):
            _check_number(text, node)
        elif isinstance(node, ast.Name):
            _check_name(text, node, variables)
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                column, line = _operator_column(text, node)
                reason = _REFUSED_OPERATORS.get(type(node.op), "this operator is not allowed")
                raise ParseError(reason + "; the operators are + - * / ** %", text, column, line)
            chain = _CHAINS.get(type(node.op))
            left = node.left
            same_chain = (
                chain is not None
                and isinstance(left, ast.BinOp)
                and _CHAINS.get(type(left.op)) == chain
            )
            stack.append((node.right, depth + 1))
            stack.append((left, depth if same_chain else depth + 1))
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                reason = _REFUSED_OPERATORS.get(type(node.op), "this operator is not allowed")
                raise _refuse(text, node, reason)
            stack.append((node.operand, depth + 1))
        elif isinstance(node, ast.Call):
            _check_call(text, node)
            stack.extend((argument, depth + 1) for argument in node.args)
        else:
            reason = _REFUSED_NODES.get(type(node), f"{type(node).__name__} is not allowed")
            if isinstance(node, ast.Attribute):  # point at the dot
                raise _refuse(text, node, reason, at_end=len(node.attr) + 1)
            raise _refuse(text, node, reason)


def _check_number(text: str, node: ast.Constant) -> None:
    value = node.value
    if isinstance(value, bool) or value is None or value is Ellipsis:
        raise _refuse(text, node, f"{value!r} is not a number")
    if isinstance(value, str):
        raise _refuse(text, node, "strings are not allowed")
    if isinstance(value, bytes):
        raise _refuse(text, node, "bytes are not allowed")
    if isinstance(value, complex):
        raise _refuse(text, node, "complex numbers are not allowed")
    if isinstance(value, int):
        try:
            float(value)
        except OverflowError:
            raise _refuse(text, node, "number too large (floats end near 1.8e308)") from None
    elif not isinstance(value, float):
        raise _refuse(text, node, f"{type(value).__name__} constants are not allowed")


def _check_name(text: str, node: ast.Name, variables: Mapping[str, Any]) -> None:
    name = node.id
    if name.startswith("_"):
        raise _refuse(text, node, f"names starting with '_' are not allowed: {name!r}")
    if name in variables:
        return
    if name in FUNCTIONS:
        raise _refuse(text, node, f"{name!r} is a function: call it with one argument, {name}(x)")
    if name in FUNCTIONS_OF_TWO:
        raise _refuse(
            text, node, f"{name!r} is a function: call it with two arguments, {name}(x, y)"
        )
    known = ", ".join(sorted(variables)) if variables else "none"
    raise _refuse(text, node, f"unknown name {name!r} (variables set: {known})")


def _check_call(text: str, node: ast.Call) -> None:
    function = node.func
    if not isinstance(function, ast.Name):
        raise _refuse(text, function, f"only these functions can be called: {_listed()}")
    name = function.id
    if name.startswith("_"):
        raise _refuse(text, function, f"names starting with '_' are not allowed: {name!r}")
    if name not in _ALL_FUNCTIONS:
        raise _refuse(text, function, f"unknown function {name!r}; the functions are {_listed()}")
    if node.keywords:
        keyword_node = node.keywords[0]
        raise _refuse(text, keyword_node, f"{name}() takes no keyword arguments")
    for argument in node.args:
        if isinstance(argument, ast.Starred):
            raise _refuse(text, argument, _REFUSED_NODES[ast.Starred])
    wanted = 1 if name in FUNCTIONS else 2
    if len(node.args) != wanted:
        place = node.args[wanted] if len(node.args) > wanted else node
        got = {0: "none", 1: "one"}.get(len(node.args), f"{len(node.args)} arguments")
        expected = "exactly one argument" if wanted == 1 else "two arguments"
        raise _refuse(text, place, f"{name}() takes {expected}, got {got}")


def _listed() -> str:
    """The callable functions, for messages."""
    return f"{', '.join(FUNCTIONS)} (one argument); {', '.join(FUNCTIONS_OF_TWO)} (two)"


# ----------------------------------------------------------------------------- building


def _number(node: ast.Constant) -> float:
    value = node.value
    assert isinstance(value, (int, float)) and not isinstance(value, bool)  # checked
    return float(value)


def _build(tree: ast.Expression, variables: Mapping[str, Any]) -> Value:
    """Walk a checked tree, children before parents, building Value nodes."""
    leaves: dict[str, Value] = {}
    results: list[Value] = []
    stack: list[tuple[ast.AST, bool]] = [(tree.body, False)]
    while stack:
        node, children_done = stack.pop()
        if isinstance(node, ast.Constant):
            results.append(Value(_number(node)))
        elif isinstance(node, ast.Name):
            leaf = leaves.get(node.id)
            if leaf is None:
                leaf = leaves[node.id] = Value(float(variables[node.id]), label=node.id)
            results.append(leaf)
        elif (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant)
        ):
            # Python folds "-2" into one constant; so does this (no neg node for it).
            results.append(Value(-_number(node.operand)))
        elif not children_done:
            stack.append((node, True))
            if isinstance(node, ast.BinOp):
                stack.append((node.right, False))
                stack.append((node.left, False))
            elif isinstance(node, ast.UnaryOp):
                stack.append((node.operand, False))
            elif isinstance(node, ast.Call):
                stack.extend((argument, False) for argument in reversed(node.args))
        elif isinstance(node, ast.BinOp):
            right = results.pop()
            results.append(_BINARY[type(node.op)](results.pop(), right))
        elif isinstance(node, ast.UnaryOp):
            operand = results.pop()
            results.append(-operand if isinstance(node.op, ast.USub) else +operand)
        elif isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            if node.func.id in FUNCTIONS_OF_TWO:
                second = results.pop()
                results.append(getattr(results.pop(), node.func.id)(second))
            else:
                results.append(getattr(results.pop(), node.func.id)())
    assert len(results) == 1
    return results[0]


def parse_expression(text: str, variables: Mapping[str, float] | None = None) -> Value:
    """Build the Value graph of an arithmetic expression and return its root.

    Each variable used becomes one leaf ``Value`` labelled with its name, shared by all
    its uses (``x * x`` has one ``x``); numbers become unlabelled constant leaves.
    Raises :class:`ParseError` for anything but numbers, variables, ``+ - * / ** %``,
    unary minus and plus, parentheses and calls of :data:`FUNCTIONS` and
    :data:`FUNCTIONS_OF_TWO`.

    >>> y = parse_expression("x * x + 1", {"x": 3.0})
    >>> y.backward()
    >>> y.data, y.parents[0].parents[0].grad
    (10.0, 6.0)
    """
    if not isinstance(text, str):
        raise TypeError(f"expected the expression as a str, got {type(text).__name__}")
    variables = dict(variables or {})
    # Python's parser refuses leading blanks ("unexpected indent"); a person would not.
    source = text.lstrip(" \t") if len(text) <= MAX_LENGTH else text
    shift = len(text) - len(source)
    try:
        tree = _read(source)
        _check(source, tree, variables)
    except ParseError as error:
        if not shift:
            raise
        moved = error.column is not None and error.line == 1
        column = error.column + shift if moved and error.column is not None else error.column
        raise ParseError(error.reason, text, column, error.line) from None
    return _build(tree, variables)


def parse_assignments(items: Iterable[str] | str) -> dict[str, float]:
    """Read ``["x=2", "w=-3"]`` (or the string ``"x=2 w=-3"``) into ``{"x": 2.0, "w": -3.0}``.

    Names follow the rules of expressions (a Python identifier, not starting with
    ``_``, not a keyword or a function's name); each name is set once.

    >>> parse_assignments(["x=2", "w = -3.5"])
    {'x': 2.0, 'w': -3.5}
    """
    if isinstance(items, str):
        items = items.split()
    values: dict[str, float] = {}
    for item in items:
        name, equals, number = item.partition("=")
        if not equals:
            raise ParseError(f"expected NAME=NUMBER, got {item!r}", item)
        name, number = name.strip(), number.strip()
        if not name.isidentifier():
            raise ParseError(f"expected NAME=NUMBER, got {item!r}: {name!r} is not a name", item)
        if name.startswith("_"):
            raise ParseError(f"names starting with '_' are not allowed: {name!r}", item)
        if keyword.iskeyword(name):
            raise ParseError(f"{name!r} is a Python keyword; choose another name", item)
        if name in _ALL_FUNCTIONS:
            raise ParseError(f"{name!r} is the name of a function; choose another name", item)
        try:
            value = float(number)
        except ValueError:
            raise ParseError(
                f"expected NAME=NUMBER, got {item!r}: {number!r} is not a number", item
            ) from None
        if name in values:
            raise ParseError(f"{name!r} is set twice", item)
        values[name] = value
    return values
