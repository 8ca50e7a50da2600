"""The HTTP resources: each turns a request into asks of the managers.

Resources hold the manager proxies they are given; they validate input with
:mod:`api.native.validation` and leave error mapping to :mod:`api.errors`.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

import falcon

from actors.domain import namespaces
from actors.domain.errors import AlreadyExists
from actors.reply import Reply
from api import body
from api.native import serialize, validation
from api.params import bool_param

DEFAULT_TIMEOUT = 15.0  # seconds an HTTP request waits on an actor before a 503

WaitDurable = Callable[[int, float], None]
"""Blocks until a revision is durable: no write is acknowledged before."""


def _already_durable(revision: int, timeout: float) -> None:
    pass


def _etag(resp: falcon.Response, version: int) -> None:
    resp.etag = f'"{version}"'


MAX_PAGE = 100_000


def _page_params(req: falcon.Request) -> tuple[int | None, str | None]:
    """``?limit=N&after=ID``: pages, so that no request has to serialise
    everything (a list without ``limit`` still returns all)."""
    limit = req.get_param_as_int("limit", min_value=1, max_value=MAX_PAGE)
    after = req.get_param("after")
    if after is not None:
        after = validation.valid_id(after, "after")
    return limit, after


def _namespace(req: falcon.Request) -> str:
    """``?namespace=NAME``: the namespace of the tasks or deployments a
    request means (``default`` when not given; see
    :mod:`actors.domain.namespaces`)."""
    namespace = req.get_param("namespace")
    return namespaces.DEFAULT if namespace is None else validation.valid_id(namespace, "namespace")


def _link_next(req: falcon.Request, resp: falcon.Response, more: bool, page: list) -> None:
    """The next page's address in a ``Link: <...>; rel="next"`` header."""
    if not more or not page:
        return
    params = {k: v for k, v in req.params.items() if k != "after"}
    params["after"] = namespaces.name_of(page[-1].id)
    # Written out rather than with append_link, which leaves rel=next unquoted.
    resp.set_header("Link", f'<{req.path}?{urllib.parse.urlencode(params, doseq=True)}>; rel="next"')


def _only_default(req: falcon.Request, collection: str) -> None:
    """The native API creates in ``default`` only: a create that names
    another namespace is refused rather than made somewhere else."""
    if _namespace(req) != namespaces.DEFAULT:
        raise falcon.HTTPBadRequest(
            title="Namespace not served here",
            description=f"the native API creates {collection} in the namespace 'default' only; create them in "
            "another namespace through the Kubernetes API (kubectl -n NAMESPACE)",
        )


class Health:
    """Alive, whether this process leads (runs the controller), and the store."""

    def __init__(self, is_leader: Callable[[], bool] = lambda: True, store: str = "memory") -> None:
        self.is_leader = is_leader
        self.store = store

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"status": "ok", "leader": self.is_leader(), "store": self.store}


class _Resource:
    """What every resource holds: the manager it asks, how long a request
    waits on it, and how to wait for a write to be durable."""

    render: Callable[[Any], dict[str, Any]]
    collection: str

    def __init__(self, manager: Any, timeout: float = DEFAULT_TIMEOUT, durable: WaitDurable = _already_durable) -> None:
        self.manager = manager
        self.timeout = timeout
        self.durable = durable

    def ask(self, future: Any) -> Any:
        return future.get(timeout=self.timeout)

    def show(self, resp: falcon.Response, record: Any, created: bool = False) -> None:
        """Answer with ``record`` (201 and its Location when just created)."""
        if created:
            resp.status = falcon.HTTP_201
            resp.location = f"/{self.collection}/{record.id}"  # native creates are all in default
        _etag(resp, record.version)
        resp.media = type(self).render(record)

    def written(self, resp: falcon.Response, record: Any, created: bool = False) -> None:
        """Answer with a record just written, once it is durable."""
        self.durable(record.version, self.timeout)
        self.show(resp, record, created)

    def update(self, req: falcon.Request, resp: falcon.Response, object_id: str, read_changes: Callable) -> None:
        data = body.read_json_object(req)
        changes = read_changes(data)
        version = validation.expected_version(data, req.get_header("If-Match"))
        self.written(resp, self.ask(self.manager.update(object_id, changes, version)))

    def delete(self, req: falcon.Request, resp: falcon.Response, object_id: str) -> None:
        data = body.read_optional_object(req)
        validation.only_version(data)
        version = validation.expected_version(data, req.get_header("If-Match"))
        self.durable(self.ask(self.manager.delete(object_id, version)), self.timeout)
        resp.status = falcon.HTTP_204


class Nodes(_Resource):
    collection, render = "nodes", staticmethod(serialize.node)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        healthy = bool_param(req, "healthy")
        limit, after = _page_params(req)
        nodes, more = self.ask(self.manager.page(healthy, limit, after))
        _link_next(req, resp, more, nodes)
        resp.media = [serialize.node(n) for n in nodes]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        spec = validation.node_spec(body.read_json_object(req))
        self.written(resp, self.ask(self.manager.register(spec)), created=True)


