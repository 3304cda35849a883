"""The one backward algorithm: topological order, then the chain rule, once per edge.

Every node kind (the scalar ``Value``, the array ``Tensor``) plugs into this module by
having these attributes:

``data``
    the number (a float, or an ndarray) computed by the forward pass: a property over the
    slot ``_data``, which the engine reads (a slot is the fastest attribute Python has);
    assigning ``data`` on a leaf records when it changed (see *Changed data* below);
``grad``
    the gradient of the output with respect to this node (``None`` until one arrives);
``op``
    an :class:`Op`: the name of the operation and one local derivative rule per input
    (``None`` for a leaf);
``_a``, ``_b``
    the inputs, in two slots that the engine reads on every node (building a tuple per
    node would cost a third of the walk on large scalar graphs). One input: ``_a``,
    and ``_b`` is None. Two: ``_a`` and ``_b``. More than two: ``_a`` is None and
    ``_b`` is the tuple of all of them. A leaf has both None. :func:`input_slots`
    fills them from a tuple, :func:`parents_of` gives them back as one;
``parents``
    that tuple, in argument order (the public name);
``_mark``
    a slot for bookkeeping, always an int. On an operation's output: ``clock[0]`` when it
    was made (the walk then writes its own token there, to remember which nodes it has
    found). On a leaf: ``0``, or the time its data was last assigned (:func:`tick`);

and a boolean ``requires_grad``: false for constants, whose gradient nobody needs. A
node kind without constants says so with a class attribute ``requires_grad = True``
(``Value``), and the engine then skips the check per input. A node kind whose ``grad``
setter checks what it is given may keep the gradient in a slot ``_grad`` and name, as a
class attribute, the type of a gradient that the check leaves as it is (``_grad_type``,
``Tensor``: ndarray): backward then reads ``_grad`` directly and stores such a gradient,
when it also has its node's dtype, straight into the slot. Every node in such a graph
answers to ``_grad`` (``Value``, which a Tensor op can take as an input, too). A node
kind may also name a faster :func:`sum_to_shape` for its arrays (``_sum_to_shape``).

Nothing here knows which node kind it is working on: the derivative rules are written
with the node kind's own operators, so the very same rule runs on raw numbers (the fast
path) and on nodes (``create_graph=True``, which records the backward pass as a graph of
its own and so gives gradients of gradients).

The backward pass is a sequence of *steps*, one per edge of the graph: the gradient of a
node times the local derivative of that node with respect to one input, added to the
input's gradient. :func:`backward` runs them; presentation code (the stepper, the
renderer) passes an ``observer`` and sees the very same steps as :class:`Step` records.

Changed data. The rules read the inputs' data when backward runs, not when the forward
pass ran, so a leaf whose data is assigned in between (``x.data = 5.0`` after ``y = x * x``)
would silently give a gradient that mixes old and new numbers. As PyTorch's version
counters do, the engine refuses that: ``clock`` counts time; assigning a leaf's ``data``
stamps the leaf with a new :func:`tick`, every operation's output is stamped with the time
it was made, and the walk raises :class:`DataChangedError` when an operation whose rules
read their inputs (``Op.reads_inputs``) has a leaf input stamped later than itself. The
check costs one comparison per leaf input, nothing per node made. A walk that passes
re-stamps the nodes it visits with its own token (a fresh tick), so running backward
again later is checked against changes made since. Not seen: NumPy edits in place
(``t.data[0] = 1.0``; call ``t.mark_data_changed()`` after them, as the optimizers do),
and assignments to the data of a computed (non-leaf) node.

Forward mode (:func:`push_tangents`) reads the chain rule the other way: tangents move
from chosen inputs towards the output along the same topological order, through each
op's ``tangent`` rule (see :class:`Op`). One pass gives the derivative of every output
along one input direction, where one backward pass gives the derivative of one output
with respect to every input.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "Op",
    "Node",
    "Step",
    "backward",
    "topological_order",
    "input_slots",
    "parents_of",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "grad_mode",
    "zero_grad",
    "sum_to_shape",
    "DataChangedError",
    "clock",
    "tick",
    "push_tangents",
    "unchanged",
]

# A local vector-Jacobian rule: rule(upstream, output, *inputs) -> contribution.
# On the fast path ``output`` and ``inputs`` are raw data (floats or ndarrays); with
# ``create_graph=True`` they are the nodes themselves.
Rule = Callable[..., Any]


class Op:
    """An operation: its name, one derivative rule per input, and how to say them.

    ``rules[i](g, out, *inputs)`` returns the gradient that flows to input ``i`` when
    ``g`` (the gradient of the output) arrives: the vector-Jacobian product
    ``g * d out / d input_i``. ``formulas[i]`` says the same thing for people, e.g.
    ``"d tanh(a)/da = 1 - tanh(a)^2"``; ``explanation`` is one plain sentence.

    ``broadcasts=True`` marks elementwise array ops whose inputs may have been broadcast:
    the engine then sums each contribution back to its input's shape (one explicit
    step, see :func:`sum_to_shape`), so the rules themselves need not.

    ``reads_inputs=False`` marks ops whose rules never read their inputs' data (``a + b``:
    each input gets ``g``), so changing an input's data after the op ran does not change
    the gradient and backward need not refuse it (see *Changed data* above).

    ``tangent`` is the forward-mode rule (:func:`push_tangents`):
    ``tangent(ts, out, *inputs)`` returns the tangent of the output, the Jacobian-vector
    product, from ``ts[i]``, the tangent of input ``i`` (``None`` where it is zero).
    ``elementwise=True`` (or ``broadcasts=True``) says each output number depends only on
    the input numbers at its own position; then no tangent rule is needed: the tangent is
    the sum of ``rules[i](ts[i], ...)``, the vector-Jacobian rule applied to a tangent,
    since an elementwise Jacobian is diagonal. Ops with one output number need none
    either (the tangent is the gradient dotted with the input tangents). Any other op
    (reductions, shape ops, products) must give its own, and forward mode refuses an
    array-valued op that has neither rather than guess.
    """

    __slots__ = (
        "name",
        "rules",
        "formulas",
        "explanation",
        "broadcasts",
        "reads_inputs",
        "tangent",
        "elementwise",
    )

    def __init__(
        self,
        name: str,
        rules: Sequence[Rule],
        formulas: Sequence[str] = (),
        explanation: str = "",
        *,
        broadcasts: bool = False,
        reads_inputs: bool = True,
        tangent: Rule | None = None,
        elementwise: bool = False,
    ) -> None:
        self.name = name
        self.rules: tuple[Rule, ...] = tuple(rules)
        self.formulas: tuple[str, ...] = tuple(formulas)
        self.explanation = explanation
        self.broadcasts = broadcasts
        self.reads_inputs = reads_inputs
        self.tangent = tangent
        self.elementwise = elementwise or broadcasts

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


class Node(Protocol):
    """What the engine needs from a node kind."""

    data: Any
    _data: Any
    grad: Any
    op: Op | None
    _a: Any
    _b: Any
    _mark: object
    requires_grad: bool

    @property
    def parents(self) -> tuple[Any, ...]: ...


def input_slots(inputs: Sequence[Any]) -> tuple[Any, Any]:
    """The values of a node's ``_a`` and ``_b`` slots for these inputs (see above)."""
    count = len(inputs)
    if count == 2:
        return inputs[0], inputs[1]
    if count == 1:
        return inputs[0], None
    if count == 0:
        return None, None
    return None, tuple(inputs)


