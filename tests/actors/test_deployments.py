"""Deployments through the real actors on a fake clock: the manager records
what is wanted, the controller's deployment step makes the tasks match."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from actors.controller import Controller
from actors.datastore import DatastoreActor
from actors.store.memory import MemoryBackend
from actors.deployment_manager import DeploymentManager
from actors.domain.errors import AlreadyExists, NotFound, VersionConflict
from actors.domain.models import (
    DeploymentChanges,
    DeploymentSpec,
    NodeChanges,
    NodeSpec,
    Record,
    Resources,
    Task,
    TaskSpec,
    TaskStatus,
    TaskTemplate,
)
from actors.domain.rollout import HISTORY_LIMIT
from actors.scheduler import SchedulerActor
from actors.store.ops import Create
from actors.system import Settings, start_control_plane
from tests.helpers import make_deployment, make_node, make_template, settle

REPLICA_ID = re.compile(r"^web-[a-z0-9]{5}$")


def register(cp, node_id, cpu=4000, memory=8192):
    return cp.node_manager.register(NodeSpec(node_id, capacity=Resources(cpu, memory))).get(timeout=5)


def deploy(cp, deployment_id="web", replicas=3, template: TaskTemplate | None = None):
    spec = DeploymentSpec(deployment_id, replicas=replicas, template=template or make_template(cpu=100))
    return cp.deployment_manager.create(spec).get(timeout=5)


def change(cp, deployment_id="web", **changes):
    return cp.deployment_manager.update(deployment_id, DeploymentChanges(**changes)).get(timeout=5)


def owned(cp, deployment_id="web") -> list[Task]:
    return [t for t in cp.task_manager.list().get(timeout=5) if t.owner == deployment_id]


def live(cp, deployment_id="web") -> list[Task]:
    return [t for t in owned(cp, deployment_id) if not t.status.final]


def ready(cp, deployment_id="web") -> int:
    return cp.deployment_manager.get(deployment_id).get(timeout=5).ready


def test_new_replicas_are_placed_in_the_reconcile_that_makes_them(clock):
    datastore = DatastoreActor.start().proxy()
    datastore.commit([Create(make_node("n1"))]).get(timeout=5)
    datastore.commit([Create(make_deployment("web", replicas=3))]).get(timeout=5)
    controller = Controller(datastore, SchedulerActor.start().proxy(), clock)
    result = controller.reconcile()
    assert (result.replicas_created, result.scheduled, result.more) == (3, 3, True)
    assert {(t.owner, t.status) for t in datastore.list_tasks().get(timeout=5)} == {("web", TaskStatus.SCHEDULED)}


def test_a_deployment_gets_its_replicas(control_plane):
    register(control_plane, "n1")
    deployment = deploy(control_plane, replicas=3)
    settle(control_plane)
    tasks = owned(control_plane)
    assert len(tasks) == 3 and all(REPLICA_ID.fullmatch(t.id) and t.name == t.id for t in tasks)
    assert {(t.status, t.node, t.resources.cpu, t.template_hash) for t in tasks} == {
        (TaskStatus.RUNNING, "n1", 100, deployment.template_hash)
    }
    assert ready(control_plane) == 3
    assert control_plane.deployment_manager.get("web").get(timeout=5).available == 3


def test_scaling_up_and_down(control_plane):
    register(control_plane, "n1", cpu=1000)
    deploy(control_plane, replicas=2, template=make_template(cpu=400))
    settle(control_plane)
    first = {t.id for t in owned(control_plane)}
    change(control_plane, replicas=4)  # room for two at 400m: two more wait
    settle(control_plane)
    statuses = [t.status for t in owned(control_plane)]
    assert statuses.count(TaskStatus.RUNNING) == 2 and statuses.count(TaskStatus.PENDING) == 2
    change(control_plane, replicas=2)  # the pending ones go first
    settle(control_plane)
    assert {t.id for t in owned(control_plane)} == first
    third = [t.id for t in owned(control_plane)]
    change(control_plane, replicas=3)
    settle(control_plane)
    newest = owned(control_plane)[-1].id
    assert newest not in third
    change(control_plane, replicas=2)  # all running: the newest goes
    settle(control_plane)
    assert [t.id for t in owned(control_plane)] == third
    change(control_plane, replicas=0)
    settle(control_plane)
    assert owned(control_plane) == [] and ready(control_plane) == 0
    assert control_plane.node_manager.get("n1").get(timeout=5).allocated == Resources(0, 0)


def test_a_node_failure_is_healed(control_plane):
    register(control_plane, "a")
    register(control_plane, "b")
    deploy(control_plane, replicas=4)
    settle(control_plane)
    assert {t.node for t in owned(control_plane)} == {"a", "b"}
    control_plane.node_manager.update("a", NodeChanges(healthy=False)).get(timeout=5)
    settle(control_plane)
    assert ready(control_plane) == 4
    assert {(t.node, t.status) for t in live(control_plane)} == {("b", TaskStatus.RUNNING)}
    control_plane.node_manager.delete("b").get(timeout=5)
    register(control_plane, "c")
    settle(control_plane)
    assert ready(control_plane) == 4 and {t.node for t in live(control_plane)} == {"c"}


@pytest.mark.parametrize("outcome", [TaskStatus.SUCCEEDED, TaskStatus.FAILED])
def test_an_ended_task_is_replaced_and_a_few_are_kept(control_plane, clock, outcome):
    register(control_plane, "n1")
    deploy(control_plane, replicas=2, template=make_template(cpu=100, duration=10.0, outcome=outcome))
    settle(control_plane)
    ended: list[str] = []
    for _ in range(HISTORY_LIMIT + 1):
        before = {t.id for t in live(control_plane)}
        clock.advance(10)
        assert control_plane.kubelet.tick().get(timeout=5) == 2
        ended += sorted(before)
        settle(control_plane)
        now_live = live(control_plane)
        assert len(now_live) == 2 and not before & {t.id for t in now_live}
        assert ready(control_plane) == 2
    kept = [t for t in owned(control_plane) if t.status.final]
    assert len(kept) == HISTORY_LIMIT and {t.status for t in kept} == {outcome}
    assert {t.id for t in kept} <= set(ended[-4:])  # the newest ended ones


def test_a_task_failed_by_an_agent_or_deleted_by_hand_is_replaced(control_plane):
    register(control_plane, "n1")
    deploy(control_plane, replicas=2)
    settle(control_plane)
    failed, deleted = (t.id for t in owned(control_plane))
    control_plane.task_manager.update_status(failed, TaskStatus.FAILED).get(timeout=5)
    control_plane.task_manager.delete(deleted).get(timeout=5)
    settle(control_plane)
    assert len(live(control_plane)) == 2 and ready(control_plane) == 2
    assert {t.id for t in live(control_plane)}.isdisjoint({failed, deleted})
    assert control_plane.task_manager.get(failed).get(timeout=5).status is TaskStatus.FAILED


class RecordingBackend(MemoryBackend):
    """Replays every commit, as the datastore makes it, into a copy of the
    tasks, and notes what the deployment 'web' has after each one."""

    def __init__(self) -> None:
        self.tasks: dict[str, Task] = {}
        self.after_each: list[tuple[int, int]] = []  # (running, live) per commit, once 'web' was ready

    def persist(self, puts: Sequence[Record], deletes, revision, on_durable=None) -> None:
        for kind, record_id in deletes:
            if kind == "task":
                del self.tasks[record_id]
        for record in puts:
            if isinstance(record, Task):
                self.tasks[record.id] = record
        web = [t for t in self.tasks.values() if t.owner == "web"]
        running = sum(t.status is TaskStatus.RUNNING for t in web)
        if self.after_each or running:
            self.after_each.append((running, sum(not t.status.final for t in web)))
        super().persist(puts, deletes, revision, on_durable)


def _rolling(clock, capacity_cpu: int) -> tuple[RecordingBackend, list[Task], str]:
    """Roll 'web' (3 replicas of 1 cpu) to a new template on one node with
    ``capacity_cpu``; returns the record of every commit from the first ready
    replica on, the tasks at the end, and the new template's hash."""
    backend = RecordingBackend()
    cp = start_control_plane(Settings(clock=clock, start_timer=False), backend)
    try:
        register(cp, "n1", cpu=capacity_cpu)
        deploy(cp, replicas=3, template=make_template(cpu=1000))
        settle(cp)
        assert ready(cp) == 3
        backend.after_each.clear()
        new_hash = change(cp, template=make_template(cpu=1000, duration=3600.0)).template_hash
        settle(cp)
        return backend, owned(cp), new_hash
    finally:
        cp.stop()


