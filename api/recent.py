"""A memo that forgets what nobody asked for lately.

``functools.lru_cache`` bounds a memo by count alone: under churn (tasks
made and deleted all day) it fills up with the keys of records long gone and
holds them until its count is reached, which at a busy server's pace takes
hours, so the process grows all that time. :class:`RecentMemo` keeps two
generations: a value asked for goes into the young one; every ``period``
seconds (or when the young one reaches ``max_size``) the young becomes the
old and the old is dropped. What is asked for again within a period stays;
what is not is gone after two. Memory is what was asked for in the last two
periods at most, so it levels off after two periods whatever the churn.

Thread-safe enough for a memo: dict reads and writes are atomic under the
GIL; two threads missing at once both compute, and one result wins.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class RecentMemo(Generic[V]):
    def __init__(self, compute: Callable[..., V], period: float = 150.0, max_size: int = 1 << 17,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.compute = compute
        self.period = period
        self.max_size = max_size
        self.clock = clock
        self._young: dict[Hashable, V] = {}
        self._old: dict[Hashable, V] = {}
        self._rotated = clock()

    def __call__(self, *key: Hashable) -> V:
        try:
            return self._young[key]
        except KeyError:
            pass
        value = self._old.get(key, _MISSING)
        if value is _MISSING:
            value = self.compute(*key)
        if len(self._young) >= self.max_size or self.clock() - self._rotated >= self.period:
            self._old, self._young, self._rotated = self._young, {}, self.clock()
        self._young[key] = value
        return value

    def __len__(self) -> int:
        return len(self._young) + len(self._old)


_MISSING = object()
