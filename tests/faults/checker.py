"""Is a concurrent history of one register linearizable? Wing and Gong's
search, with Lowe's memo of (operations done, state) already explored.

An :class:`Op` is one client's call: invoked at ``invoked``, answered at
``completed`` with an ``outcome``: ``ok``, ``failed`` (a definite refusal:
it did not take effect; a compare-and-set that found another version is
``ok`` with ``value`` None, see below) or ``unknown`` (a timeout or a 503:
it may have taken effect at any time after it was invoked, or never).

The register holds ``(value, version)``; ``version`` grows by one on every
write, as a record's version does. Kinds:

- ``read``: answered ``(value, version)`` in ``value``;
- ``write``: sets ``value`` (``arg``);
- ``cas``: ``arg = (expected_version, new_value)``; ``value`` True when it
  swapped, False when the version differed (a 409: it took effect as a
  read that saw another version).

A history is linearizable when every ``ok`` operation (and any subset of
the ``unknown`` writes and swaps) can be put in one order that respects
real time (an operation answered before another was invoked comes first)
and in which each one's answer is what the register gives. Histories per
key stay small (tens of operations), so an exhaustive search is fine.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

State = tuple[Any, int]
INITIAL: State = (None, 0)


@dataclasses.dataclass(frozen=True)
class Op:
    process: int
    kind: str  # read, write, cas
    arg: Any = None
    value: Any = None
    invoked: float = 0.0
    completed: float = math.inf
    outcome: str = "ok"  # ok, failed, unknown

    @property
    def required(self) -> bool:
        return self.outcome == "ok"

    @property
    def ends(self) -> float:
        return self.completed if self.outcome == "ok" else math.inf


def step(state: State, op: Op) -> State | None:
    """The state after ``op`` if its answer is what the register gives, else None."""
    value, version = state
    if op.kind == "read":
        return state if op.outcome != "ok" or tuple(op.value) == state else None
    if op.kind == "write":
        return (op.arg, version + 1)
    if op.kind == "cas":
        expected, new = op.arg
        swapped = expected == version
        if op.outcome == "ok" and op.value is not swapped:
            return None
        return (new, version + 1) if swapped else state
    raise ValueError(f"unknown kind {op.kind!r}")


def linearizable(history: Sequence[Op], initial: State = INITIAL) -> bool:
    """Whether ``history`` (of one register) is linearizable; ``failed``
    operations and unanswered reads are left out, as they change nothing."""
    ops = [op for op in history if op.outcome == "ok" or (op.outcome == "unknown" and op.kind != "read")]
    required = frozenset(i for i, op in enumerate(ops) if op.required)
    seen: set[tuple[frozenset[int], State]] = set()

    def search(done: frozenset[int], state: State) -> bool:
        if required <= done:
            return True
        if (done, state) in seen:
            return False
        seen.add((done, state))
        horizon = min(ops[i].ends for i in range(len(ops)) if i not in done)  # the earliest answer still owed
        for i, op in enumerate(ops):
            if i in done or op.invoked > horizon:
                continue
            after = step(state, op)
            if after is not None and search(done | {i}, after):
                return True
        return False

    return search(frozenset(), initial)


def smallest_failing_window(history: Sequence[Op], initial: State = INITIAL) -> list[Op]:
    """The shortest run of consecutive operations (by invocation) that is
    not linearizable on its own, starting from any state a prefix could have
    left (approximated by trying the states the ops before it wrote): what a
    failing run prints to point at the bug. Empty when the history is fine."""
    if linearizable(history, initial):
        return []
    ordered = sorted(history, key=lambda op: op.invoked)
    states = {initial} | {(op.arg if op.kind == "write" else op.arg[1], v) for op in ordered
                          if op.kind in ("write", "cas") for v in range(len(ordered) + 1)}
    for size in range(1, len(ordered) + 1):
        for start in range(len(ordered) - size + 1):
            window = ordered[start:start + size]
            if all(not linearizable(window, s) for s in states):
                return window
    return ordered
