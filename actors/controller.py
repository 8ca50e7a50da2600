"""The controller actor: reconciles desired and actual state.

Each reconcile, in order:

1. marks unhealthy every non-simulated node whose last heartbeat is
   ``node_timeout`` seconds old or more (looked for at most once a second: it is a
   scan of every node, and reconciles can come a thousand a second);
2. puts tasks bound to unhealthy or deleted nodes back to ``pending``, and
   evicts the tasks that do not tolerate a ``NoExecute`` taint of their node
   (at once, or once their ``toleration_seconds`` are up);
3. for every deployment that changed (or whose tasks did) since the last
   reconcile, creates and deletes tasks as :func:`actors.domain.rollout.plan` says:
   one transaction per deployment, guarded by the deployment's version, so
   new replicas are placed by the next step of the same reconcile;
4. asks the scheduler to place pending tasks, oldest first, and binds them
   (a compare-and-swap on the task's version, guarded by the node still
   being ready); a task that fits nowhere stays pending with the reasons in
   its ``message``, and may preempt tasks of lower priority (it is then
   nominated to their node, and placed by the next reconcile).

A reconcile that writes for a deployment asks for another at once: the next
step of a rollout may depend on what the scheduler made of the new tasks.

A reconcile that leaves nothing behind (no task pending, parked or not;
nothing stranded; no deployment to look at again; no ``NoExecute`` taint or
real node, whose checks depend on the time) makes the controller *quiet*:
then tasks ending, which only free room, ask for no reconcile (the kubelet
says so: :meth:`ControllerActor.request_reconcile` with ``freed_only``). A
replay on a virtual clock is spared a reconcile for every task's end.

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
from typing import Any

import pykka

from actors.quiescence import CountedActor

from actors.domain import rollout
from actors.datastore import DatastoreProxy
from actors.domain.lifecycle import EVICTED_PREFIX, binding, evicted, requeued
from actors.domain.taints import Taint
from actors.metrics import Metrics
from actors.domain.models import Node, Task, replace
from actors.domain.views import ClusterView
from actors.scheduling.node_snapshot import NodeSnapshot
from actors.scheduler import SchedulerProxy
from actors.scheduling import preemption
from actors.scheduling.preemption import Preemption, may_preempt
from actors.scheduling.rules import Placement
from actors.store.ops import (
    Create,
    Delete,
    Op,
    Patch,
    RequireNodeReady,
    RequireVersion,
    Update,
    gpu_guard,
)
from actors.supervisor import Supervisable

logger = logging.getLogger(__name__)

ASK_TIMEOUT = 30.0
BATCH_SIZE = 2000  # pending tasks placed per reconcile; more trigger another at once
MAX_PREEMPTORS = 16  # tasks that may preempt in one reconcile; the rest wait for the next
EXPIRY_CHECK_EVERY = 1.0  # seconds: how often a reconcile looks for silent nodes (a scan of every node)
RETRY_PARKED_EVERY = 60.0  # seconds: the safety net for parked tasks (and every deployment is looked at)
Gate = Callable[[], object]
"""Told, instead of the controller telling itself, that a reconcile is
wanted: a simulation on a virtual clock runs it when every actor is idle."""


@dataclasses.dataclass(frozen=True, slots=True)
class ReconcileResult:
    expired_nodes: int = 0
    requeued: int = 0
    scheduled: int = 0
    unschedulable: int = 0
    conflicts: int = 0
    replicas_created: int = 0
    replicas_deleted: int = 0
    preempted: int = 0
    """Preemptions committed: tasks nominated, their victims evicted."""
    evicted: int = 0
    """Tasks put off nodes whose NoExecute taints they do not tolerate."""
    more: bool = False
    """Work was left for the next reconcile (batch full, a lost race, or a
    deployment that may take its next step)."""

    @property
    def changed(self) -> bool:
        return bool(
            self.expired_nodes or self.requeued or self.scheduled or self.replicas_created or self.replicas_deleted
            or self.preempted or self.evicted
        )


@dataclasses.dataclass(frozen=True, slots=True)
class _DeploymentStep:
    created: int = 0
    deleted: int = 0
    freed: bool = False
    """A deleted task held resources on a node."""
    conflicts: int = 0


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
        new_suffix: Callable[[], str] = rollout.random_suffix,
        leading: Callable[[], bool] = lambda: True,
        *,
        retry_parked_every: float = RETRY_PARKED_EVERY,
        expiry_check_every: float = EXPIRY_CHECK_EVERY,
    ) -> None:
        """``retry_parked_every``: seconds after which parked tasks and
        unchanged deployments are looked at anyway (a safety net; a
        simulation on a virtual clock, which misses no change, turns it off
        with infinity). ``expiry_check_every``: the least seconds between
        two scans for silent nodes (0: every reconcile)."""
        self.leading = leading
        """False while another process is the elected controller (etcd)."""
        self.metrics = metrics
        self.datastore = datastore
        self.scheduler = scheduler
        self.clock = clock
        self.node_timeout = node_timeout
        self.start_tasks = start_tasks
        self.batch_size = batch_size
        self.new_suffix = new_suffix
        # After a (re)start, heartbeats count from now at the earliest: real
        # nodes get one full node_timeout of grace to reach the new process.
        self.started_at = clock()
        self.retry_parked_every = retry_parked_every
        self.expiry_check_every = expiry_check_every
        self._cursor: int | None = None  # pending tasks up to here are parked
        self._parked_since = self.started_at
        self._deployments_since: int | None = None  # deployments unchanged since this revision need nothing
        self._deployments_checked_at = self.started_at
        self._nodes = NodeSnapshot()
        self._next_expiry_check = self.started_at
        self._taint_seen: dict[tuple[str, Taint], float] = {}  # (node, NoExecute taint) -> when first seen
        self.quiet = False
        """The last reconcile left nothing for another: room freed by tasks
        that ended can change nothing (see the module's docstring)."""

    def unpark(self) -> None:
        """Something may have made room: look at every pending task again."""
        self._cursor = None
        self._parked_since = self.clock()

    def look_at_all_deployments(self) -> None:
        """Plan every deployment on the next reconcile, changed or not."""
        self._deployments_since = None
        self._deployments_checked_at = self.clock()

    def reconcile(self) -> ReconcileResult:
        self.quiet = False  # until this one is seen to leave nothing behind
        if not self.leading():
            return ReconcileResult()
        started = time.perf_counter()
        now = self.clock()
        if now - self._parked_since >= self.retry_parked_every:
            self.unpark()
        if now - self._deployments_checked_at >= self.retry_parked_every:
            self.look_at_all_deployments()
        view = self._view()

        expired: list[Node] = []
        if now >= self._next_expiry_check:  # heartbeats count in seconds: not on every reconcile
            self._next_expiry_check = now + self.expiry_check_every
            expired = sorted((
                n for n in self._nodes.real.values()
                if n.healthy and now - max(n.last_heartbeat, self.started_at) >= self.node_timeout
            ), key=lambda n: n.id)
        expired_count = 0
        if expired:
            expired_count = self._commit(
                [[Update(replace(n, healthy=False), n.version)] for n in expired]
            )[0]
            for node in expired:
                logger.info("node %s unhealthy: no heartbeat for %.0f s", node.id, now - node.last_heartbeat)
            view = self._view()

        requeued_count = 0
        if view.stranded:
            nodes = self._nodes.by_id
            requeued_count = self._commit(
                [[Update(requeued(t, _stranded_reason(t, nodes)), t.version)] for t in view.stranded]
            )[0]
            logger.info("%d tasks taken off failed nodes", requeued_count)
            self.unpark()  # they are pending again, behind the cursor
            view = self._view()

        evicted_count = self._evict_untolerated(now)
        if evicted_count:
            self.unpark()
            view = self._view()

        step = self._roll_deployments(now, view.deployments_touched)
        if step.freed:
            self.unpark()
        if step.created or step.deleted:
            view = self._view()  # new replicas are pending behind the cursor

        scheduled, unschedulable, conflicts, preempted = self._schedule(view.pending, self._nodes.nodes, now)
        if preempted:
            self.unpark()  # the victims made room: their preemptors go first, at once
        # Every task up to the view's cursor was placed or does not fit; a
        # lost race (or a preemption) means a task may deserve another look: start over.
        self._cursor = None if conflicts or preempted else view.cursor
        result = ReconcileResult(
            expired_nodes=expired_count,
            requeued=requeued_count,
            scheduled=scheduled,
            unschedulable=unschedulable,
            conflicts=conflicts + step.conflicts,
            replicas_created=step.created,
            replicas_deleted=step.deleted,
            preempted=preempted,
            evicted=evicted_count,
            more=conflicts > 0 or view.more_pending or bool(step.conflicts or step.created or step.deleted)
            or preempted > 0,
        )
        self.quiet = _leaves_nothing(view, result) and not self._nodes.real and not self._nodes.no_execute \
            and self._deployments_since is not None and view.deployments_touched <= self._deployments_since
        elapsed = time.perf_counter() - started
        if self.metrics is not None:
            self.metrics.reconcile_duration.observe(elapsed)
        if result.changed:
            logger.info(
                "reconcile: %d scheduled, %d unschedulable, %d requeued, %d nodes expired, "
                "%d replicas created, %d deleted in %.1f ms",
                scheduled, unschedulable, requeued_count, expired_count, step.created, step.deleted,
                elapsed * 1000,
            )
        return result

    def _roll_deployments(self, now: float, touched: int) -> _DeploymentStep:
        """Create and delete tasks so each changed deployment gets what it
        wants (see :mod:`actors.domain.rollout`); one guarded transaction
        each. ``touched``: the last revision any deployment (or a task of
        one) changed at; nothing changed since the last look costs no ask."""
        if self._deployments_since is not None and touched <= self._deployments_since:
            return _DeploymentStep()
        view = self.datastore.deployment_view(self._deployments_since).get(timeout=ASK_TIMEOUT)
        txns: list[list[Op]] = []
        plans: list[tuple[str, rollout.Plan]] = []
        for deployment, tasks in view.deployments:
            plan = rollout.plan(deployment, tasks)
            if not plan:
                continue
            taken = {t.id for t in tasks}
            ops: list[Op] = [RequireVersion("deployment", deployment.id, deployment.version)]
            ops += [Delete("task", t.id, t.version) for t in plan.delete]
            for _ in range(plan.create):
                task = rollout.new_replica(deployment, self._fresh_suffix(deployment.id, taken), now)
                taken.add(task.id)
                ops.append(Create(task))
            txns.append(ops)
            plans.append((deployment.id, plan))
        results = self.datastore.commit_each(txns).get(timeout=ASK_TIMEOUT) if txns else []
        created = deleted = conflicts = 0
        freed = False
        for (deployment_id, plan), result in zip(plans, results):
            if isinstance(result, Exception):
                # Changed under us (scaled, deleted, a task moved): the change
                # marks it for another look; the next reconcile runs at once.
                conflicts += 1
                logger.debug("deployment %s: plan refused (%s); trying again", deployment_id, result)
                continue
            created += plan.create
            deleted += len(plan.delete)
            freed = freed or any(t.status.active for t in plan.delete)
            logger.debug("deployment %s: %d tasks created, %d deleted", deployment_id, plan.create, len(plan.delete))
        if not conflicts:
            # Our own writes come after this revision: the next reconcile
            # looks at those deployments once more and finds nothing to do.
            self._deployments_since = view.revision
        return _DeploymentStep(created=created, deleted=deleted, freed=freed, conflicts=conflicts)

    def _fresh_suffix(self, deployment_id: str, taken: set[str]) -> str:
        """A suffix no task of the deployment has. A clash with a task made
        some other way fails the transaction, and the next try draws anew."""
        for _ in range(100):
            suffix = self.new_suffix()
            if f"{deployment_id}-{suffix}" not in taken:
                return suffix
        raise RuntimeError(f"no free task id for deployment '{deployment_id}' in 100 draws")

    def _view(self) -> ClusterView:
        """Pending and stranded tasks; the nodes that changed since the last
        view go into the snapshot."""
        view = self.datastore.cluster_view(self.batch_size, self._cursor, self._nodes.revision).get(timeout=ASK_TIMEOUT)
        self._nodes.apply(view)
        return view

    def _schedule(self, pending: list[Task], nodes: list[Node], now: float) -> tuple[int, int, int, int]:
        """Place and bind ``pending``; (scheduled, unschedulable, conflicts,
        preemptions). A task that fits nowhere may preempt lower-priority
        tasks (:mod:`actors.scheduling.preemption`): the victims are evicted
        (:func:`actors.domain.lifecycle.evicted`) and the task nominated to
        the node in one transaction; the next reconcile places it.
        A task for another scheduler is left to it: it says so in its
        message, once, and waits for a client to bind it."""
        others = [t for t in pending if t.scheduler is not None]
        if others:
            pending = [t for t in pending if t.scheduler is None]
            waiting = [[Patch("task", t.id, t.version, {"message": _waiting(t)})] for t in others
                       if t.message != _waiting(t)]
            if waiting:
                self.datastore.commit_each(waiting).get(timeout=ASK_TIMEOUT)
        if not pending:
            return 0, 0, 0, 0
        began = time.perf_counter()
        try:
            decisions = self.scheduler.schedule(pending, nodes, self._nodes.take_changes()).get(timeout=ASK_TIMEOUT)
        except BaseException:
            self._nodes.forget_changes()  # the scheduler may not have seen them: it looks at every row next time
            raise
        per_task = (time.perf_counter() - began) / len(pending)
        by_id = {t.id: t for t in pending}
        plans = self._preemptions([by_id[d.task_id] for d in decisions if not isinstance(d, Placement)], nodes)
        txns: list[list[Op]] = []
        placements: list[Placement | Preemption | None] = []  # one per transaction
        unschedulable = 0
        for decision in decisions:
            task = by_id[decision.task_id]
            plan = plans.get(task.id)
            if plan is not None:
                unschedulable += 1
                reason = preemption.message(task, plan.node_id)
                txns.append([
                    *(Update(evicted(victim, reason, now), victim.version) for victim in plan.victims),
                    Patch("task", task.id, task.version, {"message": decision.message, "nominated_node": plan.node_id}),
                ])
                placements.append(plan)
            elif isinstance(decision, Placement):
                txns.append([
                    RequireNodeReady(decision.node_id),
                    *gpu_guard(task, decision.node_id, decision.devices),
                    Patch("task", task.id, task.version, binding(task, decision.node_id, now, decision.devices)),
                ])
                placements.append(decision)
            else:
                unschedulable += 1
                if task.message != decision.message:  # write only what changed
                    txns.append([Patch("task", task.id, task.version, {"message": decision.message})])
                    placements.append(None)
        results = self.datastore.commit_each(txns).get(timeout=ASK_TIMEOUT) if txns else []
        real = self._nodes.real
        scheduled = conflicts = preempted = 0
        to_start: list[Task] = []
        for placement, result in zip(placements, results):
            if isinstance(result, Exception):
                conflicts += 1
            elif isinstance(placement, Preemption):
                preempted += 1
                logger.info("task %s preempts %s on node %s", placement.task_id,
                            ", ".join(v.id for v in placement.victims), placement.node_id)
            elif placement is not None:
                scheduled += 1
                if placement.node_id not in real:
                    to_start.extend(r for r in result if isinstance(r, Task))
                task = by_id[placement.task_id]
                if self.metrics is not None and task.attempts == 0:
                    self.metrics.create_to_scheduled.observe(max(now - task.created_at, 0.0))
        if self.metrics is not None:
            self.metrics.scheduling_attempts.inc(len(decisions))
            self.metrics.scheduling_failures.inc(unschedulable)
            self.metrics.observe_many(self.metrics.scheduling_duration, per_task, len(decisions))
        if to_start:
            self.start_tasks(to_start)
        return scheduled, unschedulable, conflicts, preempted

    def _evict_untolerated(self, now: float) -> int:
        """Put the tasks off nodes with ``NoExecute`` taints they do not
        tolerate: at once, or when a toleration's ``toleration_seconds`` run
        out (counted from when this controller first saw the taint, or the
        task was bound if later; the smallest of the tolerations that match).
        Evicted as :func:`actors.domain.lifecycle.evicted` says."""
        tainted = [self._nodes.no_execute[i] for i in sorted(self._nodes.no_execute)]
        present = {(n.id, t) for n in tainted for t in n.taints if t.effect == "NoExecute"}
        if set(self._taint_seen) != present:
            self._taint_seen = {k: v for k, v in self._taint_seen.items() if k in present}
            for key in present:
                self._taint_seen.setdefault(key, now)
        if not tainted:
            return 0
        running = self.datastore.active_tasks([n.id for n in tainted]).get(timeout=ASK_TIMEOUT)
        txns: list[list[Op]] = []
        for node in tainted:
            for task in running.get(node.id, ()):
                reason = self._eviction(task, node, now)
                if reason is not None:
                    txns.append([Update(evicted(task, reason, now), task.version)])
        if not txns:
            return 0
        done = self._commit(txns)[0]
        logger.info("%d tasks evicted by NoExecute taints", done)
        return done

    def _eviction(self, task: Task, node: Node, now: float) -> str | None:
        """Why ``task`` must leave ``node`` now, None if it may stay (for now)."""
        for taint in node.taints:
            if taint.effect != "NoExecute":
                continue
            matching = [t for t in task.tolerations if t.tolerates(taint)]
            if not matching:
                return f"{EVICTED_PREFIX}{node.id}: taint {taint} (NoExecute) is not tolerated"
            limits = [t.seconds for t in matching if t.seconds is not None]
            if limits:
                since = max(self._taint_seen.get((node.id, taint), now), task.scheduled_at or 0.0)
                due = since + min(limits)
                if now >= due:
                    return f"{EVICTED_PREFIX}{node.id}: taint {taint} (NoExecute) was tolerated for {min(limits):g} s"
        return None

    def _preemptions(self, unplaced: list[Task], nodes: list[Node]) -> dict[str, Preemption]:
        """Where the tasks that fit nowhere may preempt lower-priority ones
        (at most :data:`MAX_PREEMPTORS` a reconcile, highest priority first;
        a task already nominated waits for its node)."""
        preemptors = [t for t in unplaced if may_preempt(t) and t.nominated_node is None]
        if not preemptors:
            return {}
        preemptors = sorted(preemptors, key=lambda t: -t.priority)[:MAX_PREEMPTORS]
        running = self.datastore.active_tasks(below_priority=preemptors[0].priority).get(timeout=ASK_TIMEOUT)
        if not running:
            return {}
        plans = self.scheduler.preempt(preemptors, nodes, running).get(timeout=ASK_TIMEOUT)
        return {plan.task_id: plan for plan in plans}

    def _commit(self, txns: list[list[Op]]) -> tuple[int, int]:
        """Commit independent transactions; (succeeded, conflicted)."""
        results = self.datastore.commit_each(txns).get(timeout=ASK_TIMEOUT)
        ok = sum(1 for r in results if not isinstance(r, Exception))
        return ok, len(results) - ok


def _leaves_nothing(view: ClusterView, result: ReconcileResult) -> bool:
    """Whether every task pending at ``view`` (parked or not) was bound, and
    nothing else is left for the next reconcile."""
    return (view.pending_total is not None and view.pending_total == len(view.pending) == result.scheduled
            and not view.stranded and not result.more and not result.conflicts and not result.preempted
            and not result.evicted and not result.requeued)


def _waiting(task: Task) -> str:
    return f"waiting for scheduler '{task.scheduler}' to bind it"


def _stranded_reason(task: Task, nodes: dict[str, Node]) -> str:
    if task.node in nodes:
        return f"node '{task.node}' became unhealthy; rescheduling"
    return f"node '{task.node}' was deleted; rescheduling"


class ControllerActor(Supervisable, CountedActor, Controller):
    def __init__(self, *args: Any, gate: Gate | None = None, **kwargs: Any) -> None:  # and Controller's
        CountedActor.__init__(self)
        Controller.__init__(self, *args, **kwargs)
        self._queued = False
        self._gate = gate

    def on_start(self) -> None:
        self._self = self.actor_ref.proxy()

    def set_start_tasks(self, start_tasks: Callable[[list[str]], object]) -> None:
        self.start_tasks = start_tasks

    def request_reconcile(self, capacity_changed: bool = True, freed_only: bool = False) -> None:
        """Something changed: reconcile soon, once for any number of requests.
        ``capacity_changed`` False (a new task) leaves parked tasks parked.
        ``freed_only``: all that changed is that tasks ended (none of a
        deployment), freeing room; nothing to do if the controller is
        :attr:`Controller.quiet`."""
        if freed_only and self.quiet:
            return
        if capacity_changed:
            self.unpark()
        if not self._queued:
            self._queued = True
            if self._gate is not None:
                self._gate()
            else:
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
