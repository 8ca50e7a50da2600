"""``GET /tasks/{id}/placement``: why a task is on its node, or why it waits.

For a task placed in a small batch (see :data:`actors.scheduler.EXPLAIN_BATCH`)
the explanation the scheduler recorded when it placed it (``"recorded":
true``: the best 20 nodes then, with each score plug-in's part, and how many
nodes each filter rejected). Otherwise, or with ``offset`` or ``node``, one
computed now against the current nodes (``"recorded": false``), as if the
task were placed now (a bound task's own request is taken off its node
first). Paged: ``limit`` (1 to 500, default 20) feasible nodes best first
and rejected nodes by id, from ``offset``; ``node`` keeps the nodes whose id
contains it.
"""

from __future__ import annotations

from typing import Any

import falcon

from actors.domain import namespaces
from actors.domain.models import TaskStatus, replace
from actors.scheduling.preemption import without
from api.native import serialize
from api.native.resources import DEFAULT_TIMEOUT, _namespace

MAX_LIMIT = 500


class TaskPlacement:
    def __init__(self, tasks: Any, datastore: Any, scheduler: Any, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.tasks = tasks
        self.datastore = datastore
        self.scheduler = scheduler
        self.timeout = timeout

    def on_get(self, req: falcon.Request, resp: falcon.Response, task_id: str) -> None:
        limit = req.get_param_as_int("limit", min_value=1, max_value=MAX_LIMIT, default=20)
        offset = req.get_param_as_int("offset", min_value=0, default=0)
        search = req.get_param("node") or None
        task = self.tasks.get(namespaces.key(_namespace(req), task_id)).get(timeout=self.timeout)
        bound = task.status.active and task.node is not None
        explanation = None
        if bound and offset == 0 and search is None:
            explanation = self.scheduler.recorded(task.id).get(timeout=self.timeout)
        if explanation is None:
            nodes = self.datastore.list_nodes().get(timeout=self.timeout)
            if bound:
                own = [task]
                nodes = [without(n, own) if n.id == task.node else n for n in nodes]
                task = replace(task, status=TaskStatus.PENDING, node=None, gpu_devices=())
            explanation = self.scheduler.explain(task, nodes, limit, offset, search).get(timeout=self.timeout)
            task = self.tasks.get(task.id).get(timeout=self.timeout)
        shown = explanation.as_json()
        shown["candidates"] = shown["candidates"][:limit]
        shown["rejections"] = shown["rejections"][:limit]
        namespace, name = namespaces.split(task.id)
        shown.update(task=name, namespace=namespace, status=task.status.value, bound_to=task.node,
                     scheduled_at=serialize.rfc3339(task.scheduled_at), message=task.message)
        resp.media = shown
