"""Deployments and their ReplicaSets as Kubernetes ``apps/v1`` objects, and
Deployment manifests read into our specs. Pure functions.

A **Deployment** is a native deployment: ``spec.replicas`` is ``replicas``;
the pod template's containers' requests, ``nodeSelector``, labels, node
affinity, tolerations, placement constraints and the two annotations of
:mod:`api.kube.objects` make the task template (its priority is resolved by
the resource, :mod:`api.kube.apps`), and the pod
template itself goes to every replica (so its pods carry its labels, and
changing an image rolls the deployment out like any template change). Its
status is counted from its tasks: ``replicas`` (live ones),
``updatedReplicas`` (live ones of the current template), ``readyReplicas``
and ``availableReplicas`` (running ones), with the ``Available`` and
``Progressing`` conditions ``kubectl rollout status`` reads. ``generation``
and ``observedGeneration`` are the deployment's version: the controller acts
on every change at once, so it has always observed the last one.

**ReplicaSets** are derived, read-only: one per template hash among the
deployment's live tasks, and one for the current template, named
``DEPLOYMENT-HASH`` as Kubernetes names them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from actors.domain import namespaces
from actors.domain.errors import ValidationError
from actors.domain.models import Deployment, Resources, Task, TaskStatus, TaskTemplate
from api.kube import objects, placement
from api.kube.selectors import SelectorError, label_selector
from api.native.validation import labels as valid_labels

DEFAULT_REPLICAS = 1


def _counts(d: Deployment, tasks: Iterable[Task]) -> dict[str, int]:
    live = [t for t in tasks if not t.status.final]
    updated = [t for t in live if t.template_hash == d.template_hash]
    running = [t for t in live if t.status is TaskStatus.RUNNING]
    return {
        "replicas": len(live),
        "updatedReplicas": len(updated),
        "readyReplicas": len(running),
        "availableReplicas": len(running),
        "unavailableReplicas": max(d.replicas - len(running), 0),
        "updatedRunning": sum(1 for t in updated if t.status is TaskStatus.RUNNING),
    }


def pod_template(d: Deployment) -> dict[str, Any]:
    """The deployment's pod template (one made up for a native deployment)."""
    t = d.template
    if t.manifest is not None:
        return dict(t.manifest)
    annotations = {objects.OUTCOME_ANNOTATION: t.outcome.value.capitalize()}
    if t.duration is not None:
        annotations[objects.DURATION_ANNOTATION] = objects._number(t.duration)
    spec: dict[str, Any] = {"containers": [{"name": "task", "image": objects.IMAGE,
                                            "resources": objects.container_resources(t.resources)}]}
    if t.node_selector:
        spec["nodeSelector"] = dict(t.node_selector)
    spec.update(placement.placement_manifest(t.node_affinity, t.constraints))
    if t.tolerations:
        spec["tolerations"] = objects.tolerations_manifest(t.tolerations)
    labels = {"app": namespaces.name_of(d.id), **t.labels}
    return {"metadata": {"labels": labels, "annotations": annotations}, "spec": spec}


def _condition(kind: str, true: bool, reason: str, message: str, since: str | None) -> dict[str, Any]:
    return {"type": kind, "status": "True" if true else "False", "reason": reason, "message": message,
            "lastUpdateTime": since, "lastTransitionTime": since}


