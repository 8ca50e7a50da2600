"""A one-shot reply slot that a caller waits on while others complete it.

Like ``pykka.ThreadingFuture`` (same ``get``/``set``/``set_exception``), but
built on the C-level ``queue.SimpleQueue`` instead of a Python-level
``Condition``: it carries the answer of every create request, handed from the
store's writer thread to an HTTP thread, and each hand-off through a
Condition costs the GIL more than the rest of the path.
"""

from __future__ import annotations

import queue
import sys
from typing import Any

import pykka


class Reply:
    def __init__(self) -> None:
        self._slot: queue.SimpleQueue[tuple[bool, Any]] = queue.SimpleQueue()
        self._result: tuple[bool, Any] | None = None

    def set(self, value: Any = None) -> None:
        self._slot.put((True, value))

    def set_exception(self, exc_info: Any = None) -> None:
        """Complete with an exception: an exc_info tuple, or the one being handled."""
        if exc_info is None:
            exc_info = sys.exc_info()
        self._slot.put((False, exc_info[1]))

    def get(self, *, timeout: float | None = None) -> Any:
        """The value, or raise the exception; ``pykka.Timeout`` after ``timeout`` s."""
        if self._result is None:
            try:
                self._result = self._slot.get(timeout=timeout)
            except queue.Empty:
                raise pykka.Timeout(f"{timeout} seconds") from None
        ok, value = self._result
        if not ok:
            raise value
        return value
