"""Replay a workload through the real control plane on a virtual clock.

The same actors as ``orchestrator serve`` (memory store, controller,
scheduler, kubelet, managers, event recorder) run in their threads, with a
:class:`~actors.simulation.virtual_time.VirtualClock` for the wall clock,
a :class:`~actors.simulation.virtual_time.VirtualTimer` for the timer actor,
and every message counted (:mod:`actors.quiescence`). The replay moves the
clock from one due moment to the next, never sleeping:

1. wait until every actor is idle (no message queued or being handled);
2. move the clock to the next moment: the next workload event, task end
   (the kubelet's wake-up), withdrawal, heartbeat, or heartbeat timeout;
3. fire the kubelet's wake-ups due then, and wait until idle; send the
   heartbeats due; apply the workload's events due (in their order), and
   the withdrawals; then run the reconciles asked for, one at a time, each
   once everything else is idle, until none is asked for. So events due at
   the same moment are all applied before the scheduler runs, and the
   actors' work is never interleaved differently from one run to the next:
   the same inputs and seed give the same event log.

All of it runs on one CPU when one is idle enough
(:mod:`actors.simulation.one_cpu`): the work goes from thread to thread at
every moment, and a hand-over is cheaper on one CPU than across two.

The controller's periodic tick and its safety net (parked tasks looked at
again every minute) are off: a replay misses no change, so they would find
nothing. Silent real nodes are looked for at their exact timeout.

Metrics come from the event log, drained after each moment: when each task
was first placed, rescheduled, preempted; and from samples of the cluster
at regular virtual times (requested shares, queue length, GPU
fragmentation). See :class:`Report`.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import gc
import hashlib
import heapq
import itertools
import logging
import math
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import orjson

from actors.domain.errors import OrchestratorError
from actors.domain.events import Event
from actors.domain.models import DeploymentChanges, NodeChanges, TaskStatus
from actors.quiescence import InFlight, counting
from actors.scheduling.fragmentation import typical_tasks
from actors.scheduling.gpu import Request
from actors.scheduling.plugin_index import request_for
from actors.simulation.one_cpu import one_cpu
from actors.simulation.sampling import ClusterSampler
from actors.simulation.virtual_time import Gate, VirtualClock, VirtualTimer
from actors.simulation.workload import Arrival, Deploy, NodeEvent, Scale, Workload
from actors.store.ops import Create
from actors.system import Settings, start_control_plane
from actors.task_manager import new_task

logger = logging.getLogger(__name__)

BASE = 1_672_531_200.0  # 2023-01-01T00:00:00Z: where the virtual clock starts
IDLE_TIMEOUT = 120.0  # seconds of wall time an actor may take to settle before the replay gives up
EVENT_CAPACITY = 1_000_000  # events the recorder may hold between two drains
DRAIN_EVERY = 64  # moments between two reads of the event log
ASK = 120.0
GC_THRESHOLDS = (20_000, 50, 100)
"""The collector's thresholds during a replay (Python's are 700, 10, 10):
a replay keeps nearly everything it makes (every task's record, every
event), so frequent young collections mostly look again at survivors.
100,000 tasks on 10,000 nodes: 4.4 s of collections down to 1.5 s."""


class ReplayError(RuntimeError):
    """The control plane did not settle, or refused a workload event."""


@dataclasses.dataclass(frozen=True)
class Sample:
    at: float
    """Virtual seconds from the start."""
    cpu: float
    """Share of the cluster's cpu requested by bound tasks (0-1); likewise memory and GPU."""
    memory: float
    gpu: float
    pending: int
    fragmentation: float
    """GPU fragmentation for the workload's typical tasks, as a share of the GPU capacity (0-1)."""


