from __future__ import annotations

import dataclasses

import pytest

from actors.event_recorder import EventRecorder, Expired
from actors.domain.events import derive
from actors.domain.models import NodeChanges, TaskStatus
from tests.helpers import make_node, make_task

n = make_node("n1")
t = make_task("t1")
running = dataclasses.replace(t, status=TaskStatus.RUNNING, node="n1", attempts=1)


@pytest.mark.parametrize(
    ("before", "after", "reasons"),
    [
        (None, n, ["Registered"]),
        (n, None, ["Deleted"]),
        (n, dataclasses.replace(n, healthy=False), ["Unhealthy"]),
        (dataclasses.replace(n, healthy=False), n, ["Recovered"]),
        (n, dataclasses.replace(n, schedulable=False), ["Cordoned"]),
        (dataclasses.replace(n, schedulable=False), n, ["Uncordoned"]),
        (n, dataclasses.replace(n, healthy=False, schedulable=False), ["Unhealthy", "Cordoned"]),
        (n, dataclasses.replace(n, last_heartbeat=99.0), []),
        (n, dataclasses.replace(n, labels={"a": "b"}), []),
        (None, t, ["Created"]),
        (t, None, ["Deleted"]),
        (t, dataclasses.replace(t, status=TaskStatus.SCHEDULED, node="n1", attempts=1), ["Scheduled"]),
        (dataclasses.replace(t, status=TaskStatus.SCHEDULED, node="n1"), running, ["Started"]),
        (running, dataclasses.replace(running, status=TaskStatus.SUCCEEDED), ["Succeeded"]),
        (running, dataclasses.replace(running, status=TaskStatus.FAILED), ["Failed"]),
        (running, dataclasses.replace(t, message="node 'n1' became unhealthy; rescheduling"), ["Rescheduled"]),
        (t, dataclasses.replace(t, message="0/1 nodes are available: 1 node(s) were not ready."), ["FailedScheduling"]),
        (dataclasses.replace(t, message="0/1 nodes are available: 1 node(s) were not ready."),
         dataclasses.replace(t, message="0/1 nodes are available: 1 node(s) were not ready."), []),
    ],
)
def test_changes_become_events(before, after, reasons):
    assert [reason for _, _, reason, _ in derive(before, after)] == reasons


def test_deployment_changes_become_events():
    from actors.domain.models import Deployment

    d = Deployment(id="web", replicas=2, template_hash="aaa")
    assert [r for _, _, r, _ in derive(None, d)] == ["Created"]
    assert derive(d, dataclasses.replace(d, replicas=5)) == [("deployment", "web", "Scaled", "replicas 2 -> 5")]
    assert [r for _, _, r, _ in derive(d, dataclasses.replace(d, template_hash="bbb"))] == ["RollingUpdate"]
    assert [r for _, _, r, _ in derive(d, None)] == ["Deleted"]
    assert derive(d, dataclasses.replace(d, version=9)) == []


def test_event_messages_say_what_happened():
    ((kind, obj, reason, message),) = derive(t, dataclasses.replace(t, status=TaskStatus.SCHEDULED, node="n1", attempts=2))
    assert (kind, obj, reason) == ("task", "t1", "Scheduled")
    assert message == "assigned to node n1 (attempt 2)"
    ((_, _, _, why),) = derive(t, dataclasses.replace(t, message="0/3 nodes are available: 3 Insufficient cpu."))
    assert why == "0/3 nodes are available: 3 Insufficient cpu."


def test_the_recorder_numbers_filters_and_pages(clock):
    recorder = EventRecorder(clock)
    recorder.record([(None, n), (None, t)])
    recorder.record([(t, dataclasses.replace(t, status=TaskStatus.SCHEDULED, node="n1", attempts=1))])
    assert [e.seq for e in recorder.list()] == [1, 2, 3]
    assert [e.reason for e in recorder.list(since=1)] == ["Created", "Scheduled"]
    assert [e.reason for e in recorder.list(object="t1")] == ["Created", "Scheduled"]
    assert [e.object for e in recorder.list(kind="node")] == ["n1"]
    assert [e.seq for e in recorder.list(limit=2)] == [1, 2]
    assert recorder.list(since=3) == [] and recorder.list(since=99) == []
    assert recorder.feed.seq == 3
    assert {e.time for e in recorder.list()} == {clock.now}


def test_the_log_is_bounded_and_says_when_a_start_is_gone(clock):
    recorder = EventRecorder(clock, capacity=3)
    for i in range(5):
        recorder.record([(None, make_task(f"t{i}"))])
    assert [e.seq for e in recorder.list(since=2)] == [3, 4, 5]
    with pytest.raises(Expired, match="oldest kept is 3"):
        recorder.list(since=1)
    assert [e.seq for e in recorder.list(since=4)] == [5]


def test_read_tells_a_watcher_where_it_got_to_even_without_a_match(clock):
    recorder = EventRecorder(clock)
    recorder.record([(None, n), (None, t)])
    events, head = recorder.read(0, object="nobody")
    assert (events, head) == ([], 2)


def test_each_commit_is_recorded_with_its_own_time(clock):
    """Through the control plane's inbox: a burst of commits recorded in one
    message keeps each commit's time, not the time of the recording."""
    from actors.inbox import Inbox

    recorder = EventRecorder(clock)
    inbox = Inbox(lambda inbox: None)
    inbox.put((clock(), [(None, n)]))
    inbox.put((clock.advance(5), [(None, t)]))
    clock.advance(5)
    recorder.record_all(inbox)
    assert [(e.reason, e.time - clock.now) for e in recorder.list()] == [("Registered", -10.0), ("Created", -5.0)]


def test_held_events_wait_for_record_events_and_keep_their_commit_times(clock):
    """A simulation's control plane (``hold_events``) sends the recorder
    nothing per commit; ``record_events`` records what waits, each change at
    its commit's time."""
    from actors.domain.models import NodeSpec
    from actors.system import Settings, start_control_plane

    cp = start_control_plane(Settings(clock=clock, start_timer=False, hold_events=True))
    try:
        registered = clock()
        cp.node_manager.register(NodeSpec(id="n1")).get(timeout=5)
        clock.advance(7)
        cp.node_manager.update("n1", NodeChanges(schedulable=False)).get(timeout=5)
        clock.advance(3)
        assert cp.events.list().get(timeout=5) == []
        cp.record_events()
        events = cp.events.list().get(timeout=5)
        assert [(e.reason, e.time) for e in events] == [("Registered", registered), ("Cordoned", registered + 7)]
        cp.record_events()  # nothing waits: nothing sent, nothing recorded twice
        assert len(cp.events.list().get(timeout=5)) == 2
    finally:
        cp.stop()
