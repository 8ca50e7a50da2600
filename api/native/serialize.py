"""Records to JSON-ready dicts: snake_case keys, RFC 3339 UTC times,
cpu in millicores and memory in MiB as integers, GPU in GPUs (``0.5``,
``2``; a node's capacity in whole devices), present only where there is GPU
(so records without show as they always have). A task's and a template's
placement constraints show only when set, as
:meth:`actors.domain.constraints.Constraints.to_json` gives them."""

from __future__ import annotations

import datetime
import functools
import math
import time
from typing import Any

from actors.domain import namespaces
from actors.domain.models import Deployment, Node, Resources, Task, TaskTemplate


def rfc3339(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return _rfc3339(seconds)


_LAST_SECOND = 253_402_300_799  # 9999-12-31T23:59:59Z


def _rfc3339(seconds: float) -> str:
    """What ``datetime.fromtimestamp(seconds, utc).isoformat(timespec=
    "milliseconds")`` says (rounded half-even to the microsecond, then cut
    to the millisecond), at about a quarter of its cost (1.0 against 3.9
    microseconds): the date and time of the whole second are remembered,
    and a replay writes millions of events, each at its own millisecond.
    Tested against datetime's own (tests/api/native/test_serialize.py)."""
    fraction, whole = math.modf(seconds)
    micro = round(fraction * 1e6)
    second = int(whole)
    if micro >= 1_000_000:
        second, micro = second + 1, micro - 1_000_000
    elif micro < 0:
        second, micro = second - 1, micro + 1_000_000
    if not 0 <= second <= _LAST_SECOND:
        return _by_datetime(seconds)
    return f"{_second(second)}.{micro // 1000:03d}Z"


@functools.lru_cache(maxsize=4096)
def _second(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


def _by_datetime(seconds: float) -> str:
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def gpus(milli: int) -> int | float:
    """Milli-GPU as GPUs: 2 for 2000, 0.5 for 500."""
    return milli // 1000 if milli % 1000 == 0 else milli / 1000


def resources(r: Resources, with_gpu: bool = False) -> dict[str, Any]:
    if r.gpu or with_gpu:
        return {"cpu": r.cpu, "memory": r.memory, "gpu": gpus(r.gpu)}
    return {"cpu": r.cpu, "memory": r.memory}


def node(n: Node) -> dict[str, Any]:
    shown = {
        "id": n.id,
        "healthy": n.healthy,
        "schedulable": n.schedulable,
        "simulated": n.simulated,
        "capacity": resources(n.capacity),
        "allocated": resources(n.allocated, with_gpu=n.capacity.gpu > 0),
        "labels": dict(n.labels),
        "last_heartbeat": rfc3339(n.last_heartbeat),
        "created_at": rfc3339(n.created_at),
        "version": n.version,
    }
    if n.capacity.gpu:
        shown["gpu_allocation"] = [gpus(1000 - free) for free in n.gpu_free()]
    if n.taints:
        shown["taints"] = [{"key": t.key, "value": t.value, "effect": t.effect} for t in n.taints]
    return shown


def tolerations(found) -> list[dict[str, Any]]:
    shown = []
    for t in found:
        item: dict[str, Any] = {"key": t.key, "operator": t.operator, "value": t.value, "effect": t.effect}
        if t.seconds is not None:
            item["toleration_seconds"] = t.seconds
        shown.append(item)
    return shown


def task(t: Task) -> dict[str, Any]:
    """A task; ``id`` is its name in its ``namespace`` (see
    :mod:`actors.domain.namespaces`), what ``/tasks/{id}?namespace=`` takes."""
    namespace, name = namespaces.split(t.id)
    return {
        "id": name,
        "namespace": namespace,
        "name": t.name,
        "status": t.status.value,
        "node": t.node,
        "resources": resources(t.resources),
        "node_selector": dict(t.node_selector),
        "duration": t.duration,
        "outcome": t.outcome.value,
        "attempts": t.attempts,
        "message": t.message,
        "created_at": rfc3339(t.created_at),
        "scheduled_at": rfc3339(t.scheduled_at),
        "started_at": rfc3339(t.started_at),
        "finished_at": rfc3339(t.finished_at),
        "owner": namespaces.name_of(t.owner) if t.owner is not None else None,
        "template_hash": t.template_hash,
        "labels": dict(t.labels),
        "priority": t.priority,
        "preemption_policy": t.preemption_policy,
        "nominated_node": t.nominated_node,
        "version": t.version,
    } | _task_extras(t)


def _task_extras(t: Task) -> dict[str, Any]:
    """What only some tasks have: node affinity, the GPU devices held,
    tolerations, placement constraints."""
    extras: dict[str, Any] = {}
    if t.node_affinity:
        extras["node_affinity"] = affinity(t.node_affinity)
    if t.gpu_devices:
        extras["gpu_devices"] = list(t.gpu_devices)
    if t.tolerations:
        extras["tolerations"] = tolerations(t.tolerations)
    if t.constraints:
        extras.update(t.constraints.to_json())
    return extras


def affinity(terms) -> list[list[dict[str, Any]]]:
    return [[{"key": r.key, "operator": r.operator, "values": list(r.values)} for r in term] for term in terms]


def event(e) -> dict[str, Any]:
    shown = {
        "seq": e.seq,
        "time": rfc3339(e.time),
        "kind": e.kind,
        "object": e.object,
        "reason": e.reason,
        "message": e.message,
    }
    if e.kind != "node":
        shown["namespace"], shown["object"] = namespaces.split(e.object)
    return shown


def template(t: TaskTemplate) -> dict[str, Any]:
    shown = {
        "resources": resources(t.resources),
        "node_selector": dict(t.node_selector),
        "duration": t.duration,
        "outcome": t.outcome.value,
        "labels": dict(t.labels),
        "priority": t.priority,
        "preemption_policy": t.preemption_policy,
    }
    if t.node_affinity:
        shown["node_affinity"] = affinity(t.node_affinity)
    if t.tolerations:
        shown["tolerations"] = tolerations(t.tolerations)
    if t.constraints:
        shown.update(t.constraints.to_json())
    return shown


def deployment(d: Deployment) -> dict[str, Any]:
    namespace, name = namespaces.split(d.id)
    return {
        "id": name,
        "namespace": namespace,
        "replicas": d.replicas,
        "ready": d.ready,
        "available": d.available,
        "template": template(d.template),
        "template_hash": d.template_hash,
        "created_at": rfc3339(d.created_at),
        "version": d.version,
    }
