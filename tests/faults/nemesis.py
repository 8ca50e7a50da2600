"""The nemesis: faults on a seeded schedule, one at a time, each healed
before the next (then a calm spell in which the cluster may recover).

Kinds (``KINDS``):

- ``kill-leader``: ``kill -9`` the API server that runs the controller,
  restart it on its port a moment later;
- ``kill-follower``: the same for a server that does not lead;
- ``pause-leader``: ``SIGSTOP`` the leading server for longer than the
  leader lease, then ``SIGCONT``: it wakes up believing it leads, while
  another has taken over;
- ``kill-etcd-member``: ``kill -9`` an etcd member that does not lead,
  restart it;
- ``kill-etcd-leader``: the same for the member etcd says leads;
- ``lose-quorum``: ``kill -9`` two of the three members, wait, restart them:
  no write and no fresh read can succeed meanwhile.

How long each lasts is drawn from the same seeded stream; the targets are
picked among what is up at the time (which server leads is not seeded).
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Callable

from tests.faults.cluster import ControlPlane

KINDS = ("kill-leader", "kill-follower", "pause-leader", "kill-etcd-member", "kill-etcd-leader", "lose-quorum")


@dataclasses.dataclass
class Fault:
    kind: str
    target: str
    began: float  # seconds into the run
    healed: float


def schedule(rng: random.Random, rounds: int) -> list[str]:
    """``rounds`` shuffled rounds of every kind: each kind once a round."""
    order: list[str] = []
    for _ in range(rounds):
        kinds = list(KINDS)
        rng.shuffle(kinds)
        order.extend(kinds)
    return order


class Nemesis:
    def __init__(self, plane: ControlPlane, rng: random.Random, elapsed: Callable[[], float],
                 stop: threading.Event | None = None) -> None:
        self.plane = plane
        self.rng = rng
        self.elapsed = elapsed
        self.stop = stop or threading.Event()  # set: cut the current fault short (it is still healed)
        self.faults: list[Fault] = []

    def hold(self, low: float, high: float) -> None:
        """Leave the fault in place for a while (a fault's length is the
        point here, not something to wait on)."""
        self.stop.wait(self.rng.uniform(low, high))

    def inject(self, kind: str) -> Fault:
        began = self.elapsed()
        target = getattr(self, "_" + kind.replace("-", "_"))()
        fault = Fault(kind, target, round(began, 2), round(self.elapsed(), 2))
        self.faults.append(fault)
        return fault

    def settle(self, timeout: float = 60.0) -> None:
        """Every member and server up, and one server leading."""
        self.plane.etcd.wait_healthy(timeout)
        self.plane.wait_for_one_leader(timeout)

    # -- the kinds -----------------------------------------------------------

    def _servers(self, leading: bool) -> list[int]:
        leaders = self.plane.leaders()
        everyone = range(len(self.plane.servers))
        chosen = [i for i in everyone if (i in leaders) == leading]
        return chosen or list(everyone)

    def _kill_server(self, i: int) -> str:
        self.plane.kill_server(i)
        self.hold(0.2, 2.0)
        self.plane.start_server(i)
        return f"server {i}"

    def _kill_leader(self) -> str:
        return self._kill_server(self.rng.choice(self._servers(leading=True)))

    def _kill_follower(self) -> str:
        return self._kill_server(self.rng.choice(self._servers(leading=False)))

    def _pause_leader(self) -> str:
        i = self.rng.choice(self._servers(leading=True))
        self.plane.pause_server(i)
        self.hold(1.5 * self.plane.ttl, 2.5 * self.plane.ttl)
        self.plane.resume_server(i)
        return f"server {i}"

    def _kill_members(self, members: list[int], low: float, high: float) -> str:
        for i in members:
            self.plane.kill_member(i)
        self.hold(low, high)
        for i in members:
            self.plane.start_member(i, wait=False)
        self.plane.etcd.wait_healthy(60)
        return "etcd " + ",".join(self.plane.etcd.names[i] for i in members)

    def _kill_etcd_member(self) -> str:
        leader = self.plane.etcd_leader()
        others = [i for i in range(len(self.plane.etcd.names)) if i != leader]
        return self._kill_members([self.rng.choice(others)], 0.5, 3.0)

    def _kill_etcd_leader(self) -> str:
        leader = self.plane.etcd_leader()
        return self._kill_members([leader if leader is not None else 0], 0.5, 3.0)

    def _lose_quorum(self) -> str:
        return self._kill_members(self.rng.sample(range(len(self.plane.etcd.names)), 2), 2.0, 4.0)
