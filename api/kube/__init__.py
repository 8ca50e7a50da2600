"""The Kubernetes API: a second front end over the same actors and store.

Holds the routes under ``/version``, ``/api``, ``/apis`` and
``/openapi/v3`` (discovery, namespaces, nodes and their status and leases,
pods and their binding, deployments and replica sets, priority classes,
events), the
conversions between our records and Kubernetes objects, lists, watches,
server-side tables, selectors and patches. May import ``actors`` (the
managers' interfaces, the domain records and errors, the watch log), the
shared HTTP modules of ``api`` (body, quantity, streams) and, of the native
API, only ``api.native.validation`` for the id and label rules
(``tests/test_layout.py`` holds this); nothing imports it but :mod:`api.app`
and :mod:`api.errors`. The reference is ``api/kube/README.md``.
"""

from __future__ import annotations

from typing import Any

import falcon

from api.kube import apps, configmaps, discovery, events, leases, openapi, priorityclasses, resources
from api.kube.lists import NamespaceIndex
from api.kube.watch import Watcher


def add_routes(app: falcon.App, control_plane, timeout: float, durable, watcher: Watcher) -> None:
    """Mount the Kubernetes API on ``app``; ``watcher`` serves its watches."""
    revision = lambda: control_plane.feed.revision  # noqa: E731: the list's resourceVersion
    started = control_plane.settings.clock()
    nodes, tasks = control_plane.node_manager, control_plane.task_manager
    deployments, kept = control_plane.deployment_manager, control_plane.object_manager
    submitter = getattr(control_plane, "task_submitter", None) or tasks
    namespaces = NamespaceIndex(kept, timeout)
    classes = priorityclasses.PriorityClassIndex(kept, timeout)
    routes: dict[str, Any] = {
        "/version": discovery.Version(),
        "/api": discovery.CoreGroup(),
        "/apis": discovery.Groups(),
        "/api/v1": discovery.ResourceList("v1"),
        "/apis/apps": discovery.Group("apps"),
        "/apis/apps/v1": discovery.ResourceList("apps/v1"),
        "/apis/coordination.k8s.io": discovery.Group("coordination.k8s.io"),
        "/apis/coordination.k8s.io/v1": discovery.ResourceList("coordination.k8s.io/v1"),
        "/apis/scheduling.k8s.io": discovery.Group("scheduling.k8s.io"),
        "/apis/scheduling.k8s.io/v1": discovery.ResourceList("scheduling.k8s.io/v1"),
    }

    def managed(cls, manager):
        return cls(manager, revision, timeout, watcher, durable)

    ns = "/api/v1/namespaces/{namespace}"
    routes.update({
        "/api/v1/namespaces": resources.Namespaces(kept, revision, timeout, watcher, durable, started),
        ns: resources.Namespace(kept, revision, timeout, watcher, durable, started),
        "/api/v1/nodes": managed(resources.Nodes, nodes),
        "/api/v1/nodes/{name}": managed(resources.Node, nodes),
        "/api/v1/pods": resources.Pods(tasks, submitter, revision, timeout, watcher, durable),
        ns + "/pods": resources.Pods(tasks, submitter, revision, timeout, watcher, durable),
        ns + "/pods/{name}": resources.Pod(tasks, submitter, revision, timeout, watcher, durable),
        ns + "/pods/{name}/binding": resources.PodBinding(tasks, submitter, revision, timeout, watcher, durable),
        ns + "/pods/{name}/status": resources.PodStatus(tasks, submitter, revision, timeout, watcher, durable),
        "/api/v1/configmaps": managed(configmaps.ConfigMaps, kept),
        ns + "/configmaps": managed(configmaps.ConfigMaps, kept),
        ns + "/configmaps/{name}": managed(configmaps.ConfigMap, kept),
    })
    apps_ns = "/apis/apps/v1/namespaces/{namespace}"
    routes.update({
        "/apis/apps/v1/deployments": managed(apps.Deployments, deployments),
        apps_ns + "/deployments": managed(apps.Deployments, deployments),
        apps_ns + "/deployments/{name}": managed(apps.Deployment, deployments),
        apps_ns + "/deployments/{name}/scale": managed(apps.DeploymentScale, deployments),
        apps_ns + "/deployments/{name}/status": managed(apps.DeploymentStatus, deployments),
        "/apis/apps/v1/replicasets": managed(apps.ReplicaSets, deployments),
        apps_ns + "/replicasets": managed(apps.ReplicaSets, deployments),
        apps_ns + "/replicasets/{name}": managed(apps.ReplicaSet, deployments),
        "/apis/scheduling.k8s.io/v1/priorityclasses":
            priorityclasses.PriorityClasses(kept, revision, timeout, watcher, durable, started),
        "/apis/scheduling.k8s.io/v1/priorityclasses/{name}":
            priorityclasses.PriorityClass(kept, revision, timeout, watcher, durable, started),
    })
    clock = control_plane.settings.clock
    for path, resource in routes.items():
        if hasattr(resource, "namespaces"):
            resource.namespaces = namespaces  # which namespaces exist: this app's store's
            resource.clock = clock  # what ages in tables count to: the control plane's time
        if hasattr(resource, "priority_classes"):
            resource.priority_classes = classes  # what pods and deployments resolve their priority with
        app.add_route(path, resource)
    node_timeout = control_plane.settings.node_timeout
    app.add_route("/api/v1/nodes/{name}/status", leases.NodeStatus(nodes, timeout, durable, node_timeout))
    node_leases = leases.Leases(nodes, timeout, durable, node_timeout)
    app.add_route("/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases", node_leases)
    app.add_route("/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}", node_leases, suffix="one")
    documents = openapi.OpenAPIV3()
    app.add_route("/openapi/v3", documents)
    app.add_route("/openapi/v3/api/v1", documents, suffix="core")
    app.add_route("/openapi/v3/apis/{group}/{version}", documents, suffix="group")
    if hasattr(control_plane, "events"):  # as for the native event stream (api.app)
        log = events.Events(control_plane.events, control_plane.events_feed,
                            {"task": tasks, "node": nodes, "deployment": deployments}, timeout, watcher)
        log.namespaces, log.clock = namespaces, clock
        app.add_route("/api/v1/events", log)
        app.add_route(ns + "/events", log)
        app.add_route(ns + "/events/{name}", log, suffix="one")
