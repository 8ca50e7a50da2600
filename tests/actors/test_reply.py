import threading

import pykka
import pytest

from actors.domain.errors import AlreadyExists
from actors.domain.models import TaskSpec
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


@pytest.fixture(params=["task_submitter", "task_manager"])
def submitter(request, control_plane):
    """What the API submits to (a TaskSubmitter), and the task manager actor, which takes the same."""
    return getattr(control_plane, request.param)


def test_submit_answers_once_durable_and_reports_duplicates(submitter):
    first, second = Reply(), Reply()
    submitter.submit([TaskSpec(id="t1")], first)
    submitter.submit([TaskSpec(id="t1")], second)
    (task,) = first.get(timeout=5)
    assert task.id == "t1" and task.version > 0
    with pytest.raises(AlreadyExists):
        second.get(timeout=5)


def test_submit_of_several_is_one_transaction_all_or_nothing(control_plane, submitter):
    reply = Reply()
    submitter.submit([TaskSpec(id="a"), TaskSpec(), TaskSpec(id="b")], reply)
    a, made, b = reply.get(timeout=5)
    assert (a.id, b.id) == ("a", "b") and a.version == made.version == b.version
    refused = Reply()
    submitter.submit([TaskSpec(id="c"), TaskSpec(id="b")], refused)
    with pytest.raises(AlreadyExists, match="'b'"):
        refused.get(timeout=5)
    assert [t.id for t in control_plane.datastore.list_tasks().get(timeout=5)] == ["a", made.id, "b"]


def test_submit_to_a_stopped_store_fails_the_reply(control_plane, submitter):
    control_plane.datastore.actor_ref.stop()
    reply = Reply()
    submitter.submit([TaskSpec(id="t1")], reply)
    with pytest.raises(pykka.ActorDeadError):
        reply.get(timeout=5)


def test_concurrent_submits_each_get_their_own_task(control_plane):
    replies = [Reply() for _ in range(200)]
    threads = [
        threading.Thread(target=control_plane.task_submitter.submit, args=([TaskSpec(id=f"t{i}")], reply))
        for i, reply in enumerate(replies)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [reply.get(timeout=5)[0].id for reply in replies] == [f"t{i}" for i in range(200)]
    assert len(control_plane.datastore.list_tasks().get(timeout=5)) == 200


# -- SlotFuture: the futures of our actors' asks -----------------------------------------------

from actors.quiescence import CountedActor  # noqa: E402
from actors.reply import SlotFuture  # noqa: E402


class _Echo(CountedActor):
    def echo(self, value):
        return value

    def fail(self):
        raise AlreadyExists("task", "t9")


@pytest.fixture
def echo():
    ref = _Echo.start()
    yield ref.proxy()
    ref.stop()


def test_asks_to_our_actors_answer_through_slot_futures(echo):
    future = echo.echo(41)
    assert isinstance(future, SlotFuture)
    assert future.get(timeout=5) == 41
    assert future.get(timeout=0) == 41  # read again: the same answer
    with pytest.raises(AlreadyExists, match="t9"):
        echo.fail().get(timeout=5)


def test_every_thread_waiting_on_a_slot_future_gets_the_value():
    future = SlotFuture()
    got = []
    readers = [threading.Thread(target=lambda: got.append(future.get(timeout=5))) for _ in range(4)]
    for reader in readers:
        reader.start()
    future.set("done")
    for reader in readers:
        reader.join()
    assert got == ["done"] * 4


def test_a_slot_future_is_set_once_and_times_out_as_pykka_does():
    future = SlotFuture()
    with pytest.raises(pykka.Timeout):
        future.get(timeout=0.01)
    future.set(1)
    with pytest.raises(Exception):  # queue.Full, as pykka.ThreadingFuture
        future.set(2)
    with pytest.raises(Exception):
        future.set_exception((RuntimeError, RuntimeError("late"), None))
    assert future.get(timeout=0) == 1


def test_pykka_derives_futures_from_slot_futures_with_get_hooks(echo):
    mapped = echo.echo(20).map(lambda v: v + 1)
    assert mapped.get(timeout=5) == 21
    assert pykka.get_all([echo.echo(1), echo.echo(2)], timeout=5) == [1, 2]
    assert echo.actor_ref.stop(timeout=5) is True  # stop() waits through a future with a get hook
    with pytest.raises(pykka.ActorDeadError):
        echo.echo(3).get(timeout=5)
