"""Our own workload format for ``orchestrator simulate replay``: YAML, or
JSON lines. ``scripts/example-workload.yaml`` shows every part.

Times (``at``, ``withdraw_at``) are seconds from the start of the replay.
Every node, task and deployment is written as the native API takes it
(``POST /nodes``, ``POST /tasks``, ``POST /deployments``: the same fields,
checked by the same validation, so an error names the field as the API
would), with a few fields of the replay's own:

- ``nodes``: registered at time 0. A node with ``simulated: false`` sends a
  heartbeat every ``heartbeat_every`` seconds (top level, default 10) until
  a ``fail`` (or ``stop_heartbeats``) event; the controller then finds it
  silent ``--node-timeout`` seconds after its last one.
- ``tasks``: ``at`` (required) the arrival; ``count`` (default 1) that many
  alike, named ``ID-1``, ``ID-2``, ...; ``withdraw_at`` takes it away then
  (withdrawn if still pending, deleted if running). ``duration`` counts from
  its start; ``outcome`` succeeded or failed. A task id (as given or as
  made from ``count``) may appear once only, as may a deployment's.
- ``deployments``: ``at`` (default 0) when it is made; ``scale``: a list of
  ``{at, replicas}``.
- ``node_events``: ``{at, node, action}``, the action one of ``fail``,
  ``recover``, ``cordon``, ``uncordon``, ``remove``, ``stop_heartbeats``, or
  ``add`` with ``node`` a whole node.

In JSON lines, each line is one object with a ``type`` (``node``,
``task``, ``deployment``, ``node_event``, or ``settings`` for
``heartbeat_every``) and that part's fields.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
import yaml

from actors.domain.errors import ValidationError
from actors.domain.models import DeploymentSpec, NodeSpec, TaskSpec
from actors.simulation.workload import NODE_ACTIONS, Arrival, Deploy, Event, NodeEvent, Scale, Workload
from api.native import validation

MAX_COUNT = 1_000_000


class WorkloadError(ValueError):
    """A workload file that cannot be read: names the file and the field."""


def read(path: str | Path, nodes_path: str | Path | None = None) -> Workload:
    path = Path(path)
    sections = _sections(path)
    if nodes_path is not None:
        extra = _sections(Path(nodes_path))
        sections["node"] = extra.get("node", []) + sections.get("node", [])
    try:
        return _workload(path.stem, sections)
    except ValidationError as exc:
        raise WorkloadError(f"{path}: {exc.field}: {exc.message}") from None


def _sections(path: Path) -> dict[str, Any]:
    """``{"node": [...], "task": [...], "deployment": [...], "node_event": [...], "settings": {...}}``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WorkloadError(f"{path}: cannot be read: {exc.strerror}") from None
    if path.suffix == ".jsonl":
        found: dict[str, Any] = {"node": [], "task": [], "deployment": [], "node_event": [], "settings": {}}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise WorkloadError(f"{path}:{number}: not JSON: {exc}") from None
            if not isinstance(item, dict) or item.get("type") not in found:
                raise WorkloadError(f"{path}:{number}: each line is an object whose type is one of "
                                    f"{', '.join(found)}")
            kind = item.pop("type")
            if kind == "settings":
                found["settings"].update(item)
            else:
                found[kind].append(item)
        return found
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise WorkloadError(f"{path}: not YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise WorkloadError(f"{path}: must be a mapping with nodes, tasks, deployments and node_events")
    unknown = sorted(set(data) - {"nodes", "tasks", "deployments", "node_events", "heartbeat_every"})
    if unknown:
        raise WorkloadError(f"{path}: unknown section {unknown[0]!r}; allowed: nodes, tasks, deployments, "
                            "node_events, heartbeat_every")
    found = {"settings": {"heartbeat_every": data["heartbeat_every"]} if "heartbeat_every" in data else {}}
    for key, kind in (("nodes", "node"), ("tasks", "task"), ("deployments", "deployment"),
                      ("node_events", "node_event")):
        items = data.get(key) or []
        if not isinstance(items, list):
            raise WorkloadError(f"{path}: {key} must be a list")
        found[kind] = items
    return found


def _time(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValidationError(field, "must be a number of seconds from the start, 0 or more")
    return float(value)


def _pop(item: object, field: str, *keys: str) -> tuple[dict[str, Any], list[Any]]:
    if not isinstance(item, dict):
        raise ValidationError(field, "must be a mapping")
    body = dict(item)
    return body, [body.pop(k, None) for k in keys]


def _workload(name: str, sections: Mapping[str, Any]) -> Workload:
    nodes = [_checked(validation.node_spec, _pop(n, f"nodes[{i}]")[0], f"nodes[{i}]")
             for i, n in enumerate(sections.get("node", []))]
    seen_nodes: set[str] = set()
    for i, node in enumerate(nodes):
        _first_time(seen_nodes, "node", node.id, f"nodes[{i}].id")
    events: list[tuple[float, Event]] = []
    task_ids: set[str] = set()
    for i, item in enumerate(sections.get("task", [])):
        where = f"tasks[{i}]"
        body, (at, count, withdraw_at) = _pop(item, where, "at", "count", "withdraw_at")
        if at is None:
            raise ValidationError(f"{where}.at", "is required: the arrival, seconds from the start")
        at = _time(at, f"{where}.at")
        leave = None if withdraw_at is None else _time(withdraw_at, f"{where}.withdraw_at")
        count = 1 if count is None else count
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
            raise ValidationError(f"{where}.count", f"must be a whole number from 1 to {MAX_COUNT}")
        spec = _checked(validation.task_spec, body, where)
        base = spec.id or f"task-{i}"
        for k in range(count):
            task_id = base if count == 1 and spec.id else f"{base}-{k + 1}"
            _first_time(task_ids, "task", task_id, f"{where}.id")
            events.append((at, Arrival(_with_id(spec, task_id), leave_at=leave)))
    seen_deployments: set[str] = set()
    for i, item in enumerate(sections.get("deployment", [])):
        where = f"deployments[{i}]"
        body, (at, scale) = _pop(item, where, "at", "scale")
        at = 0.0 if at is None else _time(at, f"{where}.at")
        spec: DeploymentSpec = _checked(validation.deployment_spec, body, where)
        _first_time(seen_deployments, "deployment", spec.id, f"{where}.id")
        events.append((at, Deploy(spec)))
        for j, step in enumerate(scale or []):
            step_body, (when, replicas) = _pop(step, f"{where}.scale[{j}]", "at", "replicas")
            if step_body:
                raise ValidationError(f"{where}.scale[{j}]", "takes at and replicas only")
            events.append((_time(when, f"{where}.scale[{j}].at"),
                           Scale(spec.id, validation.replicas(replicas, f"{where}.scale[{j}].replicas"))))
    for i, item in enumerate(sections.get("node_event", [])):
        where = f"node_events[{i}]"
        body, (at, node, action) = _pop(item, where, "at", "node", "action")
        if body:
            raise ValidationError(f"{where}.{next(iter(body))}", "unknown field; a node event takes at, node, action")
        when = _time(at, f"{where}.at")
        if action not in NODE_ACTIONS:
            raise ValidationError(f"{where}.action", f"must be one of {', '.join(NODE_ACTIONS)}, not {action!r}")
        if action == "add":
            spec_node: NodeSpec = _checked(validation.node_spec, _pop(node, f"{where}.node")[0], f"{where}.node")
            events.append((when, NodeEvent(spec_node.id, "add", spec_node)))
        else:
            if not isinstance(node, str) or not node:
                raise ValidationError(f"{where}.node", "is required: the node's id")
            events.append((when, NodeEvent(node, str(action))))
    every = sections.get("settings", {}).get("heartbeat_every", 10.0)
    if isinstance(every, bool) or not isinstance(every, (int, float)) or not 0 < every < math.inf:
        raise ValidationError("heartbeat_every", "must be a positive number of seconds")
    return Workload(name, nodes, events, heartbeat_every=float(every))


def _first_time(seen: set[str], kind: str, record_id: str, field: str) -> None:
    """Note ``record_id`` as seen; a ValidationError naming ``field`` if it was already."""
    if record_id in seen:
        raise ValidationError(field, f"{kind} '{record_id}' is given twice")
    seen.add(record_id)


def _checked(read: Any, body: dict[str, Any], where: str) -> Any:
    """``read(body)`` (the native API's validation), its errors named from ``where``."""
    try:
        return read(body)
    except ValidationError as exc:
        raise ValidationError(f"{where}.{exc.field}" if exc.field else where, exc.message) from None


def _with_id(spec: TaskSpec, task_id: str) -> TaskSpec:
    return dataclasses.replace(spec, id=task_id, name=spec.name if spec.name and spec.id == task_id else task_id)
