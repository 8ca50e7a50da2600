import datetime

import pytest

from api.client import tables

NOW = datetime.datetime(2026, 1, 2, 12, 0, 0, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0s"), (45, "45s"), (119, "119s"), (120, "2m"), (200, "3m20s"), (599, "9m59s"), (600, "10m"),
     (3 * 3600 - 1, "179m"), (3 * 3600, "3h"), (5 * 3600 + 30 * 60, "5h30m"), (20 * 3600, "20h"),
     (47 * 3600, "47h"), (3 * 86400, "3d"), (-5, "0s")],
)
def test_ages_read_like_kubectl(seconds, shown):
    since = (NOW - datetime.timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")
    assert tables.age(since, NOW) == shown


def test_a_missing_time_is_none():
    assert tables.age(None, NOW) == "<none>"


def test_columns_are_padded_three_spaces_apart():
    assert tables.render(["NAME", "STATUS"], [["a", "Ready"], ["long-name", "NotReady"]]) == (
        "NAME        STATUS\na           Ready\nlong-name   NotReady"
    )


@pytest.mark.parametrize(
    ("healthy", "schedulable", "status"),
    [(True, True, "Ready"), (False, True, "NotReady"), (True, False, "Ready,SchedulingDisabled"),
     (False, False, "NotReady,SchedulingDisabled")],
)
def test_node_status_like_kubectl(healthy, schedulable, status):
    assert tables.node_status({"healthy": healthy, "schedulable": schedulable}) == status


def test_a_pending_task_row_says_none_for_its_node():
    task = {"id": "t1", "status": "pending", "node": None, "created_at": "2026-01-02T11:59:00Z",
            "resources": {"cpu": 500, "memory": 64}, "attempts": 0, "message": ""}
    assert tables.task_row(task, NOW) == ["t1", "Pending", "<none>", "60s"]
    assert tables.task_row(task, NOW, wide=True)[4:] == ["500m", "64Mi", "<none>", "0", "<none>"]


def test_gpu_columns_show_the_request_the_devices_and_each_devices_use():
    task = {"id": "t1", "status": "running", "node": "g", "created_at": "2026-01-02T11:59:00Z",
            "resources": {"cpu": 500, "memory": 64, "gpu": 0.5}, "attempts": 1, "message": "", "gpu_devices": [2]}
    assert tables.task_row(task, NOW, wide=True)[6] == "0.5 [2]"
    node = {"id": "g", "healthy": True, "schedulable": True, "simulated": True, "created_at": "2026-01-02T11:59:00Z",
            "capacity": {"cpu": 8000, "memory": 1024, "gpu": 4}, "allocated": {"cpu": 500, "memory": 64, "gpu": 1.5},
            "gpu_allocation": [1, 0, 0.5, 0], "labels": {}}
    assert tables.node_row(node, NOW, wide=True)[5] == "1.5/4 [1,0,0.5,0]"
    assert tables.node_row({**node, "capacity": {"cpu": 1, "memory": 1}}, NOW, wide=True)[5] == "<none>"
    assert "Gpu allocation:  1, 0, 0.5, 0" in tables.describe("node", node, [], NOW)
