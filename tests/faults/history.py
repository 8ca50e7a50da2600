"""What the clients did, as recorded: one :class:`Call` per request, and
its translation into the checker's operations.

A call is recorded as it happened over HTTP: a register's compare-and-set
names the *version* it expects (``If-Match``), and answers carry versions.
Versions are etcd revisions, global to the store, so they cannot be counted
per key; but every value a client writes is unique, so each version seen
belongs to one value. :func:`to_ops` learns which from every answer that
showed both (reads, and writes that succeeded), turns each expected version
into the value it was seen with, and reports a version seen with two values
(or a value with two versions) as a problem of its own: a register that did
that has lost or invented a write whatever the order.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from tests.faults.checker import Op


@dataclasses.dataclass
class Call:
    process: int
    key: str
    kind: str  # read, write, cas, delete (a create is a cas from None)
    arg: Any = None  # write: the value; cas: [expected version or None, new value]
    value: Any = None  # read: the value seen; cas and delete: whether it took effect
    version: int | None = None  # the version an ok answer carried
    invoked: float = 0.0
    completed: float = 0.0
    outcome: str = "ok"  # ok, failed, unknown
    server: int = -1
    note: str = ""  # the status or the exception


class Recorder:
    """Calls from many client threads, timed on one monotonic clock."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._lock = threading.Lock()
        self.clock = time.monotonic

    def add(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)


def versions_seen(calls: Iterable[Call]) -> tuple[dict[int, Any], list[str]]:
    """Which value each version was seen with, and the contradictions."""
    value_of: dict[int, Any] = {}  # versions are revisions: one key's at most
    version_of: dict[tuple[str, Any], int] = {}
    problems = []
    for call in calls:
        if call.outcome != "ok" or call.version is None:
            continue
        if call.kind == "read":
            value = call.value
        elif call.kind == "write":
            value = call.arg
        elif call.kind == "cas" and call.value is True:
            value = call.arg[1]
        else:
            continue
        seen = value_of.setdefault(call.version, value)
        if seen != value:
            problems.append(f"{call.key}: version {call.version} seen with {seen!r} and with {value!r}")
        first = version_of.setdefault((call.key, value), call.version)
        if first != call.version and value is not None:
            problems.append(f"{call.key}: value {value!r} seen at versions {first} and {call.version}")
    return value_of, problems


def to_ops(calls: Iterable[Call]) -> tuple[dict[str, list[Op]], list[str]]:
    """The checker's operations per key, and the problems found on the way."""
    calls = list(calls)
    value_of, problems = versions_seen(calls)
    per_key: dict[str, list[Op]] = defaultdict(list)
    for call in calls:
        arg = call.arg
        if call.kind == "cas" and arg[0] is not None:
            expected = arg[0]
            if expected not in value_of:
                problems.append(f"{call.key}: a swap expected version {expected}, which no answer showed")
                continue
            arg = (value_of[expected], arg[1])
        elif call.kind == "cas":
            arg = (None, arg[1])
        per_key[call.key].append(Op(call.process, call.kind, arg, call.value, call.invoked, call.completed,
                                    call.outcome, call.key, call.server, call.note))
    return dict(per_key), problems


def write_jsonl(path: str, records: Iterable[Any]) -> None:
    with open(path, "w") as f:
        for record in records:
            f.write(json.dumps(dataclasses.asdict(record)) + "\n")


def read_calls(path: str) -> list[Call]:
    with open(path) as f:
        return [Call(**json.loads(line)) for line in f if line.strip()]
