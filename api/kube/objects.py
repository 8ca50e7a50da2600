"""Our records seen as Kubernetes objects, and Kubernetes manifests read
into our specs. Pure functions, no Falcon.

- A **node** is a ``v1/Node``: ``spec.unschedulable`` is ``not schedulable``,
  the ``Ready`` condition is ``healthy`` (with ``lastHeartbeatTime``),
  ``status.capacity`` and ``allocatable`` are the node's capacity, and the
  well-known labels ``kubernetes.io/hostname``, ``kubernetes.io/os`` and
  ``kubernetes.io/arch`` are added (a label the node has wins).
- A **task** is a ``v1/Pod`` in the namespace ``default``: one container
  whose ``resources.requests`` are the task's, ``spec.nodeName`` its node,
  and a status derived from the task's (``pending`` -> ``Pending``,
  ``scheduled`` -> ``Pending`` with the container waiting in
  ``ContainerCreating``, ``running`` -> ``Running``, ``succeeded`` and
  ``failed`` -> ``Succeeded`` and ``Failed``).
- A pod manifest becomes a task: the sum of its containers' requests,
  ``nodeSelector``, its labels, node affinity and tolerations (here), its
  placement constraints and priority fields (:mod:`api.kube.placement`),
  and two annotations for what a simulated node does with it:
  :data:`DURATION_ANNOTATION` (seconds it runs, a number; absent: until
  deleted) and :data:`OUTCOME_ANNOTATION` (``Succeeded`` or ``Failed``).
  A pod shows the task's priority, the node it is nominated to, and a
  preempted task as ``Failed`` with reason ``Preempted``.

Times are RFC 3339 in whole seconds, as Kubernetes writes them. ``uid`` is
derived from the kind, name and creation time, so it is stable without being
stored and differs when an object of the same name is made again.
"""

from __future__ import annotations

import datetime
import functools
import uuid
from collections.abc import Mapping
from typing import Any

from actors.domain import namespaces, taints
from actors.domain.errors import ValidationError
from actors.domain.lifecycle import PREEMPTED_PREFIX
from actors.domain.models import Node, Task, TaskStatus
from api.kube.placement import node_selector_term, placement_manifest
from api.native.validation import MAX_TERMS
from api.quantity import cpu_millicores, gpu_milli, memory_mib
from api.recent import RecentMemo

DEFAULT_NAMESPACE = namespaces.DEFAULT
DEFAULT_SCHEDULER = "default-scheduler"
NODE_NAME_SCHEDULER = "(spec.nodeName)"
"""The scheduler a pod created with ``spec.nodeName`` names: none (it is
bound at once, or waits for its node)."""
BUILTIN_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
DURATION_ANNOTATION = "orchestrator.dev/duration-seconds"
SIMULATED_ANNOTATION = "orchestrator.dev/simulated"
OUTCOME_ANNOTATION = "orchestrator.dev/outcome"
IMAGE = "orchestrator.dev/simulated"
KUBELET_VERSION = "v1.29.0-orchestrator"
PODS_PER_NODE = 110
GPU_RESOURCE = "nvidia.com/gpu"
"""Whole GPUs, as NVIDIA's device plugin names them (a pod's limits, a node's capacity)."""
GPU_SHARE_RESOURCE = "orchestrator.dev/gpu-share"
"""A share of one GPU, as a quantity below 1 (``500m`` = half a device)."""
GPU_ALLOCATION_ANNOTATION = "orchestrator.dev/gpu-allocation"
"""On a node with GPUs: the GPUs in use on each device (``1,0.5,0,0``)."""
PREEMPTED_REASON = "Preempted"
"""A preempted pod's ``status.reason``."""
_UID_SPACE = uuid.UUID("6f0f5d1e-3c1b-4d43-9c59-0c2f7a1e4b21")


