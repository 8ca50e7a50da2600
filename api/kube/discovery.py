"""Discovery: what kubectl and client-go read before anything else.

``/version`` says which Kubernetes this server speaks (kubectl's dispatcher
picks the matching ``kubectl.1.NN`` from it); ``/api`` and ``/apis`` list the
groups; ``/api/v1`` and ``/apis/<group>/<version>`` list the resources with
their verbs. Only what is served is listed, so ``kubectl api-resources`` is
the truth. These are the legacy (unaggregated) forms; a client asking for
aggregated discovery (``as=APIGroupDiscoveryList``) gets them too, in plain
``application/json``, and falls back to reading them as client-go does.
"""

from __future__ import annotations

from typing import Any

import falcon

SERVER_VERSION = {
    "major": "1",
    "minor": "29",
    "gitVersion": "v1.29.0-orchestrator",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-12-01T00:00:00Z",
    "goVersion": "go1.21.0",
    "compiler": "gc",
    "platform": "linux/amd64",
}

READ = ["get", "list"]

# group/version -> [(name, singular, namespaced, kind, verbs, short names)]
RESOURCES: dict[str, list[tuple[str, str, bool, str, list[str], list[str]]]] = {
    "v1": [
        ("configmaps", "configmap", True, "ConfigMap",
         ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], ["cm"]),
        ("events", "event", True, "Event", READ + ["watch"], ["ev"]),
        ("namespaces", "namespace", False, "Namespace",
         ["create", "delete", "get", "list", "patch", "update", "watch"], ["ns"]),
        ("nodes", "node", False, "Node", ["create", "delete", "get", "list", "patch", "update", "watch"], ["no"]),
        ("nodes/status", "", False, "Node", ["get", "patch", "update"], []),
        ("pods", "pod", True, "Pod", ["create", "delete", "deletecollection", "get", "list", "patch", "update",
                                      "watch"], ["po"]),
        ("pods/binding", "", True, "Binding", ["create"], []),
        ("pods/status", "", True, "Pod", ["get", "patch", "update"], []),
    ],
    "apps/v1": [
        ("deployments", "deployment", True, "Deployment",
         ["create", "delete", "get", "list", "patch", "update", "watch"], ["deploy"]),
        ("deployments/scale", "", True, "Scale", ["get", "patch", "update"], []),
        ("deployments/status", "", True, "Deployment", ["get"], []),
        ("replicasets", "replicaset", True, "ReplicaSet", ["get", "list", "watch"], ["rs"]),
    ],
    "coordination.k8s.io/v1": [
        ("leases", "lease", True, "Lease", ["create", "get", "list", "patch", "update"], []),
    ],
    "scheduling.k8s.io/v1": [
        ("priorityclasses", "priorityclass", False, "PriorityClass",
         ["create", "delete", "get", "list", "patch", "update", "watch"], ["pc"]),
    ],
}


def api_resource_list(group_version: str) -> dict[str, Any]:
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": [
            {
                "name": name, "singularName": singular, "namespaced": namespaced, "kind": kind,
                "verbs": verbs, **({"shortNames": short} if short else {}),
                **({"categories": ["all"]} if name in ("pods", "deployments", "replicasets") else {}),
            }
            for name, singular, namespaced, kind, verbs, short in RESOURCES[group_version]
        ],
    }


def api_group_list() -> dict[str, Any]:
    groups = []
    for group_version in RESOURCES:
        if "/" not in group_version:
            continue
        group, version = group_version.split("/")
        entry = {"groupVersion": group_version, "version": version}
        groups.append({"name": group, "versions": [entry], "preferredVersion": entry})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


class Version:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = SERVER_VERSION


class CoreGroup:
    """``/api``: the legacy core group's versions."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": req.host}],
        }


class Groups:
    """``/apis``: the named groups."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = api_group_list()


class Group:
    """``/apis/{group}``: one group's versions."""

    def __init__(self, name: str) -> None:
        (self.body,) = [{"kind": "APIGroup", "apiVersion": "v1", **g} for g in api_group_list()["groups"]
                        if g["name"] == name]

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self.body


class ResourceList:
    """``/api/v1`` or ``/apis/{group}/{version}``."""

    def __init__(self, group_version: str) -> None:
        self.body = api_resource_list(group_version)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self.body
