"""Which namespace a task or deployment belongs to, read from its id.

A task or deployment in the namespace ``default`` has its name as its id,
as it always had (so the native API, which works in ``default``, is
unchanged); one in another namespace has the id ``NAMESPACE/NAME``. A
native id never holds a ``/``, so the two cannot collide, and the store,
its keys and its history need nothing new. A deployment's tasks are named
from its id, so they land in its namespace without being told.
"""

from __future__ import annotations

DEFAULT = "default"


def key(namespace: str, name: str) -> str:
    """The id of ``name`` in ``namespace``."""
    return name if namespace == DEFAULT else f"{namespace}/{name}"


def namespace_of(record_id: str) -> str:
    namespace, slash, _ = record_id.partition("/")
    return namespace if slash else DEFAULT


def name_of(record_id: str) -> str:
    return record_id.rpartition("/")[2]


def split(record_id: str) -> tuple[str, str]:
    """``(namespace, name)`` of an id."""
    namespace, slash, name = record_id.partition("/")
    return (namespace, name) if slash else (DEFAULT, record_id)


def in_namespace(record_id: str, namespace: str) -> bool:
    """Whether the id is one of ``namespace``'s: cheaper than comparing
    :func:`namespace_of`, as a list filters every task with it."""
    if namespace == DEFAULT:
        return "/" not in record_id
    return record_id.startswith(namespace) and record_id[len(namespace):len(namespace) + 1] == "/"
