"""The deployment step's decisions, as pure functions: no threads, no store."""

from __future__ import annotations

import dataclasses
import random
import re

import pytest

from actors.domain.models import Resources, Task, TaskStatus, TaskTemplate
from actors.domain.rollout import (
    MAX_DEPLOYMENT_ID,
    Plan,
    deletion_order,
    new_replica,
    plan,
    random_suffix,
    template_hash,
)
from tests.helpers import make_deployment, make_template

DEPLOYMENT = make_deployment("web", replicas=3, template=make_template(cpu=100))
OLD_HASH = template_hash(make_template(cpu=50))
NO_ROOM = "0/2 nodes are available: 2 Insufficient cpu."

_STATUS = {
    "pending": TaskStatus.PENDING,
    "nowhere": TaskStatus.PENDING,  # pending, and the scheduler found no node
    "scheduled": TaskStatus.SCHEDULED,
    "running": TaskStatus.RUNNING,
    "succeeded": TaskStatus.SUCCEEDED,
    "failed": TaskStatus.FAILED,
}


def tasks_from(spec: str) -> list[Task]:
    """``"new:running old:pending ..."``: tasks t0, t1, ... in creation order,
    of the current template (new) or another (old)."""
    made = []
    for i, word in enumerate(spec.split()):
        kind, status = word.split(":")
        made.append(
            Task(
                id=f"t{i}",
                name=f"t{i}",
                status=_STATUS[status],
                owner="web",
                template_hash=DEPLOYMENT.template_hash if kind == "new" else OLD_HASH,
                message=NO_ROOM if status == "nowhere" else "",
                created_at=float(i),
                finished_at=float(i) if _STATUS[status].final else None,
            )
        )
    return made


@pytest.mark.parametrize(
    ("replicas", "tasks", "create", "deleted"),
    [
        pytest.param(3, "", 3, [], id="nothing-yet"),
        pytest.param(3, "new:running new:running new:running", 0, [], id="steady"),
        pytest.param(3, "new:pending new:scheduled new:running", 0, [], id="steady-not-yet-running"),
        pytest.param(5, "new:running new:running new:running", 2, [], id="scale-up"),
        pytest.param(2, "new:running new:running new:running new:running", 0, ["t3", "t2"], id="scale-down-newest"),
        pytest.param(
            3, "new:running new:running new:pending new:running new:scheduled", 0, ["t2", "t4"],
            id="scale-down-pending-then-not-running",
        ),
        pytest.param(
            1, "new:pending new:running new:pending new:running", 0, ["t2", "t0", "t3"], id="scale-down-pending-first",
        ),
        pytest.param(0, "new:running new:pending new:scheduled", 0, ["t1", "t2", "t0"], id="scale-to-zero"),
        pytest.param(3, "new:running new:succeeded new:running", 1, [], id="succeeded-replaced"),
        pytest.param(3, "new:failed new:running new:running", 1, [], id="failed-replaced"),
        pytest.param(
            3, "new:failed new:succeeded new:failed new:failed new:succeeded new:running new:running new:running",
            0, ["t1", "t0"], id="history-keeps-newest-ended",
        ),
        pytest.param(3, "new:nowhere new:nowhere new:nowhere", 0, [], id="no-room-no-churn"),
    ],
)
def test_replica_count(replicas, tasks, create, deleted):
    decided = plan(dataclasses.replace(DEPLOYMENT, replicas=replicas), tasks_from(tasks))
    assert (decided.create, [t.id for t in decided.delete]) == (create, deleted)


@pytest.mark.parametrize(
    ("replicas", "tasks", "create", "deleted"),
    [
        pytest.param(3, "old:running old:running old:running", 1, [], id="starts-with-one-extra"),
        pytest.param(3, "old:running old:running old:running new:pending", 0, [], id="waits-for-it-to-be-placed"),
        pytest.param(3, "old:running old:running old:running new:scheduled", 0, [], id="waits-for-it-to-run"),
        pytest.param(
            3, "old:running old:running old:running new:running", 1, ["t2"], id="one-runs-one-old-goes-next-starts",
        ),
        pytest.param(3, "old:running new:running new:running new:running", 0, ["t0"], id="last-old-goes"),
        pytest.param(
            3, "old:pending old:running old:running", 2, ["t0"], id="an-old-task-not-running-goes-at-once",
        ),
        pytest.param(
            3, "old:running old:scheduled old:running new:running", 1, ["t1"], id="not-running-old-goes-first",
        ),
        pytest.param(
            3, "old:running old:running old:running new:nowhere", 1, ["t2"], id="no-room-one-old-makes-room",
        ),
        pytest.param(
            3, "old:running old:running new:running new:nowhere", 1, ["t1"], id="no-room-one-unavailable-at-a-time",
        ),
        pytest.param(
            3, "old:running old:running new:nowhere new:nowhere", 0, [], id="no-room-never-two-unavailable",
        ),
        pytest.param(5, "old:running old:running old:running new:running", 2, [], id="scaled-up-mid-rollout"),
        pytest.param(
            1, "old:running old:running old:running new:running", 0, ["t2", "t1", "t0"], id="scaled-down-mid-rollout",
        ),
        pytest.param(0, "old:running old:pending new:running", 0, ["t2", "t1", "t0"], id="scaled-to-zero-mid-rollout"),
        pytest.param(3, "old:running old:succeeded old:running new:running", 1, [], id="an-old-task-ended-is-not-live"),
    ],
)
def test_rolling_update(replicas, tasks, create, deleted):
    decided = plan(dataclasses.replace(DEPLOYMENT, replicas=replicas), tasks_from(tasks))
    assert (decided.create, [t.id for t in decided.delete]) == (create, deleted)


