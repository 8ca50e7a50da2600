"""NodeAffinity: the node selector and the required node affinity filter
(one reason for both, as kube-scheduler gives); each preferred term a node
matches adds its weight to the node's score (normalised so the best node
scores 100)."""

from __future__ import annotations

import numpy as np

from actors.domain import affinity
from actors.domain.models import Node, Task
from actors.scheduling.plugins.base import Cluster, ScorePlugin, normalize_max

MISMATCH = "node(s) didn't match Pod's node affinity/selector"


def selector_matches(task: Task, node: Node) -> bool:
    labels = node.labels
    for key, value in task.node_selector.items():
        if labels.get(key) != value:
            return False
    return True


def node_affinity_matches(task: Task, node: Node) -> tuple[str, ...]:
    if selector_matches(task, node) and affinity.matches(task.node_affinity, node.labels):
        return ()
    return (MISMATCH,)


def matches_mask(task: Task, nodes) -> np.ndarray:
    return np.fromiter((selector_matches(task, n) and affinity.matches(task.node_affinity, n.labels) for n in nodes),
                       dtype=bool, count=len(nodes))


def _preferred(task: Task, node: Node) -> int:
    return sum(weight for weight, term in task.constraints.preferred_node_affinity
               if term and all(r.matches(node.labels) for r in term))


class NodeAffinityScore(ScorePlugin):
    name = "NodeAffinity"

    def applies(self, task: Task, cluster: Cluster) -> bool:
        return bool(task.constraints.preferred_node_affinity)

    def raw(self, task: Task, node: Node, cluster: Cluster, feasible) -> int:
        return _preferred(task, node)

    def raws(self, task: Task, cluster: Cluster, feasible: np.ndarray) -> np.ndarray:
        return cluster.memo(("preferred", task.constraints.preferred_node_affinity), lambda: np.fromiter(
            (_preferred(task, n) for n in cluster.nodes), dtype=np.int64, count=len(cluster.nodes)))

    def normalize(self, raw: np.ndarray) -> np.ndarray:
        return normalize_max(raw)