class Node(_Resource):
    collection, render = "nodes", staticmethod(serialize.node)

    def on_get(self, req: falcon.Request, resp: falcon.Response, node_id: str) -> None:
        self.show(resp, self.ask(self.manager.get(node_id)))

    def on_put(self, req: falcon.Request, resp: falcon.Response, node_id: str) -> None:
        self.update(req, resp, node_id, validation.node_changes)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, node_id: str) -> None:
        self.delete(req, resp, node_id)


class NodeHeartbeat(_Resource):
    collection, render = "nodes", staticmethod(serialize.node)

    def on_post(self, req: falcon.Request, resp: falcon.Response, node_id: str) -> None:
        self.written(resp, self.ask(self.manager.heartbeat(node_id)))


class Tasks(_Resource):
    """``POST /tasks`` takes one task (a JSON object) or a batch (a JSON
    array of 1 to ``MAX_BATCH`` of them, all checked before any is created,
    created in one transaction: all or none)."""

    collection, render = "tasks", staticmethod(serialize.task)

    def __init__(
        self, manager: Any, timeout: float = DEFAULT_TIMEOUT, durable: WaitDurable = _already_durable,
        submitter: Any = None,
    ) -> None:
        super().__init__(manager, timeout, durable)
        self.submitter = submitter if submitter is not None else manager

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        status = req.get_param("status")
        node = req.get_param("node")
        status = validation.task_status(status, "status") if status is not None else None
        namespace = _namespace(req)
        limit, after = _page_params(req)
        after = namespaces.key(namespace, after) if after is not None else None
        found, more = self.ask(self.manager.page(status, node, limit, after, namespace))
        _link_next(req, resp, more, found)
        resp.media = [serialize.task(t) for t in found]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        _only_default(req, "tasks")
        data = body.read_json(req)
        if isinstance(data, list):
            self._create_batch(resp, data)
            return
        if not isinstance(data, dict):
            raise falcon.HTTPBadRequest(
                title="Not a JSON object",
                description="the body must be a JSON object (a task) or an array of them, "
                f"not {validation.json_type_name(data)}",
            )
        (task,) = self._submit([validation.task_spec(data)])
        self.show(resp, task, created=True)

    def _create_batch(self, resp: falcon.Response, items: list) -> None:
        if not items:
            raise falcon.HTTPBadRequest(
                title="Empty batch", description="the body is an empty array; send 1 to "
                f"{validation.MAX_BATCH} tasks",
            )
        if len(items) > validation.MAX_BATCH:
            raise falcon.HTTPBadRequest(
                title="Batch too large",
                description=f"a batch holds at most {validation.MAX_BATCH} tasks, this one {len(items)}; "
                "send several",
            )
        specs = validation.task_specs(items)
        try:
            created = self._submit(specs)
        except AlreadyExists as exc:
            index = next((i for i, spec in enumerate(specs) if spec.id == exc.id), None)
            item = "" if index is None else f" (item [{index}] of the batch)"  # None: a made-up id, taken
            raise AlreadyExists(exc.kind, exc.id, f"{item}; none of the batch was created") from None
        resp.status = falcon.HTTP_201
        resp.media = [serialize.task(t) for t in created]

    def _submit(self, specs: list) -> list:
        reply = Reply()
        self.submitter.submit(specs, reply)  # completed once durable: one wait, no more
        return reply.get(timeout=self.timeout)


class Task(_Resource):
    collection, render = "tasks", staticmethod(serialize.task)

    def on_get(self, req: falcon.Request, resp: falcon.Response, task_id: str) -> None:
        self.show(resp, self.ask(self.manager.get(namespaces.key(_namespace(req), task_id))))

    def on_put(self, req: falcon.Request, resp: falcon.Response, task_id: str) -> None:
        task_id = namespaces.key(_namespace(req), task_id)
        data = body.read_json_object(req)
        status = validation.status_update(data)
        version = validation.expected_version(data, req.get_header("If-Match"))
        self.written(resp, self.ask(self.manager.update_status(task_id, status, version)))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, task_id: str) -> None:
        self.delete(req, resp, namespaces.key(_namespace(req), task_id))


class Deployments(_Resource):
    collection, render = "deployments", staticmethod(serialize.deployment)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        namespace = _namespace(req)
        resp.media = [serialize.deployment(d) for d in self.ask(self.manager.list())
                      if namespaces.in_namespace(d.id, namespace)]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        _only_default(req, "deployments")
        spec = validation.deployment_spec(body.read_json_object(req))
        self.written(resp, self.ask(self.manager.create(spec)), created=True)


class Deployment(_Resource):
    collection, render = "deployments", staticmethod(serialize.deployment)

    def on_get(self, req: falcon.Request, resp: falcon.Response, deployment_id: str) -> None:
        self.show(resp, self.ask(self.manager.get(namespaces.key(_namespace(req), deployment_id))))

    def on_put(self, req: falcon.Request, resp: falcon.Response, deployment_id: str) -> None:
        self.update(req, resp, namespaces.key(_namespace(req), deployment_id), validation.deployment_changes)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, deployment_id: str) -> None:
        self.delete(req, resp, namespaces.key(_namespace(req), deployment_id))