def parents_of(node: Any) -> tuple[Any, ...]:
    """A node's inputs as one tuple, in argument order (what ``.parents`` returns)."""
    a, b = node._a, node._b
    if a is None:
        return () if b is None else b
    return (a,) if b is None else (a, b)


@dataclass(frozen=True)
class Step:
    """One application of the chain rule, as the engine performed it.

    ``input.grad`` went from ``before`` to ``after = before + contribution``, where
    ``contribution = rule(upstream)`` is ``upstream`` (the gradient of ``node``) times the
    local derivative of ``node`` with respect to its ``position``-th argument.
    ``summed_from`` is the contribution's shape before it was summed back over
    broadcast dimensions (``None`` when nothing was summed). ``shared`` is true when
    the input had already received gradient earlier in this pass, by another path:
    the sum rule at work.
    """

    index: int
    node: Any
    position: int
    input: Any
    upstream: Any
    contribution: Any
    before: Any
    after: Any
    summed_from: tuple[int, ...] | None = None
    shared: bool = False

    @property
    def op(self) -> Op:
        op: Op = self.node.op
        return op

    @property
    def formula(self) -> str:
        formulas = self.op.formulas
        return formulas[self.position] if self.position < len(formulas) else ""

    def local_derivative(self) -> Any:
        """The local derivative d node / d input for scalar nodes (the rule with g = 1)."""
        parents = self.node.parents
        rule = self.op.rules[self.position]
        return rule(1.0, self.node._data, *[p._data for p in parents])