def deployment(d: Deployment, tasks: Sequence[Task]) -> dict[str, Any]:
    """``d`` as an ``apps/v1`` Deployment, its status counted from ``tasks``
    (every task it owns)."""
    counts = _counts(d, tasks)
    manifest = d.manifest or {}
    metadata = {k: v for k, v in (manifest.get("metadata") or {}).items() if k not in objects.SERVER_METADATA}
    metadata.update({
        "name": namespaces.name_of(d.id), "namespace": namespaces.namespace_of(d.id),
        "uid": objects.uid("deployment", d.id, d.created_at), "resourceVersion": str(d.version), "generation": d.version,
        "creationTimestamp": objects.timestamp(d.created_at),
    })
    metadata.setdefault("annotations", {})
    metadata["annotations"] = {**metadata["annotations"], "deployment.kubernetes.io/revision": "1"}
    template = pod_template(d)
    spec = dict(manifest.get("spec") or {})
    spec.update({"replicas": d.replicas, "template": template})
    spec.setdefault("selector", {"matchLabels": dict((template.get("metadata") or {}).get("labels") or {})})
    _defaults(spec)
    created = objects.timestamp(d.created_at)
    complete = counts["updatedReplicas"] == d.replicas == counts["updatedRunning"] and counts["replicas"] == d.replicas
    replica_set = objects.replica_set_name(d.id, d.template_hash)
    status = {
        "observedGeneration": d.version,
        **{k: v for k, v in counts.items() if k != "updatedRunning"},
        "conditions": [
            _condition("Available", counts["availableReplicas"] >= d.replicas,
                       "MinimumReplicasAvailable" if counts["availableReplicas"] >= d.replicas
                       else "MinimumReplicasUnavailable",
                       "Deployment has minimum availability." if counts["availableReplicas"] >= d.replicas
                       else "Deployment does not have minimum availability.", created),
            _condition("Progressing", True, "NewReplicaSetAvailable" if complete else "ReplicaSetUpdated",
                       f'ReplicaSet "{replica_set}" has successfully progressed.' if complete
                       else f'ReplicaSet "{replica_set}" is progressing.', created),
        ],
    }
    return {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": metadata, "spec": spec, "status": status}


def replica_sets(d: Deployment, tasks: Sequence[Task]) -> list[dict[str, Any]]:
    """The replica sets of ``d``: the current template's, and one per older
    template some live task still runs."""
    live = [t for t in tasks if not t.status.final]
    hashes = [d.template_hash] + sorted({t.template_hash for t in live if t.template_hash != d.template_hash
                                        and t.template_hash})
    found = []
    for template_hash in hashes:
        mine = [t for t in live if t.template_hash == template_hash]
        current = template_hash == d.template_hash
        if current:
            template = pod_template(d)
        elif mine[0].manifest is not None:
            template = {k: v for k, v in mine[0].manifest.items() if k in ("metadata", "spec")}
        else:
            template = pod_template(d)
        template = {**template, "metadata": {**(template.get("metadata") or {}), "labels": {
            **((template.get("metadata") or {}).get("labels") or {}), "pod-template-hash": template_hash}}}
        name = objects.replica_set_name(d.id, template_hash)
        running = sum(1 for t in mine if t.status is TaskStatus.RUNNING)
        labels = template["metadata"]["labels"]
        found.append({
            "kind": "ReplicaSet", "apiVersion": "apps/v1",
            "metadata": {
                "name": name, "namespace": namespaces.namespace_of(d.id),
                "uid": objects.replica_set_uid(d.id, template_hash),
                "resourceVersion": str(max([d.version] + [t.version for t in mine])), "generation": 1,
                "creationTimestamp": objects.timestamp(min([t.created_at for t in mine] or [d.created_at])),
                "labels": labels,
                "annotations": {"deployment.kubernetes.io/desired-replicas": str(d.replicas),
                                "deployment.kubernetes.io/revision": "1"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": namespaces.name_of(d.id),
                                     "uid": objects.uid("deployment", d.id, d.created_at),
                                     "controller": True, "blockOwnerDeletion": True}],
            },
            "spec": {"replicas": d.replicas if current else len(mine),
                     "selector": {"matchLabels": labels}, "template": template},
            "status": {"replicas": len(mine), "fullyLabeledReplicas": len(mine), "readyReplicas": running,
                       "availableReplicas": running, "observedGeneration": 1},
        })
    return found


def scale(d: Deployment, tasks: Sequence[Task]) -> dict[str, Any]:
    """The ``deployments/scale`` subresource (``autoscaling/v1`` Scale)."""
    labels = (pod_template(d).get("metadata") or {}).get("labels") or {}
    return {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": namespaces.name_of(d.id), "namespace": namespaces.namespace_of(d.id),
                     "uid": objects.uid("deployment", d.id, d.created_at), "resourceVersion": str(d.version),
                     "creationTimestamp": objects.timestamp(d.created_at)},
        "spec": {"replicas": d.replicas},
        "status": {"replicas": _counts(d, tasks)["replicas"],
                   "selector": ",".join(f"{k}={v}" for k, v in sorted(labels.items()))},
    }


# --- manifests in --------------------------------------------------------


def replicas_of(spec: Mapping[str, Any], where: str = "spec.replicas") -> int:
    value = spec.get("replicas", DEFAULT_REPLICAS)
    if value is None:
        return DEFAULT_REPLICAS
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
        raise ValidationError(where, "must be a whole number from 0 to 10000")
    return value


