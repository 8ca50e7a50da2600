import threading

import pykka
import pytest

from actors.errors import AlreadyExists
from actors.models import TaskSpec
from actors.reply import Reply


def test_a_reply_hands_a_value_across_threads():
    reply = Reply()
    threading.Thread(target=reply.set, args=("done",)).start()
    assert reply.get(timeout=5) == "done"
    assert reply.get(timeout=0) == "done"  # read again: the same answer


def test_a_reply_raises_the_exception_it_was_given():
    reply = Reply()
    try:
        raise AlreadyExists("task", "t1")
    except AlreadyExists:
        reply.set_exception()
    with pytest.raises(AlreadyExists, match="t1"):
        reply.get(timeout=5)


def test_waiting_too_long_is_a_pykka_timeout():
    with pytest.raises(pykka.Timeout):
        Reply().get(timeout=0.01)


def test_submit_answers_once_durable_and_reports_duplicates(control_plane):
    first, second = Reply(), Reply()
    control_plane.task_manager.submit(TaskSpec(id="t1"), first)
    control_plane.task_manager.submit(TaskSpec(id="t1"), second)
    (task,) = first.get(timeout=5)
    assert task.id == "t1" and task.version > 0
    with pytest.raises(AlreadyExists):
        second.get(timeout=5)


def test_submit_to_a_stopped_store_fails_the_reply(control_plane):
    control_plane.datastore.actor_ref.stop()
    reply = Reply()
    control_plane.task_manager.submit(TaskSpec(id="t1"), reply)
    with pytest.raises(pykka.ActorDeadError):
        reply.get(timeout=5)
