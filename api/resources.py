"""The HTTP resources: each turns a request into asks of the managers.

Resources hold the manager proxies they are given; they validate input with
:mod:`api.validation` and leave error mapping to :mod:`api.errors`.
"""

from __future__ import annotations

from collections.abc import Callable

import falcon

from actors.node_manager import NodeManagerProxy
from actors.reply import Reply
from actors.task_manager import TaskManagerProxy
from api import body, serialize, validation
from api.params import bool_param

DEFAULT_TIMEOUT = 15.0  # seconds an HTTP request waits on an actor before a 503

WaitDurable = Callable[[int, float], None]
"""Blocks until a revision is durable: no write is acknowledged before."""


def _already_durable(revision: int, timeout: float) -> None:
    pass


def _etag(resp: falcon.Response, version: int) -> None:
    resp.etag = f'"{version}"'


class Health:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"status": "ok"}


class Nodes:
    def __init__(
        self, nodes: NodeManagerProxy, timeout: float = DEFAULT_TIMEOUT, durable: WaitDurable = _already_durable
    ) -> None:
        self.nodes = nodes
        self.timeout = timeout
        self.durable = durable

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        healthy = bool_param(req, "healthy")
        resp.media = [serialize.node(n) for n in self.nodes.list(healthy).get(timeout=self.timeout)]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        spec = validation.node_spec(body.read_json_object(req))
        node = self.nodes.register(spec).get(timeout=self.timeout)
        self.durable(node.version, self.timeout)
        resp.status = falcon.HTTP_201
        resp.location = f"/nodes/{node.id}"
        _etag(resp, node.version)
        resp.media = serialize.node(node)


class Node:
    def __init__(
        self, nodes: NodeManagerProxy, timeout: float = DEFAULT_TIMEOUT, durable: WaitDurable = _already_durable
    ) -> None:
        self.nodes = nodes
        self.timeout = timeout
        self.durable = durable

    def on_get(self, req: falcon.Request, resp: falcon.Response, node_id: str) -> None:
        node = self.nodes.get(node_id).get(timeout=self.timeout)
        _etag(resp, node.version)
        resp.media = serialize.node(node)

    def on_put(self, req: falcon.Request, resp: falcon.Response, node_id: str) -> None:
        data = body.read_json_object(req)
        changes = validation.node_changes(data)
        version = validation.expected_version(data, req.get_header("If-Match"))
        node = self.nodes.update(node_id, changes, version).get(timeout=self.timeout)
        self.durable(node.version, self.timeout)
        _etag(resp, node.version)
        resp.media = serialize.node(node)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, node_id: str) -> None:
        data = body.read_optional_object(req)
        validation.only_version(data)
        version = validation.expected_version(data, req.get_header("If-Match"))
        self.durable(self.nodes.delete(node_id, version).get(timeout=self.timeout), self.timeout)
        resp.status = falcon.HTTP_204


class NodeHeartbeat:
    def __init__(
        self, nodes: NodeManagerProxy, timeout: float = DEFAULT_TIMEOUT, durable: WaitDurable = _already_durable
    ) -> None:
        self.nodes = nodes
        self.timeout = timeout
        self.durable = durable

    def on_post(self, req: falcon.Request, resp: falcon.Response, node_id: str) -> None:
        node = self.nodes.heartbeat(node_id).get(timeout=self.timeout)
        self.durable(node.version, self.timeout)
        _etag(resp, node.version)
        resp.media = serialize.node(node)


class Tasks:
    def __init__(
        self, tasks: TaskManagerProxy, timeout: float = DEFAULT_TIMEOUT, durable: WaitDurable = _already_durable
    ) -> None:
        self.tasks = tasks
        self.timeout = timeout
        self.durable = durable

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        status = req.get_param("status")
        node = req.get_param("node")
        status = validation.task_status(status, "status") if status is not None else None
        found = self.tasks.list(status, node).get(timeout=self.timeout)
        resp.media = [serialize.task(t) for t in found]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        spec = validation.task_spec(body.read_json_object(req))
        reply = Reply()
        self.tasks.submit(spec, reply)  # completed once durable: one wait, no more
        (task,) = reply.get(timeout=self.timeout)
        resp.status = falcon.HTTP_201
        resp.location = f"/tasks/{task.id}"
        _etag(resp, task.version)
        resp.media = serialize.task(task)


class Task:
    def __init__(
        self, tasks: TaskManagerProxy, timeout: float = DEFAULT_TIMEOUT, durable: WaitDurable = _already_durable
    ) -> None:
        self.tasks = tasks
        self.timeout = timeout
        self.durable = durable

    def on_get(self, req: falcon.Request, resp: falcon.Response, task_id: str) -> None:
        task = self.tasks.get(task_id).get(timeout=self.timeout)
        _etag(resp, task.version)
        resp.media = serialize.task(task)

    def on_put(self, req: falcon.Request, resp: falcon.Response, task_id: str) -> None:
        data = body.read_json_object(req)
        status = validation.status_update(data)
        version = validation.expected_version(data, req.get_header("If-Match"))
        task = self.tasks.update_status(task_id, status, version).get(timeout=self.timeout)
        self.durable(task.version, self.timeout)
        _etag(resp, task.version)
        resp.media = serialize.task(task)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, task_id: str) -> None:
        data = body.read_optional_object(req)
        validation.only_version(data)
        version = validation.expected_version(data, req.get_header("If-Match"))
        self.durable(self.tasks.delete(task_id, version).get(timeout=self.timeout), self.timeout)
        resp.status = falcon.HTTP_204
