"""Server-side tables (``meta.k8s.io/v1 Table``), the form ``kubectl get``
asks for, with kubectl's usual columns. Columns of priority 1 show only
with ``-o wide``. Each row carries the object's metadata
(``PartialObjectMetadata``), from which kubectl adds ``NAMESPACE`` with
``-A`` and ``LABELS`` with ``--show-labels``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from actors.domain.models import Task, TaskStatus
from api.kube import objects

TABLE_MEDIA = "application/json;as=Table;v=v1;g=meta.k8s.io"

Column = tuple[str, str, int, str]  # name, type, priority, description


def wants_table(accept: str | None) -> bool:
    """Whether the client asked for a Table (kubectl's ``Accept`` lists it
    first, then plain JSON as a fallback)."""
    if not accept:
        return False
    for part in accept.split(","):
        params = {p.strip().split("=", 1)[0]: p.strip().split("=", 1)[-1] for p in part.split(";")[1:]}
        if params.get("as") == "Table" and params.get("g", "meta.k8s.io") == "meta.k8s.io":
            return True
    return False


def age(created: str | float | None, now: float | None = None) -> str:
    """kubectl's short human durations: 45s, 5m3s, 3h12m, 4d3h, 2y40d, from
    a timestamp as objects show it or seconds since the epoch."""
    if created is None or created == "":
        return "<unknown>"
    if isinstance(created, str):
        import datetime

        created = datetime.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
    seconds = int((now if now is not None else time.time()) - int(created))
    if seconds < 0:
        return "<invalid>"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if days < 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    return f"{days // 365}y{days % 365}d"


def _ready_pods(pod: dict[str, Any]) -> str:
    statuses = pod["status"].get("containerStatuses", [])
    total = len(pod["spec"].get("containers", []))
    return f"{sum(1 for s in statuses if s.get('ready'))}/{total}"


def _pod_status(pod: dict[str, Any]) -> str:
    status = pod["status"]
    if pod["metadata"].get("deletionTimestamp"):
        return "Terminating"
    if status.get("reason") == objects.PREEMPTED_REASON:
        return objects.PREEMPTED_REASON
    for s in status.get("containerStatuses", []):
        state = s.get("state", {})
        if "waiting" in state:
            return state["waiting"].get("reason", "Waiting")
        if "terminated" in state and status.get("phase") not in ("Succeeded",):
            return state["terminated"].get("reason", "Terminated")
    if status.get("phase") == "Succeeded":
        return "Completed"
    return status.get("phase", "Unknown")


def _pod_row(pod: dict[str, Any], now: float | None = None) -> list[Any]:
    restarts = sum(s.get("restartCount", 0) for s in pod["status"].get("containerStatuses", []))
    return [
        pod["metadata"]["name"], _ready_pods(pod), _pod_status(pod), restarts,
        age(pod["metadata"].get("creationTimestamp"), now),
        pod["status"].get("podIP") or "<none>", pod["spec"].get("nodeName") or "<none>",
        pod["status"].get("nominatedNodeName") or "<none>", "<none>",
    ]


_TASK_STATUS = {TaskStatus.PENDING: "Pending", TaskStatus.SCHEDULED: "ContainerCreating",
                TaskStatus.RUNNING: "Running", TaskStatus.SUCCEEDED: "Completed", TaskStatus.FAILED: "Error"}


def pod_row(t: Task, now: float | None = None) -> tuple[list[Any], dict[str, Any]]:
    """The Table row of a task's pod and its metadata, straight from the
    task: what :func:`_pod_row` shows of :func:`objects.pod`, at a fraction of
    its cost (``kubectl get pods -A`` over 100,000 pods asks for 200 pages)."""
    containers = (t.manifest.get("spec") or {}).get("containers") if t.manifest is not None else None
    total = len(containers) if isinstance(containers, list) else 1
    running = t.status is TaskStatus.RUNNING
    metadata = objects.pod_metadata(t)
    return [
        metadata["name"], f"{total if running else 0}/{total}",
        objects.PREEMPTED_REASON if objects.preempted(t) else _TASK_STATUS[t.status],
        total * max(t.attempts - 1, 0) if t.status is not TaskStatus.PENDING else 0,
        age(t.created_at, now), (objects.pod_ip(t) if t.node else None) or "<none>",
        t.node or "<none>", t.nominated_node or "<none>", "<none>",
    ], metadata


def _node_row(node: dict[str, Any], now: float | None = None) -> list[Any]:
    ready = next((c for c in node["status"]["conditions"] if c["type"] == "Ready"), {})
    state = "Ready" if ready.get("status") == "True" else "NotReady"
    if node["spec"].get("unschedulable"):
        state += ",SchedulingDisabled"
    labels = node["metadata"].get("labels", {})
    roles = sorted(k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/"))
    info = node["status"]["nodeInfo"]
    return [
        node["metadata"]["name"], state, ",".join(roles) or "<none>",
        age(node["metadata"].get("creationTimestamp"), now), info["kubeletVersion"],
        next((a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP"), "<none>"),
        "<none>", info["osImage"], info["kernelVersion"] or "<unknown>", info["containerRuntimeVersion"],
    ]


def _containers(template: dict[str, Any]) -> tuple[str, str]:
    containers = (template.get("spec") or {}).get("containers") or []
    return (",".join(str(c.get("name", "")) for c in containers) or "<none>",
            ",".join(str(c.get("image", "")) for c in containers) or "<none>")


def _selector(spec: dict[str, Any]) -> str:
    labels = (spec.get("selector") or {}).get("matchLabels") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "<none>"


def _deployment_row(d: dict[str, Any], now: float | None = None) -> list[Any]:
    status, spec = d["status"], d["spec"]
    return [d["metadata"]["name"], f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 0)}",
            status.get("updatedReplicas", 0), status.get("availableReplicas", 0),
            age(d["metadata"].get("creationTimestamp"), now), *_containers(spec["template"]), _selector(spec)]


def _replica_set_row(rs: dict[str, Any], now: float | None = None) -> list[Any]:
    status, spec = rs["status"], rs["spec"]
    return [rs["metadata"]["name"], spec.get("replicas", 0), status.get("replicas", 0),
            status.get("readyReplicas", 0), age(rs["metadata"].get("creationTimestamp"), now),
            *_containers(spec["template"]), _selector(spec)]


def _event_row(e: dict[str, Any], now: float | None = None) -> list[Any]:
    involved = e["involvedObject"]
    return [age(e.get("lastTimestamp"), now), e["type"], e["reason"], f"{involved['kind'].lower()}/{involved['name']}",
            e["message"], "", e["source"]["component"], age(e.get("firstTimestamp"), now), e["count"],
            e["metadata"]["name"]]


def _configmap_row(cm: dict[str, Any], now: float | None = None) -> list[Any]:
    return [cm["metadata"]["name"], len(cm.get("data") or {}) + len(cm.get("binaryData") or {}),
            age(cm["metadata"].get("creationTimestamp"), now)]


def _priority_class_row(pc: dict[str, Any], now: float | None = None) -> list[Any]:
    return [pc["metadata"]["name"], pc["value"], bool(pc.get("globalDefault")),
            age(pc["metadata"].get("creationTimestamp"), now), pc.get("preemptionPolicy", "")]


def _namespace_row(ns: dict[str, Any], now: float | None = None) -> list[Any]:
    return [ns["metadata"]["name"], ns["status"]["phase"], age(ns["metadata"].get("creationTimestamp"), now)]


_NAME = ("Name", "string", 0, "Name must be unique within a namespace.")
COLUMNS: dict[str, tuple[list[Column], Callable[[dict[str, Any]], list[Any]]]] = {
    "pods": ([
        _NAME,
        ("Ready", "string", 0, "The aggregate readiness state of this pod for accepting traffic."),
        ("Status", "string", 0, "The aggregate status of the containers in this pod."),
        ("Restarts", "string", 0, "The number of times the containers in this pod have been restarted."),
        ("Age", "string", 0, "Time since the pod was created."),
        ("IP", "string", 1, "IP address allocated to the pod."),
        ("Node", "string", 1, "Name of the node the pod is assigned to."),
        ("Nominated Node", "string", 1, "Name of the node the pod is nominated to."),
        ("Readiness Gates", "string", 1, "Readiness gates of the pod."),
    ], _pod_row),
    "nodes": ([
        _NAME,
        ("Status", "string", 0, "The status of the node."),
        ("Roles", "string", 0, "The roles of the node."),
        ("Age", "string", 0, "Time since the node was created."),
        ("Version", "string", 0, "Kubelet version reported by the node."),
        ("Internal-IP", "string", 1, "The node's internal IP address."),
        ("External-IP", "string", 1, "The node's external IP address."),
        ("OS-Image", "string", 1, "OS image reported by the node."),
        ("Kernel-Version", "string", 1, "Kernel version reported by the node."),
        ("Container-Runtime", "string", 1, "Container runtime reported by the node."),
    ], _node_row),
    "deployments": ([
        _NAME,
        ("Ready", "string", 0, "Number of the pod with ready state"),
        ("Up-to-date", "string", 0, "Total number of non-terminated pods targeted by this deployment that have "
                                    "the desired template spec."),
        ("Available", "string", 0, "Total number of available pods (ready for at least minReadySeconds)."),
        ("Age", "string", 0, "Time since the deployment was created."),
        ("Containers", "string", 1, "Names of each container in the template."),
        ("Images", "string", 1, "Images referenced by each container in the template."),
        ("Selector", "string", 1, "Label selector for pods."),
    ], _deployment_row),
    "replicasets": ([
        _NAME,
        ("Desired", "integer", 0, "Number of desired pods."),
        ("Current", "integer", 0, "Number of actual replicas."),
        ("Ready", "integer", 0, "The number of ready replicas for this replica set."),
        ("Age", "string", 0, "Time since the replica set was created."),
        ("Containers", "string", 1, "Names of each container in the template."),
        ("Images", "string", 1, "Images referenced by each container in the template."),
        ("Selector", "string", 1, "Label selector for pods."),
    ], _replica_set_row),
    "events": ([
        ("Last Seen", "string", 0, "Time since the event was last seen."),
        ("Type", "string", 0, "Normal or Warning."),
        ("Reason", "string", 0, "Why the event happened."),
        ("Object", "string", 0, "The object the event is about."),
        ("Message", "string", 0, "What happened."),
        ("Subobject", "string", 1, "The part of the object."),
        ("Source", "string", 1, "The component that reported it."),
        ("First Seen", "string", 1, "Time since the event was first seen."),
        ("Count", "integer", 1, "How many times it happened."),
        ("Name", "string", 1, "The event's name."),
    ], _event_row),
    "configmaps": ([
        _NAME,
        ("Data", "integer", 0, "How many keys it holds."),
        ("Age", "string", 0, "Time since the config map was created."),
    ], _configmap_row),
    "priorityclasses": ([
        _NAME,
        ("Value", "integer", 0, "The priority of the pods of this class."),
        ("Global-Default", "boolean", 0, "Whether pods without a class take this one's priority."),
        ("Age", "string", 0, "Time since the priority class was created."),
        ("PreemptionPolicy", "string", 1, "Whether its pods may preempt pods of lower priority."),
    ], _priority_class_row),
    "namespaces": ([
        _NAME,
        ("Status", "string", 0, "The status of the namespace."),
        ("Age", "string", 0, "Time since the namespace was created."),
    ], _namespace_row),
}


def table(resource: str, objects: Iterable[dict[str, Any]], list_meta: dict[str, Any],
          rows: Iterable[tuple[list[Any], dict[str, Any]]] | None = None, now: float | None = None) -> dict[str, Any]:
    """A Table of ``objects``; or of ``rows`` (cells and metadata) when the
    caller made them itself. Ages are counted to ``now`` (seconds; the
    control plane's clock, so a simulation shows simulated ages)."""
    columns, row_of = COLUMNS[resource]
    if rows is None:
        rows = ((row_of(obj, now), obj["metadata"]) for obj in objects)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta,
        "columnDefinitions": [
            {"name": name, "type": kind, "format": "name" if name == "Name" else "", "description": text,
             "priority": priority}
            for name, kind, priority, text in columns
        ],
        "rows": [
            {"cells": cells, "object": {
                "kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata}}
            for cells, metadata in rows
        ],
    }
