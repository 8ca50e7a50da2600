"""The linearizability checker catches what counting cannot: a stale read, a
lost update; and accepts what concurrency allows."""

from __future__ import annotations

from tests.faults.checker import Op, linearizable, smallest_failing_window


def test_sequential_reads_and_writes_are_linearizable():
    history = [Op(1, "write", "a", invoked=0, completed=1), Op(2, "read", value=("a", 1), invoked=2, completed=3),
               Op(1, "cas", (1, "b"), True, invoked=4, completed=5), Op(2, "read", value=("b", 2), invoked=6, completed=7)]
    assert linearizable(history)


def test_a_stale_read_is_caught():
    # b was written and acknowledged before the read began; the read still saw a
    history = [Op(1, "write", "a", invoked=0, completed=1), Op(1, "write", "b", invoked=2, completed=3),
               Op(2, "read", value=("a", 1), invoked=4, completed=5)]
    assert not linearizable(history)
    assert smallest_failing_window(history)[-1].kind == "read"


def test_a_lost_update_is_caught():
    # two compare-and-sets on version 1 both report success: one of them was lost
    history = [Op(1, "write", "a", invoked=0, completed=1),
               Op(2, "cas", (1, "b"), True, invoked=2, completed=4), Op(3, "cas", (1, "c"), True, invoked=3, completed=5)]
    assert not linearizable(history)


def test_overlapping_operations_may_take_effect_in_either_order():
    history = [Op(1, "write", "a", invoked=0, completed=10), Op(2, "read", value=("a", 1), invoked=1, completed=2),
               Op(3, "read", value=(None, 0), invoked=1, completed=3)]
    assert linearizable(history)  # the write lands between the two reads


def test_an_unknown_write_may_have_happened_or_not():
    maybe = Op(1, "write", "a", invoked=0, outcome="unknown")
    assert linearizable([maybe, Op(2, "read", value=("a", 1), invoked=5, completed=6)])
    assert linearizable([maybe, Op(2, "read", value=(None, 0), invoked=5, completed=6)])
    assert not linearizable([maybe, Op(2, "read", value=("b", 1), invoked=5, completed=6)])


def test_a_failed_write_did_not_happen_and_a_refused_swap_saw_another_version():
    failed = Op(1, "write", "a", invoked=0, completed=1, outcome="failed")
    assert not linearizable([failed, Op(2, "read", value=("a", 1), invoked=2, completed=3)])
    refused = Op(1, "cas", (5, "x"), False, invoked=0, completed=1)
    assert linearizable([refused])
    assert not linearizable([Op(1, "cas", (0, "x"), False, invoked=0, completed=1)])  # version 0 was current
