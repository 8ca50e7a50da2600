"""A short fault run in the suite (30 seconds of faults): three etcd members, three API servers,
six clients, every kind of fault at least once; the whole history checked
for linearizability and the end state for the invariants.

It runs through ``scripts/faults.py``, which runs the same harness for
longer and with other seeds.
"""

from __future__ import annotations

import collections

import pytest

from scripts import faults
from tests.faults.nemesis import KINDS

SEED = 17


@pytest.mark.long
def test_a_short_run_under_every_kind_of_fault_is_linearizable_and_ends_consistent(tmp_path):
    [result] = faults.execute(["--seconds", "30", "--seed", str(SEED), "--out", str(tmp_path)])
    assert result.ok, result.summary()
    assert {f.kind for f in result.faults} == set(KINDS)
    assert len(result.calls) >= 200, result.summary()
    # The clients did every kind of call, and the answers were of every kind.
    done = collections.Counter((c.kind, c.value if c.kind != "read" else "-") for c in result.calls if c.outcome == "ok")
    for kind in (("read", "-"), ("write", None), ("cas", True), ("cas", False), ("delete", True), ("delete", False)):
        assert done[kind] > 0, f"no {kind} call answered: {done}"
    assert result.history_path is None  # a passing run writes nothing


def test_the_script_refuses_bad_arguments_by_name(capsys):
    for argv, wording in ((["--seed", "5-2"], "the range low-high"), (["--seconds", "0"], "must be more than 0"),
                          (["--seed", "x"], "is not a seed"), (["--minutes", "1", "--seconds", "3"], "not allowed")):
        with pytest.raises(SystemExit) as exit:
            faults.execute(argv)
        assert exit.value.code == 2
        assert wording in capsys.readouterr().err
