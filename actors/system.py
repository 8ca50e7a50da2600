"""Start and stop the control plane: every actor, wired, in dependency order.

Like Mopidy's ``start_x()`` functions: each actor is started and pinged before
the next one needs it; :meth:`ControlPlane.stop` stops them in reverse order,
with ``ActorRegistry.stop_all()`` as the backstop.

Who talks to whom (``ask`` only goes down this list, ``tell`` may go up)::

    API (HTTP threads) --ask--> NodeManager, TaskManager, DeploymentManager, ObjectManager
    TaskManager --tell--> Kubelet (start a task a client bound: pods/binding)
    NodeManager, TaskManager, DeploymentManager, ObjectManager --ask--> Datastore ; --tell--> Controller
    Timer --tell--> Controller (tick every interval), Kubelet (at wake-up times)
    Controller --ask--> Datastore, Scheduler ; --tell--> Kubelet
    Kubelet --ask--> Datastore ; --tell--> Controller, Timer
    API (HTTP threads) --tell--> Datastore (new tasks, through TaskSubmitter's inbox) ; --tell--> Controller
    LeaderElector (a thread, etcd only) --tell--> Controller, Kubelet (when elected)
    Datastore --tell--> EventRecorder (every commit's changes, through an inbox)
    Datastore --> WatchLog (every commit's changes, appended in its thread; not an actor)
    API --ask--> EventRecorder (list events; watches wait on its EventFeed)
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import pykka

from actors.controller import BATCH_SIZE, EXPIRY_CHECK_EVERY, RETRY_PARKED_EVERY, ControllerActor
from actors.datastore import DatastoreActor, DatastoreProxy
from actors.deployment_manager import DeploymentManagerActor
from actors.domain.errors import OrchestratorError
from actors.event_recorder import (
    DEFAULT_CAPACITY,
    EventFeed,
    EventRecorderActor,
)
from actors.feed import ChangeFeed
from actors.inbox import Inbox
from actors.kubelet import KubeletActor
from actors.leader import DEFAULT_TTL, LeaderElector
from actors.metrics import Metrics
from actors.node_manager import NodeManagerActor
from actors.object_manager import ObjectManagerActor
from actors.scheduler import EXPLAIN_BATCH, SchedulerActor
from actors.scheduling.rules import DEFAULT_POLICY
from actors.store.backend import Backend
from actors.store.memory import MemoryBackend
from actors.supervisor import Child, Handle, SupervisorActor, SupervisorProxy
from actors.task_manager import TaskManagerActor, TaskSubmitter
from actors.timer import TimerActor, TimerProxy
from actors.watch_log import WatchLog

logger = logging.getLogger(__name__)

START_TIMEOUT = 10.0


@dataclasses.dataclass(frozen=True)
class Settings:
    reconcile_interval: float = 1.0
    """Seconds between periodic reconciles (changes also trigger one at once)."""
    node_timeout: float = 40.0
    """Seconds without a heartbeat before a non-simulated node is unhealthy."""
    policy: str = DEFAULT_POLICY
    seed: int = 0
    """Seeds a plug-in policy's random choices (tie order, ``random``'s picks)."""
    score_weights: Mapping[str, int] = dataclasses.field(default_factory=dict)
    """Changes to the ``spread``/``binpack`` profile's score weights
    (:mod:`actors.scheduling.plugins.profiles`)."""
    clock: Callable[[], float] = time.time
    """Seconds since the epoch; inject another to drive time in tests."""
    start_timer: bool = True
    """False leaves time to the caller: nothing reconciles or ends by itself."""
    event_capacity: int = DEFAULT_CAPACITY
    """How many events the log keeps (the oldest go first)."""
    leader_ttl: float = DEFAULT_TTL
    """Seconds of the leader election's lease (etcd store only; elsewhere
    the one process always leads)."""
    virtual_timer: Any = None
    """A simulation's timer (:class:`actors.simulation.virtual_time.VirtualTimer`):
    it keeps the kubelet's wake-ups for the simulation to fire, in place of
    the timer actor."""
    reconcile_gate: Callable[[], object] | None = None
    """A simulation's: told when a reconcile is wanted, instead of the
    controller running it at once (see :class:`actors.controller.ControllerActor`)."""
    retry_parked_every: float = RETRY_PARKED_EVERY
    """The controller's safety net (seconds); a simulation turns it off."""
    expiry_check_every: float = EXPIRY_CHECK_EVERY
    """The least seconds between two scans for silent nodes."""
    replica_suffix: Callable[[], str] | None = None
    """Makes the suffix of a deployment's new task (random by default; a
    simulation's counts, so a replay names them alike every time)."""
    hold_events: bool = False
    """A simulation's: every commit's changes wait, stamped with their
    commit's time, until :meth:`ControlPlane.record_events` hands them to
    the event recorder in one message (instead of one message per burst of
    commits). A replay records them only before it reads the log."""
    keep_changes: bool = True
    """Keep each commit's changes for the Kubernetes API's watches
    (:class:`actors.watch_log.WatchLog`). A replay, which serves no API,
    keeps none: four commits a task, a few microseconds each."""
    explain_batch: int = EXPLAIN_BATCH
    """Batches of up to this many tasks are placed with an explanation kept
    for the API (:data:`actors.scheduler.EXPLAIN_BATCH`); a replay, which
    nobody asks, keeps none (0): explaining costs ten placements."""


