"""The Falcon application: routes, body handling and error mapping, wired."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping

import falcon
import falcon.media
import orjson

from actors.system import ControlPlane
from api import errors, kube
from api.native.placement import TaskPlacement
from api.native import resources
from api import dashboard
from api.auth import BearerAuth, Sessions
from api.consistency import FreshReads
from api.native.events import Events
from api.metrics import MetricsResource, RequestTimer
from api.native.openapi import OpenAPIDocument
from api.kube.watch import Watcher


def create_app(
    control_plane: ControlPlane,
    timeout: float = resources.DEFAULT_TIMEOUT,
    max_watches: int = 4,
    tokens: Mapping[str, str] | None = None,
) -> falcon.App:
    """A WSGI app serving ``control_plane``; ``timeout`` is how many seconds
    a request waits on the actors before it gets a 503; ``max_watches`` how
    many watches (the native event stream and Kubernetes watches together)
    may hold a server thread at once; ``tokens`` (token to role) turns
    access control on."""
    metrics = getattr(control_plane, "metrics", None)
    middleware: list = [RequestTimer(metrics)] if metrics is not None else []
    sessions = Sessions()
    if tokens:
        middleware.append(BearerAuth(tokens, sessions))
    if getattr(control_plane, "elector", None) is not None:  # several servers share the store
        middleware.append(FreshReads(control_plane.read_barrier, timeout))
    app = falcon.App(middleware=middleware)
    app.req_options.strip_url_path_trailing_slash = True
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = falcon.media.JSONHandler(dumps=_dumps)
    nodes, tasks = control_plane.node_manager, control_plane.task_manager
    deployments = control_plane.deployment_manager
    durable = control_plane.wait_durable
    app.add_route("/health", resources.Health(
        getattr(control_plane, "is_leader", lambda: True), getattr(control_plane, "store", "memory"),
    ))
    app.add_route("/nodes", resources.Nodes(nodes, timeout, durable))
    app.add_route("/nodes/{node_id}", resources.Node(nodes, timeout, durable))
    app.add_route("/nodes/{node_id}/heartbeat", resources.NodeHeartbeat(nodes, timeout, durable))
    submitter = getattr(control_plane, "task_submitter", None) or tasks  # the same submit(specs, reply)
    app.add_route("/tasks", resources.Tasks(tasks, timeout, durable, submitter))
    app.add_route("/tasks/{task_id}", resources.Task(tasks, timeout, durable))
    if hasattr(control_plane, "scheduler"):
        app.add_route("/tasks/{task_id}/placement",
                      TaskPlacement(tasks, control_plane.datastore, control_plane.scheduler, timeout))
    if metrics is not None:
        app.add_route("/metrics", MetricsResource(metrics))
    slots = threading.BoundedSemaphore(max_watches)
    if hasattr(control_plane, "events"):
        app.add_route("/events", Events(control_plane.events, control_plane.events_feed, timeout, max_watches,
                                        slots=slots))
    app.add_route("/deployments", resources.Deployments(deployments, timeout, durable))
    app.add_route("/deployments/{deployment_id}", resources.Deployment(deployments, timeout, durable))
    app.add_route("/openapi.json", OpenAPIDocument(app))
    dashboard.add_routes(app, dict(tokens) if tokens else None, sessions)
    kube.add_routes(app, control_plane, timeout, durable, Watcher(control_plane.watch_log, slots, max_watches))
    errors.register(app)
    return app


def _dumps(media: object) -> bytes:
    """Answers as JSON: orjson, several times faster than ``json`` on every
    answer; ``json`` for what orjson refuses (integers over 64 bits)."""
    try:
        return orjson.dumps(media)
    except TypeError:  # orjson.JSONEncodeError
        return json.dumps(media, ensure_ascii=False).encode()
