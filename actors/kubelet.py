"""The simulated kubelet: runs the tasks of every simulated node.

One actor serves all simulated nodes (thousands of nodes cost one heap entry
per running task, not a thread each). A task bound to a simulated node goes
``scheduled -> running`` as soon as the kubelet hears of it; a task with a
``duration`` ends that many seconds after its ``started_at``, in its
``outcome``.

Call graph: the controller tells it about bound tasks, the timer tells it to
tick; it asks the datastore, tells the timer when to wake it next, and tells
the controller (``on_change``) when tasks ended and freed resources, or when
a deployment's task started running (a rolling update waits for that).

Every write is a compare-and-swap on the version the kubelet last saw, so a
task that was failed, moved or deleted meanwhile is left alone.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Callable, Iterable
from typing import Any

import pykka

from actors.quiescence import CountedActor

from actors.datastore import DatastoreProxy
from actors.domain.lifecycle import status_changes
from actors.domain.models import Task, TaskStatus
from actors.store.ops import Patch
from actors.supervisor import Supervisable

logger = logging.getLogger(__name__)

ASK_TIMEOUT = 10.0


def _noop(*args: object, **kwargs: object) -> None:
    pass


class Kubelet:
    def __init__(
        self,
        datastore: DatastoreProxy,
        clock: Callable[[], float],
        on_change: Callable[..., object] = _noop,
        wake_at: Callable[[float], object] = _noop,
        leading: Callable[[], bool] = lambda: True,
    ) -> None:
        self.leading = leading
        """False while another process is the elected controller (etcd):
        then its kubelet runs the simulated nodes, not this one."""
        self.datastore = datastore
        self.clock = clock
        self.on_change = on_change
        self.wake_at = wake_at
        self._ending: list[tuple[float, int, Task]] = []  # (due, seq, running task)
        self._seq = itertools.count()
        self._armed: set[float] = set()  # wake-up times asked of the timer and not yet come

    def set_hooks(self, on_change: Callable[..., object], wake_at: Callable[[float], object]) -> None:
        self.on_change = on_change
        self.wake_at = wake_at

    @property
    def tracked(self) -> int:
        """How many running tasks wait for their end."""
        return len(self._ending)

    def start_tasks(self, tasks: Iterable[str | Task]) -> int:
        """Run the given tasks (bound to simulated nodes): their ids, or the
        records just committed (which spares reading them); returns how many
        started."""
        if not self.leading():
            return 0
        tasks = list(tasks)
        if not all(isinstance(t, Task) for t in tasks):
            tasks = self.datastore.get_tasks([t if isinstance(t, str) else t.id for t in tasks]).get(
                timeout=ASK_TIMEOUT)
        started = self._start(tasks)
        self._arm()
        return started

    def resync(self) -> int:
        """Pick up every task on a simulated node, e.g. after a restart."""
        self._ending.clear()
        self._armed.clear()
        if not self.leading():
            return 0
        simulated = {n.id for n in self.datastore.list_nodes().get(timeout=ASK_TIMEOUT) if n.simulated}
        tasks = [
            t
            for status in (TaskStatus.SCHEDULED, TaskStatus.RUNNING)
            for t in self.datastore.list_tasks(status).get(timeout=ASK_TIMEOUT)
            if t.node in simulated
        ]
        self._ending.clear()
        started = self._start(tasks)
        self._arm()
        return started

    def tick(self) -> int:
        """End the tasks whose time is up; returns how many ended."""
        if not self.leading():
            self._ending.clear()
            self._armed.clear()
            return 0
        now = self.clock()
        self._armed = {when for when in self._armed if when > now}  # the wake-ups that brought us here are spent
        due: list[Task] = []
        while self._ending and self._ending[0][0] <= now:
            due.append(heapq.heappop(self._ending)[2])
        ended = 0
        if due:
            txns = [
                [Patch("task", t.id, t.version, status_changes(t.outcome, t.started_at + t.duration))]
                for t in due
            ]
            results = self.datastore.commit_each(txns).get(timeout=ASK_TIMEOUT)
            ended = sum(1 for r in results if isinstance(r, list))
            if ended:
                logger.debug("%d simulated tasks ended", ended)
                # Only room freed, unless a deployment lost a task (it replaces it).
                self.on_change(freed_only=all(r[0].owner is None for r in results if isinstance(r, list)))
        self._arm()
        return ended

    def _start(self, tasks: Iterable[Task]) -> int:
        now = self.clock()
        to_start = [t for t in tasks if t.status is TaskStatus.SCHEDULED]
        for t in tasks:
            if t.status is TaskStatus.RUNNING:
                self._track(t)
        if not to_start:
            return 0
        running = status_changes(TaskStatus.RUNNING, now)
        results = self.datastore.commit_each(
            [[Patch("task", t.id, t.version, running)] for t in to_start]
        ).get(timeout=ASK_TIMEOUT)
        started = 0
        owned = False
        for result in results:
            if isinstance(result, list):
                started += 1
                owned = owned or result[0].owner is not None
                self._track(result[0])
        if owned:
            self.on_change(capacity_changed=False)
        return started

    def _track(self, task: Task) -> None:
        if task.duration is not None and task.started_at is not None:
            heapq.heappush(self._ending, (task.started_at + task.duration, next(self._seq), task))

    def _arm(self) -> None:
        """Ask the timer to wake us for the next task to end, unless a
        wake-up at that time or earlier is already asked for (it will arm
        the next one): one wake-up per moment, however often we are told."""
        if not self._ending:
            return
        due = self._ending[0][0]
        if not any(when <= due for when in self._armed):
            self._armed.add(due)
            self.wake_at(due)


class KubeletActor(Supervisable, CountedActor, Kubelet):
    def __init__(self, *args: Any, **kwargs: Any) -> None:  # the arguments of Kubelet
        CountedActor.__init__(self)
        Kubelet.__init__(self, *args, **kwargs)


KubeletProxy = pykka.ActorProxy[KubeletActor]
