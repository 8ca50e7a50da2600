"""Unknown fields, and what ``fieldValidation`` says to do with them.

kube-apiserver decodes a body against the kind's schema and, by the
request's ``fieldValidation``, refuses unknown fields (``Strict``: 422
naming each), warns about them in a ``Warning`` header (``Warn``, the
default) or drops them silently (``Ignore``). We hold the field names of
the parts of each kind a manifest commonly carries (object, metadata, pod
spec, container, resources, node spec and status, a PriorityClass's fields); deeper structures (probes,
volumes, affinity ...) are taken as they come: they are stored, not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STRICT, WARN, IGNORE = "Strict", "Warn", "Ignore"
DIRECTIVES = (STRICT, WARN, IGNORE)

OBJECT = frozenset({"apiVersion", "kind", "metadata", "spec", "status"})
METADATA = frozenset({
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
    "ownerReferences", "finalizers", "managedFields",
})
POD_SPEC = frozenset({
    "volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy",
    "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector",
    "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "nodeName", "hostNetwork",
    "hostPID", "hostIPC", "shareProcessNamespace", "securityContext", "imagePullSecrets", "hostname",
    "subdomain", "affinity", "schedulerName", "tolerations", "hostAliases", "priorityClassName", "priority",
    "dnsConfig", "readinessGates", "runtimeClassName", "enableServiceLinks", "preemptionPolicy", "overhead",
    "topologySpreadConstraints", "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates", "resourceClaims",
})
CONTAINER = frozenset({
    "name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources", "resizePolicy",
    "restartPolicy", "volumeMounts", "volumeDevices", "livenessProbe", "readinessProbe", "startupProbe",
    "lifecycle", "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy", "securityContext",
    "stdin", "stdinOnce", "tty",
})
RESOURCES = frozenset({"limits", "requests", "claims"})
BINDING = frozenset({"apiVersion", "kind", "metadata", "target"})
CONFIGMAP = frozenset({"apiVersion", "kind", "metadata", "data", "binaryData", "immutable"})
PRIORITY_CLASS = frozenset({"apiVersion", "kind", "metadata", "value", "globalDefault", "preemptionPolicy",
                            "description"})
DEPLOYMENT_SPEC = frozenset({"replicas", "selector", "template", "strategy", "minReadySeconds",
                             "revisionHistoryLimit", "paused", "progressDeadlineSeconds"})
TEMPLATE = frozenset({"metadata", "spec"})
NODE_SPEC = frozenset({"podCIDR", "podCIDRs", "providerID", "unschedulable", "taints", "configSource",
                       "externalID"})
NODE_STATUS = frozenset({"capacity", "allocatable", "phase", "conditions", "addresses", "daemonEndpoints",
                         "nodeInfo", "images", "volumesInUse", "volumesAttached", "config"})


def unknown_fields(kind: str, manifest: Mapping[str, Any]) -> list[str]:
    """The paths of the fields ``manifest`` has that ``kind`` does not, in
    kube-apiserver's form (``.spec.containers[0].cpu``)."""
    found: list[str] = []

    def check(value: Any, known: frozenset[str], where: str) -> None:
        if isinstance(value, Mapping):
            found.extend(f"{where}.{key}" for key in value if key not in known)

    def pod_spec(spec: Any, where: str) -> None:
        check(spec, POD_SPEC, where)
        if isinstance(spec, Mapping):
            for group in ("containers", "initContainers"):
                items = spec.get(group)
                for i, container in enumerate(items if isinstance(items, list) else []):
                    check(container, CONTAINER, f"{where}.{group}[{i}]")
                    if isinstance(container, Mapping):
                        check(container.get("resources"), RESOURCES, f"{where}.{group}[{i}].resources")

    check(manifest, {"Binding": BINDING, "ConfigMap": CONFIGMAP, "PriorityClass": PRIORITY_CLASS}.get(kind, OBJECT),
          "")
    check(manifest.get("metadata"), METADATA, ".metadata")
    spec = manifest.get("spec")
    if kind == "Pod":
        pod_spec(spec, ".spec")
    elif kind == "Deployment":
        check(spec, DEPLOYMENT_SPEC, ".spec")
        template = spec.get("template") if isinstance(spec, Mapping) else None
        check(template, TEMPLATE, ".spec.template")
        if isinstance(template, Mapping):
            check(template.get("metadata"), METADATA, ".spec.template.metadata")
            pod_spec(template.get("spec"), ".spec.template.spec")
    elif kind == "Node":
        check(spec, NODE_SPEC, ".spec")
        check(manifest.get("status"), NODE_STATUS, ".status")
    return found


def directive(value: str | None) -> str:
    """The request's ``fieldValidation``, Warn when absent; ValueError for
    any other value (a 400, as kube-apiserver answers)."""
    if value is None or value == "":
        return WARN
    if value not in DIRECTIVES:
        raise ValueError(f'fieldValidation must be one of "Ignore", "Warn" or "Strict", not "{value[:30]}"')
    return value