@dataclasses.dataclass
class Report:
    workload: str
    policy: str
    seed: int
    tasks: dict[str, int]
    """``total``, ``placed``, ``never_placed``, ``withdrawn``."""
    wait_seconds: dict[str, float | None]
    """Arrival to first placement, virtual seconds: ``p50``, ``p95``, ``p99``, ``max``."""
    production_wait_seconds: dict[str, float | None] | None
    """The same figures of the trace's own cluster (openb), for the placed tasks that have one."""
    virtual_seconds: float
    wall_seconds: float
    events: int
    events_sha256: str
    makespan_seconds: float
    """From the start to the last task's end (or withdrawal)."""
    rescheduled: int
    """Tasks taken off failed or deleted nodes (and placed again if they could be)."""
    preempted: int
    evicted: int
    samples: list[Sample]
    time_spent: dict[str, float]
    """Wall seconds by phase: where the replay's time goes."""

    @property
    def speedup(self) -> float:
        return self.virtual_seconds / self.wall_seconds if self.wall_seconds else math.inf

    def as_json(self) -> dict[str, Any]:
        found = dataclasses.asdict(self)
        found["virtual_seconds_per_wall_second"] = round(self.speedup, 1)
        found["samples"] = [dataclasses.asdict(s) for s in self.samples]
        return found


@contextlib.contextmanager
def collecting_less() -> Iterator[None]:
    """Freeze what exists (the workload: a million task specs, never
    garbage) out of the collector's sight, and collect less often
    (:data:`GC_THRESHOLDS`); as before afterwards."""
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    pick = lambda q: round(float(ordered[min(int(math.ceil(q * len(ordered))) - 1, len(ordered) - 1)]), 3)  # noqa: E731
    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "max": round(float(ordered[-1]), 3)}


def _default_line(event: Event) -> bytes:
    return orjson.dumps(dataclasses.asdict(event))