@dataclasses.dataclass
class ControlPlane:
    """The running actors. The supervised ones are :class:`Handle` objects,
    used like proxies, that keep pointing at the live actor across restarts."""

    settings: Settings
    feed: ChangeFeed
    events_feed: EventFeed
    events: Handle
    datastore: DatastoreProxy
    scheduler: Handle
    kubelet: Handle
    controller: Handle
    node_manager: Handle
    task_manager: Handle
    deployment_manager: Handle
    timer: TimerProxy | None
    supervisor: SupervisorProxy
    backend: Backend
    metrics: Metrics
    task_submitter: TaskSubmitter | None = None
    """Creates tasks from the API's threads without a task manager round trip."""
    _order: list[Handle | pykka.ActorProxy] = dataclasses.field(default_factory=list)
    elector: LeaderElector | None = None
    """Set when several processes share the store (etcd)."""
    watch_log: WatchLog = dataclasses.field(default_factory=WatchLog)
    """The last changes with their revisions, for Kubernetes watches."""
    object_manager: Handle | None = None
    """Keeps what nothing acts on (ConfigMaps, namespaces of one's own)."""
    changes: Inbox | None = None
    """Every commit's changes on their way to the event recorder."""

    @property
    def store(self) -> str:
        """The kind of store: memory, sqlite or etcd."""
        return getattr(self.backend, "kind", "memory")

    def is_leader(self) -> bool:
        """Whether this process runs the controller and the kubelet now."""
        return self.elector is None or self.elector.is_leader()

    def read_barrier(self, timeout: float) -> None:
        """Block until this process has every change acknowledged anywhere
        before the call (a no-op with one process per store)."""
        barrier = getattr(self.backend, "read_barrier", None)
        if barrier is not None:
            barrier(timeout)

    def wait_durable(self, revision: int, timeout: float) -> None:
        """Block until every change up to ``revision`` is durable; the API
        calls it before acknowledging a write."""
        self.backend.wait_durable(revision, timeout)

    def record_events(self) -> None:
        """Tell the event recorder to record the changes held for it
        (:attr:`Settings.hold_events`); nothing if none wait."""
        if self.changes is not None and len(self.changes):
            self.events.record_all(self.changes)

    def end_watches(self) -> None:
        """End every open watch at once (the native event stream's and the
        Kubernetes API's): the HTTP server calls it first when stopping."""
        self.events_feed.close()
        self.watch_log.close()

    def stop(self, timeout: float = 5.0) -> None:
        """End every watch, stop supervising, then stop every actor, newest
        first; safe to call twice."""
        if self.elector is not None:
            self.elector.stop()  # first: another process takes over at once
        self.end_watches()
        if self.supervisor.actor_ref.is_alive():
            try:
                self.supervisor.stop_supervising().get(timeout=timeout)
            except (pykka.ActorDeadError, pykka.Timeout):
                pass
        for target in reversed(self._order):
            try:
                target.actor_ref.stop(timeout=timeout)
            except pykka.Timeout:
                logger.warning("actor %s did not stop within %.0f s", target.actor_ref, timeout)
            except pykka.ActorDeadError:
                pass
        self._order.clear()


