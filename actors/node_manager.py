"""The node manager actor: register, read, update, heartbeat and delete nodes.

Call graph: the API asks it; it asks the datastore and tells the controller
(through ``on_change``) that the cluster changed, so a reconcile runs at once.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import pykka

from actors.quiescence import CountedActor

from actors.domain.lifecycle import requeued
from actors.manager import ASK_TIMEOUT, Manager
from actors.domain.models import Node, NodeChanges, NodeSpec
from actors.domain.retry import check_version, retry_on_conflict
from actors.store.ops import Create, Delete, Update
from actors.supervisor import Supervisable

logger = logging.getLogger(__name__)

class NodeManager(Manager):
    def register(self, spec: NodeSpec) -> Node:
        now = self.clock()
        node = Node(
            id=spec.id,
            capacity=spec.capacity,
            labels=dict(spec.labels),
            simulated=spec.simulated,
            annotations=dict(spec.annotations),
            taints=tuple(spec.taints),
            created_at=now,
            last_heartbeat=now,
        )
        (stored,) = self.datastore.commit([Create(node)]).get(timeout=ASK_TIMEOUT)
        logger.info("node %s registered (cpu %dm, memory %dMi%s)", node.id,
                    node.capacity.cpu, node.capacity.memory, ", simulated" if node.simulated else "")
        self.on_change()
        return stored

    def get(self, node_id: str) -> Node:
        return self.datastore.get_node(node_id).get(timeout=ASK_TIMEOUT)

    def list(self, healthy: bool | None = None) -> list[Node]:
        return self.datastore.list_nodes(healthy).get(timeout=ASK_TIMEOUT)

    def page(self, healthy: bool | None, limit: int | None, after: str | None) -> tuple[list[Node], bool]:
        """A page of nodes after id ``after``, and whether more follow."""
        return self.datastore.page_nodes(healthy, limit, after).get(timeout=ASK_TIMEOUT)

    def update(self, node_id: str, changes: NodeChanges, expected_version: int | None = None) -> Node:
        def attempt(expected: int | None) -> Node:
            node = self.get(node_id)
            check_version(node, expected)
            updated = dataclasses.replace(
                node,
                healthy=node.healthy if changes.healthy is None else changes.healthy,
                schedulable=node.schedulable if changes.schedulable is None else changes.schedulable,
                labels=node.labels if changes.labels is None else dict(changes.labels),
                annotations=node.annotations if changes.annotations is None else dict(changes.annotations),
                taints=node.taints if changes.taints is None else tuple(changes.taints),
            )
            if changes.healthy and not node.healthy:
                # Set healthy by hand: count from now, or the heartbeat
                # timeout would mark it unhealthy again at once.
                updated = dataclasses.replace(updated, last_heartbeat=self.clock())
            if updated == node:
                return node
            (stored,) = self.datastore.commit([Update(updated, node.version)]).get(timeout=ASK_TIMEOUT)
            return stored

        stored = retry_on_conflict(attempt, expected_version)
        logger.info("node %s updated: healthy=%s schedulable=%s", node_id, stored.healthy, stored.schedulable)
        self.on_change()
        return stored

    def heartbeat(self, node_id: str) -> Node:
        """Record that the node is alive; an unhealthy node becomes healthy."""

        def attempt(expected: int | None) -> Node:
            node = self.get(node_id)
            updated = dataclasses.replace(node, healthy=True, last_heartbeat=self.clock())
            (stored,) = self.datastore.commit([Update(updated, node.version)]).get(timeout=ASK_TIMEOUT)
            return stored

        stored = retry_on_conflict(attempt, None)
        self.on_change()
        return stored

    def delete(self, node_id: str, expected_version: int | None = None) -> int:
        """Remove the node and put its active tasks back to pending, in one
        transaction, so a node registered again under the same id never
        inherits them. Returns a revision at or after the deletion."""

        def attempt(expected: int | None) -> int:
            node = self.get(node_id)
            check_version(node, expected)
            tasks = self.datastore.list_tasks(node=node_id).get(timeout=ASK_TIMEOUT)
            ops = [Delete("node", node_id, node.version)]
            ops += [
                Update(requeued(t, f"node '{node_id}' was deleted; rescheduling"), t.version)
                for t in tasks
                if t.status.active
            ]
            self.datastore.commit(ops).get(timeout=ASK_TIMEOUT)
            return self.datastore.revision.get(timeout=ASK_TIMEOUT)

        revision = retry_on_conflict(attempt, expected_version)
        logger.info("node %s deleted", node_id)
        self.on_change()
        return revision


class NodeManagerActor(Supervisable, CountedActor, NodeManager):
    def __init__(self, *args: Any, **kwargs: Any) -> None:  # the arguments of NodeManager
        CountedActor.__init__(self)
        NodeManager.__init__(self, *args, **kwargs)


NodeManagerProxy = pykka.ActorProxy[NodeManagerActor]
