"""PodTopologySpread, as kube-scheduler has it (``minDomains``,
``matchLabelKeys`` and the node policies other than their defaults are not
supported, and no system default constraints are added).

The filter, for each ``DoNotSchedule`` constraint in order: a node without
the topology key fails (``missing required label``); otherwise the tasks the
selector picks (in the task's namespace) are counted per domain, over the
nodes that match the task's node selector and required affinity and have
every constraint's key, and placing the task in the node's domain must not
leave it more than ``max_skew`` above the emptiest domain:
``count + (1 if the task is selected itself) - min count <= max_skew``.

The score, for the ``ScheduleAnyway`` constraints: a feasible node with
every key scores ``round(sum(count * log(domains + 2) + max_skew - 1))``,
``domains`` being how many domains the feasible nodes span (for the
hostname, how many feasible nodes have every key), ``count`` as above but
the node's own for the hostname; then normalised in reverse between the
lowest and highest (``100 * (max + min - score) // max``), so the emptiest
domain scores best. Feasible nodes missing a key score 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from actors.domain import namespaces
from actors.domain.constraints import SpreadConstraint
from actors.domain.models import Node, Task
from actors.scheduling.plugins import node_affinity
from actors.scheduling.plugins.base import MAX_SCORE, Cluster, ScorePlugin
from actors.scheduling.plugins.pod_state import HOSTNAME, Condition, meets, topology_value

SKEW = "node(s) didn't match pod topology spread constraints"
MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)"


def _condition(task: Task, constraint: SpreadConstraint) -> Condition:
    return ((constraint.selector, frozenset((namespaces.namespace_of(task.id),))),)


def _selected_self(task: Task, condition: Condition) -> int:
    return 1 if task.labels and meets(condition, task) else 0


def hard(task: Task) -> tuple[SpreadConstraint, ...]:
    return tuple(c for c in task.constraints.topology_spread if c.hard)


def soft(task: Task) -> tuple[SpreadConstraint, ...]:
    return tuple(c for c in task.constraints.topology_spread if not c.hard)


# -- one node --------------------------------------------------------------------


def _counts(task: Task, constraint: SpreadConstraint, counted: Sequence[Node]) -> dict[str, int]:
    """Selected tasks per domain over ``counted`` (every domain they span, even empty)."""
    condition = _condition(task, constraint)
    found: dict[str, int] = {}
    for node in counted:
        value = topology_value(node, constraint.topology_key)
        found[value] = found.get(value, 0) + sum(1 for p in node.pods if p.labels and meets(condition, p))
    return found


def _counted(task: Task, nodes: Sequence[Node], constraints: Sequence[SpreadConstraint]) -> list[Node]:
    return [n for n in nodes if node_affinity.selector_matches(task, n)
            and not node_affinity.node_affinity_matches(task, n)
            and all(topology_value(n, c.topology_key) is not None for c in constraints)]


def topology_spread(task: Task, node: Node, cluster: Cluster) -> tuple[str, ...]:
    """The filter's rule for one node."""
    constraints = hard(task)
    if not constraints:
        return ()
    counted = _counted(task, cluster.nodes, constraints)
    for constraint in constraints:
        value = topology_value(node, constraint.topology_key)
        if value is None:
            return (MISSING_LABEL,)
        counts = _counts(task, constraint, counted)
        low = min(counts.values(), default=0)
        skew = counts.get(value, 0) + _selected_self(task, _condition(task, constraint)) - low
        if skew > constraint.max_skew:
            return (SKEW,)
    return ()


