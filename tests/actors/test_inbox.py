"""The inbox that hands an actor a burst of items with one message."""

from __future__ import annotations

import threading

import pykka
import pytest

from actors.inbox import Inbox
from actors.domain.models import TaskSpec
from actors.reply import Reply


def test_the_first_item_sends_the_message_and_later_ones_ride_along():
    sent = []
    inbox: Inbox[int] = Inbox(sent.append)

    assert inbox.put(1) is True
    assert inbox.put(2) is False and inbox.put(3) is False
    assert sent == [inbox] and len(inbox) == 3
    assert inbox.take() == [1, 2, 3]
    assert inbox.take() == []
    assert inbox.put(4) is True  # taken: the next item sends again
    assert sent == [inbox, inbox]


def test_a_failed_delivery_lets_the_next_put_try_again():
    calls = []

    def deliver(inbox):
        calls.append(inbox)
        if len(calls) == 1:
            raise pykka.ActorDeadError("gone")

    inbox: Inbox[int] = Inbox(deliver)
    with pytest.raises(pykka.ActorDeadError):
        inbox.put(1)
    assert inbox.put(2) is True
    assert inbox.take() == [1, 2]


def test_redeliver_sends_again_only_when_items_wait():
    sent = []
    inbox: Inbox[int] = Inbox(sent.append)
    inbox.redeliver()
    assert sent == []
    inbox.put(1)
    inbox.redeliver()  # the first message was lost with a dead actor, say
    assert sent == [inbox, inbox]
    assert inbox.take() == [1]


def test_items_from_many_threads_are_all_taken_once_in_order_per_thread():
    inbox: Inbox[tuple[int, int]] = Inbox(lambda inbox: None)
    threads = [threading.Thread(target=lambda t=t: [inbox.put((t, i)) for i in range(500)]) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    items = inbox.take()
    assert sorted(items) == [(t, i) for t in range(8) for i in range(500)]
    for t in range(8):
        assert [i for u, i in items if u == t] == list(range(500))


def test_a_restarted_event_recorder_records_what_waited_for_its_predecessor(control_plane):
    # Commits made while the recorder is dead send their delivery message to
    # nobody; the supervisor's restart step has the new recorder take them.
    control_plane.events.actor_ref.stop()
    reply = Reply()
    control_plane.task_submitter.submit([TaskSpec(id="t1")], reply)
    reply.get(timeout=5)

    assert control_plane.supervisor.check().get(timeout=5) == ["event-recorder"]
    events = control_plane.events.list(object="t1").get(timeout=5)
    assert [e.reason for e in events][:1] == ["Created"]


def test_submitted_tasks_reach_the_controller(control_plane):
    # The reconcile a burst of submits asks for sees them: the task gets its "why pending".
    reply = Reply()
    control_plane.task_submitter.submit([TaskSpec(id="t1")], reply)
    reply.get(timeout=5)

    assert control_plane.feed.wait_until(
        lambda: control_plane.datastore.get_task("t1").get(timeout=5).message != "", timeout=5
    )
