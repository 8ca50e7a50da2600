"""Optimistic concurrency: re-read and retry when another writer got there first."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from actors.domain.errors import VersionConflict
from actors.domain.models import Record, kind_of

T = TypeVar("T")

ATTEMPTS = 20


def retry_on_conflict(attempt: Callable[[int | None], T], expected_version: int | None) -> T:
    """Run ``attempt`` (a read-modify-write) until it does not meet a stale
    version. A caller that named the version it expects gets the conflict
    instead: that is the point of naming it."""
    for _ in range(ATTEMPTS - 1):
        try:
            return attempt(expected_version)
        except VersionConflict:
            if expected_version is not None:
                raise
    return attempt(expected_version)


def check_version(record: Record, expected: int | None) -> None:
    """Raise VersionConflict unless ``expected`` is None or the record's version."""
    if expected is not None and record.version != expected:
        raise VersionConflict(kind_of(record), record.id, expected, record.version)