# ----------------------------------------------------------------------------- grad mode


class _GradMode(threading.local):
    """Whether operations record the graph: one flag per thread, read by every node kind.

    As in PyTorch, grad mode belongs to the thread: ``no_grad()`` in one thread, or a
    backward pass switching recording off while it runs its rules, never changes what
    another thread records. ``threading.local`` runs ``__init__`` once in each thread
    that reads the flag, so every new thread starts with recording on.
    """

    def __init__(self) -> None:
        self.enabled = True


grad_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True when operations record their inputs (outside :func:`no_grad`)."""
    return grad_mode.enabled


@contextmanager
def _set_grad_enabled(enabled: bool) -> Iterator[None]:
    previous = grad_mode.enabled
    grad_mode.enabled = enabled
    try:
        yield
    finally:
        grad_mode.enabled = previous


def no_grad() -> Any:
    """Context manager (and decorator) in which operations record no graph.

    The previous state is restored on exit, so ``no_grad`` blocks nest::

        with no_grad():
            y = x * 2        # y.parents == ()
    """
    return _set_grad_enabled(False)


def enable_grad() -> Any:
    """Context manager (and decorator) that records the graph, even inside ``no_grad``."""
    return _set_grad_enabled(True)


# ----------------------------------------------------------------------------- changed data

#: The engine's time: ``clock[0]`` only grows. A node made now is stamped ``clock[0]``; a
#: leaf whose data is assigned is stamped with a new :func:`tick`. It starts past 256 so
#: that every tick is a new int object (the walk compares its token by identity).
clock: list[int] = [1000]


def tick() -> int:
    """A new time, later than every stamp so far: what a leaf records when its data changes."""
    now = clock[0] + 1
    clock[0] = now
    return now


def _walk_token() -> int:
    # A fresh tick for the walk to mark the nodes it expands with. The clock moves one
    # further, so no node made later holds this very object (nodes made now are stamped
    # with clock[0]); a mark that is a walk's token also says when the node was checked.
    token = clock[0] + 1
    clock[0] = token + 1
    return token


class DataChangedError(RuntimeError):
    """Backward found a leaf whose data was assigned after it was used in the graph."""


def _changed_after_use(leaf: Any, node: Any, made: Any, root: Any) -> None:
    """Raise :class:`DataChangedError`, unless ``node``'s rules never read input data."""
    if not node.op.reads_inputs:
        return
    node._mark = made  # unchecked: the next walk must find the change again
    if leaf.label:
        what = f"{leaf.label}.data"
    else:
        kind = type(leaf).__name__
        shape = getattr(leaf._data, "shape", ())
        what = f"the data of a leaf {kind}" + (f" of shape {shape}" if shape else "")
    target = root.label or f"this {type(root).__name__}"
    raise DataChangedError(
        f"{what} was changed after it was used to compute {target} (by a {node.op.name!r} "
        f"node), so its gradient would mix old and new numbers; recompute {target} from "
        "the new data before calling backward (change data between backward and the next "
        "forward pass, as an optimizer step does)"
    )