def test_a_rolling_update_with_room_never_runs_fewer_than_wanted(clock):
    backend, tasks, new_hash = _rolling(clock, capacity_cpu=4000)
    assert len(backend.after_each) > 6  # it went one task at a time
    assert min(running for running, _ in backend.after_each) == 3
    assert max(alive for _, alive in backend.after_each) == 4  # one extra at most
    assert [(t.template_hash, t.status) for t in tasks] == [(new_hash, TaskStatus.RUNNING)] * 3


def test_a_rolling_update_without_room_runs_at_most_one_fewer(clock):
    backend, tasks, new_hash = _rolling(clock, capacity_cpu=3000)
    assert min(running for running, _ in backend.after_each) == 2
    assert max(alive for _, alive in backend.after_each) <= 4
    assert [(t.template_hash, t.status) for t in tasks] == [(new_hash, TaskStatus.RUNNING)] * 3


def test_deleting_a_deployment_removes_its_tasks(control_plane):
    register(control_plane, "n1")
    deploy(control_plane, "web", replicas=3)
    deploy(control_plane, "api", replicas=1)
    control_plane.task_manager.create(TaskSpec(id="solo")).get(timeout=5)
    settle(control_plane)
    revision = control_plane.deployment_manager.delete("web").get(timeout=5)
    assert revision >= control_plane.datastore.revision.get(timeout=5) - 1
    assert owned(control_plane, "web") == []
    with pytest.raises(NotFound, match="deployment 'web'"):
        control_plane.deployment_manager.get("web").get(timeout=5)
    settle(control_plane)
    assert owned(control_plane, "web") == []
    assert [t.id for t in control_plane.task_manager.list().get(timeout=5) if t.owner != "api"] == ["solo"]
    assert control_plane.node_manager.get("n1").get(timeout=5).allocated == Resources(100, 0)  # api's one