def _held(inbox: Inbox) -> None:
    """The delivery of held changes: none until asked for."""


def _ping(ref: pykka.ActorRef) -> pykka.ActorProxy:
    proxy = ref.proxy()
    proxy.actor_urn.get(timeout=START_TIMEOUT)  # a round trip: on_start has run
    return proxy


def start_control_plane(settings: Settings | None = None, backend: Backend | None = None) -> ControlPlane:
    """Start every actor over ``backend`` (memory by default; the caller
    opens it, and the datastore closes it when stopped), in dependency order,
    each supervised but the datastore and the timer. On failure, stop what
    was started and re-raise."""
    settings = settings or Settings()
    backend = backend or MemoryBackend()
    clock = settings.clock
    order: list[Handle | pykka.ActorProxy] = []
    metrics = Metrics()
    supervisor: SupervisorProxy = _ping(SupervisorActor.start(lambda name: metrics.actor_restarts.labels(name).inc()))
    order.append(supervisor)

    def supervised(name: str, start, after_restart=None) -> Handle:
        handle = Handle(name, _ping(start()))
        order.append(handle)
        handle.set_failure_hook(supervisor.hook_for(name).get(timeout=START_TIMEOUT)).get(timeout=START_TIMEOUT)
        supervisor.watch(Child(handle, start, after_restart)).get(timeout=START_TIMEOUT)
        return handle

    try:
        feed = ChangeFeed()
        events_feed = EventFeed()
        # Every commit's changes wait in an inbox for the recorder, stamped
        # with the commit's time; a new recorder takes what its dead
        # predecessor's last message left. A simulation holds them until it
        # asks (record_events).
        changes: Inbox = Inbox(_held if settings.hold_events else lambda inbox: events.record_all(inbox))
        events = supervised(
            "event-recorder", lambda: EventRecorderActor.start(clock, settings.event_capacity, events_feed),
            lambda h: changes.redeliver(),
        )
        datastore_actor = getattr(backend, "datastore_actor", DatastoreActor)
        datastore: DatastoreProxy = _ping(datastore_actor.start(backend, feed))
        order.append(datastore)
        watch_log = WatchLog(start=datastore.revision.get(timeout=START_TIMEOUT))

        keep_changes = settings.keep_changes

        def on_commit(committed: list) -> None:  # in the datastore's thread
            changes.put((clock(), committed))
            if keep_changes:
                watch_log.append(committed)

        datastore.set_on_commit(on_commit).get(timeout=START_TIMEOUT)
        metrics.watch_counts(lambda: datastore.counts().get(timeout=START_TIMEOUT))
        scheduler = supervised("scheduler", lambda: SchedulerActor.start(
            settings.policy, settings.seed, settings.score_weights, settings.explain_batch))
        # The kubelet and the controller call each other (by tell): each
        # gets the other's handle through a late-bound callable.
        handles: dict[str, Handle] = {}
        elector = None
        leading: Callable[[], bool] = lambda: True
        if getattr(backend, "leader_key", None):
            elector = LeaderElector(
                backend.client, backend.leader_key, settings.leader_ttl,
                on_elected=lambda: _take_over(handles, backend),
            )
            leading = elector.is_leader

        def start_kubelet() -> pykka.ActorRef:
            return KubeletActor.start(
                datastore, clock, _late(handles, "controller", "request_reconcile"), _wake(handles), leading=leading,
            )

        kubelet = supervised("kubelet", start_kubelet, lambda h: h.resync())
        handles["kubelet"] = kubelet
        controller = supervised(
            "controller",
            lambda: ControllerActor.start(
                datastore, scheduler, clock, settings.node_timeout, kubelet.later("start_tasks"), BATCH_SIZE, metrics,
                *(() if settings.replica_suffix is None else (settings.replica_suffix,)),
                leading=leading, gate=settings.reconcile_gate, retry_parked_every=settings.retry_parked_every,
                expiry_check_every=settings.expiry_check_every,
            ),
            lambda h: h.request_reconcile(),
        )
        handles["controller"] = controller
        if elector is not None:  # other processes write too: the leader reconciles on their changes
            datastore.set_on_remote_change(controller.later("request_reconcile")).get(timeout=START_TIMEOUT)
        timer = None
        if settings.virtual_timer is not None:
            handles["timer"] = settings.virtual_timer
        elif settings.start_timer:
            timer = _ping(TimerActor.start(
                clock, settings.reconcile_interval, [controller.later("tick"), lambda: supervisor.check()],
            ))
            order.append(timer)
            handles["timer"] = Handle("timer", timer)
        node_manager = supervised(
            "node-manager", lambda: NodeManagerActor.start(datastore, clock, controller.later("request_reconcile"))
        )
        task_manager = supervised(
            "task-manager", lambda: TaskManagerActor.start(
                datastore, clock, controller.later("request_reconcile"), start_tasks=kubelet.later("start_tasks"),
            )
        )
        deployment_manager = supervised(
            "deployment-manager",
            lambda: DeploymentManagerActor.start(datastore, clock, controller.later("request_reconcile")),
        )
        object_manager = supervised("object-manager", lambda: ObjectManagerActor.start(
            datastore, clock, controller.later("request_reconcile")))
        task_submitter = TaskSubmitter(datastore, clock, controller.later("request_reconcile"))
        kubelet.resync().get(timeout=START_TIMEOUT)
        controller.request_reconcile()
        if elector is not None:
            elector.start()
    except BaseException:
        if elector is not None:
            elector.stop()
        for target in reversed(order):
            target.actor_ref.stop()
        raise
    logger.info("control plane started: policy %s, reconcile every %s s, node timeout %s s",
                settings.policy, settings.reconcile_interval, settings.node_timeout)
    return ControlPlane(
        settings=settings, feed=feed, events_feed=events_feed, events=events, datastore=datastore, watch_log=watch_log,
        scheduler=scheduler, kubelet=kubelet, controller=controller, node_manager=node_manager,
        task_manager=task_manager, deployment_manager=deployment_manager, timer=timer, supervisor=supervisor,
        backend=backend, metrics=metrics, task_submitter=task_submitter, _order=order, elector=elector,
        object_manager=object_manager, changes=changes,
    )


