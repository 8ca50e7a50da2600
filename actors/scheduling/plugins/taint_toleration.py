"""TaintToleration: a node's ``NoSchedule`` and ``NoExecute`` taints keep
off every task that does not tolerate them all (the filter); each
``PreferNoSchedule`` taint it does not tolerate lowers a node's score (the
score: the count, normalised in reverse, so the node with the most such
taints scores 0 and one with none 100)."""

from __future__ import annotations

import numpy as np

from actors.domain import taints
from actors.domain.models import Node, Task
from actors.scheduling.plugins.base import MAX_SCORE, Cluster, ScorePlugin, normalize_max


def untolerated_taint(taint: taints.Taint) -> str:
    """The reason a node's taint gives: ``node(s) had untolerated taint {dedicated: gpu}``."""
    return f"node(s) had untolerated taint {taint}"


def taints_tolerated(task: Task, node: Node) -> tuple[str, ...]:
    """The node's ``NoSchedule`` and ``NoExecute`` taints must all be
    tolerated; the first one that is not is the reason."""
    if not node.taints:
        return ()
    taint = taints.untolerated(node.taints, task.tolerations)
    return () if taint is None else (untolerated_taint(taint),)


def tolerated_mask(task: Task, nodes) -> np.ndarray:
    return np.fromiter((not n.taints or taints.untolerated(n.taints, task.tolerations) is None for n in nodes),
                       dtype=bool, count=len(nodes))


def _prefer_no_schedule(node: Node, task: Task) -> int:
    return sum(1 for t in node.taints if t.effect == "PreferNoSchedule" and not taints.tolerated(t, task.tolerations))


class TaintTolerationScore(ScorePlugin):
    name = "TaintToleration"

    def applies(self, task: Task, cluster: Cluster) -> bool:
        return cluster.memo("prefer-no-schedule", lambda: any(
            t.effect == "PreferNoSchedule" for n in cluster.nodes for t in n.taints))

    def constant(self) -> int:
        return MAX_SCORE  # no taint to avoid anywhere: every node as good

    def raw(self, task: Task, node: Node, cluster: Cluster, feasible) -> int:
        return _prefer_no_schedule(node, task)

    def raws(self, task: Task, cluster: Cluster, feasible: np.ndarray) -> np.ndarray:
        return cluster.memo(("prefer-no-schedule", task.tolerations), lambda: np.fromiter(
            (_prefer_no_schedule(n, task) if n.taints else 0 for n in cluster.nodes),
            dtype=np.int64, count=len(cluster.nodes)))

    def normalize(self, raw: np.ndarray) -> np.ndarray:
        return normalize_max(raw, reverse=True)
