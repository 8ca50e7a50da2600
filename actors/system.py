"""Start and stop the control plane: every actor, wired, in dependency order.

Like Mopidy's ``start_x()`` functions: each actor is started and pinged before
the next one needs it; :meth:`ControlPlane.stop` stops them in reverse order,
with ``ActorRegistry.stop_all()`` as the backstop.

Who talks to whom (``ask`` only goes down this list, ``tell`` may go up)::

    API (HTTP threads) --ask--> NodeManager, TaskManager, DeploymentManager
    NodeManager, TaskManager, DeploymentManager --ask--> Datastore ; --tell--> Controller
    Timer --tell--> Controller (tick every interval), Kubelet (at wake-up times)
    Controller --ask--> Datastore, Scheduler ; --tell--> Kubelet
    Kubelet --ask--> Datastore ; --tell--> Controller, Timer
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable

import pykka

from actors.controller import ControllerActor, ControllerProxy
from actors.datastore import Backend, ChangeFeed, DatastoreActor, DatastoreProxy, MemoryBackend
from actors.deployment_manager import DeploymentManagerActor, DeploymentManagerProxy
from actors.kubelet import KubeletActor, KubeletProxy
from actors.node_manager import NodeManagerActor, NodeManagerProxy
from actors.scheduler import SchedulerActor, SchedulerProxy
from actors.scheduling import DEFAULT_POLICY
from actors.task_manager import TaskManagerActor, TaskManagerProxy
from actors.timer import TimerActor, TimerProxy

logger = logging.getLogger(__name__)

START_TIMEOUT = 10.0


@dataclasses.dataclass(frozen=True)
class Settings:
    reconcile_interval: float = 1.0
    """Seconds between periodic reconciles (changes also trigger one at once)."""
    node_timeout: float = 40.0
    """Seconds without a heartbeat before a non-simulated node is unhealthy."""
    policy: str = DEFAULT_POLICY
    clock: Callable[[], float] = time.time
    """Seconds since the epoch; inject another to drive time in tests."""
    start_timer: bool = True
    """False leaves time to the caller: nothing reconciles or ends by itself."""


@dataclasses.dataclass
class ControlPlane:
    settings: Settings
    feed: ChangeFeed
    datastore: DatastoreProxy
    scheduler: SchedulerProxy
    kubelet: KubeletProxy
    controller: ControllerProxy
    node_manager: NodeManagerProxy
    task_manager: TaskManagerProxy
    deployment_manager: DeploymentManagerProxy
    timer: TimerProxy | None
    backend: Backend
    _refs: list[pykka.ActorRef] = dataclasses.field(default_factory=list)

    def wait_durable(self, revision: int, timeout: float) -> None:
        """Block until every change up to ``revision`` is durable; the API
        calls it before acknowledging a write."""
        self.backend.wait_durable(revision, timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every actor, newest first; safe to call twice."""
        for ref in reversed(self._refs):
            try:
                ref.stop(timeout=timeout)
            except pykka.Timeout:
                logger.warning("actor %s did not stop within %.0f s", ref, timeout)
        self._refs.clear()


def _start(refs: list[pykka.ActorRef], actor_class: type[pykka.ThreadingActor], *args: object) -> pykka.ActorProxy:
    ref = actor_class.start(*args)
    refs.append(ref)
    proxy = ref.proxy()
    proxy.actor_urn.get(timeout=START_TIMEOUT)  # a round trip: on_start has run
    return proxy


def start_control_plane(settings: Settings | None = None, backend: Backend | None = None) -> ControlPlane:
    """Start every actor over ``backend`` (memory by default; the caller
    opens it, and the datastore closes it when stopped). On failure, stop
    what was started and re-raise."""
    settings = settings or Settings()
    backend = backend or MemoryBackend()
    clock = settings.clock
    refs: list[pykka.ActorRef] = []
    try:
        feed = ChangeFeed()
        datastore = _start(refs, DatastoreActor, backend, feed)
        scheduler = _start(refs, SchedulerActor, settings.policy)
        kubelet = _start(refs, KubeletActor, datastore, clock)
        controller = _start(refs, ControllerActor, datastore, scheduler, clock, settings.node_timeout, kubelet.start_tasks)
        timer = None
        if settings.start_timer:
            timer = _start(refs, TimerActor, clock, settings.reconcile_interval, [controller.tick])
            kubelet.set_hooks(controller.request_reconcile, _waker(timer, kubelet)).get(timeout=START_TIMEOUT)
        else:
            kubelet.set_hooks(controller.request_reconcile, _ignore).get(timeout=START_TIMEOUT)
        node_manager = _start(refs, NodeManagerActor, datastore, clock, controller.request_reconcile)
        task_manager = _start(refs, TaskManagerActor, datastore, clock, controller.request_reconcile)
        deployment_manager = _start(refs, DeploymentManagerActor, datastore, clock, controller.request_reconcile)
        kubelet.resync().get(timeout=START_TIMEOUT)
        controller.request_reconcile()
    except BaseException:
        for ref in reversed(refs):
            ref.stop()
        raise
    logger.info("control plane started: policy %s, reconcile every %s s, node timeout %s s",
                settings.policy, settings.reconcile_interval, settings.node_timeout)
    return ControlPlane(
        settings=settings, feed=feed, datastore=datastore, scheduler=scheduler, kubelet=kubelet,
        controller=controller, node_manager=node_manager, task_manager=task_manager,
        deployment_manager=deployment_manager, timer=timer,
        backend=backend, _refs=refs,
    )


def _ignore(when: float) -> None:
    pass


def _waker(timer: TimerProxy, kubelet: KubeletProxy) -> Callable[[float], object]:
    def wake_at(when: float) -> object:
        return timer.wake_at(when, kubelet.tick)

    return wake_at