# ----------------------------------------------------------------------------- the algorithm


def topological_order(root: Any, stop: frozenset[Any] | set[Any] = frozenset()) -> list[Any]:
    """Every node ``root`` depends on, each after all of its parents (``root`` last).

    Iterative depth-first search with an explicit stack, so graphs of any depth work at
    Python's default recursion limit; the order is deterministic (leaves first, in the
    order they are found, then the operations). Leaves that do not require a gradient
    are left out, and the parents of nodes in ``stop`` are not explored (the functional
    ``grad`` uses that to keep the backward pass inside the function being
    differentiated).
    """
    leaves: list[Any] = []
    order = _walk(root, stop, leaves)
    return leaves + order


def _walk(root: Any, stop: frozenset[Any] | set[Any], leaves: list[Any] | None = None) -> list[Any]:
    """The operations ``root`` depends on, in topological order (``root`` last).

    Leaves (nodes without an op) are not in the order: backward has nothing to do at
    them. When ``leaves`` is a list, the leaves that require a gradient are appended
    to it, each once. Nodes in ``stop`` count as leaves.

    A node is expanded the first time it is popped: it goes back on the stack under a
    ``None`` marker, with its unexpanded parents above it. When the marker is popped,
    every parent has been emitted, so the node is emitted. (In a DAG a parent that is
    expanded but not yet emitted would be a cycle, so "expanded" is the only state to
    remember.) A node is marked expanded by writing this walk's own token in its
    ``_mark`` slot: on a graph of 68,000 scalar nodes that is half the time of keeping
    a set or dict of the expanded nodes. The walk runs to its end before any rule or
    observer runs, so walks never overlap (two threads running backward on one graph
    at once are not supported: they would also race on ``.grad``).

    Leaves keep their own ``_mark`` (when their data last changed), so the walk never
    writes there; it remembers the leaves it has listed in a set. Before overwriting an
    operation's mark (the time it was made) it compares it with the marks of its leaf
    inputs: a leaf changed since raises :class:`DataChangedError` (see the module doc).
    """
    expanded = _walk_token()  # this walk's token: `node._mark is expanded`
    with_leaves = leaves is not None
    stopping = bool(stop)  # a bool is tested without a call, an empty set is not
    if root.op is None or (stopping and root in stop):  # nothing to walk
        if with_leaves and root.requires_grad:
            leaves.append(root)  # type: ignore[union-attr]
        return []
    node = parent = None
    listed: set[int] = set()  # ids of the leaves already appended to `leaves`
    order: list[Any] = []
    stack: list[Any] = [root]
    pop, push, emit = stack.pop, stack.append, order.append
    try:
        # The root is at the bottom of the stack, so the walk ends when it is emitted
        # (a test of the stack's length at every pop costs more).
        while True:
            node = pop()
            if node is None:  # marker: the node below it has all its parents emitted
                node = pop()
                emit(node)
                if node is root:
                    break
                continue
            if node.op is None:  # a leaf: only pushed when leaves are listed (or the root)
                if with_leaves and node.requires_grad and id(node) not in listed:
                    listed.add(id(node))
                    leaves.append(node)  # type: ignore[union-attr]
                continue
            made = node._mark  # when the node was made (or last checked by a walk)
            if made is expanded:
                continue
            node._mark = expanded
            if stopping and node in stop:
                if with_leaves and node.requires_grad:
                    leaves.append(node)  # type: ignore[union-attr]
                continue
            push(node)
            push(None)
            # Parents go on the stack in argument order (so the last is expanded first),
            # read from the two input slots without building a tuple (see the module doc).
            # A leaf input is checked for a change of its data since this node was made.
            parent = node._a
            if parent is None:  # more than two inputs: all of them are in _b
                for parent in node._b:
                    mark = parent._mark
                    if mark is not expanded:  # never true of a leaf: it keeps its stamp
                        if parent.op is not None:
                            push(parent)
                            continue
                        if mark > made:
                            _changed_after_use(parent, node, made, root)
                        if with_leaves:
                            push(parent)
                continue
            mark = parent._mark
            if mark is not expanded:  # never true of a leaf: it keeps its stamp
                if parent.op is not None:
                    push(parent)
                else:
                    if mark > made:
                        _changed_after_use(parent, node, made, root)
                    if with_leaves:
                        push(parent)
            parent = node._b
            if parent is not None:
                mark = parent._mark
                if mark is not expanded:
                    if parent.op is not None:
                        push(parent)
                    else:
                        if mark > made:
                            _changed_after_use(parent, node, made, root)
                        if with_leaves:
                            push(parent)
    except TypeError:
        if any(n is not None and not isinstance(n._mark, int) for n in (node, parent)):
            raise TypeError(
                f"a {type(node).__name__} node without a time stamp in its _mark slot: a node "
                "kind must set _mark to engine.clock[0] when it makes an op's output and to "
                "0 for a leaf (see engine, Changed data)"
            ) from None
        raise
    return order