def _raw(task: Task, node: Node, cluster: Cluster, feasible: Sequence[Node]) -> int:
    constraints = soft(task)
    if any(topology_value(node, c.topology_key) is None for c in constraints):
        return -1  # ignored: scores 0
    scored = [n for n in feasible if all(topology_value(n, c.topology_key) is not None for c in constraints)]
    counted = _counted(task, cluster.nodes, constraints)
    score = 0.0
    for constraint in constraints:
        key = constraint.topology_key
        if key == HOSTNAME:
            domains = len(scored)
            condition = _condition(task, constraint)
            count = sum(1 for p in node.pods if p.labels and meets(condition, p))
        else:
            domains = len({topology_value(n, key) for n in scored})
            count = _counts(task, constraint, counted).get(topology_value(node, key), 0)
        score += count * math.log(domains + 2) + float(constraint.max_skew - 1)
    return math.floor(score + 0.5)


# -- every node -----------------------------------------------------------------


def _counted_mask(task: Task, cluster: Cluster, constraints: Sequence[SpreadConstraint]) -> np.ndarray:
    pods = cluster.pods
    mask = cluster.memo(("node-affinity", tuple(sorted(task.node_selector.items())), task.node_affinity),
                        lambda: node_affinity.matches_mask(task, cluster.nodes)).copy()
    for constraint in constraints:
        mask &= pods.codes(constraint.topology_key)[0] >= 0
    return mask


def masks(task: Task, cluster: Cluster) -> list[tuple[str, np.ndarray]]:
    """The filter over every node, as :func:`inter_pod_affinity.masks` gives it."""
    constraints = hard(task)
    if not constraints:
        return []
    pods = cluster.pods
    counted = _counted_mask(task, cluster, constraints)
    found = []
    for constraint in constraints:
        codes, domains = pods.codes(constraint.topology_key)
        condition = _condition(task, constraint)
        per_domain = pods.domain_counts(pods.node_counts(condition), constraint.topology_key, among=counted)
        spanned = np.bincount(codes[counted], minlength=domains) > 0
        low = int(per_domain[:-1][spanned].min()) if spanned.any() else 0
        has = codes >= 0
        found.append((MISSING_LABEL, has))
        skew = per_domain[codes] + _selected_self(task, condition) - low
        found.append((SKEW, ~has | (skew <= constraint.max_skew)))
    return found


class TopologySpreadScore(ScorePlugin):
    name = "PodTopologySpread"

    def applies(self, task: Task, cluster: Cluster) -> bool:
        return bool(soft(task))

    def raw(self, task: Task, node: Node, cluster: Cluster, feasible: Sequence[Node]) -> int:
        return _raw(task, node, cluster, feasible)

    def raws(self, task: Task, cluster: Cluster, feasible: np.ndarray) -> np.ndarray:
        constraints = soft(task)
        pods = cluster.pods
        has_all = np.ones(len(cluster.nodes), dtype=bool)
        for constraint in constraints:
            has_all &= pods.codes(constraint.topology_key)[0] >= 0
        scored = feasible & has_all
        counted = _counted_mask(task, cluster, constraints)
        score = np.zeros(len(cluster.nodes), dtype=np.float64)
        for constraint in constraints:
            key = constraint.topology_key
            codes, domains = pods.codes(key)
            per_node = pods.node_counts(_condition(task, constraint))
            if key == HOSTNAME:
                spanned = int(scored.sum())
                count = per_node
            else:
                spanned = int((np.bincount(codes[scored], minlength=domains) > 0).sum())
                count = pods.domain_counts(per_node, key, among=counted)[codes]
            score += count * math.log(spanned + 2) + float(constraint.max_skew - 1)
        rounded = np.floor(score + 0.5).astype(np.int64)
        rounded[~has_all] = -1
        return rounded

    def normalize(self, raw: np.ndarray) -> np.ndarray:
        """Reversed between the lowest and the highest; nodes missing a key (-1) score 0."""
        kept = raw >= 0
        if not kept.any():
            return np.zeros(raw.shape, dtype=np.int64)
        low, high = int(raw[kept].min()), int(raw[kept].max())
        if high == 0:
            found = np.full(raw.shape, MAX_SCORE, dtype=np.int64)
        else:
            found = MAX_SCORE * (high + low - raw) // high
        found[~kept] = 0
        return found