def test_going_back_to_an_earlier_template_keeps_its_tasks():
    earlier = dataclasses.replace(DEPLOYMENT, template_hash=OLD_HASH)
    assert not plan(earlier, tasks_from("old:running old:running old:running"))


def test_an_empty_plan_is_false():
    assert not Plan()
    assert Plan(create=1) and Plan(delete=(tasks_from("new:running")[0],))


def _simulate(replicas: int, slots: int, steps: int = 50) -> tuple[list[int], list[int], list[Task]]:
    """Roll 'web' from the old template to the new on a cluster with room for
    ``slots`` tasks: apply each plan as one change, then place pending tasks
    oldest first (running at once) or mark them as fitting nowhere. Returns
    the running and live counts after every change, and the final tasks."""
    tasks = tasks_from(" ".join(["old:running"] * replicas))
    deployment = dataclasses.replace(DEPLOYMENT, replicas=replicas)
    running_seen, live_seen = [], []
    serial = len(tasks)

    def record() -> None:
        running_seen.append(sum(t.status is TaskStatus.RUNNING for t in tasks))
        live_seen.append(sum(not t.status.final for t in tasks))

    for _ in range(steps):
        decided = plan(deployment, tasks)
        if not decided:
            return running_seen, live_seen, tasks
        gone = {t.id for t in decided.delete}
        tasks = [t for t in tasks if t.id not in gone]
        for _ in range(decided.create):
            tasks.append(new_replica(deployment, f"s{serial}", float(serial)))
            serial += 1
        record()
        used = sum(t.status is TaskStatus.RUNNING for t in tasks)
        for i, t in enumerate(tasks):
            if t.status is TaskStatus.PENDING:
                if used < slots:
                    tasks[i] = dataclasses.replace(t, status=TaskStatus.RUNNING, message="")
                    used += 1
                else:
                    tasks[i] = dataclasses.replace(t, message=NO_ROOM)
        record()
    raise AssertionError(f"no end in {steps} steps: {tasks}")


@pytest.mark.parametrize("replicas", [1, 2, 3, 10])
def test_a_rolling_update_with_room_never_runs_fewer_than_wanted(replicas):
    running, live, tasks = _simulate(replicas, slots=replicas + 1)
    assert min(running) >= replicas
    assert max(live) <= replicas + 1
    assert [t.template_hash for t in tasks] == [DEPLOYMENT.template_hash] * replicas
    assert all(t.status is TaskStatus.RUNNING for t in tasks)


@pytest.mark.parametrize("replicas", [1, 2, 3, 10])
def test_a_rolling_update_without_room_runs_at_most_one_fewer(replicas):
    running, live, tasks = _simulate(replicas, slots=replicas)
    assert min(running) >= replicas - 1
    assert max(live) <= replicas + 1
    assert [t.template_hash for t in tasks] == [DEPLOYMENT.template_hash] * replicas
    assert all(t.status is TaskStatus.RUNNING for t in tasks)


def test_deletion_order_is_pending_then_not_running_then_newest():
    tasks = tasks_from("new:running new:scheduled new:pending new:running new:pending new:scheduled")
    assert [t.id for t in deletion_order(tasks)] == ["t4", "t2", "t5", "t1", "t3", "t0"]


# -- template hashes, ids, new replicas -----------------------------------------------


def test_a_template_hash_is_ten_hex_digits_and_stable():
    template = make_template(cpu=100, memory=64, node_selector={"zone": "a", "disk": "ssd"}, duration=5.0)
    reordered = dataclasses.replace(template, node_selector={"disk": "ssd", "zone": "a"})
    assert re.fullmatch(r"[0-9a-f]{10}", template_hash(template))
    assert template_hash(template) == template_hash(reordered)
    assert template_hash(TaskTemplate()) == template_hash(TaskTemplate())


@pytest.mark.parametrize(
    "change",
    [
        {"resources": Resources(101, 64)},
        {"resources": Resources(100, 65)},
        {"node_selector": {"zone": "b"}},
        {"node_selector": {}},
        {"duration": 6.0},
        {"duration": None},
        {"outcome": TaskStatus.FAILED},
    ],
)
def test_every_template_field_changes_the_hash(change):
    template = make_template(cpu=100, memory=64, node_selector={"zone": "a"}, duration=5.0)
    assert template_hash(dataclasses.replace(template, **change)) != template_hash(template)


def test_a_new_replica_is_made_from_the_template():
    deployment = make_deployment(
        "web", template=make_template(cpu=250, memory=64, node_selector={"zone": "a"}, duration=3.0,
                                      outcome=TaskStatus.FAILED),
    )
    task = new_replica(deployment, "x7k2q", 12.5)
    assert (task.id, task.name, task.owner, task.template_hash) == ("web-x7k2q", "web-x7k2q", "web",
                                                                      deployment.template_hash)
    assert (task.resources, dict(task.node_selector), task.duration, task.outcome) == (
        Resources(250, 64), {"zone": "a"}, 3.0, TaskStatus.FAILED,
    )
    assert (task.status, task.created_at, task.attempts) == (TaskStatus.PENDING, 12.5, 0)


def test_replica_ids_of_the_longest_deployment_id_are_valid_ids():
    from api.native.validation import valid_id

    rng = random.Random(7)
    suffixes = {random_suffix(rng) for _ in range(200)}
    assert all(re.fullmatch(r"[a-z0-9]{5}", s) for s in suffixes) and len(suffixes) == 200
    longest = make_deployment("d" * MAX_DEPLOYMENT_ID)
    for suffix in suffixes:
        assert valid_id(new_replica(longest, suffix, 0.0).id) == f"{'d' * 57}-{suffix}"
