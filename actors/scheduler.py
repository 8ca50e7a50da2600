"""The scheduler actor: places tasks on nodes with a scoring policy.

It holds no cluster state: the controller asks it with the pending tasks and
a snapshot of the nodes, and gets one decision per task. The logic is in the
pure functions of :mod:`actors.scheduling`. The scheduler asks nobody.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pykka

from actors.errors import ValidationError
from actors.models import Node, Task
from actors.scheduling import DEFAULT_POLICY, POLICIES, Decision, Placement, place_all
from actors.supervisor import Supervisable

logger = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, policy: str = DEFAULT_POLICY) -> None:
        if policy not in POLICIES:
            raise ValidationError("policy", f"unknown policy '{policy}'; choose one of {', '.join(POLICIES)}")
        self.policy = policy
        self._score = POLICIES[policy]
        self._start = 0  # where the next sample of a large cluster begins

    def schedule(self, tasks: Sequence[Task], nodes: Sequence[Node]) -> list[Decision]:
        """One decision per task, in order; later tasks see what earlier ones took."""
        decisions, self._start = place_all(tasks, nodes, self._score, self._start % max(len(nodes), 1))
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
