"""The operations a datastore transaction is made of.

A transaction is a list of operations that apply all together or not at all,
like an etcd transaction: creates, compare-and-swap updates and deletes, and
guards that only check.

Kinds are ``"node"``, ``"task"`` and ``"deployment"`` (see
:func:`actors.domain.models.kind_of`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from actors.domain.models import Record


@dataclasses.dataclass(frozen=True, slots=True)
class Create:
    """Store a new record; fails with AlreadyExists if the id is taken."""

    record: Record


@dataclasses.dataclass(frozen=True, slots=True)
class Update:
    """Replace a record if its stored version is still ``expected_version``."""

    record: Record
    expected_version: int


@dataclasses.dataclass(frozen=True, slots=True)
class Patch:
    """Change some fields of a record if its stored version is still
    ``expected_version``: an Update that does not need the whole record
    built first (one copy instead of two on the binding path)."""

    kind: str
    id: str
    expected_version: int
    changes: Mapping[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class Delete:
    """Remove a record; ``expected_version`` None means any version."""

    kind: str
    id: str
    expected_version: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class RequireNodeReady:
    """Guard: the node exists, is healthy and schedulable (used when binding)."""

    node_id: str


@dataclasses.dataclass(frozen=True, slots=True)
class RequireGpuRoom:
    """Guard: each of the node's ``devices`` has ``each`` milli-GPU free now
    (used with a binding, so that two bindings racing for one device cannot
    both take it)."""

    node_id: str
    devices: tuple[int, ...]
    each: int


@dataclasses.dataclass(frozen=True, slots=True)
class RequireVersion:
    """Guard: the record exists and its version is still ``expected_version``.
    The controller puts it in front of the changes it makes for a deployment,
    so a plan made from a deployment that changed or went away is refused."""

    kind: str
    id: str
    expected_version: int


@dataclasses.dataclass(frozen=True, slots=True)
class DeleteOwnedTasks:
    """Remove every task ``owner`` (a deployment id) owns at the moment the
    transaction applies. Read and delete happen together in the datastore's
    thread, so a task created by the controller just before cannot be left
    behind by a deployment's deletion."""

    owner: str


@dataclasses.dataclass(frozen=True, slots=True)
class DeleteNamespaced:
    """Remove every task and deployment of ``namespace`` (see
    :mod:`actors.domain.namespaces`) there is when the transaction applies:
    a namespace's deletion, read and done in one step like DeleteOwnedTasks."""

    namespace: str


def gpu_guard(task: Any, node_id: str, devices: tuple[int, ...]) -> list[RequireGpuRoom]:
    """The guard a binding of ``task`` on ``devices`` of ``node_id`` needs
    (none without GPU)."""
    if not devices:
        return []
    return [RequireGpuRoom(node_id, tuple(devices), task.resources.gpu // len(devices))]


Op = (Create | Update | Patch | Delete | RequireNodeReady | RequireGpuRoom | RequireVersion | DeleteOwnedTasks
      | DeleteNamespaced)
