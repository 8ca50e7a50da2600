"""The HTTP resources: each turns a request into asks of the managers.

Resources hold the manager proxies they are given; they validate input with
:mod:`api.validation` and leave error mapping to :mod:`api.errors`.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

import falcon

from actors.reply import Reply
from api import body, serialize, validation
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


def _link_next(req: falcon.Request, resp: falcon.Response, more: bool, page: list) -> None:
    """The next page's address in a ``Link: <...>; rel="next"`` header."""
    if not more or not page:
        return
    params = {k: v for k, v in req.params.items() if k != "after"}
    params["after"] = page[-1].id
    resp.append_link(f"{req.path}?{urllib.parse.urlencode(params, doseq=True)}", "next")


class Health:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"status": "ok"}


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
            resp.location = f"/{self.collection}/{record.id}"
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
    collection, render = "tasks", staticmethod(serialize.task)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        status = req.get_param("status")
        node = req.get_param("node")
        status = validation.task_status(status, "status") if status is not None else None
        limit, after = _page_params(req)
        found, more = self.ask(self.manager.page(status, node, limit, after))
        _link_next(req, resp, more, found)
        resp.media = [serialize.task(t) for t in found]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        spec = validation.task_spec(body.read_json_object(req))
        reply = Reply()
        self.manager.submit(spec, reply)  # completed once durable: one wait, no more
        (task,) = reply.get(timeout=self.timeout)
        self.show(resp, task, created=True)


class Task(_Resource):
    collection, render = "tasks", staticmethod(serialize.task)

    def on_get(self, req: falcon.Request, resp: falcon.Response, task_id: str) -> None:
        self.show(resp, self.ask(self.manager.get(task_id)))

    def on_put(self, req: falcon.Request, resp: falcon.Response, task_id: str) -> None:
        data = body.read_json_object(req)
        status = validation.status_update(data)
        version = validation.expected_version(data, req.get_header("If-Match"))
        self.written(resp, self.ask(self.manager.update_status(task_id, status, version)))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, task_id: str) -> None:
        self.delete(req, resp, task_id)


class Deployments(_Resource):
    collection, render = "deployments", staticmethod(serialize.deployment)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = [serialize.deployment(d) for d in self.ask(self.manager.list())]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        spec = validation.deployment_spec(body.read_json_object(req))
        self.written(resp, self.ask(self.manager.create(spec)), created=True)


class Deployment(_Resource):
    collection, render = "deployments", staticmethod(serialize.deployment)

    def on_get(self, req: falcon.Request, resp: falcon.Response, deployment_id: str) -> None:
        self.show(resp, self.ask(self.manager.get(deployment_id)))

    def on_put(self, req: falcon.Request, resp: falcon.Response, deployment_id: str) -> None:
        self.update(req, resp, deployment_id, validation.deployment_changes)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, deployment_id: str) -> None:
        self.delete(req, resp, deployment_id)
