"""InterPodAffinity, as kube-scheduler has it.

The filter, in its order:

1. the task's required affinity: in the node's domain of every term's
   topology key runs a task meeting *all* the terms (a node without one of
   the keys fails). When no task anywhere meets them and the task meets
   them itself, any node with the keys passes: the first of a group that
   wants to run together must land somewhere;
2. the task's required anti-affinity: no task the term selects runs in the
   node's domain (a node without the key passes);
3. the running tasks' required anti-affinity: no running task whose term
   selects this task runs in the node's domain of that term's key.

The score, summed per node then normalised from the lowest (0) to the
highest (100) over the feasible nodes: for each of the task's preferred
terms, its weight for every task it selects in the node's domain (minus,
for anti-affinity); and the other way round, for each running task's term
that selects this task, that term's weight (1 for a required affinity term,
kube-scheduler's ``hardPodAffinityWeight``; minus for preferred
anti-affinity) for every node in that task's domain.

Only tasks with labels are selected (see :mod:`actors.domain.constraints`).
Each rule has its plain form (``*_reason``, ``_raw``, iterating the nodes'
tasks) and its vector form over :class:`~actors.scheduling.plugins.pod_state.PodState`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from actors.domain import namespaces
from actors.domain.constraints import PodAffinityTerm
from actors.domain.models import Node, Task
from actors.scheduling.plugins.base import MAX_SCORE, Cluster, ScorePlugin
from actors.scheduling.plugins.pod_state import Condition, meets, term_condition, topology_value

AFFINITY_MISMATCH = "node(s) didn't match pod affinity rules"
ANTI_AFFINITY_MISMATCH = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
HARD_AFFINITY_WEIGHT = 1


def applies_filter(task: Task, cluster: Cluster) -> bool:
    """Whether the filter can reject a node for ``task``."""
    c = task.constraints
    if c.affinity or c.anti_affinity:
        return True
    return cluster.pods.has_terms(("anti_affinity",))


def _all_terms(task: Task) -> Condition:
    own = namespaces.namespace_of(task.id)
    return tuple(pair for term in task.constraints.affinity for pair in term_condition(term, own))


# -- one node --------------------------------------------------------------------


def _running(cluster: Cluster) -> Iterator[tuple[Node, Task]]:
    for node in cluster.nodes:
        for task in node.pods:
            yield node, task


def _same_domain(a: Node, b: Node, key: str) -> bool:
    value = topology_value(a, key)
    return value is not None and value == topology_value(b, key)


def inter_pod_affinity(task: Task, node: Node, cluster: Cluster) -> tuple[str, ...]:
    """The filter's rule for one node."""
    own = namespaces.namespace_of(task.id)
    c = task.constraints
    if c.affinity:
        keys = [t.topology_key for t in c.affinity]
        if any(topology_value(node, k) is None for k in keys):
            return (AFFINITY_MISMATCH,)
        everything = _all_terms(task)
        matching = [(m, p) for m, p in _running(cluster) if p.labels and meets(everything, p)]
        if not all(any(_same_domain(m, node, k) for m, _ in matching) for k in keys):
            anywhere = any(all(topology_value(m, k) is not None for k in keys) for m, _ in matching)
            if anywhere or not (task.labels and meets(everything, task)):
                return (AFFINITY_MISMATCH,)
    for term in c.anti_affinity:
        condition = term_condition(term, own)
        if any(p.labels and meets(condition, p) and _same_domain(m, node, term.topology_key)
               for m, p in _running(cluster)):
            return (ANTI_AFFINITY_MISMATCH,)
    for m, p in _running(cluster):
        for term in p.constraints.anti_affinity:
            if term.covers(namespaces.namespace_of(p.id), own, task.labels) and _same_domain(m, node, term.topology_key):
                return (EXISTING_ANTI_AFFINITY,)
    return ()


def _raw(task: Task, node: Node, cluster: Cluster) -> int:
    own = namespaces.namespace_of(task.id)
    c = task.constraints
    score = 0
    for sign, terms in ((1, c.preferred_affinity), (-1, c.preferred_anti_affinity)):
        for term in terms:
            condition = term_condition(term, own)
            score += sign * term.weight * sum(1 for m, p in _running(cluster)
                                              if p.labels and meets(condition, p)
                                              and _same_domain(m, node, term.topology_key))
    for m, p in _running(cluster):
        pc, theirs = p.constraints, namespaces.namespace_of(p.id)
        for weight, terms in ((None, pc.affinity), (1, pc.preferred_affinity), (-1, pc.preferred_anti_affinity)):
            for term in terms:
                if term.covers(theirs, own, task.labels) and _same_domain(m, node, term.topology_key):
                    score += HARD_AFFINITY_WEIGHT if weight is None else weight * term.weight
    return score


