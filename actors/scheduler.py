"""The scheduler actor: places tasks on nodes with a scoring policy.

The controller asks it with the pending tasks and the nodes it saw, and gets
one decision per task. The rule is the pure functions of
:mod:`actors.scheduling.rules`; the scheduler applies it with a
:class:`actors.scheduling.node_index.NodeIndex`, its working copy of the nodes, brought
up to date with what changed at every ask (so a restarted scheduler only
rebuilds it). The scheduler asks nobody.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pykka

from actors.domain.errors import ValidationError
from actors.domain.models import Node, Task
from actors.scheduling.node_index import NodeIndex
from actors.scheduling.rules import DEFAULT_POLICY, POLICIES, Decision, Placement
from actors.supervisor import Supervisable

logger = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, policy: str = DEFAULT_POLICY) -> None:
        if policy not in POLICIES:
            raise ValidationError("policy", f"unknown policy '{policy}'; choose one of {', '.join(POLICIES)}")
        self.policy = policy
        self._index = NodeIndex(policy)

    def schedule(self, tasks: Sequence[Task], nodes: Sequence[Node]) -> list[Decision]:
        """One decision per task, in order; later tasks see what earlier ones took."""
        self._index.sync(nodes)
        decisions = self._index.place_all(tasks)
        if logger.isEnabledFor(logging.DEBUG):
            for decision in decisions:
                if isinstance(decision, Placement):
                    logger.debug(
                        "task %s -> node %s (%s score %.1f)",
                        decision.task_id, decision.node_id, self.policy, decision.score,
                    )
                else:
                    logger.debug("task %s unschedulable: %s", decision.task_id, decision.message)
        return decisions


class SchedulerActor(Supervisable, pykka.ThreadingActor, Scheduler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:  # the arguments of Scheduler
        pykka.ThreadingActor.__init__(self)
        Scheduler.__init__(self, *args, **kwargs)


SchedulerProxy = pykka.ActorProxy[SchedulerActor]