def test_two_reconciles_in_a_row_with_no_change_write_nothing(control_plane, clock):
    register(control_plane, "n1", cpu=1000)
    deploy(control_plane, "web", replicas=3, template=make_template(cpu=400))  # one never fits
    deploy(control_plane, "api", replicas=1, template=make_template(duration=5.0))
    settle(control_plane)
    clock.advance(5)
    control_plane.kubelet.tick().get(timeout=5)  # api's task ended and is replaced, and kept
    settle(control_plane)
    revision = control_plane.datastore.revision.get(timeout=5)
    for _ in range(2):
        result = control_plane.controller.reconcile().get(timeout=5)
        assert not result.changed and not result.more
    control_plane.controller.look_at_all_deployments().get(timeout=5)  # plan every one again
    result = control_plane.controller.reconcile().get(timeout=5)
    assert not result.changed and not result.more
    assert control_plane.datastore.revision.get(timeout=5) == revision


def test_a_plan_made_from_a_deployment_that_changed_meanwhile_is_refused(clock):
    """Scaled between the controller's read and its write: the version guard
    refuses the stale plan, and the next reconcile plans again."""
    datastore = DatastoreActor.start().proxy()
    manager = DeploymentManager(datastore, clock)
    manager.create(DeploymentSpec("web", replicas=3))

    class RacingDatastore:
        def __getattr__(self, name):
            return getattr(datastore, name)

        def deployment_view(self, since):
            view = datastore.deployment_view(since)
            manager.update("web", DeploymentChanges(replicas=1))
            return view

    controller = Controller(RacingDatastore(), SchedulerActor.start().proxy(), clock)
    result = controller.reconcile()
    assert (result.replicas_created, result.conflicts, result.more) == (0, 1, True)
    assert datastore.list_tasks().get(timeout=5) == []
    controller.datastore = datastore
    assert controller.reconcile().replicas_created == 1
    assert len(datastore.list_tasks().get(timeout=5)) == 1


def test_a_restart_resumes_without_touching_the_tasks(clock, tmp_path):
    from actors.store.sqlite import SqliteBackend

    path = str(tmp_path / "state.db")
    cp = start_control_plane(Settings(clock=clock, start_timer=False), SqliteBackend(path))
    try:
        register(cp, "n1")
        deploy(cp, replicas=3)
        settle(cp)
        before = owned(cp)
    finally:
        cp.stop()
    cp = start_control_plane(Settings(clock=clock, start_timer=False), SqliteBackend(path))
    try:
        revision = cp.datastore.revision.get(timeout=5)
        settle(cp)
        assert owned(cp) == before and ready(cp) == 3
        assert cp.datastore.revision.get(timeout=5) == revision
    finally:
        cp.stop()


# -- the manager ------------------------------------------------------------------------


def test_create_stamps_the_template_hash_and_refuses_a_taken_id(control_plane, clock):
    deployment = deploy(control_plane, replicas=2)
    assert (deployment.created_at, deployment.replicas, len(deployment.template_hash)) == (clock.now, 2, 10)
    with pytest.raises(AlreadyExists, match="deployment 'web'"):
        deploy(control_plane)
    assert [d.id for d in control_plane.deployment_manager.list().get(timeout=5)] == ["web"]


def test_update_changes_what_is_given_and_nothing_else(control_plane):
    deployment = deploy(control_plane, replicas=2)
    same = change(control_plane)
    assert same == deployment  # nothing to change: nothing written
    scaled = change(control_plane, replicas=5)
    assert (scaled.replicas, scaled.template_hash) == (5, deployment.template_hash)
    changed = change(control_plane, template=make_template(cpu=200))
    assert (changed.replicas, changed.template.resources.cpu) == (5, 200)
    assert changed.template_hash != deployment.template_hash
    back = change(control_plane, template=make_template(cpu=100))
    assert back.template_hash == deployment.template_hash


def test_stale_versions_and_missing_deployments(control_plane):
    deployment = deploy(control_plane)
    manager = control_plane.deployment_manager
    manager.update("web", DeploymentChanges(replicas=1), deployment.version).get(timeout=5)
    with pytest.raises(VersionConflict):
        manager.update("web", DeploymentChanges(replicas=2), deployment.version).get(timeout=5)
    with pytest.raises(VersionConflict):
        manager.delete("web", deployment.version).get(timeout=5)
    for call in (manager.get("x"), manager.update("x", DeploymentChanges(replicas=1)), manager.delete("x")):
        with pytest.raises(NotFound, match="deployment 'x'"):
            call.get(timeout=5)