def _late(handles: dict[str, Handle], name: str, method: str):
    """Tell ``method`` to the actor registered under ``name`` when called
    (it may be started, or restarted, after the caller): a tell, like
    :meth:`Handle.later`, so no future is made for nobody to read."""

    def call(*args, **kwargs) -> None:
        handle = handles.get(name)
        if handle is not None:
            getattr(handle, method).defer(*args, **kwargs)

    return call


def _take_over(handles: dict[str, Handle], backend: Backend) -> None:
    """Just elected: catch up with everything the last leader wrote (so that
    no node's room is judged from an old copy), then run every task of the
    simulated nodes, and look at everything as a controller that has just
    started would (told, from the elector's thread)."""
    try:
        backend.read_barrier(START_TIMEOUT)
    except OrchestratorError as exc:  # etcd went away again: the writes would fail as well
        logger.warning("taking over without catching up: %s", exc)
    kubelet, controller = handles.get("kubelet"), handles.get("controller")
    if kubelet is not None:
        kubelet.resync()
    if controller is not None:
        controller.look_at_all_deployments()
        controller.request_reconcile()


def _wake(handles: dict[str, Handle]) -> Callable[[float], object]:
    """The kubelet's alarm clock: the timer calls the kubelet's tick at a time."""

    def wake_at(when: float) -> object:
        timer, kubelet = handles.get("timer"), handles.get("kubelet")
        if timer is None or kubelet is None:
            return None
        return timer.wake_at(when, kubelet.later("tick"))

    return wake_at
