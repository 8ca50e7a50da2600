"""Leader election on an etcd lease, with electors in this process."""

from __future__ import annotations

import threading
import time

import pytest

from actors.store.etcd_client import EtcdClient, parse_endpoints
from actors.leader import LeaderElector


@pytest.fixture
def electors(etcd_cluster, etcd_store):
    key = etcd_store.rsplit("/", 1)[1]
    made: list[LeaderElector] = []

    def make(ttl: float = 2.0, **hooks) -> LeaderElector:
        elector = LeaderElector(EtcdClient(parse_endpoints(etcd_cluster.endpoints)), f"/{key}/leader", ttl, **hooks)
        made.append(elector)
        return elector.start()

    yield make
    for elector in made:
        elector.stop()


def test_exactly_one_of_three_leads_and_a_successor_follows_a_clean_stop(electors):
    elections = threading.Semaphore(0)
    group = [electors(on_elected=elections.release) for _ in range(3)]
    assert elections.acquire(timeout=5)
    assert sum(e.is_leader() for e in group) == 1
    leader = next(e for e in group if e.is_leader())
    leader.stop()
    assert not leader.is_leader()
    rest = [e for e in group if e is not leader]
    stopped_at = time.monotonic()
    assert elections.acquire(timeout=3)
    assert time.monotonic() - stopped_at < 2.0  # the lease was given back: no TTL to wait out
    assert sum(e.is_leader() for e in rest) == 1


def test_leadership_ends_by_itself_when_the_lease_is_not_kept(electors):
    """A leader whose keep-alives stop getting through is no longer leader
    after three quarters of the TTL, whether or not its thread notices."""
    now = [0.0]
    elector = electors(ttl=2.0)
    assert elector.wait_elected(5)
    elector.clock = lambda: now[0] + time.monotonic()
    assert elector.is_leader()
    now[0] = 1.6  # past 0.75 x 2 s since the last keep-alive was sent
    assert not elector.is_leader()


def test_a_leader_that_stepped_down_while_its_lease_lived_leads_again(electors):
    """Its key is still there with its live lease: it must not lock everyone
    out by keeping a lease alive that holds the key forever."""
    lost = threading.Event()
    elector = electors(ttl=5.0, on_lost=lost.set)
    assert elector.wait_elected(5)
    elector._step_down("a test")  # as after a keep-alive that did not get through
    assert lost.is_set() and not elector.is_leader()
    assert elector.wait_elected(3)  # well within the 5 s lease
