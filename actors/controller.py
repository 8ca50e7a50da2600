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

Like kube-scheduler's unschedulable queue, a task that fit nowhere is
*parked*: later reconciles skip it until something that may make room
happens (a node added, changed or deleted, a task ended or deleted), or
``retry_parked_every`` seconds pass. A new task alone unparks nothing, so a
backlog of tasks that do not fit costs nothing per submission, and younger
tasks that fit are not held up behind it. Parking is a cursor in creation
order: every pending task before it was looked at and did not fit.

Call graph: the controller asks the datastore and the scheduler (neither asks
anyone back) and tells the kubelet which tasks it bound to simulated nodes.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable

import pykka

from actors.datastore import ClusterView, DatastoreProxy
from actors.lifecycle import bound, requeued
from actors.metrics import Metrics
from actors.models import Node, Task
from actors.scheduler import SchedulerProxy
from actors.scheduling import Placement
from actors.store_ops import Op, RequireNodeReady, Update
from actors.supervisor import Supervisable

logger = logging.getLogger(__name__)

ASK_TIMEOUT = 30.0
BATCH_SIZE = 2000  # pending tasks placed per reconcile; more trigger another at once
RETRY_PARKED_EVERY = 60.0  # seconds: the safety net for parked tasks


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


def _noop(*args: object, **kwargs: object) -> None:
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
        metrics: Metrics | None = None,
    ) -> None:
        self.metrics = metrics
        self.datastore = datastore
        self.scheduler = scheduler
        self.clock = clock
        self.node_timeout = node_timeout
        self.start_tasks = start_tasks
        self.batch_size = batch_size
        # After a (re)start, heartbeats count from now at the earliest: real
        # nodes get one full node_timeout of grace to reach the new process.
        self.started_at = clock()
        self.retry_parked_every = RETRY_PARKED_EVERY
        self._cursor: int | None = None  # pending tasks up to here are parked
        self._parked_since = self.started_at

    def unpark(self) -> None:
        """Something may have made room: look at every pending task again."""
        self._cursor = None
        self._parked_since = self.clock()

    def reconcile(self) -> ReconcileResult:
        started = time.perf_counter()
        now = self.clock()
        if now - self._parked_since >= self.retry_parked_every:
            self.unpark()
        view = self._view()

        expired = [
            n for n in view.nodes
            if not n.simulated and n.healthy and now - max(n.last_heartbeat, self.started_at) > self.node_timeout
        ]
        expired_count = 0
        if expired:
            expired_count = self._commit(
                [[Update(dataclasses.replace(n, healthy=False), n.version)] for n in expired]
            )[0]
            for node in expired:
                logger.info("node %s unhealthy: no heartbeat for %.0f s", node.id, now - node.last_heartbeat)
            view = self._view()

        requeued_count = 0
        if view.stranded:
            nodes = {n.id: n for n in view.nodes}
            requeued_count = self._commit(
                [[Update(requeued(t, _stranded_reason(t, nodes)), t.version)] for t in view.stranded]
            )[0]
            logger.info("%d tasks taken off failed nodes", requeued_count)
            self.unpark()  # they are pending again, behind the cursor
            view = self._view()

        scheduled, unschedulable, conflicts = self._schedule(view.pending, view.nodes, now)
        # Every task up to the view's cursor was placed or does not fit; a
        # lost race means a task may deserve another look: start over.
        self._cursor = None if conflicts else view.cursor
        result = ReconcileResult(
            expired_nodes=expired_count,
            requeued=requeued_count,
            scheduled=scheduled,
            unschedulable=unschedulable,
            conflicts=conflicts,
            more=conflicts > 0 or view.more_pending,
        )
        elapsed = time.perf_counter() - started
        if self.metrics is not None:
            self.metrics.reconcile_duration.observe(elapsed)
        if result.changed:
            logger.info(
                "reconcile: %d scheduled, %d unschedulable, %d requeued, %d nodes expired in %.1f ms",
                scheduled, unschedulable, requeued_count, expired_count,
                elapsed * 1000,
            )
        return result

    def _view(self) -> ClusterView:
        return self.datastore.cluster_view(self.batch_size, self._cursor).get(timeout=ASK_TIMEOUT)

    def _schedule(self, pending: list[Task], nodes: list[Node], now: float) -> tuple[int, int, int]:
        """Place and bind ``pending``; (scheduled, unschedulable, conflicts)."""
        if not pending:
            return 0, 0, 0
        began = time.perf_counter()
        decisions = self.scheduler.schedule(pending, nodes).get(timeout=ASK_TIMEOUT)
        per_task = (time.perf_counter() - began) / len(pending)
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
                task = by_id[placement.task_id]
                if self.metrics is not None and task.attempts == 0:
                    self.metrics.create_to_scheduled.observe(max(now - task.created_at, 0.0))
        if self.metrics is not None:
            self.metrics.scheduling_attempts.inc(len(decisions))
            self.metrics.scheduling_failures.inc(unschedulable)
            for _ in decisions:
                self.metrics.scheduling_duration.observe(per_task)
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


class ControllerActor(Supervisable, pykka.ThreadingActor, Controller):
    def __init__(
        self,
        datastore: DatastoreProxy,
        scheduler: SchedulerProxy,
        clock: Callable[[], float],
        node_timeout: float = 40.0,
        start_tasks: Callable[[list[str]], object] = _noop,
        batch_size: int = BATCH_SIZE,
        metrics: Metrics | None = None,
    ) -> None:
        pykka.ThreadingActor.__init__(self)
        Controller.__init__(self, datastore, scheduler, clock, node_timeout, start_tasks, batch_size, metrics)
        self._queued = False

    def on_start(self) -> None:
        self._self = self.actor_ref.proxy()

    def set_start_tasks(self, start_tasks: Callable[[list[str]], object]) -> None:
        self.start_tasks = start_tasks

    def request_reconcile(self, capacity_changed: bool = True) -> None:
        """Something changed: reconcile soon, once for any number of requests.
        ``capacity_changed`` False (a new task) leaves parked tasks parked."""
        if capacity_changed:
            self.unpark()
        if not self._queued:
            self._queued = True
            self._self.run_requested_reconcile()

    def tick(self) -> None:
        """The timer's periodic nudge: reconcile, leaving parked tasks parked
        (they are retried every ``retry_parked_every`` seconds)."""
        self.request_reconcile(capacity_changed=False)

    def run_requested_reconcile(self) -> None:
        """The queued reconcile (public only so the actor can tell itself)."""
        self._queued = False
        try:
            result = self.reconcile()
        except Exception:
            logger.exception("reconcile failed; the next tick tries again")
            return
        if result.more:
            self.request_reconcile(capacity_changed=False)


ControllerProxy = pykka.ActorProxy[ControllerActor]
