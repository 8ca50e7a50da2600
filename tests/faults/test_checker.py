"""The linearizability checker catches what counting cannot: a stale read, a
lost update, a deleted record that comes back; and accepts what concurrency
allows."""

from __future__ import annotations

from tests.faults.checker import Op, linearizable, smallest_failing_window


def test_sequential_reads_and_writes_are_linearizable():
    history = [Op(1, "write", "a", invoked=0, completed=1), Op(2, "read", value="a", invoked=2, completed=3),
               Op(1, "cas", ("a", "b"), True, invoked=4, completed=5), Op(2, "read", value="b", invoked=6, completed=7)]
    assert linearizable(history)


def test_a_stale_read_is_caught():
    # b was written and acknowledged before the read began; the read still saw a
    history = [Op(1, "write", "a", invoked=0, completed=1), Op(1, "write", "b", invoked=2, completed=3),
               Op(2, "read", value="a", invoked=4, completed=5)]
    assert not linearizable(history)
    window = smallest_failing_window(history)
    assert [op.kind for op in window] == ["write", "read"]  # b's write, then the read that missed it


def test_a_lost_update_is_caught():
    # two compare-and-sets from a both report success: one of them was lost
    history = [Op(1, "write", "a", invoked=0, completed=1),
               Op(2, "cas", ("a", "b"), True, invoked=2, completed=4), Op(3, "cas", ("a", "c"), True, invoked=3, completed=5)]
    assert not linearizable(history)
    assert len(smallest_failing_window(history)) == 2  # the two swaps are enough on their own


def test_overlapping_operations_may_take_effect_in_either_order():
    history = [Op(1, "write", "a", invoked=0, completed=10), Op(2, "read", value="a", invoked=1, completed=2),
               Op(3, "read", value=None, invoked=1, completed=3)]
    assert linearizable(history)  # the write lands between the two reads
    assert smallest_failing_window(history) == []


def test_an_unknown_write_may_have_happened_or_not():
    maybe = Op(1, "write", "a", invoked=0, outcome="unknown")
    assert linearizable([maybe, Op(2, "read", value="a", invoked=5, completed=6)])
    assert linearizable([maybe, Op(2, "read", value=None, invoked=5, completed=6)])
    assert not linearizable([maybe, Op(2, "read", value="b", invoked=5, completed=6)])


def test_a_failed_write_did_not_happen_and_a_refused_swap_saw_another_value():
    failed = Op(1, "write", "a", invoked=0, completed=1, outcome="failed")
    assert not linearizable([failed, Op(2, "read", value="a", invoked=2, completed=3)])
    refused = Op(1, "cas", ("x", "y"), False, invoked=0, completed=1)
    assert linearizable([refused])
    assert not linearizable([Op(1, "cas", (None, "y"), False, invoked=0, completed=1)])  # None was current


def test_creates_and_deletes():
    create = Op(1, "cas", (None, "t1"), True, invoked=0, completed=1)
    delete = Op(2, "delete", value=True, invoked=2, completed=3)
    assert linearizable([create, delete, Op(3, "read", value=None, invoked=4, completed=5)])
    # a delete acknowledged, then the record read back: it came back from the dead
    assert not linearizable([create, delete, Op(3, "read", value="t1", invoked=4, completed=5)])
    # a second create of a live record must be refused
    assert not linearizable([create, Op(2, "cas", (None, "t2"), True, invoked=2, completed=3)])
    assert linearizable([create, Op(2, "cas", (None, "t2"), False, invoked=2, completed=3)])
    # a 404 on delete means it was absent
    assert not linearizable([create, Op(2, "delete", value=False, invoked=2, completed=3)])
