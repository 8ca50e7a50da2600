"""How a kubelet says it is alive: ``nodes/{name}/status`` and its Lease in
``kube-node-lease`` (``coordination.k8s.io/v1``), both mapped onto the native
heartbeat (``POST /nodes/{id}/heartbeat``).

- ``nodes/{name}/status``: GET gives the node; PUT or PATCH is a heartbeat
  (the node becomes healthy and its ``lastHeartbeatTime`` is now). What a
  kubelet writes there besides (conditions, addresses, images) is accepted and
  not kept: a node's capacity is the one it registered with.
- Leases are not stored: the Lease of node N exists while node N does, its
  ``holderIdentity`` is N, its ``renewTime`` the node's last heartbeat and its
  ``leaseDurationSeconds`` the server's ``--node-timeout``. Creating it, or
  updating or patching it, is a heartbeat. A lease named after no node is a
  404 (create: the node must be registered first, as a kubelet does).
"""

from __future__ import annotations

import datetime
from typing import Any

import falcon

from actors.domain.errors import NotFound
from api.kube import objects
from api.kube.requests import apply_patch_request, read_manifest
from api.kube.status import StatusError

LEASE_NAMESPACE = "kube-node-lease"


def _micro(seconds: float) -> str:
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def lease(node: Any, duration: float) -> dict[str, Any]:
    return {
        "kind": "Lease", "apiVersion": "coordination.k8s.io/v1",
        "metadata": {
            "name": node.id, "namespace": LEASE_NAMESPACE, "uid": objects.uid("lease", node.id, node.created_at),
            "resourceVersion": str(node.version), "creationTimestamp": objects.timestamp(node.created_at),
            "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": node.id,
                                 "uid": objects.uid("node", node.id, node.created_at)}],
        },
        "spec": {"holderIdentity": node.id, "leaseDurationSeconds": max(1, round(duration)),
                 "renewTime": _micro(node.last_heartbeat or node.created_at)},
    }


class _Heartbeats:
    def __init__(self, manager: Any, timeout: float, durable: Any, node_timeout: float) -> None:
        self.manager = manager
        self.timeout = timeout
        self.durable = durable
        self.node_timeout = node_timeout

    def ask(self, future: Any) -> Any:
        return future.get(timeout=self.timeout)

    def beat(self, name: str) -> Any:
        node = self.ask(self.manager.heartbeat(name))
        self.durable(node.version, self.timeout)
        return node


class NodeStatus(_Heartbeats):
    """``/api/v1/nodes/{name}/status``."""

    def on_get(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        resp.media = objects.node(self.ask(self.manager.get(name)))

    def on_put(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        read_manifest(req, resp, "Node")
        resp.media = objects.node(self.beat(name))

    def on_patch(self, req: falcon.Request, resp: falcon.Response, name: str) -> None:
        apply_patch_request(req, objects.node(self.ask(self.manager.get(name))), "Node", name)
        resp.media = objects.node(self.beat(name))


class Leases(_Heartbeats):
    """``/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases[/{name}]``."""

    @staticmethod
    def _check(namespace: str) -> None:
        if namespace != LEASE_NAMESPACE:
            raise StatusError(404, f"leases are served in {LEASE_NAMESPACE} only (one per node), not in "
                              f"'{namespace[:63]}'", "NotFound", kind="leases", group="coordination.k8s.io")

    def _node(self, name: str) -> Any:
        try:
            return self.ask(self.manager.get(name))
        except NotFound:
            raise StatusError(404, f'leases.coordination.k8s.io "{name}" not found', "NotFound", name=name,
                              kind="leases", group="coordination.k8s.io") from None

    def on_get(self, req: falcon.Request, resp: falcon.Response, namespace: str) -> None:
        self._check(namespace)
        nodes = self.ask(self.manager.list())
        resp.media = {"kind": "LeaseList", "apiVersion": "coordination.k8s.io/v1",
                      "metadata": {"resourceVersion": str(max([n.version for n in nodes] or [0]))},
                      "items": [lease(n, self.node_timeout) for n in nodes]}

    def on_post(self, req: falcon.Request, resp: falcon.Response, namespace: str) -> None:
        self._check(namespace)
        manifest = read_manifest(req, resp, "Lease", "coordination.k8s.io/v1")
        name = str((manifest.get("metadata") or {}).get("name") or "")
        self._node(name)
        resp.status = falcon.HTTP_201
        resp.media = lease(self.beat(name), self.node_timeout)

    def on_get_one(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        self._check(namespace)
        resp.media = lease(self._node(name), self.node_timeout)

    def on_put_one(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        self._check(namespace)
        read_manifest(req, resp, "Lease", "coordination.k8s.io/v1")
        self._node(name)
        resp.media = lease(self.beat(name), self.node_timeout)

    def on_patch_one(self, req: falcon.Request, resp: falcon.Response, namespace: str, name: str) -> None:
        self._check(namespace)
        apply_patch_request(req, lease(self._node(name), self.node_timeout), "Lease", name)
        resp.media = lease(self.beat(name), self.node_timeout)
