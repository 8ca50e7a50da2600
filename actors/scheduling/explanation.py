"""Why a task is where it is, or why it waits: every node's verdict.

An :class:`Explanation` holds, for one task and one moment, how many nodes
each filter rejected (kube-scheduler's reasons), and a page of the nodes
that passed, best first, each with its score from every score plug-in (0 to
100, before weights) and its weighted total, and a page of the nodes that
did not, each with its reasons. :meth:`actors.scheduling.node_index.NodeIndex.explain`
makes one; the scheduler records one when it places a task in a small batch
(see :mod:`actors.scheduler`), and the API serves them at
``GET /tasks/{id}/placement``. Pure records.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any


@dataclasses.dataclass(frozen=True)
class Verdict:
    node: str
    reasons: tuple[str, ...] = ()
    """Why a filter rejected the node (empty: it passed)."""
    total: int | None = None
    """The weighted sum of ``scores``, for a node that passed."""
    scores: Mapping[str, int] = dataclasses.field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        if self.reasons:
            return {"node": self.node, "reasons": list(self.reasons)}
        return {"node": self.node, "total": self.total, "scores": dict(self.scores)}


@dataclasses.dataclass(frozen=True)
class Explanation:
    task: str
    policy: str
    node: str | None
    """The node chosen (or that would be chosen now); None when none fits."""
    nodes: int
    feasible: int
    rejected: Mapping[str, int]
    """How many nodes each reason rejected, most first."""
    candidates: tuple[Verdict, ...]
    """A page of the feasible nodes, best first (ties by id)."""
    rejections: tuple[Verdict, ...]
    """A page of the rejected nodes, by id."""
    weights: Mapping[str, int]
    """The score plug-ins' weights."""
    recorded: bool = False
    """True: recorded when the task was placed; False: computed now."""
    at: float | None = None
    """When it was recorded (seconds since the epoch)."""
    offset: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "task": self.task, "policy": self.policy, "node": self.node, "recorded": self.recorded,
            "nodes": {"total": self.nodes, "feasible": self.feasible, "rejected": self.nodes - self.feasible},
            "rejected": dict(self.rejected), "weights": dict(self.weights), "offset": self.offset,
            "candidates": [v.as_json() for v in self.candidates],
            "rejections": [v.as_json() for v in self.rejections],
        }