class _Replay:
    def __init__(self, workload: Workload, policy: str, seed: int, node_timeout: float,
                 score_weights: Mapping[str, int] | None, samples: int,
                 event_line: Callable[[Event], bytes], write: Callable[[bytes], object] | None,
                 progress: Callable[[float, float], object] | None) -> None:
        self.workload = workload
        self.node_timeout = node_timeout
        self.event_line = event_line
        self.write = write
        self.progress = progress
        self.clock = VirtualClock(BASE)
        self.timer = VirtualTimer()
        self.gate = Gate()
        self.counter = InFlight()
        suffixes = itertools.count(1)
        self.settings = Settings(
            clock=self.clock, start_timer=False, policy=policy, seed=seed, score_weights=dict(score_weights or {}),
            node_timeout=node_timeout, virtual_timer=self.timer, reconcile_gate=self.gate,
            retry_parked_every=math.inf, expiry_check_every=0.0, event_capacity=EVENT_CAPACITY,
            replica_suffix=lambda: f"r{next(suffixes):06d}",
            explain_batch=0,  # nobody reads a replay's explanations, and each costs ten placements
            keep_changes=False,  # no API, so no watches
            hold_events=True,  # recorded when the log is read: a message per DRAIN_EVERY moments, not per commit
        )
        self.hash = hashlib.sha256()
        self.events = 0
        self.last_seq = 0
        self.arrived: dict[str, float] = {}  # task id -> arrival (virtual s), until first placed
        self.known: set[str] = set()  # every task that arrived
        self.production: dict[str, float] = {}
        self.placed: set[str] = set()
        self.waits: list[float] = []
        self.production_waits: list[float] = []
        self.withdrawn = 0
        self.total = 0
        self.rescheduled = self.preempted = self.evicted = 0
        self.last_end = 0.0
        self.leaves: list[tuple[float, int, str]] = []  # (when, seq, task id)
        self.creates: list[tuple[float, Arrival, Any]] = []  # this moment's arrivals, and their commits' futures
        self.heartbeats: dict[str, float] = {}  # real node -> next heartbeat (virtual s)
        self.silent: dict[str, float] = {}  # real node whose heartbeats stopped -> when it times out
        self.samples: list[Sample] = []
        self.target_samples = samples
        self.sample_every = max(workload.span / samples, 1.0) if samples else math.inf
        self.next_sample = 0.0
        self._moments = 0
        self.spent = {"events": 0.0, "reconciles": 0.0, "idle": 0.0, "event log": 0.0, "samples": 0.0}
        sizes = collections.Counter(a.spec.resources for _, a in workload.events if isinstance(a, Arrival))
        gpu_sizes: collections.Counter[Request] = collections.Counter()
        for r, n in sizes.items():  # counted by size: a million tasks, a few sizes
            if r.gpu > 0:
                gpu_sizes[request_for(r)] += n
        self.typical = typical_tasks(gpu_sizes) if gpu_sizes else None
        self.sampler = ClusterSampler(self.typical)

    # -- the loop ---------------------------------------------------------------

    def run(self) -> Report:
        began = time.perf_counter()
        with one_cpu(), collecting_less(), counting(self.counter):
            self.cp = start_control_plane(self.settings)
            try:
                self._loop()
            finally:
                self.cp.stop()
        wall = time.perf_counter() - began
        now = self.clock() - BASE
        placed = len(self.placed)
        return Report(
            workload=self.workload.name, policy=self.settings.policy, seed=self.settings.seed,
            tasks={"total": self.total, "placed": placed, "never_placed": self.total - placed - self.withdrawn,
                   "withdrawn": self.withdrawn},
            wait_seconds=percentiles(self.waits),
            production_wait_seconds=percentiles(self.production_waits) if self.production else None,
            virtual_seconds=round(now, 3), wall_seconds=round(wall, 3), events=self.events,
            events_sha256=self.hash.hexdigest(), makespan_seconds=round(self.last_end, 3),
            rescheduled=self.rescheduled, preempted=self.preempted, evicted=self.evicted,
            samples=self.samples, time_spent={k: round(v, 3) for k, v in self.spent.items()},
        )

    def _loop(self) -> None:
        for spec in self.workload.nodes:
            self.cp.node_manager.register(spec).get(timeout=ASK)
            if not spec.simulated:
                self.heartbeats[spec.id] = self.workload.heartbeat_every
        events = self.workload.events
        i = 0
        self._settle()
        while True:
            due = [t for t in (events[i][0] if i < len(events) else None, self._timer_due(),
                               self.leaves[0][0] if self.leaves else None,
                               min(self.silent.values(), default=None)) if t is not None]
            if not due:
                break
            at = min(due)
            self._sample_until(at)
            beat = min(self.heartbeats.values(), default=None)
            if beat is not None and beat < at:  # heartbeats only while there is something else to come
                at = beat
            self.clock.advance_to(BASE + at)
            began = time.perf_counter()
            for callback in self.timer.pop_due(BASE + at):
                callback()
            self._idle()
            for node_id, when in sorted(self.heartbeats.items()):
                if when <= at:
                    self.cp.node_manager.heartbeat(node_id).get(timeout=ASK)
                    self.heartbeats[node_id] = when + self.workload.heartbeat_every
            while i < len(events) and events[i][0] <= at:
                self._apply_checked(events[i][1], at)
                i += 1
            while self.leaves and self.leaves[0][0] <= at:
                self._leave(heapq.heappop(self.leaves)[2])
            for node_id, when in list(self.silent.items()):
                if when <= at:
                    del self.silent[node_id]
                    self.gate()  # the controller finds it silent now
            self.spent["events"] += time.perf_counter() - began
            self._settle()
            if self.progress is not None:
                self.progress(at, self.workload.span)
        self._drain()
        self._sample_until(self.clock() - BASE + 1e-9, final=True)

    def _timer_due(self) -> float | None:
        due = self.timer.next_due()
        return None if due is None else max(due - BASE, 0.0)

    def _idle(self) -> None:
        began = time.perf_counter()
        if not self.counter.wait_idle(IDLE_TIMEOUT):
            raise ReplayError(f"the control plane did not settle within {IDLE_TIMEOUT:.0f} s of wall time "
                              f"({self.counter.count} messages in flight)")
        self.spent["idle"] += time.perf_counter() - began

    def _settle(self) -> None:
        """Run the reconciles asked for, one at a time, each once every actor
        is idle; every :data:`DRAIN_EVERY` moments, read the event log."""
        self._idle()
        if self.creates:
            for at, event, created in self.creates:
                try:
                    created.get(timeout=0)
                except OrchestratorError as exc:
                    raise ReplayError(_refused(at, event, exc)) from None
            self.creates.clear()
        began = time.perf_counter()
        while self.gate.take():
            # A tell: the wait for idle is the wait for the reconcile's end
            # (it logs what it raises and returns), and a future would wake
            # this thread once more for nothing.
            self.cp.controller.run_requested_reconcile.defer()
            self._idle()
        self.spent["reconciles"] += time.perf_counter() - began
        self._moments += 1
        if self._moments % DRAIN_EVERY == 0:
            self._drain()

    # -- applying the workload ---------------------------------------------------------

    def _apply_checked(self, event: object, at: float) -> None:
        try:
            self._apply(event, at)
        except OrchestratorError as exc:
            raise ReplayError(_refused(at, event, exc)) from None

    def _apply(self, event: object, at: float) -> None:
        cp = self.cp
        if isinstance(event, Arrival):
            # What the task manager's create does (a Create, then a reconcile
            # wanted), without its round trip: a replay of a million tasks
            # spends a minute on it. Its answer is read once the control
            # plane is idle (:meth:`_settle`), which it waits for anyway:
            # this thread is woken once, not twice.
            self.creates.append((at, event, cp.datastore.commit([Create(new_task(event.spec, self.clock))])))
            self.gate()
            self.total += 1
            self.known.add(event.spec.id)
            self.arrived[event.spec.id] = at
            if event.production_wait is not None:
                self.production[event.spec.id] = event.production_wait
            if event.leave_at is not None:
                heapq.heappush(self.leaves, (event.leave_at, self.total, event.spec.id))
        elif isinstance(event, Deploy):
            cp.deployment_manager.create(event.spec).get(timeout=ASK)
        elif isinstance(event, Scale):
            cp.deployment_manager.update(event.deployment, DeploymentChanges(replicas=event.replicas)).get(timeout=ASK)
        elif isinstance(event, NodeEvent):
            self._node_event(event, at)
        else:
            raise ReplayError(f"unknown workload event {event!r}")

    def _node_event(self, event: NodeEvent, at: float) -> None:
        nodes = self.cp.node_manager
        action, node_id = event.action, event.node
        if action == "add":
            nodes.register(event.spec).get(timeout=ASK)
            if not event.spec.simulated:
                self.heartbeats[node_id] = at + self.workload.heartbeat_every
            return
        if action == "remove":
            nodes.delete(node_id).get(timeout=ASK)
            self.heartbeats.pop(node_id, None)
            self.silent.pop(node_id, None)
            return
        node = nodes.get(node_id).get(timeout=ASK)
        if action in ("fail", "stop_heartbeats") and not node.simulated:
            if self.heartbeats.pop(node_id, None) is not None:
                self.silent[node_id] = node.last_heartbeat - BASE + self.node_timeout
            return
        if action == "recover" and not node.simulated:
            self.silent.pop(node_id, None)
            self.heartbeats[node_id] = at + self.workload.heartbeat_every
            nodes.heartbeat(node_id).get(timeout=ASK)
            return
        changes = {"fail": NodeChanges(healthy=False), "recover": NodeChanges(healthy=True),
                   "cordon": NodeChanges(schedulable=False), "uncordon": NodeChanges(schedulable=True)}.get(action)
        if changes is None:
            raise ReplayError(f"node {node_id}: unknown action {action!r}")
        nodes.update(node_id, changes).get(timeout=ASK)

    def _leave(self, task_id: str) -> None:
        try:
            task = self.cp.task_manager.get(task_id).get(timeout=ASK)
        except Exception:  # deleted already: nothing to take away
            return
        if task.status.final:
            return
        if task.status is TaskStatus.PENDING:
            self.withdrawn += 1
            self.arrived.pop(task_id, None)
        self.cp.task_manager.delete(task_id).get(timeout=ASK)
        self.last_end = max(self.last_end, self.clock() - BASE)

    # -- what happened -------------------------------------------------------------------

    def _drain(self) -> None:
        began = time.perf_counter()
        self.cp.record_events()
        self._idle()
        while True:
            found, head = self.cp.events.read(since=self.last_seq, limit=100_000).get(timeout=ASK)
            for event in found:
                self._note(event)
            self.last_seq = head
            if len(found) < 100_000:
                break
        self.spent["event log"] += time.perf_counter() - began

    def _note(self, event: Event) -> None:
        line = self.event_line(event)
        self.hash.update(line)
        self.hash.update(b"\n")
        if self.write is not None:
            self.write(line)
        self.events += 1
        if event.kind != "task":
            return
        reason, task_id = event.reason, event.object
        at = event.time - BASE
        if reason == "Created" and task_id not in self.known:
            self.known.add(task_id)
            self.arrived[task_id] = at  # a deployment's replica arrives when made
            self.total += 1
        elif reason == "Scheduled" and task_id not in self.placed:
            self.placed.add(task_id)
            arrival = self.arrived.pop(task_id, None)
            if arrival is not None:
                self.waits.append(at - arrival)
            production = self.production.get(task_id)
            if production is not None:
                self.production_waits.append(production)
        elif reason in ("Succeeded", "Failed", "Deleted"):
            self.last_end = max(self.last_end, at)
        elif reason == "Rescheduled":
            self.rescheduled += 1
        elif reason == "Preempted":
            self.preempted += 1
        elif reason == "TaintManagerEviction":
            self.evicted += 1

    def _sample_until(self, at: float, final: bool = False) -> None:
        """Record the samples due before ``at`` (the cluster is as it is
        now until then)."""
        if self.next_sample >= at and not final:
            return
        began = time.perf_counter()
        view = self.cp.datastore.cluster_view(0, None, self.sampler.revision).get(timeout=ASK)  # no pending task
        self.sampler.apply(view)  # the nodes changed since the last sample
        pending = view.pending_total  # counted by the datastore: none of them listed
        cap, alloc = self.sampler.capacity, self.sampler.allocated
        share = lambda a, c: round(a / c, 6) if c else 0.0  # noqa: E731
        fragmentation = round(self.sampler.fragmentation / cap.gpu, 6) if self.typical is not None and cap.gpu else 0.0
        while self.next_sample < at:
            self.samples.append(Sample(round(self.next_sample, 3), share(alloc.cpu, cap.cpu),
                                       share(alloc.memory, cap.memory), share(alloc.gpu, cap.gpu),
                                       pending, fragmentation))
            self.next_sample += self.sample_every
            if len(self.samples) >= 2 * self.target_samples:  # past the last arrival: halve how often
                self.samples = self.samples[::2]
                self.sample_every *= 2
                self.next_sample = self.samples[-1].at + self.sample_every
        self.spent["samples"] += time.perf_counter() - began


def _refused(at: float, event: object, error: Exception) -> str:
    """What a replay says of a workload event the control plane refused."""
    if isinstance(event, Arrival):
        what = f"the arrival of task '{event.spec.id}'"
    elif isinstance(event, Deploy):
        what = f"the deployment '{event.spec.id}'"
    elif isinstance(event, Scale):
        what = f"scaling deployment '{event.deployment}' to {event.replicas}"
    elif isinstance(event, NodeEvent):
        what = f"the node event '{event.action}' of node '{event.node}'"
    else:
        what = repr(event)
    return f"at {at:g} s, {what} was refused: {error}"


def replay(workload: Workload, policy: str = "spread", seed: int = 0, *, node_timeout: float = 40.0,
           score_weights: Mapping[str, int] | None = None, samples: int = 200,
           event_line: Callable[[Event], bytes] = _default_line, write: Callable[[bytes], object] | None = None,
           progress: Callable[[float, float], object] | None = None) -> Report:
    """Replay ``workload`` under ``policy``; ``event_line`` renders each
    event as one line for the log's hash and ``write``; ``progress`` is
    told the virtual time and the span after each moment."""
    return _Replay(workload, policy, seed, node_timeout, score_weights, samples, event_line, write, progress).run()