def backward(
    root: Any,
    seed: Any,
    *,
    create_graph: bool = False,
    stop: frozenset[Any] | set[Any] = frozenset(),
    observer: Callable[[Step], None] | None = None,
) -> None:
    """Propagate ``seed`` (d output / d root) back to every node ``root`` depends on.

    Gradient semantics follow PyTorch: leaves (nodes without parents, and nodes in
    ``stop``) accumulate into ``.grad`` across calls; interior nodes are recomputed on
    each call, so running backward twice gives leaves exactly twice the gradient.

    ``create_graph=True`` evaluates the derivative rules on nodes rather than on raw
    data, so the gradients are themselves nodes that can be differentiated again.
    ``observer``, when given, is called with a :class:`Step` after every accumulation.

    The pass allocates no reference cycles, so Python's cyclic garbage collector is
    paused while it runs (and restored after): it would only re-scan the graph.
    """
    collector_was_on = gc.isenabled()
    gc.disable()
    try:
        _backward(root, seed, create_graph, stop, observer)
    finally:
        if collector_was_on:
            gc.enable()


def _backward(
    root: Any,
    seed: Any,
    create_graph: bool,
    stop: frozenset[Any] | set[Any],
    observer: Callable[[Step], None] | None,
) -> None:
    order = _walk(root, stop)
    kind = type(root)
    # A node kind whose class says `requires_grad = True` (Value) has no constants, so
    # the check per input can be skipped (reading a class attribute through each
    # instance is a measurable part of the loop on large scalar graphs).
    every_input = getattr(kind, "requires_grad", None) is True
    fast = observer is None and not create_graph
    # A node kind that names `_grad_type` (Tensor: np.ndarray) keeps its gradient in the
    # slot `_grad` behind a `grad` setter that checks what it is given (an ndarray of the
    # node's own dtype). The array loop reads and writes that slot directly, and sends
    # anything the check would change (another type or dtype) through the setter.
    exact = None if every_input else getattr(kind, "_grad_type", None)
    arrays = fast and exact is not None
    # Interior gradients are recomputed, not accumulated. Where writing a gradient
    # costs more than reading it, only the gradients left by an earlier pass are
    # cleared; on a fresh graph there are none.
    if every_input:
        for node in order:
            node.grad = None
    elif arrays:
        for node in order:
            if node._grad is not None:
                node._grad = None
    else:
        for node in order:
            if node.grad is not None:
                node.grad = None
    before = root.grad
    seeded = seed if before is None else before + seed
    if arrays and type(seeded) is exact and seeded.dtype is root._data.dtype:
        root._grad = seeded
    else:
        root.grad = seeded

    # The loops for raw data inline, for their node kinds, exactly the accumulation
    # `_propagate` performs (same rules, same order, same arithmetic): the generic
    # version's argument packing costs more than the arithmetic on scalars and small
    # arrays. Grad mode is set and restored directly: a context manager here costs about
    # a microsecond per pass, measurable on small Tensor networks.
    previous_mode = grad_mode.enabled
    grad_mode.enabled = create_graph
    try:
        if fast and every_input:
            _chain_rule_without_constants(order)
        elif arrays:
            _chain_rule_on_arrays(order, exact, getattr(kind, "_sum_to_shape", sum_to_shape))
        else:
            steps = _StepCounter(observer)
            for node in reversed(order):
                _propagate(node, node.parents, create_graph, steps)
    finally:
        grad_mode.enabled = previous_mode


