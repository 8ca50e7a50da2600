"""The Kubernetes API: a second front end over the same actors and store.

Holds the routes under ``/version``, ``/api``, ``/apis`` and
``/openapi/v3`` (discovery, namespaces, nodes and their status and leases,
pods and their binding, deployments and replica sets, events), the
conversions between our records and Kubernetes objects, lists, watches,
server-side tables, selectors and patches. May import ``actors`` (the
managers' interfaces, the domain records and errors, the watch log), the
shared HTTP modules of ``api`` (body, quantity, streams) and, of the native
API, only ``api.native.validation`` for the id and label rules
(``tests/test_layout.py`` holds this); nothing imports it but :mod:`api.app`
and :mod:`api.errors`. The reference is ``api/kube/README.md``.
"""

from __future__ import annotations

import falcon

from api.kube import apps, discovery, events, leases, openapi, resources
from api.kube.watch import Watcher


def add_routes(app: falcon.App, control_plane, timeout: float, durable, watcher: Watcher) -> None:
    """Mount the Kubernetes API on ``app``; ``watcher`` serves its watches."""
    revision = lambda: control_plane.feed.revision  # noqa: E731: the list's resourceVersion
    started = control_plane.settings.clock()
    nodes, tasks = control_plane.node_manager, control_plane.task_manager
    submitter = getattr(control_plane, "task_submitter", None) or tasks
    app.add_route("/version", discovery.Version())
    app.add_route("/api", discovery.CoreGroup())
    app.add_route("/apis", discovery.Groups())
    app.add_route("/api/v1", discovery.ResourceList("v1"))
    app.add_route("/apis/apps", discovery.Group("apps"))
    app.add_route("/apis/apps/v1", discovery.ResourceList("apps/v1"))
    documents = openapi.OpenAPIV3()
    app.add_route("/openapi/v3", documents)
    app.add_route("/openapi/v3/api/v1", documents, suffix="core")
    app.add_route("/openapi/v3/apis/{group}/{version}", documents, suffix="group")
    app.add_route("/api/v1/namespaces", resources.Namespaces(revision, timeout, watcher, started))
    app.add_route("/api/v1/namespaces/{namespace}", resources.Namespace(revision, timeout, watcher, started))
    app.add_route("/api/v1/nodes", resources.Nodes(nodes, revision, timeout, watcher, durable))
    app.add_route("/api/v1/nodes/{name}", resources.Node(nodes, revision, timeout, watcher, durable))
    node_timeout = control_plane.settings.node_timeout
    app.add_route("/api/v1/nodes/{name}/status", leases.NodeStatus(nodes, timeout, durable, node_timeout))
    app.add_route("/apis/coordination.k8s.io", discovery.Group("coordination.k8s.io"))
    app.add_route("/apis/coordination.k8s.io/v1", discovery.ResourceList("coordination.k8s.io/v1"))
    node_leases = leases.Leases(nodes, timeout, durable, node_timeout)
    app.add_route("/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases", node_leases)
    app.add_route("/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}", node_leases, suffix="one")
    pods = resources.Pods(tasks, submitter, revision, timeout, watcher, durable)
    app.add_route("/api/v1/pods", pods)
    app.add_route("/api/v1/namespaces/{namespace}/pods", pods)
    app.add_route("/api/v1/namespaces/{namespace}/pods/{name}/binding", resources.PodBinding(
        tasks, submitter, revision, timeout, watcher, durable))
    app.add_route("/api/v1/namespaces/{namespace}/pods/{name}", resources.Pod(tasks, submitter, revision, timeout,
                                                                              watcher, durable))
    deployments = control_plane.deployment_manager
    app.add_route("/apis/apps/v1/deployments", apps.Deployments(deployments, revision, timeout, watcher, durable))
    base = "/apis/apps/v1/namespaces/{namespace}"
    app.add_route(base + "/deployments", apps.Deployments(deployments, revision, timeout, watcher, durable))
    app.add_route(base + "/deployments/{name}", apps.Deployment(deployments, revision, timeout, watcher, durable))
    app.add_route(base + "/deployments/{name}/scale",
                  apps.DeploymentScale(deployments, revision, timeout, watcher, durable))
    app.add_route(base + "/deployments/{name}/status",
                  apps.DeploymentStatus(deployments, revision, timeout, watcher, durable))
    app.add_route("/apis/apps/v1/replicasets", apps.ReplicaSets(deployments, revision, timeout, watcher, durable))
    app.add_route(base + "/replicasets", apps.ReplicaSets(deployments, revision, timeout, watcher, durable))
    app.add_route(base + "/replicasets/{name}", apps.ReplicaSet(deployments, revision, timeout, watcher, durable))
    if hasattr(control_plane, "events"):  # as for the native event stream (api.app)
        log = events.Events(control_plane.events, control_plane.events_feed,
                            {"task": tasks, "node": nodes, "deployment": deployments}, timeout, watcher)
        app.add_route("/api/v1/events", log)
        app.add_route("/api/v1/namespaces/{namespace}/events", log)
        app.add_route("/api/v1/namespaces/{namespace}/events/{name}", log, suffix="one")
