import dataclasses
import json

import pytest

from actors import codec
from actors.models import Node, Resources, Task, TaskStatus
from tests.helpers import make_node, make_task


@pytest.mark.parametrize(
    "record",
    [
        make_node("n1", labels={"zone": "a", "example.com/disk": "ssd"}, healthy=False, simulated=False,
                  created_at=1.5, last_heartbeat=2.25, version=7),
        make_task("t1", cpu=250, memory=64, node="n1", status=TaskStatus.RUNNING, node_selector={"zone": "a"},
                  duration=3.5, outcome=TaskStatus.FAILED, attempts=2, message="why", created_at=1.0,
                  scheduled_at=2.0, started_at=3.0, finished_at=None, version=9),
        make_task("t2"),
    ],
)
def test_records_round_trip(record):
    decode = codec.decode_node if isinstance(record, Node) else codec.decode_task
    assert decode(codec.encode(record)) == record


def test_every_field_is_stored_but_the_derived_allocation():
    for cls, record in ((Node, make_node()), (Task, make_task())):
        stored = set(json.loads(codec.encode(record)))
        assert stored == {f.name for f in dataclasses.fields(cls)} - {"allocated"}


def test_allocation_is_not_stored():
    node = make_node(allocated=Resources(100, 100))
    assert codec.decode_node(codec.encode(node)).allocated == Resources(0, 0)
