"""The watch log: the last changes with their revisions, waits that end."""

from __future__ import annotations

import threading

import pytest

from actors.watch_log import Expired, WatchLog
from tests.helpers import make_node


def node(version: int, id: str = "n1"):
    return make_node(id, version=version)


def test_changes_after_a_revision_come_oldest_first_with_their_revisions():
    log = WatchLog(start=0)
    log.append([(None, node(1)), (node(1), node(2))])
    log.append([(None, node(3, "n2"))])
    assert [c.revision for c in log.after(0)] == [1, 2, 3]
    assert [c.revision for c in log.after(2)] == [3]
    assert log.after(3) == [] and log.revision == 3


def test_a_delete_carries_the_revision_it_was_made_at():
    log = WatchLog(start=0)
    log.append([(None, node(1))])
    log.append([(node(5), None)])  # the datastore stamps the deleted record with the delete's revision
    (change,) = log.after(1)
    assert (change.revision, change.after) == (5, None)


def test_a_revision_older_than_what_is_kept_is_expired():
    log = WatchLog(capacity=2, start=0)
    log.append([(None, node(1)), (None, node(2, "n2")), (None, node(3, "n3"))])
    assert [c.revision for c in log.after(1)] == [2, 3]
    with pytest.raises(Expired, match="too old resource version: 0"):
        log.after(0)
    with pytest.raises(Expired):
        WatchLog(start=10).after(9)  # nothing before the start is kept


def test_changes_older_than_the_retention_are_forgotten_and_a_watch_from_before_them_expires():
    now = [1000.0]
    log = WatchLog(start=0, retention=300, clock=lambda: now[0])
    log.append([(None, node(1))])
    now[0] += 100
    log.append([(None, node(2, "n2"))])
    now[0] += 200.5  # the first change is now 300.5 s old, the second 200.5 s
    log.append([(None, node(3, "n3"))])
    assert [c.revision for c in log.after(1)] == [2, 3]
    with pytest.raises(Expired, match="too old resource version: 0"):
        log.after(0)
    assert len(log._changes) == 2  # forgotten, not only hidden
    now[0] += 301
    log.append([(None, node(4, "n4"))])
    assert [c.revision for c in log.after(3)] == [4]  # what was current when the old ones went is still watchable
    with pytest.raises(Expired):
        log.after(2)


def test_many_changes_within_a_second_share_one_mark():
    now = [0.0]
    log = WatchLog(start=0, retention=10, clock=lambda: now[0])
    for version in range(1, 101):
        now[0] += 0.001
        log.append([(None, node(version, f"n{version}"))])
    assert len(log._marks) == 1 and len(log.after(0)) == 100


def test_a_wait_ends_with_the_next_change_or_at_close():
    log = WatchLog(start=0)
    got = []
    waiter = threading.Thread(target=lambda: got.append(log.wait_after(0, timeout=10)))
    waiter.start()
    log.append([(None, node(1))])
    waiter.join(timeout=10)
    assert [c.revision for c in got[0]] == [1]
    closing = threading.Thread(target=lambda: got.append(log.wait_after(1, timeout=10)))
    closing.start()
    log.close()
    closing.join(timeout=10)
    assert not closing.is_alive() and got[1] == [] and log.closed