def _chain_rule_on_arrays(order: list[Any], exact: Any, sum_to: Callable[..., Any]) -> None:
    """The chain rule over ``order`` (reversed) on raw data, for node kinds that keep
    gradients of the type ``exact`` in the slot ``_grad`` (Tensor).

    The same rules run in the same order with the same arithmetic as in
    :func:`_propagate`. An :func:`unchanged` rule (``a + b``) is not called. The
    contribution to an input that was broadcast (a bias added to a batch) is summed back
    to its shape with ``sum_to`` (the kind's ``_sum_to_shape``) when the shapes differ;
    most contributions already have their input's shape. A sum that is an ``exact``
    array of its input's dtype is stored straight into the slot (what the ``grad``
    setter would do, without the call); anything else goes through the setter. Ops
    with more than two inputs (a fused layer x @ W.T + b) keep them all in ``_b``.
    """
    for node in reversed(order):
        op = node.op
        upstream = node._grad
        rules = op.rules
        a, b = node._a, node._b
        if a is not None:
            if b is None:  # one input
                if a.requires_grad:
                    x = a._data
                    rule = rules[0]
                    c = upstream if rule is unchanged else rule(upstream, node._data, x)
                    if op.broadcasts and c.shape != x.shape:
                        c = sum_to(c, x.shape)
                    g = a._grad
                    if g is not None:
                        c = g + c
                    if type(c) is exact and c.dtype is x.dtype:
                        a._grad = c
                    else:
                        a.grad = c
                continue
            # two inputs, perhaps broadcast (the contribution is then summed back to
            # the input's shape when the shapes differ: a bias added to a batch)
            x, y = a._data, b._data
            if a.requires_grad:
                rule = rules[0]
                c = upstream if rule is unchanged else rule(upstream, node._data, x, y)
                if op.broadcasts and c.shape != x.shape:
                    c = sum_to(c, x.shape)
                g = a._grad
                if g is not None:
                    c = g + c
                if type(c) is exact and c.dtype is x.dtype:
                    a._grad = c
                else:
                    a.grad = c
            if b.requires_grad:
                rule = rules[1]
                c = upstream if rule is unchanged else rule(upstream, node._data, x, y)
                if op.broadcasts and c.shape != y.shape:
                    c = sum_to(c, y.shape)
                g = b._grad
                if g is not None:
                    c = g + c
                if type(c) is exact and c.dtype is y.dtype:
                    b._grad = c
                else:
                    b.grad = c
            continue
        out = node._data  # more than two inputs, all in _b
        inputs = [p._data for p in b]
        for parent, rule in zip(b, rules):
            if parent.requires_grad:
                c = rule(upstream, out, *inputs)
                if op.broadcasts and c.shape != parent._data.shape:
                    c = sum_to(c, parent._data.shape)
                g = parent.grad
                parent.grad = c if g is None else g + c


def unchanged(g: Any, out: Any, *inputs: Any) -> Any:
    """The derivative rule of an input whose local derivative is 1 (both inputs of
    ``a + b``, the first of ``a - b``): the gradient passes on unchanged.

    Node kinds may write it in their op tables where a rule is ``lambda g, out, a, b: g``;
    the engine's fast loops then skip the call (half of a network's nodes are sums).
    """
    return g