def timestamp(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return _second(int(seconds))


@functools.lru_cache(maxsize=4096)
def _second(seconds: int) -> str:
    """Cached: a big list renders many objects made in the same second."""
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def uid(kind: str, name: str, created: float) -> str:
    """The object's uid: the same for the same record, another for a record
    made again under the same name."""
    return _uid(kind, name, created)[0]


def _compute_uid(kind: str, name: str, created: float) -> tuple[str, bytes]:
    value = uuid.uuid5(_UID_SPACE, f"{kind}/{name}/{created!r}")
    return str(value), value.bytes


# The uid as text and as bytes, remembered (a SHA-1 each: a list of 100,000
# pods asks for every pod's twice, its uid and its address) while it is asked
# for: a pod deleted long ago is forgotten (see api.recent), so a server that
# makes and deletes pods all day does not grow for hours.
_uid = RecentMemo(_compute_uid)


def cpu_quantity(millicores: int) -> str:
    return str(millicores // 1000) if millicores % 1000 == 0 else f"{millicores}m"


def memory_quantity(mib: int) -> str:
    return f"{mib // 1024}Gi" if mib % 1024 == 0 and mib else f"{mib}Mi"


def node_labels(node: Node) -> dict[str, str]:
    labels = {"kubernetes.io/hostname": node.id, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
    labels.update(node.labels)
    return labels


def node(n: Node) -> dict[str, Any]:
    capacity = {
        "cpu": cpu_quantity(n.capacity.cpu),
        "memory": memory_quantity(n.capacity.memory),
        "pods": str(PODS_PER_NODE),
    }
    annotations = {**n.annotations, SIMULATED_ANNOTATION: "true" if n.simulated else "false"}
    if n.gpus:
        capacity[GPU_RESOURCE] = str(n.gpus)
        annotations[GPU_ALLOCATION_ANNOTATION] = ",".join(
            f"{(1000 - free) / 1000:g}" for free in n.gpu_free())
    heartbeat = timestamp(n.last_heartbeat or n.created_at)
    ready = {
        "type": "Ready",
        "status": "True" if n.healthy else ("Unknown" if not n.simulated else "False"),
        "lastHeartbeatTime": heartbeat,
        "lastTransitionTime": timestamp(n.created_at),
        "reason": "KubeletReady" if n.healthy else "NodeStatusUnknown",
        "message": "kubelet is posting ready status" if n.healthy else "the node is marked unhealthy",
    }
    spec: dict[str, Any] = {}
    if n.taints:
        spec["taints"] = taints_manifest(n.taints)
    if not n.schedulable:
        spec["unschedulable"] = True
        spec["taints"] = spec.get("taints", []) + [{"key": UNSCHEDULABLE_TAINT, "effect": "NoSchedule",
                                                    "timeAdded": heartbeat}]
    return {
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": {
            "name": n.id,
            "uid": uid("node", n.id, n.created_at),
            "resourceVersion": str(n.version),
            "creationTimestamp": timestamp(n.created_at),
            "labels": node_labels(n),
            "annotations": annotations,
        },
        "spec": spec,
        "status": {
            "capacity": capacity,
            "allocatable": dict(capacity),
            "conditions": [ready],
            "addresses": [{"type": "Hostname", "address": n.id}],
            "nodeInfo": {
                "machineID": "", "systemUUID": "", "bootID": "",
                "kernelVersion": "", "osImage": "orchestrator simulated node",
                "containerRuntimeVersion": "simulated://1", "kubeletVersion": KUBELET_VERSION,
                "kubeProxyVersion": KUBELET_VERSION, "operatingSystem": "linux", "architecture": "amd64",
            },
        },
    }


_PHASES = {
    TaskStatus.PENDING: "Pending",
    TaskStatus.SCHEDULED: "Pending",
    TaskStatus.RUNNING: "Running",
    TaskStatus.SUCCEEDED: "Succeeded",
    TaskStatus.FAILED: "Failed",
}


def phase(t: Task) -> str:
    return _PHASES[t.status]


def pod_ip(t: Task) -> str | None:
    """A simulated address, stable for the task: 10.x.y.z from its uid."""
    if t.status not in (TaskStatus.RUNNING,) and t.started_at is None:
        return None
    digest = _uid("pod", t.id, t.created_at)[1]
    return f"10.{digest[0]}.{digest[1]}.{max(digest[2], 1)}"


def _condition(kind: str, true: bool, since: float | None, reason: str | None = None,
               message: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"type": kind, "status": "True" if true else "False", "lastProbeTime": None,
                         "lastTransitionTime": timestamp(since)}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


def _container_status(t: Task, name: str, image: str) -> dict[str, Any]:
    state: dict[str, Any]
    if t.status is TaskStatus.RUNNING:
        state = {"running": {"startedAt": timestamp(t.started_at)}}
    elif t.status.final:
        code = 0 if t.status is TaskStatus.SUCCEEDED else 1
        state = {"terminated": {
            "exitCode": code, "reason": "Completed" if code == 0 else "Error",
            "startedAt": timestamp(t.started_at), "finishedAt": timestamp(t.finished_at),
        }}
    else:
        state = {"waiting": {"reason": "ContainerCreating"}}
    return {
        "name": name, "image": image, "imageID": "", "ready": t.status is TaskStatus.RUNNING,
        "started": t.status is TaskStatus.RUNNING, "restartCount": max(t.attempts - 1, 0), "state": state,
    }


SERVER_METADATA = frozenset({"uid", "resourceVersion", "creationTimestamp", "selfLink", "managedFields",
                             "generation", "deletionTimestamp", "deletionGracePeriodSeconds"})


def stored_manifest(manifest: Mapping[str, Any], name: str, namespace: str = DEFAULT_NAMESPACE) -> dict[str, Any]:
    """What of a Pod manifest is kept with the task: everything but its
    status and the fields the server owns (uid, resourceVersion, ...)."""
    metadata = {k: v for k, v in (manifest.get("metadata") or {}).items() if k not in SERVER_METADATA}
    metadata["name"] = name
    metadata["namespace"] = namespace
    kept = {k: v for k, v in manifest.items() if k not in ("status", "metadata", "apiVersion", "kind")}
    if isinstance(kept.get("spec"), Mapping):  # the task's node is the truth, not what a client wrote
        kept["spec"] = {k: v for k, v in kept["spec"].items() if k != "nodeName"}
    return {"metadata": metadata, **kept}


# What an update of a pod may change, as kube-apiserver's pod validation allows
POD_MUTABLE_METADATA = frozenset({"labels", "annotations", "resourceVersion", "managedFields"})
POD_MUTABLE_SPEC = frozenset({"activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds"})
SERVER_DEFAULTED_SPEC = frozenset({"schedulerName", "terminationGracePeriodSeconds", "priority", "preemptionPolicy"})
"""Fields the server fills in when a pod is made: an update that leaves
one out keeps it."""


def pod_update_errors(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for each change an update of a pod may not make:
    besides labels and annotations, only container images, tolerations,
    ``activeDeadlineSeconds`` and ``terminationGracePeriodSeconds`` change;
    the status is the server's (an update leaves it as it is)."""
    errors: list[tuple[str, str]] = []
    if not isinstance(wanted.get("metadata"), Mapping) or not isinstance(wanted.get("spec"), Mapping):
        return [("spec", "Required value: metadata and spec are objects")]
    meta, old_meta = wanted["metadata"], current["metadata"]
    for key in sorted(set(meta) | set(old_meta)):
        if key not in POD_MUTABLE_METADATA and meta.get(key, old_meta.get(key)) != old_meta.get(key):
            errors.append((f"metadata.{key}", "field is immutable"))
    spec, old_spec = wanted["spec"], current["spec"]
    for key in sorted(set(spec) | set(old_spec)):
        if key in POD_MUTABLE_SPEC or key == "nodeName" and spec.get(key) in (None, old_spec.get(key)):
            continue
        old, new = old_spec.get(key), spec.get(key)
        if key in ("containers", "initContainers") and isinstance(old, list) and isinstance(new, list) \
                and len(old) == len(new):
            new = [{**n, "image": o.get("image")} if isinstance(n, Mapping) and isinstance(o, Mapping) else n
                   for o, n in zip(old, new)]
        if new != old and not (key in SERVER_DEFAULTED_SPEC and new is None):
            errors.append((f"spec.{key}", "Forbidden: pod updates may not change fields other than "
                           "`spec.containers[*].image`, `spec.initContainers[*].image`, "
                           "`spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing "
                           "tolerations) or `spec.terminationGracePeriodSeconds`"))
    return errors


def _synthesized_metadata(t: Task) -> dict[str, Any]:
    """The metadata of a task that came without a manifest."""
    annotations: dict[str, str] = {OUTCOME_ANNOTATION: _OUTCOMES[t.outcome]}
    if t.duration is not None:
        annotations[DURATION_ANNOTATION] = _number(t.duration)
    metadata: dict[str, Any] = {"annotations": annotations}
    labels = _synthesized_labels(t)
    if labels:
        metadata["labels"] = labels
    return metadata


def _synthesized_labels(t: Task) -> dict[str, str]:
    """A native task's labels, and ``app`` naming its deployment (its own
    ``app`` label wins)."""
    return ({"app": namespaces.name_of(t.owner)} if t.owner is not None else {}) | dict(t.labels)


_OUTCOMES = {status: status.value.capitalize() for status in TaskStatus}


def _synthesized(t: Task) -> dict[str, Any]:
    """The manifest of a task that came without one (native API, deployments)."""
    metadata = _synthesized_metadata(t)
    spec: dict[str, Any] = {
        "containers": [{"name": t.name if _dns_label(t.name) else "task", "image": IMAGE,
                        "resources": container_resources(t.resources)}],
        "restartPolicy": "Never",
    }
    if t.node_selector:
        spec["nodeSelector"] = dict(t.node_selector)
    spec.update(placement_manifest(t.node_affinity, t.constraints))
    if t.tolerations:
        spec["tolerations"] = tolerations_manifest(t.tolerations)
    return {"metadata": metadata, "spec": spec}


def container_resources(r: Any) -> dict[str, Any]:
    """A container's ``resources`` for a request of ours: cpu and memory
    requests, and GPU as the limit Kubernetes wants for it."""
    shown: dict[str, Any] = {"requests": {"cpu": cpu_quantity(r.cpu), "memory": memory_quantity(r.memory)}}
    if r.gpu:
        name, amount = (GPU_RESOURCE, str(r.gpu // 1000)) if r.gpu >= 1000 else (GPU_SHARE_RESOURCE, f"{r.gpu}m")
        shown["requests"][name] = amount
        shown["limits"] = {name: amount}
    return shown


_AFFINITY_PATH = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"
"""The taint a cordoned node shows; the server's (``spec.unschedulable``), never stored as a taint."""


def taints_of(spec: Mapping[str, Any]) -> tuple[taints.Taint, ...]:
    """A Node's ``spec.taints`` (but the cordon's own), checked."""
    given = spec.get("taints") or []
    if not isinstance(given, list):
        raise ValidationError("spec.taints", "must be a list")
    found = []
    for i, item in enumerate(given):
        at = f"spec.taints[{i}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str) or not item["key"]:
            raise ValidationError(f"{at}.key", "Required value")
        if item["key"] == UNSCHEDULABLE_TAINT:
            continue
        value = item.get("value", "")
        if not isinstance(value, str):
            raise ValidationError(f"{at}.value", "must be a string")
        found.append(taints.check_taint(taints.Taint(item["key"], value, str(item.get("effect"))), at))
    return tuple(found)


def tolerations_of(spec: Mapping[str, Any]) -> tuple[taints.Toleration, ...]:
    """A pod spec's ``tolerations``, checked as Kubernetes checks them."""
    given = spec.get("tolerations") or []
    if not isinstance(given, list):
        raise ValidationError("spec.tolerations", "must be a list")
    found = []
    for i, item in enumerate(given):
        at = f"spec.tolerations[{i}]"
        if not isinstance(item, Mapping):
            raise ValidationError(at, "must be an object")
        key, value = item.get("key") or "", item.get("value") or ""
        seconds = item.get("tolerationSeconds")
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValidationError(f"{at}.key", "key and value must be strings")
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int)):
            raise ValidationError(f"{at}.tolerationSeconds", "must be a whole number of seconds")
        found.append(taints.check_toleration(taints.Toleration(
            key, str(item.get("operator") or "Equal"), value, str(item.get("effect") or ""),
            None if seconds is None else float(max(seconds, 0))), at, "tolerationSeconds"))
    return tuple(found)


def taints_manifest(found: Any) -> list[dict[str, str]]:
    return [{"key": t.key, **({"value": t.value} if t.value else {}), "effect": t.effect} for t in found]


def tolerations_manifest(found: Any) -> list[dict[str, Any]]:
    shown = []
    for t in found:
        item: dict[str, Any] = {"operator": t.operator}
        if t.key:
            item["key"] = t.key
        if t.value:
            item["value"] = t.value
        if t.effect:
            item["effect"] = t.effect
        if t.seconds is not None:
            item["tolerationSeconds"] = int(t.seconds)
        shown.append(item)
    return shown


def node_affinity_of(spec: Mapping[str, Any]) -> tuple:
    """The required node affinity of a pod spec, checked as Kubernetes
    checks it (``matchFields`` is not served: a 422 says so)."""
    affinity_spec = spec.get("affinity")
    if affinity_spec is None:
        return ()
    if not isinstance(affinity_spec, Mapping):
        raise ValidationError("spec.affinity", "must be an object")
    node_affinity = affinity_spec.get("nodeAffinity") or {}
    if not isinstance(node_affinity, Mapping):
        raise ValidationError("spec.affinity.nodeAffinity", "must be an object")
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if required is None:
        return ()
    terms = required.get("nodeSelectorTerms") if isinstance(required, Mapping) else None
    if not isinstance(terms, list) or not terms:
        raise ValidationError(f"{_AFFINITY_PATH}.nodeSelectorTerms", "Required value: must have at least one "
                              "node selector term")
    if len(terms) > MAX_TERMS:
        raise ValidationError(f"{_AFFINITY_PATH}.nodeSelectorTerms", f"Too many: at most {MAX_TERMS} terms")
    found = []
    for i, term in enumerate(terms):
        where = f"{_AFFINITY_PATH}.nodeSelectorTerms[{i}]"
        if not isinstance(term, Mapping):
            raise ValidationError(where, "must be an object")
        found.append(node_selector_term(term, where))
    return tuple(found)


def pod_metadata(t: Task, manifest: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The pod's ``metadata``: its manifest's, with the server's fields and,
    for a deployment's replica, its replica set as owner."""
    if manifest is None and t.manifest is None:
        metadata = _synthesized_metadata(t)
    else:
        if manifest is None:
            manifest = t.manifest
        metadata = dict(manifest.get("metadata") or {})
    namespace, name = namespaces.split(t.id)
    metadata.update({
        "name": name, "namespace": namespace, "uid": uid("pod", t.id, t.created_at),
        "resourceVersion": str(t.version), "creationTimestamp": timestamp(t.created_at),
    })
    if t.owner is not None:  # a deployment's replica: its replica set's, as in Kubernetes
        replica_set = replica_set_name(t.owner, t.template_hash)
        metadata["labels"] = {**(metadata.get("labels") or {}), "pod-template-hash": t.template_hash or ""}
        metadata["ownerReferences"] = [{
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": replica_set,
            "uid": replica_set_uid(t.owner, t.template_hash), "controller": True, "blockOwnerDeletion": True,
        }]
        metadata.pop("generateName", None)
    return metadata


def pod(t: Task) -> dict[str, Any]:
    """The task as a Pod: its manifest as sent (or one made up for a task
    that came without), with the server's metadata, the node it is bound to,
    and a status derived from the task's."""
    manifest = t.manifest if t.manifest is not None else _synthesized(t)
    metadata = pod_metadata(t, manifest)
    spec = dict(manifest.get("spec") or {})
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 0)
    spec["priority"] = t.priority  # resolved when the pod was made (api.kube.priorityclasses)
    spec["preemptionPolicy"] = t.preemption_policy
    if t.node is not None:
        spec["nodeName"] = t.node
    containers = [c.get("name", "task") for c in spec.get("containers", []) if isinstance(c, Mapping)]
    scheduled = t.status is not TaskStatus.PENDING
    running = t.status is TaskStatus.RUNNING
    conditions = [
        _condition("PodScheduled", scheduled, t.scheduled_at if scheduled else t.created_at,
                   None if scheduled else "Unschedulable", None if scheduled else (t.message or None)),
    ]
    if scheduled:
        conditions += [
            _condition("Initialized", True, t.scheduled_at),
            _condition("ContainersReady", running, t.started_at or t.scheduled_at,
                       None if running else "ContainersNotReady"),
            _condition("Ready", running, t.started_at or t.scheduled_at, None if running else "ContainersNotReady"),
        ]
    status: dict[str, Any] = {"phase": phase(t), "conditions": conditions, "qosClass": "Burstable"}
    if preempted(t):
        status["reason"] = PREEMPTED_REASON
        status["message"] = t.message
    if t.nominated_node is not None:
        status["nominatedNodeName"] = t.nominated_node
    if scheduled:
        status["hostIP"] = _host_ip(t.node)
        status["startTime"] = timestamp(t.scheduled_at)
        status["containerStatuses"] = [_container_status(t, name, image) for name, image in zip(
            containers, (c.get("image", IMAGE) for c in spec.get("containers", []) if isinstance(c, Mapping)))]
        ip = pod_ip(t)
        if ip:
            status["podIP"] = ip
            status["podIPs"] = [{"ip": ip}]
    return {"kind": "Pod", "apiVersion": "v1", "metadata": metadata, "spec": spec, "status": status}


def preempted(t: Task) -> bool:
    """Whether the task ended because the scheduler preempted it to place
    a task of higher priority."""
    return t.status is TaskStatus.FAILED and t.message.startswith(PREEMPTED_PREFIX)


def pod_labels(t: Task) -> dict[str, str]:
    """The labels :func:`pod` gives ``t``, without rendering the rest."""
    if t.manifest is not None:
        labels = dict((t.manifest.get("metadata") or {}).get("labels") or {})
    else:
        labels = _synthesized_labels(t)
    if t.owner is not None:
        labels["pod-template-hash"] = t.template_hash or ""
    return labels


def replica_set_name(deployment: str, template_hash: str | None) -> str:
    """The name (not the id: no namespace) of a deployment's replica set."""
    name = namespaces.name_of(deployment)
    return f"{name}-{template_hash}" if template_hash else name


def replica_set_uid(deployment: str, template_hash: str | None) -> str:
    return uid("replicaset", f"{deployment}-{template_hash}" if template_hash else deployment, 0.0)


def _host_ip(node_name: str | None) -> str | None:
    if node_name is None:
        return None
    digest = uuid.uuid5(_UID_SPACE, f"host/{node_name}").bytes
    return f"172.{16 + digest[0] % 16}.{digest[1]}.{max(digest[2], 1)}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _dns_label(text: str) -> bool:
    return 0 < len(text) <= 63 and text.replace("-", "a").isalnum() and text.islower() \
        and text[0].isalnum() and text[-1].isalnum()


def namespace(name: str, created: float) -> dict[str, Any]:
    return {
        "kind": "Namespace",
        "apiVersion": "v1",
        "metadata": {"name": name, "uid": uid("namespace", name, created), "resourceVersion": "1",
                     "creationTimestamp": timestamp(created), "labels": {"kubernetes.io/metadata.name": name}},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


# --- manifests in --------------------------------------------------------


def requests_of(spec: Mapping[str, Any]) -> tuple[int, int, int]:
    """The sum of the containers' ``resources.requests`` (cpu millicores,
    memory MiB, GPU milli-GPU); a container with limits but no requests
    requests its limits, as Kubernetes defaults them. GPU: whole GPUs as
    ``nvidia.com/gpu`` (an integer), or a share of one as
    ``orchestrator.dev/gpu-share`` (a quantity below 1); a pod takes one or
    the other, and its containers' shares add up to less than one device."""
    cpu = memory = whole = share = 0
    containers = spec.get("containers")
    if not isinstance(containers, list) or not containers:
        raise ValidationError("spec.containers", "Required value: a pod needs at least one container")
    for i, container in enumerate(containers):
        where = f"spec.containers[{i}]"
        if not isinstance(container, dict):
            raise ValidationError(where, "must be an object")
        if not isinstance(container.get("name"), str) or not container["name"]:
            raise ValidationError(f"{where}.name", "Required value")
        resources = container.get("resources") or {}
        if not isinstance(resources, dict):
            raise ValidationError(f"{where}.resources", "must be an object")
        requests = resources.get("requests")
        if requests is None:
            requests = resources.get("limits") or {}
        if not isinstance(requests, dict):
            raise ValidationError(f"{where}.resources.requests", "must be an object")
        if "cpu" in requests:
            cpu += cpu_millicores(_quantity_text(requests["cpu"]), f"{where}.resources.requests.cpu")
        if "memory" in requests:
            memory += memory_mib(_quantity_text(requests["memory"]), f"{where}.resources.requests.memory")
        limits = resources.get("limits") or {}
        if not isinstance(limits, dict):
            raise ValidationError(f"{where}.resources.limits", "must be an object")
        for name in (GPU_RESOURCE, GPU_SHARE_RESOURCE):
            asked, limit = requests.get(name), limits.get(name)
            if asked is None and limit is None:
                continue
            if limit is None:
                raise ValidationError(f"{where}.resources.limits[{name}]", "Required value: Limit must be set for "
                                      "non overcommitable resources")
            field = f"{where}.resources.limits[{name}]"
            milli = gpu_milli(_quantity_text(limit if limit is not None else asked), field)
            if asked is not None and limit is not None and gpu_milli(
                    _quantity_text(asked), f"{where}.resources.requests[{name}]") != milli:
                raise ValidationError(f"{where}.resources.requests[{name}]", f"Invalid value: must be equal to "
                                      f"{name} limit")
            if name == GPU_RESOURCE:
                if milli % 1000:
                    raise ValidationError(field, "must be a whole number of GPUs; ask for a share with "
                                          f"{GPU_SHARE_RESOURCE}")
                whole += milli
            else:
                if milli >= 1000:
                    raise ValidationError(field, f"must be a share below 1; ask for whole GPUs with {GPU_RESOURCE}")
                share += milli
    if whole and share:
        raise ValidationError("spec.containers", f"a pod takes whole GPUs ({GPU_RESOURCE}) or a share of one "
                              f"({GPU_SHARE_RESOURCE}), not both")
    if share >= 1000:
        raise ValidationError("spec.containers", f"the containers' {GPU_SHARE_RESOURCE} add up to {share}m: a "
                              "share of one device must be below 1")
    return cpu, memory, whole or share


def _quantity_text(value: object) -> object:
    """Kubernetes takes ``cpu: 1`` (a YAML number) as the quantity "1"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value >= 0:
        return repr(value)
    return value


def duration_of(annotations: Mapping[str, Any]) -> float | None:
    value = annotations.get(DURATION_ANNOTATION)
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not seconds >= 0 or seconds == float("inf"):
        raise ValidationError(f"metadata.annotations[{DURATION_ANNOTATION}]",
                              f"must be a number of seconds >= 0, not '{str(value)[:40]}'")
    return seconds


def outcome_of(annotations: Mapping[str, Any]) -> TaskStatus:
    value = annotations.get(OUTCOME_ANNOTATION, "Succeeded")
    if value not in ("Succeeded", "Failed"):
        raise ValidationError(f"metadata.annotations[{OUTCOME_ANNOTATION}]",
                              f"must be Succeeded or Failed, not '{str(value)[:40]}'")
    return TaskStatus.SUCCEEDED if value == "Succeeded" else TaskStatus.FAILED
