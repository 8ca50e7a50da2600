from __future__ import annotations

import uuid

import pykka
import pytest

from actors.system import ControlPlane, Settings, start_control_plane
from tests.etcd.cluster import EtcdCluster
from tests.helpers import FakeClock


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked ``long`` first (in their order, the rest in theirs):
    pytest-xdist hands tests out in this order, and a long one handed out
    last keeps one worker busy while the other has nothing left to do."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(autouse=True)
def _stop_all_actors():
    """No test leaves an actor thread behind, whatever it did."""
    yield
    pykka.ActorRegistry.stop_all()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def control_plane(clock: FakeClock) -> ControlPlane:
    """Every actor, on a fake clock and without the timer: time moves only
    when the test advances ``clock``, and reconciles run when something
    changes or the test asks (see ``tests.helpers.settle``)."""
    cp = start_control_plane(Settings(clock=clock, start_timer=False, node_timeout=40.0))
    yield cp
    cp.stop()


@pytest.fixture(scope="session")
def etcd_cluster() -> EtcdCluster:
    """Three etcd members on loopback, shared by the session's tests; each
    test keeps its keys under a prefix of its own (``etcd_store``)."""
    cluster = EtcdCluster(3).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def etcd_store(etcd_cluster: EtcdCluster) -> str:
    """A ``--store`` value on the shared cluster with a fresh key prefix."""
    return etcd_cluster.store(f"/test-{uuid.uuid4().hex[:12]}")
