"""Table tests for task status transitions (pure functions)."""

from __future__ import annotations

import itertools

import pytest

from actors.domain.errors import Conflict
from actors.domain.lifecycle import bound, check_transition, requeued, with_status
from actors.domain.models import TaskStatus
from tests.helpers import make_task

S = TaskStatus

ALLOWED = {
    (S.SCHEDULED, S.RUNNING),
    (S.RUNNING, S.SUCCEEDED),
    (S.RUNNING, S.FAILED),
    (S.PENDING, S.FAILED),
    (S.SCHEDULED, S.FAILED),
}
FORBIDDEN = sorted(set(itertools.product(S, S)) - ALLOWED)


@pytest.mark.parametrize(("current", "new"), sorted(ALLOWED))
def test_check_transition_allows(current, new):
    assert check_transition(make_task(status=current), new) is None


@pytest.mark.parametrize(("current", "new"), FORBIDDEN)
def test_check_transition_forbids_and_names_both_statuses(current, new):
    with pytest.raises(Conflict) as info:
        check_transition(make_task("job-7", status=current), new)
    message = str(info.value)
    assert f"from {current.value} to {new.value}" in message
    assert "job-7" in message


def test_forbidden_table_covers_the_cases_the_spec_names():
    # the remaining 20 pairs of 5x5: final statuses never move, nothing goes back or stays put
    assert len(FORBIDDEN) == 20
    for final in (S.SUCCEEDED, S.FAILED):
        assert all((final, new) in FORBIDDEN for new in S)
    assert all((s, s) in FORBIDDEN for s in S)
    assert (S.PENDING, S.SCHEDULED) in FORBIDDEN  # only the scheduler binds
    assert (S.PENDING, S.RUNNING) in FORBIDDEN
    assert (S.RUNNING, S.PENDING) in FORBIDDEN


@pytest.mark.parametrize(
    ("status", "started_at", "finished_at"),
    [
        (S.RUNNING, 50.0, None),
        (S.SUCCEEDED, 10.0, 50.0),
        (S.FAILED, 10.0, 50.0),
        (S.SCHEDULED, 10.0, None),
        (S.PENDING, 10.0, None),
    ],
)
def test_with_status_stamps_times(status, started_at, finished_at):
    task = make_task(status=S.SCHEDULED, node="n1", scheduled_at=5.0, started_at=10.0)
    moved = with_status(task, status, 50.0)
    assert moved.status is status
    assert moved.started_at == started_at
    assert moved.finished_at == finished_at
    assert moved.scheduled_at == 5.0
    assert moved.node == "n1"
    assert task.status is S.SCHEDULED  # the original record is untouched


def test_with_status_keeps_started_at_when_finishing():
    task = make_task(status=S.RUNNING, started_at=20.0)
    assert with_status(task, S.SUCCEEDED, 30.0).started_at == 20.0


@pytest.mark.parametrize(
    ("attempts", "message"),
    [(0, ""), (0, "0/1 nodes are available: 1 node(s) were not ready."), (2, "node 'n1' failed")],
)
def test_bound_places_the_task(attempts, message):
    task = make_task(attempts=attempts, message=message)
    placed = bound(task, "n2", 42.0)
    assert placed.status is S.SCHEDULED
    assert placed.node == "n2"
    assert placed.attempts == attempts + 1
    assert placed.message == ""
    assert placed.scheduled_at == 42.0
    assert (placed.id, placed.name, placed.resources) == (task.id, task.name, task.resources)
    assert task.attempts == attempts and task.node is None  # the original is untouched


@pytest.mark.parametrize("status", [S.SCHEDULED, S.RUNNING])
def test_requeued_clears_node_and_times_and_keeps_attempts(status):
    task = make_task(status=status, node="n1", attempts=3, scheduled_at=1.0, started_at=2.0, created_at=0.5)
    back = requeued(task, "node 'n1' is unhealthy")
    assert back.status is S.PENDING
    assert back.node is None
    assert back.scheduled_at is None
    assert back.started_at is None
    assert back.finished_at is None
    assert back.attempts == 3
    assert back.message == "node 'n1' is unhealthy"
    assert back.created_at == 0.5


def test_bound_after_requeued_counts_a_second_attempt():
    task = bound(make_task(), "n1", 1.0)
    task = requeued(with_status(task, S.RUNNING, 2.0), "node 'n1' was deleted")
    task = bound(task, "n2", 3.0)
    assert (task.node, task.attempts, task.message, task.scheduled_at, task.started_at) == ("n2", 2, "", 3.0, None)
