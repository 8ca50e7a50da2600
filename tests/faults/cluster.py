"""Three etcd members and three ``orchestrator serve --store etcd://``
processes on loopback, each of which can be killed, paused and restarted
where it was (the same ports, the same data), as the nemesis needs.

Every node the harness makes is simulated, so the controller never marks one
unhealthy for want of heartbeats: nothing but the clients writes a
register's record (see :mod:`tests.faults.clients`).
"""

from __future__ import annotations

import signal
import uuid

import requests

from tests.e2e.processes import ServerProcess
from tests.etcd.cluster import EtcdCluster
from tests.etcd.test_processes import poll

TTL = 2.0  # the leader lease, seconds


class ControlPlane:
    def __init__(self, servers: int = 3, members: int = 3, ttl: float = TTL) -> None:
        self.etcd = EtcdCluster(members)
        self.ttl = ttl
        self.store = ""
        self.servers: list[ServerProcess | None] = [None] * servers
        self.ports: list[int] = [0] * servers
        self.paused: set[int] = set()
        self.logs: list[str] = []  # the logs of servers that were killed, kept for the end

    # -- the whole -----------------------------------------------------------

    def start(self) -> ControlPlane:
        self.etcd.start()
        self.store = self.etcd.store(f"/faults-{uuid.uuid4().hex[:8]}")
        try:
            for i in range(len(self.servers)):
                self.start_server(i)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for i in list(self.paused):
            self.resume_server(i)
        for i, server in enumerate(self.servers):
            if server is not None:
                server.stop()
                self.logs.append(server.stderr())
                self.servers[i] = None
        self.etcd.stop()

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.ports]

    # -- API servers ---------------------------------------------------------

    def start_server(self, i: int) -> None:
        port = ("--port", str(self.ports[i])) if self.ports[i] else ()
        server = ServerProcess("--store", self.store, "--leader-ttl", str(self.ttl),
                               "--reconcile-interval", "0.2", *port,
                               # Warnings and errors only: at info, pykka logs every refused ask (a 409)
                               # with its traceback, and the run looks for tracebacks.
                               "--log-level", "warning")
        self.servers[i] = server
        self.ports[i] = int(server.url.rsplit(":", 1)[1])

    def kill_server(self, i: int) -> None:
        server = self.servers[i]
        if i in self.paused:
            self.resume_server(i)
        server.kill()
        self.logs.append(server.stderr())
        self.servers[i] = None

    def pause_server(self, i: int) -> None:
        self.servers[i].process.send_signal(signal.SIGSTOP)
        self.paused.add(i)

    def resume_server(self, i: int) -> None:
        self.servers[i].process.send_signal(signal.SIGCONT)
        self.paused.discard(i)

    def health(self, i: int) -> dict | None:
        if self.servers[i] is None or i in self.paused:
            return None
        try:
            answer = requests.get(self.urls[i] + "/health", timeout=2)
        except requests.RequestException:
            return None
        return answer.json() if answer.status_code == 200 else None

    def leaders(self) -> list[int]:
        return [i for i in range(len(self.servers)) if (self.health(i) or {}).get("leader")]

    def wait_for_one_leader(self, timeout: float) -> int:
        """The one leading server, once there is exactly one (the servers
        are other processes: polled, there is nothing to wait on)."""
        [leader] = poll(lambda: found if len(found := self.leaders()) == 1 else None, timeout, every=0.1)
        return leader

    def server_logs(self) -> list[str]:
        return self.logs + [s.stderr() for s in self.servers if s is not None]

    # -- etcd members --------------------------------------------------------

    def member_up(self, i: int) -> bool:
        process = self.etcd.processes[i]
        return process is not None and process.poll() is None

    def kill_member(self, i: int) -> None:
        self.etcd.stop_member(i, signal.SIGKILL)

    def start_member(self, i: int, wait: bool = True) -> None:
        self.etcd.start_member(i, wait=wait)

    def etcd_leader(self) -> int | None:
        """The member etcd says leads, asked of the members that are up."""
        ids = {}
        leader = None
        for i in range(len(self.etcd.names)):
            if not self.member_up(i):
                continue
            try:
                status = requests.post(f"http://127.0.0.1:{self.etcd.client_ports[i]}/v3/maintenance/status",
                                       json={}, timeout=2).json()
            except (requests.RequestException, ValueError):
                continue
            ids[status["header"]["member_id"]] = i
            leader = status.get("leader") or leader
        return ids.get(leader)