def _chain_rule_without_constants(order: list[Any]) -> None:
    """The chain rule over ``order`` (reversed) on raw data, for node kinds whose every
    node takes gradients (``requires_grad = True`` on the class: Value).

    It is the fast path of :func:`_backward` without the tests that cannot fail on such a
    graph (observer, requires_grad) and without calling :func:`unchanged` rules: 14% fewer
    instructions for a scalar network's chain rule. The same rules run in the same order
    with the same arithmetic as in :func:`_propagate`, which it hands the rare nodes with
    arrays among the scalars (``broadcasts``) or more than two inputs.
    """
    no_steps = _StepCounter(None)
    for node in reversed(order):
        op = node.op
        a = node._a
        if a is None or op.broadcasts:
            _propagate(node, parents_of(node), False, no_steps)
            continue
        upstream = node.grad
        rules = op.rules
        b = node._b
        if b is None:  # one input
            rule = rules[0]
            c = upstream if rule is unchanged else rule(upstream, node._data, a._data)
            g = a.grad
            a.grad = c if g is None else g + c
            continue
        out, x, y = node._data, a._data, b._data
        rule = rules[0]
        c = upstream if rule is unchanged else rule(upstream, out, x, y)
        g = a.grad
        a.grad = c if g is None else g + c
        rule = rules[1]
        c = upstream if rule is unchanged else rule(upstream, out, x, y)
        g = b.grad
        b.grad = c if g is None else g + c


class _StepCounter:
    """Numbers the steps handed to an observer (``None``: nobody is watching), and
    remembers which inputs have received gradient in this pass."""

    __slots__ = ("observer", "index", "received")

    def __init__(self, observer: Callable[[Step], None] | None) -> None:
        self.observer = observer
        self.index = 0
        self.received: set[Any] = set()


def _propagate(
    node: Any, parents: tuple[Any, ...], create_graph: bool, steps: _StepCounter
) -> None:
    """The chain rule at one node: send its gradient to each input that needs one."""
    op = node.op
    upstream = node.grad
    if create_graph:
        out, inputs = node, parents
    else:
        out, inputs = node._data, tuple(p._data for p in parents)
    for position, parent in enumerate(parents):
        if not parent.requires_grad:
            continue
        contribution = op.rules[position](upstream, out, *inputs)
        summed_from = None
        if op.broadcasts:
            full_shape = tuple(contribution.shape)
            sum_to = getattr(type(parent), "_sum_to_shape", sum_to_shape)
            contribution = sum_to(contribution, parent._data.shape)
            if full_shape != parent._data.shape:
                summed_from = full_shape
        before = parent.grad
        parent.grad = contribution if before is None else before + contribution
        if steps.observer is not None:
            shared = parent in steps.received
            steps.received.add(parent)
            steps.observer(
                Step(
                    steps.index,
                    node,
                    position,
                    parent,
                    upstream,
                    contribution,
                    before,
                    parent.grad,
                    summed_from,
                    shared,
                )
            )
            steps.index += 1