def template_of(spec: Mapping[str, Any]) -> TaskTemplate:
    """The task template a Deployment's ``spec.template`` makes; the
    selector must choose the template's labels, as Kubernetes requires."""
    template = spec.get("template")
    if not isinstance(template, dict):
        raise ValidationError("spec.template", "Required value")
    metadata = template.get("metadata") or {}
    pod_spec = template.get("spec")
    if not isinstance(metadata, dict) or not isinstance(pod_spec, dict):
        raise ValidationError("spec.template.spec", "Required value")
    labels = valid_labels(metadata.get("labels") or {}, "spec.template.metadata.labels")
    selector = spec.get("selector")
    if not isinstance(selector, dict) or not (selector.get("matchLabels") or selector.get("matchExpressions")):
        raise ValidationError("spec.selector", "Required value")
    if not _selects(selector, labels):
        raise ValidationError("spec.template.metadata.labels",
                              "Invalid value: `selector` does not match template `labels`")
    try:
        cpu, memory, gpu = objects.requests_of(pod_spec)
        node_affinity = objects.node_affinity_of(pod_spec)
        tolerations = objects.tolerations_of(pod_spec)
        constraints = placement.constraints_of(pod_spec)
        placement.priority_fields_of(pod_spec)  # checked here; resolved by the caller (api.kube.priorityclasses)
    except ValidationError as exc:
        raise ValidationError(f"spec.template.{exc.field}", exc.message) from None
    annotations = metadata.get("annotations") or {}
    try:
        duration = objects.duration_of(annotations)
        outcome = objects.outcome_of(annotations)
    except ValidationError as exc:
        raise ValidationError(f"spec.template.{exc.field}", exc.message) from None
    node_selector = pod_spec.get("nodeSelector") or {}
    if not isinstance(node_selector, dict) or not all(isinstance(v, str) for v in node_selector.values()):
        raise ValidationError("spec.template.spec.nodeSelector", "must be an object of strings")
    kept = {"metadata": {k: v for k, v in metadata.items() if k not in objects.SERVER_METADATA and k != "name"},
            "spec": {k: v for k, v in pod_spec.items() if k != "nodeName"}}
    return TaskTemplate(resources=Resources(cpu, memory, gpu), node_selector=dict(node_selector), duration=duration,
                        outcome=outcome, manifest=kept, node_affinity=node_affinity, tolerations=tolerations,
                        labels=labels, constraints=constraints)


def _selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    match = selector.get("matchLabels") or {}
    if not isinstance(match, dict) or any(labels.get(k) != v for k, v in match.items()):
        return False
    expressions = selector.get("matchExpressions") or []
    text = []
    for e in expressions if isinstance(expressions, list) else []:
        if not isinstance(e, dict):
            return False
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        if op in ("In", "NotIn"):
            text.append(f"{key} {op.lower()} ({','.join(values)})")
        elif op == "Exists":
            text.append(str(key))
        elif op == "DoesNotExist":
            text.append(f"!{key}")
        else:
            return False
    try:
        predicate = label_selector(",".join(text)) if text else None
    except SelectorError:
        return False
    return predicate is None or predicate(labels)


def stored_manifest(manifest: Mapping[str, Any], name: str, namespace: str = namespaces.DEFAULT) -> dict[str, Any]:
    """What of a Deployment manifest is kept: metadata (without what the
    server owns) and spec without the template and replicas (kept as the
    deployment's template and replicas)."""
    metadata = {k: v for k, v in (manifest.get("metadata") or {}).items() if k not in objects.SERVER_METADATA}
    metadata.update({"name": name, "namespace": namespace})
    metadata.setdefault("annotations", {})
    metadata["annotations"] = {k: v for k, v in metadata["annotations"].items()
                               if k != "deployment.kubernetes.io/revision"}
    spec = {k: v for k, v in (manifest.get("spec") or {}).items() if k not in ("template", "replicas")}
    _defaults(spec)
    return {"metadata": metadata, "spec": spec}


def _defaults(spec: dict[str, Any]) -> None:
    """What Kubernetes fills in on a Deployment's spec: applied when it is
    stored, so that a patch of the object as served compares equal."""
    spec.setdefault("strategy", {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}})
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
