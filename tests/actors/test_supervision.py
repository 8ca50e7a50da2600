"""Pykka has no supervision: ours restarts crashed actors and the cluster
converges. A crash is injected the way one really happens: an exception in a
message that nobody waits for (a ``defer`` call), which stops a Pykka actor."""

from __future__ import annotations

import pykka
import pytest

from actors.domain.models import NodeSpec, Resources, TaskSpec, TaskStatus
from actors.system import Settings, start_control_plane
from tests.helpers import FakeClock, settle


def crash(handle) -> None:
    """Make the actor behind ``handle`` die, and wait until it has."""
    ref = handle.actor_ref
    handle.set_failure_hook.defer(None, "too many arguments")  # a TypeError inside the actor
    assert ref.actor_stopped.wait(5)


def wait_restarted(cp, handle, dead_ref) -> None:
    """One check suffices: the actor has stopped (see :func:`crash`), so
    either its failure report reached the supervisor first and it was
    restarted, or the check finds it dead and restarts it."""
    cp.supervisor.check().get(timeout=5)  # also what the timer does every tick
    assert handle.actor_ref is not dead_ref and handle.actor_ref.is_alive(), f"{handle.name} was not restarted"


@pytest.fixture
def cp():
    control_plane = start_control_plane(Settings(clock=FakeClock(), start_timer=False))
    yield control_plane
    control_plane.stop()


@pytest.mark.parametrize("name", ["scheduler", "controller", "node_manager", "task_manager", "kubelet", "events"])
def test_a_crashed_actor_is_restarted_and_the_cluster_converges(cp, name):
    cp.node_manager.register(NodeSpec("n1", capacity=Resources(2000, 2000))).get(timeout=5)
    cp.task_manager.create(TaskSpec(id="before", resources=Resources(500, 10))).get(timeout=5)
    settle(cp)
    handle = getattr(cp, name)
    dead = handle.actor_ref
    crash(handle)
    wait_restarted(cp, handle, dead)
    for i in range(3):
        cp.task_manager.create(TaskSpec(id=f"after-{i}", resources=Resources(500, 10))).get(timeout=5)
    settle(cp)
    tasks = {t.id: t for t in cp.task_manager.list().get(timeout=5)}
    assert {t.status for t in tasks.values()} == {TaskStatus.RUNNING}, tasks
    assert cp.supervisor.restarts.get(timeout=5)[handle.name] == 1


def test_crashes_everywhere_at_once_still_place_every_task_that_fits(cp):
    cp.node_manager.register(NodeSpec("n1", capacity=Resources(4000, 4000))).get(timeout=5)
    for i in range(4):
        cp.task_manager.create(TaskSpec(id=f"t{i}", resources=Resources(500, 10))).get(timeout=5)
    handles = [cp.scheduler, cp.controller, cp.kubelet, cp.node_manager, cp.task_manager]
    dead = [h.actor_ref for h in handles]
    for handle in handles:
        crash(handle)
    for handle, ref in zip(handles, dead):
        wait_restarted(cp, handle, ref)
    cp.task_manager.create(TaskSpec(id="late", resources=Resources(500, 10))).get(timeout=5)
    cp.task_manager.create(TaskSpec(id="too-big", resources=Resources(9000, 10))).get(timeout=5)
    settle(cp)
    statuses = {t.id: t.status for t in cp.task_manager.list().get(timeout=5)}
    assert statuses.pop("too-big") is TaskStatus.PENDING
    assert set(statuses.values()) == {TaskStatus.RUNNING}


def test_a_restarted_kubelet_still_ends_running_tasks(cp):
    clock = cp.settings.clock
    cp.node_manager.register(NodeSpec("n1")).get(timeout=5)
    cp.task_manager.create(TaskSpec(id="t1", duration=10)).get(timeout=5)
    settle(cp)
    dead = cp.kubelet.actor_ref
    crash(cp.kubelet)
    wait_restarted(cp, cp.kubelet, dead)
    clock.advance(10)
    cp.kubelet.tick().get(timeout=5)
    settle(cp)
    assert cp.task_manager.get("t1").get(timeout=5).status is TaskStatus.SUCCEEDED


def test_restarts_are_counted_in_the_metrics(cp):
    dead = cp.scheduler.actor_ref
    crash(cp.scheduler)
    wait_restarted(cp, cp.scheduler, dead)
    assert cp.metrics.actor_restarts.labels("scheduler")._value.get() == 1


def test_a_stopped_control_plane_restarts_nothing(cp):
    cp.stop()
    assert not any(ref.is_alive() for ref in pykka.ActorRegistry.get_all())