def sum_to_shape(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum a gradient back to the shape of an input that was broadcast.

    When NumPy broadcasting stretches an input of shape ``(1, 3)`` to ``(4, 3)``, each
    of its numbers is used four times, so its gradient is the sum of the four
    gradients that arrive (the sum rule, once per copy). This sums over the leading
    dimensions broadcasting added and over every dimension that was 1 in the input.
    Works on ndarrays and on Tensors alike (it only uses ``.shape``, ``.sum`` and
    ``.reshape``). A node kind may name, as the class attribute ``_sum_to_shape``, a
    function with this signature that gives the same sums faster on its own arrays
    (Tensor sums a bias's gradient over the batch as a matrix-vector product); backward
    then calls that one instead.
    """
    grad_shape = tuple(grad.shape)
    shape = tuple(shape)
    if grad_shape == shape:
        return grad
    extra = len(grad_shape) - len(shape)
    if extra == 1 and grad_shape[1:] == shape:  # the common case: a bias added to a batch
        return grad.sum(axis=0)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, size in enumerate(shape) if size == 1 and grad_shape[extra + i] != 1
    )
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def zero_grad(*nodes_or_collections: Any) -> None:
    """Set the gradient of every given node (or of every node in given iterables) to zero.

    ``Value`` gradients become ``0.0``; ``Tensor`` gradients become ``None`` (as
    PyTorch's ``zero_grad(set_to_none=True)``).
    """
    for item in nodes_or_collections:
        nodes = [item] if hasattr(item, "zero_grad") else list(item)
        for node in nodes:
            node.zero_grad()


# ----------------------------------------------------------------------------- forward mode


def push_tangents(
    root: Any,
    seeds: dict[Any, Any],
    *,
    create_graph: bool = False,
    counter: list[int] | None = None,
) -> Any:
    """Forward mode: the tangent of ``root`` when the nodes in ``seeds`` move along their
    tangents (a Jacobian-vector product), or ``None`` when ``root`` does not depend on them.
    ``root`` may be a list of nodes: one pass then gives the list of their tangents.

    The tangents travel in topological order, from the seeded nodes towards ``root``, each
    node's tangent computed from its inputs' by its op's ``tangent`` rule (see :class:`Op`):
    the chain rule read forwards, one pass per direction, whatever the number of outputs.
    The graph was recorded by the forward pass; nodes in ``seeds`` count as leaves. With
    ``create_graph=True`` the rules run on nodes, so the tangent is a node that can be
    differentiated again (forward over reverse, reverse over forward). ``counter``, when
    given, has ``counter[0]`` increased by the number of rules applied.
    """
    roots = list(root) if isinstance(root, (list, tuple)) else [root]
    order: list[Any] = []
    found: set[Any] = set()
    for one_root in roots:  # the first appearances of the roots' orders: still topological
        for node in topological_order(one_root, set(seeds)):
            if node not in found:
                found.add(node)
                order.append(node)
    tangents: dict[Any, Any] = dict(seeds)
    applied = 0
    previous_mode = grad_mode.enabled
    grad_mode.enabled = create_graph
    try:
        for node in order:
            if node.op is None or node in seeds:
                continue
            parents = node.parents
            ts = [tangents.get(p) for p in parents]
            if all(t is None for t in ts):
                continue
            tangents[node] = _tangent_at(node, parents, ts, create_graph)
            applied += sum(t is not None for t in ts)
    finally:
        grad_mode.enabled = previous_mode
    if counter is not None:
        counter[0] += applied
    if isinstance(root, (list, tuple)):
        return [tangents.get(one_root) for one_root in roots]
    return tangents.get(root)


def _tangent_at(node: Any, parents: tuple[Any, ...], ts: list[Any], create_graph: bool) -> Any:
    """One node's tangent from its inputs' tangents (``None`` for zero)."""
    op: Op = node.op
    out = node if create_graph else node.data
    inputs = parents if create_graph else tuple(p.data for p in parents)
    if op.tangent is not None:
        return op.tangent(ts, out, *inputs)
    shape = getattr(node.data, "shape", None)
    if shape is not None and node.data.size == 1:
        # One output number from arrays (a loss): the tangent is <gradient, input tangent>,
        # each gradient from the backward rule seeded with 1.
        total: Any = None
        seed = node._seed(create_graph)
        for position, (parent, t) in enumerate(zip(parents, ts)):
            if t is None:
                continue
            g = sum_to_shape(op.rules[position](seed, out, *inputs), parent.data.shape)
            term = (g * t).sum().reshape(shape)
            total = term if total is None else total + term
        return total
    if shape is not None and not op.elementwise:
        raise NotImplementedError(
            f"forward mode through a {op.name!r} op: it has no tangent rule and is not marked "
            "elementwise (give its Op a tangent=..., see engine.Op); reverse mode works"
        )
    total = None
    for position, t in enumerate(ts):
        if t is not None:
            c = op.rules[position](t, out, *inputs)
            total = c if total is None else total + c
    if shape is not None and tuple(total.shape) != shape:
        # An input was broadcast and only it moved: stretch its tangent to the output.
        total = total * node._seed(create_graph)
    return total