# -- every node -----------------------------------------------------------------


def _in_domain(cluster: Cluster, per_node: np.ndarray, key: str) -> tuple[np.ndarray, np.ndarray]:
    """For each node: whether it has the key, and the count in its domain."""
    pods = cluster.pods
    codes, _ = pods.codes(key)
    return codes >= 0, pods.domain_counts(per_node, key)[codes]


def masks(task: Task, cluster: Cluster) -> list[tuple[str, np.ndarray]]:
    """The filter over every node: ``(reason, passes)`` in the order the
    rule checks them; a node is rejected for the first it fails."""
    pods = cluster.pods
    own = namespaces.namespace_of(task.id)
    c = task.constraints
    found = []
    if c.affinity:
        everything = _all_terms(task)
        per_node = pods.node_counts(everything)
        has_all = np.ones(len(cluster.nodes), dtype=bool)
        exist = np.ones(len(cluster.nodes), dtype=bool)
        for term in c.affinity:
            has, count = _in_domain(cluster, per_node, term.topology_key)
            has_all &= has
            exist &= count > 0
        anywhere = bool((per_node[has_all] > 0).any())
        if not anywhere and task.labels and meets(everything, task):
            found.append((AFFINITY_MISMATCH, has_all))
        else:
            found.append((AFFINITY_MISMATCH, has_all & exist))
    if c.anti_affinity:
        passes = np.ones(len(cluster.nodes), dtype=bool)
        for term in c.anti_affinity:
            has, count = _in_domain(cluster, pods.node_counts(term_condition(term, own)), term.topology_key)
            passes &= ~(has & (count > 0))
        found.append((ANTI_AFFINITY_MISMATCH, passes))
    groups = [g for g in pods.terms_covering(task) if g.kind == "anti_affinity"]
    if groups:
        passes = np.ones(len(cluster.nodes), dtype=bool)
        for group in groups:
            has, count = _in_domain(cluster, group.per_node, group.term.topology_key)
            passes &= ~(has & (count > 0))
        found.append((EXISTING_ANTI_AFFINITY, passes))
    return found


class InterPodAffinityScore(ScorePlugin):
    name = "InterPodAffinity"

    def applies(self, task: Task, cluster: Cluster) -> bool:
        c = task.constraints
        if c.preferred_affinity or c.preferred_anti_affinity:
            return True
        return cluster.pods.has_terms(("affinity", "preferred_affinity", "preferred_anti_affinity"))

    def raw(self, task: Task, node: Node, cluster: Cluster, feasible: Sequence[Node]) -> int:
        return _raw(task, node, cluster)

    def raws(self, task: Task, cluster: Cluster, feasible: np.ndarray) -> np.ndarray:
        pods = cluster.pods
        own = namespaces.namespace_of(task.id)
        c = task.constraints
        score = np.zeros(len(cluster.nodes), dtype=np.int64)
        for sign, terms in ((1, c.preferred_affinity), (-1, c.preferred_anti_affinity)):
            for term in terms:
                score += sign * term.weight * _in_domain(cluster, pods.node_counts(term_condition(term, own)),
                                                         term.topology_key)[1]
        for group in pods.terms_covering(task):
            weight = _group_weight(group.kind, group.term)
            if weight:
                score += weight * _in_domain(cluster, group.per_node, group.term.topology_key)[1]
        return score

    def normalize(self, raw: np.ndarray) -> np.ndarray:
        """From the lowest (0) to the highest (100); all 0 when they are equal."""
        if raw.size == 0:
            return raw
        low, high = int(raw.min()), int(raw.max())
        if high == low:
            return np.zeros(raw.shape, dtype=np.int64)
        return (MAX_SCORE * ((raw - low) / (high - low))).astype(np.int64)


def _group_weight(kind: str, term: PodAffinityTerm) -> int:
    if kind == "affinity":
        return HARD_AFFINITY_WEIGHT
    if kind == "preferred_affinity":
        return term.weight
    if kind == "preferred_anti_affinity":
        return -term.weight
    return 0
