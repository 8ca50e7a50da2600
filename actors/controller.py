"""The controller actor: reconciles desired and actual state.

Each reconcile, in order:

1. marks unhealthy every non-simulated node whose last heartbeat is older
   than ``node_timeout`` seconds;
2. puts tasks bound to unhealthy or deleted nodes back to ``pending``;
3. asks the scheduler to place pending tasks, oldest first, and binds them
   (a compare-and-swap on the task's version, guarded by the node still
   being ready); a task that fits nowhere stays pending with the reasons in
   its ``message``.

Reconciles run on the timer's tick and whenever another actor tells
:meth:`ControllerActor.request_reconcile` that something changed; requests
that arrive while one is queued are coalesced into it.

Call graph: the controller asks the datastore and the scheduler (neither asks
anyone back) and tells the kubelet which tasks it bound to simulated nodes.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable

import pykka

from actors.datastore import DatastoreProxy
from actors.lifecycle import bound, requeued
from actors.models import Node, Task
from actors.scheduler import SchedulerProxy
from actors.scheduling import Placement
from actors.store_ops import Op, RequireNodeReady, Update

logger = logging.getLogger(__name__)

ASK_TIMEOUT = 30.0
BATCH_SIZE = 2000  # pending tasks placed per reconcile; more trigger another at once


@dataclasses.dataclass(frozen=True, slots=True)
class ReconcileResult:
    expired_nodes: int = 0
    requeued: int = 0
    scheduled: int = 0
    unschedulable: int = 0
    conflicts: int = 0
    more: bool = False
    """Work was left for the next reconcile (batch full or a lost race)."""

    @property
    def changed(self) -> bool:
        return bool(self.expired_nodes or self.requeued or self.scheduled)


def _noop(*args: object) -> None:
    pass


class Controller:
    def __init__(
        self,
        datastore: DatastoreProxy,
        scheduler: SchedulerProxy,
        clock: Callable[[], float],
        node_timeout: float = 40.0,
        start_tasks: Callable[[list[str]], object] = _noop,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.datastore = datastore
        self.scheduler = scheduler
        self.clock = clock
        self.node_timeout = node_timeout
        self.start_tasks = start_tasks
        self.batch_size = batch_size

    def reconcile(self) -> ReconcileResult:
        started = time.perf_counter()
        now = self.clock()
        view = self.datastore.cluster_view().get(timeout=ASK_TIMEOUT)

        expired = [
            n for n in view.nodes
            if not n.simulated and n.healthy and now - n.last_heartbeat > self.node_timeout
        ]
        expired_count = 0
        if expired:
            expired_count = self._commit(
                [[Update(dataclasses.replace(n, healthy=False), n.version)] for n in expired]
            )[0]
            for node in expired:
                logger.info("node %s unhealthy: no heartbeat for %.0f s", node.id, now - node.last_heartbeat)
            view = self.datastore.cluster_view().get(timeout=ASK_TIMEOUT)

        requeued_count = 0
        if view.stranded:
            nodes = {n.id: n for n in view.nodes}
            requeued_count = self._commit(
                [[Update(requeued(t, _stranded_reason(t, nodes)), t.version)] for t in view.stranded]
            )[0]
            logger.info("%d tasks taken off failed nodes", requeued_count)
            view = self.datastore.cluster_view().get(timeout=ASK_TIMEOUT)

        batch = view.pending[: self.batch_size]
        scheduled, unschedulable, conflicts = self._schedule(batch, view.nodes, now)
        result = ReconcileResult(
            expired_nodes=expired_count,
            requeued=requeued_count,
            scheduled=scheduled,
            unschedulable=unschedulable,
            conflicts=conflicts,
            more=conflicts > 0 or len(view.pending) > len(batch),
        )
        if result.changed:
            logger.info(
                "reconcile: %d scheduled, %d unschedulable, %d requeued, %d nodes expired in %.1f ms",
                scheduled, unschedulable, requeued_count, expired_count,
                (time.perf_counter() - started) * 1000,
            )
        return result

    def _schedule(self, pending: list[Task], nodes: list[Node], now: float) -> tuple[int, int, int]:
        """Place and bind ``pending``; (scheduled, unschedulable, conflicts)."""
        if not pending:
            return 0, 0, 0
        decisions = self.scheduler.schedule(pending, nodes).get(timeout=ASK_TIMEOUT)
        by_id = {t.id: t for t in pending}
        txns: list[list[Op]] = []
        placements: list[Placement | None] = []  # one per transaction
        unschedulable = 0
        for decision in decisions:
            task = by_id[decision.task_id]
            if isinstance(decision, Placement):
                txns.append([
                    RequireNodeReady(decision.node_id),
                    Update(bound(task, decision.node_id, now), task.version),
                ])
                placements.append(decision)
            else:
                unschedulable += 1
                if task.message != decision.message:  # write only what changed
                    txns.append([Update(dataclasses.replace(task, message=decision.message), task.version)])
                    placements.append(None)
        results = self.datastore.commit_each(txns).get(timeout=ASK_TIMEOUT) if txns else []
        simulated = {n.id for n in nodes if n.simulated}
        scheduled = conflicts = 0
        to_start: list[str] = []
        for placement, result in zip(placements, results):
            if isinstance(result, Exception):
                conflicts += 1
            elif placement is not None:
                scheduled += 1
                if placement.node_id in simulated:
                    to_start.append(placement.task_id)
        if to_start:
            self.start_tasks(to_start)
        return scheduled, unschedulable, conflicts

    def _commit(self, txns: list[list[Op]]) -> tuple[int, int]:
        """Commit independent transactions; (succeeded, conflicted)."""
        results = self.datastore.commit_each(txns).get(timeout=ASK_TIMEOUT)
        ok = sum(1 for r in results if not isinstance(r, Exception))
        return ok, len(results) - ok


def _stranded_reason(task: Task, nodes: dict[str, Node]) -> str:
    if task.node in nodes:
        return f"node '{task.node}' became unhealthy; rescheduling"
    return f"node '{task.node}' was deleted; rescheduling"


class ControllerActor(pykka.ThreadingActor, Controller):
    def __init__(
        self,
        datastore: DatastoreProxy,
        scheduler: SchedulerProxy,
        clock: Callable[[], float],
        node_timeout: float = 40.0,
        start_tasks: Callable[[list[str]], object] = _noop,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        pykka.ThreadingActor.__init__(self)
        Controller.__init__(self, datastore, scheduler, clock, node_timeout, start_tasks, batch_size)
        self._queued = False

    def on_start(self) -> None:
        self._self = self.actor_ref.proxy()

    def set_start_tasks(self, start_tasks: Callable[[list[str]], object]) -> None:
        self.start_tasks = start_tasks

    def request_reconcile(self) -> None:
        """Something changed: reconcile soon, once for any number of requests."""
        if not self._queued:
            self._queued = True
            self._self.run_requested_reconcile()

    def run_requested_reconcile(self) -> None:
        """The queued reconcile (public only so the actor can tell itself)."""
        self._queued = False
        try:
            result = self.reconcile()
        except Exception:
            logger.exception("reconcile failed; the next tick tries again")
            return
        if result.more:
            self.request_reconcile()


ControllerProxy = pykka.ActorProxy[ControllerActor]
