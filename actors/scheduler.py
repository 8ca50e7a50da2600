"""The scheduler actor: places tasks on nodes with a scoring policy.

The controller asks it with the pending tasks and the nodes it saw, and gets
one decision per task. The rule is the pure functions of
:mod:`actors.scheduling.rules`; the scheduler applies ``spread`` and
``binpack`` with a :class:`actors.scheduling.node_index.NodeIndex`, its
working copy of the nodes, brought up to date with what changed at every ask
(so a restarted scheduler only rebuilds it), and a plug-in policy
(:mod:`actors.scheduling.policies`: the paper's six, or a user's) with a
:class:`actors.scheduling.plugin_index.PluginIndex`, the code the placement
experiment runs. The scheduler asks nobody.
"""

from __future__ import annotations

import logging
import collections
import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pykka

from actors.quiescence import CountedActor

from actors.domain.errors import ValidationError
from actors.domain.models import Node, Task
from actors.scheduling import policies, preemption
from actors.scheduling.preemption import Preemption
from actors.scheduling.explanation import Explanation, Verdict
from actors.scheduling.node_index import NodeIndex
from actors.scheduling.plugin_index import PluginIndex
from actors.scheduling.plugins.profiles import profile
from actors.scheduling.rules import DEFAULT_POLICY, POLICIES, Decision, Placement
from actors.supervisor import Supervisable

logger = logging.getLogger(__name__)


def known_policies() -> list[str]:
    """Every policy ``--policy`` may name: the index's and the plug-ins
    registered so far."""
    return [*POLICIES, *sorted(policies.POLICIES)]


EXPLAIN_BATCH = 16
"""Placements are explained (and the explanation kept) in batches of up to
this many tasks: what people create one by one; a backlog is placed
without (an explanation costs about a placement's time ten times over)."""
MAX_EXPLAINED = 5_000  # explanations kept; the oldest go first


class Scheduler:
    def __init__(self, policy: str = DEFAULT_POLICY, seed: int = 0,
                 score_weights: Mapping[str, int] | None = None, explain_batch: int = EXPLAIN_BATCH) -> None:
        if policy not in POLICIES and policy not in policies.POLICIES:
            raise ValidationError("policy", f"unknown policy '{policy}'; choose one of {', '.join(known_policies())}")
        self.policy = policy
        self._index = NodeIndex(profile(policy, score_weights)) if policy in POLICIES else None
        self._plugin = PluginIndex(policy, seed) if self._index is None else None
        self.explain_batch = explain_batch
        self._explainer: NodeIndex | None = None
        self._explained: collections.OrderedDict[str, Explanation] = collections.OrderedDict()

    def schedule(self, tasks: Sequence[Task], nodes: Sequence[Node],
                 changed: Iterable[int] | None = None) -> list[Decision]:
        """One decision per task, in the order placed: higher priority
        first, then as given (oldest first); later tasks see what earlier
        ones took."""
        if any(t.priority for t in tasks):
            tasks = sorted(tasks, key=lambda t: -t.priority)
        if self._index is not None:
            self._index.sync(nodes, changed)
            if len(tasks) <= self.explain_batch:
                decisions = [self._place_explained(task) for task in tasks]
            else:
                decisions = self._index.place_all(tasks)
        else:
            decisions = self._plugin.place_all(tasks, nodes)
        if logger.isEnabledFor(logging.DEBUG):
            for decision in decisions:
                if isinstance(decision, Placement):
                    logger.debug(
                        "task %s -> node %s (%s score %.0f)",
                        decision.task_id, decision.node_id, self.policy, decision.score,
                    )
                else:
                    logger.debug("task %s unschedulable: %s", decision.task_id, decision.message)
        return decisions


    def _place_explained(self, task: Task) -> Decision:
        explanation = self._index.explain(task)
        decision = self._index.place(task)
        if isinstance(decision, Placement):
            self._explained.pop(task.id, None)
            self._explained[task.id] = dataclasses.replace(explanation, recorded=True)
            if len(self._explained) > MAX_EXPLAINED:
                self._explained.popitem(last=False)
        return decision

    def recorded(self, task_id: str) -> Explanation | None:
        """The explanation kept from the task's placement, if any."""
        return self._explained.get(task_id)

    def explain(self, task: Task, nodes: Sequence[Node], limit: int = 20, offset: int = 0,
                search: str | None = None) -> Explanation:
        """Every node's verdict on ``task`` against ``nodes`` now (see
        :meth:`NodeIndex.explain`). A plug-in policy's scores are its own
        (:mod:`actors.scheduling.policies`): the filters' verdicts are given,
        the scores not."""
        if self._index is not None:
            index = self._explainer = self._explainer or NodeIndex(self._index.profile)  # not the placing one:
            index.sync(nodes)  # its rows follow the controller's lists, row by row
            return index.explain(task, limit, offset, search)
        index = NodeIndex("spread")
        index.sync(nodes)
        found = index.explain(task, limit, offset, search)
        return dataclasses.replace(
            found, policy=self.policy, node=None, weights={},
            candidates=tuple(Verdict(v.node) for v in sorted(found.candidates, key=lambda v: v.node)))

    def preempt(self, tasks: Sequence[Task], nodes: Sequence[Node],
                running: Mapping[str, Sequence[Task]]) -> list[Preemption]:
        """Where each of ``tasks`` (that fit nowhere) may preempt, and whom
        (see :mod:`actors.scheduling.preemption`)."""
        return preemption.find_all(tasks, nodes, running)


class SchedulerActor(Supervisable, CountedActor, Scheduler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:  # the arguments of Scheduler
        CountedActor.__init__(self)
        Scheduler.__init__(self, *args, **kwargs)


SchedulerProxy = pykka.ActorProxy[SchedulerActor]
