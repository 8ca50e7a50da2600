"""Is a concurrent history of one register linearizable? Wing and Gong's
search, with Lowe's memo of (operations done, state) already explored.

An :class:`Op` is one client's call: invoked at ``invoked``, answered at
``completed`` with an ``outcome``: ``ok``, ``failed`` (a definite refusal:
it did not take effect; a compare-and-set that found another value is
``ok`` with ``value`` False, see below) or ``unknown`` (a timeout or a 503:
it may have taken effect at any time after it was invoked, or never).

The register holds a value, None when absent. Every written value is unique
in a history (the clients write tokens), so a value names the write that put
it there; the record versions the server answers with are etcd revisions,
global and not per key, so :mod:`tests.faults.history` turns a version into
the value it was seen with before the check. Kinds:

- ``read``: answered the value in ``value`` (None: 404, absent);
- ``write``: sets ``arg``;
- ``cas``: ``arg = (expected, new)``; ``value`` True when it swapped, False
  when the register held something else (a 409). A create is a ``cas`` from
  None; a delete that names a version is a ``cas`` to None;
- ``delete``: empties the register; ``value`` True when there was something
  to delete (204), False when it was already absent (404).

A history is linearizable when every ``ok`` operation (and any subset of
the ``unknown`` writes, swaps and deletes) can be put in one order that
respects real time (an operation answered before another was invoked comes
first) and in which each one's answer is what the register gives. Histories
per key stay small (the clients move to fresh keys as a run goes on), so an
exhaustive search is fine.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

KINDS = ("read", "write", "cas", "delete")


@dataclasses.dataclass(frozen=True)
class Op:
    process: int
    kind: str  # read, write, cas, delete
    arg: Any = None
    value: Any = None
    invoked: float = 0.0
    completed: float = math.inf
    outcome: str = "ok"  # ok, failed, unknown
    key: str = ""
    server: int = -1  # which server answered (-1: none named)
    note: str = ""  # the answer's status or exception, for a person reading a failing window

    @property
    def required(self) -> bool:
        return self.outcome == "ok"

    @property
    def ends(self) -> float:
        return self.completed if self.outcome == "ok" else math.inf


_EMPTY = object()  # the register's state can be None (absent); this marks "no state"


def step(state: Any, op: Op) -> Any:
    """The state after ``op`` if its answer is what the register gives, else ``_EMPTY``."""
    known = op.outcome == "ok"
    if op.kind == "read":
        return state if not known or op.value == state else _EMPTY
    if op.kind == "write":
        return op.arg
    if op.kind == "cas":
        expected, new = op.arg
        swapped = expected == state
        if known and op.value is not swapped:
            return _EMPTY
        return new if swapped else state
    if op.kind == "delete":
        deleted = state is not None
        if known and op.value is not deleted:
            return _EMPTY
        return None
    raise ValueError(f"unknown kind {op.kind!r}")


def linearizable(history: Sequence[Op], initial: Any = None) -> bool:
    """Whether ``history`` (of one register) is linearizable; ``failed``
    operations and unanswered reads are left out, as they change nothing."""
    ops = [op for op in history if op.outcome == "ok" or (op.outcome == "unknown" and op.kind != "read")]
    required = frozenset(i for i, op in enumerate(ops) if op.required)
    seen: set[tuple[frozenset[int], Any]] = set()

    def search(done: frozenset[int], state: Any) -> bool:
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
            if after is not _EMPTY and search(done | {i}, after):
                return True
        return False

    return search(frozenset(), initial)


def smallest_failing_window(history: Sequence[Op], initial: Any = None) -> list[Op]:
    """The shortest run of consecutive operations (by invocation) that is
    not linearizable on its own, starting from any state a prefix could have
    left (the initial one, or any value written): what a failing run prints
    to point at the bug. Empty when the history is fine."""
    if linearizable(history, initial):
        return []
    ordered = sorted(history, key=lambda op: op.invoked)
    states = {initial, None} | {op.arg if op.kind == "write" else op.arg[1] for op in ordered
                                if op.kind in ("write", "cas")}
    for size in range(1, len(ordered) + 1):
        for start in range(len(ordered) - size + 1):
            window = ordered[start:start + size]
            if all(not linearizable(window, s) for s in states):
                return window
    return ordered
