"""What the plug-ins look at (:class:`Cluster`) and what a score plug-in is
(:class:`ScorePlugin`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from actors.domain.models import Node, Task

MAX_SCORE = 100


class Cluster:
    """The nodes a task is placed among, in id order (their row numbers in
    the vector forms), and where the labelled tasks run on them
    (:class:`~actors.scheduling.plugins.pod_state.PodState`, built the first
    time a plug-in needs it)."""

    def __init__(self, nodes: Sequence[Node]) -> None:
        self.nodes = nodes
        self._pods = None
        self._memo: dict[object, object] = {}

    def memo(self, key: object, compute):
        """``compute()``, once per cluster for ``key`` (facts of the nodes
        that do not change as tasks are booked, such as whether any node has
        a ``PreferNoSchedule`` taint, or a mask of nodes by label)."""
        try:
            return self._memo[key]
        except KeyError:
            found = self._memo[key] = compute()
            return found

    @property
    def pods(self):  # -> PodState; imported late: pod_state imports this module
        if self._pods is None:
            from actors.scheduling.plugins.pod_state import PodState
            self._pods = PodState(self.nodes)
        return self._pods

    @property
    def pods_built(self) -> bool:
        return self._pods is not None


class ScorePlugin:
    """A score: ``raw`` for one node (the rule), ``raws`` for every node
    (its vector form; the two agree), ``normalize`` over the nodes that
    passed the filters, to whole numbers from 0 to 100. When ``applies`` is
    False for a task every node scores ``constant`` (so nothing need be
    computed: a constant changes no choice)."""

    name = ""

    def applies(self, task: Task, cluster: Cluster) -> bool:
        raise NotImplementedError

    def constant(self) -> int:
        return 0

    def raw(self, task: Task, node: Node, cluster: Cluster, feasible: Sequence[Node]) -> int:
        """``feasible``: the nodes that passed the filters (topology spread
        weighs its domains by how many they span)."""
        raise NotImplementedError

    def raws(self, task: Task, cluster: Cluster, feasible: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def normalize(self, raw: np.ndarray) -> np.ndarray:
        return raw


def normalize_max(raw: np.ndarray, reverse: bool = False) -> np.ndarray:
    """kube-scheduler's DefaultNormalizeScore: ``raw * 100 / max`` (whole),
    or 100 minus that when ``reverse``; every node 0 (100 reversed) when the
    max is 0."""
    top = int(raw.max()) if raw.size else 0
    if top == 0:
        return np.full(raw.shape, MAX_SCORE if reverse else 0, dtype=np.int64)
    scaled = raw * MAX_SCORE // top
    return MAX_SCORE - scaled if reverse else scaled
